//! One run: plan, apply, plan again

#[allow(unused_imports)]
use super::*;

/// A property checked on one run.
pub(crate) type Check = fn(&Run) -> Result<(), String>;

pub(crate) struct Run {
    pub(crate) opts: ReconcileOptions,
    pub(crate) policy: ConflictPolicy,
    pub(crate) pre: World,
    pub(crate) plan: Vec<Action>,
    pub(crate) post: World,
    pub(crate) fx: Effects,
    /// The same mode's plan on the result.
    pub(crate) again: Vec<Action>,
    /// A two-way plan on the result (what a one-way mode leaves behind).
    pub(crate) again_two_way: Vec<Action>,
}

impl Run {
    pub(crate) fn describe(&self) -> String {
        format!(
            "mode {:?}, policy {:?}, smb names {}, case-insensitive {}\nbefore:\n{}plan:\n{}after:\n{}plan again:\n{}",
            self.opts.mode,
            self.policy,
            self.opts.check_smb_names,
            self.opts.remote_case_insensitive,
            self.pre.show(),
            show_plan(&self.plan),
            self.post.show(),
            show_plan(&self.again),
        )
    }
}

pub(crate) fn show_plan(plan: &[Action]) -> String {
    plan.iter()
        .map(|a| match a {
            Action::Move(m) => format!("  {:?} {} from {:?}\n", a.path(), action_name(a), m.from),
            _ => format!("  {:?} {}\n", a.path(), action_name(a)),
        })
        .collect()
}

pub(crate) fn action_name(a: &Action) -> &'static str {
    match a {
        Action::Upload { .. } => "Upload",
        Action::Download { .. } => "Download",
        Action::CreateRemoteDir { .. } => "CreateRemoteDir",
        Action::CreateLocalDir { .. } => "CreateLocalDir",
        Action::DeleteLocal { .. } => "DeleteLocal",
        Action::DeleteRemote { .. } => "DeleteRemote",
        Action::Record { .. } => "Record",
        Action::Forget { .. } => "Forget",
        Action::Conflict { .. } => "Conflict",
        Action::Overwrite { .. } => "Overwrite",
        Action::Skip { .. } => "Skip",
        Action::Move(m) if m.side == Side::Local => "MoveLocal",
        Action::Move(_) => "MoveRemote",
    }
}

pub(crate) fn options(
    mode: Mode,
    check_smb_names: bool,
    remote_case_insensitive: bool,
) -> ReconcileOptions {
    ReconcileOptions {
        mode,
        remote_case_insensitive,
        check_smb_names,
    }
}

pub(crate) fn run(
    pre: &World,
    opts: ReconcileOptions,
    policy: ConflictPolicy,
) -> Result<Run, String> {
    let plan = reconcile(&pre.local, &pre.remote, &pre.base, &opts);
    let mut sim = Sim {
        w: pre.clone(),
        mode: opts.mode,
        policy,
        case_insensitive: opts.remote_case_insensitive,
        fx: Effects::default(),
        stamps: 0,
    };
    let applied = sim.apply(&plan);
    let post = sim.w;
    let again = reconcile(&post.local, &post.remote, &post.base, &opts);
    let two_way = ReconcileOptions {
        mode: Mode::TwoWay,
        ..opts
    };
    let again_two_way = reconcile(&post.local, &post.remote, &post.base, &two_way);
    let r = Run {
        opts,
        policy,
        pre: pre.clone(),
        plan,
        post,
        fx: sim.fx,
        again,
        again_two_way,
    };
    match applied {
        Ok(()) => Ok(r),
        Err(e) => Err(format!("plan cannot be executed: {e}\n{}", r.describe())),
    }
}

/// Runs `check` on the world in every mode x policy.
pub(crate) fn for_all_modes(spec: &Spec, check: Check) -> Result<(), TestCaseError> {
    let pre = build(spec);
    for mode in MODES {
        for policy in POLICIES {
            let opts = options(mode, spec.check_smb_names, spec.remote_case_insensitive);
            let r = run(&pre, opts, policy).map_err(TestCaseError::fail)?;
            check(&r).map_err(|e| TestCaseError::fail(format!("{e}\n{}", r.describe())))?;
        }
    }
    Ok(())
}
