//! Runs: one row per sync of a job, with counts, bytes, status, per-file errors and what
//! happened to each file.

use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::{now_ms, Db, DbResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    /// Everything planned was done.
    Success,
    /// Some files failed or were skipped; the rest was done.
    Partial,
    /// The run could not go on (connection lost for good, local disk problem).
    Failed,
    /// A safety guard stopped the run before anything was touched.
    Aborted,
    /// Stopped before the end on purpose (pause, quit, shutdown); the rest is done next run.
    Interrupted,
    /// Not a run: a span of time the server could not be reached (live sync), "offline from ..
    /// to ..", one entry per outage instead of a failed run per retry.
    Offline,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Aborted => "aborted",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Offline => "offline",
        }
    }

    fn parse(s: &str) -> RunStatus {
        match s {
            "success" => RunStatus::Success,
            "partial" => RunStatus::Partial,
            "failed" => RunStatus::Failed,
            "aborted" => RunStatus::Aborted,
            "interrupted" => RunStatus::Interrupted,
            "offline" => RunStatus::Offline,
            _ => RunStatus::Running,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub uploaded: u64,
    pub downloaded: u64,
    pub deleted_local: u64,
    pub deleted_remote: u64,
    /// Renamed on the local side, following a move made on the share.
    pub moved_local: u64,
    /// Renamed on the share, following a move made in the local folder.
    pub moved_remote: u64,
    pub conflicts: u64,
    pub skipped: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FileError {
    pub path: String,
    /// What a person reads: a sentence (see `crate::words::explain_file`).
    pub message: String,
    /// The technical text behind it (the server's answer), when there is one: shown behind
    /// "Details" and with the CLI's `--verbose`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl FileError {
    /// An error or note whose message says it all (the engine's own words).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> FileError {
        FileError {
            path: path.into(),
            message: message.into(),
            detail: None,
        }
    }
}

/// A path a run renamed to follow a move on the other side.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MovedPath {
    pub from: String,
    pub to: String,
    /// Where the rename was made: local or remote.
    pub side: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub id: i64,
    pub job: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub status: RunStatus,
    pub dry_run: bool,
    #[serde(flatten)]
    pub counts: Counts,
    pub message: Option<String>,
    pub errors: Vec<FileError>,
    /// Paths left alone on purpose (links, special files) and other things worth knowing.
    pub notes: Vec<FileError>,
    /// What the run renamed, "Moved a -> b".
    pub moves: Vec<MovedPath>,
}

/// One line of the recent-activity list.
#[derive(Clone, Debug, Serialize)]
pub struct Activity {
    pub run_id: i64,
    pub job: String,
    pub at_ms: i64,
    pub path: String,
    pub action: String,
    pub bytes: u64,
    /// A move's old path (`path` is the new one).
    pub moved_from: Option<String>,
}

/// What a run did to one file, waiting to be written with others ([`Db::commit_batch`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFileRow {
    pub run_id: i64,
    pub path: String,
    pub action: String,
    pub bytes: u64,
    /// A move's old path.
    pub moved_from: Option<String>,
}

/// A per-file error of a run, waiting to be written with others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunErrorRow {
    pub run_id: i64,
    pub path: String,
    pub message: String,
    pub detail: Option<String>,
}

/// Rows per multi-row statement (at most 5 values each, far below SQLite's limit on bound values).
const ROWS_PER_STATEMENT: usize = 1000;

pub(crate) async fn insert_files(conn: &mut SqliteConnection, rows: &[RunFileRow]) -> DbResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO run_files (run_id, path, action, bytes, moved_from) ");
        q.push_values(chunk, |mut b, r| {
            b.push_bind(r.run_id)
                .push_bind(r.path.clone())
                .push_bind(r.action.clone())
                .push_bind(r.bytes as i64)
                .push_bind(r.moved_from.clone());
        });
        q.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn insert_errors(
    conn: &mut SqliteConnection,
    rows: &[RunErrorRow],
) -> DbResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO run_errors (run_id, path, message, detail) ");
        q.push_values(chunk, |mut b, r| {
            b.push_bind(r.run_id)
                .push_bind(r.path.clone())
                .push_bind(r.message.clone())
                .push_bind(r.detail.clone());
        });
        q.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

