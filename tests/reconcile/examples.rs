//! Examples

#[allow(unused_imports)]
use super::*;

/// Both sides holding `entries` (content, or `None` for a folder), recorded as synced.
pub(crate) fn synced(entries: &[(&str, Option<Content>)]) -> World {
    let mut nodes = BTreeMap::new();
    for (p, c) in entries {
        insert_node(&mut nodes, &rp(p), *c);
    }
    let mut w = World::default();
    for (p, c) in &nodes {
        let (l, r) = match c {
            Some(c) => (w.lfile(p, *c, 10), w.rfile(p, *c, 10)),
            None => (w.ldir(p, 10), w.rdir(p, 10)),
        };
        w.local.insert(p.clone(), l);
        w.remote.insert(p.clone(), r);
        w.record(p);
    }
    w
}

pub(crate) fn put(w: &mut World, side: Side, p: &str, c: Content, mtime: i64) {
    let p = rp(p);
    let ancestors: Vec<RelPath> = p.ancestors().collect();
    for a in ancestors.iter().rev() {
        if kind_at(w, side, a).is_none() {
            put_dir(w, side, a, mtime);
        }
    }
    put_file(w, side, &p, c, mtime);
}

pub(crate) fn remove(w: &mut World, side: Side, p: &str) {
    let p = rp(p);
    for q in side_paths(w, side).iter().filter(|q| q.starts_with(&p)) {
        match side {
            Side::Local => {
                w.local.remove(q);
            }
            Side::Remote => {
                w.remote.remove(q);
                w.rcontent.remove(q);
            }
        }
    }
}

pub(crate) fn two_way() -> ReconcileOptions {
    options(Mode::TwoWay, true, true)
}

/// Plans, applies and checks every property on the result.
pub(crate) fn sync(w: &World, opts: ReconcileOptions, policy: ConflictPolicy) -> Run {
    let r = run(w, opts, policy).unwrap_or_else(|e| panic!("{e}"));
    let checks: [Check; 5] = [
        no_lost_bytes,
        idempotent,
        converges,
        modes_protect_their_side,
        skipped_untouched,
    ];
    for check in checks {
        check(&r).unwrap_or_else(|e| panic!("{e}\n{}", r.describe()));
    }
    r
}

/// The plan as (path, action name), for compact assertions.
pub(crate) fn summary(plan: &[Action]) -> Vec<(String, &'static str)> {
    plan.iter()
        .map(|a| (a.path().as_str().to_string(), action_name(a)))
        .collect()
}

pub(crate) fn s(p: &str, a: &'static str) -> (String, &'static str) {
    (p.to_string(), a)
}

#[test]
pub(crate) fn edit_beats_remote_delete() {
    let mut w = synced(&[("d/f.txt", Some(1))]);
    put(&mut w, Side::Local, "d/f.txt", 4, 200);
    remove(&mut w, Side::Remote, "d");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert!(r.plan.contains(&Action::Upload {
        local: w.local[&rp("d/f.txt")].clone(),
        replaces: None
    }));
    assert_eq!(r.post.remote_content(&rp("d/f.txt")), Some(4));
    assert_eq!(r.post.local_content(&rp("d/f.txt")), Some(4));
}

#[test]
pub(crate) fn edit_beats_local_delete() {
    let mut w = synced(&[("f.txt", Some(1))]);
    put(&mut w, Side::Remote, "f.txt", 4, 200);
    remove(&mut w, Side::Local, "f.txt");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("f.txt", "Download")]);
    assert_eq!(r.post.local_content(&rp("f.txt")), Some(4));
}

#[test]
pub(crate) fn unchanged_file_deleted_on_one_side_is_deleted_on_the_other() {
    let mut w = synced(&[("f.txt", Some(1)), ("g", Some(2))]);
    remove(&mut w, Side::Remote, "f.txt");
    remove(&mut w, Side::Local, "g");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![s("f.txt", "DeleteLocal"), s("g", "DeleteRemote")]
    );
}

