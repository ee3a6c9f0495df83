//! Network-change detection: an offline job retries at once when the machine's network
//! changes (an interface or address comes or goes: Wi-Fi joined, cable plugged, VPN up),
//! instead of waiting out its backoff. Polls the interface addresses, which works the same on
//! every OS and costs one system call every few seconds.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

const POLL: Duration = Duration::from_secs(3);

fn snapshot() -> BTreeSet<String> {
    if_addrs::get_if_addrs()
        .map(|list| {
            list.into_iter()
                .map(|i| format!("{} {}", i.name, i.ip()))
                .collect()
        })
        .unwrap_or_default()
}

/// Starts the monitor; the receiver's value is bumped on every change.
pub fn monitor() -> (watch::Receiver<u64>, JoinHandle<()>) {
    let (tx, rx) = watch::channel(0u64);
    let task = tokio::spawn(async move {
        let mut last = tokio::task::spawn_blocking(snapshot)
            .await
            .unwrap_or_default();
        let mut generation = 0u64;
        loop {
            tokio::time::sleep(POLL).await;
            let now = tokio::task::spawn_blocking(snapshot)
                .await
                .unwrap_or_default();
            if now != last {
                generation += 1;
                tracing::info!("network changed");
                if tx.send(generation).is_err() {
                    return;
                }
                last = now;
            }
        }
    });
    (rx, task)
}
