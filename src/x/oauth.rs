//! OAuth 2.0 Authorization Code + PKCE against X, with the `oauth2` crate: the authorization
//! URL, the code exchange, refresh and revocation. Client authentication follows the app
//! type: confidential → HTTP Basic with id and secret; public → `client_id` in the body.

use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AccessToken, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, TokenUrl,
};
use serde_json::{Map, Value};

use super::error::TokenRequest;
use super::{Endpoints, XError};
use crate::app::AppConfig;
use crate::secret::Secret;

/// How long a call to X may take in all (`XCONNECT_TIMEOUT` seconds overrides it), and to
/// connect.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The time-out in force: `XCONNECT_TIMEOUT` (whole seconds, 1 to 600) or the default. The
/// program refuses to start with an unusable value (see [`timeout_setting`]), so the default
/// here only stands in for a value that was checked already.
pub fn request_timeout() -> Duration {
    timeout_setting().ok().flatten().unwrap_or(REQUEST_TIMEOUT)
}

/// `XCONNECT_TIMEOUT` as set: `None` when unset or empty, an error saying what is allowed when
/// it is not whole seconds from 1 to 600.
pub fn timeout_setting() -> Result<Option<Duration>, String> {
    parse_timeout(std::env::var_os("XCONNECT_TIMEOUT").as_deref())
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

/// One authorization attempt: the URL to open, and what its answer is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub url: String,
    pub state: String,
    pub verifier: Secret,
}

/// What X hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub token_type: String,
    /// Space-separated, as granted (may be fewer than asked).
    pub scope: String,
    pub expires_in: Option<Duration>,
}

/// The access token's lifetime when X does not give a usable one (X's is 2 hours).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(7200);
/// The longest lifetime believed: a longer `expires_in` is cut to this.
pub const MAX_LIFETIME: Duration = Duration::from_secs(365 * 86_400);

impl Tokens {
    /// When the access token expires: `now` plus its lifetime, cut to [`MAX_LIFETIME`] (no
    /// arithmetic on X's number can overflow).
    pub fn expires_at(&self, now: time::OffsetDateTime) -> time::OffsetDateTime {
        let secs = self
            .expires_in
            .unwrap_or(DEFAULT_LIFETIME)
            .min(MAX_LIFETIME)
            .as_secs();
        i64::try_from(secs)
            .ok()
            .and_then(|s| now.checked_add(time::Duration::seconds(s)))
            .unwrap_or(now)
    }
}

/// A token answer as read: the tokens, and what was wrong with it and repaired (one
/// sentence each, clean: for a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub tokens: Tokens,
    pub notes: Vec<String>,
}

/// X's token answer as the `oauth2` crate hands it over: any JSON object. Its fields are read
/// by [`read_answer`], which tolerates what the crate's own type refuses (an `expires_in`
/// that is a string, negative, fractional or huge), so a rotated refresh token is never
/// dropped over a detail.
#[derive(Debug, Clone)]
struct RawAnswer {
    fields: Map<String, Value>,
    access_token: AccessToken,
    token_type: BasicTokenType,
}

impl<'de> serde::Deserialize<'de> for RawAnswer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = Map::deserialize(d)?;
        Ok(RawAnswer {
            fields,
            access_token: AccessToken::new(String::new()),
            token_type: BasicTokenType::Bearer,
        })
    }
}

impl serde::Serialize for RawAnswer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.fields.serialize(s)
    }
}

impl oauth2::TokenResponse for RawAnswer {
    type TokenType = BasicTokenType;
    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        None
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        None
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        None
    }
}

/// Which grant an answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    Code,
    Refresh,
}

