//! `xconnect doctor [NAME]`: why does my automation not post? Checks, in order, everything
//! known to break an X connection, one [`Check`] each, with the fix in words a person can act
//! on: what the store alone knows (its own checks, see [`ProfileStore::checks`]), the profile
//! (reads, private, its chain's owner, a refresh token), the token (fresh, or refreshed with
//! the rotated one saved), the client authentication the app type needs, `/2/users/me`, this
//! machine's clock against X's `Date`, the scopes, the rate limit's headroom and the plan's
//! refusals. Only `/2/users/me` is called (once); a refresh only when the token is due or
//! `--refresh` asks for one.

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::refresh::fresh;
use super::send::{Answer, Session};
use super::{exit, Failure};
use crate::checkup::{Check, Status};
use crate::profile::{AppType, Profile};
use crate::store::ProfileStore;
use crate::x::limits::{self, Limit};
use crate::x::scopes::OFFLINE_ACCESS;
use crate::x::XError;

/// A skew of this much between this machine's clock and X's is said (`!`); X's `Date` is
/// whole seconds and the answer takes its time, so less is noise.
pub const CLOCK_WARN_SECS: i64 = 30;
/// A skew of this much fails: tokens look fresh that X has ended, or dead that still work,
/// and rate-limit resets are read wrong.
pub const CLOCK_FAIL_SECS: i64 = 300;

/// Runs the checks on profile `name` (which [`ProfileStore::pick`] chose). `refresh` forces a
/// refresh, which proves the refresh token and the client authentication at X (the rotated
/// refresh token is saved, as `xconnect refresh` does).
pub async fn run(
    store: &mut dyn ProfileStore,
    name: &str,
    api_override: Option<&str>,
    refresh: bool,
) -> Vec<Check> {
    let mut out = store.checks(name).await;
    let found = match store.load(name).await {
        Ok(found) => found,
        Err(e) => {
            let f = Failure::from(e);
            let fix = match f.code {
                exit::BAD_PROFILE => format!(
                    "delete it with xconnect remove {name} --yes, then log in again: xconnect login --profile {name}"
                ),
                _ => String::new(),
            };
            out.push(Check::fail("profile", f.message, fix));
            return out;
        }
    };
    out.push(if found.warnings.is_empty() {
        Check::pass("profile", format!("{} reads and is private", found.place))
    } else {
        let (what, fix): (Vec<_>, Vec<_>) = found
            .warnings
            .iter()
            .map(|w| match w.split_once(": run ") {
                Some((what, fix)) => (what.to_string(), fix.to_string()),
                None => (w.clone(), String::new()),
            })
            .unzip();
        Check::fail("profile", what.join("; "), fix.join("; "))
    });
    let profile = found.profile;
    out.push(match &profile.moved {
        None => Check::pass(
            "owner",
            "this copy owns its token chain (it alone refreshes)",
        ),
        Some(moved) => Check::fail("owner", moved.explain(name), ""),
    });
    if let Some(c) = refresh_token(name, &profile) {
        out.push(c);
    }

    // The token, refreshed (and saved) when due: the warnings were said above.
    let mut quiet = std::io::sink();
    let token = fresh(store, name, api_override, refresh, &mut quiet).await;
    out.push(match &token {
        Ok(f) => {
            let expires = f.profile.token.as_ref().map(|t| t.expires_at);
            let when = expires
                .map(|at| {
                    let left = (at - crate::timefmt::now()).whole_seconds();
                    format!(
                        "expires {} ({})",
                        crate::timefmt::rfc3339(at),
                        crate::timefmt::relative(left)
                    )
                })
                .unwrap_or_default();
            if f.refreshed {
                Check::pass(
                    "token",
                    format!("refreshed now, the rotated refresh token saved; {when}"),
                )
            } else {
                Check::pass("token", format!("fresh; {when}"))
            }
        }
        Err(f) => {
            // A new login's command is the fix: said once, after the arrow.
            let said = format!("; log in again with: xconnect login --profile {name}");
            let what = f.message.strip_suffix(&said).unwrap_or(&f.message);
            Check::fail("token", what, token_fix(name, f))
        }
    });
    out.push(client_auth(name, &profile, &token));
    let profile = match token {
        Ok(f) => f.profile,
        Err(_) => {
            out.extend(scopes(name, &profile));
            return out;
        }
    };

    let answer = users_me(store, name, api_override).await;
    let answer = match answer {
        Ok(a) => a,
        Err(f) => {
            out.push(Check::fail("users_me", f.message, retry_fix(f.code)));
            out.extend(scopes(name, &profile));
            return out;
        }
    };
    let limit = limits::classify(answer.status, &answer.headers, &answer.body);
    out.push(users_me_check(&answer, limit.is_some()));
    out.push(clock(
        &answer.headers,
        crate::timefmt::now().unix_timestamp(),
    ));
    out.extend(scopes(name, &profile));
    out.push(rate_limit(&answer.headers, limit.as_ref()));
    out.push(plan(limit.as_ref()));
    out
}

