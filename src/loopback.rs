//! Serving HTTP/1.1 on a loopback port, for the callback listener and the X emulator: hyper
//! reads requests and writes answers; this module adds what hyper leaves to its user.
//!
//! - A cap on connections: when [`Options::max_connections`] are open, a new one closes the
//!   oldest that has not sent a request yet (a browser sends its request at once, so idle
//!   connections opened by another local program cannot keep the real callback out). Without
//!   an idle one to close, the new connection is closed instead.
//! - Time limits: the head within [`Limits::timeout`] (hyper's `header_read_timeout`), the body
//!   within the same time from the start of the connection (408).
//! - Size limits: a head of at most [`Limits::max_head`] (hyper answers 431), a body of at most
//!   [`Limits::max_body`] (413, refused before it is read), framed by `Content-Length` only.
//! - One request per connection: every answer closes it.
//! - The small owned [`Request`] and [`Response`] the routes are written against.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Largest request head (request line + headers + blank line) accepted. hyper counts it by its
/// read buffer, whose least size is 8 KiB.
pub const MAX_HEAD: usize = 16 * 1024;
/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;
/// Time allowed to receive one whole request.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Bounds applied while reading a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_head: usize,
    pub max_body: usize,
    pub timeout: Duration,
    /// Paths under this prefix may send bodies up to this size instead (the emulator's media
    /// uploads).
    pub large_bodies: Option<(&'static str, usize)>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: MAX_HEAD,
            max_body: MAX_BODY,
            timeout: READ_TIMEOUT,
            large_bodies: None,
        }
    }
}

impl Limits {
    /// The largest body a request to `path` may send.
    fn max_body_for(&self, path: &str) -> usize {
        match self.large_bodies {
            Some((prefix, max)) if path.starts_with(prefix) => max,
            _ => self.max_body,
        }
    }
}

/// How a server serves its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub limits: Limits,
    /// Connections served at the same time (see the module's notes).
    pub max_connections: usize,
    /// Accept errors in a row (other than a peer giving up) before [`serve`] gives up.
    pub max_accept_errors: u32,
    /// After answering, how long to keep reading (and discarding) what the client still sends,
    /// so the kernel does not reset the connection under an answer the client has not read
    /// yet (an answer to a request that was not read whole: 413, 431).
    pub linger: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            max_connections: 64,
            max_accept_errors: u32::MAX,
            linger: None,
        }
    }
}

/// At most this much is read while lingering.
const LINGER_BYTES: usize = 256 * 1024;

/// A request as read. Header names keep their original spelling only in case; look them up
/// with [`Request::header`], which ignores case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target's path and query as sent, e.g. `/callback?code=abc&state=xyz`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The target without its query (and without any fragment).
    pub fn path(&self) -> &str {
        let end = self.target.find(['?', '#']).unwrap_or(self.target.len());
        &self.target[..end]
    }

    /// The raw query string (after `?`, before any `#`), if there is one.
    pub fn query(&self) -> Option<&str> {
        let start = self.target.find('?')? + 1;
        let rest = &self.target[start..];
        Some(rest.split('#').next().unwrap_or(rest))
    }

    /// Query parameters, percent-decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_form(self.query().unwrap_or("").as_bytes())
    }

    /// Body parsed as `application/x-www-form-urlencoded`, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        parse_form(&self.body)
    }
}

