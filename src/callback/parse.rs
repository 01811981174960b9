//! Reading what the person pastes after clicking "Authorize app": the whole redirected
//! address (`https://…/callback?state=…&code=…`) or just its query (`code=…&state=…`).

use std::fmt;

use url::{Position, Url};

/// Largest paste that is looked at, in bytes. A real redirect address is a few hundred bytes.
pub const MAX_INPUT: usize = 8 * 1024;

/// Longest piece of pasted text echoed back in an error message, in characters.
const MAX_ECHO: usize = 200;

/// The two values X puts on the callback URL after the person clicks "Authorize app".
#[derive(Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The authorization code (single use, valid about 30 seconds).
    pub code: String,
    /// The state, already checked against the one this login attempt sent.
    pub state: String,
}

impl fmt::Debug for Redirect {
    // The code is a short-lived secret: keep it out of logs and panic messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redirect")
            .field("code", &format_args!("<{} bytes>", self.code.len()))
            .field("state", &self.state)
            .finish()
    }
}

/// Why a pasted redirect could not be used. Every text field holds already-escaped text
/// (no control characters, at most a couple of hundred characters), safe to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// Nothing (or only whitespace and quotes) was pasted.
    Empty,
    /// More than [`MAX_INPUT`] bytes were pasted; `len` is the pasted length in bytes.
    TooLong { len: usize },
    /// Neither an address nor a query with `code`/`state`/`error` in it.
    NotUnderstood,
    /// `error=access_denied`: the person clicked Cancel on X's page.
    AccessDenied,
    /// Any other `error=…` sent back by X, with its `error_description` if any.
    Provider {
        error: String,
        description: Option<String>,
    },
    /// No (or an empty) `code` parameter.
    NoCode,
    /// No (or an empty) `state` parameter.
    NoState,
    /// The `state` belongs to another login attempt.
    StateMismatch,
    /// `code` or `state` appears more than once.
    Duplicate { param: String },
    /// A full address whose scheme, host, port or path differ from the callback URL.
    WrongCallback { expected: String, got: String },
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::Empty => f.write_str(
                "Nothing was pasted. Copy the whole address from the browser's address bar after X redirects, and paste it here.",
            ),
            CallbackError::TooLong { len } => write!(
                f,
                "The pasted text is too long ({len} bytes, at most {MAX_INPUT}). Copy only the address from the browser's address bar after X redirects."
            ),
            CallbackError::NotUnderstood => f.write_str(
                "This is not an address with code=… and state=… in it. Copy the whole address from the browser's address bar after X redirects.",
            ),
            CallbackError::AccessDenied => f.write_str(
                "You clicked Cancel on X's page, so no access was given. Open the link again and click Authorize app.",
            ),
            CallbackError::Provider { error, description } => {
                let error = if error.is_empty() { "(no name)" } else { error };
                write!(f, "X sent back the error \"{error}\"")?;
                if let Some(d) = description.as_deref().filter(|d| !d.is_empty()) {
                    write!(f, " ({d})")?;
                }
                f.write_str(" instead of a code. Check the app's settings in the X developer portal, then start again.")
            }
            CallbackError::NoCode => f.write_str(
                "This address has no code=… part. Copy the whole address from the browser's address bar after X redirects.",
            ),
            CallbackError::NoState => f.write_str(
                "This address has no state=… part. Copy the whole address from the browser's address bar after X redirects.",
            ),
            CallbackError::StateMismatch => f.write_str(
                "This address belongs to another login attempt (its state does not match). Paste the address from the login you just approved, or start again.",
            ),
            CallbackError::Duplicate { param } => write!(
                f,
                "This address has {param}=… more than once, so it cannot be trusted. Copy the address again from the browser's address bar, or start again."
            ),
            CallbackError::WrongCallback { expected, got } => write!(
                f,
                "This address goes to {got}, not to the callback URL {expected}. Check that the portal's Callback URI is exactly the same as in xconnect."
            ),
        }
    }
}

impl std::error::Error for CallbackError {}

