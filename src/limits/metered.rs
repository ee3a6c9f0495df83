//! Whether the network connection is metered, and the hold it puts on live sync.
//!
//! Linux: NetworkManager's `Metered` property (`org.freedesktop.NetworkManager` on the system
//! bus): 1 (yes) and 3 (guessed yes) count as metered; 0 (unknown), 2 (no) and 4 (guessed no)
//! do not. No NetworkManager (or no D-Bus) counts as not metered: syncing goes on, a line in
//! the log says why the setting has no effect. Other systems: not yet; the setting does
//! nothing there (README, "Limits").
//!
//! [`monitor`] looks every few seconds (`ANEMONE_SYNC_METERED_POLL_MS`, default 5000) whether
//! the setting is on and the connection metered, and publishes the hold on a watch channel
//! the service's workers follow: held, a job starts no run (shown as "paused: metered
//! connection"); released, it syncs what changed meanwhile. A run in progress finishes.
//! `ANEMONE_SYNC_NM_BUS` points it at another bus than the system bus (tests: a private
//! dbus-daemon with a NetworkManager stand-in).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::engine::Engine;

/// The state a held job shows, as its message.
pub const HELD_MESSAGE: &str = "metered connection";

/// Whether NetworkManager's `Metered` value counts as metered (yes or guessed yes).
pub fn counts_as_metered(value: u32) -> bool {
    matches!(value, 1 | 3)
}

/// Starts watching; the receiver holds `true` while jobs must not start runs. The first look
/// is taken before it returns, so no job starts a run on a metered connection at start-up.
pub async fn monitor(engine: Arc<Engine>) -> (watch::Receiver<bool>, JoinHandle<()>) {
    let period = std::env::var("ANEMONE_SYNC_METERED_POLL_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(5));
    let mut probe = Probe::default();
    let first = held(&engine, &mut probe).await;
    if first {
        tracing::info!("metered connection: syncing paused");
    }
    let (tx, rx) = watch::channel(first);
    let task = tokio::spawn(async move {
        loop {
            tokio::time::sleep(period).await;
            let now = held(&engine, &mut probe).await;
            tx.send_if_modified(|h| {
                let changed = *h != now;
                if changed {
                    tracing::info!(
                        "metered connection: {}",
                        if now {
                            "syncing paused"
                        } else {
                            "syncing again"
                        }
                    );
                }
                *h = now;
                changed
            });
        }
    });
    (rx, task)
}

/// The setting is on and the connection metered.
async fn held(engine: &Engine, probe: &mut Probe) -> bool {
    engine.pause_on_metered().await.unwrap_or(false) && probe.metered().await
}

/// Asks NetworkManager, keeping the bus connection between asks.
#[derive(Default)]
struct Probe {
    #[cfg(target_os = "linux")]
    conn: Option<zbus::Connection>,
    /// The last failure logged, so a missing NetworkManager is said once.
    said: Option<String>,
}

impl Probe {
    #[cfg(target_os = "linux")]
    async fn metered(&mut self) -> bool {
        match self.ask().await {
            Ok(v) => {
                self.said = None;
                counts_as_metered(v)
            }
            Err(e) => {
                self.conn = None;
                let e = e.to_string();
                if self.said.as_deref() != Some(&e) {
                    tracing::warn!("cannot tell whether the connection is metered ({e}); syncing as if it were not");
                    self.said = Some(e);
                }
                false
            }
        }
    }

    #[cfg(target_os = "linux")]
    async fn ask(&mut self) -> zbus::Result<u32> {
        if self.conn.is_none() {
            self.conn = Some(connect().await?);
        }
        let conn = self.conn.as_ref().expect("connected above");
        let proxy = zbus::proxy::Builder::<zbus::Proxy>::new(conn)
            .destination("org.freedesktop.NetworkManager")?
            .path("/org/freedesktop/NetworkManager")?
            .interface("org.freedesktop.NetworkManager")?
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?;
        proxy.get_property::<u32>("Metered").await
    }

    #[cfg(not(target_os = "linux"))]
    async fn metered(&mut self) -> bool {
        if self.said.is_none() {
            tracing::info!("pausing on metered connections is not supported on this system yet");
            self.said = Some(String::new());
        }
        false
    }
}

/// The bus NetworkManager is on: the system bus, or `ANEMONE_SYNC_NM_BUS`.
#[cfg(target_os = "linux")]
async fn connect() -> zbus::Result<zbus::Connection> {
    match std::env::var("ANEMONE_SYNC_NM_BUS") {
        Ok(addr) if !addr.is_empty() => {
            zbus::connection::Builder::address(addr.as_str())?
                .build()
                .await
        }
        _ => zbus::Connection::system().await,
    }
}

/// Asks once: the connection is metered (for `config show`). `None`: cannot tell.
pub async fn is_metered_now() -> Option<bool> {
    #[cfg(target_os = "linux")]
    {
        let mut p = Probe::default();
        p.ask().await.ok().map(counts_as_metered)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_guessed_yes_count() {
        let metered: Vec<u32> = (0..=4).filter(|v| counts_as_metered(*v)).collect();
        assert_eq!(metered, vec![1, 3]);
    }
}
