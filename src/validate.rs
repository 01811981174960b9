//! Checks of what a person enters. Each error says what is wrong and what is expected;
//! a warning is for values that merely look unusual (X may change its formats).

use url::{Host, Url};

/// The longest URL accepted in a field. X's portal rejects far shorter ones.
pub const MAX_URL_LEN: usize = 2048;

/// True for the hosts where plain http is allowed: this machine only.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Validates a Callback or Website URL: absolute, https (http only for 127.0.0.1, localhost or
/// [::1]), no fragment, no whitespace or control characters.
pub fn check_url(value: &str) -> Result<Url, String> {
    if value.is_empty() {
        return Err("Enter a URL, starting with https://".into());
    }
    if value.len() > MAX_URL_LEN {
        return Err(format!(
            "This URL is {} characters long; X accepts at most {MAX_URL_LEN}.",
            value.len()
        ));
    }
    if value.chars().any(char::is_whitespace) {
        return Err("Remove the spaces: a URL has none (use %20 if one is meant).".into());
    }
    if value.chars().any(char::is_control) {
        return Err("Remove the control characters from the URL.".into());
    }
    let lower = value.to_ascii_lowercase();
    for banned in ["javascript:", "data:", "file:", "vbscript:"] {
        if lower.starts_with(banned) {
            return Err(format!(
                "X does not allow {banned} URLs. Use an https:// address."
            ));
        }
    }
    let url = Url::parse(value).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => {
            "This is not a full URL: start it with https:// and a host name.".to_string()
        }
        e => format!("This is not a valid URL ({e}). Expected e.g. https://example.com/callback"),
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(
                "Use https://. Plain http:// is only allowed for 127.0.0.1 or localhost.".into(),
            )
        }
        other => return Err(format!("Use an https:// URL (this one is {other}:).")),
    }
    if url.host().is_none() {
        return Err("The URL needs a host name, as in https://example.com/".into());
    }
    if url.fragment().is_some() {
        return Err("Remove the #… part: X does not allow a fragment in this URL.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Remove the user name or password from the URL.".into());
    }
    Ok(url)
}

/// What a credential check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Ok,
    /// Accepted, but probably a mistake; the text says why.
    Warn(String),
    /// Refused; the text says what to do.
    Error(String),
}

impl Check {
    pub fn is_error(&self) -> bool {
        matches!(self, Check::Error(_))
    }
    pub fn message(&self) -> Option<&str> {
        match self {
            Check::Ok => None,
            Check::Warn(m) | Check::Error(m) => Some(m),
        }
    }
}

fn refuse_bad_chars(value: &str, what: &str) -> Option<Check> {
    if value.is_empty() {
        return Some(Check::Error(format!("Paste the {what} here.")));
    }
    if value.chars().any(char::is_control) {
        return Some(Check::Error(format!(
            "The {what} holds control characters: paste it again from the portal."
        )));
    }
    if value.chars().any(char::is_whitespace) {
        return Some(Check::Error(format!(
            "The {what} has no spaces: remove them, or copy it again with the portal's copy button."
        )));
    }
    None
}

/// A Client ID the length of an OAuth 1.0a key: which key it looks like, with its length
/// ("API Key (25 characters)"). A login with it cannot have proved an OAuth 2.0 app.
pub fn looks_like_api_key(client_id: &str) -> Option<&'static str> {
    match client_id.chars().count() {
        25 => Some("API Key (25 characters)"),
        50 => Some("API Key Secret (50 characters)"),
        _ => None,
    }
}

/// The OAuth 1.0a API Key is 25 characters, its secret 50; the OAuth 2.0 Client ID is about 34.
pub fn check_client_id(value: &str) -> Check {
    if let Some(c) = refuse_bad_chars(value, "Client ID") {
        return c;
    }
    if let Some(key) = looks_like_api_key(value) {
        return Check::Warn(format!(
            "This looks like the OAuth 1.0a {key}. The Client ID is under \
             \"OAuth 2.0 Client ID and Client Secret\"."
        ));
    }
    match value.chars().count() {
        n if n < 20 => Check::Warn(format!(
            "Only {n} characters: X's Client IDs are about 34. Check that it was copied whole."
        )),
        _ if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')) =>
        {
            Check::Warn(
                "X's Client IDs are letters, digits, - and _ only. Check that this is the Client ID."
                    .into(),
            )
        }
        _ => Check::Ok,
    }
}

/// The Client Secret of a confidential app (about 50 characters).
pub fn check_client_secret(value: &str) -> Check {
    if let Some(c) = refuse_bad_chars(value, "Client Secret") {
        return c;
    }
    match value.chars().count() {
        25 => Check::Warn(
            "This looks like the OAuth 1.0a API Key (25 characters), not the OAuth 2.0 Client Secret."
                .into(),
        ),
        n if n < 20 => Check::Warn(format!(
            "Only {n} characters: X's Client Secrets are about 50. Check that it was copied whole."
        )),
        _ => Check::Ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("https://app.latenode.com/redirected/index.html").is_ok());
        assert!(check_url("http://127.0.0.1:8765/callback").is_ok());
        assert!(check_url("http://localhost:8080/callback").is_ok());
        assert!(check_url("http://[::1]:8080/callback").is_ok());
        for (bad, says) in [
            ("", "Enter a URL"),
            ("app.latenode.com/x", "not a full URL"),
            ("/callback", "not a full URL"),
            ("http://example.com/cb", "Plain http"),
            ("https://example.com/cb#top", "fragment"),
            ("https://exa mple.com", "spaces"),
            ("https://example.com/\u{7}", "control"),
            ("javascript:alert(1)", "does not allow javascript:"),
            ("data:text/html,x", "does not allow data:"),
            ("ftp://example.com/", "https://"),
            ("https://user:pw@example.com/", "user name"),
        ] {
            let e = check_url(bad).expect_err(bad);
            assert!(e.contains(says), "{bad:?} gave {e:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(10_000));
        assert!(check_url(&long).unwrap_err().contains("at most 2048"));
    }

    #[test]
    fn client_ids() {
        assert_eq!(
            check_client_id("M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ"),
            Check::Ok
        );
        assert!(check_client_id("").is_error());
        assert!(check_client_id("abc def").is_error());
        assert!(check_client_id("abc\u{1}def").is_error());
        let api_key = "a".repeat(25);
        assert!(matches!(check_client_id(&api_key), Check::Warn(m) if m.contains("API Key")));
        let api_secret = "b".repeat(50);
        assert!(
            matches!(check_client_id(&api_secret), Check::Warn(m) if m.contains("API Key Secret"))
        );
    }

    #[test]
    fn client_secrets() {
        assert_eq!(check_client_secret(&"s".repeat(50)), Check::Ok);
        assert!(check_client_secret("").is_error());
        assert!(check_client_secret(" x").is_error());
        assert!(matches!(
            check_client_secret(&"k".repeat(25)),
            Check::Warn(_)
        ));
    }
}
