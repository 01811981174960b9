//! A deliberately small HTTP/1.1 layer: one request per connection, bodies only
//! by `Content-Length`, every response closes the connection.
//!
//! Used by the X emulator and reusable by anything else that needs to catch a
//! single request on a loopback port (an OAuth redirect, for instance).
//!
//! Why this is not hyper (yet), as measured when the loopback listener was hardened:
//! - What hyper would replace is the request reader (`Head` to `read_request`, about 230
//!   lines); `Request`, `Response`, `parse_form` and the listener's accept loop stay in some
//!   form, because the sandbox's routes and the tests are written against them.
//! - The listener's defence against starvation is not something hyper does: hyper has no
//!   connection cap, so closing the oldest idle connection for a new one (see
//!   `callback::listener`) is written around the accept loop either way; hyper's
//!   `header_read_timeout` would only replace `Limits::timeout`.
//! - hyper's server half is not compiled today: reqwest enables only `client` and `http1`.
//!   The `server` feature adds `httpdate` (absent from Cargo.lock) and changes hyper's
//!   features, so hyper, hyper-util, hyper-rustls, reqwest and oauth2 all rebuild; hyper and
//!   hyper-util alone build in about 7 s (debug, one job), so build time is not the obstacle.
//!
//! The swap is worth doing in one piece with the sandbox's server, whose routes are being
//! reworked elsewhere; done here alone it would leave two HTTP layers.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

pub use crate::text::escape_html;

/// Largest request head (request line + headers + blank line) accepted.
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: MAX_HEAD,
            max_body: MAX_BODY,
            timeout: READ_TIMEOUT,
        }
    }
}

/// A parsed request. Header names keep their original spelling; look them up
/// with [`Request::header`], which ignores case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent, e.g. `/callback?code=abc&state=xyz`.
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

/// Request head as returned by [`parse_head`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// Value of `Content-Length`, 0 when absent.
    pub content_length: usize,
}

/// Why a request could not be read. [`HttpError::response`] gives the answer
/// to send, if any.
#[derive(Debug)]
pub enum HttpError {
    /// The peer closed the connection before a whole request arrived.
    Closed,
    /// The request did not arrive within the time limit (408).
    Timeout,
    /// The head is larger than allowed (431).
    HeadTooLarge,
    /// The declared body is larger than allowed (413).
    BodyTooLarge,
    /// Not a request this server understands (400).
    Malformed(&'static str),
    /// Reading failed.
    Io(std::io::Error),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Closed => f.write_str("connection closed before a complete request"),
            HttpError::Timeout => f.write_str("request not received in time"),
            HttpError::HeadTooLarge => f.write_str("request head too large"),
            HttpError::BodyTooLarge => f.write_str("request body too large"),
            HttpError::Malformed(why) => write!(f, "malformed request: {why}"),
            HttpError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl HttpError {
    /// HTTP status to answer with, or `None` when the connection should just be dropped.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Closed | HttpError::Io(_) => None,
            HttpError::Timeout => Some(408),
            HttpError::HeadTooLarge => Some(431),
            HttpError::BodyTooLarge => Some(413),
            HttpError::Malformed(_) => Some(400),
        }
    }

    /// A plain-text response for this error, or `None` when nothing should be sent.
    pub fn response(&self) -> Option<Response> {
        self.status()
            .map(|s| Response::text(s, format!("{}\n", reason_phrase(s))))
    }
}

