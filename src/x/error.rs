//! Everything that can go wrong talking to X, each with a plain message: what went wrong,
//! in the portal or here, and what to do.

use std::fmt;

use super::texts::{
    INVALID_CODE, INVALID_TOKEN, MISSING_VERIFIER, REDIRECT_MISMATCH, VERIFIER_MISMATCH,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XError {
    /// The code is older than 30 s, was already used, or is not X's.
    CodeInvalid,
    /// The PKCE verifier does not match the challenge (a bug here, or a mixed-up paste).
    VerifierMismatch,
    MissingVerifier,
    RedirectMismatch,
    /// X refused the client authentication; `confidential` is what we sent.
    ClientAuth {
        confidential: bool,
    },
    /// A refresh token that X no longer accepts (used, revoked or expired).
    GrantInvalid(String),
    /// 401 from the API: the access token is not (or no longer) valid.
    Unauthorized,
    /// 403 client-not-enrolled: the app is not in a Project with API access.
    NotEnrolled,
    /// 403 for missing scopes.
    Forbidden(String),
    /// 429; `reset` is X's `x-rate-limit-reset` (Unix seconds) when given.
    RateLimited {
        reset: Option<i64>,
    },
    /// 5xx or another status X should not answer.
    Status {
        status: u16,
        detail: String,
    },
    /// Could not connect: refused, DNS.
    Network(String),
    /// The TLS handshake failed: a bad certificate, or an answer that is not TLS.
    Tls(String),
    Timeout,
    /// X answered something we cannot read (not JSON, fields missing).
    BadResponse(String),
    /// An OAuth error we have no special advice for.
    Other {
        error: String,
        description: String,
    },
}

/// Which request X refused: the same OAuth error means different things for each (an
/// `invalid_grant` is a spent code in a login, a dead refresh token in a refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRequest {
    /// A login's code exchange (`grant_type=authorization_code`).
    Code,
    /// A refresh (`grant_type=refresh_token`), or a revoke of a saved token.
    Refresh,
}

impl XError {
    /// Maps X's token-endpoint error to its specific case by X's exact words, for the request
    /// it answers.
    pub fn from_oauth(
        error: &str,
        description: Option<&str>,
        confidential: bool,
        request: TokenRequest,
    ) -> XError {
        // X's words are shown, stored in the profile and repeated later: clean them once here.
        let d = &clean(description.unwrap_or(""));
        match (error, d) {
            // The grant a login sends is its code: whatever X's words, that code is spent.
            ("invalid_grant", _) if request == TokenRequest::Code => XError::CodeInvalid,
            ("invalid_request", d) if request == TokenRequest::Code && d == INVALID_TOKEN => {
                XError::CodeInvalid
            }
            (_, d) if d == INVALID_CODE => XError::CodeInvalid,
            (_, d) if d == VERIFIER_MISMATCH => XError::VerifierMismatch,
            (_, d) if d == MISSING_VERIFIER => XError::MissingVerifier,
            (_, d) if d == REDIRECT_MISMATCH => XError::RedirectMismatch,
            ("unauthorized_client" | "invalid_client", _) => XError::ClientAuth { confidential },
            ("invalid_grant", d) => XError::GrantInvalid(d.clone()),
            ("invalid_request", d) if d == INVALID_TOKEN => XError::GrantInvalid(d.clone()),
            (e, d) => XError::Other {
                error: clean(e),
                description: d.clone(),
            },
        }
    }

    /// True when another attempt could work without changing anything (network, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            XError::Network(_)
                | XError::Tls(_)
                | XError::Timeout
                | XError::RateLimited { .. }
                | XError::Status { status: 500.., .. }
        )
    }
}

/// When a spent rate limit may be tried again, as X's `x-rate-limit-reset` (Unix seconds)
/// says, read against this machine's clock. X's windows last 15 minutes: a reset more than a
/// day away (or a day past), or none at all, is not a time to tell anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAt {
    /// At `unix`, in `wait` seconds (at most a day).
    At { unix: i64, wait: i64 },
    /// X's reset time is already past (within a day): the clocks differ, or it just reset.
    Passed { unix: i64 },
    /// No usable reset time: none, one that is not a number, or one out of all reason.
    Unknown,
}