/// A non-empty string field.
fn text_field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Reads a token answer. An answer to a refresh that carries a refresh token is always
/// taken, whatever else is wrong with it (X has already retired the old refresh token):
/// no access token becomes an empty one, for the caller to refuse to print. Otherwise an
/// answer without `access_token` or `token_type` is refused, as RFC 6749 says.
fn read_answer(fields: &Map<String, Value>, grant: Grant) -> Result<Answer, XError> {
    let refresh_token = text_field(fields, "refresh_token").map(Secret::new);
    let rotated = grant == Grant::Refresh && refresh_token.is_some();
    let mut notes = Vec::new();
    let access_token = match text_field(fields, "access_token") {
        Some(a) => Secret::new(a),
        None if rotated => {
            notes.push("X's answer has a new refresh token but no access token".to_string());
            Secret::new("")
        }
        None => return Err(missing_field(fields, "access_token")),
    };
    if !rotated && text_field(fields, "token_type").is_none() {
        return Err(missing_field(fields, "token_type"));
    }
    let scope = match fields.get("scope") {
        Some(Value::String(s)) => crate::text::clean(s),
        Some(Value::Array(items)) => crate::text::clean(
            &items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => String::new(),
    };
    let (expires_in, note) = lifetime(fields.get("expires_in"));
    notes.extend(note);
    Ok(Answer {
        tokens: Tokens {
            access_token,
            refresh_token,
            token_type: "bearer".into(),
            scope,
            expires_in,
        },
        notes,
    })
}

fn missing_field(fields: &Map<String, Value>, name: &str) -> XError {
    XError::BadResponse(if fields.contains_key(name) {
        format!("the token response has a value of the wrong kind at {name}")
    } else {
        format!("the token response has no {name}")
    })
}

/// The access token's lifetime from `expires_in`: a whole number of seconds, also when X
/// sends it as a string or with a fraction; cut to 0..=[`MAX_LIFETIME`]. `None` (then
/// [`DEFAULT_LIFETIME`]) when it is missing or not a number. The note says what was changed.
fn lifetime(value: Option<&Value>) -> (Option<Duration>, Option<String>) {
    let max = MAX_LIFETIME.as_secs();
    let (seconds, shown): (Option<f64>, String) = match value {
        None | Some(Value::Null) => return (None, None),
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                if u <= max {
                    return (Some(Duration::from_secs(u)), None);
                }
            }
            (n.as_f64(), n.to_string())
        }
        Some(Value::String(s)) => (
            s.trim().parse::<f64>().ok(),
            format!("{:?}", crate::text::clean_short(s, 24)),
        ),
        Some(other) => (None, crate::text::clean_short(&other.to_string(), 24)),
    };
    let shown = crate::text::clean_short(&shown, 30);
    match seconds {
        Some(s) if s.is_finite() && s < 0.0 => (
            Some(Duration::ZERO),
            Some(format!(
                "X gave the access token a lifetime of {shown} seconds; it is taken as expired"
            )),
        ),
        Some(s) if s.is_finite() && s <= max as f64 => {
            (Some(Duration::from_secs_f64(s.floor())), None)
        }
        Some(s) if !s.is_nan() => (
            Some(MAX_LIFETIME),
            Some(format!(
                "X gave the access token a lifetime of {shown} seconds; xconnect counts one year at most"
            )),
        ),
        _ => (
            None,
            Some(format!(
                "X gave the access token a lifetime xconnect cannot read ({shown}); it counts 2 hours"
            )),
        ),
    }
}

type Client = oauth2::Client<
    BasicErrorResponse,
    RawAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

fn client(app: &AppConfig, endpoints: &Endpoints) -> Result<Client, XError> {
    let bad = |what: &str, e: String| XError::BadResponse(format!("{what}: {e}"));
    let mut c = oauth2::Client::new(ClientId::new(app.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(endpoints.authorize()).map_err(|e| bad("authorize URL", e.to_string()))?,
        )
        .set_token_uri(
            TokenUrl::new(endpoints.token()).map_err(|e| bad("token URL", e.to_string()))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(app.callback_url.clone())
                .map_err(|e| bad("callback URL", e.to_string()))?,
        )
        .set_auth_type(AuthType::RequestBody);
    if let Some(secret) = &app.client_secret {
        c = c
            .set_client_secret(ClientSecret::new(secret.expose().to_string()))
            .set_auth_type(AuthType::BasicAuth);
    }
    Ok(c)
}

/// A new attempt: fresh PKCE (S256) verifier and a random `state`.
pub fn authorization(app: &AppConfig, endpoints: &Endpoints) -> Result<Pending, XError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client(app, endpoints)?
        .authorize_url(CsrfToken::new_random)
        .add_scopes(app.scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(challenge)
        .url();
    Ok(Pending {
        url: url.to_string(),
        state: state.secret().clone(),
        verifier: Secret::new(verifier.secret().clone()),
    })
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
#[derive(Debug)]
pub enum HttpFailure {
    Status {
        status: u16,
        reset: Option<i64>,
        detail: String,
    },
    Transport(reqwest::Error),
    Build(String),
    /// An answer that cannot be read; the words say why, without quoting it.
    Unreadable(String),
    /// No answer within the time-out (`XCONNECT_TIMEOUT`).
    TimedOut,
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpFailure::Status { status, .. } => write!(f, "HTTP {status}"),
            HttpFailure::Transport(e) => write!(f, "{e}"),
            HttpFailure::Build(e) | HttpFailure::Unreadable(e) => f.write_str(e),
            HttpFailure::TimedOut => f.write_str("no answer in time"),
        }
    }
}

