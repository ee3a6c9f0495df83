//! Properties

#[allow(unused_imports)]
use super::*;

/// Paths the first plan skipped, with everything under them on either side.
pub(crate) fn skipped(r: &Run) -> BTreeSet<RelPath> {
    let roots: Vec<&RelPath> = r
        .plan
        .iter()
        .filter(|a| matches!(a, Action::Skip { .. }))
        .map(|a| a.path())
        .collect();
    let mut all: BTreeSet<RelPath> = BTreeSet::new();
    for w in [&r.pre, &r.post] {
        for p in w.local.keys().chain(w.remote.keys()) {
            if roots.iter().any(|s| p.starts_with(s)) {
                all.insert(p.clone());
            }
        }
    }
    all
}

/// The renames the plan makes (moves followed), in order: (side renamed, from, to), each in the
/// coordinates left by those before it.
pub(crate) fn plan_moves(r: &Run) -> Vec<(Side, &RelPath, &RelPath)> {
    r.plan
        .iter()
        .filter_map(|a| match a {
            Action::Move(m) => Some((m.side, &m.from, &m.to)),
            _ => None,
        })
        .collect()
}

/// Where what was at `p` on `side` before the run is after it: moved by the renames made on
/// that side.
pub(crate) fn final_path(r: &Run, side: Side, p: &RelPath) -> RelPath {
    let mut q = p.clone();
    for (s, from, to) in plan_moves(r) {
        if s == side && q.starts_with(from) {
            q = anemone_sync::sync::moves::rebase(&q, from, to);
        }
    }
    q
}

/// `q` (a path after all renames) followed back through the renames `which` selects.
fn back(r: &Run, q: RelPath, which: impl Fn(Side) -> bool) -> RelPath {
    let mut q = q;
    for (s, from, to) in plan_moves(r).into_iter().rev() {
        if which(s) && q.starts_with(to) {
            q = anemone_sync::sync::moves::rebase(&q, to, from);
        }
    }
    q
}

/// The synced content of what is at `p` on `side` before the run: every move rewrites the base,
/// so the base entry it is compared with is found by following all moves back.
pub(crate) fn base_content_of(r: &Run, side: Side, p: &RelPath) -> Option<Content> {
    r.pre
        .base_content(&back(r, final_path(r, side, p), |_| true))
}

/// Where the other side held, before the run, what is at `p` on `side`: the renames made on
/// the other side followed back.
pub(crate) fn counterpart(r: &Run, side: Side, p: &RelPath) -> RelPath {
    back(r, final_path(r, side, p), |s| s == side.other())
}

/// Every version of a file on either side before the run still exists afterwards (same path or
/// a conflict copy of it, on either side), unless it was the synced (base) version that the
/// other side has since replaced or deleted, or a conflict policy (local/remote/newest) chose
/// to overwrite it. And an edit or new file on one side, deleted on the other, is never deleted.
pub(crate) fn no_lost_bytes(r: &Run) -> Result<(), String> {
    for side in [Side::Local, Side::Remote] {
        for (p, c) in r.pre.files(side) {
            // Its path, where a rename that followed a move took it, and conflict copies.
            let moved = final_path(r, side, &p);
            let mut places = vec![p.clone(), moved.clone()];
            places.extend(r.fx.copies.get(&p).into_iter().flatten().cloned());
            places.extend(r.fx.copies.get(&moved).into_iter().flatten().cloned());
            let survives = places.iter().any(|q| {
                r.post.content(Side::Local, q) == Some(c)
                    || r.post.content(Side::Remote, q) == Some(c)
            });
            if survives {
                continue;
            }
            let superseded = base_content_of(r, side, &p) == Some(c);
            let discarded = r.fx.discarded.contains(&(side, p.clone(), c))
                || r.fx.discarded.contains(&(side, moved.clone(), c));
            if discarded
                && !matches!(
                    r.policy,
                    ConflictPolicy::Local | ConflictPolicy::Remote | ConflictPolicy::Newest
                )
            {
                return Err(format!("policy {:?} overwrote {side:?} {p:?}", r.policy));
            }
            if !superseded && !discarded {
                return Err(format!(
                    "LOST: content {c} of {side:?} {p:?} is nowhere after the run"
                ));
            }
        }
        // Edit beats delete.
        for (p, c) in r.pre.files(side) {
            let edited = base_content_of(r, side, &p) != Some(c);
            let gone_there = kind_at(&r.pre, side.other(), &counterpart(r, side, &p)).is_none();
            // Moved on the other side: the edit is kept at the new place.
            let at = final_path(r, side, &p);
            if edited && gone_there && r.post.content(side, &at) != Some(c) {
                return Err(format!(
                    "edit beats delete: {side:?} {p:?} (content {c}) was new or edited and the \
                     other side had deleted it, but it is gone from {side:?}"
                ));
            }
        }
    }
    Ok(())
}