/// The longest wait a reset time is believed for, and how far past it may be.
const BELIEVED: i64 = 86_400;

impl RetryAt {
    /// The one reading of X's reset time every message uses.
    pub fn from_reset(reset: Option<i64>, now: i64) -> RetryAt {
        let Some(unix) = reset else {
            return RetryAt::Unknown;
        };
        match unix.checked_sub(now) {
            Some(wait) if (1..=BELIEVED).contains(&wait) => RetryAt::At { unix, wait },
            Some(wait) if (-BELIEVED..=0).contains(&wait) => RetryAt::Passed { unix },
            _ => RetryAt::Unknown,
        }
    }

    /// What follows "X's rate limit is reached" (or "… for this endpoint is spent"): the
    /// reset and what to do, as one or two sentences; `countdown` adds "(in N s)".
    pub fn advice(self, countdown: bool) -> String {
        match self {
            RetryAt::At { unix, wait } if countdown => format!(
                ": it resets at {} (in {wait} s). Try again then.",
                crate::timefmt::local_hm(unix)
            ),
            RetryAt::At { unix, .. } => {
                format!(". Try again after {}.", crate::timefmt::local_hm(unix))
            }
            RetryAt::Passed { unix } => format!(
                ", though the reset time X gave has passed by this machine's clock ({}). Try again in a minute.",
                crate::timefmt::local_hm(unix)
            ),
            RetryAt::Unknown => {
                " and X gave no usable time for its reset. Try again in 15 minutes.".into()
            }
        }
    }
}

/// What to do when the API host answers in a way X's never does.
const CHECK_API_BASE: &str = "Check the API address (--api-base or XCONNECT_API_BASE; X's is https://api.x.com), then try again.";

/// Text from the network, made safe to print: one clean line, bounded length.
pub fn clean(s: &str) -> String {
    crate::text::clean_short(s, 300)
}

