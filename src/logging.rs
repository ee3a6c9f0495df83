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

/// What the log file lets through when `RUST_LOG` is not set (the app sets `RUST_LOG` from its
/// log-level setting, whose "info" is the same).
pub const FILE_DEFAULT: &str = "info,sqlx=warn,smb=warn";

/// Lines the `smb` crate logs at ERROR when a connection ends although nothing went wrong:
/// its `Drop` of a session or tree logs off through the connection's worker in a spawned
/// task, and when that worker has already stopped (the connection was dropped or closed
/// first, as at the end of a successful test connection or run) it logs these. We close in
/// order where we can (`SmbConn::close`); for connections only dropped, these lines are
/// noise, not failures: a real connection problem reaches the user as the engine's own error.
/// They are kept out of the logs unless `ANEMONE_SYNC_LOG_SMB_MESSAGES=1`.
const TEARDOWN_NOISE: &[&str] = &[
    "Failed to logoff",
    "Failed to send message to worker",
    "Failed to disconnect from tree",
    "Connection was force-closed by the server",
];

/// Drops [`TEARDOWN_NOISE`] from the `smb` crate; lets everything else through (it only
/// ever lowers what another filter allows).
#[derive(Clone, Copy, Debug, Default)]
pub struct QuietTeardown;

impl<S> tracing_subscriber::layer::Filter<S> for QuietTeardown {
    fn enabled(
        &self,
        _meta: &tracing::Metadata<'_>,
        _cx: &tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        true
    }

    fn event_enabled(
        &self,
        event: &tracing::Event<'_>,
        _cx: &tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        let meta = event.metadata();
        if !meta.target().starts_with("smb") || *meta.level() > Level::WARN {
            return true;
        }
        if std::env::var("ANEMONE_SYNC_LOG_SMB_MESSAGES").as_deref() == Ok("1") {
            return true;
        }
        let mut text = MessageText(String::new());
        event.record(&mut text);
        !TEARDOWN_NOISE.iter().any(|n| text.0.contains(n))
    }
}

/// The `message` field of an event.
struct MessageText(String);

impl tracing::field::Visit for MessageText {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_string();
        }
    }
}

/// The log file's layer: `RUST_LOG`, else `default` ([`FILE_DEFAULT`]), held to the protocol
/// caps and without the `smb` crate's teardown noise. Public so a test can capture exactly
/// what the log file would get.
pub fn file_layer<S, W>(writer: W, default: &str) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    fmt::layer()
        .with_writer(writer)
        .with_ansi(false)
        .with_filter(filter_or(default).and(caps()).and(QuietTeardown))
}

/// `RUST_LOG`, else `default`.
fn filter_or(default: &str) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
}

/// Installs the subscriber. Returns the guard that flushes the file writer; keep it alive.
pub fn init(data_dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let stderr_filter = filter_or(STDERR_DEFAULT).and(caps()).and(QuietTeardown);
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
            let file_layer = file_layer(writer, FILE_DEFAULT);
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

    /// Regression (issue 16): after every successful test connection the log file got the
    /// `smb` crate's ERROR "Failed to logoff: Failed to send message to worker!". Those
    /// teardown lines are dropped; the crate's other errors and ours stay.
    #[test]
    fn the_log_file_drops_the_smb_crates_teardown_noise_only() {
        let out = Captured::default();
        let writer = out.clone();
        let layer = file_layer(move || writer.clone(), FILE_DEFAULT);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(target: "smb::session", "Failed to logoff: Failed to send message to worker!");
            tracing::error!(target: "smb::tree", "Failed to disconnect from tree sync: Failed to send message to worker!");
            tracing::error!(target: "smb::connection", "a real protocol failure");
            tracing::info!(target: "smb::tree", "Connected to tree sync (#1)");
            tracing::info!(target: "sspi::negotiate::client", "initialize_security_context");
            tracing::error!(target: "anemone_sync::engine", "Failed to logoff is our own words here");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("Failed to logoff: "), "{text}");
        assert!(!text.contains("Failed to disconnect"), "{text}");
        assert!(text.contains("a real protocol failure"), "{text}");
        assert!(!text.contains("Connected to tree"), "{text}");
        assert!(!text.contains("initialize_security_context"), "{text}");
        assert!(text.contains("our own words"), "{text}");
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
