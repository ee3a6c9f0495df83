//! Logs: `RUST_LOG` decides what reaches stderr (warnings by default) and the rotating log
//! file in the data folder (`logs/anemone-sync.log.YYYY-MM-DD`, info by default, seven days
//! kept). Log lines carry paths and hosts, never a password.
//!
//! By default the `smb` crate's own messages go to the log file only: it logs "Connection was
//! force-closed by the server." at error level whenever a socket ends before its worker stops,
//! which happens when we log off at the end of a successful run. On a terminal that read as a
//! failure. A real connection problem reaches the user as the engine's own message instead.

use std::path::Path;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// What reaches stderr when `RUST_LOG` is not set.
const STDERR_DEFAULT: &str = "warn,smb=off";

/// Installs the subscriber. Returns the guard that flushes the file writer; keep it alive.
pub fn init(data_dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let stderr_filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(STDERR_DEFAULT));
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_filter(stderr_filter);
    let logs = data_dir.join("logs");
    let file = std::fs::create_dir_all(&logs).ok().and_then(|_| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("anemone-sync.log")
            .max_log_files(7)
            .build(&logs)
            .ok()
    });
    match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_filter = EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,smb=warn"));
            let file_layer = fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(file_filter);
            let _ = tracing_subscriber::registry()
                .with(stderr)
                .with(file_layer)
                .try_init();
            Some(guard)
        }
        None => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Collects what a layer writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Regression: a successful sync printed the `smb` crate's "Connection was force-closed by
    /// the server." on the terminal when a connection ended as we logged off.
    #[test]
    fn stderr_default_drops_the_smb_crates_messages_and_keeps_ours() {
        let out = Captured::default();
        let writer = out.clone();
        let layer = fmt::layer()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_filter(EnvFilter::new(STDERR_DEFAULT));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(
                target: "smb::connection::worker::parallel::async_backend",
                "Connection was force-closed by the server."
            );
            tracing::warn!(target: "anemone_sync::engine", "our own warning");
            tracing::info!(target: "anemone_sync::engine", "our own info");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("force-closed"), "{text}");
        assert!(text.contains("our own warning"), "{text}");
        assert!(!text.contains("our own info"), "{text}");
    }
}
