//! A fault-injecting TCP proxy on 127.0.0.1, for the resilience tests: the network between the
//! client and the server, made bad on purpose and changed while a run is going on.
//!
//! Each accepted connection is forwarded to the current upstream address. Each direction of a
//! connection is two threads: a reader that stamps every chunk it reads with the moment it may
//! leave (now + delay + a random part of the jitter, never before the chunk ahead of it, so
//! order is kept), and a writer that waits for that moment, for any stall to end and for the
//! bandwidth cap, then writes. The channel between them is bounded, so a stalled or slow writer
//! pushes back on the sender as a real slow link does.
//!
//! Controlled at run time through [`FaultProxy`]'s methods (they take effect on the next chunk):
//! delay and jitter per direction, a bandwidth cap, a stall, a cut after K more bytes in one
//! direction (every connection is dropped at that byte), refusing new connections, and a switch
//! to another upstream (new connections go there, existing ones are cut).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A direction of the traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Client to server (what an upload sends).
    Up = 0,
    /// Server to client (what a download receives).
    Down = 1,
}

/// The faults in force, per direction where that makes sense.
#[derive(Clone, Debug, Default)]
struct Faults {
    /// Added to every chunk.
    delay: [Duration; 2],
    /// A further random delay in `0..=jitter`, drawn per chunk.
    jitter: [Duration; 2],
    /// Bytes per second, each direction of each connection; `None`: as fast as it goes.
    rate: Option<u64>,
    /// Nothing is forwarded before this moment.
    stall_until: Option<Instant>,
    /// Drop every connection once this many more bytes went this way.
    cut_after: [Option<u64>; 2],
    /// Refuse new connections from the moment such a cut happens (so that a client cannot
    /// reconnect in between: the run has to give up).
    refuse_after_cut: bool,
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    faults: Mutex<Faults>,
    refuse: AtomicBool,
    closed: AtomicBool,
    /// Bytes forwarded so far, per direction, all connections.
    forwarded: [AtomicU64; 2],
    accepted: AtomicU64,
    /// The upstream port of each connection forwarded, in order.
    routed: Mutex<Vec<u16>>,
    cuts: AtomicU64,
    /// Both sockets of each live connection, to cut them from outside.
    live: Mutex<HashMap<u64, [TcpStream; 2]>>,
    seed: u64,
}

