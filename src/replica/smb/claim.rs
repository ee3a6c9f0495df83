//! Giving an open file a new name on the share without ever taking a name another client holds.
//!
//! Samba's rename without replace is not atomic across connections: it checks that the target
//! is free and then calls rename(2), which replaces. Two clients renaming onto one new name at
//! once both succeed 5-30% of the time (measured, Samba 4.17, two connections in lockstep), and
//! the first file is gone. A hard link without replace is one link(2), which fails when the
//! name exists: 0 of 1000 such races had both succeed. So a file takes its new name as a second
//! link, and its old name is removed when the handle closes (delete on close, on the handle
//! that linked, so it is the same file whatever happened to the names since).
//!
//! A server or file system without hard links (FAT on a USB disk behind a NAS, some appliances)
//! refuses the link; then the file is renamed without replace as before, and the caller checks
//! afterwards that the name holds the file it renamed (README, known limits).
//!
//! Folders cannot be hard linked: they are renamed. A rename onto a folder that appeared at the
//! same moment can at worst replace an empty folder (rename(2) refuses a non-empty one).

use binrw::BinRead;
use std::time::Duration;

use smb::{
    CreateDisposition, CreateOptions, FileAccessMask, FileAllInformation, FileAttributes,
    FileCreateArgs, FileDispositionInformation, FileLinkInformation, FileRenameInformation,
    FileStandardInformation, Resource, ResourceHandle,
};

use super::convert::filetime_to_ns;
use super::errors::{link_refused, Place};
use super::session::{deadline, SmbConn};
use crate::relpath::RelPath;
use crate::replica::{ReplicaErrorKind, ReplicaResult};
use crate::tree::{Entry, EntryKind};

/// How the new name was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Claimed {
    /// A hard link: the old name goes when the handle closes.
    Linked,
    /// Renamed: the server has no hard links; not atomic against other clients.
    Renamed,
}

/// The context of one open handle, for deadlines and messages.
pub(crate) struct On<'a> {
    pub(crate) h: &'a ResourceHandle,
    pub(crate) place: &'a Place,
    pub(crate) shown: &'a str,
    pub(crate) timeout: Duration,
}

impl On<'_> {
    /// Metadata of the open file.
    pub(crate) async fn query(&self, path: &RelPath) -> ReplicaResult<Entry> {
        let info = deadline(self.place, self.timeout, "stat", self.shown, async {
            self.h
                .query_info::<FileAllInformation>()
                .await
                .map_err(|e| self.place.error("stat", self.shown, &e))
        })
        .await?;
        Ok(entry_of(path, &info))
    }

    /// Gives the open file the share path `target` as well as, or instead of, its own name;
    /// never over anything (`AlreadyExists`). After `Linked`, the handle is marked to delete its
    /// old name when it closes. `rename_only`: a folder, or a new name that differs from the old
    /// only in case (a case-insensitive share counts it as taken, by this very file).
    pub(crate) async fn claim(&self, target: &str, rename_only: bool) -> ReplicaResult<Claimed> {
        let how = self.take_name(target, rename_only).await?;
        if how == Claimed::Linked {
            self.delete_on_close().await?;
        }
        Ok(how)
    }

    /// [`On::claim`] without marking the old name of a linked file for deletion: the caller
    /// must (it may send that request alongside another).
    pub(crate) async fn take_name(
        &self,
        target: &str,
        rename_only: bool,
    ) -> ReplicaResult<Claimed> {
        if !rename_only {
            let linked = deadline(self.place, self.timeout, "rename", self.shown, async {
                Ok(self.h.set_info(link_info(target)).await)
            })
            .await?;
            match linked {
                Ok(()) => return Ok(Claimed::Linked),
                Err(e) if link_refused(&e) => {
                    tracing::debug!(path = self.shown, error = %e, "no hard link; renaming");
                }
                Err(e) => return Err(self.place.error("rename", self.shown, &e)),
            }
        }
        deadline(self.place, self.timeout, "rename", self.shown, async {
            self.h
                .set_info(FileRenameInformation {
                    replace_if_exists: false.into(),
                    root_directory: 0,
                    file_name: target.into(),
                })
                .await
                .map_err(|e| self.place.error("rename", self.shown, &e))
        })
        .await?;
        Ok(Claimed::Renamed)
    }

    /// Closes the handle (a name marked for deletion goes now).
    pub(crate) async fn close(&self) -> ReplicaResult<()> {
        deadline(self.place, self.timeout, "close", self.shown, async {
            self.h
                .close()
                .await
                .map_err(|e| self.place.error("close", self.shown, &e))
        })
        .await
    }

    /// How many names the open file has (hard links).
    pub(crate) async fn links(&self) -> ReplicaResult<u32> {
        let info = deadline(self.place, self.timeout, "stat", self.shown, async {
            self.h
                .query_info::<FileStandardInformation>()
                .await
                .map_err(|e| self.place.error("stat", self.shown, &e))
        })
        .await?;
        Ok(info.number_of_links)
    }

    /// Marks the open file's name to be removed when the handle closes.
    pub(crate) async fn delete_on_close(&self) -> ReplicaResult<()> {
        deadline(self.place, self.timeout, "remove", self.shown, async {
            self.h
                .set_info(FileDispositionInformation::default())
                .await
                .map_err(|e| self.place.error("remove", self.shown, &e))
        })
        .await
    }
}

