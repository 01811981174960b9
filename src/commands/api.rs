//! `xconnect api`: one call to X's API with a profile's token, for scripts and for a first
//! check. The token comes from the same place as `xconnect token` (refreshed under the lock when
//! it is about to expire); a 401 gets one refresh and one retry. The token only ever goes to
//! the profile's own API host.

use std::io::Write;

use reqwest::Method;
use serde_json::{Map, Value};
use url::Url;

use super::jq::Jq;
pub use super::send::{problem_text, rate_limited, target, MAX_ANSWER_BYTES};
use super::send::{refused, Answer, Session};
use super::{exit, Failure};
use crate::store::{Found, ProfileStore};

/// The pages `--paginate` follows unless told otherwise: enough for a first look, few enough
/// to leave the rate limit (often 15 to 900 calls per 15 minutes) for the scripts.
pub const DEFAULT_MAX_PAGES: u32 = 10;

/// Everything `xconnect api` was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub method: Option<String>,
    pub path: String,
    /// `-f key=value`: strings.
    pub fields: Vec<String>,
    /// `-F key=value`: numbers, `true`, `false` and `null` keep their JSON type.
    pub typed_fields: Vec<String>,
    /// `--input`: the body, already read.
    pub input: Option<Vec<u8>>,
    pub paginate: bool,
    pub max_pages: u32,
    pub include: bool,
    /// `--wait`: a rate limit is waited for.
    pub wait: Option<super::send::Wait>,
    /// `--jq EXPR`: a filter on each answer.
    pub jq: Option<String>,
    /// `--slurp` (with `--paginate`): one array of every page.
    pub slurp: bool,
    /// `-H 'Name: value'`: headers sent as well.
    pub headers: Vec<String>,
    /// `--verbose`: the request and the answer's head on stderr, the token masked.
    pub verbose: bool,
}

/// Where the answer goes and how it is shaped.
pub struct Output<'a> {
    pub out: &'a mut (dyn Write + Send),
    pub err: &'a mut (dyn Write + Send),
    /// stdout is a terminal: pretty JSON, hidden characters escaped (see [`crate::text`]).
    pub terminal: bool,
}

/// A request ready to send, the token aside.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub method: Method,
    pub url: Url,
    pub body: Option<Vec<u8>>,
    /// `-H`: (name, value), checked.
    pub headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
}

/// `-H 'Name: value'`, checked: a name and a value HTTP allows, and never `Authorization`
/// or `Host` (nor the `Proxy-Authorization` a proxy would take a token from).
pub fn header(
    text: &str,
) -> Result<(reqwest::header::HeaderName, reqwest::header::HeaderValue), Failure> {
    let shown = crate::text::escape(text, 200);
    let Some((name, value)) = text.split_once(':') else {
        return Err(usage(format!("-H {shown}: give 'Name: value'")));
    };
    let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| usage(format!("-H {shown}: not a header name")))?;
    if matches!(
        name.as_str(),
        "authorization" | "host" | "proxy-authorization"
    ) {
        return Err(usage(format!(
            "-H {shown}: xconnect sends {name} itself (the profile's token, to the profile's API host) and never takes it from the command line"
        )));
    }
    let value = reqwest::header::HeaderValue::from_str(value.trim())
        .map_err(|_| usage(format!("-H {shown}: not a header value")))?;
    Ok((name, value))
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::new(exit::USAGE, message)
}

/// The method: `-X` when given, otherwise GET; POST when `--input` sends a body or `-f`/`-F`
/// give fields (as `gh api` does), except with `--paginate`, which pages through a GET.
fn has_fields(call: &Call) -> bool {
    !call.fields.is_empty() || !call.typed_fields.is_empty()
}

fn method_of(call: &Call) -> Result<Method, Failure> {
    match &call.method {
        Some(m) => {
            let upper = m.trim().to_ascii_uppercase();
            match upper.as_str() {
                "GET" | "POST" | "PUT" | "PATCH" | "DELETE" => Method::from_bytes(upper.as_bytes())
                    .map_err(|_| usage(format!("-X: {m:?} is not an HTTP method"))),
                _ => Err(usage(format!(
                    "-X: X's API takes GET, POST, PUT, PATCH or DELETE, not {m:?}"
                ))),
            }
        }
        None if call.input.is_some() => Ok(Method::POST),
        // As `gh api`: fields mean POST, unless the call pages through a listing.
        None if has_fields(call) && !call.paginate => Ok(Method::POST),
        None => Ok(Method::GET),
    }
}