impl Shared {
    /// Drops every live connection at once: both peers see the connection reset or closed.
    fn cut_all(&self) {
        let live: Vec<_> = self.live.lock().unwrap().drain().collect();
        if !live.is_empty() {
            self.cuts.fetch_add(1, Ordering::SeqCst);
        }
        for (_, pair) in live {
            for s in pair {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

/// The handle a test holds: the proxy runs until it is dropped.
pub struct FaultProxy {
    port: u16,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `127.0.0.1:upstream`, with no fault
    /// yet. `seed` drives the jitter (each connection and direction draws from its own stream).
    pub fn start(upstream: u16, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            upstream: Mutex::new(([127, 0, 0, 1], upstream).into()),
            faults: Mutex::default(),
            refuse: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            forwarded: Default::default(),
            accepted: AtomicU64::new(0),
            routed: Mutex::default(),
            cuts: AtomicU64::new(0),
            live: Mutex::default(),
            seed,
        });
        let s = shared.clone();
        std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || accept_loop(listener, s))
            .expect("start the fault proxy");
        FaultProxy { port, shared }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Adds `delay` to every chunk going `dir`, plus a random `0..=jitter` per chunk.
    pub fn set_delay(&self, dir: Dir, delay: Duration, jitter: Duration) {
        let mut f = self.shared.faults.lock().unwrap();
        f.delay[dir as usize] = delay;
        f.jitter[dir as usize] = jitter;
    }

    /// The same delay and jitter both ways.
    pub fn set_delay_both(&self, delay: Duration, jitter: Duration) {
        self.set_delay(Dir::Up, delay, jitter);
        self.set_delay(Dir::Down, delay, jitter);
    }

    /// Caps each direction of each connection at `bytes_per_sec` (`None`: no cap).
    pub fn set_rate(&self, bytes_per_sec: Option<u64>) {
        self.shared.faults.lock().unwrap().rate = bytes_per_sec;
    }

    /// Forwards nothing, either way, for `d` from now (connections stay open).
    pub fn stall(&self, d: Duration) {
        self.shared.faults.lock().unwrap().stall_until = Some(Instant::now() + d);
    }

    /// Once `bytes` more bytes went `dir` (all connections together), the byte at which the
    /// count is reached is the last one forwarded, and every connection is dropped.
    pub fn cut_after(&self, dir: Dir, bytes: u64) {
        self.shared.faults.lock().unwrap().cut_after[dir as usize] = Some(bytes);
    }

    /// Like [`FaultProxy::cut_after`], and new connections are refused from the moment of the
    /// cut (until [`FaultProxy::heal`]).
    pub fn cut_after_and_refuse(&self, dir: Dir, bytes: u64) {
        let mut f = self.shared.faults.lock().unwrap();
        f.cut_after[dir as usize] = Some(bytes);
        f.refuse_after_cut = true;
    }

    /// Whether a cut asked for with [`FaultProxy::cut_after`] is still to come.
    pub fn cut_pending(&self) -> bool {
        let f = self.shared.faults.lock().unwrap();
        f.cut_after.iter().any(Option::is_some)
    }

    /// Drops every connection now.
    pub fn cut_now(&self) {
        self.shared.cut_all();
    }

    /// While `true`, new connections are closed as soon as they are accepted.
    pub fn refuse(&self, on: bool) {
        self.shared.refuse.store(on, Ordering::SeqCst);
    }

    /// New connections go to `127.0.0.1:port`; the existing ones are cut.
    pub fn switch_upstream(&self, port: u16) {
        *self.shared.upstream.lock().unwrap() = ([127, 0, 0, 1], port).into();
        self.shared.cut_all();
    }

    /// Takes every fault away (delay, jitter, cap, stall, pending cut, refusal).
    pub fn heal(&self) {
        *self.shared.faults.lock().unwrap() = Faults::default();
        self.refuse(false);
    }

    /// Bytes forwarded `dir` so far.
    pub fn forwarded(&self, dir: Dir) -> u64 {
        self.shared.forwarded[dir as usize].load(Ordering::SeqCst)
    }

    /// Connections accepted so far (refused ones included).
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// The upstream port of each connection forwarded so far, in order.
    pub fn routed(&self) -> Vec<u16> {
        self.shared.routed.lock().unwrap().clone()
    }

    /// How many times live connections were dropped on purpose.
    pub fn cuts(&self) -> u64 {
        self.shared.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees `closed` and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        self.shared.cut_all();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for (id, client) in (0u64..).zip(listener.incoming()) {
        if shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        if shared.refuse.load(Ordering::SeqCst) {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        let upstream = *shared.upstream.lock().unwrap();
        let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(5)) else {
            continue;
        };
        shared.routed.lock().unwrap().push(upstream.port());
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        shared.live.lock().unwrap().insert(
            id,
            [client.try_clone().unwrap(), server.try_clone().unwrap()],
        );
        // A switch sets the upstream, then cuts what is registered: registered first and
        // checked after, a connection to the old upstream is either seen here or cut there.
        if *shared.upstream.lock().unwrap() != upstream {
            shared.live.lock().unwrap().remove(&id);
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
            continue;
        }
        let ends = [
            (
                Dir::Up,
                client.try_clone().unwrap(),
                server.try_clone().unwrap(),
            ),
            (Dir::Down, server, client),
        ];
        let writers_left = Arc::new(AtomicUsize::new(2));
        for (dir, from, to) in ends {
            let (tx, rx) = sync_channel(16);
            let rng = StdRng::seed_from_u64(shared.seed ^ (id << 1 | dir as u64));
            let s = shared.clone();
            std::thread::spawn(move || read_side(from, tx, dir, rng, s));
            let s = shared.clone();
            let conn = (id, writers_left.clone());
            std::thread::spawn(move || write_side(to, rx, dir, conn, s));
        }
    }
}

/// A chunk read from one peer and the moment it may be written to the other.
struct Chunk {
    bytes: Vec<u8>,
    due: Instant,
}

fn read_side(
    mut from: TcpStream,
    tx: SyncSender<Chunk>,
    dir: Dir,
    mut rng: StdRng,
    shared: Arc<Shared>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut last_due = Instant::now();
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let (delay, jitter) = {
            let f = shared.faults.lock().unwrap();
            (f.delay[dir as usize], f.jitter[dir as usize])
        };
        let extra = if jitter.is_zero() {
            Duration::ZERO
        } else {
            Duration::from_micros(rng.random_range(0..=jitter.as_micros() as u64))
        };
        // Never before the chunk ahead: a jittery link delays, it does not reorder TCP.
        let due = (Instant::now() + delay + extra).max(last_due);
        last_due = due;
        if tx
            .send(Chunk {
                bytes: buf[..n].to_vec(),
                due,
            })
            .is_err()
        {
            break;
        }
    }
    // Dropping `tx` tells the writer the stream ended.
}

fn write_side(
    mut to: TcpStream,
    rx: Receiver<Chunk>,
    dir: Dir,
    conn: (u64, Arc<AtomicUsize>),
    shared: Arc<Shared>,
) {
    // When the bandwidth cap lets the next byte leave.
    let mut next_free = Instant::now();
    let mut ok = true;
    'chunks: while let Ok(chunk) = rx.recv() {
        sleep_until(chunk.due);
        let mut rest = &chunk.bytes[..];
        while !rest.is_empty() {
            // Small slices so that a cap, a stall or a cut set meanwhile applies promptly.
            let (rate, stall) = {
                let f = shared.faults.lock().unwrap();
                (f.rate, f.stall_until)
            };
            if let Some(until) = stall {
                if Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
            }
            let mut n = rest.len().min(16 * 1024);
            if let Some(rate) = rate {
                sleep_until(next_free);
                next_free = next_free.max(Instant::now())
                    + Duration::from_secs_f64(n as f64 / rate.max(1) as f64);
            }
            // Takes this slice out of a pending cut's budget under one lock: two connections
            // writing at once cannot both pass the cut point.
            let cut_here = {
                let mut f = shared.faults.lock().unwrap();
                match f.cut_after[dir as usize] {
                    Some(left) if (n as u64) >= left => {
                        n = left as usize;
                        f.cut_after[dir as usize] = None;
                        if f.refuse_after_cut {
                            shared.refuse.store(true, Ordering::SeqCst);
                        }
                        true
                    }
                    Some(left) => {
                        f.cut_after[dir as usize] = Some(left - n as u64);
                        false
                    }
                    None => false,
                }
            };
            if n > 0 && to.write_all(&rest[..n]).is_err() {
                ok = false;
                break 'chunks;
            }
            shared.forwarded[dir as usize].fetch_add(n as u64, Ordering::SeqCst);
            if cut_here {
                shared.cut_all();
                ok = false;
                break 'chunks;
            }
            rest = &rest[n..];
        }
    }
    let (id, writers_left) = conn;
    if ok {
        // The sender closed its side: pass the end of stream on.
        let _ = to.shutdown(Shutdown::Write);
    }
    // A failed write or a cut ends the connection both ways; a clean end frees it once both
    // directions are done (the map's copies would otherwise keep the sockets open).
    if !ok || writers_left.fetch_sub(1, Ordering::SeqCst) == 1 {
        if let Some(pair) = shared.live.lock().unwrap().remove(&id) {
            for s in pair {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

fn sleep_until(t: Instant) {
    let now = Instant::now();
    if t > now {
        std::thread::sleep(t - now);
    }
}
