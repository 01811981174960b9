//! Opening the connection to the shared store: each host of the address in turn (in the order
//! written, or shuffled with `load_balance_hosts=random`), each of its addresses in turn, the
//! socket handed to tokio-postgres through a watch on what a server without TLS asks for.
//!
//! tokio-postgres answers any request for the password: with `sslmode=prefer`, a server that
//! answers the SSLRequest with `N` and then asks for the password in clear text
//! (AuthenticationCleartextPassword, code 3) would get it. For a host that is not this machine
//! the watch ends the connection at that request, before anything more is written. With
//! `require`, `verify-ca` and `verify-full` tokio-postgres ends a connection whose server
//! answers `N`, and the TLS handshake (the certificate checked as the sslmode says) ends
//! before the start-up message is written.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio::task::JoinHandle;
use tokio_postgres::config::{Host, LoadBalanceHosts, SslNegotiation, TargetSessionAttrs};
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, SimpleQueryMessage};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::pgurl::{is_this_machine, StoreUrl};

/// Why no connection was made.
#[derive(Debug)]
pub enum ConnectError {
    /// No socket could be opened (refused, unreachable, timed out, a name that does not
    /// resolve): try again later.
    Unreachable(String),
    /// A server on another machine that declined TLS asked for the password in clear text;
    /// it was not sent. The text is that host, `host:port`.
    ClearText(String),
    /// The driver's error: TLS refused, authentication failed, the server said no.
    Pg(tokio_postgres::Error),
    /// TLS could not be set up on this side (an unreadable `sslrootcert`).
    Setup(String),
    /// Connected, but not to the kind of server `target_session_attrs` asks for.
    Session(String),
}

/// Connects to the first host of `url` that answers, and starts its connection task.
pub async fn open(url: &StoreUrl) -> Result<(Client, JoinHandle<()>), ConnectError> {
    let mut tls = super::tls::connector(url).map_err(ConnectError::Setup)?;
    let config = url.config();
    let hosts = config.get_hosts();
    let mut order: Vec<usize> = (0..hosts.len()).collect();
    if config.get_load_balance_hosts() == LoadBalanceHosts::Random {
        use rand::seq::SliceRandom;
        order.shuffle(&mut rand::thread_rng());
    }
    let mut last = None;
    for i in order {
        let Some(host) = hosts.get(i) else { continue };
        let ports = config.get_ports();
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let hostaddr = config.get_hostaddrs().get(i).copied();
        match one_host(url, &mut tls, host, hostaddr, port).await {
            Ok(done) => return Ok(done),
            // Said at once, not hidden behind another host's error.
            Err(e @ ConnectError::ClearText(_)) => return Err(e),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| ConnectError::Unreachable("the address names no host".into())))
}

async fn one_host(
    url: &StoreUrl,
    tls: &mut MakeRustlsConnect,
    host: &Host,
    hostaddr: Option<IpAddr>,
    port: u16,
) -> Result<(Client, JoinHandle<()>), ConnectError> {
    let config = url.config();
    let timeout = config.get_connect_timeout().copied();
    let local = is_this_machine(host, hostaddr);
    let name = match host {
        Host::Tcp(name) => name.clone(),
        Host::Unix(dir) => {
            let path = dir.join(format!(".s.PGSQL.{port}"));
            let socket = within(timeout, UnixStream::connect(path)).await?;
            return attempt(url, tls, Socket::Unix(socket), "", local, port).await;
        }
    };
    let addresses: Vec<SocketAddr> = match hostaddr {
        Some(ip) => vec![SocketAddr::new(ip, port)],
        None => tokio::net::lookup_host((name.as_str(), port))
            .await
            .map_err(|e| ConnectError::Unreachable(e.to_string()))?
            .collect(),
    };
    let mut last = ConnectError::Unreachable(format!("{name} has no address"));
    for address in addresses {
        let socket = match within(timeout, TcpStream::connect(address)).await {
            Ok(s) => s,
            Err(e) => {
                last = e;
                continue;
            }
        };
        tune(&socket, config).map_err(|e| ConnectError::Unreachable(e.to_string()))?;
        match attempt(url, tls, Socket::Tcp(socket), &name, local, port).await {
            Ok(done) => return Ok(done),
            Err(e @ ConnectError::ClearText(_)) => return Err(e),
            Err(e) => last = e,
        }
    }
    Err(last)
}

