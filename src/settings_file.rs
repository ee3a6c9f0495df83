//! Settings export and import: the jobs (and the engine-wide limits) as a JSON file a user can
//! keep or carry to another computer (`config export FILE`, `config import FILE`, the app's
//! Export and Import buttons).
//!
//! No password is ever written, not even encrypted: passwords stay in this computer's
//! credential store. An imported SMB job logs in with the password stored for its login on
//! this computer, if any; otherwise it needs one set (`job set-password`, or the job form).
//!
//! The file is outside input: every job in it goes through the same checks as the job form
//! (`Engine::add_job`), so a hand-made file cannot add a job the form would refuse (a relative
//! or data-folder path, a folder another job syncs, a URL with a password). A password found in
//! a job is dropped with a note, never stored. A job whose name is taken is skipped unless
//! `replace` is asked for.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::db::jobs::Job;
use crate::engine::Engine;
use crate::job_spec::JobSpec;
use crate::jobs::JobError;
use crate::limits::Limits;
use crate::policy::{ConflictPolicy, Encryption, Mode};
use crate::trigger::LiveSettings;

/// The field that marks the file as ours, and its format version.
pub const MARKER: &str = "anemone_sync_settings";
pub const VERSION: u32 = 1;

/// The engine-wide settings in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalSettings {
    /// Bytes per second; `null`: no limit.
    pub up_limit: Option<u64>,
    pub down_limit: Option<u64>,
    pub pause_on_metered: bool,
}

/// One job as the file has it: its settings, never a password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedJob {
    pub name: String,
    pub local_path: std::path::PathBuf,
    pub remote_url: String,
    pub enabled: bool,
    pub mode: Mode,
    pub conflict_policy: ConflictPolicy,
    pub excludes: Vec<String>,
    pub max_delete_percent: u32,
    pub parallel: u32,
    pub trash_retention_days: u32,
    pub live: LiveSettings,
    pub encryption: Encryption,
    /// The job's own bandwidth limits, bytes per second; `null`: none.
    pub up_limit: Option<u64>,
    pub down_limit: Option<u64>,
}

impl ExportedJob {
    fn of(job: &Job, limits: Limits) -> ExportedJob {
        ExportedJob {
            name: job.name.clone(),
            local_path: job.local_path.clone(),
            remote_url: job.remote_url.clone(),
            enabled: job.enabled,
            mode: job.mode,
            conflict_policy: job.conflict_policy,
            excludes: job.excludes.clone(),
            max_delete_percent: job.max_delete_percent,
            parallel: job.parallel,
            trash_retention_days: job.trash_retention_days,
            live: job.live.clone(),
            encryption: job.encryption,
            up_limit: limits.up,
            down_limit: limits.down,
        }
    }

    pub fn spec(&self) -> JobSpec {
        let mut s = JobSpec::new(&self.name, self.local_path.clone(), &self.remote_url);
        s.mode = self.mode;
        s.conflict_policy = self.conflict_policy;
        s.excludes = self.excludes.clone();
        s.max_delete_percent = self.max_delete_percent;
        s.parallel = self.parallel;
        s.trash_retention_days = self.trash_retention_days;
        s.live = self.live.clone();
        s.encryption = self.encryption;
        s
    }

    fn limits(&self) -> Limits {
        Limits {
            up: self.up_limit,
            down: self.down_limit,
        }
    }
}

/// The whole file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsFile {
    pub anemone_sync_settings: u32,
    pub global: GlobalSettings,
    pub jobs: Vec<ExportedJob>,
}

/// Why a file could not be read at all (nothing was imported).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is not valid JSON ({0}); use a file made by `anemone-sync config export` or the app's Export")]
    Json(String),
    #[error("the file is not an AnemoneSync settings file (it has no \"anemone_sync_settings\" field); use a file made by `anemone-sync config export` or the app's Export")]
    NotOurs,
    #[error("the file was made by a newer AnemoneSync (format {0}, this one reads {VERSION}); update AnemoneSync on this computer first")]
    Newer(u64),
    #[error(
        "the file's engine-wide settings are not valid ({0}); fix or remove the \"global\" part"
    )]
    Global(String),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

/// What an import did, job by job, for the user to read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub replaced: Vec<String>,
    /// Jobs whose name was taken (and `replace` was not asked for).
    pub existing: Vec<String>,
    /// Jobs refused, with every reason.
    pub refused: Vec<(String, String)>,
    /// Imported SMB jobs with no password stored for their login on this computer.
    pub need_password: Vec<String>,
    /// Passwords found in the file and dropped, and other things said along the way.
    pub notes: Vec<String>,
}

/// Keys that look like a secret: dropped from a job before it is read.
fn is_secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    k.contains("password") || k.contains("passwd") || k.contains("secret")
}

/// Removes secret-looking keys anywhere in `v`; whether any was there.
fn strip_secrets(v: &mut Value) -> bool {
    match v {
        Value::Object(map) => {
            let before = map.len();
            map.retain(|k, _| !is_secret_key(k));
            let mut found = map.len() != before;
            for child in map.values_mut() {
                found |= strip_secrets(child);
            }
            found
        }
        Value::Array(items) => {
            // Every item, not only up to the first with a secret.
            let mut found = false;
            for i in items {
                found |= strip_secrets(i);
            }
            found
        }
        _ => false,
    }
}