#[test]
pub(crate) fn same_bytes_on_both_sides_transfer_nothing() {
    let mut w = synced(&[("f.txt", Some(1))]);
    put(&mut w, Side::Local, "f.txt", 4, 200);
    put(&mut w, Side::Remote, "f.txt", 4, 300);
    for policy in POLICIES {
        let r = sync(&w, two_way(), policy);
        assert!(matches!(
            r.plan.as_slice(),
            [Action::Conflict {
                same_size: true,
                ..
            }]
        ));
        // The executor compares, finds the same bytes and only records them.
        assert!(r.fx.copies.is_empty() && r.fx.discarded.is_empty() && r.fx.pending.is_empty());
        assert_eq!(r.post.local, r.pre.local);
        assert_eq!(r.post.remote, r.pre.remote);
        assert!(r.again.is_empty());
    }
}

#[test]
pub(crate) fn first_sync_adopts_identical_and_conflicts_differing() {
    let mut w = synced(&[("d/same.txt", Some(1)), ("d/differs", Some(2)), ("e", None)]);
    // Same size, different bytes: only the executor's comparison can tell.
    put(&mut w, Side::Remote, "d/differs", 5, 300);
    put(&mut w, Side::Local, "d/differs", 2, 200);
    w.base.clear();
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "Record"),
            s("d/differs", "Conflict"),
            s("d/same.txt", "Conflict"),
            s("e", "Record"),
        ]
    );
    // Identical: adopted, nothing copied. Differing: both kept; the older (local) loses the name.
    assert_eq!(r.post.local_content(&rp("d/same.txt")), Some(1));
    assert_eq!(r.fx.copies.len(), 1);
    let copy = &r.fx.copies[&rp("d/differs")][0];
    assert!(copy.as_str().starts_with("d/differs (conflict testbox "));
    assert_eq!(r.post.local_content(copy), Some(2));
    assert_eq!(r.post.remote_content(copy), Some(2));
    assert_eq!(r.post.local_content(&rp("d/differs")), Some(5));
}

/// Regression: folder deletions were settled with the sides swapped, which panicked
/// (`no entry found for key`) on any folder deleted on one side.
#[test]
pub(crate) fn folder_deleted_remotely_is_deleted_locally() {
    let mut w = synced(&[("d/f.txt", Some(1)), ("d/e/g", Some(2))]);
    remove(&mut w, Side::Remote, "d");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "DeleteLocal"),
            s("d/e", "DeleteLocal"),
            s("d/e/g", "DeleteLocal"),
            s("d/f.txt", "DeleteLocal"),
        ]
    );
    assert!(r.post.local.is_empty() && r.post.remote.is_empty() && r.post.base.is_empty());
}

/// Regression for the same swap, from the other side and with content that must survive.
#[test]
pub(crate) fn removed_folder_with_new_remote_file_is_kept() {
    let mut w = synced(&[("d/old.txt", Some(1))]);
    remove(&mut w, Side::Local, "d");
    put(&mut w, Side::Remote, "d/new.txt", 2, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "CreateLocalDir"),
            s("d/new.txt", "Download"),
            s("d/old.txt", "DeleteRemote"),
        ]
    );
    assert_eq!(r.post.local_content(&rp("d/new.txt")), Some(2));
    assert!(!r.post.remote.contains_key(&rp("d/old.txt")));
}

#[test]
pub(crate) fn removed_folder_with_edited_local_file_is_recreated_remotely() {
    let mut w = synced(&[("d/f.txt", Some(1)), ("d/g", Some(2))]);
    remove(&mut w, Side::Remote, "d");
    put(&mut w, Side::Local, "d/f.txt", 3, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "CreateRemoteDir"),
            s("d/f.txt", "Upload"),
            s("d/g", "DeleteLocal"),
        ]
    );
}

#[test]
pub(crate) fn touch_only_refreshes_metadata() {
    let mut w = synced(&[("f.txt", Some(1))]);
    w.local.get_mut(&rp("f.txt")).unwrap().mtime_ns = 999;
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("f.txt", "Record")]);
    assert_eq!(r.post.local, r.pre.local);
    assert_eq!(r.post.remote, r.pre.remote);
    assert_eq!(r.post.base[&rp("f.txt")].local_mtime_ns, 999);
    assert!(r.again.is_empty());
}

#[test]
pub(crate) fn remote_change_detected_with_same_size() {
    // 1 -> 4: same size (1 byte); the last-write time was kept, only the change time moved.
    let mut w = synced(&[("f.txt", Some(1))]);
    let ctime = w.tick();
    let e = w.remote.get_mut(&rp("f.txt")).unwrap();
    assert_eq!(size(1), size(4));
    e.ctime_ns = Some(ctime);
    w.rcontent.insert(rp("f.txt"), 4);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("f.txt", "Download")]);
    assert_eq!(r.post.local_content(&rp("f.txt")), Some(4));
}