async fn within<T>(
    timeout: Option<Duration>,
    connect: impl std::future::Future<Output = io::Result<T>>,
) -> Result<T, ConnectError> {
    let done = match timeout {
        Some(t) => tokio::time::timeout(t, connect)
            .await
            .map_err(|_| ConnectError::Unreachable("connection timed out".into()))?,
        None => connect.await,
    };
    done.map_err(|e| ConnectError::Unreachable(e.to_string()))
}

/// No delay, keepalives and the user time-out, as tokio-postgres sets them.
fn tune(socket: &TcpStream, config: &tokio_postgres::Config) -> io::Result<()> {
    socket.set_nodelay(true)?;
    let sock = socket2::SockRef::from(socket);
    if let Some(t) = config.get_tcp_user_timeout() {
        sock.set_tcp_user_timeout(Some(*t))?;
    }
    if config.get_keepalives() {
        let mut keepalive = socket2::TcpKeepalive::new().with_time(config.get_keepalives_idle());
        if let Some(interval) = config.get_keepalives_interval() {
            keepalive = keepalive.with_interval(interval);
        }
        if let Some(retries) = config.get_keepalives_retries() {
            keepalive = keepalive.with_retries(retries);
        }
        sock.set_tcp_keepalive(&keepalive)?;
    }
    Ok(())
}

/// The start-up, TLS and authentication on one socket.
async fn attempt(
    url: &StoreUrl,
    tls: &mut MakeRustlsConnect,
    socket: Socket,
    name: &str,
    local: bool,
    port: u16,
) -> Result<(Client, JoinHandle<()>), ConnectError> {
    let config = url.config();
    let tls = match MakeTlsConnect::<Guarded>::make_tls_connect(tls, name) {
        Ok(tls) => tls,
        Err(never) => match never {},
    };
    // Nothing to watch on this machine, with TLS sent straight away, or without TLS asked for
    // (sslmode=disable, warned about: what that mode says).
    let watch = if local
        || config.get_ssl_negotiation() == SslNegotiation::Direct
        || config.get_ssl_mode() == tokio_postgres::config::SslMode::Disable
    {
        Watch::Off
    } else {
        Watch::SslAnswer
    };
    let refused = Arc::new(AtomicBool::new(false));
    let stream = Guarded {
        socket,
        watcher: Watcher {
            watch,
            refused: Arc::clone(&refused),
        },
    };
    let (client, connection) = match config.connect_raw(stream, tls).await {
        Ok(c) => c,
        Err(_) if refused.load(Ordering::SeqCst) => {
            let host = if name.contains(':') {
                format!("[{name}]:{port}")
            } else {
                format!("{name}:{port}")
            };
            return Err(ConnectError::ClearText(host));
        }
        Err(e) => return Err(ConnectError::Pg(e)),
    };
    let task = tokio::spawn(async move {
        let _ = connection.await;
    });
    let wanted = config.get_target_session_attrs();
    if wanted != TargetSessionAttrs::Any {
        let read_only = match client.simple_query("SHOW transaction_read_only").await {
            Ok(messages) => messages.iter().find_map(|m| match m {
                SimpleQueryMessage::Row(row) => row.get(0).map(|v| v == "on"),
                _ => None,
            }),
            Err(e) => {
                task.abort();
                return Err(ConnectError::Pg(e));
            }
        };
        let why = match (wanted, read_only) {
            (TargetSessionAttrs::ReadWrite, Some(false)) => None,
            (TargetSessionAttrs::ReadOnly, Some(true)) => None,
            (TargetSessionAttrs::ReadWrite, _) => Some("the server does not allow writes"),
            _ => Some("the server is not read-only"),
        };
        if let Some(why) = why {
            task.abort();
            return Err(ConnectError::Session(why.into()));
        }
    }
    Ok((client, task))
}

/// A TCP or Unix socket.
enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

/// What is still to be seen of the server's first answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watch {
    Off,
    /// The one byte answering the SSLRequest: `S` (TLS follows: nothing more to watch here)
    /// or `N`.
    SslAnswer,
    /// No TLS: the first message's type, length and authentication code (9 bytes).
    FirstMessage {
        head: [u8; 9],
        seen: usize,
    },
}

