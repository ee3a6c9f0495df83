//! Pending conflicts (policy `ask`): left untouched on both sides until the user resolves them.

use serde::Serialize;
use sqlx::Row;

use super::{now_ms, Db, DbResult};
use crate::relpath::RelPath;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Conflict {
    pub id: i64,
    pub job: String,
    pub job_id: i64,
    pub path: String,
    pub local_size: u64,
    pub local_mtime_ns: i64,
    pub remote_size: u64,
    pub remote_mtime_ns: i64,
    pub detected_at_ms: i64,
}

fn row_to_conflict(r: &sqlx::sqlite::SqliteRow) -> Result<Conflict, sqlx::Error> {
    Ok(Conflict {
        id: r.try_get("id")?,
        job: r.try_get("job_name")?,
        job_id: r.try_get("job_id")?,
        path: r.try_get("path")?,
        local_size: r.try_get::<i64, _>("local_size")? as u64,
        local_mtime_ns: r.try_get("local_mtime_ns")?,
        remote_size: r.try_get::<i64, _>("remote_size")? as u64,
        remote_mtime_ns: r.try_get("remote_mtime_ns")?,
        detected_at_ms: r.try_get("detected_at_ms")?,
    })
}

impl Db {
    /// Records (or refreshes) the pending conflict on `path`.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_conflict(
        &self,
        job_id: i64,
        path: &RelPath,
        local_size: u64,
        local_mtime_ns: i64,
        remote_size: u64,
        remote_mtime_ns: i64,
    ) -> DbResult<()> {
        let updated = sqlx::query(
            "UPDATE conflicts SET local_size = ?, local_mtime_ns = ?, remote_size = ?, remote_mtime_ns = ?
             WHERE job_id = ? AND path = ? AND resolved_at_ms IS NULL",
        )
        .bind(local_size as i64)
        .bind(local_mtime_ns)
        .bind(remote_size as i64)
        .bind(remote_mtime_ns)
        .bind(job_id)
        .bind(path.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO conflicts (job_id, path, local_size, local_mtime_ns, remote_size,
                 remote_mtime_ns, detected_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(job_id)
            .bind(path.as_str())
            .bind(local_size as i64)
            .bind(local_mtime_ns)
            .bind(remote_size as i64)
            .bind(remote_mtime_ns)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    pub async fn pending_conflicts(&self, job_id: Option<i64>) -> DbResult<Vec<Conflict>> {
        let rows = sqlx::query(
            "SELECT conflicts.*, jobs.name AS job_name FROM conflicts JOIN jobs ON jobs.id = conflicts.job_id
             WHERE resolved_at_ms IS NULL AND (?1 IS NULL OR job_id = ?1) ORDER BY conflicts.id",
        )
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_to_conflict).collect::<Result<_, _>>()?)
    }

    pub async fn conflict_by_id(&self, id: i64) -> DbResult<Option<Conflict>> {
        let row = sqlx::query(
            "SELECT conflicts.*, jobs.name AS job_name FROM conflicts JOIN jobs ON jobs.id = conflicts.job_id
             WHERE conflicts.id = ? AND resolved_at_ms IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(row_to_conflict).transpose()?)
    }

    pub async fn mark_conflict_resolved(
        &self,
        job_id: i64,
        path: &RelPath,
        resolution: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE conflicts SET resolved_at_ms = ?, resolution = ?
             WHERE job_id = ? AND path = ? AND resolved_at_ms IS NULL",
        )
        .bind(now_ms())
        .bind(resolution)
        .bind(job_id)
        .bind(path.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