/// Regression: with a file on one side and a folder of the same name on the other, the name was
/// skipped but the folder's content was still planned (creating or uploading under a file).
#[test]
pub(crate) fn nothing_under_a_file_folder_clash_is_touched() {
    let mut w = synced(&[("a/x", Some(1))]);
    remove(&mut w, Side::Remote, "a");
    put(&mut w, Side::Remote, "a", 2, 200);
    put(&mut w, Side::Local, "a/x", 3, 200);
    put(&mut w, Side::Local, "a/new/y", 4, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    let kinds: Vec<&str> = r.plan.iter().map(action_name).collect();
    assert_eq!(kinds, vec!["Skip"; 4], "{}", r.describe());
    assert_eq!(r.post.local, r.pre.local);
    assert_eq!(r.post.remote, r.pre.remote);
}

#[test]
pub(crate) fn smb_invalid_and_case_twin_names_are_skipped() {
    let mut w = synced(&[("a/f", Some(1))]);
    put(&mut w, Side::Local, "q*r/x", 2, 200);
    put(&mut w, Side::Local, "A/g", 3, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert!(r.plan.iter().all(|a| matches!(a, Action::Skip { .. })));
    // `a` was synced before, so it keeps syncing; its twin `A` and what is in it are skipped.
    let skipped: Vec<&str> = r.plan.iter().map(|a| a.path().as_str()).collect();
    assert_eq!(skipped, ["A", "A/g", "q*r", "q*r/x"], "{}", r.describe());
    // A case-sensitive share without the SMB name check takes all of them.
    let r = sync(
        &w,
        options(Mode::TwoWay, false, false),
        ConflictPolicy::KeepBoth,
    );
    assert_eq!(r.post.remote_content(&rp("q*r/x")), Some(2));
    assert_eq!(r.post.remote_content(&rp("A/g")), Some(3));
}

#[test]
pub(crate) fn of_local_case_twins_never_synced_the_first_in_byte_order_is_synced() {
    let mut w = synced(&[]);
    put(&mut w, Side::Local, "readme", 1, 200);
    put(&mut w, Side::Local, "README", 2, 200);
    put(&mut w, Side::Local, "Readme", 3, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("README", "Upload"),
            s("Readme", "Skip"),
            s("readme", "Skip")
        ]
    );
    assert_eq!(r.post.remote_content(&rp("README")), Some(2));
    // The share already holding one of the spellings: that one is synced.
    let mut w = synced(&[]);
    put(&mut w, Side::Local, "README", 2, 200);
    put(&mut w, Side::Local, "readme", 1, 200);
    put(&mut w, Side::Remote, "readme", 1, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    let names: Vec<(&str, &str)> = r
        .plan
        .iter()
        .map(|a| (a.path().as_str(), action_name(a)))
        .collect();
    assert!(names.contains(&("README", "Skip")), "{names:?}");
    assert!(!names.contains(&("readme", "Skip")), "{names:?}");
    assert_eq!(r.post.local, r.pre.local);
}

/// Found by the idempotence property: the twin synced before was deleted on the share, so the
/// new twin is the one kept (the old one stays here, reported), and the next run rests.
#[test]
pub(crate) fn a_case_twin_deleted_on_the_share_gives_way_to_the_other() {
    let mut w = synced(&[("a/f", Some(1))]);
    remove(&mut w, Side::Remote, "a");
    put(&mut w, Side::Local, "A/g", 2, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("A", "CreateRemoteDir"),
            s("A/g", "Upload"),
            s("a", "Skip"),
            s("a/f", "Skip")
        ],
        "{}",
        r.describe()
    );
    // The next run only reports the twin again.
    assert_eq!(
        summary(&r.again),
        vec![s("a", "Skip"), s("a/f", "Skip")],
        "{}",
        r.describe()
    );
    assert_eq!(r.post.local, r.pre.local);
}

#[test]
pub(crate) fn upload_mode_restores_what_the_remote_deleted_and_never_downloads() {
    let mut w = synced(&[("f", Some(1)), ("d/g", Some(2))]);
    remove(&mut w, Side::Remote, "f");
    remove(&mut w, Side::Remote, "d");
    put(&mut w, Side::Remote, "new", 5, 200);
    let r = sync(
        &w,
        options(Mode::Upload, true, true),
        ConflictPolicy::KeepBoth,
    );
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "CreateRemoteDir"),
            s("d/g", "Upload"),
            s("f", "Upload"),
        ]
    );
    assert_eq!(summary(&r.again_two_way), vec![s("new", "Download")]);
}