/// Decodes `application/x-www-form-urlencoded` data (also used for queries).
pub fn parse_form(data: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The standard reason phrase for a status ("Unknown" for one without).
pub fn reason_phrase(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}

/// An answer; always sent with `Content-Length` and `Connection: close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
        }
    }

    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response::new(status, "text/plain; charset=utf-8", body.into())
    }

    pub fn html(status: u16, body: impl Into<String>) -> Response {
        Response::new(status, "text/html; charset=utf-8", body.into())
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::new(status, "application/json", value.to_string())
    }

    /// RFC 7807 `application/problem+json`.
    pub fn problem_json(status: u16, value: &serde_json::Value) -> Response {
        Response::new(status, "application/problem+json", value.to_string())
    }

    /// `302 Found` to `location`.
    pub fn redirect(location: &str) -> Response {
        Response {
            status: 302,
            headers: vec![("Location".to_string(), location.to_string())],
            body: Vec::new(),
        }
    }

    /// The status's reason phrase as plain text (an answer to a request that could not be read).
    pub fn status_text(status: u16) -> Response {
        Response::text(status, format!("{}\n", reason_phrase(status)))
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The answer as hyper sends it. A header that cannot be sent as it is (a CR or LF in its
    /// value, a name that is not a token) loses those characters, or is left out: it never
    /// breaks the framing.
    fn into_hyper(self) -> hyper::Response<Full<Bytes>> {
        let mut out = hyper::Response::new(Full::new(Bytes::from(self.body)));
        *out.status_mut() = hyper::StatusCode::from_u16(self.status)
            .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        let headers = out.headers_mut();
        for (name, value) in self.headers {
            let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
            if let (Ok(name), Ok(value)) = (
                hyper::header::HeaderName::from_bytes(name.as_bytes()),
                hyper::header::HeaderValue::from_str(&value),
            ) {
                headers.append(name, value);
            }
        }
        headers.insert(
            hyper::header::CONNECTION,
            hyper::header::HeaderValue::from_static("close"),
        );
        out
    }
}

/// A connection being served: its task, and whether its request has arrived (it is then
/// being answered, not idle).
struct Connection {
    id: tokio::task::Id,
    abort: tokio::task::AbortHandle,
    answered: Arc<AtomicBool>,
}

/// Serves every connection on `sockets` with `handle` until an answer comes with a value
/// (`Some`), then returns that value once its answer has been sent. Each connection is served
/// on its own task, so a slow or garbled one holds up no other. Returns an error after
/// [`Options::max_accept_errors`] failed accepts in a row (out of file descriptors, say).
/// When this returns, or when the future is dropped, connections still being served are
/// abandoned; the sockets are the caller's.
pub async fn serve<T, H, F>(sockets: &[TcpListener], options: Options, handle: H) -> io::Result<T>
where
    T: Send + 'static,
    H: Fn(Request) -> F + Send + Sync + 'static,
    F: Future<Output = (Response, Option<T>)> + Send + 'static,
{
    let handle = Arc::new(handle);
    let mut tasks: JoinSet<Option<T>> = JoinSet::new();
    // Oldest first.
    let mut open: VecDeque<Connection> = VecDeque::new();
    let mut errors_in_a_row = 0u32;
    loop {
        tokio::select! {
            accepted = accept_any(sockets) => match accepted {
                Ok(stream) => {
                    errors_in_a_row = 0;
                    if open.len() >= options.max_connections {
                        let idle = open.iter().position(|c| !c.answered.load(Ordering::Acquire));
                        match idle.and_then(|i| open.remove(i)) {
                            Some(oldest) => oldest.abort.abort(),
                            // Every one is being answered: they end within the time-out.
                            None => {
                                drop(stream);
                                continue;
                            }
                        }
                    }
                    let answered = Arc::new(AtomicBool::new(false));
                    let abort = tasks.spawn(connection(
                        stream,
                        options,
                        Arc::clone(&handle),
                        Arc::clone(&answered),
                    ));
                    open.push_back(Connection { id: abort.id(), abort, answered });
                }
                Err(e) if is_peer_gone(&e) => {}
                Err(e) => {
                    errors_in_a_row = errors_in_a_row.saturating_add(1);
                    if errors_in_a_row >= options.max_accept_errors {
                        return Err(e);
                    }
                    // Wait for connections to end instead of spinning.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let id = match &done {
                    Ok((id, _)) => *id,
                    Err(e) => e.id(),
                };
                open.retain(|c| c.id != id);
                if let Ok((_, Some(value))) = done {
                    return Ok(value);
                }
            }
        }
    }
}

/// The next connection on any of the sockets.
async fn accept_any(sockets: &[TcpListener]) -> io::Result<TcpStream> {
    poll_fn(|cx| {
        for socket in sockets {
            if let Poll::Ready(result) = socket.poll_accept(cx) {
                return Poll::Ready(result.map(|(stream, _)| stream));
            }
        }
        Poll::Pending
    })
    .await
}

fn is_peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// Serves one connection: one request, one answer, then the connection is closed.
async fn connection<T, H, F>(
    mut stream: TcpStream,
    options: Options,
    handle: Arc<H>,
    answered: Arc<AtomicBool>,
) -> Option<T>
where
    H: Fn(Request) -> F,
    F: Future<Output = (Response, Option<T>)>,
{
    let limits = options.limits;
    let deadline = tokio::time::Instant::now() + limits.timeout;
    let value: Mutex<Option<T>> = Mutex::new(None);
    let service = hyper::service::service_fn(|request: hyper::Request<Incoming>| {
        let (handle, value, answered) = (&handle, &value, &answered);
        async move {
            let read = read(request, &limits, deadline).await;
            // Idle until the whole request is in: one that sends its head and then holds back
            // its body can still be closed for a newcomer.
            answered.store(true, Ordering::Release);
            let response = match read {
                Ok(request) => {
                    let (response, got) = (handle.as_ref())(request).await;
                    *value.lock().unwrap_or_else(|e| e.into_inner()) = got;
                    response
                }
                Err(response) => response,
            };
            Ok::<_, Infallible>(response.into_hyper())
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.timeout)
        .max_buf_size(limits.max_head.max(8192))
        .keep_alive(false)
        // The client may close its side once its request is sent: the answer still goes out.
        .half_close(true)
        .title_case_headers(true)
        .serve_connection(TokioIo::new(&mut stream), service)
        .await;
    if let Some(linger) = options.linger {
        let _ = stream.shutdown().await;
        let mut sink = [0u8; 4096];
        let _ = tokio::time::timeout(linger, async {
            let mut total = 0;
            while total < LINGER_BYTES {
                match stream.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => total += n,
                }
            }
        })
        .await;
    }
    value.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The request with its body, or the answer that says why it cannot be read: a body not framed
/// by `Content-Length` or a header that is not UTF-8 (400), a body too large (413) or too slow
/// (408).
async fn read(
    request: hyper::Request<Incoming>,
    limits: &Limits,
    deadline: tokio::time::Instant,
) -> Result<Request, Response> {
    let (head, body) = request.into_parts();
    // Bodies come framed by `Content-Length` only, as every client of these servers sends them.
    if head.headers.contains_key(hyper::header::TRANSFER_ENCODING) {
        return Err(Response::status_text(400));
    }
    let declared = head
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let max_body = limits.max_body_for(head.uri.path());
    if declared.is_some_and(|n| n > max_body as u64) {
        return Err(Response::status_text(413));
    }
    let mut headers = Vec::with_capacity(head.headers.len());
    for (name, value) in &head.headers {
        let value = value.to_str().map_err(|_| Response::status_text(400))?;
        headers.push((name.as_str().to_string(), value.to_string()));
    }
    let target = head
        .uri
        .path_and_query()
        .map_or_else(|| head.uri.path().to_string(), |p| p.as_str().to_string());
    let body = match tokio::time::timeout_at(deadline, Limited::new(body, max_body).collect()).await
    {
        Err(_) => return Err(Response::status_text(408)),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return Err(Response::status_text(413))
        }
        // The connection broke; this answer is not delivered.
        Ok(Err(_)) => return Err(Response::status_text(400)),
        Ok(Ok(body)) => body.to_bytes().to_vec(),
    };
    Ok(Request {
        method: head.method.as_str().to_string(),
        target,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_into_path_and_query() {
        let req = Request {
            method: "GET".into(),
            target: "/callback?code=a%20b&state=x#frag".into(),
            headers: vec![("Host".into(), "127.0.0.1".into())],
            body: b"a=1&b=2".to_vec(),
        };
        assert_eq!(req.path(), "/callback");
        assert_eq!(req.query(), Some("code=a%20b&state=x"));
        assert_eq!(
            req.query_pairs(),
            vec![
                ("code".to_string(), "a b".to_string()),
                ("state".to_string(), "x".to_string())
            ]
        );
        assert_eq!(req.header("HOST"), Some("127.0.0.1"));
        assert_eq!(req.form().len(), 2);
    }

    #[test]
    fn a_header_never_breaks_the_framing() {
        let r = Response::redirect("http://x/cb?code=1")
            .with_header("X-Evil", "a\r\nInjected: 1")
            .with_header("Bad Name", "x")
            .into_hyper();
        assert_eq!(r.status(), 302);
        assert_eq!(r.headers()["location"], "http://x/cb?code=1");
        assert_eq!(r.headers()["x-evil"], "aInjected: 1");
        assert!(r.headers().get("injected").is_none());
        assert_eq!(r.headers()["connection"], "close");
        assert_eq!(r.headers().len(), 3);
    }

    /// A server answering every request with its method, path and body, on a free port.
    async fn echo(options: Options) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
        let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = serve::<Infallible, _, _>(&[socket], options, |r: Request| async move {
                let text = format!(
                    "{} {} {}",
                    r.method,
                    r.path(),
                    String::from_utf8_lossy(&r.body)
                );
                (Response::text(200, text), None)
            })
            .await;
        });
        (addr, task)
    }

    async fn exchange(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(bytes).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn one_request_per_connection_with_its_body() {
        let (addr, task) = echo(Options::default()).await;
        let r = exchange(
            addr,
            b"POST /t?x=1 HTTP/1.1\r\nContent-Length: 7\r\n\r\na=1&b=2",
        )
        .await;
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(r.contains("Connection: close\r\n"), "{r}");
        assert!(r.contains("Content-Length: 15\r\n"), "{r}");
        assert!(r.ends_with("\r\n\r\nPOST /t a=1&b=2"), "{r}");
        task.abort();
    }

    #[tokio::test]
    async fn a_slow_body_is_408_and_a_large_one_413() {
        let options = Options {
            limits: Limits {
                timeout: Duration::from_millis(300),
                ..Limits::default()
            },
            ..Options::default()
        };
        let (addr, task) = echo(options).await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
            .await
            .unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
        let r = String::from_utf8_lossy(&out);
        assert!(r.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{r}");
        let r = exchange(
            addr,
            format!(
                "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
                MAX_BODY + 1
            )
            .as_bytes(),
        )
        .await;
        assert!(r.starts_with("HTTP/1.1 413 Payload Too Large\r\n"), "{r}");
        // Silence: closed after the time-out, without an answer.
        let r = exchange(addr, b"").await;
        assert_eq!(r, "");
        task.abort();
    }

    #[tokio::test]
    async fn idle_connections_make_room_for_a_request() {
        let options = Options {
            max_connections: 4,
            ..Options::default()
        };
        let (addr, task) = echo(options).await;
        let mut idle = Vec::new();
        for i in 0..20 {
            let mut c = TcpStream::connect(addr).await.unwrap();
            // Nothing, half a head, or a head whose body never comes.
            let sent: &[u8] = match i % 3 {
                0 => b"",
                1 => b"GET /hal",
                _ => b"POST /slow HTTP/1.1\r\nContent-Length: 100\r\n\r\nab",
            };
            c.write_all(sent).await.unwrap();
            idle.push(c);
        }
        tokio::task::yield_now().await;
        let r = tokio::time::timeout(
            Duration::from_secs(3),
            exchange(addr, b"GET /real HTTP/1.1\r\n\r\n"),
        )
        .await
        .expect("kept out");
        assert!(r.ends_with("GET /real "), "{r}");
        // The oldest idle ones were closed.
        let mut closed = 0;
        for c in &mut idle {
            let mut b = [0u8; 1];
            if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(50), c.read(&mut b)).await
            {
                closed += 1;
            }
        }
        assert!(closed >= 16, "{closed}");
        task.abort();
    }

    #[test]
    fn reason_phrases_are_the_standard_ones() {
        assert_eq!(reason_phrase(404), "Not Found");
        assert_eq!(reason_phrase(431), "Request Header Fields Too Large");
        assert_eq!(reason_phrase(599), "Unknown");
        assert_eq!(Response::status_text(408).body, b"Request Timeout\n");
    }
}
