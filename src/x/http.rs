//! Calls to X over HTTP: the one client and its time-outs, answers read with a cap, X's
//! rate-limit header, transport failures in words, and what is quoted of an answer (never a
//! secret that was sent).

use std::time::Duration;

use super::XError;

/// How long a call to X may take in all (`XCONNECT_TIMEOUT` seconds overrides it), and to
/// connect.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The time-out set for this process: [`set_request_timeout`], once, by the command line.
static TIMEOUT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();

/// The time-out in force: `XCONNECT_TIMEOUT` (whole seconds, 1 to 600) as the command line
/// read it at start, or the default. Read once, not on every request.
pub fn request_timeout() -> Duration {
    TIMEOUT.get().copied().unwrap_or(REQUEST_TIMEOUT)
}

/// Sets the time-out for the rest of the process (the first call wins).
pub fn set_request_timeout(timeout: Duration) {
    let _ = TIMEOUT.set(timeout);
}

/// `XCONNECT_TIMEOUT` as set: `None` when unset or empty, an error saying what is allowed when
/// it is not whole seconds from 1 to 600.
pub fn timeout_setting(env: &crate::settings::Env) -> Result<Option<Duration>, String> {
    parse_timeout(env.get("XCONNECT_TIMEOUT"))
}

fn parse_timeout(value: Option<&std::ffi::OsStr>) -> Result<Option<Duration>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u64>() {
        Ok(s) if (1..=600).contains(&s) => Ok(Some(Duration::from_secs(s))),
        _ => Err(format!(
            "XCONNECT_TIMEOUT={} is not usable: give whole seconds from 1 to 600 (default {})",
            crate::text::escape(text, 40),
            REQUEST_TIMEOUT.as_secs()
        )),
    }
}

/// The one HTTP client: no redirects followed on token calls, timeouts on everything.
/// Made on first use, never on the start-up path (TLS set-up costs).
pub fn http_client() -> Result<reqwest::Client, XError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(request_timeout()))
        .timeout(request_timeout())
        .user_agent(concat!("xconnect/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| XError::Network(e.to_string()))
}

/// Transport failures, and answers that are errors whatever their body (429, 5xx).
#[derive(Debug, thiserror::Error)]
pub enum HttpFailure {
    #[error("HTTP {status}")]
    Status {
        status: u16,
        reset: Option<i64>,
        detail: String,
    },
    #[error("{0}")]
    Transport(reqwest::Error),
    #[error("{0}")]
    Build(String),
    /// An answer that cannot be read; the words say why, without quoting it.
    #[error("{0}")]
    Unreadable(String),
    /// No answer within the time-out (`XCONNECT_TIMEOUT`).
    #[error("no answer in time")]
    TimedOut,
}

impl HttpFailure {
    pub fn into_xerror(self) -> XError {
        match self {
            HttpFailure::Status {
                status: 429, reset, ..
            } => XError::RateLimited { reset },
            HttpFailure::Status { status, detail, .. } => XError::Status { status, detail },
            HttpFailure::Transport(e) => transport(&e),
            HttpFailure::Build(e) | HttpFailure::Unreadable(e) => XError::BadResponse(e),
            HttpFailure::TimedOut => XError::Timeout,
        }
    }
}

/// A transport error in words: timeout, refused, DNS, TLS.
pub fn transport(e: &reqwest::Error) -> XError {
    if e.is_timeout() {
        return XError::Timeout;
    }
    let mut detail = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        detail = s.to_string();
        src = s.source();
    }
    if detail.is_empty() {
        detail = e.to_string();
    }
    let detail = super::error::clean(&detail);
    if e.is_connect() && failed_handshake(e) {
        XError::Tls(detail)
    } else {
        XError::Network(detail)
    }
}

/// Whether a connection failed in the TLS handshake: rustls' own error (a bad certificate, an
/// answer that is not TLS), or the peer hanging up before the handshake ended. Both arrive
/// wrapped in I/O errors, whose `source` skips what they wrap, so those are opened too.
fn failed_handshake(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if err.is::<rustls::Error>() {
            return true;
        }
        next = match err.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => return true,
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static))
                .or_else(|| std::error::Error::source(io)),
            None => err.source(),
        };
    }
    false
}

/// The most read of any answer from X (token, revoke, /2/users/me): X's are a few hundred
/// bytes; a larger one is refused, not read.
pub const MAX_ANSWER: usize = 64 * 1024;

/// An answer's body, at most [`MAX_ANSWER`] bytes: a larger declared length is refused
/// before anything is read, and a body without one is read piece by piece and refused as
/// soon as it passes the limit (the connection is then dropped).
pub async fn read_body(response: reqwest::Response) -> Result<Vec<u8>, HttpFailure> {
    read_capped(response, MAX_ANSWER).await
}

