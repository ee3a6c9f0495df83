//! A TCP proxy that holds every chunk it forwards for a fixed time, each way: a slow link (a
//! VPN to the office NAS) on loopback, where netem is not available.
//!
//! Each direction of a connection is a reader and a writer thread joined by a queue: the
//! reader takes bytes as fast as they come and stamps them with the time they may leave, the
//! writer sends them in order once that time has come. So the delay is added to every byte
//! (latency), while the bandwidth stays what loopback gives (the reader never waits for the
//! writer). For the benchmark only; the resilience tests have their own fault proxy.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

pub struct DelayProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    /// Connections accepted so far.
    accepted: Arc<AtomicU64>,
}

impl DelayProxy {
    /// Listens on a free loopback port and forwards to `upstream`, `delay` added each way.
    pub fn start(upstream: SocketAddr, delay: Duration) -> DelayProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the delay proxy");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let (stop2, accepted2) = (stop.clone(), accepted.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue; // the client sees the connection close
                };
                accepted2.fetch_add(1, Ordering::Relaxed);
                for s in [&client, &server] {
                    let _ = s.set_nodelay(true);
                }
                pump(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    delay,
                );
                pump(server, client, delay);
            }
        });
        DelayProxy {
            addr,
            stop,
            accepted,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far (each SMB connection, smbclient's or ours, is one).
    pub fn connections(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Forwards `from` to `to`, each chunk held `delay` after it arrived, in order. An end of
/// stream (or an error) is passed on after the same delay, as a half close.
fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (tx, rx) = mpsc::channel::<(Instant, Option<Vec<u8>>)>();
    thread::spawn(move || {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = from.read(&mut buf).unwrap_or(0);
            let due = Instant::now() + delay;
            let chunk = (n > 0).then(|| buf[..n].to_vec());
            let end = chunk.is_none();
            if tx.send((due, chunk)).is_err() || end {
                break;
            }
        }
    });
    thread::spawn(move || {
        for (due, chunk) in rx {
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                thread::sleep(wait);
            }
            match chunk {
                Some(bytes) if to.write_all(&bytes).is_ok() => {}
                _ => break,
            }
        }
        // The reader of the other direction ends when its peer closes in turn.
        let _ = to.shutdown(Shutdown::Write);
    });
}