/// Index just past the blank line that ends the head, if it is in `buf`.
/// Accepts CRLF and bare LF line endings.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    for (i, &b) in buf.iter().enumerate() {
        if b == b'\n' {
            let line = &buf[line_start..i];
            if line.is_empty() || line == b"\r" {
                return Some(i + 1);
            }
            line_start = i + 1;
        }
    }
    None
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Parses a request head from the start of `buf`.
///
/// Returns `Ok(None)` while the head is incomplete, `Ok(Some((head, len)))` once
/// it is complete (`len` bytes were used; the body starts there), or an error
/// when the bytes can never form an acceptable head.
pub fn parse_head(buf: &[u8], limits: &Limits) -> Result<Option<(Head, usize)>, HttpError> {
    let end = match find_head_end(buf) {
        Some(end) => end,
        None if buf.len() > limits.max_head => return Err(HttpError::HeadTooLarge),
        None => return Ok(None),
    };
    if end > limits.max_head {
        return Err(HttpError::HeadTooLarge);
    }
    let text = std::str::from_utf8(&buf[..end])
        .map_err(|_| HttpError::Malformed("request head is not UTF-8"))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));

    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(HttpError::Malformed("bad request line")),
    };
    if !is_token(method) {
        return Err(HttpError::Malformed("bad method"));
    }
    if target.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(HttpError::Malformed("bad request target"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(HttpError::Malformed("unsupported HTTP version"));
    }

    let mut headers = Vec::new();
    let mut content_length: Option<usize> = None;
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            return Err(HttpError::Malformed("folded header line"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(HttpError::Malformed("header line without colon"))?;
        if !is_token(name) {
            return Err(HttpError::Malformed("bad header name"));
        }
        let value = value.trim_matches([' ', '\t']);
        if value.bytes().any(|b| (b < b' ' && b != b'\t') || b == 0x7f) {
            return Err(HttpError::Malformed("control character in header value"));
        }
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(HttpError::Malformed("transfer-encoding is not supported"));
        }
        if name.eq_ignore_ascii_case("content-length") {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(HttpError::Malformed("bad content-length"));
            }
            // More digits than any acceptable length: too large, not malformed.
            let n = value.parse::<usize>().unwrap_or(usize::MAX);
            if content_length.is_some_and(|prev| prev != n) {
                return Err(HttpError::Malformed("conflicting content-length"));
            }
            content_length = Some(n);
        }
        headers.push((name.to_string(), value.to_string()));
    }
    let content_length = content_length.unwrap_or(0);
    if content_length > limits.max_body {
        return Err(HttpError::BodyTooLarge);
    }
    Ok(Some((
        Head {
            method: method.to_string(),
            target: target.to_string(),
            headers,
            content_length,
        },
        end,
    )))
}

/// Parses a complete request held in memory (head and whole body).
pub fn parse_request(buf: &[u8], limits: &Limits) -> Result<Request, HttpError> {
    let (head, used) = parse_head(buf, limits)?.ok_or(HttpError::Closed)?;
    let rest = &buf[used..];
    if rest.len() < head.content_length {
        return Err(HttpError::Closed);
    }
    Ok(Request {
        method: head.method,
        target: head.target,
        headers: head.headers,
        body: rest[..head.content_length].to_vec(),
    })
}

/// Reads one request from `reader` within `limits.timeout`.
pub async fn read_request<R: AsyncRead + Unpin>(
    reader: &mut R,
    limits: &Limits,
) -> Result<Request, HttpError> {
    match tokio::time::timeout(limits.timeout, read_request_inner(reader, limits)).await {
        Ok(result) => result,
        Err(_) => Err(HttpError::Timeout),
    }
}