/// Metadata of the share path `smb` (`rel` in messages and the entry); `None` when missing.
/// Opens, queries and closes, on `conn`.
pub(crate) async fn stat_path(
    conn: &SmbConn,
    place: &Place,
    timeout: Duration,
    (rel, smb, shown): (&RelPath, &str, &str),
) -> ReplicaResult<Option<Entry>> {
    let args = FileCreateArgs {
        disposition: CreateDisposition::Open,
        attributes: FileAttributes::new(),
        options: CreateOptions::new(),
        desired_access: FileAccessMask::new()
            .with_file_read_attributes(true)
            .with_synchronize(true),
    };
    let opened = deadline(place, timeout, "stat", shown, async {
        conn.tree()
            .create(smb, &args)
            .await
            .map_err(|e| place.error("stat", shown, &e))
    })
    .await;
    let res = match opened {
        Ok(r) => r,
        Err(e) if e.kind == ReplicaErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let on = On {
        h: handle_of(&res),
        place,
        shown,
        timeout,
    };
    let queried = on.query(rel).await;
    let closed = on.close().await;
    let entry = queried?;
    closed?;
    Ok(Some(entry))
}

/// After a plain rename (no hard links), the name holds another file than ours: another
/// client's rename onto the same name replaced ours at that moment.
pub(crate) fn lost_race(place: &Place, shown: &str) -> crate::replica::ReplicaError {
    place.make(
        ReplicaErrorKind::AlreadyExists,
        "rename",
        shown,
        "another client took this name at the same moment",
    )
}

/// The handle of whatever was opened.
pub(crate) fn handle_of(res: &Resource) -> &ResourceHandle {
    match res {
        Resource::File(f) => f.handle(),
        Resource::Directory(d) => d.handle(),
        Resource::Pipe(p) => p.handle(),
    }
}

/// A hard link request for `target` that never replaces. The crate's `FileLinkInformation`
/// keeps its root-directory field private (it must be 0 over the network), so the request is
/// made from its wire form (MS-FSCC 2.4.8.2): ReplaceIfExists (1 byte, 0), 7 reserved bytes,
/// RootDirectory (8 bytes, 0), FileNameLength (4 bytes), then the name in UTF-16LE.
fn link_info(target: &str) -> FileLinkInformation {
    let name: Vec<u8> = target.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut wire = vec![0u8; 16];
    wire.extend_from_slice(&(name.len() as u32).to_le_bytes());
    wire.extend_from_slice(&name);
    FileLinkInformation::read_le(&mut std::io::Cursor::new(wire))
        .expect("a well-formed FileLinkInformation")
}

/// Our entry for the server's metadata of `path`.
pub(crate) fn entry_of(path: &RelPath, info: &FileAllInformation) -> Entry {
    let is_dir = bool::from(info.standard.directory) || info.basic.file_attributes.directory();
    Entry {
        path: path.clone(),
        kind: if is_dir {
            EntryKind::Dir
        } else {
            EntryKind::File
        },
        size: if is_dir { 0 } else { info.standard.end_of_file },
        mtime_ns: filetime_to_ns(*info.basic.last_write_time),
        ctime_ns: (*info.basic.change_time != 0).then(|| filetime_to_ns(*info.basic.change_time)),
        file_id: (info.internal.index_number != 0).then_some(info.internal.index_number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use binrw::BinWrite;

    #[test]
    fn a_link_request_names_the_target_and_never_replaces() {
        let info = link_info("jobs\\caf\u{e9}.txt");
        assert!(!bool::from(info.replace_if_exists));
        assert_eq!(info.file_name.to_string(), "jobs\\caf\u{e9}.txt");
        // Written back, it is the wire form MS-FSCC gives: 16 zero bytes, the name's length in
        // bytes, the name.
        let mut out = std::io::Cursor::new(Vec::new());
        info.write_le(&mut out).unwrap();
        let out = out.into_inner();
        assert_eq!(&out[..16], &[0u8; 16]);
        assert_eq!(u32::from_le_bytes(out[16..20].try_into().unwrap()), 26);
        assert_eq!(out.len(), 20 + 26);
    }
}
