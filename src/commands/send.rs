//! Calls to X's API with a profile's token, the one way `api`, `media` and `post` send them:
//! a token that is fresh (refreshed under the lock when it expires within a minute, see
//! [`fresh_in`]), sent only to the profile's own API host, and after a 401 one forced refresh
//! and one retry. What X refused is turned into a [`Failure`] with the exit code scripts
//! retry by ([`refused`]).

use std::io::Write;

use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use super::refresh::{fresh, fresh_from};
use super::{endpoints_for_sending, exit, x_failure, Failure};
use crate::profile::Profile;
use crate::secret::Secret;
use crate::store::{Found, ProfileStore};
use crate::x::limits::{self, Limit};
use crate::x::{oauth, Endpoints};

/// An answer larger than this is refused: X's pages are far smaller.
pub const MAX_ANSWER_BYTES: usize = 8 << 20;

/// One answer, read whole up to [`MAX_ANSWER_BYTES`].
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub reason: String,
    pub version: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..=299).contains(&self.status)
    }
}

/// `--wait`: a rate limit is waited for until its reset, at most `max`, then the request is
/// sent once more. A usage cap or an empty credit balance is never waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub max: std::time::Duration,
    /// A countdown redrawn on stderr (a terminal); else one line says the wait.
    pub countdown: bool,
}

/// A profile ready to send: its fresh token, its API host, one HTTP client.
pub struct Session<'a> {
    store: &'a mut dyn ProfileStore,
    name: String,
    api_override: Option<String>,
    pub profile: Profile,
    pub endpoints: Endpoints,
    http: reqwest::Client,
    /// `--wait`, when given.
    pub wait: Option<Wait>,
}

impl<'a> Session<'a> {
    /// The profile as `first` read it (without a lock), with a fresh token: refreshed first
    /// when needed. Warnings go to `warn`.
    pub async fn open(
        store: &'a mut dyn ProfileStore,
        name: &str,
        first: Found,
        api_override: Option<&str>,
        warn: &mut (dyn Write + Send),
    ) -> Result<Session<'a>, Failure> {
        let profile = fresh_from(store, name, first, api_override, false, warn)
            .await?
            .profile;
        let endpoints = endpoints_for_sending(name, &profile, api_override, warn)?;
        let http = oauth::http_client().map_err(|e| x_failure(name, &e))?;
        Ok(Session {
            store,
            name: name.to_string(),
            api_override: api_override.map(str::to_string),
            profile,
            endpoints,
            http,
            wait: None,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `path` on the profile's API host (see [`target`]).
    pub fn url(&self, path: &str) -> Result<Url, Failure> {
        target(&self.endpoints.api_base, path)
    }

    /// Whether the saved grant holds `scope` (as the last token answer said).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.profile
            .token
            .as_ref()
            .is_some_and(|t| t.scope.split_whitespace().any(|s| s == scope))
    }

    /// Sends the request `build` makes (called again for the retry) with the token. A 401
    /// gets one forced refresh and one retry; a second 401 means a new login. With
    /// [`Wait`], a rate limit's 429 is waited for (until X's reset, within the bound) and the
    /// request sent once more. Other answers come back as they are; a transport failure is a
    /// [`Failure`] (exit 5 when it is worth trying again).
    pub async fn send<F>(
        &mut self,
        warn: &mut (dyn Write + Send),
        build: F,
    ) -> Result<Answer, Failure>
    where
        F: Fn(&reqwest::Client) -> Result<reqwest::RequestBuilder, Failure>,
    {
        let mut retried = false;
        let mut waited = false;
        loop {
            let Some(token) = self
                .profile
                .token
                .as_ref()
                .map(|t| Secret::new(&t.access_token))
            else {
                return Err(Failure::reauth(&self.name, "it holds no token"));
            };
            let request = build(&self.http)?.bearer_auth(token.expose());
            let answer = read(request).await.map_err(|e| x_failure(&self.name, &e))?;
            match answer.status {
                401 if !retried => {
                    // X refused a token the file says is valid: revoked, or refreshed elsewhere.
                    retried = true;
                    self.profile = fresh(
                        self.store,
                        &self.name,
                        self.api_override.as_deref(),
                        true,
                        warn,
                    )
                    .await?
                    .profile;
                }
                401 => {
                    return Err(Failure::reauth(
                        &self.name,
                        "X refused the access token even after a refresh",
                    ))
                }
                429 if !waited && self.wait.is_some() => {
                    let Some(Limit::RateLimited { reset }) =
                        limits::classify(answer.status, &answer.headers, &answer.body)
                    else {
                        return Ok(answer);
                    };
                    let wait = self.wait.unwrap_or(Wait {
                        max: std::time::Duration::ZERO,
                        countdown: false,
                    });
                    let now = crate::timefmt::now().unix_timestamp();
                    match limits::wait_for_reset(reset, now, wait.max) {
                        Ok(d) => {
                            waited = true;
                            countdown(warn, d, wait.countdown).await;
                        }
                        Err(why) => {
                            let _ = writeln!(warn, "Not waiting: {why}.");
                            return Ok(answer);
                        }
                    }
                }
                _ => return Ok(answer),
            }
        }
    }
}

/// Waits `d`, saying so on `warn`: a countdown redrawn in place on a terminal, else one line.
async fn countdown(warn: &mut (dyn Write + Send), d: std::time::Duration, redraw: bool) {
    let words = crate::timefmt::duration_words(d);
    if !redraw {
        let _ = writeln!(
            warn,
            "X's rate limit is spent: waiting {words} for its reset, then sending once more."
        );
        let _ = warn.flush();
        tokio::time::sleep(d).await;
        return;
    }
    let end = tokio::time::Instant::now() + d;
    loop {
        let left = end.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break;
        }
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        let _ = write!(
            warn,
            "\r\x1b[2KX's rate limit is spent: waiting for its reset, {}:{:02} left (Ctrl-C stops)",
            secs / 60,
            secs % 60
        );
        let _ = warn.flush();
        tokio::time::sleep(left.min(std::time::Duration::from_secs(1))).await;
    }
    let _ = write!(warn, "\r\x1b[2K");
    let _ = writeln!(
        warn,
        "X's rate limit was reset after {words}: sending once more."
    );
    let _ = warn.flush();
}

