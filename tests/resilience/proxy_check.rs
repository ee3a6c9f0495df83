//! The fault proxy itself, against plain TCP listeners (no Samba): a jittery link keeps the
//! bytes in order, a cut forwards exactly K bytes and drops the connection, a refused
//! connection is closed at once, and a switch sends new connections to the new upstream.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use crate::support::fault_proxy::{Dir, FaultProxy};

/// A listener that, for each connection, reads until the end and sends back what it got.
fn collecting_upstream() -> (u16, std::sync::mpsc::Receiver<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut s = s;
                let mut got = Vec::new();
                let _ = s.read_to_end(&mut got);
                let _ = tx.send(got);
            });
        }
    });
    (port, rx)
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn send(port: u16, data: &[u8]) {
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // A cut may end the connection before all is written: that is the point.
    let _ = c.write_all(data);
    let _ = c.shutdown(std::net::Shutdown::Write);
}

fn received(rx: &std::sync::mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the upstream got no connection")
}

#[test]
fn jitter_keeps_order_and_a_cut_forwards_exactly_k_bytes() {
    let (port, rx) = collecting_upstream();
    let proxy = FaultProxy::start(port, 7);
    proxy.set_delay(Dir::Up, Duration::ZERO, Duration::from_millis(5));
    let data = pattern(3 << 20);
    send(proxy.port(), &data);
    assert!(received(&rx) == data, "bytes reordered or lost");

    proxy.heal();
    proxy.cut_after(Dir::Up, 123_457);
    send(proxy.port(), &data);
    assert!(
        received(&rx) == data[..123_457],
        "not exactly the bytes before the cut"
    );
    assert_eq!(proxy.cuts(), 1);
    assert!(!proxy.cut_pending());
}

#[test]
fn refused_connections_are_closed_and_a_switch_moves_new_ones() {
    let (first, rx1) = collecting_upstream();
    let (second, rx2) = collecting_upstream();
    let proxy = FaultProxy::start(first, 8);
    proxy.refuse(true);
    let mut c = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
    let mut buf = [0u8; 1];
    // Closed by the proxy: end of stream or a reset, never data.
    assert!(!matches!(c.read(&mut buf), Ok(n) if n > 0));
    proxy.refuse(false);

    proxy.switch_upstream(second);
    send(proxy.port(), b"to the second");
    assert_eq!(received(&rx2), b"to the second");
    assert!(
        rx1.try_recv().is_err(),
        "a connection reached the old upstream"
    );
    assert_eq!(proxy.routed(), vec![second]);
}
