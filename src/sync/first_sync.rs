//! The first sync of two folders that both hold files: how paths that were never synced are
//! settled, chosen per job ([`FirstSync`]), and what each choice would move
//! ([`super::first_sync_preview`]), counted from a dry plan of both scanned sides.
//!
//! - `merge` (the default): files only on one side are copied to the other, identical files are
//!   adopted, files that differ are conflicts (settled by the job's conflict policy).
//! - `local-wins`: the server ends up like this computer's folder: files only on the server are
//!   deleted there and differing ones replaced by the local version.
//! - `remote-wins`: the reverse.
//!
//! Nothing is lost either way: every file replaced or deleted goes to the trash of its side
//! (`.anemone-trash`), as it does in any run. The choice applies to paths with no synced state
//! and only until the job's first complete sync, which spends it (a first sync that is cut off
//! keeps it, so the rest of that sync follows the same choice).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::policy::Mode;
use crate::tree::Side;

/// How a job's first sync settles paths present on one or both sides and never synced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FirstSync {
    #[default]
    Merge,
    LocalWins,
    RemoteWins,
}

impl FirstSync {
    pub const ALL: [FirstSync; 3] = [
        FirstSync::Merge,
        FirstSync::LocalWins,
        FirstSync::RemoteWins,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FirstSync::Merge => "merge",
            FirstSync::LocalWins => "local-wins",
            FirstSync::RemoteWins => "remote-wins",
        }
    }

    /// The side whose content wins, if any.
    pub fn winner(self) -> Option<Side> {
        match self {
            FirstSync::Merge => None,
            FirstSync::LocalWins => Some(Side::Local),
            FirstSync::RemoteWins => Some(Side::Remote),
        }
    }

    /// Why this choice cannot go with `mode`, if it cannot: a one-way job never writes its
    /// source side, so the source side cannot lose.
    pub fn clash_with(self, mode: Mode) -> Option<String> {
        match (self, mode) {
            (FirstSync::RemoteWins, Mode::Upload) => Some(
                "remote-wins cannot go with upload mode (an upload job never changes this computer's folder); use merge or local-wins".into(),
            ),
            (FirstSync::LocalWins, Mode::Download) => Some(
                "local-wins cannot go with download mode (a download job never changes the server); use merge or remote-wins".into(),
            ),
            _ => None,
        }
    }
}

impl std::fmt::Display for FirstSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FirstSync {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "merge" => Ok(FirstSync::Merge),
            "local-wins" => Ok(FirstSync::LocalWins),
            "remote-wins" => Ok(FirstSync::RemoteWins),
            other => Err(format!(
                "unknown first-sync choice '{other}'; use merge, local-wins or remote-wins"
            )),
        }
    }
}

/// A job's first-sync setting while it is not spent: chosen, or to be asked (jobs added in the
/// app without a choice: the first sync stops and waits when both folders hold something).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstSyncSetting {
    Ask,
    Chosen(FirstSync),
}

impl FirstSyncSetting {
    pub fn as_str(self) -> &'static str {
        match self {
            FirstSyncSetting::Ask => "ask",
            FirstSyncSetting::Chosen(c) => c.as_str(),
        }
    }

    /// The choice to apply to this run (asking is merge once nothing needs asking: one side
    /// was empty, and then all three choices are the same).
    pub fn choice(self) -> FirstSync {
        match self {
            FirstSyncSetting::Ask => FirstSync::Merge,
            FirstSyncSetting::Chosen(c) => c,
        }
    }
}

impl FromStr for FirstSyncSetting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ask" => Ok(FirstSyncSetting::Ask),
            other => other.parse().map(FirstSyncSetting::Chosen),
        }
    }
}
