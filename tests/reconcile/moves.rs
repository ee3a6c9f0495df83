//! Examples of moves and renames (see `anemone_sync::sync::moves`): each plans, applies, and
//! checks every property on the result (`sync`), then asserts what the user sees.

use super::examples::{put, remove, s, summary, sync, synced, two_way};
#[allow(unused_imports)]
use super::*;

fn mv(w: &mut World, side: Side, from: &str, to: &str) {
    let before = side_paths(w, side);
    move_entry(w, side, &rp(from), &rp(to), true);
    assert_ne!(
        side_paths(w, side),
        before,
        "the example's move was not made"
    );
}

fn both(r: &Run, p: &str) -> (Option<Content>, Option<Content>) {
    (r.post.local_content(&rp(p)), r.post.remote_content(&rp(p)))
}

fn gone(r: &Run, p: &str) {
    let p = rp(p);
    assert!(
        kind_at(&r.post, Side::Local, &p).is_none() && kind_at(&r.post, Side::Remote, &p).is_none(),
        "{p:?} is still there\n{}",
        r.describe()
    );
}

#[test]
fn a_folder_renamed_locally_is_one_rename_on_the_share() {
    let mut w = synced(&[("d/a", Some(1)), ("d/b", Some(2)), ("d/e/c", Some(3))]);
    mv(&mut w, Side::Local, "d", "renamed");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("renamed", "MoveRemote")]);
    assert_eq!(both(&r, "renamed/e/c"), (Some(3), Some(3)));
    gone(&r, "d");
}

#[test]
fn a_file_moved_across_folders_on_the_share_is_renamed_locally() {
    let mut w = synced(&[("x/f", Some(4)), ("y/g", Some(5))]);
    mv(&mut w, Side::Remote, "x/f", "y/f");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("y/f", "MoveLocal")]);
    assert_eq!(both(&r, "y/f"), (Some(4), Some(4)));
    gone(&r, "x/f");
}

#[test]
fn moved_here_and_edited_there_the_edit_lands_at_the_new_place() {
    let mut w = synced(&[("d/f", Some(1))]);
    mv(&mut w, Side::Local, "d", "e");
    put(&mut w, Side::Remote, "d/f", 4, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![s("e", "MoveRemote"), s("e/f", "Download")]
    );
    assert_eq!(both(&r, "e/f"), (Some(4), Some(4)));
    gone(&r, "d");
}

#[test]
fn moved_on_the_share_and_edited_here_the_edit_lands_at_the_new_place() {
    let mut w = synced(&[("f", Some(1))]);
    mv(&mut w, Side::Remote, "f", "g");
    put(&mut w, Side::Local, "f", 2, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![s("g", "MoveLocal"), s("g", "Upload")]
    );
    assert_eq!(both(&r, "g"), (Some(2), Some(2)));
    gone(&r, "f");
}

#[test]
fn moved_here_and_deleted_there_the_file_survives_at_the_new_place() {
    let mut w = synced(&[("f", Some(1))]);
    mv(&mut w, Side::Local, "f", "g");
    remove(&mut w, Side::Remote, "f");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("f", "Forget"), s("g", "Upload")]);
    assert_eq!(both(&r, "g"), (Some(1), Some(1)));
}

#[test]
fn moved_to_two_places_both_places_keep_a_copy() {
    let mut w = synced(&[("f", Some(1))]);
    mv(&mut w, Side::Local, "f", "g");
    mv(&mut w, Side::Remote, "f", "h");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(both(&r, "g"), (Some(1), Some(1)));
    assert_eq!(both(&r, "h"), (Some(1), Some(1)));
    gone(&r, "f");
}

#[test]
fn a_case_only_rename_renames_in_place_on_a_case_insensitive_share() {
    let mut w = synced(&[("a", Some(1))]);
    mv(&mut w, Side::Local, "a", "A");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("A", "MoveRemote")]);
    assert_eq!(both(&r, "A"), (Some(1), Some(1)));
    gone(&r, "a");
}

#[test]
fn a_move_onto_a_name_the_share_cannot_hold_is_a_delete_and_a_skip() {
    let mut w = synced(&[("f", Some(1))]);
    mv(&mut w, Side::Local, "f", "q*r");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![s("f", "DeleteRemote"), s("q*r", "Skip")]
    );
    assert_eq!(both(&r, "q*r"), (Some(1), None));
}

#[test]
fn upload_mode_follows_local_moves_and_leaves_the_share_s_alone() {
    let mut w = synced(&[("a", Some(1)), ("b", Some(2))]);
    mv(&mut w, Side::Local, "a", "a2");
    mv(&mut w, Side::Remote, "b", "b2");
    let opts = options(Mode::Upload, true, true);
    let r = sync(&w, opts, ConflictPolicy::KeepBoth);
    assert!(summary(&r.plan).contains(&s("a2", "MoveRemote")));
    assert!(!r
        .plan
        .iter()
        .any(|a| matches!(a, Action::Move(m) if m.side == Side::Local)));
    assert_eq!(both(&r, "a2"), (Some(1), Some(1)));
}

/// A share that gives no file ids: a file is matched by size and time, one to one.
#[test]
fn without_ids_a_unique_size_and_time_is_a_move_on_the_share() {
    let mut w = synced(&[("f", Some(1)), ("g", Some(2))]);
    for e in w.remote.values_mut() {
        e.file_id = None;
    }
    for b in w.base.values_mut() {
        b.remote_file_id = None;
    }
    mv(&mut w, Side::Remote, "f", "f2");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("f2", "MoveLocal")]);
}

/// A local disk that gives no ids: the scan hashed the new path, whose content is the synced
/// one.
#[test]
fn without_ids_the_same_content_is_a_local_move() {
    let mut w = synced(&[("f", Some(1))]);
    for e in w.local.values_mut() {
        e.file_id = None;
    }
    for b in w.base.values_mut() {
        b.local_file_id = None;
    }
    mv(&mut w, Side::Local, "f", "g");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("g", "MoveRemote")]);
}

/// File systems reuse freed ids: a new folder given the id of a synced folder that was deleted,
/// holding none of its files, is a new folder, not that one moved.
#[test]
fn a_new_folder_with_a_deleted_folder_s_reused_id_is_not_a_move() {
    let mut w = synced(&[("old/a", Some(1))]);
    let old_id = w.local[&rp("old")].file_id;
    remove(&mut w, Side::Local, "old");
    put(&mut w, Side::Local, "new/b", 2, 200);
    w.local.get_mut(&rp("new")).unwrap().file_id = old_id;
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert!(
        !r.plan.iter().any(|a| matches!(a, Action::Move(_))),
        "{}",
        r.describe()
    );
    gone(&r, "old");
    assert_eq!(both(&r, "new/b"), (Some(2), Some(2)));
}
