//! A real Samba server on 127.0.0.1 for tests.
//!
//! Each server gets a temp dir with its own config, state dirs, passdb and share (`sync`), and a
//! free port. `smbd` is started from one long-lived "samba-spawner" thread with
//! `PR_SET_PDEATHSIG = SIGKILL`: the death signal fires when the *thread* that forked dies, so it
//! must be a thread that lives as long as the test process. smbd's own children exit when their
//! parent dies. Together that means no smbd outlives the test process, including the shared
//! server whose `Drop` never runs. smbd runs in a process group of its own: when it shuts down
//! it signals its whole group, which must not include the test process. `kill()` SIGKILLs exactly the processes we started (the
//! parent and its descendants, found through /proc), never others.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anemone_sync::relpath::RelPath;
use anemone_sync::url::SmbUrl;

const USER: &str = "anemonetest";
const PASSWORD: &str = "Sync-Test-pw-42";
const SHARE: &str = "sync";
/// A second share that admits at most [`FEW_CONNECTIONS_MAX`] connections at a time.
const FEW_SHARE: &str = "few";
pub const FEW_CONNECTIONS_MAX: usize = 2;

pub struct SambaServer {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    conf: PathBuf,
    share_dir: PathBuf,
    port: u16,
    /// A second port smbd listens on, when asked for ([`SambaServer::start_on_two_ports`]).
    second_port: Option<u16>,
    child: Mutex<Option<Child>>,
    next_folder: AtomicUsize,
}

