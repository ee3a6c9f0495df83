//! "Pause syncing on metered connections" against a stand-in for NetworkManager on a private
//! D-Bus bus (a `dbus-daemon` of our own): while it says metered, live sync starts no run and
//! the job shows "paused: metered connection"; when it says not metered, the job syncs what
//! changed meanwhile.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anemone_sync::engine::Engine;
use anemone_sync::events::JobState;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::service::{Service, ServiceOptions};

/// A private bus: a `dbus-daemon` stopped on drop.
struct PrivateBus {
    child: Child,
    address: String,
}

impl PrivateBus {
    fn start() -> PrivateBus {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (scripts/deps installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        PrivateBus {
            child,
            address: line.trim().to_string(),
        }
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// NetworkManager's root object, with only the property we read.
struct NetworkManager {
    metered: u32,
}

#[zbus::interface(name = "org.freedesktop.NetworkManager")]
impl NetworkManager {
    #[zbus(property)]
    fn metered(&self) -> u32 {
        self.metered
    }
}

const NM_PATH: &str = "/org/freedesktop/NetworkManager";

async fn set_metered(conn: &zbus::Connection, value: u32) {
    let iface = conn
        .object_server()
        .interface::<_, NetworkManager>(NM_PATH)
        .await
        .unwrap();
    iface.get_mut().await.metered = value;
}

async fn wait_until(what: &str, within: Duration, mut ok: impl FnMut() -> bool) {
    let t = Instant::now();
    while !ok() {
        assert!(t.elapsed() < within, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metered_connection_holds_runs_until_it_is_not() {
    let bus = PrivateBus::start();
    let nm = zbus::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .name("org.freedesktop.NetworkManager")
        .unwrap()
        .serve_at(NM_PATH, NetworkManager { metered: 1 })
        .unwrap()
        .build()
        .await
        .unwrap();
    // Read by the monitor when the service starts; no other test turns the setting on, so
    // no other test asks this bus.
    std::env::set_var("ANEMONE_SYNC_NM_BUS", &bus.address);
    std::env::set_var("ANEMONE_SYNC_METERED_POLL_MS", "100");

    let tmp = tempfile::tempdir().unwrap();
    let (local, remote) = (tmp.path().join("local"), tmp.path().join("remote"));
    std::fs::create_dir_all(&local).unwrap();
    std::fs::create_dir_all(&remote).unwrap();
    let engine = Arc::new(Engine::open(&tmp.path().join("data")).await.unwrap());
    let mut spec = JobSpec::new(
        "metered",
        local.clone(),
        &format!("file://{}", remote.display()),
    );
    spec.live.quiet_ms = 100;
    let job = engine.add_job(spec, None).await.unwrap();
    engine.set_pause_on_metered(true).await.unwrap();
    std::fs::write(local.join("before.txt"), b"written while metered").unwrap();

    let service = Service::start(
        engine.clone(),
        ServiceOptions {
            jobs: Some(vec![job.id]),
            ..ServiceOptions::default()
        },
    )
    .await;
    let status = || service.statuses().into_iter().next().unwrap();
    wait_until("the metered pause", Duration::from_secs(10), || {
        let s = status();
        s.state == JobState::Paused && s.message.as_deref() == Some("metered connection")
    })
    .await;
    // Held: no run, so nothing reaches the other side, even a file written meanwhile.
    std::fs::write(local.join("during.txt"), b"also metered").unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!remote.join("before.txt").exists());
    assert!(!remote.join("during.txt").exists());
    assert_eq!(status().state, JobState::Paused);

    // Guessed not metered: the job syncs what waited.
    set_metered(&nm, 4).await;
    wait_until("the files to sync", Duration::from_secs(20), || {
        std::fs::read(remote.join("before.txt")).ok().as_deref()
            == Some(&b"written while metered"[..])
            && std::fs::read(remote.join("during.txt")).ok().as_deref()
                == Some(&b"also metered"[..])
    })
    .await;
    wait_until("idle", Duration::from_secs(10), || {
        status().state == JobState::Idle
    })
    .await;

    // Guessed metered (3) holds it again; a change waits.
    set_metered(&nm, 3).await;
    wait_until("the second pause", Duration::from_secs(10), || {
        status().message.as_deref() == Some("metered connection")
    })
    .await;
    std::fs::write(local.join("after.txt"), b"held again").unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!remote.join("after.txt").exists());

    // The setting off: syncing goes on even on a metered connection.
    engine.set_pause_on_metered(false).await.unwrap();
    wait_until("the change to sync", Duration::from_secs(20), || {
        remote.join("after.txt").exists()
    })
    .await;
    service.shutdown().await;
}
