//! The base tree (what both sides held at the last sync of each path) and the records of
//! transfers in progress. Updated per finished file, so a crash loses at most in-flight work.
//!
//! Many files finish at once during a sync, so their base changes are also written in groups
//! ([`Db::commit_batch`]): one transaction with multi-row statements instead of one transaction
//! per file (each costs a round trip to sqlx's SQLite thread and a WAL commit).

use futures::TryStreamExt;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::history::{RunErrorRow, RunFileRow};
use super::{Db, DbResult};
use crate::relpath::RelPath;
use crate::scope::Scope;
use crate::tree::{BaseEntry, BaseTree, Direction, EntryKind, Hash};

/// An interrupted transfer: the temp file holds `[0, committed)` of a source that had this size
/// and time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferRecord {
    pub source_size: u64,
    pub source_mtime_ns: i64,
    pub committed: u64,
}

/// One change to the base tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseChange {
    Put(BaseEntry),
    Forget(RelPath),
}

impl BaseChange {
    pub fn path(&self) -> &RelPath {
        match self {
            BaseChange::Put(e) => &e.path,
            BaseChange::Forget(p) => p,
        }
    }
}

/// Rows per multi-row statement: 11 values each stays far below SQLite's limit of 32766 bound
/// values per statement.
const ROWS_PER_STATEMENT: usize = 500;

fn kind_str(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "file",
        EntryKind::Dir => "dir",
    }
}

async fn put_many(
    conn: &mut SqliteConnection,
    job_id: i64,
    entries: &[&BaseEntry],
) -> DbResult<()> {
    for rows in entries.chunks(ROWS_PER_STATEMENT) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT OR REPLACE INTO entries (job_id, path, kind, hash, local_size, local_mtime_ns,
             remote_size, remote_mtime_ns, remote_ctime_ns, remote_file_id, local_file_id) ",
        );
        q.push_values(rows, |mut b, e| {
            b.push_bind(job_id)
                .push_bind(e.path.as_str().to_string())
                .push_bind(kind_str(e.kind))
                .push_bind(e.hash.map(|h| h.to_vec()))
                .push_bind(e.local_size as i64)
                .push_bind(e.local_mtime_ns)
                .push_bind(e.remote_size as i64)
                .push_bind(e.remote_mtime_ns)
                .push_bind(e.remote_ctime_ns)
                .push_bind(e.remote_file_id.map(|v| v as i64))
                .push_bind(e.local_file_id.map(|v| v as i64));
        });
        // Row counts vary from batch to batch: not worth a slot in the statement cache.
        q.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

