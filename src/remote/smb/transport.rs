//! Our own TCP transport for the `smb` crate.
//!
//! The crate's `TcpTransport` leaves Nagle on and writes the 4-byte header and the body
//! separately, so every request waits ~40 ms for a delayed ACK. This one sets `TCP_NODELAY`
//! and sends each message with one write. Any read or write failure is reported as
//! `NotConnected`, which makes the crate's worker stop instead of spinning on a dead socket.

use std::net::SocketAddr;
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};
use smb::transport::{IoVec, SmbTransport, SmbTransportRead, SmbTransportWrite, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

type TResult<T> = Result<T, TransportError>;

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

/// A connected TCP stream, whole (during negotiation) or one of its halves (after `split`).
pub(crate) struct FastTcp {
    reader: Option<OwnedReadHalf>,
    writer: Option<OwnedWriteHalf>,
    peer: SocketAddr,
}

impl FastTcp {
    pub(crate) fn new(stream: TcpStream) -> std::io::Result<FastTcp> {
        let peer = stream.peer_addr()?;
        let (r, w) = stream.into_split();
        Ok(FastTcp {
            reader: Some(r),
            writer: Some(w),
            peer,
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
        };
        let write = FastTcp {
            reader: None,
            writer: self.writer,
            peer: self.peer,
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

    /// One write per message: the 4-byte length header and every part of the body together.
    fn send<'a>(&'a mut self, data: &'a IoVec) -> BoxFuture<'a, TResult<()>> {
        async move {
            let len = data.total_size();
            if len > 0x00FF_FFFF {
                return Err(TransportError::InvalidMessage);
            }
            let mut buf = Vec::with_capacity(4 + len);
            buf.push(0);
            buf.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
            for part in data.iter() {
                buf.extend_from_slice(part);
            }
            let w = self.writer.as_mut().ok_or(TransportError::NotConnected)?;
            w.write_all(&buf).await.map_err(lost)
        }
        .boxed()
    }
}