/// Reads a pasted redirect and checks it against this login attempt.
///
/// Accepted forms: the whole address, the address without its scheme, the query alone
/// (with or without a leading `?`), each possibly wrapped in whitespace, quotes or `<…>`.
/// When the query has no `code`, `state` or `error`, the fragment (`#code=…`) is read instead.
///
/// Checks, in this order:
/// 1. `error=…` — a Cancel redirect carries `error=access_denied` and *no code*, so it must be
///    recognised before anything that would otherwise call it "no code" or "wrong address";
///    the person needs to hear that they clicked Cancel, not that they copied badly.
///    (Nothing is granted by an error redirect, so reporting it before the state check is safe.)
/// 2. a repeated `code` or `state` — the address was tampered with or mangled;
/// 3. for full addresses only, scheme, host, port and path against `callback_url`
///    (exactly: a trailing slash, http/https or localhost/127.0.0.1 all differ);
/// 4. `state` — always, against `expected_state`;
/// 5. `code`.
pub fn parse_redirect(
    input: &str,
    callback_url: &Url,
    expected_state: &str,
) -> Result<Redirect, CallbackError> {
    if input.len() > MAX_INPUT {
        return Err(CallbackError::TooLong { len: input.len() });
    }
    let text = unwrap_paste(input);
    if text.is_empty() {
        return Err(CallbackError::Empty);
    }
    let (address, params) = read_paste(&text, callback_url)?;

    if let Some(error) = first(&params, "error") {
        if error == "access_denied" {
            return Err(CallbackError::AccessDenied);
        }
        return Err(CallbackError::Provider {
            error: crate::text::escape(error, 100),
            description: first(&params, "error_description").map(|d| crate::text::escape(d, 300)),
        });
    }

    for param in ["code", "state"] {
        if params.iter().filter(|(k, _)| k == param).count() > 1 {
            return Err(CallbackError::Duplicate {
                param: param.to_string(),
            });
        }
    }

    if let Some(address) = &address {
        if !same_place(address, callback_url) {
            return Err(CallbackError::WrongCallback {
                expected: crate::text::escape(&place(callback_url), MAX_ECHO),
                got: crate::text::escape(&place(address), MAX_ECHO),
            });
        }
    }

    let state = match first(&params, "state") {
        Some(s) if !s.is_empty() => s,
        _ => return Err(CallbackError::NoState),
    };
    if expected_state.is_empty() || !same_secret(state.as_bytes(), expected_state.as_bytes()) {
        return Err(CallbackError::StateMismatch);
    }

    let code = match first(&params, "code") {
        Some(c) if !c.is_empty() => c,
        _ => return Err(CallbackError::NoCode),
    };
    Ok(Redirect {
        code: code.to_string(),
        state: state.to_string(),
    })
}

type Params = Vec<(String, String)>;

/// Strips surrounding whitespace, quotes and angle brackets, and line breaks/tabs anywhere
/// (a terminal may wrap a long address when it is copied; an address never holds them).
fn unwrap_paste(input: &str) -> String {
    let joined: String = input
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\t'))
        .collect();
    let mut s = joined.trim();
    loop {
        let before = s.len();
        for (open, close) in [
            ('"', '"'),
            ('\'', '\''),
            ('`', '`'),
            ('<', '>'),
            ('\u{201c}', '\u{201d}'),
            ('\u{2018}', '\u{2019}'),
        ] {
            if let Some(inner) = s.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
                s = inner.trim();
            }
        }
        if s.len() == before {
            break;
        }
    }
    s.to_string()
}

/// Splits the paste into the address it names (if it is a full address) and its parameters.
fn read_paste(text: &str, callback_url: &Url) -> Result<(Option<Url>, Params), CallbackError> {
    let bare = if let Some(query) = text.strip_prefix('?') {
        query_or_fragment(query)
    } else if let Some(fragment) = text.strip_prefix('#') {
        decode(fragment)
    } else if let Some(address) = as_address(text, callback_url) {
        let mut params = decode(address.query().unwrap_or(""));
        if !has_callback_params(&params) {
            if let Some(fragment) = address.fragment() {
                params = decode(fragment);
            }
        }
        return Ok((Some(address), params));
    } else {
        query_or_fragment(text)
    };
    if has_callback_params(&bare) {
        Ok((None, bare))
    } else {
        Err(CallbackError::NotUnderstood)
    }
}

