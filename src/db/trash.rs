//! Why each file in a job's trash is there: one row per file a run moved to a side's
//! `.anemone-trash` (see `migrations/0006_trash.sql`). The trash folders themselves are the
//! truth about what is there; these rows only add the reason, the run and the exact time.

use sqlx::Row;

use super::{Db, DbResult};
use crate::tree::Side;

/// Why a file went to the trash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrashReason {
    /// Deleted on this side because it was deleted on the other.
    Deleted,
    /// Replaced by a newer version from the other side.
    Overwritten,
    /// Lost a conflict (changed on both sides; the other side's version was kept).
    Conflict,
    /// Put there before this version recorded why, or by another computer.
    Unknown,
}

impl TrashReason {
    pub fn as_str(self) -> &'static str {
        match self {
            TrashReason::Deleted => "deleted",
            TrashReason::Overwritten => "overwritten",
            TrashReason::Conflict => "conflict",
            TrashReason::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> TrashReason {
        match s {
            "deleted" => TrashReason::Deleted,
            "overwritten" => TrashReason::Overwritten,
            "conflict" => TrashReason::Conflict,
            _ => TrashReason::Unknown,
        }
    }
}

pub(crate) fn side_str(side: Side) -> &'static str {
    match side {
        Side::Local => "local",
        Side::Remote => "remote",
    }
}

/// What the database knows about one file in the trash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrashRecord {
    pub side: Side,
    pub trash_path: String,
    pub original_path: String,
    pub reason: TrashReason,
    pub run_id: Option<i64>,
    pub trashed_at_ms: i64,
}

fn row_to_record(r: &sqlx::sqlite::SqliteRow) -> Result<TrashRecord, sqlx::Error> {
    Ok(TrashRecord {
        side: if r.try_get::<String, _>("side")? == "local" {
            Side::Local
        } else {
            Side::Remote
        },
        trash_path: r.try_get("trash_path")?,
        original_path: r.try_get("original_path")?,
        reason: TrashReason::parse(&r.try_get::<String, _>("reason")?),
        run_id: r.try_get("run_id")?,
        trashed_at_ms: r.try_get("trashed_at_ms")?,
    })
}

impl Db {
    /// Records that a run moved `original` to `trash_path` on `side`.
    pub async fn record_trash(&self, job_id: i64, rec: &TrashRecord) -> DbResult<()> {
        sqlx::query(
            "INSERT OR REPLACE INTO trash_items
               (job_id, side, trash_path, original_path, reason, run_id, trashed_at_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(job_id)
        .bind(side_str(rec.side))
        .bind(&rec.trash_path)
        .bind(&rec.original_path)
        .bind(rec.reason.as_str())
        .bind(rec.run_id)
        .bind(rec.trashed_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Everything recorded for a job's trash, both sides.
    pub async fn trash_records(&self, job_id: i64) -> DbResult<Vec<TrashRecord>> {
        let rows = sqlx::query(
            "SELECT side, trash_path, original_path, reason, run_id, trashed_at_ms
             FROM trash_items WHERE job_id = ? ORDER BY trashed_at_ms DESC",
        )
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(row_to_record)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// What runs `run_ids` moved to the trash, with their job (History's Restore action).
    pub async fn trash_records_of_runs(
        &self,
        run_ids: &[i64],
    ) -> DbResult<Vec<(i64, TrashRecord)>> {
        let mut out = Vec::new();
        // SQLite's limit on bound parameters is far above a page of History, but stay safe.
        for chunk in run_ids.chunks(500) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "SELECT job_id, side, trash_path, original_path, reason, run_id, trashed_at_ms
                 FROM trash_items WHERE run_id IN (",
            );
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            for r in q.build().fetch_all(&self.pool).await? {
                out.push((r.try_get::<i64, _>("job_id")?, row_to_record(&r)?));
            }
        }
        Ok(out)
    }

    /// Forgets one file's record (restored).
    pub async fn forget_trash(&self, job_id: i64, side: Side, trash_path: &str) -> DbResult<()> {
        sqlx::query("DELETE FROM trash_items WHERE job_id = ? AND side = ? AND trash_path = ?")
            .bind(job_id)
            .bind(side_str(side))
            .bind(trash_path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets the records of a side's trash, or of one run folder of it (emptied).
    pub async fn forget_trash_under(&self, job_id: i64, side: Side, prefix: &str) -> DbResult<()> {
        // `prefix/` with LIKE's wildcards escaped: a run folder is a literal name.
        let pattern = format!(
            "{}/%",
            prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        sqlx::query(
            "DELETE FROM trash_items WHERE job_id = ? AND side = ? AND trash_path LIKE ? ESCAPE '\\'",
        )
        .bind(job_id)
        .bind(side_str(side))
        .bind(pattern)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