async fn read(request: reqwest::RequestBuilder) -> Result<Answer, crate::x::XError> {
    let r = request.send().await.map_err(|e| oauth::transport(&e))?;
    let status = r.status();
    let version = format!("{:?}", r.version());
    let headers = r.headers().clone();
    let body = oauth::read_capped(r, MAX_ANSWER_BYTES)
        .await
        .map_err(oauth::HttpFailure::into_xerror)?;
    Ok(Answer {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        version,
        headers,
        body,
    })
}

/// Whether `path` starts with `scheme://` (a scheme: a letter, then letters, digits, `+`, `-`
/// or `.`): a URL. An address later on (a query's `?query=https://…`) leaves it a path.
fn starts_with_scheme(path: &str) -> bool {
    let Some((scheme, _)) = path.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The URL to call: PATH joined to the profile's API base. A full URL is taken only when it
/// names that same host (scheme, host and port): the token never leaves for another.
pub fn target(api_base: &Url, path: &str) -> Result<Url, Failure> {
    let path = path.trim();
    if path.is_empty() {
        return Err(usage("give a path such as /2/users/me"));
    }
    if starts_with_scheme(path) {
        let url = Url::parse(path).map_err(|e| usage(format!("{path:?} is not a URL: {e}")))?;
        if url.origin() != api_base.origin() {
            let host = url.host_str().unwrap_or("another host");
            return Err(usage(format!(
                "refusing to send the profile's token to {host}: its API host is {}. Give a path such as /2/users/me.",
                api_base.as_str().trim_end_matches('/')
            )));
        }
        return Ok(url);
    }
    if path.starts_with("//") {
        return Err(usage(format!(
            "{path:?} names a host: give a path such as /2/users/me"
        )));
    }
    let joined = format!(
        "{}/{}",
        api_base.as_str().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    let url = Url::parse(&joined).map_err(|e| usage(format!("{path:?}: {e}")))?;
    // A path cannot change the host, but check what is sent rather than trust the join.
    if url.origin() != api_base.origin() {
        return Err(usage(format!("{path:?} does not stay on the API host")));
    }
    Ok(url)
}

/// What X says went wrong, from its problem+json (`title`, `detail`, `errors[]`) or its older
/// `errors` shape; cleaned of control characters.
pub fn problem_text(status: u16, body: &[u8]) -> String {
    let clean = crate::x::error::clean;
    let mut text = format!("X answered HTTP {status}");
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return text;
    };
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(clean);
    let title = s(&v, "title");
    let detail = s(&v, "detail");
    match (&title, &detail) {
        (Some(t), Some(d)) if t != d => text.push_str(&format!(" {t}: {d}")),
        (Some(t), _) => text.push_str(&format!(" {t}")),
        (None, Some(d)) => text.push_str(&format!(": {d}")),
        (None, None) => {}
    }
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        for e in errors.iter().take(10) {
            if let Some(m) = s(e, "message").or_else(|| s(e, "detail")) {
                if detail.as_deref() != Some(m.as_str()) {
                    text.push_str(&format!("\n  - {m}"));
                }
            }
        }
    }
    text
}

/// The 429 message of a rate limit: when it resets, as a time and as a countdown, when X's
/// reset time can be right (see [`crate::x::error::RetryAt`]).
pub fn rate_limited(headers: &HeaderMap, now_unix: i64) -> String {
    Limit::RateLimited {
        reset: oauth::rate_limit_reset(headers),
    }
    .message(now_unix)
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::new(exit::USAGE, message)
}

/// What a refusal from X means for a script: a rate limit or X's trouble (5xx) exit 5 (try
/// again later), a usage cap or no credits exit 7 (change the plan: never retried), a
/// redirect (never followed: the token would go with it) and anything else 1, with X's words
/// (see [`problem_text`]).
pub fn refused(a: &Answer) -> Failure {
    let now = crate::timefmt::now().unix_timestamp();
    if let Some(limit) = limits::classify(a.status, &a.headers, &a.body) {
        let code = if limit.is_worth_waiting_for() {
            exit::UNAVAILABLE
        } else {
            exit::PLAN
        };
        return Failure::new(code, limit.message(now));
    }
    match a.status {
        s @ 500.. => Failure::new(
            exit::UNAVAILABLE,
            format!(
                "{}\nX may be having trouble: try again in a minute.",
                problem_text(s, &a.body)
            ),
        ),
        s @ 300..=399 => Failure::new(
            exit::FAILURE,
            format!("X answered HTTP {s}, a redirect, which xconnect does not follow (the token would go with it)."),
        ),
        s => {
            let mut text = problem_text(s, &a.body);
            if s == 403 && a.body.windows(19).any(|w| w == b"client-not-enrolled") {
                text = crate::x::XError::NotEnrolled.to_string();
            }
            Failure::new(exit::FAILURE, text)
        }
    }
}
