//! A one-shot HTTP listener on the loopback address of the callback URL: it catches X's
//! redirect by itself, so the person does not have to copy the address.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use url::{Host, Url};

use super::page::Page;
use super::parse::{parse_redirect, same_secret, CallbackError};
use crate::loopback::{self, Limits, Options, Request};

/// Connections served at the same time. One more makes room by closing the oldest that has
/// not sent a whole request yet: a browser sends its request at once, so idle connections
/// opened by another local program cannot keep the real callback out.
const MAX_CONNECTIONS: usize = 64;
/// Accept errors in a row (other than a peer giving up) before giving up.
const MAX_ACCEPT_ERRORS: u32 = 50;
/// Time allowed for one whole request: a browser sends it the moment it connects.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// Sockets listening on the callback URL's loopback address(es), not yet serving.
/// Dropping it (or the future returned by [`Listener::next`]) closes them.
#[derive(Debug)]
pub struct Listener {
    sockets: Vec<TcpListener>,
    callback: Url,
    limits: Limits,
}

impl Listener {
    /// Binds exactly the callback URL's host and port: 127.0.0.1 → 127.0.0.1 only;
    /// `[::1]` → ::1 only; localhost → both 127.0.0.1 and ::1.
    ///
    /// For localhost one of the two may fail to bind (no IPv6, say) as long as the other
    /// succeeds, except when the port is already taken on either: the browser could then
    /// reach the other program instead, so that is an error.
    ///
    /// Refuses any callback URL that is not `http://` on a loopback host with an explicit or
    /// default, non-zero port (error kind `InvalidInput`).
    pub async fn bind(callback_url: &Url) -> io::Result<Listener> {
        let addrs = loopback_addrs(callback_url).map_err(|why| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "xconnect cannot catch the redirect to {callback_url} by itself ({why}); paste the address instead"
                ),
            )
        })?;
        let mut sockets = Vec::new();
        let mut first_error = None;
        for addr in addrs {
            match TcpListener::bind(addr).await {
                Ok(socket) => sockets.push(socket),
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrInUse,
                        format!(
                            "port {} on {} is already in use by another program; stop it, or use another port in the callback URL (here and in the developer portal)",
                            addr.port(),
                            addr.ip()
                        ),
                    ));
                }
                Err(e) => {
                    first_error.get_or_insert_with(|| {
                        io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}"))
                    });
                }
            }
        }
        match (sockets.is_empty(), first_error) {
            (true, Some(e)) => Err(e),
            (true, None) => Err(io::Error::other("no address to listen on")),
            (false, _) => Ok(Listener {
                sockets,
                callback: callback_url.clone(),
                limits: Limits {
                    timeout: HEAD_TIMEOUT,
                    ..Limits::default()
                },
            }),
        }
    }

    /// The addresses actually listened on.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.sockets
            .iter()
            .filter_map(|s| s.local_addr().ok())
            .collect()
    }

    /// Serves until one request to the callback path carries the expected state and a
    /// `code` or an `error`, then returns the full redirect URL (the callback URL with the
    /// query it got) for [`parse_redirect`], once its page has been sent.
    ///
    /// Other paths get a 404; a request on the callback path with another state (a stale
    /// tab) gets an error page and is otherwise ignored. Every connection is served on its
    /// own task with the limits of [`crate::loopback`], so a slow or garbled one holds up no
    /// other. When this returns, or when the future is dropped, the sockets are closed and
    /// connections still being served are abandoned: one callback only.
    pub async fn next(self, expected_state: &str) -> io::Result<String> {
        let Listener {
            sockets,
            callback,
            limits,
        } = self;
        let callback = Arc::new(callback);
        let expected: Arc<str> = Arc::from(expected_state);
        let options = Options {
            limits,
            max_connections: MAX_CONNECTIONS,
            max_accept_errors: MAX_ACCEPT_ERRORS,
            linger: None,
        };
        loopback::serve(&sockets, options, move |request| {
            let (page, accepted) = decide(&request, &callback, &expected);
            // Accepted even if the page cannot be delivered: the code is what matters.
            std::future::ready((page.response(), accepted))
        })
        .await
    }
}

/// Ports tried after a taken one before any free port: the next few, easy to type at X.
const NEAR: u16 = 20;

