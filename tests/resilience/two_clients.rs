//! Two clients (two data folders, two local folders) on one share folder, and the share edited
//! directly as a third place. Random edits in the three places, syncs alternating (A then B)
//! and concurrent (A and B at the same moment), then syncs until both rest; the three trees
//! must then be the same and every version a user wrote must be in them (see `versions`), not
//! only in a trash.
//!
//! The second test has both clients create the same new names at the same moment and sync at
//! once, three times, both held by one proxy until both have started (lockstep). Samba's
//! rename-without-replace is not atomic across connections (README, known limits), so one
//! client's upload can silently replace the other's and the replaced version ends in a trash:
//! with uploads that claim the final name by a rename, this test fails in about 3 runs of 4
//! (measured 2026-12-04: 1-3 versions only in a trash). Issue 15 (item 0) claims new names
//! atomically; then it must pass every time.

use std::time::Instant;

use super::versions::Versions;
use super::*;
use crate::support::fault_proxy::FaultProxy;
use crate::support::samba::SambaServer;
use crate::support::sync::{tree, write, Node, CHANGE_COUNTS};

/// Runs A's and B's sync at the same moment; the exit codes must be 0 or 1 (a file changed
/// under a run is left for the next one).
fn sync_both_at_once(a: &Fixture, b: &Fixture) -> [Value; 2] {
    let (ca, cb) = (spawn_sync(a), spawn_sync(b));
    let (ra, rb) = (finish(ca), finish(cb));
    for (code, report) in [&ra, &rb] {
        assert!([0, 1].contains(code), "exit {code}: {report}");
    }
    [ra.1, rb.1]
}