/// Whether any check failed (a `!` does not count).
pub fn failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == Status::Fail)
}

/// The checks as lines for a person (one per check).
pub fn text(checks: &[Check]) -> String {
    checks.iter().map(|c| c.line() + "\n").collect()
}

/// The checks as a JSON array of {check, status, detail, fix}, ready for a terminal.
pub fn json(checks: &[Check]) -> Result<String, String> {
    let text = serde_json::to_string_pretty(checks).map_err(|e| e.to_string())?;
    Ok(crate::text::json_for_terminal(&text))
}

/// One line for stderr: how many passed, failed and warned.
pub fn summary(checks: &[Check]) -> String {
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let (fail, warn) = (count(Status::Fail), count(Status::Warn));
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{} passed, {}, {}.",
        plural(count(Status::Pass), "check", "checks"),
        plural(fail, "failed", "failed"),
        plural(warn, "warning", "warnings")
    )
}

/// `offline.access`: without a refresh token the profile ends with its access token.
fn refresh_token(name: &str, p: &Profile) -> Option<Check> {
    let t = p.token.as_ref()?;
    if t.refresh_token.as_deref().is_some_and(|r| !r.is_empty()) {
        return Some(Check::pass(
            "refresh_token",
            "present (offline.access granted): the profile keeps working past the 2-hour access token",
        ));
    }
    let asked = p.app.scopes.iter().any(|s| s == OFFLINE_ACCESS);
    let fix = if asked {
        format!("X did not grant offline.access; log in again: xconnect login --profile {name}")
    } else {
        format!(
            "log in again with offline.access among the scopes: xconnect login --profile {name} --scopes \"{} {OFFLINE_ACCESS}\"",
            p.app.scopes.join(" ")
        )
    };
    Some(Check::fail(
        "refresh_token",
        "none: the profile stops working when its access token expires, 2 hours after the login",
        fix,
    ))
}

fn token_fix(name: &str, f: &Failure) -> String {
    match f.code {
        exit::NEEDS_REAUTH => format!("log in again: xconnect login --profile {name}"),
        code => retry_fix(code),
    }
}

fn retry_fix(code: u8) -> String {
    match code {
        exit::UNAVAILABLE => "try again later: X or the network is not answering".to_string(),
        _ => String::new(),
    }
}

/// The app type against the client authentication that works: a Native App sends no secret,
/// a Web App (or Bot) its Client Secret; a refresh made now proves which X takes.
fn client_auth(name: &str, p: &Profile, token: &Result<super::refresh::Fresh, Failure>) -> Check {
    const CHECK: &str = "client_auth";
    let kind = p.app.app_type.label();
    let has_secret = p
        .app
        .client_secret
        .as_deref()
        .is_some_and(|s| !s.is_empty());
    let secret_again = format!(
        "XCONNECT_CLIENT_SECRET=<the secret from the app's Keys and tokens> xconnect login --profile {name} --app-type web"
    );
    if let Err(f) = token {
        if f.message
            == (XError::ClientAuth {
                confidential: false,
            })
            .to_string()
        {
            return Check::fail(
                CHECK,
                "the profile is a Native App (no Client Secret), but X wants one: the portal's Type of App is now Web App or Bot",
                format!(
                    "set the Type of App back to Native App in the portal's User authentication settings, or log in as a Web App with its secret: {secret_again}"
                ),
            );
        }
        if f.message.starts_with(super::refresh::SECRET_REFUSED) {
            return Check::fail(
                CHECK,
                "X refused the saved Client ID and Client Secret (a secret regenerated in the portal ends the old one)",
                format!("log in again with the current secret: {secret_again}"),
            );
        }
    }
    if p.app.app_type == AppType::Web && !has_secret {
        return Check::fail(
            CHECK,
            "the profile is a Web App but holds no Client Secret: X refuses its refreshes",
            format!("log in again with the secret: {secret_again}"),
        );
    }
    let how = match p.app.app_type {
        AppType::Native => "the Client ID alone, with PKCE",
        AppType::Web => "the Client ID and Client Secret (HTTP Basic)",
    };
    match token {
        Ok(f) if f.refreshed => Check::pass(
            CHECK,
            format!("{kind}: the refresh just now proved that X takes {how}"),
        ),
        Ok(_) => Check::pass(
            CHECK,
            format!(
                "{kind}: sends {how}; not tried at X this time, as the token is fresh (xconnect doctor --refresh tries a refresh)"
            ),
        ),
        Err(_) => Check::pass(
            CHECK,
            format!("{kind}: sends {how}; not proven this time (see the token check)"),
        ),
    }
}