/// Whether the listener could listen on 127.0.0.1:`port` now: `None` when it could, else a
/// port it could listen on instead (the next free one of the few after it, or any free one).
/// Nothing stays bound.
pub fn free_instead(port: u16) -> Option<u16> {
    let free = |p: u16| std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, p)).ok();
    if free(port).is_some() {
        return None;
    }
    (1..=NEAR)
        .filter_map(|d| port.checked_add(d))
        .find(|p| free(*p).is_some())
        .or_else(|| free(0).and_then(|l| l.local_addr().ok()).map(|a| a.port()))
}

/// Whether the listener can catch redirects to this callback URL: `http://` on 127.0.0.1
/// (any 127.x.y.z), `[::1]` or `localhost`, with a non-zero port.
pub fn is_loopback_callback(url: &Url) -> bool {
    loopback_addrs(url).is_ok()
}

/// The SSH command that makes ports on this machine reachable from the person's own one when
/// xconnect runs on a remote host, e.g. `ssh -L 8080:127.0.0.1:8080 alice@203.0.113.5`: the
/// port of `callback` when it is a loopback callback (where the listener catches the redirect),
/// and `more`, further ports the browser must reach (the sandbox's emulator, whose page the
/// link opens). `target` is `[-p PORT] USER@HOST` when known (see `browser::ssh_target`);
/// otherwise `user@host` stands there, to fill in. `None` when there is nothing to forward.
pub fn ssh_forward_hint(
    callback: Option<&Url>,
    more: &[u16],
    target: Option<&str>,
) -> Option<String> {
    let mut forwards: Vec<(u16, String)> = Vec::new();
    if let Some(url) = callback.filter(|u| is_loopback_callback(u)) {
        if let (Some(port), Some(host)) = (url.port_or_known_default(), url.host()) {
            let host = match host {
                Host::Domain(_) => "localhost".to_string(),
                Host::Ipv4(ip) => ip.to_string(),
                Host::Ipv6(ip) => format!("[{ip}]"),
            };
            forwards.push((port, host));
        }
    }
    for p in more {
        if !forwards.iter().any(|(q, _)| q == p) {
            forwards.push((*p, "127.0.0.1".to_string()));
        }
    }
    if forwards.is_empty() {
        return None;
    }
    let mut cmd = "ssh".to_string();
    for (port, host) in forwards {
        cmd.push_str(&format!(" -L {port}:{host}:{port}"));
    }
    cmd.push(' ');
    cmd.push_str(target.unwrap_or("user@host"));
    Some(cmd)
}

/// The socket addresses to bind for a loopback callback URL, or why there are none.
fn loopback_addrs(url: &Url) -> Result<Vec<SocketAddr>, &'static str> {
    if url.scheme() != "http" {
        return Err("it is not an http:// address");
    }
    let port = match url.port_or_known_default() {
        Some(0) | None => return Err("it has no usable port"),
        Some(port) => port,
    };
    let ips: Vec<IpAddr> = match url.host() {
        Some(Host::Ipv4(ip)) if ip.is_loopback() => vec![ip.into()],
        Some(Host::Ipv6(ip)) if ip.is_loopback() => vec![ip.into()],
        Some(Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => {
            vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()]
        }
        _ => return Err("its host is not 127.0.0.1, [::1] or localhost"),
    };
    Ok(ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect())
}