fn sync_loose(f: &Fixture) -> Value {
    let out = f.run(&["sync", "job", "--json"]);
    assert!(
        [0, 1].contains(&out.code),
        "exit {}: {}\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
    out.report()
}

/// Whether a run changed nothing anywhere.
fn rested(report: &Value) -> bool {
    report["status"] == "success" && CHANGE_COUNTS.iter().all(|k| report[*k] == 0)
}

/// A then B until a round where neither does anything (at most `rounds`).
fn settle(a: &Fixture, b: &Fixture, rounds: usize) -> usize {
    for round in 1..=rounds {
        let (ra, rb) = (sync_loose(a), sync_loose(b));
        if rested(&ra) && rested(&rb) {
            return round;
        }
    }
    panic!("A and B did not come to rest in {rounds} rounds");
}

fn two_clients(name: &str) -> (Fixture, Fixture) {
    two_clients_via(name, None)
}

/// Two clients on one new share folder, reaching the server through `proxy` when given.
fn two_clients_via(name: &str, proxy: Option<&FaultProxy>) -> (Fixture, Fixture) {
    let smb = SambaServer::shared();
    let (remote, mut url) = smb.folder(name);
    if let Some(p) = proxy {
        url.port = Some(p.port());
    }
    let a = Fixture::at(smb, (remote.clone(), url.clone()), &[]);
    let b = Fixture::at(smb, (remote, url), &[]);
    (a, b)
}

/// A's local folder, B's and the share hold the same names and bytes, and no temp file. On a
/// difference, prints each differing small file as it is in the three places first.
fn assert_three_trees_equal(a: &Fixture, b: &Fixture) {
    let trees = [
        ("A", tree(&a.local)),
        ("B", tree(&b.local)),
        ("share", tree(&a.remote)),
    ];
    let names: std::collections::BTreeSet<&String> =
        trees.iter().flat_map(|(_, t)| t.keys()).collect();
    for name in names {
        let seen: Vec<String> = trees
            .iter()
            .map(|(place, t)| match t.get(name) {
                Some(Node::File(b)) if b.len() <= 256 => {
                    format!("{place}: {:?}", String::from_utf8_lossy(b))
                }
                Some(Node::File(b)) => format!("{place}: {} bytes", b.len()),
                Some(Node::Dir) => format!("{place}: folder"),
                None => format!("{place}: absent"),
            })
            .collect();
        if trees
            .iter()
            .any(|(_, t)| t.get(name) != trees[0].1.get(name))
        {
            eprintln!("differs: {name}: {}", seen.join(", "));
        }
    }
    crate::support::sync::assert_trees_equal(&a.local, &a.remote);
    crate::support::sync::assert_trees_equal(&b.local, &b.remote);
}

#[test]
fn two_clients_and_the_share_edited_at_random_converge_with_every_version() {
    let case = "two clients";
    let mut rng = seeded(case);
    let (a, b) = two_clients("two-clients");
    let mut v = Versions::new(rng.random(), 64 * 1024..2 * MIB);
    for i in 0..10 {
        v.create_text(&a.remote, "share", &format!("s{i}.txt"));
    }
    v.write_big(&a.remote, "share", "big.bin");
    let t = Instant::now();
    for round in 0..10 {
        for (root, place) in [(&a.local, "A"), (&b.local, "B"), (&a.remote, "share")] {
            for _ in 0..rng.random_range(0..=3) {
                let did = v.random_edit(root, place);
                eprintln!("resilience {case}: {round}: {did}");
            }
        }
        if round % 2 == 0 {
            sync_loose(&a);
            sync_loose(&b);
        } else {
            sync_both_at_once(&a, &b);
        }
    }
    let rounds = settle(&a, &b, 6);
    eprintln!(
        "resilience {case}: 10 rounds, {} versions written, at rest after {rounds} more round(s); {:.1} s",
        v.written(),
        secs(t)
    );
    assert_three_trees_equal(&a, &b);
    v.assert_all_present(&a.remote, &[&a.local, &b.local, &a.remote]);
}

#[test]
fn two_clients_creating_the_same_new_names_at_once_keep_both_versions() {
    let case = "same new names";
    let mut rng = seeded(case);
    // Both clients through one proxy, held still while both start: their logins (and so
    // their uploads) then begin at the same moment, in lockstep.
    let proxy = FaultProxy::start(SambaServer::shared().port(), rng.random());
    let (a, b) = two_clients_via("same-names", Some(&proxy));
    let mut v = Versions::new(rng.random(), 0..1);
    let t = Instant::now();
    for round in 0..3 {
        for i in 0..100 {
            v.create_text(&a.local, "A", &format!("race/r{round}/f{i}.txt"));
        }
        // Two machines' clocks never give two files the same modification time; one machine
        // writing both within one tick of the kernel's file clock (a few ms) does. That case
        // is the test below; here B writes a tick later, as another machine would.
        std::thread::sleep(std::time::Duration::from_millis(20));
        for i in 0..100 {
            v.create_text(&b.local, "B", &format!("race/r{round}/f{i}.txt"));
        }
        proxy.stall(std::time::Duration::from_millis(1500));
        let [ra, rb] = sync_both_at_once(&a, &b);
        eprintln!(
            "resilience {case}: round {round}: A uploaded {} (left {}), B uploaded {} (left {})",
            ra["uploaded"], ra["skipped"], rb["uploaded"], rb["skipped"]
        );
        // Both at rest before the next race: a client still busy with the last round's
        // conflicts starts late and never meets the other on a name (measured: rounds after
        // the first were never interleaved without this).
        settle(&a, &b, 6);
    }
    let rounds = settle(&a, &b, 6);
    eprintln!(
        "resilience {case}: 3 x 100 names created by both clients at once; at rest after {rounds} more round(s); {:.1} s",
        secs(t)
    );
    assert_three_trees_equal(&a, &b);
    v.assert_all_present(&a.remote, &[&a.local, &b.local, &a.remote]);
}

/// Regression test for an engine bug the test above found (issue 15, fixed: the remote side's
/// change detection now compares the file id too). It compared size, modification and change
/// time only. Two clients' versions of one name
/// with the same size and the same modification time (the engine sets the local one on the
/// share; here both written within one tick of the kernel's file clock) look the same: after
/// B keeps both (A's version renamed to a conflict copy, B's uploaded at the name), A sees
/// the name "unchanged" although it holds another file (another id, other bytes), keeps its
/// own version there for good and reports nothing to do: the trees stay different. No version
/// is lost (A's is also in the conflict copy), but A never gets B's.
#[test]
fn a_replaced_remote_file_with_the_same_size_and_time_is_noticed() {
    let (a, b) = two_clients("same-meta");
    write(&a.l("f.txt"), "from A\n");
    write(&b.l("f.txt"), "from B\n");
    // The same time on both, as within one tick of the clock. Not a multiple of 100 ns: the
    // share keeps 100 ns units, so A's copy there looks older than B's file and B's version
    // wins the name (A's is renamed to the conflict copy), as in the race above.
    let t = filetime::FileTime::from_unix_time(1_700_000_000, 765);
    filetime::set_file_mtime(a.l("f.txt"), t).unwrap();
    filetime::set_file_mtime(b.l("f.txt"), t).unwrap();
    a.sync(); // uploads A's version
    let out = b.sync(); // both sides new and different: keeps both
    assert_eq!(out.count("conflicts"), 1, "{}", out.stdout);
    a.sync();
    assert_three_trees_equal(&a, &b);
    let names = crate::support::sync::names_containing(&a.local, "f");
    assert_eq!(names.len(), 2, "{names:?}");
}