/// Running again on the result plans nothing but skips and still-pending (ask) conflicts. For
/// one-way modes, a two-way plan on the result holds only what the mode refuses to do: upload
/// mode leaves remote-only changes (downloads, local folder creations); download mode leaves
/// local-only changes (uploads, remote folder creations).
pub(crate) fn idempotent(r: &Run) -> Result<(), String> {
    let pending_ok = |a: &Action| {
        matches!(a, Action::Conflict { .. })
            && r.policy == ConflictPolicy::Ask
            && r.fx.pending.contains(a.path())
    };
    for a in &r.again {
        if !(matches!(a, Action::Skip { .. }) || pending_ok(a)) {
            return Err(format!(
                "not idempotent: second run plans {} {:?}",
                action_name(a),
                a.path()
            ));
        }
    }
    // Moves the mode does not make, and what lies under their new place (which a two-way run
    // plans as if the move were done).
    let refused: Vec<&RelPath> = r
        .again_two_way
        .iter()
        .filter_map(|a| match a {
            Action::Move(m) => Some(&m.to),
            _ => None,
        })
        .collect();
    for a in &r.again_two_way {
        if refused.iter().any(|to| a.path().starts_with(to)) && !matches!(a, Action::Move(_)) {
            continue;
        }
        let left = match r.opts.mode {
            Mode::TwoWay => false,
            Mode::Upload => {
                matches!(a, Action::Download { .. } | Action::CreateLocalDir { .. })
                    || matches!(a, Action::Move(m) if m.side == Side::Local)
            }
            Mode::Download => {
                matches!(a, Action::Upload { .. } | Action::CreateRemoteDir { .. })
                    || matches!(a, Action::Move(m) if m.side == Side::Remote)
            }
        };
        if !(left || matches!(a, Action::Skip { .. }) || pending_ok(a)) {
            return Err(format!(
                "{:?} mode left {} {:?} for a two-way run",
                r.opts.mode,
                action_name(a),
                a.path()
            ));
        }
    }
    Ok(())
}

/// Two-way with a deciding policy: both sides end with the same paths, kinds and contents,
/// except skipped paths (and what lies under them).
pub(crate) fn converges(r: &Run) -> Result<(), String> {
    if r.opts.mode != Mode::TwoWay || r.policy == ConflictPolicy::Ask {
        return Ok(());
    }
    let skipped = skipped(r);
    let mut paths: BTreeSet<&RelPath> = BTreeSet::new();
    paths.extend(r.post.local.keys());
    paths.extend(r.post.remote.keys());
    for p in paths {
        if skipped.contains(p) {
            continue;
        }
        let (lk, rk) = (
            kind_at(&r.post, Side::Local, p),
            kind_at(&r.post, Side::Remote, p),
        );
        if lk != rk {
            return Err(format!(
                "diverged: {p:?} is {lk:?} locally, {rk:?} remotely"
            ));
        }
        let (lc, rc) = (r.post.local_content(p), r.post.remote_content(p));
        if lc != rc {
            return Err(format!(
                "diverged: {p:?} holds {lc:?} locally, {rc:?} remotely"
            ));
        }
    }
    // The base agrees with both sides wherever it has an entry.
    for (p, b) in &r.post.base {
        if skipped.contains(p) {
            continue;
        }
        if !(b.local_unchanged(&r.post.local[p]) && b.remote_unchanged(&r.post.remote[p])) {
            return Err(format!("base entry of {p:?} does not match the sides"));
        }
    }
    Ok(())
}

