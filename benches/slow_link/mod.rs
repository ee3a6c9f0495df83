//! The slow-link rows: a job synced through [`DelayProxy`] (200 ms added each way, the
//! issue's VPN to the office NAS), beside smbclient and rclone through the same proxy. The
//! tree: 200 files of 1-8 KiB in 10 folders and one 8 MiB file. Measures the first sync and
//! the no-op sync right after it; smbclient's columns are its recursive `mput` and `ls`,
//! rclone's its `copy` to an empty folder and the same `copy` again (which lists both sides
//! and sends nothing, like our no-op).

mod delay_proxy;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use delay_proxy::DelayProxy;

use super::support::samba::SambaServer;
use super::{cli, count_files, smbclient_at, write_big};

/// Added to every chunk, each way.
const DELAY: Duration = Duration::from_millis(200);
/// How long one rclone copy may take before it is stopped and reported as unfinished.
const RCLONE_LIMIT: Duration = Duration::from_secs(900);

/// 200 files of 1-8 KiB in 10 folders, and `big.bin` of 8 MiB at the top.
fn tree(root: &Path) {
    let mut x: u64 = 7;
    for d in 0..10 {
        let dir = root.join(format!("d{d:02}"));
        fs::create_dir_all(&dir).unwrap();
        for i in 0..20 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let size = 1024 + (x >> 33) as usize % (7 * 1024);
            fs::write(
                dir.join(format!("f{i:02}.txt")),
                vec![b'a' + ((d + i) % 26) as u8; size],
            )
            .unwrap();
        }
    }
    write_big(&root.join("big.bin"), 8);
}

/// One measure of the slow-link table: seconds for ours, smbclient and rclone (or why not).
struct SlowRow {
    measure: &'static str,
    ours: String,
    smbclient: String,
    rclone: String,
    target: &'static str,
}

fn secs(t: f64) -> String {
    format!("{t:.2}")
}

/// The slow-link table, printed after the main one.
pub fn run(srv: &SambaServer, tmp: &Path, add_job: &dyn Fn(&Path, &str, &Path, &str)) {
    let proxy = DelayProxy::start(format!("127.0.0.1:{}", srv.port()).parse().unwrap(), DELAY);
    let local = tmp.join("slow");
    tree(&local);

    // Ours: a new job's first sync, then the no-op sync.
    let (remote_dir, mut url) = srv.folder("slow");
    url.port = Some(proxy.port());
    let data = tmp.join("data-slow");
    add_job(&data, "slow", &local, &url.to_string());
    let conns0 = proxy.connections();
    let first = cli(&data, &["sync", "slow"], "");
    assert_eq!(
        count_files(&remote_dir),
        201,
        "the first sync sent every file"
    );
    let conns_first = proxy.connections() - conns0;
    let noop = cli(&data, &["sync", "slow"], "");
    let conns_noop = proxy.connections() - conns0 - conns_first;
    // Ours first, as soon as measured: the other clients take minutes through the proxy.
    eprintln!(
        "slow link, anemone-sync: first sync {:.2} s, no-op {:.2} s",
        first.secs, noop.secs
    );

    // smbclient through the same proxy.
    let (client_dir, _) = srv.folder("slow-smbclient");
    let client_name = client_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mput = smbclient_at(
        srv,
        proxy.port(),
        &client_name,
        &format!("lcd {}; prompt OFF; recurse ON; mput *", local.display()),
    );
    assert_eq!(
        count_files(&client_dir),
        201,
        "smbclient's mput sent every file"
    );
    let ls = smbclient_at(srv, proxy.port(), &client_name, "recurse ON; ls");

    // rclone through the same proxy.
    let (rclone_first, rclone_again) = match rclone(srv, proxy.port(), tmp, &local) {
        Ok((a, b)) => (secs(a), secs(b)),
        Err(why) => (format!("n/a: {why}"), "n/a".to_string()),
    };

    let rows = [
        SlowRow {
            measure: "first sync of 200 files of 1-8 KiB in 10 folders + one 8 MiB file (s)",
            ours: format!("{} ({conns_first} connections)", secs(first.secs)),
            smbclient: format!("{} (recursive mput)", secs(mput.secs)),
            rclone: format!("{rclone_first} (copy)"),
            target: "20 (was 55)",
        },
        SlowRow {
            measure: "no-op sync right after it (s)",
            ours: format!("{} ({conns_noop} connections)", secs(noop.secs)),
            smbclient: format!("{} (recursive ls)", secs(ls.secs)),
            rclone: format!("{rclone_again} (the same copy again)"),
            target: "2 (was 8.9)",
        },
    ];
    println!(
        "\nslow link: {} ms added each way by a delay proxy in front of Samba (round trip {} ms)\n",
        DELAY.as_millis(),
        2 * DELAY.as_millis()
    );
    println!("| measure | anemone-sync | smbclient | rclone | target |");
    println!("|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            r.measure, r.ours, r.smbclient, r.rclone, r.target
        );
    }
}

/// rclone's smb backend (rclone 1.60 or later) copying `local` into a new folder of the share
/// through the proxy, then the same copy again. Its seconds, or why it could not run.
fn rclone(srv: &SambaServer, port: u16, tmp: &Path, local: &Path) -> Result<(f64, f64), String> {
    let obscured = Command::new("rclone")
        .args(["obscure", srv.password()])
        .output()
        .map_err(|e| format!("rclone not installed ({e}); scripts/deps bench installs it"))?;
    if !obscured.status.success() {
        return Err("rclone obscure failed".into());
    }
    let pass = String::from_utf8_lossy(&obscured.stdout).trim().to_string();
    let (dir, _) = srv.folder("slow-rclone");
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    // An on-the-fly remote: no config file is read or written.
    let remote = format!(
        ":smb,host=127.0.0.1,port={port},user={},pass={pass}:{}/{name}",
        srv.user(),
        srv.share_name()
    );
    let copy = || -> Result<f64, String> {
        let t = Instant::now();
        let mut child = Command::new("rclone")
            .arg("--config")
            .arg(tmp.join("rclone.conf"))
            .arg("copy")
            .arg(local)
            .arg(&remote)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        // rclone's own timeouts are minutes long; a copy that has not finished by then is
        // reported as such rather than holding up the bench.
        loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                if status.success() {
                    return Ok(t.elapsed().as_secs_f64());
                }
                let mut err = String::new();
                let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
                let last = err.lines().last().unwrap_or("").to_string();
                return Err(format!("rclone copy failed: {last}"));
            }
            if t.elapsed() > RCLONE_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "did not finish within {} s ({} of 201 files copied)",
                    RCLONE_LIMIT.as_secs(),
                    count_files(&dir)
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let first = copy()?;
    if count_files(&dir) != 201 {
        return Err(format!("rclone copied {} of 201 files", count_files(&dir)));
    }
    let again = copy()?;
    Ok((first, again))
}