fn smbd_path() -> PathBuf {
    for p in ["/usr/sbin/smbd", "/usr/local/sbin/smbd", "/usr/bin/smbd"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    if let Ok(out) = Command::new("sh").args(["-c", "command -v smbd"]).output() {
        let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !s.is_empty() {
            return PathBuf::from(s);
        }
    }
    panic!(
        "smbd not found: the SMB tests need a local Samba. Run `apt-get install samba smbclient`"
    );
}

fn ensure_unix_user() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let exists = Command::new("id")
            .arg(USER)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !exists {
            let out = Command::new("useradd")
                .args(["-M", "-s", "/usr/sbin/nologin", USER])
                .output()
                .expect("run useradd (the Samba tests need root to create a test user)");
            // 9: already exists (another test process won the race).
            assert!(
                out.status.success() || out.status.code() == Some(9),
                "useradd {USER} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    });
}

/// Spawns commands from one thread that lives as long as the process, with PDEATHSIG set.
fn spawn_tied_to_process(mut cmd: Command) -> std::io::Result<Child> {
    type Req = (Command, mpsc::Sender<std::io::Result<Child>>);
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Req>>> = OnceLock::new();
    let tx = SPAWNER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Req>();
            std::thread::Builder::new()
                .name("samba-spawner".into())
                .spawn(move || {
                    // Never returns while the process lives: children's PDEATHSIG is tied to
                    // this thread.
                    while let Ok((mut cmd, reply)) = rx.recv() {
                        let _ = reply.send(cmd.spawn());
                    }
                    loop {
                        std::thread::park();
                    }
                })
                .expect("start samba-spawner thread");
            Mutex::new(tx)
        })
        .lock()
        .unwrap()
        .clone();
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    unsafe {
        cmd.pre_exec(move || {
            // Kill smbd when the spawner thread (i.e. the test process) goes away.
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            // Own process group: on shutdown smbd signals its whole group (kill(0, SIGTERM)),
            // which must not include the test process.
            if libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may already be gone between fork and prctl.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let (rtx, rrx) = mpsc::channel();
    tx.send((cmd, rtx)).expect("samba-spawner thread is gone");
    rrx.recv().expect("samba-spawner thread is gone")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// Direct children of `pid`, from /proc.
fn children_of(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may contain spaces, so parse after the last ')'.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let ppid = after
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<i32>().ok());
        if ppid == Some(pid) {
            out.push(p);
        }
    }
    out
}

fn descendants_of(pid: i32) -> Vec<i32> {
    let mut all = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for c in children_of(p) {
            all.push(c);
            todo.push(c);
        }
    }
    all
}

impl SambaServer {
    /// A private server (for tests that kill or restart it).
    pub fn start() -> SambaServer {
        Self::start_with("")
    }

    /// A private server with extra `[global]` settings (`smb.conf` lines).
    pub fn start_with(global_extra: &str) -> SambaServer {
        Self::start_inner(global_extra, false)
    }

    /// A private server listening on two ports ([`SambaServer::port`] and
    /// [`SambaServer::second_port`]): one server reached at two addresses.
    pub fn start_on_two_ports() -> SambaServer {
        Self::start_inner("", true)
    }

    fn start_inner(global_extra: &str, two_ports: bool) -> SambaServer {
        ensure_unix_user();
        sweep_stale_dirs();
        let smbd = smbd_path();
        let tmp = tempfile::Builder::new()
            .prefix("anemone-samba-")
            .tempdir()
            .expect("create temp dir");
        let root = tmp.path().to_path_buf();
        std::fs::write(root.join(OWNER_FILE), std::process::id().to_string())
            .expect("write owner file");
        for d in [
            "private", "lock", "state", "cache", "pid", "ncalrpc", "log", "share", FEW_SHARE,
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let _ = smbd;
        let conf = root.join("smb.conf");
        let mut last_err = String::new();
        for _attempt in 0..5 {
            let port = free_port();
            let second_port = two_ports.then(|| loop {
                let p2 = free_port();
                if p2 != port {
                    break p2;
                }
            });
            let ports = match second_port {
                Some(p2) => format!("{port} {p2}"),
                None => port.to_string(),
            };
            std::fs::write(&conf, config(&root, &ports, global_extra)).unwrap();
            set_password(&conf);
            match launch(&root, &conf, port) {
                Ok(child) => {
                    return SambaServer {
                        share_dir: root.join("share"),
                        root,
                        conf,
                        port,
                        second_port,
                        child: Mutex::new(Some(child)),
                        next_folder: AtomicUsize::new(0),
                        _tmp: tmp,
                    }
                }
                Err(e) => last_err = e,
            }
        }
        panic!("could not start smbd: {last_err}");
    }

    /// One server for the whole test process, started on first use; stopped when the process
    /// exits (through PDEATHSIG).
    pub fn shared() -> &'static SambaServer {
        static SHARED: OnceLock<SambaServer> = OnceLock::new();
        SHARED.get_or_init(SambaServer::start)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The second port of a server from [`SambaServer::start_on_two_ports`].
    pub fn second_port(&self) -> u16 {
        self.second_port
            .expect("the server was not started with SambaServer::start_on_two_ports")
    }

    pub fn user(&self) -> &str {
        USER
    }

    pub fn password(&self) -> &str {
        PASSWORD
    }

    pub fn share_name(&self) -> &str {
        SHARE
    }

    /// The share's directory on disk (stage remote changes here).
    pub fn share_dir(&self) -> &Path {
        &self.share_dir
    }

    pub fn log_dir(&self) -> PathBuf {
        self.root.join("log")
    }

    /// URL of `path` (a folder inside the share, `/`-separated; "" for the share root).
    pub fn url(&self, path: &str) -> SmbUrl {
        SmbUrl {
            domain: None,
            user: USER.to_string(),
            host: "127.0.0.1".to_string(),
            port: Some(self.port),
            share: SHARE.to_string(),
            path: RelPath::new(path).unwrap(),
        }
    }

    /// A fresh, unique folder in the share for one test: its path on disk and its URL.
    pub fn folder(&self, name: &str) -> (PathBuf, SmbUrl) {
        self.folder_in(SHARE, &self.share_dir, name)
    }

    /// Like [`SambaServer::folder`], on the share that refuses more than
    /// [`FEW_CONNECTIONS_MAX`] connections at once (Samba's `max connections`).
    pub fn few_connections_folder(&self, name: &str) -> (PathBuf, SmbUrl) {
        self.folder_in(FEW_SHARE, &self.root.join(FEW_SHARE), name)
    }

    /// A fresh, unique folder in `share` (served from `share_dir`).
    fn folder_in(&self, share: &str, share_dir: &Path, name: &str) -> (PathBuf, SmbUrl) {
        let n = self.next_folder.fetch_add(1, Ordering::SeqCst);
        let unique = format!("{name}-{n}");
        let dir = share_dir.join(&unique);
        std::fs::create_dir_all(&dir).unwrap();
        let mut url = self.url(&unique);
        url.share = share.to_string();
        (dir, url)
    }

    /// smbd parent pid, while running.
    pub fn pid(&self) -> Option<i32> {
        self.child.lock().unwrap().as_ref().map(|c| c.id() as i32)
    }

    /// The smbd parent and all its descendants (only processes we started).
    pub fn pids(&self) -> Vec<i32> {
        match self.pid() {
            Some(p) => {
                let mut v = vec![p];
                v.extend(descendants_of(p));
                v
            }
            None => Vec::new(),
        }
    }

    /// Simulates a crash: SIGKILL to smbd and its children, then reaps the parent.
    pub fn kill(&self) {
        let mut guard = self.child.lock().unwrap();
        if let Some(mut child) = guard.take() {
            let pid = child.id() as i32;
            let kids = descendants_of(pid);
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                for k in &kids {
                    libc::kill(*k, libc::SIGKILL);
                }
            }
            let _ = child.wait();
            // Children are reparented to init; wait until they are gone.
            let deadline = Instant::now() + Duration::from_secs(10);
            while kids
                .iter()
                .any(|k| Path::new(&format!("/proc/{k}")).exists() && !is_zombie(*k))
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// Starts smbd again on the same port and share (after `kill` or `stop`).
    pub fn start_again(&self) {
        // The port can stay in TIME_WAIT briefly; smbd sets SO_REUSEADDR, so retry a little.
        let mut last = String::new();
        for _ in 0..20 {
            match launch(&self.root, &self.conf, self.port) {
                Ok(child) => {
                    *self.child.lock().unwrap() = Some(child);
                    return;
                }
                Err(e) => last = e,
            }
        }
        panic!("smbd did not start again on port {}: {last}", self.port);
    }

    /// Stops smbd (SIGTERM, then SIGKILL after 5 s) and all its children.
    pub fn stop(&self) {
        let mut guard = self.child.lock().unwrap();
        if let Some(mut child) = guard.take() {
            let pid = child.id() as i32;
            let kids = descendants_of(pid);
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    _ if Instant::now() >= deadline => {
                        unsafe {
                            libc::kill(pid, libc::SIGKILL);
                        }
                        let _ = child.wait();
                        break;
                    }
                    _ => std::thread::sleep(Duration::from_millis(10)),
                }
            }
            for k in kids {
                if Path::new(&format!("/proc/{k}")).exists() {
                    unsafe {
                        libc::kill(k, libc::SIGKILL);
                    }
                }
            }
        }
    }
}

/// Starts smbd and waits until a client can log in.
fn launch(root: &Path, conf: &Path, port: u16) -> Result<Child, String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(root.join("log").join("smbd.out"))
        .map_err(|e| e.to_string())?;
    let mut cmd = Command::new(smbd_path());
    cmd.args(["-F", "--no-process-group", "--debug-stdout", "-s"])
        .arg(conf)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    let mut child = spawn_tied_to_process(cmd).map_err(|e| format!("spawn smbd: {e}"))?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "smbd exited with {status} (log: {})",
                root.join("log").display()
            ));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            break;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("port {} never opened", port));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // Poll until a real client can log in and list the share.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = Command::new("smbclient")
            .args(["-p", &port.to_string(), &format!("//127.0.0.1/{SHARE}")])
            .arg("-U")
            .arg(format!("{USER}%{PASSWORD}"))
            .args(["-c", "ls"])
            .output();
        match out {
            Ok(o) if o.status.success() => return Ok(child),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // No smbclient: the TCP check above has to do.
                return Ok(child);
            }
            _ if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("smbclient could not log in to the test server".into());
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .map(|i| s[i + 1..].trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

impl Drop for SambaServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn set_password(conf: &Path) {
    let mut child = Command::new("smbpasswd")
        .args(["-c"])
        .arg(conf)
        .args(["-s", "-a", USER])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run smbpasswd (apt-get install samba smbclient)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "smbpasswd failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ports`: the ports smbd listens on, space-separated.
fn config(root: &Path, ports: &str, global_extra: &str) -> String {
    let r = root.display();
    format!(
        "[global]
   workgroup = WORKGROUP
   server role = standalone server
   smb ports = {ports}
   interfaces = 127.0.0.1
   bind interfaces only = yes
   disable netbios = yes
   private dir = {r}/private
   lock directory = {r}/lock
   state directory = {r}/state
   cache directory = {r}/cache
   pid directory = {r}/pid
   ncalrpc dir = {r}/ncalrpc
   log file = {r}/log/log.%m
   log level = 1
   passdb backend = tdbsam:{r}/private/passdb.tdb
   load printers = no
   printing = bsd
   printcap name = /dev/null
   disable spoolss = yes
   server min protocol = SMB2_10
   map to guest = never
{global_extra}

[{SHARE}]
   path = {r}/share
   read only = no
   valid users = {USER}
   force user = root

[{FEW_SHARE}]
   path = {r}/{FEW_SHARE}
   read only = no
   valid users = {USER}
   force user = root
   max connections = {FEW_CONNECTIONS_MAX}
"
    )
}

/// Marks a server dir with the test process that owns it, for [`sweep_stale_dirs`].
const OWNER_FILE: &str = "owner.pid";

/// Removes temp dirs of servers from earlier test processes (the shared server's `Drop` never
/// runs). A dir is stale when the process named in its owner file is gone; dirs from before
/// owner files existed are removed once older than ten minutes.
fn sweep_stale_dirs() {
    let Ok(rd) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for item in rd.flatten() {
        if !item
            .file_name()
            .to_string_lossy()
            .starts_with("anemone-samba-")
        {
            continue;
        }
        let owner: Option<u32> = std::fs::read_to_string(item.path().join(OWNER_FILE))
            .ok()
            .and_then(|s| s.trim().parse().ok());
        let stale = match owner {
            Some(pid) => !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            None => item
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 600),
        };
        if stale {
            let _ = std::fs::remove_dir_all(item.path());
        }
    }
}