/// The paste as an address: either a whole one, one without its scheme
/// (`app.example.com/cb?…`, `localhost:8080/cb?…`) or a path (`/cb?…`).
fn as_address(text: &str, callback_url: &Url) -> Option<Url> {
    if let Ok(url) = Url::parse(text) {
        // `localhost:8080/cb?…` parses with the scheme "localhost": that is not what was meant.
        if !url.cannot_be_a_base() || url.scheme() == callback_url.scheme() {
            return Some(url);
        }
    }
    let head_end = text.find(['?', '#'])?;
    let head = &text[..head_end];
    if head.is_empty() || head.contains(['=', '&']) {
        return None;
    }
    if head.starts_with('/') {
        if head.starts_with("//") {
            return None;
        }
        return callback_url.join(text).ok();
    }
    let url = Url::parse(&format!("{}://{}", callback_url.scheme(), text)).ok()?;
    (!url.cannot_be_a_base()).then_some(url)
}

/// A bare query, possibly followed by a fragment; the fragment is read when the query
/// has no callback parameters.
fn query_or_fragment(text: &str) -> Params {
    let (query, fragment) = match text.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (text, None),
    };
    let params = decode(query);
    match fragment {
        Some(f) if !has_callback_params(&params) => decode(f),
        _ => params,
    }
}

