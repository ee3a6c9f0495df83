//! What the delete guard remembers of each job's local folder: the path it was seen at, its
//! device and the token of its marker file (see `sync::local_folder`).

use sqlx::Row;

use super::{Db, DbResult};

/// A job's local folder as the last run that went ahead saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalFolder {
    pub local_path: String,
    /// `st_dev` on Unix; `None` where the OS gives none.
    pub device: Option<u64>,
    /// The marker file's token; `None` when it could not be written (a read-only folder).
    pub marker: Option<String>,
}

impl Db {
    pub async fn local_folder(&self, job_id: i64) -> DbResult<Option<LocalFolder>> {
        let row =
            sqlx::query("SELECT local_path, device, marker FROM local_folders WHERE job_id = ?")
                .bind(job_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| LocalFolder {
            local_path: r.get("local_path"),
            device: r.get::<Option<i64>, _>("device").map(|d| d as u64),
            marker: r.get("marker"),
        }))
    }

    pub async fn remember_local_folder(&self, job_id: i64, f: &LocalFolder) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO local_folders (job_id, local_path, device, marker) VALUES (?, ?, ?, ?)
             ON CONFLICT(job_id) DO UPDATE SET local_path = excluded.local_path,
               device = excluded.device, marker = excluded.marker",
        )
        .bind(job_id)
        .bind(&f.local_path)
        // SQLite integers are signed: the bits are kept as they are.
        .bind(f.device.map(|d| d as i64))
        .bind(&f.marker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
