//! The job API the CLI and the app both call: add, edit and remove a job, store a new password
//! for its login, and read the jobs. Every rule ([`crate::job_rules`], [`JobSpec::validate`])
//! is checked before anything is stored, so a refused job leaves no row and no password; a
//! password stored for a job whose row then cannot be written is put back as it was. A password
//! is never logged, stored in the job table or put in an error.

use crate::credentials::{CredentialError, Credentials, StoreKind};
use crate::db::jobs::Job;
use crate::db::DbError;
use crate::engine::Engine;
use crate::job_spec::{FieldError, JobField, JobSpec};
use crate::sync::SyncError;
use crate::url::{RemoteUrl, SmbUrl};

/// Why a job could not be added, changed, removed or given a password.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The job breaks rules: every problem, each with the field it concerns. Nothing was stored.
    #[error("{}", lines(.0))]
    Invalid(Vec<FieldError>),
    /// No such job (it may have been removed meanwhile).
    #[error("{0}")]
    NotFound(String),
    /// The password could not be stored (or read to be put back).
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// The state database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

fn lines(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

impl JobError {
    /// A single problem with one field.
    pub fn invalid(field: JobField, message: impl Into<String>) -> JobError {
        JobError::Invalid(vec![FieldError::new(field, message)])
    }

    /// The problems with fields, if that is what it is.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            JobError::Invalid(v) => v,
            _ => &[],
        }
    }
}

impl From<JobError> for SyncError {
    /// A refused job, a missing one or a password that cannot be stored is a configuration
    /// error (exit 2); a database failure is local (exit 4).
    fn from(e: JobError) -> Self {
        match e {
            JobError::Db(e) => SyncError::Database(e),
            e => SyncError::Config(e.to_string()),
        }
    }
}

/// The spec as it is stored: the local folder made canonical where it exists, the remote URL
/// in its canonical spelling where it parses (the checks say what is wrong otherwise).
fn normalized(mut spec: JobSpec) -> JobSpec {
    if spec.local_path.is_absolute() {
        if let Ok(c) = std::fs::canonicalize(&spec.local_path) {
            spec.local_path = c;
        }
    }
    if let Ok(u) = RemoteUrl::parse(&spec.remote_url) {
        spec.remote_url = u.canonical();
    }
    spec
}

fn smb_url(remote_url: &str) -> Option<SmbUrl> {
    match RemoteUrl::parse(remote_url) {
        Ok(RemoteUrl::Smb(u)) => Some(u),
        _ => None,
    }
}

impl Engine {
    /// Every job, in name order.
    pub async fn jobs(&self) -> Result<Vec<Job>, DbError> {
        self.db.jobs().await
    }

    pub async fn job(&self, id: i64) -> Result<Option<Job>, DbError> {
        self.db.job_by_id(id).await
    }

    pub async fn job_by_name(&self, name: &str) -> Result<Option<Job>, DbError> {
        self.db.job_by_name(name).await
    }

    /// The job, or [`JobError::NotFound`].
    async fn existing_job(&self, id: i64) -> Result<Job, JobError> {
        self.db.job_by_id(id).await?.ok_or_else(|| {
            JobError::NotFound(format!(
                "job {id} does not exist (it may have been removed); reload the list of jobs"
            ))
        })
    }

    /// Checks a job as [`Engine::add_job`] or [`Engine::update_job`] would (`own_id`: the job
    /// being edited), storing nothing: for a caller that must know before it stops anything.
    pub async fn check_job(&self, spec: &JobSpec, own_id: Option<i64>) -> Result<(), JobError> {
        self.check_spec(&normalized(spec.clone()), own_id, false)
            .await
            .map(|_| ())
    }

    /// Every problem of `spec` (already normalised), against the other jobs and the data
    /// folder; a password is only for an SMB login. The SMB login, if it is one.
    async fn check_spec(
        &self,
        spec: &JobSpec,
        own_id: Option<i64>,
        with_password: bool,
    ) -> Result<Option<SmbUrl>, JobError> {
        let others = self.db.jobs().await?;
        let mut errors = crate::job_rules::check(spec, own_id, &others, &self.data_dir);
        let url = smb_url(&spec.remote_url);
        if with_password && url.is_none() && RemoteUrl::parse(&spec.remote_url).is_ok() {
            errors.push(FieldError::new(
                JobField::Password,
                format!(
                    "a password is only for smb:// remotes, and {} is a folder on this computer; leave the password out",
                    spec.remote_url
                ),
            ));
        }
        if errors.is_empty() {
            Ok(url)
        } else {
            Err(JobError::Invalid(errors))
        }
    }

