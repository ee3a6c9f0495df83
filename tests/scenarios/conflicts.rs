//! A file changed on both sides, under each conflict policy.

use crate::support::sync::*;

fn two_sided_edit(name: &str, policy: &str) -> Fixture {
    let f = Fixture::new(name, &["--conflict", policy]);
    write(&f.l("doc.txt"), "base");
    f.sync();
    write(&f.l("doc.txt"), "local edit");
    write(&f.r("doc.txt"), "remote edit!");
    f
}

#[test]
fn conflict_keep_both_keeps_both_versions_on_both_sides() {
    let f = two_sided_edit("conflict_keep_both", "keep-both");
    age(&f.l("doc.txt"), 100); // the local version is older: it loses the name
    let out = f.sync();
    assert_eq!(out.count("conflicts"), 1);
    assert_eq!(read(&f.l("doc.txt")), "remote edit!");
    let copies = names_containing(&f.local, "conflict");
    assert_eq!(copies.len(), 1, "{copies:?}");
    let host = gethostname::gethostname().to_string_lossy().to_string();
    assert!(
        copies[0].starts_with("doc (conflict ")
            && copies[0].contains(&host)
            && copies[0].ends_with(".txt")
    );
    assert_eq!(read(&f.l(&copies[0])), "local edit");
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn conflict_newest_wins_and_loser_is_in_trash() {
    let f = two_sided_edit("conflict_newest", "newest");
    age(&f.r("doc.txt"), 100);
    let out = f.sync();
    assert_eq!(out.count("conflicts"), 1);
    assert_eq!(read(&f.r("doc.txt")), "local edit");
    assert_eq!(trashed(&f.remote), vec!["doc.txt"]);
    f.assert_in_sync();
}

#[test]
fn conflict_local_policy() {
    let f = two_sided_edit("conflict_local", "local");
    f.sync();
    assert_eq!(read(&f.r("doc.txt")), "local edit");
    f.assert_in_sync();
}

#[test]
fn conflict_remote_policy() {
    let f = two_sided_edit("conflict_remote", "remote");
    f.sync();
    assert_eq!(read(&f.l("doc.txt")), "remote edit!");
    assert_eq!(trashed(&f.local), vec!["doc.txt"]);
    f.assert_in_sync();
}

#[test]
fn conflict_ask_leaves_both_untouched_until_resolved() {
    let f = two_sided_edit("conflict_ask", "ask");
    let out = f.sync();
    assert_eq!(out.count("conflicts"), 1);
    assert_eq!(read(&f.l("doc.txt")), "local edit");
    assert_eq!(read(&f.r("doc.txt")), "remote edit!");
    // Still pending on the next run, and listed once.
    f.sync();
    let list = f.run(&["conflicts", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let id = list[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(list[0]["path"], "doc.txt");
    let res = f.run(&["resolve", &id, "--keep", "remote"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert_eq!(read(&f.l("doc.txt")), "remote edit!");
    assert_eq!(trashed(&f.local), vec!["doc.txt"]);
    let list = f.run(&["conflicts", "--json"]);
    assert_eq!(list.stdout.trim(), "[]");
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn conflict_ask_resolved_keep_both() {
    let f = two_sided_edit("conflict_ask_both", "ask");
    f.sync();
    let list = f.run(&["conflicts", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let id = list[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(f.run(&["resolve", &id, "--keep", "both"]).code, 0);
    assert_eq!(read(&f.l("doc.txt")), "remote edit!");
    let copies = names_containing(&f.remote, "conflict");
    assert_eq!(copies.len(), 1);
    assert_eq!(read(&f.r(&copies[0])), "local edit");
    f.assert_in_sync();
    f.assert_idle_sync();
}
