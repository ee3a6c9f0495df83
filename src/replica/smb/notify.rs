//! Remote change notification: SMB2 CHANGE_NOTIFY on the job's remote folder, watching the
//! whole tree.
//!
//! It runs on a connection of its own, on a thread of its own with a current-thread runtime
//! (like listing: the crate's request plumbing is only trusted there). One notify request is
//! outstanding at a time and is never abandoned: a request given up on the client would still
//! be answered by the server, and the changes in that answer would be lost. So the request
//! waits without a deadline, and a keep-alive (open and close the root folder, with a deadline)
//! tells a dead or hung server from a quiet one.
//!
//! Samba answers STATUS_NOTIFY_ENUM_DIR when more changed than fits in one answer: that is a
//! [`Change::Rescan`]. A lost connection is a [`Change::Ended`].

use std::sync::Arc;
use std::time::Duration;

use smb::{Directory, NotifyFilter};
use tokio_util::sync::CancellationToken;

use super::errors::Place;
use super::listing::open_folder;
use super::session::{deadline, establish, SmbConn};
use super::SmbOptions;
use crate::replica::{ReplicaErrorKind, ReplicaResult};
use crate::url::SmbUrl;
use crate::watch::{Change, ChangeSender, WatchGuard};

/// How often the watching connection proves the server is still there.
const KEEPALIVE: Duration = Duration::from_secs(30);

/// Starts watching `url`'s folder. Returns once the first notify request is in place (or with
/// the reason it could not be), so a change made right after this returns is seen.
pub(crate) async fn start(
    url: SmbUrl,
    password: String,
    opts: SmbOptions,
    place: Place,
    tx: ChangeSender,
) -> ReplicaResult<WatchGuard> {
    let stop = CancellationToken::new();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<ReplicaResult<()>>();
    let stop_thread = stop.clone();
    let fail = |detail: String| place.make(ReplicaErrorKind::Other, "watch folder", "", &detail);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the watch thread: {e}")))?;
    let thread_place = place.clone();
    std::thread::Builder::new()
        .name("smb-notify".into())
        .spawn(move || {
            rt.block_on(async move {
                let why = watch(
                    &url,
                    &password,
                    &opts,
                    &thread_place,
                    &tx,
                    &stop_thread,
                    ready_tx,
                )
                .await;
                if !stop_thread.is_cancelled() {
                    let _ = tx.send(Change::Ended(why));
                }
            });
        })
        .map_err(|e| fail(format!("cannot start the watch thread: {e}")))?;
    match ready_rx.await {
        Ok(Ok(())) => Ok(WatchGuard::new(move || stop.cancel())),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(fail("the watch thread stopped".into())),
    }
}

/// The watch loop; returns why it ended.
async fn watch(
    url: &SmbUrl,
    password: &str,
    opts: &SmbOptions,
    place: &Place,
    tx: &ChangeSender,
    stop: &CancellationToken,
    ready: tokio::sync::oneshot::Sender<ReplicaResult<()>>,
) -> String {
    let root = url.path.as_str().replace('/', "\\");
    let opened = async {
        let conn = establish(url, password, opts, place).await?;
        let dir = open_dir(&conn, place, &root, opts.timeout).await?;
        Ok::<_, crate::replica::ReplicaError>((conn, dir))
    }
    .await;
    let (conn, dir) = match opened {
        Ok(x) => x,
        Err(e) => {
            let why = e.message.clone();
            let _ = ready.send(Err(e));
            return why;
        }
    };
    let filter = NotifyFilter::new()
        .with_file_name(true)
        .with_dir_name(true)
        .with_size(true)
        .with_last_write(true)
        .with_attributes(true);
    let mut ready = Some(ready);
    let why = loop {
        let request = dir.watch(filter, true);
        tokio::pin!(request);
        let result = loop {
            // Until ready is reported, wake shortly: by then the request is on the wire.
            let nap = if ready.is_some() {
                Duration::from_millis(20)
            } else {
                KEEPALIVE
            };
            tokio::select! {
                r = &mut request => break Some(r),
                _ = stop.cancelled() => break None,
                _ = tokio::time::sleep(nap) => {
                    if let Some(r) = ready.take() {
                        let _ = r.send(Ok(()));
                        continue;
                    }
                    if let Err(e) = keep_alive(&conn, place, &root, opts.timeout).await {
                        return format!(
                            "lost the connection used to watch for changes: {}",
                            e.message
                        );
                    }
                }
            }
        };
        if let Some(r) = ready.take() {
            let _ = r.send(Ok(()));
        }
        match result {
            None => break "stopped".to_string(),
            Some(r) => {
                if let Err(why) = handle(r, tx) {
                    break why;
                }
            }
        }
    };
    conn.close().await;
    why
}

/// Passes one notify answer on; `Err` when the watch cannot go on.
fn handle(
    r: smb::Result<Vec<smb::FileNotifyInformation>>,
    tx: &ChangeSender,
) -> Result<(), String> {
    match r {
        Ok(list) if list.is_empty() => {
            let _ = tx.send(Change::Rescan(
                "the server reported changes without names".into(),
            ));
            Ok(())
        }
        Ok(list) => {
            // The names are the server's: passed on as they came (SMB's `\\` made `/`), and
            // checked by whoever turns them into paths (`watch::paths_from_names`).
            let names: Vec<String> = list
                .iter()
                .map(|n| n.file_name.to_string().replace('\\', "/"))
                .collect();
            if tx.send(Change::Names(names)).is_err() {
                return Err("nobody listens any more".into());
            }
            Ok(())
        }
        // STATUS_NOTIFY_ENUM_DIR: too much changed to list; look at everything.
        Err(smb::Error::BufferTooSmall { .. }) => {
            let _ = tx.send(Change::Rescan(
                "more changed on the server than one notification holds".into(),
            ));
            Ok(())
        }
        Err(e) => Err(format!(
            "the server stopped sending change notifications: {e}"
        )),
    }
}

async fn open_dir(
    conn: &SmbConn,
    place: &Place,
    root: &str,
    timeout: Duration,
) -> ReplicaResult<Arc<Directory>> {
    open_folder(conn, place, root, &root.replace('\\', "/"), timeout).await
}

/// Opens and closes the watched folder: proof the server still answers.
async fn keep_alive(
    conn: &SmbConn,
    place: &Place,
    root: &str,
    timeout: Duration,
) -> ReplicaResult<()> {
    let d = open_dir(conn, place, root, timeout).await?;
    let shown = root.replace('\\', "/");
    deadline(place, timeout, "close folder", &shown, async {
        d.close()
            .await
            .map_err(|e| place.error("close folder", &shown, &e))
    })
    .await
}
