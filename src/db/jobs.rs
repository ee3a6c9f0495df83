//! The jobs table: what to sync with what, and how.

use std::path::PathBuf;

use serde::Serialize;
use sqlx::Row;

use super::{Db, DbError, DbResult};
use crate::job_spec::JobSpec;
use crate::policy::Encryption;
use crate::policy::{ConflictPolicy, Mode};
use crate::trigger::{LiveSettings, Schedule};

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub name: String,
    pub local_path: PathBuf,
    /// Canonical remote URL, never with a password.
    pub remote_url: String,
    pub mode: Mode,
    pub conflict_policy: ConflictPolicy,
    pub excludes: Vec<String>,
    pub max_delete_percent: u32,
    pub enabled: bool,
    pub parallel: u32,
    pub trash_retention_days: u32,
    /// When it syncs by itself (trigger, rescan, quiet period, remote notification).
    pub live: LiveSettings,
    /// SMB encryption: as the server asks, or required.
    pub encryption: Encryption,
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// Binds a job's settings, in the column order both `add_job` and `update_job` use.
fn bind_settings<'q>(q: SqliteQuery<'q>, j: &'q JobSpec) -> SqliteQuery<'q> {
    q.bind(&j.name)
        .bind(j.local_path.to_string_lossy().to_string())
        .bind(&j.remote_url)
        .bind(j.mode.as_str())
        .bind(j.conflict_policy.as_str())
        .bind(serde_json::to_string(&j.excludes).unwrap_or_else(|_| "[]".into()))
        .bind(j.max_delete_percent as i64)
        .bind(j.parallel as i64)
        .bind(j.trash_retention_days as i64)
        .bind(j.live.trigger.as_str())
        .bind(j.live.interval_minutes as i64)
        .bind(serde_json::to_string(&j.live.schedule).unwrap_or_else(|_| "{}".into()))
        .bind(j.live.rescan_minutes as i64)
        .bind(j.live.quiet_ms as i64)
        .bind(j.live.remote_notify as i64)
        .bind(j.live.poll_secs as i64)
        .bind(j.encryption.as_str())
}

fn row_to_job(row: &sqlx::sqlite::SqliteRow) -> DbResult<Job> {
    let mode: String = row.try_get("mode")?;
    let policy: String = row.try_get("conflict_policy")?;
    let excludes: String = row.try_get("excludes")?;
    Ok(Job {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        local_path: PathBuf::from(row.try_get::<String, _>("local_path")?),
        remote_url: row.try_get("remote_url")?,
        mode: mode.parse().map_err(DbError::Invalid)?,
        conflict_policy: policy.parse().map_err(DbError::Invalid)?,
        excludes: serde_json::from_str(&excludes).unwrap_or_default(),
        max_delete_percent: row.try_get::<i64, _>("max_delete_percent")? as u32,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        parallel: row.try_get::<i64, _>("parallel")?.max(1) as u32,
        trash_retention_days: row.try_get::<i64, _>("trash_retention_days")? as u32,
        live: LiveSettings {
            trigger: row
                .try_get::<String, _>("sync_trigger")?
                .parse()
                .map_err(DbError::Invalid)?,
            interval_minutes: row.try_get::<i64, _>("interval_minutes")?.max(1) as u32,
            schedule: serde_json::from_str::<Schedule>(&row.try_get::<String, _>("schedule")?)
                .unwrap_or_default(),
            rescan_minutes: row.try_get::<i64, _>("rescan_minutes")?.max(0) as u32,
            quiet_ms: row.try_get::<i64, _>("quiet_ms")?.max(0) as u32,
            remote_notify: row.try_get::<i64, _>("remote_notify")? != 0,
            poll_secs: row.try_get::<i64, _>("poll_secs")?.max(1) as u32,
        },
        encryption: row
            .try_get::<String, _>("encryption")?
            .parse()
            .map_err(DbError::Invalid)?,
    })
}

impl Db {
    pub async fn add_job(&self, j: &JobSpec) -> DbResult<Job> {
        if self.job_by_name(&j.name).await?.is_some() {
            return Err(DbError::Invalid(format!(
                "a job named '{}' already exists; pick another name or remove it first",
                j.name
            )));
        }
        let id = bind_settings(
            sqlx::query(
                "INSERT INTO jobs (name, local_path, remote_url, mode, conflict_policy, excludes,
                 max_delete_percent, parallel, trash_retention_days, sync_trigger,
                 interval_minutes, schedule, rescan_minutes, quiet_ms, remote_notify, poll_secs,
                 encryption, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ),
            j,
        )
        .bind(super::now_ms() / 1000)
        .execute(&self.pool)
        .await?
        .last_insert_rowid();
        self.job_by_id(id)
            .await?
            .ok_or_else(|| DbError::Invalid("job vanished right after insert".into()))
    }

