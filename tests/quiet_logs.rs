//! Quiet, honest logs (issue 16): what a successful test connection leaves in the log file,
//! captured through the log file's own layer and default filter. A binary of its own because it
//! installs the process-wide subscriber (and the `log` bridge the `smb` crate logs through).

#[path = "support/samba.rs"]
#[allow(dead_code)]
mod samba;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anemone_sync::relpath::RelPath;
use anemone_sync::replica::smb::{test_connection, SmbOptions, SmbReplica};
use anemone_sync::replica::Replica;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Regression: every successful Test connection left ERROR "Failed to logoff: Failed to send
/// message to worker!" in the app log (the connection was closed before the session logged
/// off), and each login added the NTLM code's INFO lines. With the log file's default filter a
/// successful connect + close, and a connect that is only dropped, log no ERROR and nothing
/// at INFO from the protocol crates.
#[test]
fn a_successful_test_connection_logs_no_error_and_no_login_noise() {
    // What the log file gets when nothing is configured.
    std::env::remove_var("RUST_LOG");
    std::env::remove_var("ANEMONE_SYNC_LOG_SMB_MESSAGES");
    let out = Captured::default();
    let writer = out.clone();
    tracing_subscriber::registry()
        .with(anemone_sync::logging::file_layer(
            move || writer.clone(),
            anemone_sync::logging::FILE_DEFAULT,
        ))
        .try_init()
        .expect("the only subscriber of this test binary");

    let srv = samba::SambaServer::shared();
    let opts = SmbOptions {
        timeout: Duration::from_secs(20),
        ..SmbOptions::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for _ in 0..3 {
            test_connection(&srv.url(""), srv.password(), opts.clone())
                .await
                .expect("test connection");
        }
        // A remote that is used and then only dropped (as after a run).
        let remote = SmbReplica::connect(&srv.url(""), srv.password(), opts.clone())
            .await
            .unwrap();
        remote
            .stat(&RelPath::new("nothing-here").unwrap())
            .await
            .unwrap();
        drop(remote);
        // The crate's drops log off in spawned tasks: give them time to log.
        tokio::time::sleep(Duration::from_millis(500)).await;
        tracing::info!(target: "anemone_sync::test", "capture works");
    });
    drop(rt);
    let text = out.text();
    assert!(text.contains("capture works"), "{text}");
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(
        errors.is_empty(),
        "ERROR after a successful operation: {errors:#?}"
    );
    let noise: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains("initialize_security_context")
                || l.contains(" smb::")
                || l.contains(" sspi::")
                || l.contains("protocol=\"NTLM\"")
        })
        .collect();
    assert!(noise.is_empty(), "protocol noise: {noise:#?}");
}