fn sends_body(m: &Method) -> bool {
    *m == Method::POST || *m == Method::PUT || *m == Method::PATCH
}

/// `key=value` split at the first `=`.
fn split_field(flag: &str, f: &str) -> Result<(String, String), Failure> {
    match f.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(usage(format!("{flag} {f:?}: write it as key=value"))),
    }
}

/// `-F`'s value: JSON's literals and numbers keep their type, anything else is a string.
fn typed_value(v: &str) -> Value {
    match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => v
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| {
                v.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or_else(|| Value::String(v.to_string())),
    }
}

/// Checks the call and builds the request.
pub fn prepare(api_base: &Url, call: &Call) -> Result<Prepared, Failure> {
    let method = method_of(call)?;
    let mut url = target(api_base, &call.path)?;
    let strings = call
        .fields
        .iter()
        .map(|f| split_field("-f", f).map(|(k, v)| (k, Value::String(v))));
    let typed = call
        .typed_fields
        .iter()
        .map(|f| split_field("-F", f).map(|(k, v)| (k, typed_value(&v))));
    let fields: Vec<(String, Value)> = strings.chain(typed).collect::<Result<_, _>>()?;
    if call.paginate && method != Method::GET {
        return Err(usage(
            "--paginate follows pages of a GET; drop -X or --paginate",
        ));
    }
    let body = if sends_body(&method) {
        match (&call.input, fields.is_empty()) {
            (Some(_), false) => {
                return Err(usage(
                    "give the body either with -f/-F fields or with --input, not both",
                ))
            }
            (Some(bytes), true) => Some(bytes.clone()),
            (None, _) => {
                let object: Map<String, Value> = fields.into_iter().collect();
                Some(Value::Object(object).to_string().into_bytes())
            }
        }
    } else {
        if call.input.is_some() {
            return Err(usage(format!(
                "--input sends a body, which {method} does not take: add -X POST (or PUT, PATCH)"
            )));
        }
        if !fields.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in &fields {
                match v {
                    Value::String(s) => q.append_pair(k, s),
                    other => q.append_pair(k, &other.to_string()),
                };
            }
        }
        None
    };
    let headers = call
        .headers
        .iter()
        .map(|h| header(h))
        .collect::<Result<_, _>>()?;
    Ok(Prepared {
        method,
        url,
        body,
        headers,
    })
}

/// The request for `url`, the token aside.
fn request(http: &reqwest::Client, p: &Prepared, url: &Url) -> reqwest::RequestBuilder {
    let mut rb = http.request(p.method.clone(), url.clone());
    for (name, value) in &p.headers {
        rb = rb.header(name.clone(), value.clone());
    }
    match &p.body {
        Some(body) => rb
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone()),
        None => rb,
    }
}

/// The answer's status line and headers, for `--include`.
fn head_text(a: &Answer) -> String {
    let mut s = format!("{} {} {}\n", a.version, a.status, a.reason);
    for (name, value) in &a.headers {
        let v = String::from_utf8_lossy(value.as_bytes());
        s.push_str(&format!("{name}: {}\n", crate::x::error::clean(&v)));
    }
    s.push('\n');
    s
}

/// The body as it goes to stdout: on a terminal, pretty JSON with its hidden characters
/// escaped as JSON escapes (still JSON), or text with them shown as `\u{…}` (see
/// [`crate::text`]); one line of JSON per page when following pages into a pipe; otherwise
/// exactly as received.
fn body_text(body: &[u8], terminal: bool, pages: bool) -> Vec<u8> {
    let json = serde_json::from_slice::<Value>(body).ok();
    match (json, terminal, pages) {
        (Some(v), true, _) => {
            let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
            let mut s = crate::text::json_for_terminal(&pretty);
            s.push('\n');
            s.into_bytes()
        }
        (Some(v), false, true) => {
            let mut s = v.to_string();
            s.push('\n');
            s.into_bytes()
        }
        (None, true, _) => {
            let mut s = crate::text::terminal(&String::from_utf8_lossy(body));
            if !s.ends_with('\n') {
                s.push('\n');
            }
            s.into_bytes()
        }
        (_, false, _) => body.to_vec(),
    }
}

/// The next page's token, when X says there is one.
fn next_token(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let t = v.get("meta")?.get("next_token")?.as_str()?;
    (!t.is_empty()).then(|| t.to_string())
}

fn with_page(url: &Url, token: &str) -> Url {
    let mut u = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "pagination_token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("pagination_token", token);
    u
}

