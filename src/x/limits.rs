//! X's refusals that are about limits, told apart (see the facts of X's 2026 billing): a
//! monthly **usage cap** answers 429 like a rate limit but waiting does not help; **out of
//! credits** answers 402; a real **rate limit** answers 429 with the time its window resets.
//! The first two need a change in the Developer Console; only the last is worth waiting for.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::error::{clean, RetryAt};

/// The path of the problem type X gives a usage cap. Its host has been `api.x.com` in the
/// docs and `api.twitter.com` in live answers: the path is what is matched.
pub const USAGE_CAPPED_PATH: &str = "/2/problems/usage-capped";

/// What kind of limit a refusal is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// The plan's usage cap is reached (429, problem type `…/2/problems/usage-capped`):
    /// `period` ("Monthly") and `scope` ("Product", "Project") as X gives them.
    UsageCapped {
        period: Option<String>,
        scope: Option<String>,
        detail: Option<String>,
    },
    /// No pay-per-use credits left (402).
    OutOfCredits { detail: Option<String> },
    /// The endpoint's rate limit is spent (429): `reset` is X's `x-rate-limit-reset`.
    RateLimited { reset: Option<i64> },
}

/// The limit an answer ran into, if it is one of those.
pub fn classify(status: u16, headers: &HeaderMap, body: &[u8]) -> Option<Limit> {
    let problem = serde_json::from_slice::<Value>(body).ok();
    let field = |k: &str| {
        problem
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(clean)
            .filter(|s| !s.is_empty())
    };
    match status {
        429 if problem
            .as_ref()
            .and_then(|v| v.get("type"))
            .and_then(Value::as_str)
            .is_some_and(is_usage_capped_type) =>
        {
            Some(Limit::UsageCapped {
                period: field("period"),
                scope: field("scope"),
                detail: field("detail"),
            })
        }
        429 => Some(Limit::RateLimited {
            reset: super::http::rate_limit_reset(headers),
        }),
        402 => Some(Limit::OutOfCredits {
            detail: field("detail").or_else(|| field("title")),
        }),
        _ => None,
    }
}

/// Whether a problem type names a usage cap: its URL's path (any host), or the path alone.
fn is_usage_capped_type(t: &str) -> bool {
    let path = match url::Url::parse(t) {
        Ok(u) => u.path().to_string(),
        Err(_) => t.to_string(),
    };
    path.trim_end_matches('/') == USAGE_CAPPED_PATH
}

impl Limit {
    /// Whether waiting and sending again can work.
    pub fn is_worth_waiting_for(&self) -> bool {
        matches!(self, Limit::RateLimited { .. })
    }

    /// What to tell the person: what X refused and what to do, for a plan's limits never
    /// "try again".
    pub fn message(&self, now_unix: i64) -> String {
        match self {
            Limit::UsageCapped {
                period,
                scope,
                detail,
            } => {
                let period = period.as_deref().map(str::to_lowercase);
                let scope = scope.as_deref().map(str::to_lowercase);
                let what = match (&period, &scope) {
                    (Some(p), Some(s)) => format!("the {p} usage cap of this {s}"),
                    (Some(p), None) => format!("the {p} usage cap"),
                    (None, Some(s)) => format!("the usage cap of this {s}"),
                    (None, None) => "the usage cap".to_string(),
                };
                let said = detail
                    .as_deref()
                    .map(|d| format!(" (X: \"{d}\")"))
                    .unwrap_or_default();
                format!(
                    "X refused: {what} is reached{said}. This is not a rate limit: waiting for a reset does not help and nothing was retried. Raise or remove the cap, or change the plan, in the X Developer Console (the project's usage and billing), then run the command again."
                )
            }
            Limit::OutOfCredits { detail } => {
                let said = detail
                    .as_deref()
                    .map(|d| format!(" (X: \"{d}\")"))
                    .unwrap_or_default();
                format!(
                    "X refused: the account is out of pay-per-use credits (HTTP 402){said}. Nothing was retried: add credits in the X Developer Console (billing), then run the command again."
                )
            }
            Limit::RateLimited { reset } => format!(
                "X's rate limit for this endpoint is spent{}",
                RetryAt::from_reset(*reset, now_unix).advice(true)
            ),
        }
    }
}

