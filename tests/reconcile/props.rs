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

/// Every version of a file on either side before the run still exists afterwards (same path or
/// a conflict copy of it, on either side), unless it was the synced (base) version that the
/// other side has since replaced or deleted, or a conflict policy (local/remote/newest) chose
/// to overwrite it. And an edit or new file on one side, deleted on the other, is never deleted.
pub(crate) fn no_lost_bytes(r: &Run) -> Result<(), String> {
    for side in [Side::Local, Side::Remote] {
        for (p, c) in r.pre.files(side) {
            let mut places = vec![p.clone()];
            places.extend(r.fx.copies.get(&p).into_iter().flatten().cloned());
            let survives = places.iter().any(|q| {
                r.post.content(Side::Local, q) == Some(c)
                    || r.post.content(Side::Remote, q) == Some(c)
            });
            if survives {
                continue;
            }
            let superseded = r.pre.base_content(&p) == Some(c);
            let discarded = r.fx.discarded.contains(&(side, p.clone(), c));
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
            let edited = r.pre.base_content(&p) != Some(c);
            let gone_there = kind_at(&r.pre, side.other(), &p).is_none();
            if edited && gone_there && r.post.content(side, &p) != Some(c) {
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
    for a in &r.again_two_way {
        let left = match r.opts.mode {
            Mode::TwoWay => false,
            Mode::Upload => matches!(a, Action::Download { .. } | Action::CreateLocalDir { .. }),
            Mode::Download => matches!(a, Action::Upload { .. } | Action::CreateRemoteDir { .. }),
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
            Mode::Upload => matches!(
                a,
                Action::Download { .. }
                    | Action::CreateLocalDir { .. }
                    | Action::DeleteLocal { .. }
            ),
            Mode::Download => matches!(
                a,
                Action::Upload { .. }
                    | Action::CreateRemoteDir { .. }
                    | Action::DeleteRemote { .. }
            ),
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
    for a in &r.plan {
        if let Action::Skip { path: p, .. } = a {
            if r.pre.local.get(p) != r.post.local.get(p)
                || r.pre.remote.get(p) != r.post.remote.get(p)
                || r.pre.remote_content(p) != r.post.remote_content(p)
            {
                return Err(format!("skipped {p:?} was touched"));
            }
        }
    }
    let planned: BTreeMap<&RelPath, &Action> = r.plan.iter().map(|a| (a.path(), a)).collect();
    for p in expected_blocked(&r.pre, &r.opts) {
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

proptest! {
    #![proptest_config(config())]

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