/// `GET /2/users/me` with the profile's token.
async fn users_me(
    store: &mut dyn ProfileStore,
    name: &str,
    api_override: Option<&str>,
) -> Result<Answer, Failure> {
    let mut quiet = std::io::sink();
    let first = store.load(name).await?;
    let mut session = Session::open(store, name, first, api_override, &mut quiet).await?;
    let url = session.url("/2/users/me")?;
    session
        .send(&mut quiet, |http| Ok(http.get(url.clone())))
        .await
}

fn users_me_check(a: &Answer, a_limit: bool) -> Check {
    const CHECK: &str = "users_me";
    if a.is_success() {
        let v: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
        let s = |k: &str| {
            v.get("data")
                .and_then(|d| d.get(k))
                .and_then(Value::as_str)
                .map(|t| crate::text::clean_short(t, 60))
                .unwrap_or_default()
        };
        return Check::pass(
            CHECK,
            format!("answers: @{} (id {})", s("username"), s("id")),
        );
    }
    if a_limit {
        return Check::warn(
            CHECK,
            format!(
                "X took the token but refused the call (HTTP {}): see the rate_limit and plan checks",
                a.status
            ),
            "",
        );
    }
    if a.status == 403 && a.body.windows(19).any(|w| w == b"client-not-enrolled") {
        return Check::fail(
            CHECK,
            "X refuses API calls from this app (403 client-not-enrolled): it is not in a Project with API access; the login itself worked",
            "in the Developer Portal, move the app into a Project (Pay-per-use package, Production environment); in the Developer Console: Apps, Manage apps, open the app, Move to package, Pay-per-use, Production",
        );
    }
    let f = super::send::refused(a);
    Check::fail(CHECK, f.message, "")
}

/// This machine's clock against X's `Date`.
fn clock(headers: &HeaderMap, now_unix: i64) -> Check {
    const CHECK: &str = "clock";
    let Some(x) = headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(http_date)
    else {
        return Check::warn(
            CHECK,
            "X's answer carried no readable Date header, so this machine's clock was not compared",
            "",
        );
    };
    let skew = now_unix.saturating_sub(x);
    let words = skew_words(skew.unsigned_abs());
    let side = if skew < 0 { "behind" } else { "ahead of" };
    let detail = format!("this machine's clock is {words} {side} X's");
    let fix = "set the clock right: turn on time synchronisation (timedatectl set-ntp true, or the system's NTP settings)";
    match skew.abs() {
        s if s < CLOCK_WARN_SECS => Check::pass(CHECK, format!("within {CLOCK_WARN_SECS} seconds of X's")),
        s if s < CLOCK_FAIL_SECS => Check::warn(CHECK, detail, fix),
        _ => Check::fail(
            CHECK,
            format!("{detail}: tokens look fresh that X has ended (or dead that still work), and rate-limit resets are read wrong"),
            fix,
        ),
    }
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) as a Unix time.
fn http_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() > 64 {
        return None;
    }
    let text = text.strip_suffix("GMT").map(|t| format!("{t}+0000"))?;
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc2822)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