impl std::error::Error for HttpFailure {}

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

/// The `oauth2` crate's HTTP client: reqwest, with 429 and 5xx turned into errors that keep
/// their status (a named type: a closure here makes the futures not `Send`).
struct Transport(reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for Transport {
    type Error = HttpFailure;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<oauth2::HttpResponse, HttpFailure>> + Send + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

/// How late a time-out may fire before it counts as a pause: the runtime did not run (the
/// process was stopped, SIGSTOP or a suspended machine) rather than X being slow.
const LATE: Duration = Duration::from_millis(250);

/// How long an answer is still read after a time-out that fired late (see [`LATE`]): an
/// answer that arrived while the process was stopped is waiting whole in the socket, and is
/// read in far less than this.
const ANSWER_GRACE: Duration = Duration::from_secs(2);

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

async fn send(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, HttpFailure> {
    let limit = request_timeout();
    kept_if_arrived(limit, send_and_read(http, request, limit + ANSWER_GRACE)).await
}

/// Sends a token-endpoint request and reads its answer; `backstop` replaces the client's
/// time-out, which [`kept_if_arrived`] enforces instead.
async fn send_and_read(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
    backstop: Duration,
) -> Result<oauth2::HttpResponse, HttpFailure> {
    let secrets = sent_secrets(&request);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let mut request =
        reqwest::Request::try_from(request).map_err(|e| HttpFailure::Build(e.to_string()))?;
    *request.timeout_mut() = Some(backstop + Duration::from_secs(1));
    let response = http
        .execute(request)
        .await
        .map_err(HttpFailure::Transport)?;
    let status = response.status();
    let headers = response.headers().clone();
    if status.as_u16() == 429 || status.is_server_error() {
        let reset = rate_limit_reset(&headers);
        // The status says it all; a body too large to read is not quoted.
        let body = read_body(response).await.unwrap_or_default();
        return Err(HttpFailure::Status {
            status: status.as_u16(),
            reset,
            detail: quote(&body, &secrets),
        });
    }
    if status.is_redirection() {
        // Never followed: the code or refresh token would go wherever the redirect points.
        let to = headers
            .get(reqwest::header::LOCATION)
            .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
        return Err(HttpFailure::Status {
            status: status.as_u16(),
            reset: None,
            detail: to.map_or_else(String::new, |to| {
                format!("a redirect to {}", quote(to.as_bytes(), &secrets))
            }),
        });
    }
    let body = read_body(response).await?;
    if status != reqwest::StatusCode::OK && !is_oauth_error(&body) {
        // Not X's OAuth error (a proxy's page, a wrong host): say the status, not "unreadable".
        return Err(HttpFailure::Status {
            status: status.as_u16(),
            reset: None,
            detail: quote(&body, &secrets),
        });
    }
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if status == reqwest::StatusCode::OK {
        // The body decides, not the header: JSON is read whatever it is labelled, and
        // anything else is named by its label and size, never quoted (it may hold tokens).
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
            return Err(HttpFailure::Unreadable(unreadable(
                &e,
                ".",
                &body,
                content_type.as_deref(),
            )));
        }
    }
    let mut builder = oauth2::http::Response::builder().status(status.as_u16());
    for (k, v) in &headers {
        if k != reqwest::header::CONTENT_TYPE {
            builder = builder.header(k.as_str(), v.as_bytes());
        }
    }
    builder
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .map_err(|e| HttpFailure::Build(e.to_string()))
}

/// What a request carries that must never be printed: the form's code, verifier, tokens and
/// secret (as sent and percent-encoded), and the `Authorization` header's credentials.
fn sent_secrets(request: &oauth2::HttpRequest) -> Vec<String> {
    const SECRET_FIELDS: [&str; 5] = [
        "code",
        "code_verifier",
        "refresh_token",
        "client_secret",
        "token",
    ];
    let mut out = Vec::new();
    for (k, v) in url::form_urlencoded::parse(request.body()) {
        if SECRET_FIELDS.contains(&k.as_ref()) {
            out.push(url::form_urlencoded::byte_serialize(v.as_bytes()).collect());
            out.push(v.into_owned());
        }
    }
    if let Some(auth) = request
        .headers()
        .get(oauth2::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        out.extend(credential_secrets(auth));
    }
    out
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
                // The `oauth2` crate percent-encodes id and secret first (RFC 6749 2.3.1).
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

/// An OAuth error body: `{"error": "…", …}`.
fn is_oauth_error(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct OAuthError {
        #[allow(dead_code)]
        error: String,
    }
    serde_json::from_slice::<OAuthError>(body).is_ok()
}

/// Why a token response (HTTP 200) could not be read. Its body is never quoted (it may hold
/// tokens, in JSON or in another form): a body that is not JSON is named by its content type
/// and size.
fn unreadable(
    e: &serde_json::Error,
    path: &str,
    body: &[u8],
    content_type: Option<&str>,
) -> String {
    use serde_json::error::Category;
    let json_like = matches!(body.trim_ascii_start().first(), Some(b'{' | b'['));
    match e.classify() {
        Category::Data => {
            let message = e.to_string();
            match message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
            {
                Some(field) => format!("the token response has no {}", super::error::clean(field)),
                None if path == "." => "the token response is not a JSON object".into(),
                None => format!(
                    "the token response has a value of the wrong kind at {}",
                    super::error::clean(path)
                ),
            }
        }
        _ if body.trim_ascii().is_empty() => "the token response is empty".into(),
        Category::Eof if json_like => "the token response is cut short".into(),
        _ if json_like => "the token response is not valid JSON".into(),
        _ => format!(
            "the token response is not JSON ({}, {} bytes)",
            content_type.map_or_else(
                || "no content type".to_string(),
                |t| crate::text::clean_short(t, 60)
            ),
            body.len()
        ),
    }
}

fn token_error(
    e: RequestTokenError<HttpFailure, BasicErrorResponse>,
    confidential: bool,
    request: TokenRequest,
) -> XError {
    match e {
        RequestTokenError::ServerResponse(r) => XError::from_oauth(
            r.error().as_ref(),
            r.error_description().map(String::as_str),
            confidential,
            request,
        ),
        RequestTokenError::Request(f) => f.into_xerror(),
        RequestTokenError::Parse(e, body) => {
            XError::BadResponse(unreadable(e.inner(), &e.path().to_string(), &body, None))
        }
        RequestTokenError::Other(s) => XError::BadResponse(super::error::clean(&s)),
    }
}

/// Exchanges an authorization code (valid 30 s, once) for tokens.
pub async fn exchange(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    code: &Secret,
    verifier: &Secret,
) -> Result<Tokens, XError> {
    exchange_answer(http, app, endpoints, code, verifier)
        .await
        .map(|a| a.tokens)
}

/// [`exchange`], with what was repaired in X's answer.
pub async fn exchange_answer(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    code: &Secret,
    verifier: &Secret,
) -> Result<Answer, XError> {
    let confidential = app.client_secret.is_some();
    let r = client(app, endpoints)?
        .exchange_code(AuthorizationCode::new(code.expose().to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_string()))
        .request_async(&Transport(http.clone()))
        .await
        .map_err(|e| token_error(e, confidential, TokenRequest::Code))?;
    read_answer(&r.fields, Grant::Code)
}

/// Trades a refresh token for new tokens. X rotates refresh tokens: the one passed in stops
/// working, so the result must be saved before anything else.
pub async fn refresh(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    refresh_token: &Secret,
) -> Result<Tokens, XError> {
    refresh_answer(http, app, endpoints, refresh_token)
        .await
        .map(|a| a.tokens)
}

/// [`refresh`], with what was repaired in X's answer. An answer with a new refresh token is
/// never refused (see [`read_answer`]); its access token may then be empty.
pub async fn refresh_answer(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    refresh_token: &Secret,
) -> Result<Answer, XError> {
    let confidential = app.client_secret.is_some();
    let r = client(app, endpoints)?
        .exchange_refresh_token(&RefreshToken::new(refresh_token.expose().to_string()))
        .request_async(&Transport(http.clone()))
        .await
        .map_err(|e| token_error(e, confidential, TokenRequest::Refresh))?;
    read_answer(&r.fields, Grant::Refresh)
}

/// Which token `revoke` is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// Revokes a token at X (`POST /2/oauth2/revoke`, form `token` and `token_type_hint`), with
/// the same client authentication as the token endpoint. (Sent by hand: the `oauth2` crate
/// refuses a revocation URL that is not https, which the sandbox on 127.0.0.1 is.)
pub async fn revoke(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    token: &Secret,
    kind: TokenKind,
) -> Result<(), XError> {
    let hint = match kind {
        TokenKind::Access => "access_token",
        TokenKind::Refresh => "refresh_token",
    };
    let mut form = vec![("token", token.expose()), ("token_type_hint", hint)];
    let mut request = http.post(endpoints.revoke());
    match &app.client_secret {
        Some(secret) => request = request.basic_auth(&app.client_id, Some(secret.expose())),
        None => form.push(("client_id", app.client_id.as_str())),
    }
    let response = request
        .form(&form)
        .send()
        .await
        .map_err(|e| transport(&e))?;
    let status = response.status();
    let reset = rate_limit_reset(response.headers());
    if status.is_success() {
        // Nothing in the body matters: it is not read.
        return Ok(());
    }
    let body = read_body(response)
        .await
        .map_err(HttpFailure::into_xerror)?;
    if status.as_u16() == 429 {
        return Err(XError::RateLimited { reset });
    }
    if status.is_server_error() {
        return Err(XError::Status {
            status: status.as_u16(),
            detail: String::new(),
        });
    }
    #[derive(serde::Deserialize)]
    struct OAuthError {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    match serde_json::from_slice::<OAuthError>(&body) {
        Ok(e) => Err(XError::from_oauth(
            &e.error,
            e.error_description.as_deref(),
            app.client_secret.is_some(),
            TokenRequest::Refresh,
        )),
        Err(_) => Err(XError::Status {
            status: status.as_u16(),
            detail: quote(
                &body,
                &[
                    token.expose(),
                    app.client_secret.as_ref().map_or("", |s| s.expose()),
                ],
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
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

    use super::*;
    use serde_json::json;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct TokenBody {
        access_token: String,
        token_type: String,
        expires_in: Option<u64>,
    }

    fn why(body: &str) -> String {
        let e = serde_json::from_str::<TokenBody>(body).expect_err(body);
        unreadable(&e, "expires_in", body.as_bytes(), Some("text/html"))
    }

    #[test]
    fn an_unreadable_token_response_is_named_without_its_tokens() {
        assert_eq!(
            why(r#"{"token_type":"bearer","refresh_token":"RT-SECRET"}"#),
            "the token response has no access_token"
        );
        assert_eq!(
            why(r#"{"access_token":"AT-SECRET","refresh_token":"RT-SECRET"}"#),
            "the token response has no token_type"
        );
        assert_eq!(
            why(r#"{"access_token":"AT-SECRET","token_type":"bearer","expires_in":"AT-SECRET"}"#),
            "the token response has a value of the wrong kind at expires_in"
        );
        assert_eq!(
            why(r#"  {"access_token":"AT-SECRET"#),
            "the token response is cut short"
        );
        assert_eq!(
            why(r#"{"access_token" "AT-SECRET"}"#),
            "the token response is not valid JSON"
        );
        assert_eq!(
            why("<html>\n<p>Sign in</p></html>"),
            "the token response is not JSON (text/html, 28 bytes)"
        );
        assert_eq!(why(" \n"), "the token response is empty");
        let e = serde_json::from_str::<TokenBody>("[]").expect_err("an array");
        assert_eq!(
            unreadable(&e, ".", b"[]", None),
            "the token response is not a JSON object"
        );
    }

    fn answer(body: serde_json::Value, grant: Grant) -> Result<Answer, XError> {
        let Value::Object(fields) = body else {
            panic!("an object");
        };
        read_answer(&fields, grant)
    }

    #[test]
    fn no_lifetime_overflows_the_clock() {
        let now = time::OffsetDateTime::now_utc();
        let mut t = Tokens {
            access_token: Secret::new("a"),
            refresh_token: None,
            token_type: "bearer".into(),
            scope: String::new(),
            expires_in: Some(Duration::MAX),
        };
        assert_eq!(t.expires_at(now) - now, time::Duration::days(365));
        t.expires_in = None;
        assert_eq!(t.expires_at(now) - now, time::Duration::hours(2));
        let end = time::macros::datetime!(9999-12-31 23:00 UTC);
        t.expires_in = Some(Duration::from_secs(7200));
        assert_eq!(
            t.expires_at(end),
            end,
            "past the calendar's end: expired, no panic"
        );
    }

    #[test]
    fn odd_lifetimes_are_clamped_and_said() {
        let year = MAX_LIFETIME;
        for (value, want, noted) in [
            (json!(7200), Some(Duration::from_secs(7200)), false),
            (json!("7200"), Some(Duration::from_secs(7200)), false),
            (json!(3600.9), Some(Duration::from_secs(3600)), false),
            (json!(0), Some(Duration::ZERO), false),
            (json!(1_000_000_000_000u64), Some(year), true),
            (json!(u64::MAX), Some(year), true),
            (json!(1e300), Some(year), true),
            (json!("1e400"), Some(year), true),
            (json!(-5), Some(Duration::ZERO), true),
            (json!(i64::MIN), Some(Duration::ZERO), true),
            (json!("soon"), None, true),
            (json!("NaN"), None, true),
            (json!(true), None, true),
            (json!({"s": 1}), None, true),
            (json!(null), None, false),
        ] {
            let (got, note) = lifetime(Some(&value));
            assert_eq!(got, want, "{value}");
            assert_eq!(note.is_some(), noted, "{value}: {note:?}");
        }
        assert_eq!(lifetime(None), (None, None));
        let (_, note) = lifetime(Some(&json!("\u{1b}[2J9999999999999999999999999999")));
        assert!(!note.expect("a note").contains('\u{1b}'));
    }

    #[test]
    fn a_refresh_answer_with_a_new_refresh_token_is_always_taken() {
        let got = answer(
            json!({"refresh_token": "RT-NEW", "expires_in": -5, "scope": ["a", "b\u{1b}[2J"]}),
            Grant::Refresh,
        )
        .expect("taken");
        assert_eq!(got.tokens.refresh_token, Some(Secret::new("RT-NEW")));
        assert_eq!(got.tokens.access_token.expose(), "");
        assert_eq!(got.tokens.scope, "a b");
        assert_eq!(got.notes.len(), 2, "{:?}", got.notes);
        // Without a refresh token, or for a login, the missing fields are named.
        for (body, grant, says) in [
            (
                json!({"token_type": "bearer"}),
                Grant::Refresh,
                "no access_token",
            ),
            (json!({"access_token": "A"}), Grant::Code, "no token_type"),
            (
                json!({"refresh_token": "R", "token_type": "bearer"}),
                Grant::Code,
                "no access_token",
            ),
            (
                json!({"access_token": 5, "token_type": "bearer"}),
                Grant::Code,
                "wrong kind at access_token",
            ),
        ] {
            match answer(body.clone(), grant) {
                Err(XError::BadResponse(why)) => assert!(why.contains(says), "{body}: {why}"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn quoted_answers_lose_every_secret_sent() {
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode("my-id:s3cr%2Ft");
        let found = credential_secrets(&format!("Basic {basic}"));
        assert!(found.contains(&"s3cr/t".to_string()), "{found:?}");
        assert!(found.contains(&basic), "{found:?}");
        assert_eq!(credential_secrets("Bearer AT-1234"), ["AT-1234"]);
        let request = oauth2::http::Request::builder()
            .header("authorization", format!("Basic {basic}"))
            .body(b"grant_type=refresh_token&refresh_token=RT%2B1234&client_id=my-id".to_vec())
            .expect("request");
        let secrets = sent_secrets(&request);
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let echoed = format!(
            "bad: grant_type=refresh_token&refresh_token=RT%2B1234 (RT+1234) \x1b[2J s3cr/t {basic}"
        );
        let quoted = quote(echoed.as_bytes(), &secrets);
        assert_eq!(
            quoted,
            "bad: grant_type=refresh_token&refresh_token=… (…)  … …"
        );
        assert_eq!(
            redact("abcdef", &["abc", "abcdef", "ab"]),
            "…",
            "longest first"
        );
        assert_eq!(quote("x".repeat(500).as_bytes(), &[]).chars().count(), 201);
    }

    #[test]
    fn only_a_body_with_an_error_field_is_an_oauth_error() {
        assert!(is_oauth_error(
            br#"{"error":"invalid_request","error_description":"x"}"#
        ));
        assert!(is_oauth_error(br#"{"error":"unauthorized_client"}"#));
        for body in [
            &b"Bad Request"[..],
            b"",
            br#"{"title":"Unauthorized","status":401}"#,
            br#"{"error":{"message":"nested"}}"#,
            b"<html></html>",
        ] {
            assert!(!is_oauth_error(body), "{}", String::from_utf8_lossy(body));
        }
    }
}
