//! The `first_sync` table: a job's first-sync choice until its first complete sync spends it
//! (see [`crate::sync::first_sync`]).

use sqlx::Row;

use super::{Db, DbError, DbResult};
use crate::sync::first_sync::FirstSyncSetting;

/// A job's unspent first-sync setting, and whether a run stopped to ask for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FirstSyncState {
    pub setting: FirstSyncSetting,
    pub waiting: bool,
}

impl Db {
    /// The job's unspent setting; `None` once spent (or never set: merge).
    pub async fn first_sync(&self, job_id: i64) -> DbResult<Option<FirstSyncState>> {
        let row = sqlx::query("SELECT choice, waiting FROM first_sync WHERE job_id = ?")
            .bind(job_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(FirstSyncState {
                setting: r
                    .try_get::<String, _>("choice")?
                    .parse()
                    .map_err(DbError::Invalid)?,
                waiting: r.try_get::<i64, _>("waiting")? != 0,
            })
        })
        .transpose()
    }

    /// Sets (or replaces) the job's setting; a choice made clears the waiting mark.
    pub async fn set_first_sync(&self, job_id: i64, setting: FirstSyncSetting) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO first_sync (job_id, choice, waiting) VALUES (?, ?, 0)
             ON CONFLICT(job_id) DO UPDATE SET choice = excluded.choice, waiting = 0",
        )
        .bind(job_id)
        .bind(setting.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks that a run stopped to ask for the choice.
    pub async fn mark_first_sync_waiting(&self, job_id: i64) -> DbResult<()> {
        sqlx::query("UPDATE first_sync SET waiting = 1 WHERE job_id = ?")
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The first complete sync is done: the choice is spent.
    pub async fn spend_first_sync(&self, job_id: i64) -> DbResult<()> {
        sqlx::query("DELETE FROM first_sync WHERE job_id = ?")
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Jobs whose first sync waits for a choice.
    pub async fn first_sync_waiting(&self) -> DbResult<Vec<i64>> {
        let rows = sqlx::query("SELECT job_id FROM first_sync WHERE waiting = 1 ORDER BY job_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>("job_id").map_err(DbError::from))
            .collect()
    }

    /// Whether the job has any synced state (a first sync has run, at least in part).
    pub async fn has_synced(&self, job_id: i64) -> DbResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM entries WHERE job_id = ?)")
            .bind(job_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n != 0)
    }
}