impl fmt::Display for XError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XError::CodeInvalid => f.write_str(
                "X refused the code: it lives 30 seconds and works once. Authorize again and paste the new address at once.",
            ),
            XError::VerifierMismatch => f.write_str(
                "X says the PKCE verifier does not match: the address pasted comes from another login attempt. Authorize again with the link shown here.",
            ),
            XError::MissingVerifier => f.write_str(
                "X did not get the PKCE verifier. This is a bug in xconnect; please report it.",
            ),
            XError::RedirectMismatch => f.write_str(
                "X says the redirect URL differs from the one the login started with. Authorize again with the link shown here.",
            ),
            XError::ClientAuth { confidential: true } => f.write_str(
                "X refused the Client ID or Client Secret. Copy both again from Keys and tokens (OAuth 2.0 section); if the portal's Type of App is Native App, choose Native App here.",
            ),
            XError::ClientAuth { confidential: false } => f.write_str(
                "X wants a Client Secret: the app's Type of App in the portal is Web App or Bot. Set it to Native App in the portal, or choose Web App here and paste the Client Secret.",
            ),
            // What to run is said by whoever knows the profile's name (`Failure::reauth`).
            XError::GrantInvalid(d) => write!(
                f,
                "X no longer accepts the saved refresh token ({})",
                if d.is_empty() {
                    "revoked, used or expired"
                } else {
                    d.trim_end_matches('.')
                }
            ),
            XError::Unauthorized => f.write_str(
                "X refused the access token (expired or revoked). Refresh it, or log in again.",
            ),
            XError::NotEnrolled => f.write_str(
                "X refuses API calls from this app: it is not in a Project with API access. In the portal, move the app into a Project (Pay-per-use package, Production environment).",
            ),
            XError::Forbidden(d) => write!(f, "X refused the call: {d}"),
            XError::RateLimited { reset } => {
                let now = crate::timefmt::now().unix_timestamp();
                let retry = RetryAt::from_reset(*reset, now);
                write!(f, "X's rate limit is reached{}", retry.advice(false))
            }
            XError::Status { status, detail } => {
                write!(f, "X answered HTTP {status}")?;
                if !detail.is_empty() {
                    write!(f, " ({detail})")?;
                }
                match status {
                    500.. => f.write_str(". X may be having trouble: try again in a minute."),
                    300..=399 => write!(
                        f,
                        ", which xconnect does not follow. {CHECK_API_BASE}"
                    ),
                    _ => write!(f, ", which xconnect did not expect. {CHECK_API_BASE}"),
                }
            }
            XError::Network(d) => write!(
                f,
                "Cannot reach X ({d}). Check the network connection (and any proxy), then try again."
            ),
            XError::Tls(d) => write!(
                f,
                "The secure connection to X failed ({d}). A proxy or firewall may be intercepting https, or the API address is not an https server: check the network and the API address (--api-base or XCONNECT_API_BASE), then try again."
            ),
            XError::Timeout => f.write_str(
                "X did not answer in time. Check the network connection, then try again.",
            ),
            XError::BadResponse(d) => write!(
                f,
                "X answered something xconnect cannot read ({d}). Try again; if it persists, X may have changed."
            ),
            XError::Other { error, description } => {
                write!(f, "X refused: {error}")?;
                if !description.is_empty() {
                    write!(f, " — {description}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for XError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, detail: &str) -> XError {
        XError::Status {
            status,
            detail: detail.into(),
        }
    }

    #[test]
    fn only_what_may_pass_is_transient() {
        for e in [
            status(500, ""),
            status(503, "busy"),
            XError::RateLimited { reset: None },
            XError::Timeout,
            XError::Network("refused".into()),
            XError::Tls("handshake".into()),
        ] {
            assert!(e.is_transient(), "{e:?}");
        }
        for e in [
            status(302, "a redirect to /x"),
            status(400, "Bad Request"),
            status(404, ""),
            XError::BadResponse("x".into()),
            XError::CodeInvalid,
        ] {
            assert!(!e.is_transient(), "{e:?}");
        }
    }

    #[test]
    fn a_rate_limit_tells_a_reset_time_only_when_it_can_be_right() {
        let now = crate::timefmt::now().unix_timestamp();
        let told = XError::RateLimited {
            reset: Some(now + 600),
        }
        .to_string();
        assert!(
            told.starts_with("X's rate limit is reached. Try again after "),
            "{told}"
        );
        for reset in [Some(i64::MAX), Some(i64::MIN), Some(now + 2 * 86_400), None] {
            assert_eq!(
                XError::RateLimited { reset }.to_string(),
                "X's rate limit is reached and X gave no usable time for its reset. Try again in 15 minutes.",
                "{reset:?}"
            );
        }
        let passed = XError::RateLimited {
            reset: Some(now - 60),
        }
        .to_string();
        assert!(
            passed.starts_with("X's rate limit is reached, though the reset time X gave has passed by this machine's clock (")
                && passed.ends_with("). Try again in a minute."),
            "{passed}"
        );
    }

    #[test]
    fn status_messages_say_what_to_do_by_class() {
        assert_eq!(
            status(502, "").to_string(),
            "X answered HTTP 502. X may be having trouble: try again in a minute."
        );
        assert_eq!(
            status(307, "a redirect to https://elsewhere/").to_string(),
            format!("X answered HTTP 307 (a redirect to https://elsewhere/), which xconnect does not follow. {CHECK_API_BASE}")
        );
        assert_eq!(
            status(404, "").to_string(),
            format!("X answered HTTP 404, which xconnect did not expect. {CHECK_API_BASE}")
        );
        for e in [status(302, ""), status(400, "x"), XError::Tls("y".into())] {
            let text = e.to_string();
            assert!(text.ends_with("then try again."), "{text}");
        }
    }
}
