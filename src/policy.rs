//! What a job asks of its runs, as the user set it: which way files may travel ([`Mode`]), how a
//! conflict is settled ([`ConflictPolicy`]) and what an SMB connection must protect
//! ([`Encryption`]). The job's stored row ([`crate::db::jobs`]) and the run's layers all read
//! these words, so they sit below both.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    TwoWay,
    Upload,
    Download,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictPolicy {
    #[default]
    KeepBoth,
    Newest,
    Local,
    Remote,
    Ask,
}

/// What a job asks of an SMB session's encryption.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encryption {
    /// As the server asks: encrypted when the share or server requires it, else signed only.
    #[default]
    Auto,
    /// Every message encrypted; a server that cannot is refused before any file moves.
    Required,
}

impl Encryption {
    pub fn as_str(self) -> &'static str {
        match self {
            Encryption::Auto => "auto",
            Encryption::Required => "required",
        }
    }
}

impl std::str::FromStr for Encryption {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Encryption::Auto),
            "required" => Ok(Encryption::Required),
            other => Err(format!(
                "unknown encryption setting {other:?}: use auto or required"
            )),
        }
    }
}

impl fmt::Display for Encryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! str_enum {
    ($t:ty, $what:literal, $($v:ident => $s:literal),+) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }
        }
        impl std::str::FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok(Self::$v),)+
                    _ => Err(format!(concat!("unknown ", $what, " {:?}; use one of: {}"), s,
                        [$($s),+].join(", "))),
                }
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum!(Mode, "mode", TwoWay => "two-way", Upload => "upload", Download => "download");
str_enum!(ConflictPolicy, "conflict policy", KeepBoth => "keep-both", Newest => "newest",
    Local => "local", Remote => "remote", Ask => "ask");

/// What a run reconciles by: the job's mode and what the share can hold.
#[derive(Clone, Copy, Debug)]
pub struct ReconcileOptions {
    pub mode: Mode,
    /// Names that differ only in case are the same file on the remote.
    pub remote_case_insensitive: bool,
    /// Refuse names an SMB server cannot store (see [`crate::names`]).
    pub check_smb_names: bool,
}
