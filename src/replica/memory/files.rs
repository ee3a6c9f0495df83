//! Readers and writers of a memory file: they hold the file itself, so a rename does not
//! pull it from under them.

use super::*;

/// An open file, read live (like an open handle on a real file); its length is the file's
/// when it was opened.
pub(super) struct MemReader {
    pub(super) file: Inode,
    pub(super) len: u64,
}

#[async_trait]
impl FileReader for MemReader {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&self, offset: u64, len: usize) -> ReplicaResult<Vec<u8>> {
        let f = self.file.lock().unwrap();
        let start = (offset as usize).min(f.bytes.len());
        let end = start.saturating_add(len.min(MAX_CHUNK)).min(f.bytes.len());
        Ok(f.bytes[start..end].to_vec())
    }

    async fn close(&self) -> ReplicaResult<()> {
        Ok(())
    }
}

/// A file open for writing, wherever it is renamed; `path` is where it was opened, which
/// `finish` renames.
pub(super) struct MemWriter {
    pub(super) shared: Arc<Shared>,
    pub(super) file: Inode,
    pub(super) path: RelPath,
}

#[async_trait]
impl FileWriter for MemWriter {
    async fn len(&self) -> ReplicaResult<u64> {
        Ok(self.file.lock().unwrap().bytes.len() as u64)
    }

    async fn write_at(&self, offset: u64, data: Chunk) -> ReplicaResult<()> {
        let t = self.shared.now();
        let mut f = self.file.lock().unwrap();
        let (start, end) = (offset as usize, offset as usize + data.len());
        if f.bytes.len() < end {
            // Past the end: the gap reads as zeros, as in a sparse file.
            f.bytes.resize(end, 0);
        }
        f.bytes[start..end].copy_from_slice(&data);
        (f.meta.mtime_ns, f.meta.ctime_ns) = (t, t);
        Ok(())
    }

    async fn set_len(&self, len: u64) -> ReplicaResult<()> {
        let t = self.shared.now();
        let mut f = self.file.lock().unwrap();
        f.bytes.resize(len as usize, 0);
        (f.meta.mtime_ns, f.meta.ctime_ns) = (t, t);
        Ok(())
    }

    async fn set_mtime(&self, mtime_ns: i64) -> ReplicaResult<()> {
        let t = self.shared.now();
        let mut f = self.file.lock().unwrap();
        (f.meta.mtime_ns, f.meta.ctime_ns) = (mtime_ns, t);
        Ok(())
    }

    async fn close(&self) -> ReplicaResult<()> {
        Ok(())
    }

    async fn finish(&self, final_path: &RelPath, mtime_ns: i64) -> ReplicaResult<Entry> {
        self.set_mtime(mtime_ns).await?;
        self.shared
            .rename(&self.path, final_path, false, Some(&self.file))?;
        let f = self.file.lock().unwrap();
        Ok(file_entry(final_path.clone(), &f))
    }
}