impl Db {
    /// Applies `changes` in order and appends the history rows, all in one transaction: either
    /// everything is recorded or nothing is.
    pub async fn commit_batch(
        &self,
        job_id: i64,
        changes: &[BaseChange],
        files: &[RunFileRow],
        errors: &[RunErrorRow],
    ) -> DbResult<()> {
        let mut tx = self.pool.begin().await?;
        // Consecutive puts go in one statement; a forget in between keeps the order.
        let mut puts: Vec<&BaseEntry> = Vec::new();
        for c in changes {
            match c {
                BaseChange::Put(e) => puts.push(e),
                BaseChange::Forget(p) => {
                    put_many(&mut tx, job_id, &puts).await?;
                    puts.clear();
                    sqlx::query("DELETE FROM entries WHERE job_id = ? AND path = ?")
                        .bind(job_id)
                        .bind(p.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        put_many(&mut tx, job_id, &puts).await?;
        super::history::insert_files(&mut tx, files).await?;
        super::history::insert_errors(&mut tx, errors).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The whole base of a job. Rows are read one at a time as they come (not all fetched
    /// first: a fetched row holds its eleven values in a form several times the size of the
    /// entry made from it, which was most of a big job's no-op peak), in path order, the
    /// primary key's order, which is the order a `BTreeMap` keeps.
    pub async fn load_base(&self, job_id: i64) -> DbResult<BaseTree> {
        let mut rows = sqlx::query("SELECT * FROM entries WHERE job_id = ? ORDER BY path")
            .bind(job_id)
            .fetch(&self.pool);
        let mut tree = BaseTree::new();
        while let Some(row) = rows.try_next().await? {
            if let Some(e) = row_to_base(&row)? {
                tree.insert(e.path.clone(), e);
            }
        }
        Ok(tree)
    }

    /// Sends the whole base of a job to `to`, in path order (the primary key's, SQLite's binary
    /// collation: byte order, as [`RelPath`] sorts), in batches of `batch` entries as the merge
    /// of a full run takes them (see `sync::merge`): the base is never held whole. (One entry
    /// per message cost a thread wake-up each: seconds of system time for a million.) Stops
    /// early, with no error, when the receiver is gone; an error means the entries sent are
    /// not all of it.
    pub async fn send_base(
        &self,
        job_id: i64,
        batch: usize,
        to: tokio::sync::mpsc::Sender<Vec<BaseEntry>>,
    ) -> DbResult<()> {
        let mut rows = sqlx::query("SELECT * FROM entries WHERE job_id = ? ORDER BY path")
            .bind(job_id)
            .fetch(&self.pool);
        let mut out = Vec::with_capacity(batch);
        while let Some(row) = rows.try_next().await? {
            if let Some(e) = row_to_base(&row)? {
                out.push(e);
            }
            if out.len() >= batch {
                let full = std::mem::replace(&mut out, Vec::with_capacity(batch));
                if to.send(full).await.is_err() {
                    return Ok(());
                }
            }
        }
        if !out.is_empty() {
            let _ = to.send(out).await;
        }
        Ok(())
    }

    /// The base entries a scope covers: each root and everything below it (a key range on the
    /// primary key: `root/` up to `root0`, '0' being the character after '/'), and the folders
    /// above the roots. The same as [`Scope::restrict_base`] on the whole tree.
    pub async fn load_base_scope(&self, job_id: i64, scope: &Scope) -> DbResult<BaseTree> {
        if scope.is_everything() {
            return self.load_base(job_id).await;
        }
        let mut tree = BaseTree::new();
        let singles: Vec<RelPath> = scope
            .ancestors()
            .into_iter()
            .chain(scope.roots().cloned())
            .collect();
        for p in &singles {
            if let Some(e) = self.base_entry(job_id, p).await? {
                tree.insert(e.path.clone(), e);
            }
        }
        for r in scope.roots() {
            let rows =
                sqlx::query("SELECT * FROM entries WHERE job_id = ? AND path >= ? AND path < ?")
                    .bind(job_id)
                    .bind(format!("{}/", r.as_str()))
                    .bind(format!("{}0", r.as_str()))
                    .fetch_all(&self.pool)
                    .await?;
            for row in rows {
                if let Some(e) = row_to_base(&row)? {
                    tree.insert(e.path.clone(), e);
                }
            }
        }
        Ok(tree)
    }

    /// How many files the job has synced.
    /// The folders of a job's base (their paths only; a listing may read them ahead).
    pub async fn base_dirs(&self, job_id: i64) -> DbResult<Vec<RelPath>> {
        let paths: Vec<String> =
            sqlx::query_scalar("SELECT path FROM entries WHERE job_id = ? AND kind = 'dir'")
                .bind(job_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(paths
            .into_iter()
            .filter_map(|p| RelPath::new(&p).ok())
            .collect())
    }

    pub async fn base_file_count(&self, job_id: i64) -> DbResult<usize> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE job_id = ? AND kind = 'file'")
                .bind(job_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(n as usize)
    }

    /// One path's base entry (live sync checks single paths without loading the whole tree).
    pub async fn base_entry(&self, job_id: i64, path: &RelPath) -> DbResult<Option<BaseEntry>> {
        let row = sqlx::query("SELECT * FROM entries WHERE job_id = ? AND path = ?")
            .bind(job_id)
            .bind(path.as_str())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => row_to_base(&r),
            None => Ok(None),
        }
    }

    /// One base entry on its own (the executor batches through `commit_batch` directly).
    pub async fn put_base(&self, job_id: i64, e: &BaseEntry) -> DbResult<()> {
        self.commit_batch(job_id, &[BaseChange::Put(e.clone())], &[], &[])
            .await
    }

    pub async fn transfer_record(
        &self,
        job_id: i64,
        path: &RelPath,
        dir: Direction,
    ) -> DbResult<Option<TransferRecord>> {
        let row = sqlx::query(
            "SELECT source_size, source_mtime_ns, committed FROM transfers
             WHERE job_id = ? AND path = ? AND direction = ?",
        )
        .bind(job_id)
        .bind(path.as_str())
        .bind(dir.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(TransferRecord {
                source_size: r.try_get::<i64, _>(0)? as u64,
                source_mtime_ns: r.try_get(1)?,
                committed: r.try_get::<i64, _>(2)? as u64,
            }),
            None => None,
        })
    }

    pub async fn put_transfer_record(
        &self,
        job_id: i64,
        path: &RelPath,
        dir: Direction,
        rec: &TransferRecord,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT OR REPLACE INTO transfers (job_id, path, direction, source_size, source_mtime_ns, committed)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(job_id)
        .bind(path.as_str())
        .bind(dir.as_str())
        .bind(rec.source_size as i64)
        .bind(rec.source_mtime_ns)
        .bind(rec.committed as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn clear_transfer_record(
        &self,
        job_id: i64,
        path: &RelPath,
        dir: Direction,
    ) -> DbResult<()> {
        sqlx::query("DELETE FROM transfers WHERE job_id = ? AND path = ? AND direction = ?")
            .bind(job_id)
            .bind(path.as_str())
            .bind(dir.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn row_to_base(row: &sqlx::sqlite::SqliteRow) -> DbResult<Option<BaseEntry>> {
    let path: String = row.try_get("path")?;
    // Read back through the same check as every name from outside: a row that cannot be a
    // safe path (a database edited by hand or by another program) is left out.
    let path = match RelPath::try_from(path) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(path = %e.shown, reason = e.reason, "ignored a synced-state row whose path is not valid");
            return Ok(None);
        }
    };
    // Borrowed from the row, not copied: a big job's base is read a row at a time.
    let kind: &str = row.try_get("kind")?;
    let hash: Option<&[u8]> = row.try_get("hash")?;
    Ok(Some(BaseEntry {
        path,
        kind: if kind == "dir" {
            EntryKind::Dir
        } else {
            EntryKind::File
        },
        hash: hash.and_then(|h| <Hash>::try_from(h).ok()),
        local_size: row.try_get::<i64, _>("local_size")? as u64,
        local_mtime_ns: row.try_get("local_mtime_ns")?,
        remote_size: row.try_get::<i64, _>("remote_size")? as u64,
        remote_mtime_ns: row.try_get("remote_mtime_ns")?,
        remote_ctime_ns: row.try_get("remote_ctime_ns")?,
        remote_file_id: row
            .try_get::<Option<i64>, _>("remote_file_id")?
            .map(|v| v as u64),
        local_file_id: row
            .try_get::<Option<i64>, _>("local_file_id")?
            .map(|v| v as u64),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: EntryKind) -> BaseEntry {
        BaseEntry {
            path: RelPath::new(path).unwrap(),
            kind,
            hash: None,
            local_size: 1,
            local_mtime_ns: 1,
            remote_size: 1,
            remote_mtime_ns: 1,
            remote_ctime_ns: None,
            remote_file_id: None,
            local_file_id: None,
        }
    }

    /// The base comes out of SQLite in the order the merge reads the other sides in,
    /// `RelPath`'s (byte order of the whole path), whatever sorts next to '/', and whole across
    /// batches.
    #[tokio::test]
    async fn the_base_is_sent_in_path_order_in_batches() {
        let tmp = tempfile::tempdir().unwrap();
        let db = Db::open(tmp.path()).await.unwrap();
        let job = db
            .add_job(&crate::job_spec::JobSpec::new(
                "j",
                tmp.path().into(),
                "file:///x",
            ))
            .await
            .unwrap();
        let paths = [
            "a/b", "a-b", "a.b", "a b", "a0", "a/b-c", "a/b/c", "ab", "é", "z", "a", "A", "a/b 2",
        ];
        for p in paths {
            db.put_base(job.id, &entry(p, EntryKind::File))
                .await
                .unwrap();
        }
        let (tx, mut rx) = tokio::sync::mpsc::channel(100);
        db.send_base(job.id, 3, tx).await.unwrap();
        let mut got = Vec::new();
        while let Some(batch) = rx.recv().await {
            assert!(batch.len() <= 3);
            got.extend(batch.into_iter().map(|e| e.path));
        }
        let mut want: Vec<RelPath> = paths.iter().map(|p| RelPath::new(p).unwrap()).collect();
        want.sort();
        assert_eq!(got, want);
    }

    /// The key-range query must cover exactly what the in-memory rule covers, whatever sorts
    /// next to a root ("a/b-2", "a/b 2", "a/b0", "a/bc" are siblings, not children).
    #[tokio::test]
    async fn scoped_base_is_the_scope_of_the_whole_base() {
        let tmp = tempfile::tempdir().unwrap();
        let db = Db::open(tmp.path()).await.unwrap();
        let job = db
            .add_job(&crate::job_spec::JobSpec::new(
                "j",
                tmp.path().into(),
                "file:///x",
            ))
            .await
            .unwrap();
        let dirs = ["a", "a/b", "a/b/c", "a/b-2", "a/b 2", "z"];
        let files = [
            "a/b/c/f.txt",
            "a/b/f",
            "a/b-2/f",
            "a/b 2/f",
            "a/b0",
            "a/bc",
            "a/f",
            "z/f",
            "top",
        ];
        for d in dirs {
            db.put_base(job.id, &entry(d, EntryKind::Dir))
                .await
                .unwrap();
        }
        for f in files {
            db.put_base(job.id, &entry(f, EntryKind::File))
                .await
                .unwrap();
        }
        let whole = db.load_base(job.id).await.unwrap();
        let mut scope = Scope::new();
        scope.add(RelPath::new("a/b").unwrap());
        scope.add(RelPath::new("top").unwrap());
        scope.add(RelPath::new("gone/x").unwrap());
        let got = db.load_base_scope(job.id, &scope).await.unwrap();
        assert_eq!(got, scope.restrict_base(&whole));
        let mut keys: Vec<&str> = got.keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["a", "a/b", "a/b/c", "a/b/c/f.txt", "a/b/f", "top"]);
        assert_eq!(db.base_file_count(job.id).await.unwrap(), files.len());
    }
}