fn decode(query: &str) -> Params {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn has_callback_params(params: &Params) -> bool {
    params
        .iter()
        .any(|(k, _)| k == "code" || k == "state" || k == "error")
}

fn first<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Scheme, host, port and path equal. Both sides went through the same URL parser, so
/// default ports and host case compare as the browser would send them.
fn same_place(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
        && a.path() == b.path()
}

/// `scheme://host:port/path` of an address, without user info, query or fragment.
fn place(url: &Url) -> String {
    format!(
        "{}{}",
        &url[..Position::BeforeUsername],
        &url[Position::BeforeHost..Position::AfterPath]
    )
}

/// Equality that does not stop at the first differing byte.
pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "st4te_Abc-123";

    fn latenode() -> Url {
        Url::parse("https://app.latenode.com/redirected/index.html").unwrap()
    }

    fn parse(input: &str) -> Result<Redirect, CallbackError> {
        parse_redirect(input, &latenode(), STATE)
    }

    fn ok(code: &str) -> Result<Redirect, CallbackError> {
        Ok(Redirect {
            code: code.to_string(),
            state: STATE.to_string(),
        })
    }

    #[test]
    fn full_address() {
        let input =
            format!("https://app.latenode.com/redirected/index.html?state={STATE}&code=abc123");
        assert_eq!(parse(&input), ok("abc123"));
    }

    #[test]
    fn query_alone_with_or_without_question_mark() {
        assert_eq!(parse(&format!("code=abc&state={STATE}")), ok("abc"));
        assert_eq!(parse(&format!("?code=abc&state={STATE}")), ok("abc"));
        assert_eq!(
            parse(&format!("?state={STATE}&code=abc&extra=1")),
            ok("abc")
        );
    }

    #[test]
    fn wrapped_in_whitespace_quotes_and_brackets() {
        let url = format!("https://app.latenode.com/redirected/index.html?state={STATE}&code=c");
        for input in [
            format!("  {url}\n"),
            format!("\"{url}\""),
            format!("'{url}'"),
            format!("<{url}>"),
            format!(" < \"{url}\" > "),
            format!("`{url}`"),
            format!("\u{201c}{url}\u{201d}"),
            format!("\t?code=c&state={STATE}\r\n"),
        ] {
            assert_eq!(parse(&input), ok("c"), "{input:?}");
        }
    }

    #[test]
    fn line_breaks_inside_a_wrapped_address_are_dropped() {
        let input =
            format!("https://app.latenode.com/redir\nected/index.html?state={STATE}&co\r\nde=c");
        assert_eq!(parse(&input), ok("c"));
    }

    #[test]
    fn fragment_is_read_when_the_query_has_none() {
        assert_eq!(
            parse(&format!(
                "https://app.latenode.com/redirected/index.html#code=f&state={STATE}"
            )),
            ok("f")
        );
        assert_eq!(
            parse(&format!(
                "https://app.latenode.com/redirected/index.html?x=1#code=f&state={STATE}"
            )),
            ok("f")
        );
        assert_eq!(parse(&format!("#code=f&state={STATE}")), ok("f"));
        assert_eq!(parse(&format!("x=1#code=f&state={STATE}")), ok("f"));
        // The query wins when it has the parameters.
        assert_eq!(
            parse(&format!(
                "https://app.latenode.com/redirected/index.html?code=q&state={STATE}#code=f"
            )),
            ok("q")
        );
    }

    #[test]
    fn address_without_scheme_or_as_a_path() {
        assert_eq!(
            parse(&format!(
                "app.latenode.com/redirected/index.html?code=s&state={STATE}"
            )),
            ok("s")
        );
        assert_eq!(
            parse(&format!("/redirected/index.html?code=s&state={STATE}")),
            ok("s")
        );
        let local = Url::parse("http://localhost:8080/callback").unwrap();
        assert_eq!(
            parse_redirect(
                &format!("localhost:8080/callback?code=s&state={STATE}"),
                &local,
                STATE
            ),
            ok("s")
        );
        assert_eq!(
            parse(&format!("app.latenode.com/other?code=s&state={STATE}")),
            Err(CallbackError::WrongCallback {
                expected: "https://app.latenode.com/redirected/index.html".into(),
                got: "https://app.latenode.com/other".into(),
            })
        );
    }

    #[test]
    fn encoded_separators_do_not_split_parameters() {
        assert_eq!(
            parse(&format!("code=a%26state%3Devil%3D&state={STATE}")),
            ok("a&state=evil=")
        );
        let enc_state = "x%26code%3Dz";
        assert_eq!(
            parse_redirect(
                &format!("code=c&state={enc_state}"),
                &latenode(),
                "x&code=z"
            ),
            Ok(Redirect {
                code: "c".into(),
                state: "x&code=z".into()
            })
        );
        assert_eq!(parse(&format!("code=a%20b%2Bc&state={STATE}")), ok("a b+c"));
    }

    #[test]
    fn duplicates_are_refused_even_when_equal() {
        assert_eq!(
            parse(&format!("code=a&code=a&state={STATE}")),
            Err(CallbackError::Duplicate {
                param: "code".into()
            })
        );
        assert_eq!(
            parse(&format!("code=a&state={STATE}&state={STATE}")),
            Err(CallbackError::Duplicate {
                param: "state".into()
            })
        );
        // Checked before the address: mangled is mangled wherever it points.
        assert_eq!(
            parse(&format!(
                "https://evil.example/?code=a&code=b&state={STATE}"
            )),
            Err(CallbackError::Duplicate {
                param: "code".into()
            })
        );
    }

    #[test]
    fn cancel_and_provider_errors() {
        let cancel = format!(
            "https://app.latenode.com/redirected/index.html?error=access_denied&state={STATE}"
        );
        assert_eq!(parse(&cancel), Err(CallbackError::AccessDenied));
        // Reported even with a stale state or duplicate parameters: nothing is granted.
        assert_eq!(
            parse("error=access_denied&state=old&state=old"),
            Err(CallbackError::AccessDenied)
        );
        assert_eq!(
            parse(&format!(
                "error=invalid_scope&error_description=Unknown+scope+%27x%27&state={STATE}"
            )),
            Err(CallbackError::Provider {
                error: "invalid_scope".into(),
                description: Some("Unknown scope 'x'".into()),
            })
        );
        assert_eq!(
            parse("error=server_error"),
            Err(CallbackError::Provider {
                error: "server_error".into(),
                description: None,
            })
        );
    }

    #[test]
    fn wrong_callback_compares_exactly() {
        let cb = "https://app.latenode.com/redirected/index.html";
        for (input, got) in [
            (
                "https://app.latenode.com/redirected/index.html/",
                "https://app.latenode.com/redirected/index.html/",
            ),
            (
                "http://app.latenode.com/redirected/index.html",
                "http://app.latenode.com/redirected/index.html",
            ),
            (
                "https://app.latenode.com:8443/redirected/index.html",
                "https://app.latenode.com:8443/redirected/index.html",
            ),
            (
                "https://latenode.com/redirected/index.html",
                "https://latenode.com/redirected/index.html",
            ),
            (
                "https://app.latenode.com/redirected/Index.html",
                "https://app.latenode.com/redirected/Index.html",
            ),
            ("https://user:pw@evil.example/x", "https://evil.example/x"),
        ] {
            assert_eq!(
                parse(&format!("{input}?code=c&state={STATE}")),
                Err(CallbackError::WrongCallback {
                    expected: cb.into(),
                    got: got.into()
                }),
                "{input}"
            );
        }
        // Same place written differently by the browser: default port, host case.
        assert_eq!(
            parse(&format!(
                "https://APP.latenode.com:443/redirected/index.html?code=c&state={STATE}"
            )),
            ok("c")
        );
        let local = Url::parse("http://127.0.0.1:8080/callback").unwrap();
        let r = parse_redirect(
            &format!("http://localhost:8080/callback?code=c&state={STATE}"),
            &local,
            STATE,
        );
        assert!(
            matches!(r, Err(CallbackError::WrongCallback { .. })),
            "{r:?}"
        );
        // Checked before the state: the address tells more than "state differs".
        let r = parse("https://x.com/i/oauth2/authorize?state=other&client_id=abc");
        assert!(
            matches!(r, Err(CallbackError::WrongCallback { .. })),
            "{r:?}"
        );
    }

    #[test]
    fn state_is_always_checked() {
        assert_eq!(parse("code=abc"), Err(CallbackError::NoState));
        assert_eq!(parse("code=abc&state="), Err(CallbackError::NoState));
        assert_eq!(
            parse("code=abc&state=other"),
            Err(CallbackError::StateMismatch)
        );
        assert_eq!(
            parse(&format!("code=abc&state={STATE}x")),
            Err(CallbackError::StateMismatch)
        );
        assert_eq!(
            parse("https://app.latenode.com/redirected/index.html?code=abc&state=nope"),
            Err(CallbackError::StateMismatch)
        );
        // An empty expected state never matches anything.
        assert_eq!(
            parse_redirect("code=abc&state=x", &latenode(), ""),
            Err(CallbackError::StateMismatch)
        );
    }

    #[test]
    fn code_is_required() {
        assert_eq!(parse(&format!("state={STATE}")), Err(CallbackError::NoCode));
        assert_eq!(
            parse(&format!("state={STATE}&code=")),
            Err(CallbackError::NoCode)
        );
        assert_eq!(
            parse("https://app.latenode.com/redirected/index.html?x=1&state=old"),
            Err(CallbackError::StateMismatch)
        );
        assert_eq!(
            parse("https://app.latenode.com/redirected/index.html"),
            Err(CallbackError::NoState)
        );
    }

    #[test]
    fn empty_too_long_and_not_understood() {
        for input in ["", "   ", "\n\t", "\"\"", "<>", "< ' ' >"] {
            assert_eq!(parse(input), Err(CallbackError::Empty), "{input:?}");
        }
        let long = "a".repeat(MAX_INPUT + 1);
        assert_eq!(
            parse(&long),
            Err(CallbackError::TooLong { len: MAX_INPUT + 1 })
        );
        let mut just_fits = format!("code=c&state={STATE}&pad=");
        just_fits.push_str(&"p".repeat(MAX_INPUT - just_fits.len()));
        assert_eq!(parse(&just_fits), ok("c"));
        for input in [
            "hello", "abc123", "foo=bar", "?", "#", "?&&==", "=", "%", "a&b",
        ] {
            assert_eq!(parse(input), Err(CallbackError::NotUnderstood), "{input:?}");
        }
    }

    #[test]
    fn messages_are_one_safe_line() {
        let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}";
        let provider = parse(&format!(
            "error={}&error_description={}",
            url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>(),
            url::form_urlencoded::byte_serialize(format!("x{evil}\ny").as_bytes())
                .collect::<String>()
        ))
        .unwrap_err();
        let all = [
            CallbackError::Empty,
            CallbackError::TooLong { len: 9000 },
            CallbackError::NotUnderstood,
            CallbackError::AccessDenied,
            provider,
            CallbackError::Provider {
                error: String::new(),
                description: Some(String::new()),
            },
            CallbackError::NoCode,
            CallbackError::NoState,
            CallbackError::StateMismatch,
            CallbackError::Duplicate {
                param: "code".into(),
            },
            parse("https://evil.example/%1b%5b2J?code=c&state=s").unwrap_err(),
        ];
        for e in &all {
            let text = e.to_string();
            assert!(!text.is_empty());
            assert!(
                !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
                "{text:?}"
            );
            assert!(text.ends_with('.'), "{text:?}");
        }
        let text = all[4].to_string();
        assert!(text.contains("\\u{1b}]0;pwned\\u{7}"), "{text}");
        assert!(text.contains("\\u{a}y"), "{text}");
        assert_eq!(
            CallbackError::StateMismatch.to_string(),
            "This address belongs to another login attempt (its state does not match). Paste the address from the login you just approved, or start again."
        );
        assert_eq!(
            parse("https://app.latenode.com/redirected/index.html/?code=c&state=s")
                .unwrap_err()
                .to_string(),
            "This address goes to https://app.latenode.com/redirected/index.html/, not to the callback URL https://app.latenode.com/redirected/index.html. Check that the portal's Callback URI is exactly the same as in xconnect."
        );
    }

    #[test]
    fn echoed_text_is_bounded() {
        let path = "p".repeat(5000);
        let err = parse(&format!("https://evil.example/{path}?code=c&state={STATE}")).unwrap_err();
        match err {
            CallbackError::WrongCallback { got, .. } => {
                assert!(got.chars().count() <= MAX_ECHO + 1);
                assert!(got.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn debug_hides_the_code() {
        let r = parse(&format!("code=SECRETCODE&state={STATE}")).unwrap();
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("SECRETCODE"), "{dbg}");
        assert!(dbg.contains(STATE));
    }

    #[test]
    fn constant_time_compare() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(same_secret(b"", b""));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
    }

    /// A tiny deterministic generator: no extra dependencies needed.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() as usize) % items.len()]
        }
    }

    #[test]
    fn garbage_never_panics() {
        let callbacks = [
            latenode(),
            Url::parse("http://127.0.0.1:8080/callback").unwrap(),
            Url::parse("http://[::1]:1/").unwrap(),
            Url::parse("com.example.app://cb/path").unwrap(),
        ];
        let mut fixed: Vec<String> = vec![
            "x".repeat(1024 * 1024),
            "?&&==".into(),
            "%".into(),
            "code=%".into(),
            "code=%e2%82&state=%ff%fe".into(),
            "code=€&state=ünïcödé🎉".into(),
            "https://".into(),
            "https://[::1".into(),
            "http://:0/?code".into(),
            "//?code=1".into(),
            "/?#?#".into(),
            "a:b?code=1&state=2".into(),
            "javascript:alert(1)?code=1".into(),
            "\u{0}\u{1b}[31m?code=\u{0}&state=\u{7f}".into(),
            "<\"'`".into(),
            "\u{201c}".into(),
        ];
        let pieces = [
            "https://",
            "http://",
            "app.latenode.com",
            "/redirected/index.html",
            "?",
            "#",
            "&",
            "=",
            "code",
            "state",
            "error",
            "access_denied",
            STATE,
            "%",
            "%2",
            "%26",
            "%3D",
            "+",
            " ",
            "\"",
            "<",
            ">",
            "\n",
            "\u{1b}",
            "é",
            "🎉",
            "::",
            "[",
            "]",
            ":8080",
            "localhost",
            "127.0.0.1",
            "/",
            "..",
            "\u{0}",
        ];
        let mut rng = Lcg(0x5eed);
        for _ in 0..3000 {
            let n = rng.next() % 16;
            let mut s = String::new();
            for _ in 0..n {
                s.push_str(rng.pick(&pieces));
            }
            fixed.push(s);
            let bytes: Vec<u8> = (0..rng.next() % 64).map(|_| rng.next() as u8).collect();
            fixed.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        for input in &fixed {
            for cb in &callbacks {
                if let Err(e) = parse_redirect(input, cb, STATE) {
                    let text = e.to_string();
                    assert!(!text.chars().any(char::is_control), "{text:?}");
                }
            }
        }
    }
}
