//! Both versions of a conflicted file for the conflict dialog: size, time, and a preview when
//! it is cheap (the start of a text file, a small image as a data: URL). Reads only; never
//! writes either side.

use anemone_sync::engine::Engine;
use anemone_sync::relpath::RelPath;
use anemone_sync::replica::dir::DirReplica;
use anemone_sync::replica::Replica;
use base64::Engine as _;

use crate::errors::{BridgeError, BridgeResult};
use crate::types::{ConflictPreview, Preview};

/// How much of a text file the dialog shows.
const TEXT_BYTES: usize = 4096;
/// Images up to this size are shown inline.
const IMAGE_BYTES: u64 = 512 * 1024;

pub async fn conflict_preview(engine: &Engine, id: i64) -> BridgeResult<ConflictPreview> {
    let c = engine.conflict(id).await?.ok_or_else(|| {
        BridgeError::not_found(format!(
            "conflict {id} is no longer pending (it may have been resolved); reload the list"
        ))
    })?;
    let job = engine
        .job(c.job_id)
        .await?
        .ok_or_else(|| BridgeError::not_found("the conflict's job no longer exists"))?;
    let path = RelPath::new(&c.path).map_err(|e| BridgeError::other(e.to_string()))?;
    // The local copy is read like the remote one: through the engine's no-follow access, so a
    // symbolic link put in its place is refused, never read through.
    let local_side = DirReplica::new(job.local_path.clone());
    let local = preview(
        &local_side,
        &path,
        image_mime(&c.path),
        "in the local folder",
    )
    .await?;
    let remote = engine.open_remote(&job).await?;
    let remote = preview(remote.as_ref(), &path, image_mime(&c.path), "on the share").await?;
    Ok(ConflictPreview { local, remote })
}

/// The preview of `path` on one side (`place` says which, for messages).
async fn preview(
    side: &dyn Replica,
    path: &RelPath,
    image: Option<&str>,
    place: &str,
) -> BridgeResult<Preview> {
    let from_remote = |e| BridgeError::from_remote(e, "path");
    let entry = side
        .stat(path)
        .await
        .map_err(from_remote)?
        .ok_or_else(|| BridgeError::not_found(format!("{path} is no longer {place}")))?;
    let want = wanted_bytes(entry.size, image);
    let mut head = Vec::new();
    if want > 0 {
        let reader = side.open_read(path).await.map_err(from_remote)?;
        while head.len() < want {
            let chunk = (want - head.len()).min(anemone_sync::replica::MAX_CHUNK);
            let got = reader
                .read_at(head.len() as u64, chunk)
                .await
                .map_err(from_remote)?;
            if got.is_empty() {
                break;
            }
            head.extend_from_slice(&got);
        }
        let _ = reader.close().await;
    }
    Ok(make_preview(entry.size, entry.mtime_ns, &head, image))
}

/// Bytes to read for a preview: a whole small image, the start of anything else.
fn wanted_bytes(size: u64, image: Option<&str>) -> usize {
    match image {
        Some(_) if size <= IMAGE_BYTES => size as usize,
        Some(_) => 0,
        None => size.min(TEXT_BYTES as u64) as usize,
    }
}

fn image_mime(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        _ => return None,
    })
}

fn make_preview(size: u64, mtime_ns: i64, head: &[u8], image: Option<&str>) -> Preview {
    let (text, image_data_url) = match image {
        Some(mime) if !head.is_empty() && head.len() as u64 == size => (
            None,
            Some(format!(
                "data:{mime};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(head)
            )),
        ),
        Some(_) => (None, None),
        None => (as_text(head), None),
    };
    Preview {
        size,
        mtime_ns,
        text,
        image_data_url,
    }
}

/// The bytes as text when they look like text (UTF-8, no NUL); a character cut at the end of
/// the preview is dropped.
fn as_text(head: &[u8]) -> Option<String> {
    if head.contains(&0) {
        return None;
    }
    match std::str::from_utf8(head) {
        Ok(s) => Some(s.to_string()),
        Err(e) if e.error_len().is_none() => {
            Some(String::from_utf8_lossy(&head[..e.valid_up_to()]).into_owned())
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_shown_binary_is_not() {
        assert_eq!(as_text(b"hello\n").as_deref(), Some("hello\n"));
        assert_eq!(as_text(b"a\0b"), None);
        assert_eq!(as_text(&[0xff, 0xfe, 0x41]), None);
        // "é" cut in the middle at the end of the preview.
        assert_eq!(as_text(&[b'a', 0xc3]).as_deref(), Some("a"));
    }

    #[test]
    fn small_images_become_data_urls() {
        let p = make_preview(3, 1, b"PNG", image_mime("x/photo.PNG"));
        assert_eq!(
            p.image_data_url.as_deref(),
            Some("data:image/png;base64,UE5H")
        );
        assert_eq!(p.text, None);
        assert_eq!(wanted_bytes(IMAGE_BYTES + 1, Some("image/png")), 0);
        assert_eq!(wanted_bytes(1 << 20, None), TEXT_BYTES);
    }

    #[tokio::test]
    async fn local_preview_reads_the_start_and_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x".repeat(10_000)).unwrap();
        let side = DirReplica::new(dir.path());
        let notes = RelPath::new("notes.txt").unwrap();
        let p = preview(&side, &notes, None, "here").await.unwrap();
        assert_eq!(p.size, 10_000);
        assert_eq!(p.text.unwrap().len(), TEXT_BYTES);
        assert!(p.mtime_ns > 0);
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap();
            std::fs::write(outside.path().join("secret"), "secret").unwrap();
            std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("l"))
                .unwrap();
            let l = RelPath::new("l").unwrap();
            assert!(preview(&side, &l, None, "here").await.is_err());
        }
    }
}
