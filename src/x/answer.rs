//! X's token answers, read leniently: what RFC 6749 requires is checked, what X gets odd (an
//! `expires_in` that is a string, negative, fractional or huge) is repaired and said, and an
//! answer to a refresh that carries a new refresh token is never thrown away. Error answers
//! (RFC 6749 5.2) are read here too.

use std::time::Duration;

use serde_json::{Map, Value};

use super::XError;
use crate::secret::Secret;

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

/// Which grant an answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
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

/// Reads a token answer (HTTP 200, a body that is JSON): it must be a JSON object, read by
/// [`read_answer`].
pub(crate) fn read(body: &[u8], grant: Grant) -> Result<Answer, XError> {
    let fields = serde_json::from_slice::<Map<String, Value>>(body)
        .map_err(|e| XError::BadResponse(unreadable(&e, ".", body, None)))?;
    read_answer(&fields, grant)
}

/// Reads a token answer's fields. An answer to a refresh that carries a refresh token is always
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

/// Why a token response (HTTP 200) could not be read. Its body is never quoted (it may hold
/// tokens, in JSON or in another form): a body that is not JSON is named by its content type
/// and size.
pub(crate) fn unreadable(
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

/// An OAuth error answer (RFC 6749 5.2): `error`, and perhaps a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub error: String,
    pub description: Option<String>,
}

/// A body with a string `error` field is an OAuth error answer: `None` for any other body.
/// Its `error_description` and `error_uri` must be strings when present; one of another kind
/// is named as the token answer's fault.
pub(crate) fn oauth_error(body: &[u8]) -> Option<Result<OAuthError, XError>> {
    #[derive(serde::Deserialize)]
    struct Fields {
        error: String,
        #[serde(default)]
        error_description: Option<Value>,
        #[serde(default)]
        error_uri: Option<Value>,
    }
    let fields = serde_json::from_slice::<Fields>(body).ok()?;
    let text = |name: &str, value: Option<Value>| match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(XError::BadResponse(format!(
            "the token response has a value of the wrong kind at {name}"
        ))),
    };
    Some(
        text("error_description", fields.error_description).and_then(|description| {
            text("error_uri", fields.error_uri)?;
            Ok(OAuthError {
                error: fields.error,
                description,
            })
        }),
    )
}
#[cfg(test)]
mod tests {
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
    fn only_a_body_with_an_error_field_is_an_oauth_error() {
        let is_oauth_error = |body: &[u8]| oauth_error(body).is_some();
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

    #[test]
    fn an_oauth_error_is_read_with_its_description() {
        let read = |body: &[u8]| oauth_error(body).expect("an OAuth error");
        assert_eq!(
            read(br#"{"error":"invalid_grant","error_description":"gone","error_uri":null}"#)
                .expect("read"),
            OAuthError {
                error: "invalid_grant".into(),
                description: Some("gone".into()),
            }
        );
        for (body, field) in [
            (
                &br#"{"error":"invalid_grant","error_description":5}"#[..],
                "error_description",
            ),
            (
                br#"{"error":"invalid_grant","error_uri":["x"]}"#,
                "error_uri",
            ),
        ] {
            match read(body) {
                Err(XError::BadResponse(why)) => assert_eq!(
                    why,
                    format!("the token response has a value of the wrong kind at {field}")
                ),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_token_answer_must_be_an_object() {
        match read(b"[1]", Grant::Code) {
            Err(XError::BadResponse(why)) => {
                assert_eq!(why, "the token response is not a JSON object")
            }
            other => panic!("{other:?}"),
        }
        let got = read(
            br#"{"access_token":"A","token_type":"bearer","expires_in":"60"}"#,
            Grant::Code,
        )
        .expect("read");
        assert_eq!(got.tokens.expires_in, Some(Duration::from_secs(60)));
    }
}
