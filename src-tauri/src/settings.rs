//! App settings, owned by the shell: `DATA_DIR/app-settings.json`, written through a temp file
//! and a rename so a crash never leaves half a file. A missing or unreadable file gives the
//! defaults (and an unreadable one is kept aside as `.bad`, not overwritten silently).
//!
//! Start at login is not stored here: the OS autostart entry is the truth, read and written
//! through the autostart plugin.

use std::path::{Path, PathBuf};

use crate::errors::{BridgeError, BridgeErrorKind, BridgeResult};
use crate::types::{LogLevel, Settings};

pub const FILE_NAME: &str = "app-settings.json";

impl Default for Settings {
    fn default() -> Self {
        Settings {
            start_at_login: false,
            notifications: true,
            parallel_transfers: 4,
            log_level: LogLevel::Info,
        }
    }
}

impl LogLevel {
    /// The `RUST_LOG` filter this level stands for.
    pub fn filter(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info,sqlx=warn,smb=warn",
            LogLevel::Debug => "debug,sqlx=info,smb=info",
        }
    }
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

pub fn load(data_dir: &Path) -> Settings {
    let p = path(data_dir);
    match std::fs::read(&p) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(
                    "{} is not valid ({e}); using the default settings",
                    p.display()
                );
                let _ = std::fs::rename(&p, p.with_extension("json.bad"));
                Settings::default()
            }
        },
        Err(_) => Settings::default(),
    }
}

pub fn check(s: &Settings) -> BridgeResult<()> {
    // The range of a job's parallel transfers (`anemone_sync::job_spec`): it becomes every
    // job's.
    let range = anemone_sync::job_spec::PARALLEL;
    if !range.contains(&s.parallel_transfers) {
        return Err(BridgeError::invalid(
            "parallel_transfers",
            format!("Enter a number from {} to {}.", range.start(), range.end()),
        ));
    }
    Ok(())
}

pub fn save(data_dir: &Path, s: &Settings) -> BridgeResult<()> {
    let p = path(data_dir);
    let tmp = p.with_extension("json.tmp");
    let fail = |e: std::io::Error| {
        BridgeError::new(
            BridgeErrorKind::Config,
            format!("cannot save the settings to {}: {e}", p.display()),
        )
    };
    let json = serde_json::to_vec_pretty(s).map_err(|e| BridgeError::other(e.to_string()))?;
    std::fs::write(&tmp, json).map_err(fail)?;
    std::fs::rename(&tmp, &p).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), Settings::default());
        let s = Settings {
            start_at_login: true,
            notifications: false,
            parallel_transfers: 8,
            log_level: LogLevel::Debug,
        };
        save(dir.path(), &s).unwrap();
        assert_eq!(load(dir.path()), s);
    }

    #[test]
    fn a_broken_file_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), b"{not json").unwrap();
        assert_eq!(load(dir.path()), Settings::default());
        assert!(dir.path().join("app-settings.json.bad").exists());
    }

    #[test]
    fn parallel_must_be_sane() {
        let s = Settings {
            parallel_transfers: 0,
            ..Settings::default()
        };
        assert_eq!(
            check(&s).unwrap_err().field.as_deref(),
            Some("parallel_transfers")
        );
    }
}
