//! The live state of each job as the running sync service (tray app or `anemone-sync watch`)
//! last published it, so `status` in another process can show "offline" or "paused".
//!
//! The service refreshes `updated_ms` every [`HEARTBEAT_MS`]; a row older than
//! [`STALE_AFTER_MS`] belongs to a service that is gone and is not shown as live.

use sqlx::Row;

use super::{now_ms, Db, DbResult};

pub const HEARTBEAT_MS: i64 = 20_000;
pub const STALE_AFTER_MS: i64 = 3 * HEARTBEAT_MS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveRow {
    pub job_id: i64,
    pub state: String,
    pub message: Option<String>,
    pub since_ms: i64,
    pub updated_ms: i64,
    pub next_sync_ms: Option<i64>,
}

impl Db {
    pub async fn put_live(
        &self,
        job_id: i64,
        state: &str,
        message: Option<&str>,
        since_ms: i64,
        next_sync_ms: Option<i64>,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO job_live (job_id, state, message, since_ms, updated_ms, next_sync_ms)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(job_id) DO UPDATE SET state = excluded.state, message = excluded.message,
               since_ms = excluded.since_ms, updated_ms = excluded.updated_ms,
               next_sync_ms = excluded.next_sync_ms",
        )
        .bind(job_id)
        .bind(state)
        .bind(message)
        .bind(since_ms)
        .bind(now_ms())
        .bind(next_sync_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Refreshes the rows of jobs a service still runs.
    pub async fn live_heartbeat(&self, job_ids: &[i64]) -> DbResult<()> {
        let now = now_ms();
        for id in job_ids {
            sqlx::query("UPDATE job_live SET updated_ms = ? WHERE job_id = ?")
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Drops a job's row (its service stopped running it).
    pub async fn clear_live(&self, job_id: i64) -> DbResult<()> {
        sqlx::query("DELETE FROM job_live WHERE job_id = ?")
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Rows refreshed recently enough to belong to a running service.
    pub async fn live_states(&self) -> DbResult<Vec<LiveRow>> {
        let rows = sqlx::query("SELECT * FROM job_live WHERE updated_ms >= ?")
            .bind(now_ms() - STALE_AFTER_MS)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(LiveRow {
                    job_id: r.try_get("job_id")?,
                    state: r.try_get("state")?,
                    message: r.try_get("message")?,
                    since_ms: r.try_get("since_ms")?,
                    updated_ms: r.try_get("updated_ms")?,
                    next_sync_ms: r.try_get("next_sync_ms")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(Into::into)
    }
}