/// How long to wait for a rate limit's reset before sending once more (`--wait`): until X's
/// reset time and one second more, a second when that time has just passed; `Err` says why
/// not (no usable reset time, or one past `max`).
pub fn wait_for_reset(
    reset: Option<i64>,
    now_unix: i64,
    max: Duration,
) -> Result<Duration, String> {
    match RetryAt::from_reset(reset, now_unix) {
        RetryAt::At { wait, .. } => {
            let wait = Duration::from_secs(wait.unsigned_abs() + 1);
            if wait > max {
                Err(format!(
                    "X's rate limit resets in {}, past --wait-max {}",
                    crate::timefmt::duration_words(wait),
                    crate::timefmt::duration_words(max)
                ))
            } else {
                Ok(wait)
            }
        }
        RetryAt::Passed { .. } => Ok(Duration::from_secs(1).min(max)),
        RetryAt::Unknown => Err(
            "X's answer gave no usable reset time (x-rate-limit-reset), so there is nothing to wait for".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body X sent for a monthly product cap (xdevplatform/xdk#25).
    const CAPPED: &str = r#"{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","period":"Monthly","scope":"Product","type":"https://api.twitter.com/2/problems/usage-capped"}"#;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn a_usage_cap_is_not_a_rate_limit_even_with_room_left() {
        let h = headers(&[
            ("x-rate-limit-remaining", "39999"),
            ("x-rate-limit-reset", "1700000900"),
        ]);
        let limit = classify(429, &h, CAPPED.as_bytes()).expect("a limit");
        assert_eq!(
            limit,
            Limit::UsageCapped {
                period: Some("Monthly".into()),
                scope: Some("Product".into()),
                detail: Some("Usage cap exceeded: Monthly product cap".into()),
            }
        );
        assert!(!limit.is_worth_waiting_for());
        let m = limit.message(1_700_000_000);
        assert!(
            m.contains("the monthly usage cap of this product is reached"),
            "{m}"
        );
        assert!(m.contains("Developer Console"), "{m}");
        assert!(!m.contains("Try again then"), "{m}");
    }

    #[test]
    fn the_cap_is_known_by_its_path_on_any_host() {
        for t in [
            "https://api.x.com/2/problems/usage-capped",
            "https://api.twitter.com/2/problems/usage-capped",
            "/2/problems/usage-capped",
        ] {
            let body = format!(r#"{{"type":"{t}"}}"#);
            assert!(matches!(
                classify(429, &HeaderMap::new(), body.as_bytes()),
                Some(Limit::UsageCapped { .. })
            ));
        }
        let other = r#"{"type":"https://api.x.com/2/problems/usage-capped-not"}"#;
        assert!(matches!(
            classify(429, &HeaderMap::new(), other.as_bytes()),
            Some(Limit::RateLimited { .. })
        ));
    }

    #[test]
    fn a_402_is_out_of_credits_and_a_plain_429_a_rate_limit() {
        assert!(matches!(
            classify(402, &HeaderMap::new(), b"not json"),
            Some(Limit::OutOfCredits { detail: None })
        ));
        let h = headers(&[("x-rate-limit-reset", "1700000060")]);
        let limit = classify(429, &h, b"{}").expect("a limit");
        assert_eq!(
            limit,
            Limit::RateLimited {
                reset: Some(1_700_000_060)
            }
        );
        assert!(limit.is_worth_waiting_for());
        assert!(classify(403, &h, b"{}").is_none());
    }

    #[test]
    fn the_wait_is_until_the_reset_and_never_past_the_bound() {
        let max = Duration::from_secs(900);
        let now = 1_700_000_000;
        assert_eq!(
            wait_for_reset(Some(now + 60), now, max),
            Ok(Duration::from_secs(61))
        );
        // Just reset (or the clocks differ): a second.
        assert_eq!(
            wait_for_reset(Some(now - 5), now, max),
            Ok(Duration::from_secs(1))
        );
        let far = wait_for_reset(Some(now + 3600), now, max).unwrap_err();
        assert!(far.contains("past --wait-max"), "{far}");
        // Missing, not a time, or out of all reason: no wait.
        assert!(wait_for_reset(None, now, max).is_err());
        assert!(wait_for_reset(Some(now + 10 * 86_400), now, max).is_err());
        assert!(wait_for_reset(Some(i64::MIN), now, max).is_err());
    }
}