async fn read_request_inner<R: AsyncRead + Unpin>(
    reader: &mut R,
    limits: &Limits,
) -> Result<Request, HttpError> {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let (head, used) = loop {
        if let Some(found) = parse_head(&buf, limits)? {
            break found;
        }
        let n = reader.read(&mut chunk).await.map_err(HttpError::Io)?;
        if n == 0 {
            return Err(HttpError::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let mut body = buf.split_off(used);
    while body.len() < head.content_length {
        let want = (head.content_length - body.len()).min(chunk.len());
        let n = reader
            .read(&mut chunk[..want])
            .await
            .map_err(HttpError::Io)?;
        if n == 0 {
            return Err(HttpError::Closed);
        }
        body.extend_from_slice(&chunk[..n]);
    }
    // Anything past the declared body (a pipelined request) is ignored: the
    // connection is closed after one response.
    body.truncate(head.content_length);
    Ok(Request {
        method: head.method,
        target: head.target,
        headers: head.headers,
        body,
    })
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

/// A response; always serialised with `Content-Length` and `Connection: close`.
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

    /// `302 Found` to `location`. The caller guarantees `location` has no CR/LF.
    pub fn redirect(location: &str) -> Response {
        Response {
            status: 302,
            headers: vec![("Location".to_string(), location.to_string())],
            body: Vec::new(),
        }
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

    /// The bytes sent on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        for (name, value) in &self.headers {
            // Never let a value break the framing.
            let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
            head.push_str(name);
            head.push_str(": ");
            head.push_str(&value);
            head.push_str("\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        head.push_str("Connection: close\r\n\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }

    /// Writes the response and flushes.
    pub async fn write_to<W: AsyncWrite + Unpin>(&self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(&self.to_bytes()).await?;
        writer.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn parses_a_simple_get() {
        let raw = b"GET /callback?code=a%20b&state=x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        let req = parse_request(raw, &limits()).unwrap();
        assert_eq!(req.method, "GET");
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
        assert!(req.body.is_empty());
    }

    #[test]
    fn parses_a_form_post_with_bare_lf() {
        let raw = b"POST /t HTTP/1.1\nContent-Length: 7\n\na=1&b=2EXTRA";
        let req = parse_request(raw, &limits()).unwrap();
        assert_eq!(req.body, b"a=1&b=2");
        assert_eq!(req.form().len(), 2);
    }

    #[test]
    fn incomplete_head_asks_for_more() {
        assert!(parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n", &limits())
            .unwrap()
            .is_none());
    }

    #[test]
    fn rejects_malformed_heads() {
        let cases: &[&[u8]] = &[
            b"GET /\r\n\r\n",
            b"GET / HTTP/1.1 extra\r\n\r\n",
            b"GET / HTTP/2.0\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: \xff\r\n\r\n",
            b"\r\n\r\n",
        ];
        for raw in cases {
            let err = parse_head(raw, &limits()).unwrap_err();
            assert_eq!(
                err.status(),
                Some(400),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn enforces_size_limits() {
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        assert_eq!(parse_head(&big, &limits()).unwrap_err().status(), Some(431));
        let raw = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert_eq!(
            parse_head(raw.as_bytes(), &limits()).unwrap_err().status(),
            Some(413)
        );
        let raw = b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n";
        assert_eq!(parse_head(raw, &limits()).unwrap_err().status(), Some(413));
    }

    #[tokio::test]
    async fn reads_from_a_stream_in_pieces() {
        let (mut client, mut server) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            for piece in [
                &b"POST /x HT"[..],
                b"TP/1.1\r\nContent-Le",
                b"ngth: 3\r\n\r",
                b"\nab",
                b"c",
            ] {
                client.write_all(piece).await.unwrap();
                tokio::task::yield_now().await;
            }
            client
        });
        let req = read_request(&mut server, &limits()).await.unwrap();
        assert_eq!(req.body, b"abc");
        drop(writer.await.unwrap());
    }

    #[tokio::test]
    async fn early_close_and_timeout() {
        let mut empty: &[u8] = b"";
        assert!(matches!(
            read_request(&mut empty, &limits()).await,
            Err(HttpError::Closed)
        ));
        let mut short: &[u8] = b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
        assert!(matches!(
            read_request(&mut short, &limits()).await,
            Err(HttpError::Closed)
        ));
        let (_client, mut server) = tokio::io::duplex(64);
        let quick = Limits {
            timeout: Duration::from_millis(50),
            ..Limits::default()
        };
        let err = read_request(&mut server, &quick).await.unwrap_err();
        assert_eq!(err.status(), Some(408));
    }

    #[test]
    fn response_framing() {
        let bytes = Response::redirect("http://x/cb?code=1")
            .with_header("X-Evil", "a\r\nInjected: 1")
            .to_bytes();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 302 Found\r\n"));
        assert!(text.contains("Location: http://x/cb?code=1\r\n"));
        assert!(text.contains("X-Evil: aInjected: 1\r\n"));
        assert!(text.ends_with("Content-Length: 0\r\nConnection: close\r\n\r\n"));
    }
}