fn write_out(o: &mut Output<'_>, bytes: &[u8]) -> Result<(), Failure> {
    o.out
        .write_all(bytes)
        .and_then(|_| o.out.flush())
        .map_err(|e| Failure::new(exit::FAILURE, format!("cannot write the answer: {e}")))
}

/// `--paginate`'s last word on stderr: every page is a call X bills (pay-per-use).
fn say_pages(o: &mut Output<'_>, pages: u32, how: &str) {
    let s = if pages == 1 { "" } else { "s" };
    let _ = writeln!(o.err, "{pages} page{s} ({pages} billed call{s}){how}.");
}

/// `--verbose`: the request as sent, the token masked (`>` lines, as curl shows them).
fn say_request(o: &mut Output<'_>, p: &Prepared, url: &Url) {
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let mut text = format!("> {} {target}\n", p.method);
    text.push_str(&format!("> host: {}\n", url.host_str().unwrap_or_default()));
    text.push_str("> authorization: Bearer ****\n");
    if p.body.is_some() {
        text.push_str("> content-type: application/json\n");
    }
    for (name, value) in &p.headers {
        text.push_str(&format!(
            "> {name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    let _ = write!(o.err, "{}", crate::text::terminal(&text));
}

/// `--verbose`: the answer's status line and headers (`<` lines).
fn say_answer(o: &mut Output<'_>, a: &Answer) {
    let head = head_text(a);
    let text: String = head
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| format!("< {l}\n"))
        .collect();
    let _ = write!(o.err, "{}", crate::text::terminal(&text));
}

/// One answer's body on stdout: as X sent it (see [`body_text`]), or what `--jq` makes of it.
fn print_body(
    o: &mut Output<'_>,
    jq: Option<&Jq>,
    body: &[u8],
    pages: bool,
) -> Result<(), Failure> {
    match jq {
        Some(jq) => {
            let mut text = String::new();
            for line in jq.run(body)? {
                text.push_str(&line);
                text.push('\n');
            }
            let text = if o.terminal {
                crate::text::terminal(&text)
            } else {
                text
            };
            write_out(o, text.as_bytes())
        }
        None => write_out(o, &body_text(body, o.terminal, pages)),
    }
}

/// Runs the call for profile `name`.
pub async fn run(
    store: &mut dyn ProfileStore,
    name: &str,
    first: Found,
    api_override: Option<&str>,
    call: &Call,
    o: &mut Output<'_>,
) -> Result<(), Failure> {
    if call.slurp && !call.paginate {
        return Err(usage("--slurp gathers the pages of --paginate: give both"));
    }
    // A filter that does not compile is said before anything is sent.
    let jq = call.jq.as_deref().map(Jq::compile).transpose()?;
    let mut session = Session::open(store, name, first, api_override, o.err).await?;
    session.wait = call.wait;
    let prepared = prepare(&session.endpoints.api_base, call)?;
    let mut url = prepared.url.clone();
    let mut pages = 0u32;
    let mut slurped: Vec<Value> = Vec::new();
    loop {
        if call.verbose {
            say_request(o, &prepared, &url);
        }
        let a = session
            .send(o.err, |http| Ok(request(http, &prepared, &url)))
            .await?;
        if call.verbose {
            say_answer(o, &a);
        }
        if !a.is_success() {
            if pages > 0 {
                say_pages(o, pages, " before X refused");
            }
            return Err(refused(&a));
        }
        pages += 1;
        if call.include {
            write_out(o, head_text(&a).as_bytes())?;
        }
        if call.slurp {
            let page = serde_json::from_slice::<Value>(&a.body).map_err(|e| {
                Failure::new(
                    exit::FAILURE,
                    format!("--slurp: page {pages} of X's answer is not JSON ({e})"),
                )
            })?;
            slurped.push(page);
        } else {
            print_body(o, jq.as_ref(), &a.body, call.paginate)?;
        }
        if !call.paginate {
            return Ok(());
        }
        let next = next_token(&a.body);
        let more = next.is_some() && pages < call.max_pages;
        if !more {
            if call.slurp {
                let all = Value::Array(std::mem::take(&mut slurped)).to_string();
                print_body(o, jq.as_ref(), all.as_bytes(), false)?;
            }
            match next {
                None => say_pages(o, pages, ""),
                Some(_) => {
                    let _ = writeln!(
                        o.err,
                        "Stopped after {pages} page(s); X has more. --max-pages N follows more (each page is one call against the rate limit, and billed)."
                    );
                }
            }
            return Ok(());
        }
        if let Some(next) = next {
            url = with_page(&url, &next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn base() -> Url {
        Url::parse("https://api.x.com").expect("url")
    }

    fn call(path: &str) -> Call {
        Call {
            method: None,
            path: path.into(),
            fields: vec![],
            typed_fields: vec![],
            wait: None,
            jq: None,
            slurp: false,
            headers: vec![],
            verbose: false,
            input: None,
            paginate: false,
            max_pages: DEFAULT_MAX_PAGES,
            include: false,
        }
    }

    #[test]
    fn paths_join_the_api_base_and_other_hosts_are_refused() {
        let b = base();
        assert_eq!(
            target(&b, "/2/users/me").expect("ok").as_str(),
            "https://api.x.com/2/users/me"
        );
        assert_eq!(
            target(&b, "2/users/me").expect("ok").as_str(),
            "https://api.x.com/2/users/me"
        );
        assert!(target(&b, "https://api.x.com/2/users/me").is_ok());
        for foreign in [
            "https://evil.example/2/users/me",
            "http://api.x.com/2/users/me",
            "https://api.x.com:444/2/users/me",
            "//evil.example/2/users/me",
            "https://api.x.com.evil.example/",
        ] {
            let e = target(&b, foreign).expect_err(foreign);
            assert_eq!(e.code, exit::USAGE, "{foreign}");
        }
        let e = target(&b, "https://evil.example/x").expect_err("foreign");
        assert!(e
            .message
            .contains("refusing to send the profile's token to evil.example"));
    }

    #[test]
    fn fields_are_a_json_body_or_query_parameters() {
        let mut c = call("/2/tweets");
        c.method = Some("post".into());
        c.fields = vec!["text=hello = world".into()];
        c.typed_fields = vec![
            "n=5".into(),
            "ok=true".into(),
            "x=1.5".into(),
            "s=abc".into(),
        ];
        let p = prepare(&base(), &c).expect("ok");
        assert_eq!(p.method, Method::POST);
        let body: Value = serde_json::from_slice(&p.body.expect("body")).expect("json");
        assert_eq!(
            body,
            serde_json::json!({"text": "hello = world", "n": 5, "ok": true, "x": 1.5, "s": "abc"})
        );

        let mut g = call("/2/users/1/tweets");
        g.method = Some("GET".into());
        g.fields = vec!["max_results=5".into()];
        let p = prepare(&base(), &g).expect("ok");
        assert_eq!(p.method, Method::GET);
        assert!(p.body.is_none());
        assert_eq!(p.url.query(), Some("max_results=5"));

        // As `gh api`: fields without -X mean POST, with the fields as the JSON body…
        let mut post = call("/2/tweets");
        post.fields = vec!["text=x".into()];
        let p = prepare(&base(), &post).expect("ok");
        assert_eq!(p.method, Method::POST, "-f without -X means POST");
        let body: Value = serde_json::from_slice(&p.body.expect("body")).expect("json");
        assert_eq!(body, serde_json::json!({"text": "x"}));
        let mut typed = call("/2/tweets");
        typed.typed_fields = vec!["n=1".into()];
        assert_eq!(prepare(&base(), &typed).expect("ok").method, Method::POST);
        // …except when paging through a listing, which is a GET.
        let mut pages = call("/2/users/1/tweets");
        pages.fields = vec!["max_results=5".into()];
        pages.paginate = true;
        let p = prepare(&base(), &pages).expect("ok");
        assert_eq!(p.method, Method::GET);
        assert_eq!(p.url.query(), Some("max_results=5"));
    }

    #[test]
    fn input_is_the_body_and_conflicts_are_refused() {
        let mut c = call("/2/tweets");
        c.input = Some(br#"{"text":"hi"}"#.to_vec());
        let p = prepare(&base(), &c).expect("ok");
        assert_eq!(p.method, Method::POST, "--input alone means POST");
        assert_eq!(p.body.as_deref(), Some(&br#"{"text":"hi"}"#[..]));

        c.fields = vec!["text=x".into()];
        assert_eq!(prepare(&base(), &c).expect_err("both").code, exit::USAGE);

        let mut g = call("/2/users/me");
        g.method = Some("GET".into());
        g.input = Some(b"{}".to_vec());
        assert!(prepare(&base(), &g)
            .expect_err("get body")
            .message
            .contains("-X POST"));

        let mut bad = call("/2/users/me");
        bad.fields = vec!["novalue".into()];
        assert!(prepare(&base(), &bad)
            .expect_err("field")
            .message
            .contains("key=value"));
        bad.fields = vec![];
        bad.method = Some("TRACE".into());
        assert_eq!(
            prepare(&base(), &bad).expect_err("method").code,
            exit::USAGE
        );
        let mut pg = call("/2/tweets");
        pg.method = Some("POST".into());
        pg.paginate = true;
        assert!(prepare(&base(), &pg).is_err());
    }

    #[test]
    fn problems_show_title_detail_and_errors_cleaned() {
        let body = br#"{"title":"Not Found Error","detail":"Could not find tweet with id: [1].","type":"x","status":404}"#;
        assert_eq!(
            problem_text(404, body),
            "X answered HTTP 404 Not Found Error: Could not find tweet with id: [1]."
        );
        let older = br#"{"errors":[{"message":"Sorry, that page does not exist","code":34}]}"#;
        assert_eq!(
            problem_text(404, older),
            "X answered HTTP 404\n  - Sorry, that page does not exist"
        );
        let hostile = "{\"title\":\"bad\\u001b]52;c;AAAA\\u0007\"}";
        assert!(!problem_text(400, hostile.as_bytes()).contains('\u{1b}'));
        assert_eq!(problem_text(502, b"<html>"), "X answered HTTP 502");
    }

    #[test]
    fn a_rate_limit_says_when_it_resets() {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-reset", "1800000600".parse().expect("header"));
        let text = rate_limited(&h, 1_800_000_000);
        assert!(text.contains("resets at 08:10 UTC (in 600 s)"), "{text}");
        assert!(rate_limited(&HeaderMap::new(), 0).contains("15 minutes"));
        // A reset that cannot be right is not told as a time.
        let now = 1_800_000_000;
        for reset in [
            "9223372036854775807",
            "-9223372036854775808",
            "1800172801",
            "soon",
            "",
        ] {
            let mut h = HeaderMap::new();
            h.insert("x-rate-limit-reset", reset.parse().expect("header"));
            assert_eq!(
                rate_limited(&h, now),
                "X's rate limit for this endpoint is spent and X gave no usable time for its reset. Try again in 15 minutes.",
                "{reset}"
            );
        }
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-reset", "1799999990".parse().expect("header"));
        assert_eq!(
            rate_limited(&h, now),
            "X's rate limit for this endpoint is spent, though the reset time X gave has passed by this machine's clock (07:59 UTC). Try again in a minute."
        );
    }

    #[test]
    fn a_path_is_a_url_only_when_it_starts_with_a_scheme() {
        let b = base();
        for (path, url) in [
            (
                "/2/tweets/search/recent?query=https://example.com",
                "https://api.x.com/2/tweets/search/recent?query=https://example.com",
            ),
            (
                "2/tweets/search/recent?query=from:x%20url:http://a.example",
                "https://api.x.com/2/tweets/search/recent?query=from:x%20url:http://a.example",
            ),
            (
                "HTTPS://api.x.com/2/users/me",
                "https://api.x.com/2/users/me",
            ),
        ] {
            assert_eq!(target(&b, path).expect(path).as_str(), url);
        }
        for foreign in [
            "HTTPS://evil.example/2",
            "ftp://api.x.com/2",
            "x-y.z+1://evil/",
        ] {
            let e = target(&b, foreign).expect_err(foreign);
            assert!(
                e.message.contains("refusing to send"),
                "{foreign}: {}",
                e.message
            );
        }
    }

    #[test]
    fn pages_are_followed_with_the_next_token() {
        let u = Url::parse("https://api.x.com/2/users/1/tweets?max_results=5&pagination_token=a")
            .expect("url");
        assert_eq!(
            with_page(&u, "b").as_str(),
            "https://api.x.com/2/users/1/tweets?max_results=5&pagination_token=b"
        );
        assert_eq!(
            next_token(br#"{"meta":{"next_token":"n1"}}"#).as_deref(),
            Some("n1")
        );
        assert_eq!(next_token(br#"{"meta":{"result_count":0}}"#), None);
    }

    #[test]
    fn bodies_are_shaped_for_where_they_go() {
        let body = br#"{"data":{"id":"1"}}"#;
        assert_eq!(body_text(body, false, false), body.to_vec());
        assert_eq!(
            body_text(body, false, true),
            b"{\"data\":{\"id\":\"1\"}}\n".to_vec()
        );
        let pretty = String::from_utf8(body_text(body, true, false)).expect("utf8");
        assert!(pretty.contains("\n  \"data\""), "{pretty}");
        let raw = String::from_utf8(body_text(b"hi\x1b[31m there", true, false)).expect("utf8");
        assert_eq!(raw, "hi\\u{1b}[31m there\n");
    }
}