    /// Replaces a job's settings (the name may change; its sync state is kept).
    pub async fn update_job(&self, id: i64, j: &JobSpec) -> DbResult<Job> {
        if let Some(other) = self.job_by_name(&j.name).await? {
            if other.id != id {
                return Err(DbError::Invalid(format!(
                    "a job named '{}' already exists; pick another name",
                    j.name
                )));
            }
        }
        let old = self.job_by_id(id).await?;
        // A job pointed at another folder (either side) starts over as a first sync: the
        // synced state, pending conflicts and resume records describe the old pair. Kept, they
        // would make files missing from the new folder look deleted there since the last sync.
        let moved = old.as_ref().is_some_and(|o| {
            let same_remote = match (
                crate::url::RemoteUrl::parse(&o.remote_url),
                crate::url::RemoteUrl::parse(&j.remote_url),
            ) {
                (Ok(a), Ok(b)) => a.same_place(&b),
                _ => o.remote_url == j.remote_url,
            };
            o.local_path != j.local_path || !same_remote
        });
        let mut tx = self.pool.begin().await?;
        bind_settings(
            sqlx::query(
                "UPDATE jobs SET name = ?, local_path = ?, remote_url = ?, mode = ?, conflict_policy = ?,
                 excludes = ?, max_delete_percent = ?, parallel = ?, trash_retention_days = ?,
                 sync_trigger = ?, interval_minutes = ?, schedule = ?, rescan_minutes = ?,
                 quiet_ms = ?, remote_notify = ?, poll_secs = ?, encryption = ? WHERE id = ?",
            ),
            j,
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if moved {
            for forget in [
                "DELETE FROM entries WHERE job_id = ?",
                "DELETE FROM conflicts WHERE job_id = ?",
                "DELETE FROM transfers WHERE job_id = ?",
            ] {
                sqlx::query(forget).bind(id).execute(&mut *tx).await?;
            }
            tracing::info!(job = %j.name, "the job's folders changed: its next sync is a first sync");
        }
        tx.commit().await?;
        self.job_by_id(id)
            .await?
            .ok_or_else(|| DbError::Invalid(format!("job {id} does not exist")))
    }

    pub async fn set_job_enabled(&self, id: i64, enabled: bool) -> DbResult<()> {
        sqlx::query("UPDATE jobs SET enabled = ? WHERE id = ?")
            .bind(enabled as i64)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets every job's parallel transfers (the desktop app's "all jobs" setting).
    pub async fn set_all_jobs_parallel(&self, parallel: u32) -> DbResult<()> {
        sqlx::query("UPDATE jobs SET parallel = ?")
            .bind(parallel.max(1) as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn jobs(&self) -> DbResult<Vec<Job>> {
        let rows = sqlx::query("SELECT * FROM jobs ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_to_job).collect()
    }

    pub async fn job_by_name(&self, name: &str) -> DbResult<Option<Job>> {
        let row = sqlx::query("SELECT * FROM jobs WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(row_to_job).transpose()
    }

    pub async fn job_by_id(&self, id: i64) -> DbResult<Option<Job>> {
        let row = sqlx::query("SELECT * FROM jobs WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(row_to_job).transpose()
    }

    /// Removes the job and its state; the files on both sides are not touched.
    pub async fn remove_job(&self, id: i64) -> DbResult<()> {
        sqlx::query("DELETE FROM jobs WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn set_all_jobs_parallel_changes_every_job_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(tmp.path()).await.unwrap();
        let mut a = JobSpec::new("a", tmp.path().join("a"), "file:///a");
        a.parallel = 2;
        let a = db.add_job(&a).await.unwrap();
        let b = db
            .add_job(&JobSpec::new("b", tmp.path().join("b"), "file:///b"))
            .await
            .unwrap();
        db.set_all_jobs_parallel(9).await.unwrap();
        for before in [a, b] {
            let after = db.job_by_id(before.id).await.unwrap().unwrap();
            assert_eq!(after.parallel, 9);
            assert_eq!(
                Job {
                    parallel: before.parallel,
                    ..after
                },
                before
            );
        }
    }
}
