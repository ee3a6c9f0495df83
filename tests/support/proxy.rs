//! A TCP proxy on 127.0.0.1 in front of a server that keeps a copy of every byte that crosses
//! it, both ways: a capture of the stream, to check what goes over the network in clear.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub struct RecordingProxy {
    port: u16,
    /// Client to server, and server to client, each in order.
    seen: [Arc<Mutex<Vec<u8>>>; 2],
}

impl RecordingProxy {
    /// Listens on a free port and forwards each connection to `127.0.0.1:upstream`.
    pub fn start(upstream: u16) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let seen = [Arc::default(), Arc::default()];
        let record: [Arc<Mutex<Vec<u8>>>; 2] = seen.clone();
        std::thread::Builder::new()
            .name("recording-proxy".into())
            .spawn(move || {
                for client in listener.incoming().flatten() {
                    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                        continue;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let pairs = [
                        (client.try_clone().unwrap(), server.try_clone().unwrap()),
                        (server, client),
                    ];
                    for ((from, to), record) in pairs.into_iter().zip(record.clone()) {
                        std::thread::spawn(move || pump(from, to, record));
                    }
                }
            })
            .expect("start the proxy thread");
        RecordingProxy { port, seen }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many bytes crossed so far, both ways.
    pub fn bytes(&self) -> usize {
        self.seen.iter().map(|s| s.lock().unwrap().len()).sum()
    }

    /// Whether `needle` crossed in clear, either way.
    pub fn saw(&self, needle: &[u8]) -> bool {
        self.seen
            .iter()
            .any(|s| s.lock().unwrap().windows(needle.len()).any(|w| w == needle))
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, record: Arc<Mutex<Vec<u8>>>) {
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                record.lock().unwrap().extend_from_slice(&buf[..n]);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