/// "1 hour", "3 minutes 20 seconds": at most two units, minutes rounded past ten minutes.
pub fn skew_words(secs: u64) -> String {
    let secs = if secs >= 600 {
        (secs + 30) / 60 * 60
    } else {
        secs
    };
    let unit = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let parts: Vec<String> = [(d, "day"), (h, "hour"), (m, "minute"), (s, "second")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .take(2)
        .map(|(n, u)| unit(n, u))
        .collect();
    if parts.is_empty() {
        "0 seconds".to_string()
    } else {
        parts.join(" ")
    }
}

/// Granted against asked, and against what `post` (tweet.write) and media (media.write)
/// need; nothing to compare without a token.
fn scopes(name: &str, p: &Profile) -> Option<Check> {
    const CHECK: &str = "scopes";
    let t = p.token.as_ref()?;
    let granted: Vec<&str> = t.scope.split_whitespace().collect();
    if let Some(check) = p.scope_check() {
        let missing: Vec<&str> = check
            .missing
            .iter()
            .map(String::as_str)
            .filter(|s| *s != OFFLINE_ACCESS)
            .collect();
        if !missing.is_empty() {
            let problem = check.problems(name).into_iter().next().unwrap_or_default();
            let (what, fix) = problem
                .split_once(" To fix: ")
                .map(|(w, f)| (w.to_string(), f.trim_end_matches('.').to_string()))
                .unwrap_or((problem.clone(), String::new()));
            return Some(Check::fail(CHECK, what, fix));
        }
    }
    let again = format!(
        "set App permissions to Read and write in the portal's User authentication settings, Save, then log in again: xconnect login --profile {name} --permissions read-write"
    );
    if !granted.contains(&"tweet.write") {
        return Some(Check::warn(
            CHECK,
            "not granted tweet.write: xconnect post (and any post from a script) is refused with exit 4",
            again,
        ));
    }
    if !granted.contains(&"media.write") {
        return Some(Check::warn(
            CHECK,
            "not granted media.write: posts without media work, media uploads are refused with exit 4",
            again,
        ));
    }
    Some(Check::pass(
        CHECK,
        format!(
            "X granted all {} scopes asked, posting (tweet.write) and media (media.write) among them",
            p.app.scopes.len()
        ),
    ))
}

/// The rate limit's headroom as the answer's `x-rate-limit-*` headers say (for
/// `/2/users/me`: each endpoint has its own budget).
fn rate_limit(headers: &HeaderMap, limit: Option<&Limit>) -> Check {
    const CHECK: &str = "rate_limit";
    let now = crate::timefmt::now().unix_timestamp();
    let wait_fix = "wait for the reset; xconnect api, post and media upload --wait wait for it and send once more";
    if let Some(l @ Limit::RateLimited { .. }) = limit {
        return Check::fail(CHECK, l.message(now), wait_fix);
    }
    let number = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let (Some(left), Some(of)) = (
        number("x-rate-limit-remaining"),
        number("x-rate-limit-limit"),
    ) else {
        return Check::pass(CHECK, "X's answer carried no rate-limit headers");
    };
    let reset = match crate::x::error::RetryAt::from_reset(
        crate::x::http::rate_limit_reset(headers),
        now,
    ) {
        crate::x::error::RetryAt::At { unix, wait } => format!(
            ", resets at {} ({})",
            crate::timefmt::local_hm(unix),
            crate::timefmt::relative(wait)
        ),
        _ => String::new(),
    };
    let detail = format!("/2/users/me: {left} of {of} calls left in this window{reset}");
    if left == 0 {
        Check::fail(
            CHECK,
            format!("{detail}: the next call is refused"),
            wait_fix,
        )
    } else if left.saturating_mul(10) <= of {
        Check::warn(CHECK, format!("{detail}: little room left"), wait_fix)
    } else {
        Check::pass(CHECK, detail)
    }
}

/// A usage cap reached, or no credits left.
fn plan(limit: Option<&Limit>) -> Check {
    const CHECK: &str = "plan";
    let now = crate::timefmt::now().unix_timestamp();
    match limit {
        Some(l @ Limit::UsageCapped { .. }) => Check::fail(
            CHECK,
            l.message(now),
            "in the X Developer Console (the project's usage and billing): raise or remove the cap, or change the plan; waiting does not help",
        ),
        Some(l @ Limit::OutOfCredits { .. }) => Check::fail(
            CHECK,
            l.message(now),
            "add pay-per-use credits in the X Developer Console (billing)",
        ),
        _ => Check::pass(CHECK, "no usage cap reached, credits left"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skews_are_said_in_two_units_at_most() {
        assert_eq!(skew_words(0), "0 seconds");
        assert_eq!(skew_words(45), "45 seconds");
        assert_eq!(skew_words(200), "3 minutes 20 seconds");
        assert_eq!(skew_words(3599), "1 hour");
        assert_eq!(skew_words(3601), "1 hour");
        assert_eq!(skew_words(90_061), "1 day 1 hour");
    }

    #[test]
    fn http_dates_read_and_nonsense_does_not() {
        assert_eq!(
            http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(http_date("yesterday"), None);
        assert_eq!(http_date(&"x".repeat(500)), None);
    }
}
