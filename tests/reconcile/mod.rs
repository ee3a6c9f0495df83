//! Property tests and behaviour examples for the pure reconciler, one file per part: the
//! [`world`] (both sides, the remote contents, the base), how worlds are [`generate`]d, the
//! simulated executor ([`sim`]), one [`run`] (plan, apply, plan again), the [`props`] checked
//! on every run, and hand-written [`examples`].
//!
//! A small simulator applies a plan the way the executor does (see `Sim`), on worlds generated
//! from a base (what both sides held at the last sync) that each side then changed on its own:
//! edits, touches, deletions (a folder goes with its content) and new entries, including kind
//! changes, names with spaces and accents, a name SMB cannot hold (`q*r`) and a local name that
//! differs only in case (`A` beside `a`).
//!
//! Every generated world is checked in all 3 modes x 5 policies. Cases per property:
//! `PROPTEST_CASES` (default 2000).
//!
//! File contents are small integers: the hash is the integer in all 32 bytes, and the size is
//! `content % 3`, so different contents of the same size are common (remote change detection
//! must not rely on size).

mod examples;
mod generate;
mod moves;
mod props;
mod run;
mod sim;
mod world;

use std::collections::{BTreeMap, BTreeSet};

use anemone_sync::names::{conflict_name, smb_path_problem};
use anemone_sync::policy::{ConflictPolicy, Mode, ReconcileOptions};
use anemone_sync::relpath::RelPath;
use anemone_sync::sync::moves::Move;
use anemone_sync::sync::reconcile::{reconcile, settle, Action, Resolution};
use anemone_sync::sync::settled::drop_settled;
use anemone_sync::tree::{BaseEntry, BaseTree, Hash, LocalEntry, LocalTree, RemoteTree, Side};
use anemone_sync::tree::{Entry, EntryKind};
#[allow(unused_imports)]
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

pub(crate) type Content = u8;

pub(crate) const HOST: &str = "testbox";
pub(crate) const MODES: [Mode; 3] = [Mode::TwoWay, Mode::Upload, Mode::Download];
pub(crate) const POLICIES: [ConflictPolicy; 5] = [
    ConflictPolicy::KeepBoth,
    ConflictPolicy::Newest,
    ConflictPolicy::Local,
    ConflictPolicy::Remote,
    ConflictPolicy::Ask,
];
/// Path components. Base and remote use the first three; new local entries may also use the
/// case twin of `a` and a name SMB cannot hold.
pub(crate) const COMPS: [&str; 5] = ["a", "b c", "é.txt", "A", "q*r"];

pub(crate) fn rp(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

pub(crate) fn hash(c: Content) -> Hash {
    [c; 32]
}

pub(crate) fn size(c: Content) -> u64 {
    u64::from(c % 3)
}

pub(crate) fn content_of(h: &Option<Hash>) -> Content {
    h.expect("a file has a hash")[0]
}

pub(crate) use generate::*;
pub(crate) use props::*;
pub(crate) use run::*;
pub(crate) use sim::*;
pub(crate) use world::*;
