//! Whether a job's local folder is still the folder it synced, the delete guard's evidence for
//! its empty-side rule. A folder that looks empty is an ordinary edit when it is the same
//! folder (a user deleted the few files in it), and a disaster in the making when it is not:
//! the mount point of a disk that is not mounted, or a folder made again after the real one
//! went. Two signs tell them apart, remembered after every run that goes ahead:
//!
//! - the folder's device (`st_dev` on Unix): a mount point shows the device of the disk
//!   below it. Other OSes give none here, and only the marker is checked there;
//! - a marker file at the folder's root ([`FOLDER_MARKER`], excluded from every scan so it is
//!   never synced) holding a random token: a folder made again, or a different folder at the
//!   same path, does not have it.
//!
//! Neither sign alone stops a run: a changed device with files still in the folder is a disk
//! that got another device number when plugged in again, and only an empty-looking folder
//! with a sign against it stops (see `guard`).

use std::path::Path;

use serde::Serialize;

use crate::db::local_folders::LocalFolder;
use crate::names::FOLDER_MARKER;

/// Why the local folder is not the one the job synced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalChange {
    /// Not there at all.
    Missing,
    /// On another device than when it was synced (an unmounted disk's mount point).
    DeviceChanged,
    /// Its marker file is gone or holds another token (a folder made again).
    MarkerGone,
}

/// The folder's device, where the OS gives one.
pub fn device_of(root: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(root).ok().map(|m| m.dev())
    }
    #[cfg(not(unix))]
    {
        let _ = root;
        None
    }
}

/// The token in the folder's marker, if it holds a readable one.
pub fn read_marker(root: &Path) -> Option<String> {
    let p = root.join(FOLDER_MARKER);
    // A link or a folder under the marker's name is not our marker (and is never followed).
    if !std::fs::symlink_metadata(&p).ok()?.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(p).ok()?;
    let token = text.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    (token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| token.to_string())
}

/// Why the folder at `root` is not the one remembered, if it is not. Nothing remembered (a
/// job's first run, or a job moved to another folder) is no sign.
pub fn changed(root: &Path, remembered: Option<&LocalFolder>) -> Option<LocalChange> {
    let r = remembered.filter(|r| Path::new(&r.local_path) == root)?;
    if let (Some(was), Some(now)) = (r.device, device_of(root)) {
        if was != now {
            return Some(LocalChange::DeviceChanged);
        }
    }
    if let Some(token) = &r.marker {
        if read_marker(root).as_ref() != Some(token) {
            return Some(LocalChange::MarkerGone);
        }
    }
    None
}

/// The folder as it is now, writing its marker if it has none: what the job remembers after a
/// run that goes ahead. A folder the marker cannot be written to (read-only) is remembered by
/// its device alone.
pub fn remember(root: &Path) -> LocalFolder {
    let marker = read_marker(root).or_else(|| match write_marker(root) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!(folder = %root.display(), error = %e, "cannot write the folder marker; the delete guard checks the folder's device only");
            None
        }
    });
    LocalFolder {
        local_path: root.to_string_lossy().into_owned(),
        device: device_of(root),
        marker,
    }
}

/// Writes a new marker at its name, created exclusively: whatever held the name (an old
/// marker, a link planted there) is removed first, never followed out of the folder, and no
/// temp name is left for a sync to pick up if the process dies midway (a half-written marker
/// reads as none and is written again).
fn write_marker(root: &Path) -> std::io::Result<String> {
    use std::io::Write;
    let p = root.join(FOLDER_MARKER);
    if let Ok(m) = std::fs::symlink_metadata(&p) {
        if m.is_dir() {
            return Err(std::io::Error::other(format!(
                "{} is a folder",
                p.display()
            )));
        }
        std::fs::remove_file(&p)?;
    }
    let token = format!("{:032x}", rand::random::<u128>());
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&p)?;
    let text = format!(
        "AnemoneSync: this folder is synced by a job of this computer. Keep this file: without it\nan empty folder here is taken for a disk that is not mounted, and nothing is deleted.\n{token}\n"
    );
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_folder_is_the_same_until_its_marker_or_device_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        assert_eq!(changed(root, None), None, "nothing remembered is no sign");
        let r = remember(root);
        assert!(r.marker.is_some());
        assert_eq!(remember(root).marker, r.marker, "the marker is kept");
        assert_eq!(changed(root, Some(&r)), None);
        #[cfg(unix)]
        {
            let other = LocalFolder {
                device: r.device.map(|d| d + 1),
                ..r.clone()
            };
            assert_eq!(
                changed(root, Some(&other)),
                Some(LocalChange::DeviceChanged)
            );
        }
        std::fs::remove_file(root.join(FOLDER_MARKER)).unwrap();
        assert_eq!(changed(root, Some(&r)), Some(LocalChange::MarkerGone));
        let moved = LocalFolder {
            local_path: "/elsewhere".into(),
            ..r
        };
        assert_eq!(
            changed(root, Some(&moved)),
            None,
            "another path: a new start"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_under_the_markers_name_is_replaced_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let (root, outside) = (tmp.path().join("job"), tmp.path().join("outside.txt"));
        std::fs::create_dir(&root).unwrap();
        std::fs::write(&outside, "keep me").unwrap();
        std::os::unix::fs::symlink(&outside, root.join(FOLDER_MARKER)).unwrap();
        let r = remember(&root);
        assert!(r.marker.is_some());
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me");
        assert!(std::fs::symlink_metadata(root.join(FOLDER_MARKER))
            .unwrap()
            .is_file());
    }
}