/// What to answer to a request, and the redirect URL when it is the accepted callback.
fn decide(request: &Request, callback: &Url, expected_state: &str) -> (Page, Option<String>) {
    if request.path() != callback.path() {
        return (Page::NotFound, None);
    }
    if request.method != "GET" {
        return (Page::MethodNotAllowed, None);
    }
    // The state gates everything, a Cancel redirect included: a stale tab must not end
    // (or be mistaken for) this login attempt.
    let pairs = request.query_pairs();
    let mut states = pairs.iter().filter(|(k, _)| k == "state");
    let state_ok = match (states.next(), states.next()) {
        (Some((_, state)), None) => {
            !expected_state.is_empty() && same_secret(state.as_bytes(), expected_state.as_bytes())
        }
        _ => false,
    };
    if !state_ok {
        return (Page::OtherAttempt, None);
    }
    let mut redirect = callback.clone();
    redirect.set_fragment(None);
    redirect.set_query(request.query());
    let redirect = redirect.to_string();
    match parse_redirect(&redirect, callback, expected_state) {
        Ok(_) => (Page::Authorized, Some(redirect)),
        Err(CallbackError::AccessDenied) => (Page::Denied, Some(redirect)),
        Err(CallbackError::Provider { error, .. }) => (Page::ProviderError(error), Some(redirect)),
        // Right state but no code, a repeated parameter, an absurd length…: keep waiting.
        Err(other) => (Page::Unusable(other.to_string()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::parse::Redirect;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio::task::JoinSet;

    const STATE: &str = "s7ate-XYZ_0123456789";

    /// A callback URL on a port that was free a moment ago, and a listener bound to it.
    async fn bind_free(host: &str, path: &str) -> (Listener, Url) {
        let mut last = None;
        for _ in 0..50 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let url = Url::parse(&format!("http://{host}:{port}{path}")).unwrap();
            match Listener::bind(&url).await {
                Ok(listener) => return (listener, url),
                Err(e) => last = Some(e),
            }
        }
        panic!("no free port: {last:?}");
    }

    fn ipv6_available() -> bool {
        std::net::TcpListener::bind("[::1]:0").is_ok()
    }

    /// Sends raw bytes, half-closes, and returns everything the server answered.
    async fn send_raw(addr: SocketAddr, bytes: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        // The server may answer and close before reading everything (a head too large):
        // what it answered is what matters.
        let _ = stream.write_all(bytes).await;
        let _ = stream.shutdown().await;
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    async fn get(addr: SocketAddr, target: &str) -> String {
        let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: test\r\n\r\n");
        send_raw(addr, request.as_bytes()).await
    }

    fn status(response: &str) -> u16 {
        response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    async fn finish(task: tokio::task::JoinHandle<io::Result<String>>) -> io::Result<String> {
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("listener did not finish in time")
            .unwrap()
    }

    #[tokio::test]
    async fn ignores_other_paths_then_accepts_the_callback() {
        let (listener, url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let task = tokio::spawn(async move { listener.next(STATE).await });

        let r = get(addr, "/favicon.ico").await;
        assert_eq!(status(&r), 404, "{r}");
        assert!(r.contains("Cache-Control: no-store"));
        let r = get(addr, "/").await;
        assert_eq!(status(&r), 404);
        let r = get(addr, "/callback/?code=c&state=s7ate-XYZ_0123456789").await;
        assert_eq!(status(&r), 404, "a trailing slash is another path");
        assert!(!task.is_finished());

        let r = get(addr, &format!("/callback?state={STATE}&code=the%2Dcode")).await;
        assert_eq!(status(&r), 200, "{r}");
        assert!(r.contains("Authorized. You can close this tab and return to the terminal."));
        assert!(r.contains("Cache-Control: no-store"));
        assert!(r.contains("Content-Type: text/html"));

        let redirect = finish(task).await.unwrap();
        assert_eq!(redirect, format!("{url}?state={STATE}&code=the%2Dcode"));
        assert_eq!(
            parse_redirect(&redirect, &url, STATE),
            Ok(Redirect {
                code: "the-code".into(),
                state: STATE.into()
            })
        );
    }

    #[tokio::test]
    async fn wrong_state_is_ignored_right_state_accepted() {
        let (listener, url) = bind_free("127.0.0.1", "/cb").await;
        let addr = listener.local_addrs()[0];
        let task = tokio::spawn(async move { listener.next(STATE).await });

        for target in [
            "/cb?code=old&state=stale".to_string(),
            "/cb?code=old".to_string(),
            "/cb?error=access_denied&state=stale".to_string(),
            format!("/cb?code=x&state={STATE}&state={STATE}"),
        ] {
            let r = get(addr, &target).await;
            assert_eq!(status(&r), 400, "{target}: {r}");
            assert!(r.contains("another login attempt"), "{r}");
        }
        // Right state but unusable: an error page, and still waiting.
        for target in [
            format!("/cb?state={STATE}"),
            format!("/cb?state={STATE}&code=a&code=b"),
        ] {
            let r = get(addr, &target).await;
            assert_eq!(status(&r), 400, "{target}: {r}");
        }
        let r = send_raw(
            addr,
            format!("POST /cb?code=x&state={STATE} HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                .as_bytes(),
        )
        .await;
        assert_eq!(status(&r), 405, "{r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!task.is_finished());

        let r = get(addr, &format!("/cb?code=good&state={STATE}")).await;
        assert_eq!(status(&r), 200, "{r}");
        let redirect = finish(task).await.unwrap();
        assert_eq!(parse_redirect(&redirect, &url, STATE).unwrap().code, "good");
    }

    #[tokio::test]
    async fn access_denied_is_returned() {
        let (listener, url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let task = tokio::spawn(async move { listener.next(STATE).await });
        let r = get(
            addr,
            &format!("/callback?error=access_denied&state={STATE}"),
        )
        .await;
        assert_eq!(status(&r), 200, "{r}");
        assert!(r.contains("Access was not given. Return to the terminal to try again."));
        let redirect = finish(task).await.unwrap();
        assert_eq!(
            parse_redirect(&redirect, &url, STATE),
            Err(CallbackError::AccessDenied)
        );
    }

    #[tokio::test]
    async fn provider_error_is_returned_and_escaped() {
        let (listener, url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let task = tokio::spawn(async move { listener.next(STATE).await });
        let r = get(
            addr,
            &format!("/callback?error=%3Cscript%3Ealert(1)%3C/script%3E&state={STATE}"),
        )
        .await;
        assert_eq!(status(&r), 200, "{r}");
        assert!(!r.contains("<script>"), "{r}");
        assert!(r.contains("&lt;script&gt;"), "{r}");
        let redirect = finish(task).await.unwrap();
        assert!(matches!(
            parse_redirect(&redirect, &url, STATE),
            Err(CallbackError::Provider { .. })
        ));
    }

    #[tokio::test]
    async fn garbage_and_half_written_requests_do_not_stop_it() {
        let (listener, _url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let task = tokio::spawn(async move { listener.next(STATE).await });

        // Half a request, left open: it must not block the others.
        let mut half = TcpStream::connect(addr).await.unwrap();
        half.write_all(b"GET /callb").await.unwrap();
        // A connection that sends nothing at all.
        let _silent = TcpStream::connect(addr).await.unwrap();
        // Connect and go away.
        drop(TcpStream::connect(addr).await.unwrap());

        let mut seed = 0x1234_5678_u64;
        for _ in 0..20 {
            let bytes: Vec<u8> = (0..200)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (seed >> 56) as u8
                })
                .chain(*b"\r\n\r\n")
                .collect();
            let r = send_raw(addr, &bytes).await;
            assert!(r.is_empty() || status(&r) >= 400, "{r}");
        }
        let r = send_raw(addr, b"GET /callback?code=x&state=\x1b[2J HTTP/1.1\r\n\r\n").await;
        assert_eq!(status(&r), 400, "{r}");
        let mut huge = b"GET /callback?code=".to_vec();
        huge.extend(std::iter::repeat_n(b'a', 40_000));
        let r = send_raw(addr, &huge).await;
        // Closing with unread bytes may reset the connection before the 431 is read.
        assert!(r.is_empty() || status(&r) == 431, "{r}");
        // Closed before the request was complete.
        let r = send_raw(addr, b"GET /callback?code=x&state=").await;
        assert!(r.is_empty(), "{r}");
        assert!(!task.is_finished());

        let r = get(addr, &format!("/callback?code=ok&state={STATE}")).await;
        assert_eq!(status(&r), 200, "{r}");
        assert!(finish(task).await.is_ok());
        drop(half);
    }

    #[tokio::test]
    async fn localhost_binds_both_families() {
        let (listener, url) = bind_free("localhost", "/callback").await;
        let addrs = listener.local_addrs();
        let port = url.port().unwrap();
        assert!(
            addrs.contains(&SocketAddr::from((Ipv4Addr::LOCALHOST, port))),
            "{addrs:?}"
        );
        let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, port));
        if ipv6_available() {
            assert!(addrs.contains(&v6), "{addrs:?}");
        } else {
            assert_eq!(addrs.len(), 1, "{addrs:?}");
        }
        let task = tokio::spawn(async move { listener.next(STATE).await });
        let v4 = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        assert_eq!(status(&get(v4, "/favicon.ico").await), 404);
        let via = if ipv6_available() { v6 } else { v4 };
        let r = get(via, &format!("/callback?code=c6&state={STATE}")).await;
        assert_eq!(status(&r), 200, "{r}");
        let redirect = finish(task).await.unwrap();
        assert!(redirect.starts_with(&format!("http://localhost:{port}/callback?")));
        assert_eq!(parse_redirect(&redirect, &url, STATE).unwrap().code, "c6");
    }

    #[tokio::test]
    async fn ipv6_literal_binds_only_ipv6() {
        if !ipv6_available() {
            return;
        }
        let (listener, _url) = bind_free("[::1]", "/cb").await;
        let addrs = listener.local_addrs();
        assert_eq!(addrs.len(), 1);
        assert!(addrs[0].ip().is_loopback() && addrs[0].is_ipv6());
    }

    #[tokio::test]
    async fn ipv4_literal_binds_only_ipv4() {
        let (listener, _url) = bind_free("127.0.0.1", "/cb").await;
        let addrs = listener.local_addrs();
        assert_eq!(addrs.len(), 1);
        assert_eq!(addrs[0].ip(), IpAddr::from(Ipv4Addr::LOCALHOST));
    }

    #[tokio::test]
    async fn port_in_use_is_an_error() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        for host in ["127.0.0.1", "localhost"] {
            let url = Url::parse(&format!("http://{host}:{port}/cb")).unwrap();
            let err = Listener::bind(&url).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{host}: {err}");
            assert!(err.to_string().contains(&port.to_string()));
        }
    }

    #[test]
    fn a_taken_port_gets_a_free_one_instead() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let instead = free_instead(port).expect("another port");
        assert_ne!(instead, port);
        assert!(std::net::TcpListener::bind(("127.0.0.1", instead)).is_ok());
        drop(taken);
        assert_eq!(free_instead(port), None, "free again");
    }

    #[tokio::test]
    async fn non_loopback_callbacks_are_refused() {
        for url in [
            "https://127.0.0.1:8080/callback",
            "http://example.com:8080/callback",
            "http://0.0.0.0:8080/callback",
            "http://[::]:8080/callback",
            "http://192.168.1.10:8080/callback",
            "http://127.0.0.1:0/callback",
            "http://localhost.example.com:8080/callback",
            "https://app.latenode.com/redirected/index.html",
            "com.example.app://callback",
            "file:///tmp/x",
        ] {
            let parsed = Url::parse(url).unwrap();
            assert!(!is_loopback_callback(&parsed), "{url}");
            assert_eq!(ssh_forward_hint(Some(&parsed), &[], None), None, "{url}");
            let err = Listener::bind(&parsed).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{url}");
        }
    }

    #[test]
    fn loopback_detection_and_ssh_hints() {
        let hint = |s: &str| ssh_forward_hint(Some(&Url::parse(s).unwrap()), &[], None);
        // The real login and address, and the sandbox's port too.
        assert_eq!(
            ssh_forward_hint(
                Some(&Url::parse("http://127.0.0.1:8765/callback").unwrap()),
                &[41234, 8765],
                Some("-p 2222 alice@203.0.113.5")
            )
            .as_deref(),
            Some("ssh -L 8765:127.0.0.1:8765 -L 41234:127.0.0.1:41234 -p 2222 alice@203.0.113.5")
        );
        // The sandbox's page alone (a callback elsewhere, or none listened on).
        assert_eq!(
            ssh_forward_hint(
                Some(&Url::parse("https://app.latenode.com/redirected/index.html").unwrap()),
                &[41234],
                None
            )
            .as_deref(),
            Some("ssh -L 41234:127.0.0.1:41234 user@host")
        );
        assert_eq!(ssh_forward_hint(None, &[], None), None);
        assert_eq!(
            hint("http://127.0.0.1:8080/callback").as_deref(),
            Some("ssh -L 8080:127.0.0.1:8080 user@host")
        );
        assert_eq!(
            hint("http://localhost:3000/cb").as_deref(),
            Some("ssh -L 3000:localhost:3000 user@host")
        );
        assert_eq!(
            hint("http://LOCALHOST:3000/cb").as_deref(),
            Some("ssh -L 3000:localhost:3000 user@host")
        );
        assert_eq!(
            hint("http://[::1]:9000/cb").as_deref(),
            Some("ssh -L 9000:[::1]:9000 user@host")
        );
        assert_eq!(
            hint("http://127.0.0.1/cb").as_deref(),
            Some("ssh -L 80:127.0.0.1:80 user@host")
        );
        for ok in [
            "http://127.0.0.1:8080/callback",
            "http://localhost:8080/callback",
            "http://[::1]:8080/",
            "http://127.0.0.1/",
        ] {
            assert!(is_loopback_callback(&Url::parse(ok).unwrap()), "{ok}");
        }
    }

    #[tokio::test]
    async fn only_one_callback_is_accepted() {
        let (listener, _url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let task = tokio::spawn(async move { listener.next(STATE).await });
        let r = get(addr, &format!("/callback?code=first&state={STATE}")).await;
        assert_eq!(status(&r), 200);
        finish(task).await.unwrap();
        let again = TcpStream::connect(addr).await;
        assert!(again.is_err(), "still listening after the callback");
    }

    #[tokio::test]
    async fn dropping_the_future_closes_the_sockets() {
        let (listener, _url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let waited = tokio::time::timeout(Duration::from_millis(50), listener.next(STATE)).await;
        assert!(waited.is_err());
        assert!(TcpStream::connect(addr).await.is_err());

        // Also when the task running it is aborted, as a UI would do on a paste.
        let (listener, _url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let task = tokio::spawn(async move { listener.next(STATE).await });
        tokio::task::yield_now().await;
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(TcpStream::connect(addr).await.is_err());

        // And when the listener is dropped unused.
        let (listener, _url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        drop(listener);
        assert!(TcpStream::connect(addr).await.is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn works_on_a_multi_thread_runtime_with_many_clients() {
        let (listener, url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let task = tokio::spawn(async move { listener.next(STATE).await });
        let mut clients = JoinSet::new();
        for i in 0..30 {
            clients
                .spawn(async move { get(addr, &format!("/callback?code=x&state=stale{i}")).await });
        }
        while let Some(r) = clients.join_next().await {
            assert_eq!(status(&r.unwrap()), 400);
        }
        let r = get(addr, &format!("/callback?code=last&state={STATE}")).await;
        assert_eq!(status(&r), 200);
        let redirect = finish(task).await.unwrap();
        assert_eq!(parse_redirect(&redirect, &url, STATE).unwrap().code, "last");
    }

    #[tokio::test]
    async fn idle_connections_cannot_keep_the_callback_out() {
        let (listener, url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let task = tokio::spawn(async move { listener.next(STATE).await });
        // A local process opens 200 connections and says nothing (or half a request) on them.
        let mut idle = Vec::new();
        for i in 0..200 {
            let mut c = TcpStream::connect(addr).await.unwrap();
            if i % 2 == 0 {
                c.write_all(b"GET /callb").await.unwrap();
            }
            idle.push(c);
        }
        tokio::task::yield_now().await;
        let started = std::time::Instant::now();
        let r = tokio::time::timeout(
            Duration::from_secs(3),
            get(addr, &format!("/callback?code=real&state={STATE}")),
        )
        .await
        .expect("the callback was kept out");
        assert_eq!(status(&r), 200, "{r}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let redirect = finish(task).await.unwrap();
        assert_eq!(parse_redirect(&redirect, &url, STATE).unwrap().code, "real");
        drop(idle);
    }

    #[tokio::test]
    async fn a_silent_connection_is_closed_after_the_head_time_out() {
        let (listener, _url) = bind_free("127.0.0.1", "/callback").await;
        let addr = listener.local_addrs()[0];
        let _task = tokio::spawn(async move { listener.next(STATE).await });
        let mut silent = TcpStream::connect(addr).await.unwrap();
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(
            HEAD_TIMEOUT + Duration::from_secs(2),
            silent.read_to_end(&mut out),
        )
        .await
        .expect("closed by the listener");
        assert!(started.elapsed() >= HEAD_TIMEOUT - Duration::from_millis(100));
    }

    #[test]
    fn decide_keeps_the_query_as_sent() {
        let callback = Url::parse("http://127.0.0.1:8080/callback").unwrap();
        let request = Request {
            method: "GET".into(),
            target: format!("/callback?code=a%26b&state={STATE}"),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let (page, redirect) = decide(&request, &callback, STATE);
        assert_eq!(page, Page::Authorized);
        assert_eq!(
            redirect.as_deref(),
            Some(format!("http://127.0.0.1:8080/callback?code=a%26b&state={STATE}").as_str())
        );
        let (page, redirect) = decide(&request, &callback, "");
        assert_eq!((page, redirect), (Page::OtherAttempt, None));
    }
}
