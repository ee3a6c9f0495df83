//! Our own TCP transport for the `smb` crate.
//!
//! The crate's `TcpTransport` leaves Nagle on and writes the 4-byte header and the body
//! separately, so every request waits ~40 ms for a delayed ACK. This one sets `TCP_NODELAY`
//! and sends each message as one vectored write of the header and the crate's own buffers
//! (no copy of a 1 MiB body into a fresh `Vec` per message). Reads go through a 64 KiB buffer:
//! the crate reads each message as a 4-byte header and then the body, which unbuffered costs
//! two `recvfrom` calls per message where one usually holds several small replies. Any read or
//! write failure is reported as `NotConnected`, which makes the crate's worker stop instead of
//! spinning on a dead socket.
//!
//! It also notes how each message it sends is protected ([`Wire`]): what the job card shows as
//! "encrypted" or "signed" is read off the wire, not taken from the crate's settings.

use std::io::IoSlice;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};
use smb::transport::{IoVec, SmbTransport, SmbTransportRead, SmbTransportWrite, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

type TResult<T> = Result<T, TransportError>;

/// Read buffer: big enough for a burst of small replies, small next to a 1 MiB read reply
/// (which `BufReader` passes straight through to the caller's buffer once it is drained).
const RECEIVE_BUFFER: usize = 64 * 1024;

/// Opens a TCP connection within `timeout`.
pub(crate) async fn connect_tcp(
    addr: SocketAddr,
    timeout: Duration,
    nodelay: bool,
) -> std::io::Result<TcpStream> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {timeout:?}"),
            ))
        }
    };
    stream.set_nodelay(nodelay)?;
    Ok(stream)
}

/// How the last message sent on a connection was protected, read from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protection {
    /// Nothing sent yet.
    None,
    /// An SMB2 message in clear without a signature.
    Plain,
    /// An SMB2 message in clear, signed (SMB2_FLAGS_SIGNED).
    Signed,
    /// An SMB3 transform message: encrypted (and so also integrity-protected).
    Encrypted,
}

/// What [`FastTcp`] saw on the wire; shared with the connection that owns it.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    last_sent: AtomicU8,
}

impl Wire {
    pub(crate) fn last_sent(&self) -> Protection {
        match self.last_sent.load(Ordering::Relaxed) {
            1 => Protection::Plain,
            2 => Protection::Signed,
            3 => Protection::Encrypted,
            _ => Protection::None,
        }
    }

    /// Notes the protection of a message from its first bytes: protocol id 0xFD 'SMB' for a
    /// transform (encrypted) message, 0xFE 'SMB' for a plain one, whose flags (offset 16, little
    /// endian) carry SMB2_FLAGS_SIGNED (0x8).
    fn note(&self, head: &[u8]) {
        let kind = match head {
            [0xFD, b'S', b'M', b'B', ..] => 3,
            [0xFE, b'S', b'M', b'B', _, _, _, _, _, _, _, _, _, _, _, _, f, ..]
                if f & 0x08 != 0 =>
            {
                2
            }
            _ => 1,
        };
        self.last_sent.store(kind, Ordering::Relaxed);
    }
}

/// A connected TCP stream, whole (during negotiation) or one of its halves (after `split`).
pub(crate) struct FastTcp {
    reader: Option<BufReader<OwnedReadHalf>>,
    writer: Option<OwnedWriteHalf>,
    peer: SocketAddr,
    wire: Arc<Wire>,
}

impl FastTcp {
    pub(crate) fn new(stream: TcpStream, wire: Arc<Wire>) -> std::io::Result<FastTcp> {
        let peer = stream.peer_addr()?;
        let (r, w) = stream.into_split();
        Ok(FastTcp {
            reader: Some(BufReader::with_capacity(RECEIVE_BUFFER, r)),
            writer: Some(w),
            peer,
            wire,
        })
    }
}

fn lost(_e: std::io::Error) -> TransportError {
    TransportError::NotConnected
}

impl SmbTransport for FastTcp {
    fn connect<'a>(
        &'a mut self,
        _server: &'a str,
        _addr: SocketAddr,
    ) -> BoxFuture<'a, TResult<()>> {
        // Connected before being handed to the crate.
        async { Ok(()) }.boxed()
    }

    fn default_port(&self) -> u16 {
        445
    }

    fn split(self: Box<Self>) -> TResult<(Box<dyn SmbTransportRead>, Box<dyn SmbTransportWrite>)> {
        let read = FastTcp {
            reader: self.reader,
            writer: None,
            peer: self.peer,
            wire: self.wire.clone(),
        };
        let write = FastTcp {
            reader: None,
            writer: self.writer,
            peer: self.peer,
            wire: self.wire,
        };
        Ok((Box::new(read), Box::new(write)))
    }

    fn remote_address(&self) -> TResult<SocketAddr> {
        Ok(self.peer)
    }
}

impl SmbTransportRead for FastTcp {
    fn receive_exact<'a>(&'a mut self, out: &'a mut [u8]) -> BoxFuture<'a, TResult<()>> {
        async move {
            let r = self.reader.as_mut().ok_or(TransportError::NotConnected)?;
            r.read_exact(out).await.map_err(lost)?;
            Ok(())
        }
        .boxed()
    }
}

impl SmbTransportWrite for FastTcp {
    fn send_raw<'a>(&'a mut self, buf: &'a [u8]) -> BoxFuture<'a, TResult<()>> {
        async move {
            let w = self.writer.as_mut().ok_or(TransportError::NotConnected)?;
            w.write_all(buf).await.map_err(lost)
        }
        .boxed()
    }

    /// One vectored write per message: the 4-byte length header and every part of the body,
    /// straight from the crate's buffers.
    fn send<'a>(&'a mut self, data: &'a IoVec) -> BoxFuture<'a, TResult<()>> {
        async move {
            let len = data.total_size();
            if len > 0x00FF_FFFF {
                return Err(TransportError::InvalidMessage);
            }
            let mut head = [0u8; 20];
            let mut filled = 0;
            for part in data.iter() {
                let n = part.len().min(head.len() - filled);
                head[filled..filled + n].copy_from_slice(&part[..n]);
                filled += n;
                if filled == head.len() {
                    break;
                }
            }
            self.wire.note(&head[..filled]);
            let be = (len as u32).to_be_bytes();
            let header = [0, be[1], be[2], be[3]];
            let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(1 + data.iter().count());
            slices.push(IoSlice::new(&header));
            slices.extend(data.iter().map(|part| IoSlice::new(part)));
            let w = self.writer.as_mut().ok_or(TransportError::NotConnected)?;
            let mut rest: &mut [IoSlice<'_>] = &mut slices;
            while !rest.is_empty() {
                let n = w.write_vectored(rest).await.map_err(lost)?;
                if n == 0 {
                    return Err(TransportError::NotConnected);
                }
                IoSlice::advance_slices(&mut rest, n);
            }
            Ok(())
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_is_read_off_the_message_head() {
        let w = Wire::default();
        assert_eq!(w.last_sent(), Protection::None);
        let mut plain = vec![0xFE, b'S', b'M', b'B'];
        plain.extend([0u8; 16]);
        w.note(&plain);
        assert_eq!(w.last_sent(), Protection::Plain);
        plain[16] = 0x08;
        w.note(&plain);
        assert_eq!(w.last_sent(), Protection::Signed);
        w.note(&[0xFD, b'S', b'M', b'B', 1, 2, 3]);
        assert_eq!(w.last_sent(), Protection::Encrypted);
    }
}
