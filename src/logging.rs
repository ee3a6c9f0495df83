//! Logs: `RUST_LOG` decides what reaches stderr (warnings by default) and the rotating log
//! file in the data folder (`logs/anemone-sync.log.YYYY-MM-DD`, UTC dates, info by default,
//! seven days kept; files 0600 in a 0700 folder). Log lines carry paths and hosts, never a
//! password.
//!
//! Whatever `RUST_LOG` says, the `smb` crate is held to `debug` and the NTLM code (`sspi`,
//! `picky`) to `warn`: at `trace` the `smb` crate writes every decrypted message, file
//! contents included, and the NTLM code's spans carry authentication tokens. Setting
//! `ANEMONE_SYNC_LOG_SMB_MESSAGES=1` lifts those limits for debugging the protocol: the log then
//! holds the bytes of the files synced.
//!
//! By default the `smb` crate's own messages go to the log file only: it logs "Connection was
//! force-closed by the server." at error level whenever a socket ends before its worker stops,
//! which happens when we log off at the end of a successful run. On a terminal that read as a
//! failure. A real connection problem reaches the user as the engine's own message instead.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use tracing::Level;
use tracing_subscriber::filter::{FilterExt, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// What reaches stderr when `RUST_LOG` is not set.
const STDERR_DEFAULT: &str = "warn,smb=off";

/// The most the protocol crates may log (see the module docs), unless
/// `ANEMONE_SYNC_LOG_SMB_MESSAGES=1`.
const PROTOCOL_CAPS: &[(&str, Level)] = &[
    ("smb", Level::DEBUG),
    ("sspi", Level::WARN),
    ("picky", Level::WARN),
];

/// A filter that only ever lowers what another lets through: the protocol crates held to
/// [`PROTOCOL_CAPS`], everything else as the other filter says.
fn caps() -> Targets {
    let all = Targets::new().with_default(Level::TRACE);
    if std::env::var("ANEMONE_SYNC_LOG_SMB_MESSAGES").as_deref() == Ok("1") {
        return all;
    }
    all.with_targets(PROTOCOL_CAPS.iter().copied())
}

/// `RUST_LOG`, else `default`.
fn filter_or(default: &str) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
}

/// Installs the subscriber. Returns the guard that flushes the file writer; keep it alive.
pub fn init(data_dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let stderr_filter = filter_or(STDERR_DEFAULT).and(caps());
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_filter(stderr_filter);
    let logs = data_dir.join("logs");
    let file = crate::private::dir(&logs)
        .ok()
        .map(|_| DailyFile::new(logs, "anemone-sync.log", 7));
    match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_filter = filter_or("info,sqlx=warn,smb=warn").and(caps());
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

/// A log file per UTC day (`PREFIX.YYYY-MM-DD`), created owner-only (0600), the oldest removed
/// beyond `keep`. (tracing-appender's rolling files take the umask's mode, 0644 by default.)
struct DailyFile {
    dir: PathBuf,
    prefix: String,
    keep: usize,
    /// The day of the open file, and the file.
    open: Option<(String, File)>,
}

impl DailyFile {
    fn new(dir: PathBuf, prefix: &str, keep: usize) -> DailyFile {
        DailyFile {
            dir,
            prefix: prefix.to_string(),
            keep,
            open: None,
        }
    }

    fn file_for_today(&mut self) -> std::io::Result<&mut File> {
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        if self.open.as_ref().map(|(d, _)| d) != Some(&today) {
            let path = self.dir.join(format!("{}.{today}", self.prefix));
            let mut o = std::fs::OpenOptions::new();
            o.append(true).create(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            let f = o.open(&path)?;
            // A file made by an older version (0644) is narrowed too.
            crate::private::file(&path, false)?;
            self.open = Some((today, f));
            self.prune();
        }
        Ok(&mut self.open.as_mut().expect("just opened").1)
    }

    /// Removes the oldest day files beyond `keep` (names sort by date).
    fn prune(&self) {
        let start = format!("{}.", self.prefix);
        let mut days: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(&start))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default();
        days.sort();
        let extra = days.len().saturating_sub(self.keep);
        for old in &days[..extra] {
            let _ = std::fs::remove_file(old);
        }
    }
}

impl Write for DailyFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file_for_today()?.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.open {
            Some((_, f)) => f.flush(),
            None => Ok(()),
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
            .with_filter(EnvFilter::new(STDERR_DEFAULT).and(caps()));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(
                target: "smb::connection::worker::parallel::async_backend",
                "Connection was force-closed by the server."
            );
            tracing::debug!(target: "smb::resource", "Created file 'a.txt'");
            tracing::warn!(target: "anemone_sync::engine", "our own warning");
            tracing::info!(target: "anemone_sync::engine", "our own info");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("force-closed"), "{text}");
        // The caps only ever lower: `smb=off` stays off (regression: a cap directive once
        // replaced it and the crate's debug lines reached the terminal).
        assert!(!text.contains("Created file"), "{text}");
        assert!(text.contains("our own warning"), "{text}");
        assert!(!text.contains("our own info"), "{text}");
    }

    /// Regression (issue 12): at `RUST_LOG=trace` the `smb` crate wrote decrypted message
    /// bytes (file contents) to the log file; and NTLM spans carry authentication material.
    #[test]
    fn protocol_crates_are_capped_whatever_rust_log_says() {
        let out = Captured::default();
        let writer = out.clone();
        let layer = fmt::layer()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_filter(EnvFilter::new("trace,smb=trace,sspi=trace").and(caps()));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(
                target: "smb::session::encryptor_decryptor",
                "Decrypted message data bytes: [73, 65, 63, 72, 65, 74]"
            );
            tracing::trace!(target: "smb_transport::tcp::transport", "Sending 42 bytes.");
            tracing::info!(target: "sspi::ntlm", "initialize_security_context token");
            tracing::debug!(target: "smb::resource", "Created file 'a.txt'");
            tracing::trace!(target: "anemone_sync::engine", "our own trace");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("Decrypted message"), "{text}");
        assert!(!text.contains("Sending 42"), "{text}");
        assert!(!text.contains("initialize_security_context"), "{text}");
        assert!(text.contains("Created file"), "{text}");
        assert!(text.contains("our own trace"), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn log_files_are_owner_only_and_seven_days_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        for d in 1..=9 {
            std::fs::write(dir.path().join(format!("x.log.2026-01-0{d}")), "old").unwrap();
        }
        let mut f = DailyFile::new(dir.path().to_path_buf(), "x.log", 7);
        f.write_all(b"line\n").unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 7, "{names:?}");
        let today = dir
            .path()
            .join(format!("x.log.{}", chrono::Utc::now().format("%Y-%m-%d")));
        let mode = std::fs::metadata(&today).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(today).unwrap(), "line\n");
    }
}