#[test]
pub(crate) fn download_mode_restores_what_the_local_side_deleted_and_never_uploads() {
    let mut w = synced(&[("f", Some(1))]);
    remove(&mut w, Side::Local, "f");
    put(&mut w, Side::Local, "new", 5, 200);
    let r = sync(
        &w,
        options(Mode::Download, true, true),
        ConflictPolicy::KeepBoth,
    );
    assert_eq!(summary(&r.plan), vec![s("f", "Download")]);
    assert_eq!(summary(&r.again_two_way), vec![s("new", "Upload")]);
}

#[test]
pub(crate) fn one_way_conflicts_keep_the_target_copy_beside_the_source_version() {
    let mut w = synced(&[("f.txt", Some(1))]);
    put(&mut w, Side::Local, "f.txt", 2, 200);
    put(&mut w, Side::Remote, "f.txt", 3, 300);
    let r = sync(
        &w,
        options(Mode::Upload, true, true),
        ConflictPolicy::Newest,
    );
    let copy = &r.fx.copies[&rp("f.txt")][0];
    assert_eq!(r.post.remote_content(&rp("f.txt")), Some(2));
    assert_eq!(r.post.remote_content(copy), Some(3));
    assert!(!r.post.local.contains_key(copy));
    let r = sync(
        &w,
        options(Mode::Download, true, true),
        ConflictPolicy::Newest,
    );
    let copy = &r.fx.copies[&rp("f.txt")][0];
    assert_eq!(r.post.local_content(&rp("f.txt")), Some(3));
    assert_eq!(r.post.local_content(copy), Some(2));
    assert!(!r.post.remote.contains_key(copy));
}

#[test]
pub(crate) fn ask_leaves_both_versions_pending() {
    let mut w = synced(&[("f.txt", Some(1))]);
    put(&mut w, Side::Local, "f.txt", 2, 200);
    put(&mut w, Side::Remote, "f.txt", 3, 300);
    let r = sync(&w, two_way(), ConflictPolicy::Ask);
    assert_eq!(r.post.local, r.pre.local);
    assert_eq!(r.post.remote, r.pre.remote);
    assert_eq!(summary(&r.again), vec![s("f.txt", "Conflict")]);
}

#[test]
pub(crate) fn settle_by_policy_and_mode() {
    use ConflictPolicy as P;
    use Resolution as R;
    let two = Mode::TwoWay;
    let keep = |loser| R::KeepBoth { loser };
    assert_eq!(settle(P::Newest, two, 2, 1), R::UseLocal);
    assert_eq!(settle(P::Newest, two, 1, 2), R::UseRemote);
    // A tie keeps both; the local copy gives up the name.
    assert_eq!(settle(P::Newest, two, 1, 1), keep(Side::Local));
    assert_eq!(settle(P::KeepBoth, two, 1, 2), keep(Side::Local));
    assert_eq!(settle(P::KeepBoth, two, 2, 1), keep(Side::Remote));
    assert_eq!(settle(P::Local, two, 1, 2), R::UseLocal);
    assert_eq!(settle(P::Remote, two, 2, 1), R::UseRemote);
    // One-way modes never overwrite their source side.
    assert_eq!(settle(P::Local, Mode::Download, 2, 1), keep(Side::Local));
    assert_eq!(settle(P::Newest, Mode::Download, 2, 1), keep(Side::Local));
    assert_eq!(settle(P::Remote, Mode::Download, 2, 1), R::UseRemote);
    assert_eq!(settle(P::Remote, Mode::Upload, 1, 2), keep(Side::Remote));
    assert_eq!(settle(P::Newest, Mode::Upload, 1, 2), keep(Side::Remote));
    assert_eq!(settle(P::Local, Mode::Upload, 1, 2), R::UseLocal);
    for mode in MODES {
        assert_eq!(settle(P::Ask, mode, 1, 2), R::Ask);
    }
}
