//! Where the limits live: the state database (`job_limits`, `engine_settings`), so the CLI and
//! the app read the same ones. The engine's calls below also hand each change to the running
//! process's buckets, so it applies to the transfers under way.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::{Db, DbResult};
use crate::engine::Engine;

use super::rate::MIN_RATE;

/// Bandwidth limits of one direction pair, bytes per second; `None`: no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub up: Option<u64>,
    pub down: Option<u64>,
}

impl Limits {
    /// A sentence for a limit below the lowest one accepted (a hand-edited file, an old
    /// client); `Ok` otherwise.
    pub fn check(&self) -> Result<(), String> {
        for (what, v) in [("upload", self.up), ("download", self.down)] {
            if let Some(v) = v.filter(|v| *v < MIN_RATE) {
                return Err(format!(
                    "the {what} limit of {v} bytes per second is below the lowest limit, 10 kB/s; give at least 10kB, or no limit"
                ));
            }
        }
        Ok(())
    }
}

const UP: &str = "up_limit";
const DOWN: &str = "down_limit";
const PAUSE_ON_METERED: &str = "pause_on_metered";

impl Db {
    async fn setting(&self, key: &str) -> DbResult<Option<String>> {
        Ok(
            sqlx::query("SELECT value FROM engine_settings WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.get::<String, _>(0)),
        )
    }

    async fn put_setting(&self, key: &str, value: Option<String>) -> DbResult<()> {
        match value {
            Some(v) => {
                sqlx::query(
                    "INSERT INTO engine_settings (key, value) VALUES (?, ?)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(v)
                .execute(&self.pool)
                .await?
            }
            None => {
                sqlx::query("DELETE FROM engine_settings WHERE key = ?")
                    .bind(key)
                    .execute(&self.pool)
                    .await?
            }
        };
        Ok(())
    }

    pub async fn global_limits(&self) -> DbResult<Limits> {
        let rate = |v: Option<String>| v.and_then(|s| s.parse::<u64>().ok()).filter(|r| *r > 0);
        Ok(Limits {
            up: rate(self.setting(UP).await?),
            down: rate(self.setting(DOWN).await?),
        })
    }

    pub async fn set_global_limits(&self, l: Limits) -> DbResult<()> {
        self.put_setting(UP, l.up.map(|v| v.to_string())).await?;
        self.put_setting(DOWN, l.down.map(|v| v.to_string())).await
    }

    pub async fn pause_on_metered(&self) -> DbResult<bool> {
        Ok(self.setting(PAUSE_ON_METERED).await?.as_deref() == Some("1"))
    }

    pub async fn set_pause_on_metered(&self, on: bool) -> DbResult<()> {
        self.put_setting(PAUSE_ON_METERED, Some(if on { "1" } else { "0" }.into()))
            .await
    }

    pub async fn job_limits(&self, job_id: i64) -> DbResult<Limits> {
        let row = sqlx::query(
            "SELECT up_bytes_per_sec, down_bytes_per_sec FROM job_limits WHERE job_id = ?",
        )
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await?;
        let rate = |v: Option<i64>| v.filter(|r| *r > 0).map(|r| r as u64);
        Ok(row
            .map(|r| Limits {
                up: rate(r.get(0)),
                down: rate(r.get(1)),
            })
            .unwrap_or_default())
    }

    pub async fn set_job_limits(&self, job_id: i64, l: Limits) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO job_limits (job_id, up_bytes_per_sec, down_bytes_per_sec) VALUES (?, ?, ?)
             ON CONFLICT(job_id) DO UPDATE SET up_bytes_per_sec = excluded.up_bytes_per_sec,
             down_bytes_per_sec = excluded.down_bytes_per_sec",
        )
        .bind(job_id)
        .bind(l.up.map(|v| v as i64))
        .bind(l.down.map(|v| v as i64))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl Engine {
    /// The limits that cap all jobs of this process together.
    pub async fn global_limits(&self) -> DbResult<Limits> {
        self.db.global_limits().await
    }

    /// Stores the global limits and applies them at once (transfers under way included).
    pub async fn set_global_limits(&self, l: Limits) -> DbResult<()> {
        l.check().map_err(crate::db::DbError::Invalid)?;
        self.db.set_global_limits(l).await?;
        self.buckets.set_global(l);
        Ok(())
    }

    /// A job's own limits (no row: none).
    pub async fn job_limits(&self, job_id: i64) -> DbResult<Limits> {
        self.db.job_limits(job_id).await
    }

    /// Stores a job's own limits and applies them at once.
    pub async fn set_job_limits(&self, job_id: i64, l: Limits) -> DbResult<()> {
        l.check().map_err(crate::db::DbError::Invalid)?;
        self.db.set_job_limits(job_id, l).await?;
        self.buckets.set_job(job_id, l);
        Ok(())
    }

    /// "Pause syncing on metered connections" (default off).
    pub async fn pause_on_metered(&self) -> DbResult<bool> {
        self.db.pause_on_metered().await
    }

    pub async fn set_pause_on_metered(&self, on: bool) -> DbResult<()> {
        self.db.set_pause_on_metered(on).await
    }

    /// The buckets a run of `job` draws from, their rates read from the database first (so a
    /// change made by another process, such as the CLI beside the app, counts from the next
    /// run on).
    pub(crate) async fn throttle_for(&self, job_id: i64) -> super::Throttle {
        if let Ok(g) = self.db.global_limits().await {
            self.buckets.set_global(g);
        }
        if let Ok(l) = self.db.job_limits(job_id).await {
            self.buckets.set_job(job_id, l);
        }
        self.buckets.throttle(job_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_and_the_metered_setting_are_stored() {
        let tmp = tempfile::tempdir().unwrap();
        let db = Db::open(tmp.path()).await.unwrap();
        assert_eq!(db.global_limits().await.unwrap(), Limits::default());
        assert!(!db.pause_on_metered().await.unwrap());
        let l = Limits {
            up: Some(2_000_000),
            down: None,
        };
        db.set_global_limits(l).await.unwrap();
        assert_eq!(db.global_limits().await.unwrap(), l);
        db.set_pause_on_metered(true).await.unwrap();
        assert!(db.pause_on_metered().await.unwrap());
        let job = db
            .add_job(&crate::job_spec::JobSpec::new(
                "a",
                tmp.path().join("a"),
                "file:///a",
            ))
            .await
            .unwrap();
        assert_eq!(db.job_limits(job.id).await.unwrap(), Limits::default());
        let jl = Limits {
            up: None,
            down: Some(500_000),
        };
        db.set_job_limits(job.id, jl).await.unwrap();
        assert_eq!(db.job_limits(job.id).await.unwrap(), jl);
        // Removing the job removes its limits.
        db.remove_job(job.id).await.unwrap();
        assert_eq!(db.job_limits(job.id).await.unwrap(), Limits::default());
    }
}