/// The socket tokio-postgres talks through, watching what a server without TLS asks first.
struct Guarded {
    socket: Socket,
    watcher: Watcher,
}

/// AuthenticationCleartextPassword: `R`, length 8, code 3.
const CLEARTEXT_REQUEST: [u8; 9] = [b'R', 0, 0, 0, 8, 0, 0, 0, 3];

struct Watcher {
    watch: Watch,
    /// Set once a request for the password in clear text was seen and refused.
    refused: Arc<AtomicBool>,
}

impl Watcher {
    /// Looks at bytes just read; `Err` when they ask for the password in clear text.
    fn see(&mut self, mut new: &[u8]) -> io::Result<()> {
        while let Some((&first, rest)) = new.split_first() {
            match &mut self.watch {
                Watch::Off => return Ok(()),
                Watch::SslAnswer => {
                    // tokio-postgres reads this one byte: anything but S means no TLS.
                    self.watch = if first == b'S' {
                        Watch::Off
                    } else {
                        Watch::FirstMessage {
                            head: [0; 9],
                            seen: 0,
                        }
                    };
                    new = rest;
                }
                Watch::FirstMessage { head, seen } => {
                    let take = new.len().min(head.len() - *seen);
                    head[*seen..*seen + take].copy_from_slice(&new[..take]);
                    *seen += take;
                    new = &new[take..];
                    if head[..*seen] != CLEARTEXT_REQUEST[..*seen] {
                        self.watch = Watch::Off;
                    } else if *seen == head.len() {
                        self.watch = Watch::Off;
                        self.refused.store(true, Ordering::SeqCst);
                        return Err(io::Error::new(
                            io::ErrorKind::PermissionDenied,
                            "the server asked for the password in clear text without TLS",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match &mut this.socket {
            Socket::Tcp(s) => ready!(Pin::new(s).poll_read(cx, buf))?,
            Socket::Unix(s) => ready!(Pin::new(s).poll_read(cx, buf))?,
        }
        let new = buf.filled().get(before..).unwrap_or(&[]);
        Poll::Ready(this.watcher.see(new))
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.watcher.refused.load(Ordering::SeqCst) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "the connection was refused the password",
            )));
        }
        match &mut this.socket {
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Socket::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().socket {
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
            Socket::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().socket {
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Socket::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watcher() -> Watcher {
        Watcher {
            watch: Watch::SslAnswer,
            refused: Arc::new(AtomicBool::new(false)),
        }
    }

    #[test]
    fn the_watch_stops_a_request_for_the_password_in_clear_text_however_it_arrives() {
        let answer: Vec<u8> = [&b"N"[..], &CLEARTEXT_REQUEST].concat();
        // In one read, and split in two anywhere.
        for split in 0..=answer.len() {
            let mut w = watcher();
            let (a, b) = answer.split_at(split);
            assert!(
                w.see(a).and_then(|()| w.see(b)).is_err(),
                "split at {split}"
            );
            assert!(w.refused.load(Ordering::SeqCst));
        }
        // Byte by byte.
        let mut w = watcher();
        assert!(answer.iter().any(|b| w.see(&[*b]).is_err()));
        assert!(w.refused.load(Ordering::SeqCst));
        // Anything else goes through: TLS, SCRAM (code 10), MD5 (5), trust (0), an error.
        for answer in [
            &b"S\x16\x03\x03"[..],
            &[b'N', b'R', 0, 0, 0, 23, 0, 0, 0, 10],
            &[b'N', b'R', 0, 0, 0, 12, 0, 0, 0, 5],
            &[b'N', b'R', 0, 0, 0, 8, 0, 0, 0, 0],
            &[b'N', b'E', 0, 0, 0, 8, 0, 0, 0, 3],
        ] {
            let mut w = watcher();
            assert!(w.see(answer).is_ok(), "{answer:?}");
            assert!(!w.refused.load(Ordering::SeqCst));
            assert_eq!(w.watch, Watch::Off, "{answer:?}");
        }
        // Nothing is watched when told so.
        let mut w = watcher();
        w.watch = Watch::Off;
        assert!(w.see(&answer).is_ok());
    }
}