    /// Runs a credential-store call off the async threads (a keyring call blocks).
    async fn with_credentials<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Credentials) -> T + Send + 'static,
    ) -> T {
        let creds = self.credentials.clone();
        tokio::task::spawn_blocking(move || f(&creds))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// Stores `password` for `url`'s login; gives back the one it replaced (to put it back).
    async fn replace_password(
        &self,
        url: &SmbUrl,
        password: &str,
    ) -> Result<Option<String>, JobError> {
        let (u, pw) = (url.clone(), password.to_string());
        Ok(self
            .with_credentials(move |c| {
                let before = c.get(&u)?;
                c.set(&u, &pw)?;
                Ok::<_, CredentialError>(before)
            })
            .await?)
    }

    /// Puts back the password a failed change replaced (none: removes it). Best effort: the
    /// change's own error is what the caller reports.
    async fn put_back_password(&self, url: &SmbUrl, before: Option<String>) {
        let u = url.clone();
        let restored = self
            .with_credentials(move |c| match before {
                Some(pw) => c.set(&u, &pw).map(|_| ()),
                None => c.delete(&u),
            })
            .await;
        if let Err(e) = restored {
            tracing::warn!(account = %crate::credentials::account(url), "cannot put back the password the failed change replaced: {e}");
        }
    }

    /// Adds a job after checking every rule, then stores `password` for its SMB login (none:
    /// the one already stored for that login, if any, is used). A refused job stores nothing.
    pub async fn add_job(&self, spec: JobSpec, password: Option<&str>) -> Result<Job, JobError> {
        let spec = normalized(spec);
        let url = self.check_spec(&spec, None, password.is_some()).await?;
        let replaced = match (&url, password) {
            (Some(u), Some(pw)) => Some((u, self.replace_password(u, pw).await?)),
            _ => None,
        };
        match self.db.add_job(&spec).await {
            Ok(job) => {
                tracing::info!(job = %job.name, remote = %job.remote_url, "job added");
                Ok(job)
            }
            Err(e) => {
                if let Some((u, before)) = replaced {
                    self.put_back_password(u, before).await;
                }
                Err(e.into())
            }
        }
    }

    /// Replaces a job's settings after checking every rule; `password`: a new one for its SMB
    /// login, `None` to keep the stored one. A job pointed at other folders starts over as a
    /// first sync. Live sync must not run the job meanwhile (`Service::change_job`).
    pub async fn update_job(
        &self,
        id: i64,
        spec: JobSpec,
        password: Option<&str>,
    ) -> Result<Job, JobError> {
        self.existing_job(id).await?;
        let spec = normalized(spec);
        let url = self.check_spec(&spec, Some(id), password.is_some()).await?;
        let replaced = match (&url, password) {
            (Some(u), Some(pw)) => Some((u, self.replace_password(u, pw).await?)),
            _ => None,
        };
        match self.db.update_job(id, &spec).await {
            Ok(job) => {
                tracing::info!(job = %job.name, remote = %job.remote_url, "job changed");
                Ok(job)
            }
            Err(e) => {
                if let Some((u, before)) = replaced {
                    self.put_back_password(u, before).await;
                }
                Err(e.into())
            }
        }
    }

    /// Removes a job and its sync state (never its files), and the password of its login when
    /// no other job logs in with it. Live sync must not run the job meanwhile
    /// (`Service::change_job`). The job as it was.
    pub async fn remove_job(&self, id: i64) -> Result<Job, JobError> {
        let job = self.existing_job(id).await?;
        self.db.remove_job(id).await?;
        if let Some(url) = smb_url(&job.remote_url) {
            let account = crate::credentials::account(&url);
            let shared = self
                .db
                .jobs()
                .await?
                .iter()
                .filter_map(|j| smb_url(&j.remote_url))
                .any(|u| crate::credentials::account(&u) == account);
            if !shared {
                let u = url.clone();
                if let Err(e) = self.with_credentials(move |c| c.delete(&u)).await {
                    tracing::warn!(%account, "job removed, but its stored password could not be: {e}");
                }
            }
        }
        tracing::info!(job = %job.name, "job removed");
        Ok(job)
    }

    /// Stores a new password for a job's SMB login (after the server rejected the old one);
    /// every job with that login uses it from its next connection. Where it went.
    pub async fn set_password(&self, id: i64, password: &str) -> Result<StoreKind, JobError> {
        let job = self.existing_job(id).await?;
        let Some(url) = smb_url(&job.remote_url) else {
            return Err(JobError::invalid(
                JobField::Password,
                format!(
                    "job '{}' syncs with a folder ({}), which has no password",
                    job.name, job.remote_url
                ),
            ));
        };
        let pw = password.to_string();
        let store = self.with_credentials(move |c| c.set(&url, &pw)).await?;
        tracing::info!(job = %job.name, "new password stored");
        Ok(store)
    }

    /// Turns a job's runs on or off (live sync picks it up at its next reload).
    pub async fn set_job_enabled(&self, id: i64, enabled: bool) -> Result<(), JobError> {
        self.existing_job(id).await?;
        Ok(self.db.set_job_enabled(id, enabled).await?)
    }

    /// Sets every job's parallel transfers (the app's "all jobs" setting), in its range.
    pub async fn set_all_jobs_parallel(&self, parallel: u32) -> Result<(), JobError> {
        crate::job_spec::check_range(JobField::Parallel, parallel)
            .map_err(|e| JobError::Invalid(vec![e]))?;
        Ok(self.db.set_all_jobs_parallel(parallel).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    async fn engine(t: &Path) -> Engine {
        std::env::set_var("ANEMONE_SYNC_CREDENTIAL_STORE", "file");
        Engine::open(&t.join("data")).await.unwrap()
    }

    fn smb_spec(t: &Path, name: &str, remote: &str) -> JobSpec {
        JobSpec::new(name, t.join(name), remote)
    }

    fn url(s: &str) -> SmbUrl {
        smb_url(s).unwrap()
    }

    async fn stored(e: &Engine, u: &str) -> Option<String> {
        e.stored_password(&url(u)).await.unwrap()
    }

    #[tokio::test]
    async fn a_refused_add_stores_no_job_and_no_password() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let e = engine(t).await;
        let first = e
            .add_job(smb_spec(t, "docs", "smb://u@nas/s/docs"), Some("pw-1"))
            .await
            .unwrap();
        assert_eq!(first.local_path, t.join("docs"));
        assert_eq!(stored(&e, "smb://u@nas/s").await.as_deref(), Some("pw-1"));

        // The same name, on another login: refused, and that login gets no password.
        let dup = e
            .add_job(smb_spec(t, "docs", "smb://v@nas2/s/x"), Some("pw-2"))
            .await
            .unwrap_err();
        assert_eq!(dup.field_errors()[0].field, JobField::Name);
        assert!(dup.to_string().contains("already exists"), "{dup}");
        assert_eq!(stored(&e, "smb://v@nas2/s").await, None);
        // A refused job on the first login does not replace its password either.
        let mut bad = smb_spec(t, "other", "smb://u@nas/s/other");
        bad.parallel = 0;
        bad.name = "two\nlines".into();
        let err = e.add_job(bad, Some("pw-3")).await.unwrap_err();
        let fields: Vec<_> = err.field_errors().iter().map(|f| f.field).collect();
        assert_eq!(fields, [JobField::Name, JobField::Parallel]);
        assert_eq!(stored(&e, "smb://u@nas/s").await.as_deref(), Some("pw-1"));
        assert_eq!(e.jobs().await.unwrap(), vec![first]);
        // Refused input is a usage error for the CLI.
        assert_eq!(SyncError::from(err).exit_code(), 2);
    }

    #[tokio::test]
    async fn a_password_is_only_for_smb() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let e = engine(t).await;
        let remote = format!("file://{}", t.join("r").display());
        let err = e
            .add_job(smb_spec(t, "f", &remote), Some("pw"))
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, JobField::Password);
        let job = e.add_job(smb_spec(t, "f", &remote), None).await.unwrap();
        let err = e.set_password(job.id, "pw").await.unwrap_err();
        assert_eq!(err.field_errors()[0].field, JobField::Password);
    }

    #[tokio::test]
    async fn update_keeps_the_password_unless_given_and_checks_the_rules() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let e = engine(t).await;
        let a = e
            .add_job(smb_spec(t, "a", "smb://u@nas/s/a"), Some("pw-1"))
            .await
            .unwrap();
        e.add_job(smb_spec(t, "b", "smb://u@nas/s/b"), None)
            .await
            .unwrap();
        let mut spec = smb_spec(t, "a", "smb://u@nas/s/a");
        spec.parallel = 8;
        let changed = e.update_job(a.id, spec.clone(), None).await.unwrap();
        assert_eq!(changed.parallel, 8);
        assert_eq!(stored(&e, "smb://u@nas/s").await.as_deref(), Some("pw-1"));
        e.update_job(a.id, spec.clone(), Some("pw-2"))
            .await
            .unwrap();
        assert_eq!(stored(&e, "smb://u@nas/s").await.as_deref(), Some("pw-2"));
        // Renamed to the other job's name: refused, nothing changed.
        spec.name = "b".into();
        let err = e.update_job(a.id, spec, Some("pw-3")).await.unwrap_err();
        assert_eq!(err.field_errors()[0].field, JobField::Name);
        assert_eq!(stored(&e, "smb://u@nas/s").await.as_deref(), Some("pw-2"));
        assert_eq!(e.job(a.id).await.unwrap().unwrap(), changed);
        // A job that is gone.
        let err = e
            .update_job(999, smb_spec(t, "z", "smb://u@nas/s/z"), None)
            .await
            .unwrap_err();
        assert!(matches!(err, JobError::NotFound(_)), "{err}");
        // The check alone stores nothing either.
        let err = e
            .check_job(&JobSpec::new("b", t.join("c"), "smb://u@nas/s/a/sub"), None)
            .await
            .unwrap_err();
        let fields: Vec<_> = err.field_errors().iter().map(|f| f.field).collect();
        assert_eq!(fields, [JobField::Name, JobField::RemotePath]);
    }

    #[tokio::test]
    async fn remove_deletes_the_password_its_login_no_longer_needs() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let e = engine(t).await;
        let a = e
            .add_job(smb_spec(t, "a", "smb://u@nas/s/a"), Some("pw"))
            .await
            .unwrap();
        let b = e
            .add_job(smb_spec(t, "b", "smb://u@nas/s/b"), None)
            .await
            .unwrap();
        // Job b logs in with the same account: the password stays for it.
        assert_eq!(e.remove_job(a.id).await.unwrap().name, "a");
        assert_eq!(stored(&e, "smb://u@nas/s").await.as_deref(), Some("pw"));
        e.remove_job(b.id).await.unwrap();
        assert_eq!(stored(&e, "smb://u@nas/s").await, None);
        assert_eq!(e.jobs().await.unwrap(), vec![]);
        assert!(matches!(
            e.remove_job(b.id).await.unwrap_err(),
            JobError::NotFound(_)
        ));
    }

    #[tokio::test]
    async fn set_password_replaces_the_stored_one() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let e = engine(t).await;
        let a = e
            .add_job(smb_spec(t, "a", "smb://u@nas/s/a"), Some("old"))
            .await
            .unwrap();
        let pw = "n3w-Secret-XYZ";
        assert_eq!(e.set_password(a.id, pw).await.unwrap(), StoreKind::File);
        assert_eq!(stored(&e, "smb://u@nas/s").await.as_deref(), Some(pw));
        // Nowhere in clear in the data folder (database, its journal, the credential file).
        for f in std::fs::read_dir(t.join("data")).unwrap().flatten() {
            if f.path().is_file() {
                let bytes = std::fs::read(f.path()).unwrap();
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(pw),
                    "{}",
                    f.path().display()
                );
            }
        }
    }
}