impl Engine {
    /// Every job (with its own limits) and the engine-wide settings; no password.
    pub async fn export_settings(&self) -> Result<SettingsFile, crate::db::DbError> {
        let global = self.global_limits().await?;
        let mut jobs = Vec::new();
        for j in self.jobs().await? {
            let limits = self.job_limits(j.id).await?;
            jobs.push(ExportedJob::of(&j, limits));
        }
        Ok(SettingsFile {
            anemone_sync_settings: VERSION,
            global: GlobalSettings {
                up_limit: global.up,
                down_limit: global.down,
                pause_on_metered: self.pause_on_metered().await?,
            },
            jobs,
        })
    }

    /// Imports the jobs of a settings file (its text), each checked as the job form checks it;
    /// the engine-wide settings are applied too. `replace`: a job whose name is taken is
    /// replaced by the file's (else it is left as it is and reported). Live sync must pick up
    /// the new jobs afterwards (`Service::reload`).
    pub async fn import_settings(
        &self,
        text: &str,
        replace: bool,
    ) -> Result<ImportReport, ImportError> {
        let mut root: Value =
            serde_json::from_str(text).map_err(|e| ImportError::Json(e.to_string()))?;
        let version = root
            .get(MARKER)
            .and_then(Value::as_u64)
            .ok_or(ImportError::NotOurs)?;
        if version > VERSION as u64 {
            return Err(ImportError::Newer(version));
        }
        let mut report = ImportReport::default();
        if strip_secrets(&mut root) {
            report.notes.push(
                "the file holds a password; it was ignored (passwords are never imported from a file: set them on this computer with `anemone-sync job set-password` or in the job form)".into(),
            );
        }
        // The engine-wide part first: a bad one stops the import before any job is added.
        let global = match root.get("global") {
            None | Some(Value::Null) => None,
            Some(g) => {
                let g: GlobalSettings = serde_json::from_value(g.clone())
                    .map_err(|e| ImportError::Global(e.to_string()))?;
                let limits = Limits {
                    up: g.up_limit,
                    down: g.down_limit,
                };
                limits.check().map_err(ImportError::Global)?;
                Some((limits, g.pause_on_metered))
            }
        };
        let jobs = match root.get("jobs") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => {
                return Err(ImportError::Json(
                    "\"jobs\" is not a list of jobs".to_string(),
                ))
            }
        };
        if let Some((limits, metered)) = global {
            self.set_global_limits(limits).await?;
            self.set_pause_on_metered(metered).await?;
        }
        for (i, item) in jobs.into_iter().enumerate() {
            let label = item
                .get("name")
                .and_then(Value::as_str)
                .map(|n| format!("'{n}'"))
                .unwrap_or_else(|| format!("job {} of the file", i + 1));
            let job: ExportedJob = match serde_json::from_value(item) {
                Ok(j) => j,
                Err(e) => {
                    report.refused.push((label, format!("{e}")));
                    continue;
                }
            };
            self.import_job(&job, replace, &mut report).await?;
        }
        Ok(report)
    }

    async fn import_job(
        &self,
        job: &ExportedJob,
        replace: bool,
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let name = job.name.clone();
        if let Err(e) = job.limits().check() {
            report.refused.push((format!("'{name}'"), e));
            return Ok(());
        }
        let existing = self.job_by_name(&name).await?;
        let done = match &existing {
            Some(_) if !replace => {
                report.existing.push(name);
                return Ok(());
            }
            Some(old) => self.update_job(old.id, job.spec(), None).await,
            None => self.add_job(job.spec(), None).await,
        };
        let stored = match done {
            Ok(j) => j,
            Err(JobError::Invalid(errors)) => {
                let why = errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                report.refused.push((format!("'{name}'"), why));
                return Ok(());
            }
            Err(JobError::Db(e)) => return Err(e.into()),
            Err(e) => {
                report.refused.push((format!("'{name}'"), e.to_string()));
                return Ok(());
            }
        };
        self.set_job_limits(stored.id, job.limits()).await?;
        if !job.enabled {
            let _ = self.set_job_enabled(stored.id, false).await;
        }
        if let Ok(crate::url::RemoteUrl::Smb(u)) = crate::url::RemoteUrl::parse(&stored.remote_url)
        {
            if !matches!(self.stored_password(&u).await, Ok(Some(_))) && !u.user.is_empty() {
                report.need_password.push(name.clone());
            }
        }
        if existing.is_some() {
            report.replaced.push(name);
        } else {
            report.added.push(name);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_found_at_any_depth() {
        let mut v: Value = serde_json::json!({
            "jobs": [{"name": "a", "Password": "x", "live": {"smb_secret": 1}}]
        });
        assert!(strip_secrets(&mut v));
        assert_eq!(v, serde_json::json!({"jobs": [{"name": "a", "live": {}}]}));
        let mut clean = serde_json::json!({"jobs": [{"name": "a"}]});
        assert!(!strip_secrets(&mut clean));
    }
}