/// Upload mode plans nothing that writes locally and leaves the local tree exactly as it was;
/// download mode likewise for the remote.
pub(crate) fn modes_protect_their_side(r: &Run) -> Result<(), String> {
    for a in &r.plan {
        let bad = match r.opts.mode {
            Mode::TwoWay => false,
            Mode::Upload => {
                matches!(
                    a,
                    Action::Download { .. }
                        | Action::CreateLocalDir { .. }
                        | Action::DeleteLocal { .. }
                ) || matches!(a, Action::Move(m) if m.side == Side::Local)
            }
            Mode::Download => {
                matches!(
                    a,
                    Action::Upload { .. }
                        | Action::CreateRemoteDir { .. }
                        | Action::DeleteRemote { .. }
                ) || matches!(a, Action::Move(m) if m.side == Side::Remote)
            }
        };
        if bad {
            return Err(format!(
                "{:?} mode planned {} {:?}",
                r.opts.mode,
                action_name(a),
                a.path()
            ));
        }
    }
    match r.opts.mode {
        Mode::Upload if r.post.local != r.pre.local => {
            Err("upload mode changed the local side".into())
        }
        Mode::Download if r.post.remote != r.pre.remote || r.post.rcontent != r.pre.rcontent => {
            Err("download mode changed the remote side".into())
        }
        _ => Ok(()),
    }
}

/// The names that must be skipped, computed independently of the reconciler: names SMB cannot
/// hold (when checked), all but one of local names that differ only in case from each other and
/// local names that differ only in case from a different remote name (on a case-insensitive
/// share), and everything under those.
pub(crate) fn expected_blocked(w: &World, opts: &ReconcileOptions) -> BTreeSet<RelPath> {
    let mut roots: BTreeSet<RelPath> = BTreeSet::new();
    if opts.check_smb_names {
        roots.extend(
            w.local
                .keys()
                .filter(|p| smb_path_problem(p).is_some())
                .cloned(),
        );
    }
    if opts.remote_case_insensitive {
        let fold = |p: &RelPath| p.as_str().to_lowercase();
        // Local case twins: one is kept (synced and on the share, else on the share as it is,
        // else new, else synced but gone from the share; the first in byte order among equals;
        // among those not inside a skipped folder), the rest skipped.
        let mut twins: BTreeMap<(usize, String), Vec<RelPath>> = BTreeMap::new();
        for p in w.local.keys() {
            twins
                .entry((p.depth(), fold(p)))
                .or_default()
                .push(p.clone());
        }
        for group in twins.values().filter(|g| g.len() > 1) {
            let free: Vec<&RelPath> = group
                .iter()
                .filter(|p| !roots.iter().any(|r| r != *p && p.starts_with(r)))
                .collect();
            let rank = |p: &RelPath| match (w.base.contains_key(p), w.remote.contains_key(p)) {
                (true, true) => 0,
                (false, true) => 1,
                (false, false) => 2,
                (true, false) => 3,
            };
            let kept = free.iter().copied().min_by_key(|p| (rank(p), (*p).clone()));
            roots.extend(group.iter().filter(|p| Some(*p) != kept).cloned());
        }
        // A local name whose share spelling differs (and is not itself a local name).
        for p in w.local.keys() {
            for q in w.remote.keys() {
                if q != p
                    && fold(p) == fold(q)
                    && !w.local.contains_key(q)
                    && !w.remote.contains_key(p)
                {
                    roots.insert(p.clone());
                    roots.insert(q.clone());
                }
            }
        }
    }
    let mut all = roots.clone();
    for p in w.local.keys().chain(w.remote.keys()) {
        if roots.iter().any(|r| p.starts_with(r)) {
            all.insert(p.clone());
        }
    }
    all
}

/// Skipped paths are left exactly as they were on both sides; every name that must be blocked
/// is skipped.
pub(crate) fn skipped_untouched(r: &Run) -> Result<(), String> {
    // A name that cannot be synced inside a folder moved on the other side moves with it.
    let moved_along = |p: &RelPath| {
        r.plan
            .iter()
            .any(|a| matches!(a, Action::Move(m) if p.starts_with(&m.to) || p.starts_with(&m.from)))
    };
    for a in &r.plan {
        if let Action::Skip { path: p, .. } = a {
            if moved_along(p) {
                continue;
            }
            if r.pre.local.get(p) != r.post.local.get(p)
                || r.pre.remote.get(p) != r.post.remote.get(p)
                || r.pre.remote_content(p) != r.post.remote_content(p)
            {
                return Err(format!("skipped {p:?} was touched"));
            }
        }
    }
    let planned: BTreeMap<&RelPath, &Action> = r
        .plan
        .iter()
        .filter(|a| !matches!(a, Action::Move(_)))
        .map(|a| (a.path(), a))
        .collect();
    // Names are judged on the sides as they are once the plan's renames are made (a case-only
    // rename is no clash with the old name; a name renamed away clashes with nothing).
    let mut renamed = r.pre.clone();
    for a in &r.plan {
        if let Action::Move(m) = a {
            move_entry(&mut renamed, m.side, &m.from, &m.to, false);
        }
    }
    for p in expected_blocked(&renamed, &r.opts) {
        if !matches!(planned.get(&p), Some(Action::Skip { .. })) {
            return Err(format!(
                "{p:?} must be skipped, the plan has {:?}",
                planned.get(&p).map(|a| action_name(a))
            ));
        }
    }
    Ok(())
}