/// An answer's body, at most `limit` bytes (a multiple of 1 KiB), read as [`read_body`] does.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, HttpFailure> {
    let too_large = || {
        let size = if limit >= 1 << 20 {
            format!("{} MiB", limit >> 20)
        } else {
            format!("{} KiB", limit >> 10)
        };
        HttpFailure::Unreadable(format!("the answer is larger than {size}"))
    };
    if response
        .content_length()
        .is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(piece) = response.chunk().await.map_err(HttpFailure::Transport)? {
        if body.len().saturating_add(piece.len()) > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&piece);
    }
    Ok(body)
}

/// X's `x-rate-limit-reset` header (Unix seconds).
pub fn rate_limit_reset(headers: &reqwest::header::HeaderMap) -> Option<i64> {
    headers
        .get("x-rate-limit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// How late a time-out may fire before it counts as a pause: the runtime did not run (the
/// process was stopped, SIGSTOP or a suspended machine) rather than X being slow.
const LATE: Duration = Duration::from_millis(250);

/// How long an answer is still read after a time-out that fired late (see [`LATE`]): an
/// answer that arrived while the process was stopped is waiting whole in the socket, and is
/// read in far less than this.
pub(crate) const ANSWER_GRACE: Duration = Duration::from_secs(2);

/// Runs `call` with the time-out (`XCONNECT_TIMEOUT`), keeping an answer that arrived: when
/// the time-out fires late because the process was stopped while X answered, the answer
/// already received is still read (for [`ANSWER_GRACE`]) instead of thrown away. For the
/// token endpoint that answer holds the only refresh token that works: X rotated it.
pub async fn kept_if_arrived<T>(
    limit: Duration,
    call: impl std::future::Future<Output = Result<T, HttpFailure>>,
) -> Result<T, HttpFailure> {
    let deadline = tokio::time::Instant::now() + limit;
    tokio::pin!(call);
    tokio::select! {
        biased;
        answer = &mut call => return answer,
        () = tokio::time::sleep_until(deadline) => {}
    }
    if tokio::time::Instant::now().saturating_duration_since(deadline) < LATE {
        return Err(HttpFailure::TimedOut);
    }
    tokio::time::timeout(ANSWER_GRACE, call)
        .await
        .unwrap_or(Err(HttpFailure::TimedOut))
}

/// The secrets in an `Authorization` header value: the whole credential, and for Basic the
/// decoded password too.
pub(crate) fn credential_secrets(header: &str) -> Vec<String> {
    use base64::Engine as _;
    let mut out = Vec::new();
    let Some((scheme, credential)) = header.trim().split_once(' ') else {
        return out;
    };
    let credential = credential.trim();
    out.push(credential.to_string());
    if scheme.eq_ignore_ascii_case("basic") {
        if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credential) {
            let decoded = String::from_utf8_lossy(&decoded).into_owned();
            if let Some((_, password)) = decoded.split_once(':') {
                out.push(password.to_string());
                // Id and secret are percent-encoded first (RFC 6749 2.3.1).
                let query = format!("p={password}");
                if let Some((_, p)) = url::form_urlencoded::parse(query.as_bytes()).next() {
                    out.push(p.into_owned());
                }
            }
            out.push(decoded);
        }
    }
    out
}

/// Text with every occurrence of these secrets (4 characters or more) made "…".
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| s.len() >= 4).collect();
    // Longest first: a secret that contains another is hidden whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in secrets {
        if out.contains(s) {
            out = out.replace(s, "…");
        }
    }
    out
}

/// Part of an answer that is not X's, quoted in a message: one clean line, without any
/// secret the request carried, at most 200 characters.
pub(crate) fn quote(body: &[u8], secrets: &[&str]) -> String {
    let text = crate::text::clean(&String::from_utf8_lossy(body));
    crate::text::clean_short(&redact(&text, secrets), 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xconnect_timeout_is_whole_seconds_from_1_to_600_or_refused() {
        use std::ffi::OsStr;
        let parse = |v: &str| parse_timeout(Some(OsStr::new(v)));
        assert_eq!(parse_timeout(None), Ok(None));
        assert_eq!(parse("  "), Ok(None));
        assert_eq!(parse("1"), Ok(Some(Duration::from_secs(1))));
        assert_eq!(parse(" 600 "), Ok(Some(Duration::from_secs(600))));
        for bad in ["0", "601", "-1", "1.5", "2m", "abc", "\u{1b}[2J"] {
            let e = parse(bad).expect_err(bad);
            assert!(e.contains("1 to 600") && !e.contains('\u{1b}'), "{e}");
        }
    }
}