impl Db {
    pub async fn start_run(&self, job_id: i64, dry_run: bool) -> DbResult<i64> {
        Ok(
            sqlx::query("INSERT INTO runs (job_id, started_at_ms, dry_run) VALUES (?, ?, ?)")
                .bind(job_id)
                .bind(now_ms())
                .bind(dry_run as i64)
                .execute(&self.pool)
                .await?
                .last_insert_rowid(),
        )
    }

    pub async fn record_error(&self, run_id: i64, e: &FileError) -> DbResult<()> {
        let row = RunErrorRow {
            run_id,
            path: e.path.clone(),
            message: e.message.clone(),
            detail: e.detail.clone(),
        };
        insert_errors(&mut *self.pool.acquire().await?, &[row]).await
    }

    /// A per-file note: reported with the run, but not an error.
    pub async fn record_note(&self, run_id: i64, path: &str, message: &str) -> DbResult<()> {
        sqlx::query("INSERT INTO run_errors (run_id, path, message, note) VALUES (?, ?, ?, 1)")
            .bind(run_id)
            .bind(path)
            .bind(message)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn finish_run(
        &self,
        run_id: i64,
        status: RunStatus,
        c: &Counts,
        message: Option<&str>,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE runs SET ended_at_ms = ?, status = ?, uploaded = ?, downloaded = ?,
             deleted_local = ?, deleted_remote = ?, moved_local = ?, moved_remote = ?,
             conflicts = ?, skipped = ?, bytes_up = ?, bytes_down = ?, message = ? WHERE id = ?",
        )
        .bind(now_ms())
        .bind(status.as_str())
        .bind(c.uploaded as i64)
        .bind(c.downloaded as i64)
        .bind(c.deleted_local as i64)
        .bind(c.deleted_remote as i64)
        .bind(c.moved_local as i64)
        .bind(c.moved_remote as i64)
        .bind(c.conflicts as i64)
        .bind(c.skipped as i64)
        .bind(c.bytes_up as i64)
        .bind(c.bytes_down as i64)
        .bind(message)
        .bind(run_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Runs, newest first; of one job when `job_id` is given.
    pub async fn runs(&self, job_id: Option<i64>, limit: u32) -> DbResult<Vec<Run>> {
        let rows = sqlx::query(
            "SELECT runs.*, jobs.name AS job_name FROM runs JOIN jobs ON jobs.id = runs.job_id
             WHERE (?1 IS NULL OR runs.job_id = ?1) ORDER BY runs.id DESC LIMIT ?2",
        )
        .bind(job_id)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let (mut errors, mut notes) = (Vec::new(), Vec::new());
            for e in sqlx::query(
                "SELECT path, message, note, detail FROM run_errors WHERE run_id = ? ORDER BY rowid",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            {
                let item = FileError {
                    path: e.try_get(0)?,
                    message: e.try_get(1)?,
                    detail: e.try_get(3)?,
                };
                if e.try_get::<i64, _>(2)? != 0 {
                    notes.push(item);
                } else {
                    errors.push(item);
                }
            }
            let mut moves = Vec::new();
            for m in sqlx::query(
                "SELECT moved_from, path, action FROM run_files
                 WHERE run_id = ? AND moved_from IS NOT NULL ORDER BY rowid",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            {
                let action: String = m.try_get(2)?;
                moves.push(MovedPath {
                    from: m.try_get(0)?,
                    to: m.try_get(1)?,
                    side: if action == "moved_local" {
                        "local"
                    } else {
                        "remote"
                    }
                    .to_string(),
                });
            }
            let n = |c: &str| -> Result<u64, sqlx::Error> { Ok(r.try_get::<i64, _>(c)? as u64) };
            out.push(Run {
                id,
                job: r.try_get("job_name")?,
                started_at_ms: r.try_get("started_at_ms")?,
                ended_at_ms: r.try_get("ended_at_ms")?,
                status: RunStatus::parse(&r.try_get::<String, _>("status")?),
                dry_run: r.try_get::<i64, _>("dry_run")? != 0,
                counts: Counts {
                    uploaded: n("uploaded")?,
                    downloaded: n("downloaded")?,
                    deleted_local: n("deleted_local")?,
                    deleted_remote: n("deleted_remote")?,
                    moved_local: n("moved_local")?,
                    moved_remote: n("moved_remote")?,
                    conflicts: n("conflicts")?,
                    skipped: n("skipped")?,
                    bytes_up: n("bytes_up")?,
                    bytes_down: n("bytes_down")?,
                },
                message: r.try_get("message")?,
                errors,
                notes,
                moves,
            });
        }
        Ok(out)
    }

    /// The most recent file actions, newest first.
    pub async fn activity(&self, job_id: Option<i64>, limit: u32) -> DbResult<Vec<Activity>> {
        let rows = sqlx::query(
            "SELECT run_files.run_id, jobs.name, runs.started_at_ms, run_files.path, run_files.action,
                    run_files.bytes, run_files.moved_from
             FROM run_files JOIN runs ON runs.id = run_files.run_id JOIN jobs ON jobs.id = runs.job_id
             WHERE (?1 IS NULL OR runs.job_id = ?1) ORDER BY run_files.rowid DESC LIMIT ?2",
        )
        .bind(job_id)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Activity {
                    run_id: r.try_get(0)?,
                    job: r.try_get(1)?,
                    at_ms: r.try_get(2)?,
                    path: r.try_get(3)?,
                    action: r.try_get(4)?,
                    bytes: r.try_get::<i64, _>(5)? as u64,
                    moved_from: r.try_get(6)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Removes a run that turned out to do nothing (a live-sync check that found everything in
    /// sync), so history lists what happened, not every look.
    pub async fn delete_run(&self, run_id: i64) -> DbResult<()> {
        sqlx::query("DELETE FROM runs WHERE id = ?")
            .bind(run_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Opens the history entry of an outage: "offline since ..", with why.
    pub async fn begin_offline(&self, job_id: i64, since_ms: i64, why: &str) -> DbResult<i64> {
        Ok(sqlx::query(
            "INSERT INTO runs (job_id, started_at_ms, status, message) VALUES (?, ?, 'offline', ?)",
        )
        .bind(job_id)
        .bind(since_ms)
        .bind(format!("offline since {}: {why}", local_time(since_ms)))
        .execute(&self.pool)
        .await?
        .last_insert_rowid())
    }

    /// Closes an outage's entry: "offline from .. to ..".
    pub async fn end_offline(&self, entry_id: i64, why: &str) -> DbResult<()> {
        let row = sqlx::query("SELECT started_at_ms FROM runs WHERE id = ?")
            .bind(entry_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(()) };
        let since: i64 = row.try_get("started_at_ms")?;
        let now = now_ms();
        sqlx::query("UPDATE runs SET ended_at_ms = ?, message = ? WHERE id = ?")
            .bind(now)
            .bind(format!(
                "offline from {} to {}: {why}",
                local_time(since),
                local_time(now)
            ))
            .bind(entry_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks runs left `running` by a crashed process as failed, so history stays honest.
    pub async fn close_stale_runs(&self, job_id: i64) -> DbResult<()> {
        sqlx::query(
            "UPDATE runs SET status = 'failed', ended_at_ms = started_at_ms,
             message = 'interrupted (the process stopped before the run ended)'
             WHERE job_id = ? AND status = 'running'",
        )
        .bind(job_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A moment for people: local time, to the second.
pub fn local_time(ms: i64) -> String {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| ms.to_string())
}