pub(crate) fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A run leaves the settled paths out of its trees (`sync::settled`): the plan is the same
/// without them, before the run and after it, and the plan after it still settles everything.
pub(crate) fn settled_paths_change_no_plan(r: &Run) -> Result<(), String> {
    for (w, plan, when) in [(&r.pre, &r.plan, "before"), (&r.post, &r.again, "after")] {
        let (mut l, mut rm, mut b) = (w.local.clone(), w.remote.clone(), w.base.clone());
        drop_settled(&mut l, &mut rm, &mut b, r.opts.remote_case_insensitive);
        let without = reconcile(&l, &rm, &b, &r.opts);
        if &without != plan {
            return Err(format!(
                "{when} the run, the plan without the settled paths differs:\n  whole trees: {plan:?}\n  without: {without:?}"
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_settled_paths_change_no_plan(spec in spec_strategy()) {
        for_all_modes(&spec, settled_paths_change_no_plan)?;
    }

    #[test]
    fn prop_no_lost_bytes(spec in spec_strategy()) {
        for_all_modes(&spec, no_lost_bytes)?;
    }

    #[test]
    fn prop_idempotent(spec in spec_strategy()) {
        for_all_modes(&spec, idempotent)?;
    }

    #[test]
    fn prop_two_way_converges(spec in spec_strategy()) {
        for_all_modes(&spec, converges)?;
    }

    #[test]
    fn prop_modes_protect_their_side(spec in spec_strategy()) {
        for_all_modes(&spec, modes_protect_their_side)?;
    }

    #[test]
    fn prop_skipped_names_untouched(spec in spec_strategy()) {
        for_all_modes(&spec, skipped_untouched)?;
    }
}

/// A move on one side, nothing else changed anywhere: the plan renames the other side and
/// copies and deletes nothing (case-sensitive share, names unchecked: nothing can block it).
fn a_lone_move_costs_nothing(
    base: &[(Vec<usize>, Option<Content>)],
    side: Side,
    pick: usize,
    comps: &[usize],
) -> Result<(), TestCaseError> {
    let spec = Spec {
        base: base.to_vec(),
        local_ops: vec![],
        remote_ops: vec![],
        no_base: false,
        check_smb_names: false,
        remote_case_insensitive: false,
    };
    let mut w = build(&spec);
    let before = side_paths(&w, side);
    prop_assume!(!before.is_empty());
    let op = Op::Move {
        pick,
        comps: comps.to_vec(),
    };
    apply_op(&mut w, side, &op);
    if side_paths(&w, side) == before {
        // The move could not be made (its target exists, or is inside it).
        return Ok(());
    }
    let plan = reconcile(
        &w.local,
        &w.remote,
        &w.base,
        &options(Mode::TwoWay, false, false),
    );
    let moves = plan.iter().filter(|a| matches!(a, Action::Move(_))).count();
    let costly: Vec<String> = plan
        .iter()
        .filter(|a| {
            matches!(
                a,
                Action::Upload { .. }
                    | Action::Download { .. }
                    | Action::Conflict { .. }
                    | Action::DeleteLocal { .. }
                    | Action::DeleteRemote { .. }
            )
        })
        .map(|a| format!("{} {:?}", action_name(a), a.path()))
        .collect();
    prop_assert!(
        moves == 1 && costly.is_empty(),
        "moved on {side:?}: {} moves, and {costly:?}\n{}",
        moves,
        w.show()
    );
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_a_lone_move_is_one_rename(
        base in prop::collection::vec((comps_strategy(), prop::option::weighted(0.75, 0..6u8)), 1..10),
        remote in any::<bool>(),
        pick in any::<usize>(),
        comps in comps_strategy(),
    ) {
        let side = if remote { Side::Remote } else { Side::Local };
        a_lone_move_costs_nothing(&base, side, pick, &comps)?;
    }
}
