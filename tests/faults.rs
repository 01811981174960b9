//! X misbehaving: refused connections, TLS failures, silence, 5xx, 429, answers that are not
//! JSON or lack a field, redirects. The real binary runs against a small in-test server that
//! answers with one fault; every case must end with one clear line on stderr, a non-zero exit
//! and no file written or changed.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::cli::*;
use common::wire::{read_request, Limits, Request, Response, WriteTo as _};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does with a request.
#[derive(Clone)]
enum Answer {
    Respond(Response),
    /// The same answer, after a while.
    Later(std::time::Duration, Response),
    /// Keeps the connection open and never says a word.
    Silent,
    /// A 200 answer of 50 MB of JSON, sent as fast as it is read (with a `Content-Length`,
    /// or chunked without one); the bytes that went out are added to the counter.
    Flood {
        status: u16,
        content_length: bool,
        sent: Arc<std::sync::atomic::AtomicUsize>,
    },
}

/// The size of a flood.
const FLOOD: usize = 50 * 1024 * 1024;

async fn flood(
    stream: &mut tokio::net::TcpStream,
    status: u16,
    content_length: bool,
    sent: &std::sync::atomic::AtomicUsize,
) {
    use std::sync::atomic::Ordering;
    let framing = if content_length {
        format!("Content-Length: {FLOOD}")
    } else {
        "Transfer-Encoding: chunked".to_string()
    };
    let head =
        format!("HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{framing}\r\n\r\n");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let piece = vec![b'a'; 64 * 1024];
    let mut done = 0;
    while done < FLOOD {
        let mut data = piece.clone();
        if done == 0 {
            let start = b"{\"access_token\":\"";
            data[..start.len()].copy_from_slice(start);
        }
        let mut bytes = Vec::with_capacity(data.len() + 16);
        if content_length {
            bytes.extend_from_slice(&data);
        } else {
            bytes.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
            bytes.extend_from_slice(&data);
            bytes.extend_from_slice(b"\r\n");
        }
        if stream.write_all(&bytes).await.is_err() {
            return;
        }
        done += piece.len();
        sent.fetch_add(bytes.len(), Ordering::Relaxed);
    }
}

/// A server on 127.0.0.1 that answers every request with `answer(request)` and remembers
/// what was asked ("POST /2/oauth2/token").
struct FaultServer {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl FaultServer {
    fn start(w: &World, answer: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Self {
        let listener =
            w.rt.block_on(TcpListener::bind("127.0.0.1:0"))
                .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(answer);
        let log = Arc::clone(&seen);
        w.rt.spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (log, answer) = (Arc::clone(&log), Arc::clone(&answer));
                tokio::spawn(async move {
                    let request = match read_request(&mut stream, &Limits::default()).await {
                        Ok(r) => r,
                        Err(e) => {
                            if let Some(r) = e.response() {
                                let _ = r.write_to(&mut stream).await;
                            }
                            return;
                        }
                    };
                    log.lock()
                        .expect("log")
                        .push(format!("{} {}", request.method, request.path()));
                    match answer(&request) {
                        Answer::Respond(r) => {
                            let _ = r.write_to(&mut stream).await;
                            let _ = stream.shutdown().await;
                        }
                        Answer::Later(after, r) => {
                            tokio::time::sleep(after).await;
                            let _ = r.write_to(&mut stream).await;
                            let _ = stream.shutdown().await;
                        }
                        Answer::Silent => {
                            let _held = stream;
                            std::future::pending::<()>().await;
                        }
                        Answer::Flood {
                            status,
                            content_length,
                            sent,
                        } => flood(&mut stream, status, content_length, &sent).await,
                    }
                });
            }
        });
        FaultServer { base, seen }
    }

    /// The same answer to the token endpoint, 404 to anything else.
    fn token(w: &World, answer: Answer) -> Self {
        FaultServer::start(w, move |r| {
            if r.method == "POST" && r.path() == "/2/oauth2/token" {
                answer.clone()
            } else {
                Answer::Respond(Response::text(404, "not here\n"))
            }
        })
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("log").clone()
    }
}

/// A server that is not TLS: it reads what arrives (a TLS ClientHello, say) and answers with
/// `reply`, as a plain-http server would, or with nothing, hanging up.
fn not_tls_port(w: &World, reply: Option<Response>) -> u16 {
    let listener =
        w.rt.block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    w.rt.spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                if let Some(r) = reply {
                    let _ = r.write_to(&mut stream).await;
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    port
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Every file and folder under `dir`, relative to it.
fn tree(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).expect("under root");
            out.insert(rel.display().to_string());
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &path, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// No profile, no temporary file: nothing but (at most) empty folders in the config dir.
fn assert_nothing_written(w: &World) {
    let files: Vec<String> = tree(w.dir.path())
        .into_iter()
        .filter(|p| !w.dir.path().join(p).is_dir())
        .collect();
    assert!(files.is_empty(), "files were written: {files:?}");
}

/// Runs `login` against `base`, pastes a well-formed redirect for its link, and returns how
/// it ended.
fn login_with_redirect(w: &World, base: &str, env: &[(&str, &str)]) -> Ended {
    let mut l = w.login_at(base, &["--client-id", ID], env);
    let link = l.link();
    l.type_line(&format!("{CALLBACK}?state={}&code=abc", state_of(&link)));
    l.end()
}

/// The one line `login` printed after the link: why it failed. Asserts there is exactly one,
/// and the exit code the table gives that failure: 5 when trying again later may work
/// (network, TLS, time-out, 5xx, 429), 1 otherwise.
fn reason(e: &Ended) -> String {
    assert_ne!(e.code, 0, "should fail; stderr: {}", e.stderr);
    let transient = [
        "Cannot reach X",
        "secure connection to X failed",
        "did not answer in time",
        "may be having trouble",
        "rate limit",
    ]
    .iter()
    .any(|t| e.stderr.contains(t));
    assert_eq!(
        e.code,
        if transient { 5 } else { 1 },
        "exit code for: {}",
        e.stderr
    );
    assert!(e.stdout.is_empty(), "nothing on stdout: {}", e.stdout);
    let after: Vec<&str> = e
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("http"))
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(after.len(), 1, "one line after the link:\n{}", e.stderr);
    let line = after[0];
    assert!(line.starts_with("xconnect: "), "{line}");
    assert!(!line.chars().any(char::is_control), "{line:?}");
    line.to_string()
}

fn assert_says(line: &str, parts: &[&str]) {
    for p in parts {
        assert!(line.contains(p), "{p:?} missing from: {line}");
    }
}

const TOKEN: &str = "POST /2/oauth2/token";

// ---------------------------------------------------------------- login: the code exchange

#[test]
fn login_when_nothing_listens() {
    let w = World::new();
    let e = login_with_redirect(&w, &format!("http://127.0.0.1:{}", closed_port()), &[]);
    let line = reason(&e);
    assert!(
        line.starts_with("xconnect: Cannot reach X (Connection refused")
            && line.ends_with("). Check the network connection (and any proxy), then try again."),
        "{line}"
    );
    assert_nothing_written(&w);
}

#[test]
fn login_when_the_api_host_does_not_speak_tls() {
    for reply in [Some(Response::text(400, "Bad Request\n")), None] {
        let w = World::new();
        let port = not_tls_port(&w, reply);
        let e = login_with_redirect(&w, &format!("https://127.0.0.1:{port}"), &[]);
        let line = reason(&e);
        assert!(
            line.starts_with("xconnect: The secure connection to X failed (") && line.ends_with(
                "). A proxy or firewall may be intercepting https, or the API address is not an https server: check the network and the API address (--api-base or XCONNECT_API_BASE), then try again."
            ),
            "{line}"
        );
        assert_nothing_written(&w);
    }
}

#[test]
fn login_when_x_never_answers() {
    let w = World::new();
    let x = FaultServer::token(&w, Answer::Silent);
    let e = login_with_redirect(&w, &x.base, &[("XCONNECT_TIMEOUT", "1")]);
    assert_eq!(
        reason(&e),
        "xconnect: X did not answer in time. Check the network connection, then try again."
    );
    assert_eq!(x.seen(), [TOKEN], "the exchange was sent");
    assert_nothing_written(&w);
}

#[test]
fn login_when_x_has_a_server_error() {
    for (status, body, says) in [
        (500, "internal error", "xconnect: X answered HTTP 500 (internal error). X may be having trouble: try again in a minute."),
        (503, "", "xconnect: X answered HTTP 503. X may be having trouble: try again in a minute."),
    ] {
        let w = World::new();
        let x = FaultServer::token(&w, Answer::Respond(Response::text(status, body)));
        let e = login_with_redirect(&w, &x.base, &[]);
        assert_eq!(reason(&e), says);
        assert_eq!(x.seen(), [TOKEN]);
        assert_nothing_written(&w);
    }
}

/// `HH:MM UTC` of a Unix time.
fn hh_mm(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).expect("time");
    format!("{:02}:{:02} UTC", t.hour(), t.minute())
}

#[test]
fn login_when_rate_limited_says_when_to_retry() {
    let w = World::new();
    let reset = time::OffsetDateTime::now_utc().unix_timestamp() + 17 * 60;
    let x = FaultServer::token(
        &w,
        Answer::Respond(
            Response::json(429, &json!({"title": "Too Many Requests", "status": 429}))
                .with_header("x-rate-limit-reset", reset.to_string()),
        ),
    );
    let e = login_with_redirect(&w, &x.base, &[]);
    let line = reason(&e);
    assert_eq!(
        line,
        format!(
            "xconnect: X's rate limit is reached. Try again after {}.",
            hh_mm(reset)
        )
    );
    assert!(
        line.split("after ").nth(1).is_some_and(|t| {
            let b = t.as_bytes();
            b.len() == 10 && b[2] == b':' && t.ends_with(" UTC.")
        }),
        "HH:MM UTC: {line}"
    );
    assert_nothing_written(&w);
}

#[test]
fn login_when_the_token_answer_is_not_json() {
    for (response, says) in [
        (
            Response::html(200, "<html><body>Sign in to the Wi-Fi</body></html>"),
            "text/html",
        ),
        (
            Response::new(200, "application/json", "<html>not json</html>"),
            "(the token response is not JSON (application/json, 21 bytes))",
        ),
        (
            Response::new(
                200,
                "application/json",
                "{\"access_token\": \"ACCESS-SECRET-01",
            ),
            "(the token response is cut short)",
        ),
    ] {
        let w = World::new();
        let x = FaultServer::token(&w, Answer::Respond(response));
        let e = login_with_redirect(&w, &x.base, &[]);
        let line = reason(&e);
        assert_says(
            &line,
            &[
                "xconnect: X answered something xconnect cannot read (",
                says,
                "Try again; if it persists",
            ],
        );
        assert!(!line.contains("SECRET"), "a token was printed: {line}");
        assert_nothing_written(&w);
    }
}

#[test]
fn login_when_the_token_answer_lacks_a_field_names_it_and_never_prints_tokens() {
    let full = json!({
        "token_type": "bearer",
        "expires_in": 7200,
        "access_token": "ACCESS-SECRET-0123456789",
        "refresh_token": "REFRESH-SECRET-0123456789",
        "scope": "tweet.read users.read offline.access",
    });
    for missing in ["access_token", "token_type"] {
        let mut body = full.clone();
        body.as_object_mut().expect("object").remove(missing);
        let w = World::new();
        let x = FaultServer::token(&w, Answer::Respond(Response::json(200, &body)));
        let e = login_with_redirect(&w, &x.base, &[]);
        let line = reason(&e);
        assert_eq!(
            line,
            format!(
                "xconnect: X answered something xconnect cannot read (the token response has no {missing}). Try again; if it persists, X may have changed."
            )
        );
        assert!(
            !e.stderr.contains("SECRET"),
            "a token was printed:\n{}",
            e.stderr
        );
        assert_nothing_written(&w);
    }
}

#[test]
fn login_when_x_answers_400_without_an_oauth_error() {
    let w = World::new();
    let x = FaultServer::token(&w, Answer::Respond(Response::text(400, "Bad Request")));
    let e = login_with_redirect(&w, &x.base, &[]);
    assert_eq!(
        reason(&e),
        "xconnect: X answered HTTP 400 (Bad Request), which xconnect did not expect. Check the API address (--api-base or XCONNECT_API_BASE; X's is https://api.x.com), then try again."
    );
    assert_nothing_written(&w);
}

/// A code exchange that X answers with `invalid_grant` (a code that was reused or expired, as
/// RFC 6749 words it) is about the code, not about a saved refresh token: run the login again,
/// exit 1, never "needs a new login" (exit 4) about a token the login never had.
#[test]
fn login_when_the_code_is_refused_with_invalid_grant_says_to_authorize_again() {
    for description in [
        None,
        Some("Value passed for the authorization code was invalid."),
        Some("authorization code expired"),
    ] {
        let w = World::new();
        let mut body = json!({"error": "invalid_grant"});
        if let Some(d) = description {
            body["error_description"] = json!(d);
        }
        let x = FaultServer::token(&w, Answer::Respond(Response::json(400, &body)));
        let e = login_with_redirect(&w, &x.base, &[]);
        let line = reason(&e);
        assert_eq!(e.code, 1, "{description:?}: {}", e.stderr);
        assert!(!line.contains("refresh token"), "{description:?}: {line}");
        // From a pipe: the command that runs the login again (no new link is waited for).
        assert!(
            line.contains("Run the login again") && line.contains("xconnect login --no-tui"),
            "{description:?}: {line}"
        );
        assert_nothing_written(&w);
    }
}

#[test]
fn login_never_follows_a_redirect_from_the_token_endpoint() {
    let w = World::new();
    let x = FaultServer::start(&w, |r| match r.path() {
        "/2/oauth2/token" => Answer::Respond(Response::redirect("/elsewhere/2/oauth2/token")),
        _ => Answer::Respond(Response::json(
            200,
            &json!({"token_type": "bearer", "access_token": "stolen", "expires_in": 7200}),
        )),
    });
    let e = login_with_redirect(&w, &x.base, &[]);
    assert_eq!(
        reason(&e),
        "xconnect: X answered HTTP 302 (a redirect to /elsewhere/2/oauth2/token), which xconnect does not follow. Check the API address (--api-base or XCONNECT_API_BASE; X's is https://api.x.com), then try again."
    );
    assert_eq!(x.seen(), [TOKEN], "the redirect target was never asked");
    assert_nothing_written(&w);
}

// ------------------------------------------------- token: refreshing an expired profile

/// A saved profile whose access token has expired, and its file's bytes.
fn expired_profile(w: &World) -> Vec<u8> {
    w.logged_in("default");
    w.expire("default");
    std::fs::read(w.profile("default")).expect("profile")
}

/// `xconnect token` against a fault server: ends with one line on stderr, nothing on stdout,
/// the profile untouched and no file but the profile and its lock.
fn token_against(w: &World, x: &FaultServer, before: &[u8], env: &[(&str, &str)]) -> Ended {
    let e = w.run_env(&["token", "--api-base", &x.base], env);
    assert!(e.stdout.is_empty(), "no token printed: {}", e.stdout);
    assert_eq!(e.stderr.lines().count(), 1, "one line:\n{}", e.stderr);
    assert!(e.stderr.starts_with("xconnect: "), "{}", e.stderr);
    assert_eq!(
        std::fs::read(w.profile("default")).expect("profile"),
        before,
        "the profile is left byte for byte"
    );
    let names = tree(&w.dir.path().join("profiles"));
    assert!(
        names
            .iter()
            .all(|n| n == "default.toml" || n == ".default.lock"),
        "{names:?}"
    );
    assert_eq!(x.seen(), [TOKEN], "the refresh went to the fault server");
    assert_eq!(w.sandbox.stats().refreshes, 0);
    e
}

#[test]
fn token_when_x_has_a_server_error_is_exit_5_and_keeps_the_file() {
    let w = World::new();
    let before = expired_profile(&w);
    let x = FaultServer::token(&w, Answer::Respond(Response::text(500, "")));
    let e = token_against(&w, &x, &before, &[]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert_eq!(
        e.stderr.trim_end(),
        "xconnect: X answered HTTP 500. X may be having trouble: try again in a minute."
    );
}

#[test]
fn token_when_rate_limited_is_exit_5_and_says_when() {
    let w = World::new();
    let before = expired_profile(&w);
    let reset = time::OffsetDateTime::now_utc().unix_timestamp() + 3 * 60;
    let x = FaultServer::token(
        &w,
        Answer::Respond(
            Response::text(429, "").with_header("x-rate-limit-reset", reset.to_string()),
        ),
    );
    let e = token_against(&w, &x, &before, &[]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert_eq!(
        e.stderr.trim_end(),
        format!(
            "xconnect: X's rate limit is reached. Try again after {}.",
            hh_mm(reset)
        )
    );
}

#[test]
fn token_when_x_never_answers_is_exit_5() {
    let w = World::new();
    let before = expired_profile(&w);
    let x = FaultServer::token(&w, Answer::Silent);
    let e = token_against(&w, &x, &before, &[("XCONNECT_TIMEOUT", "1")]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert_eq!(
        e.stderr.trim_end(),
        "xconnect: X did not answer in time. Check the network connection, then try again."
    );
}

#[test]
fn token_when_the_answer_is_not_json_is_exit_1() {
    let w = World::new();
    let before = expired_profile(&w);
    let x = FaultServer::token(
        &w,
        Answer::Respond(Response::new(200, "application/json", "upstream error")),
    );
    let e = token_against(&w, &x, &before, &[]);
    assert_eq!(e.code, 1, "not a passing trouble: {}", e.stderr);
    assert_eq!(
        e.stderr.trim_end(),
        "xconnect: X answered something xconnect cannot read (the token response is not JSON (application/json, 14 bytes)). Try again; if it persists, X may have changed."
    );
}

#[test]
fn token_never_follows_a_redirect() {
    let w = World::new();
    let before = expired_profile(&w);
    let x = FaultServer::token(
        &w,
        Answer::Respond(Response::redirect("https://api.x.com/2/oauth2/token")),
    );
    let e = token_against(&w, &x, &before, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_eq!(
        e.stderr.trim_end(),
        "xconnect: X answered HTTP 302 (a redirect to https://api.x.com/2/oauth2/token), which xconnect does not follow. Check the API address (--api-base or XCONNECT_API_BASE; X's is https://api.x.com), then try again."
    );
}

#[test]
fn revoke_when_x_has_a_server_error_keeps_the_tokens() {
    let w = World::new();
    w.logged_in("default");
    let before = std::fs::read(w.profile("default")).expect("profile");
    let x = FaultServer::start(&w, |_| Answer::Respond(Response::text(503, "")));
    let e = w.run(&["revoke", "--api-base", &x.base]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert_eq!(
        e.stderr.trim_end(),
        "xconnect: X did not revoke the token: X answered HTTP 503. X may be having trouble: try again in a minute."
    );
    assert_eq!(
        std::fs::read(w.profile("default")).expect("profile"),
        before
    );
    assert_eq!(x.seen(), ["POST /2/oauth2/revoke"]);
}

// ------------------------------------------------- api: X refusing the token or failing

/// A token answer X could give to a refresh.
fn refreshed() -> Response {
    Response::json(
        200,
        &json!({"token_type": "bearer", "access_token": "new-access", "refresh_token": "new-refresh",
                "expires_in": 7200, "scope": "tweet.read users.read offline.access"}),
    )
}

#[test]
fn api_after_a_second_401_needs_a_new_login_exit_4() {
    let w = World::new();
    w.logged_in("default");
    let x = FaultServer::start(&w, |r| {
        Answer::Respond(if r.path() == "/2/oauth2/token" {
            refreshed()
        } else {
            Response::problem_json(401, &json!({"title": "Unauthorized", "status": 401}))
        })
    });
    let e = w.run(&["api", "/2/users/me", "--api-base", &x.base]);
    assert_eq!(e.code, 4, "{}", e.stderr);
    assert!(e.stdout.is_empty());
    assert!(e.stderr.contains("needs a new login"), "{}", e.stderr);
    assert_eq!(
        x.seen(),
        ["GET /2/users/me", "POST /2/oauth2/token", "GET /2/users/me"],
        "one refresh, one retry"
    );
    assert_eq!(
        w.read("default")["token"]["refresh_token"].as_str(),
        Some("new-refresh"),
        "the rotated refresh token is kept"
    );
}

#[test]
fn api_when_x_has_a_server_error_is_exit_5() {
    let w = World::new();
    w.logged_in("default");
    let x = FaultServer::start(&w, |_| {
        Answer::Respond(Response::problem_json(
            503,
            &json!({"title": "Service Unavailable", "detail": "busy"}),
        ))
    });
    let e = w.run(&["api", "/2/users/me", "--api-base", &x.base]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert!(e.stdout.is_empty());
    assert!(
        e.stderr
            .contains("X answered HTTP 503 Service Unavailable: busy"),
        "{}",
        e.stderr
    );
}

// ------------------------------------------- answers that carry a rotated refresh token

/// A token answer with new tokens and this `expires_in` (`None`: no such field).
fn rotated(expires_in: Option<serde_json::Value>) -> serde_json::Value {
    let mut body = json!({
        "token_type": "bearer",
        "access_token": "ACCESS-NEW-0123456789",
        "refresh_token": "REFRESH-NEW-0123456789",
        "scope": "tweet.read users.read offline.access",
    });
    if let Some(v) = expires_in {
        body["expires_in"] = v;
    }
    body
}

/// `expires_in` values X should never send, and the lifetime each must end up as: clamped
/// to 0 s..=1 year, 2 hours when missing or not a number.
fn odd_lifetimes() -> Vec<(Option<serde_json::Value>, std::ops::RangeInclusive<i64>)> {
    const YEAR: i64 = 365 * 86_400;
    vec![
        (Some(json!(1_000_000_000_000u64)), YEAR - 5..=YEAR + 5),
        (Some(json!(u64::MAX)), YEAR - 5..=YEAR + 5),
        (Some(json!(1e300)), YEAR - 5..=YEAR + 5),
        (Some(json!(-5)), -5..=5),
        (Some(json!(-1e300)), -5..=5),
        (Some(json!("7200")), 7195..=7205),
        (Some(json!("soon")), 7195..=7205),
        (Some(json!(null)), 7195..=7205),
        (Some(json!(3600.7)), 3595..=3605),
        (None, 7195..=7205),
    ]
}

/// Seconds from now to the profile's `expires_at`.
fn lifetime(w: &World, name: &str) -> i64 {
    let p = w.read(name);
    let at = p["token"]["expires_at"].as_str().expect("expires_at");
    let at = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    (at - time::OffsetDateTime::now_utc()).whole_seconds()
}

#[test]
fn token_keeps_the_rotated_refresh_token_whatever_expires_in_says() {
    for (expires_in, range) in odd_lifetimes() {
        let w = World::new();
        expired_profile(&w);
        let body = rotated(expires_in.clone());
        let x = FaultServer::token(&w, Answer::Respond(Response::json(200, &body)));
        let e = w.run(&["token", "--api-base", &x.base]);
        assert_eq!(e.code, 0, "expires_in {expires_in:?}: {}", e.stderr);
        assert_eq!(e.stdout, "ACCESS-NEW-0123456789\n", "{expires_in:?}");
        let p = w.read("default");
        assert_eq!(
            p["token"]["refresh_token"].as_str(),
            Some("REFRESH-NEW-0123456789"),
            "expires_in {expires_in:?}: the rotated refresh token is saved"
        );
        let secs = lifetime(&w, "default");
        assert!(range.contains(&secs), "expires_in {expires_in:?}: {secs} s");
        assert_eq!(x.seen(), [TOKEN]);
    }
}

/// A `token` stopped (SIGSTOP) while X's answer is on its way, and continued after the
/// time-out: the answer arrived meanwhile, holding the only refresh token that works (X
/// rotated it), and it is kept, not thrown away as a time-out.
#[test]
fn token_stopped_while_x_answers_keeps_the_answer_that_arrived() {
    use std::time::{Duration, Instant};
    let w = World::new();
    expired_profile(&w);
    let body = rotated(Some(json!(7200)));
    let x = FaultServer::token(
        &w,
        Answer::Later(Duration::from_millis(700), Response::json(200, &body)),
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_xconnect"))
        .args(["token", "--api-base", &x.base, "--config-dir"])
        .arg(w.dir.path())
        .env("XCONNECT_TIMEOUT", "1")
        .env_remove("XCONNECT_API_BASE")
        .env_remove("XCONNECT_CONFIG_DIR")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("token");
    let pid = rustix::process::Pid::from_child(&child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while x.seen().is_empty() {
        assert!(Instant::now() < deadline, "the refresh never reached X");
        std::thread::sleep(Duration::from_millis(2));
    }
    // Stopped with the request sent; X answers 0.7 s later; continued well past the 1 s
    // time-out.
    rustix::process::kill_process(pid, rustix::process::Signal::STOP).expect("SIGSTOP");
    std::thread::sleep(Duration::from_millis(2500));
    rustix::process::kill_process(pid, rustix::process::Signal::CONT).expect("SIGCONT");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ACCESS-NEW-0123456789\n"
    );
    assert_eq!(
        w.read("default")["token"]["refresh_token"].as_str(),
        Some("REFRESH-NEW-0123456789"),
        "the rotated refresh token is kept"
    );
    assert_eq!(x.seen(), [TOKEN]);
}

#[test]
fn login_saves_the_tokens_whatever_expires_in_says() {
    for (expires_in, range) in odd_lifetimes() {
        let w = World::new();
        let body = rotated(expires_in.clone());
        let x = FaultServer::token(&w, Answer::Respond(Response::json(200, &body)));
        let e = login_with_redirect(&w, &x.base, &[]);
        assert_eq!(e.code, 0, "expires_in {expires_in:?}: {}", e.stderr);
        let p = w.read("default");
        assert_eq!(
            p["token"]["refresh_token"].as_str(),
            Some("REFRESH-NEW-0123456789"),
            "{expires_in:?}"
        );
        let secs = lifetime(&w, "default");
        assert!(range.contains(&secs), "expires_in {expires_in:?}: {secs} s");
    }
}

#[test]
fn token_prints_only_a_visible_ascii_access_token_and_still_saves_the_rotation() {
    for access in [
        Some(json!("AT\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J")),
        Some(json!("AT with spaces")),
        Some(json!("AT\r\nInjected: 1")),
        Some(json!("ÄT")),
        Some(json!("")),
        Some(json!(42)),
        None,
    ] {
        let w = World::new();
        expired_profile(&w);
        let mut body = rotated(Some(json!(7200)));
        match &access {
            Some(a) => body["access_token"] = a.clone(),
            None => {
                body.as_object_mut().expect("object").remove("access_token");
            }
        }
        let x = FaultServer::token(&w, Answer::Respond(Response::json(200, &body)));
        let e = w.run(&["token", "--api-base", &x.base]);
        assert_eq!(e.code, 1, "access_token {access:?}: {}", e.stderr);
        assert!(e.stdout.is_empty(), "{access:?}: printed {:?}", e.stdout);
        assert!(
            !e.stderr.contains('\u{1b}') && !e.stderr.contains("AT"),
            "{access:?}: {:?}",
            e.stderr
        );
        assert!(
            e.stderr.contains("the new refresh token is saved"),
            "{access:?}: {}",
            e.stderr
        );
        let p = w.read("default");
        assert_eq!(
            p["token"]["refresh_token"].as_str(),
            Some("REFRESH-NEW-0123456789"),
            "{access:?}"
        );
        assert!(lifetime(&w, "default") <= 0, "{access:?}: taken as expired");
        // The next run refreshes again rather than printing what it cannot.
        let again = w.run(&["token", "--api-base", &x.base]);
        assert!(again.stdout.is_empty(), "{access:?}: {:?}", again.stdout);
        assert_eq!(x.seen(), [TOKEN, TOKEN], "{access:?}");
    }
}

/// Text an attacker on the path would like a terminal to run: a title change, a clipboard
/// write, a screen wipe, and a right-to-left override that reorders what follows.
const HOSTILE: &str =
    "\u{1b}]0;pwned\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2Jdead\u{202e}txt\u{200b}\u{9b}31m";

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| c != '\n' && xconnect::text::is_hidden(c)),
        "{what}: {text:?}"
    );
    assert!(!text.contains("]52;"), "{what}: {text:?}");
}

#[test]
fn x_s_error_description_is_cleaned_when_shown_and_when_stored() {
    let w = World::new();
    expired_profile(&w);
    let x = FaultServer::token(
        &w,
        Answer::Respond(Response::json(
            400,
            &json!({"error": "invalid_grant", "error_description": HOSTILE}),
        )),
    );
    let e = w.run(&["token", "--api-base", &x.base]);
    assert_eq!(e.code, 4, "{}", e.stderr);
    assert_clean("stderr", &e.stderr);
    assert!(e.stderr.contains("deadtxt"), "{}", e.stderr);
    let text = std::fs::read_to_string(w.profile("default")).expect("profile");
    let p = w.read("default");
    let reason = p["status"]["reason"].as_str().expect("reason");
    assert_clean("the stored reason", reason);
    assert!(
        !text.contains("\\u001b") && !text.contains("\\u001B"),
        "{text}"
    );
    // Repeated by the next run, from the file.
    let again = w.run(&["token", "--api-base", &x.base]);
    assert_eq!(again.code, 4, "{}", again.stderr);
    assert_clean("stderr again", &again.stderr);
}

#[test]
fn a_reason_in_a_hand_edited_file_is_cleaned_when_repeated() {
    let w = World::new();
    w.logged_in("default");
    let path = w.profile("default");
    let text = std::fs::read_to_string(&path).expect("profile");
    let mut text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("username = ") || l.starts_with("scope = ") {
                format!(
                    "{} = \"x\\u001B]0;pwned\\u0007y\\u202Ez\"\n",
                    &l[..l.find(' ').expect("key")]
                )
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    text.push_str(
        "\n[status]\nneeds_reauth = true\nreason = \"\\u001B]0;pwned\\u0007gone\\u202Etxt\"\n",
    );
    std::fs::write(&path, text).expect("write");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 4, "{}", e.stderr);
    assert_clean("stderr", &e.stderr);
    assert!(e.stderr.contains("gonetxt"), "{}", e.stderr);
    let listed = w.run(&["profiles"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_clean("profiles", &listed.stdout);
    assert!(listed.stdout.contains("@xyz"), "{}", listed.stdout);
}

#[test]
fn login_cleans_the_account_and_the_scope_before_printing_and_storing() {
    let w = World::new();
    let x = FaultServer::start(&w, |r| match r.path() {
        "/2/oauth2/token" => {
            let mut body = rotated(Some(json!(7200)));
            body["scope"] = json!(format!("tweet.read {HOSTILE} users.read"));
            Answer::Respond(Response::json(200, &body))
        }
        "/2/users/me" => Answer::Respond(Response::json(
            200,
            &json!({"data": {"id": "1\u{1b}[2J", "username": format!("me{HOSTILE}"), "name": format!("Name\u{2066}{HOSTILE}")}}),
        )),
        _ => Answer::Respond(Response::text(404, "")),
    });
    let e = login_with_redirect(&w, &x.base, &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_clean("stderr", &e.stderr);
    assert!(e.stderr.contains("Logged in as @medeadtxt"), "{}", e.stderr);
    let p = w.read("default");
    for field in [
        &p["account"]["id"],
        &p["account"]["username"],
        &p["account"]["name"],
        &p["token"]["scope"],
    ] {
        assert_clean("stored", field.as_str().expect("text"));
    }
    let listed = w.run(&["profiles"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_clean("profiles", &listed.stdout);
}

// ------------------------------------------------------------ no secret in any message

const FORM: &str = "access_token=ACCESS-SECRET-0123&refresh_token=REFRESH-SECRET-0123&token_type=bearer&expires_in=7200";

/// Token answers that are not JSON and hold tokens, and the kind each must be named by.
fn answers_with_tokens_that_are_not_json() -> Vec<(Response, &'static str)> {
    vec![
        (
            Response::new(200, "application/x-www-form-urlencoded", FORM),
            "(the token response is not JSON (application/x-www-form-urlencoded, 99 bytes))",
        ),
        (
            Response::new(200, "application/json", FORM),
            "(the token response is not JSON (application/json, 99 bytes))",
        ),
        (
            Response {
                status: 200,
                headers: Vec::new(),
                body: FORM.into(),
            },
            "(the token response is not JSON (no content type, 99 bytes))",
        ),
        (
            Response::html(
                200,
                "<html><p>Welcome back! access_token=ACCESS-SECRET-0123</p></html>",
            ),
            "(the token response is not JSON (text/html; charset=utf-8, 65 bytes))",
        ),
    ]
}

#[test]
fn login_never_echoes_a_token_answer_that_is_not_json() {
    for (response, says) in answers_with_tokens_that_are_not_json() {
        let w = World::new();
        let x = FaultServer::token(&w, Answer::Respond(response));
        let e = login_with_redirect(&w, &x.base, &[]);
        let line = reason(&e);
        assert!(
            !e.stderr.contains("SECRET"),
            "a token was printed:\n{}",
            e.stderr
        );
        assert_says(
            &line,
            &["xconnect: X answered something xconnect cannot read ", says],
        );
        assert_nothing_written(&w);
    }
}

#[test]
fn token_never_echoes_a_token_answer_that_is_not_json() {
    for (response, says) in answers_with_tokens_that_are_not_json() {
        let w = World::new();
        let before = expired_profile(&w);
        let x = FaultServer::token(&w, Answer::Respond(response));
        let e = token_against(&w, &x, &before, &[]);
        assert_eq!(e.code, 1, "{}", e.stderr);
        assert!(
            !e.stderr.contains("SECRET"),
            "a token was printed:\n{}",
            e.stderr
        );
        assert!(e.stderr.contains(says), "{says} missing from {}", e.stderr);
    }
}

#[test]
fn a_json_token_answer_is_read_whatever_its_content_type() {
    let w = World::new();
    expired_profile(&w);
    let body = rotated(Some(json!(7200))).to_string();
    let x = FaultServer::token(&w, Answer::Respond(Response::new(200, "text/plain", body)));
    let e = w.run(&["token", "--api-base", &x.base]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(e.stdout, "ACCESS-NEW-0123456789\n");
    let p = w.read("default");
    assert_eq!(
        p["token"]["refresh_token"].as_str(),
        Some("REFRESH-NEW-0123456789")
    );
}

#[test]
fn an_error_page_that_echoes_the_request_does_not_print_its_secrets() {
    // A proxy that answers with what it was sent: the refresh token, the client id, and
    // for a login the code and the PKCE verifier.
    let echo = |r: &Request| {
        let sent = String::from_utf8_lossy(&r.body).into_owned();
        let auth = r.header("authorization").unwrap_or("").to_string();
        Answer::Respond(Response::text(
            if r.path().ends_with("revoke") {
                400
            } else {
                502
            },
            format!("bad: {sent} {auth}"),
        ))
    };
    let w = World::new();
    let saved = {
        w.logged_in("default");
        w.read("default")
    };
    let refresh = saved["token"]["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    let access = saved["token"]["access_token"]
        .as_str()
        .expect("access")
        .to_string();
    w.expire("default");
    let x = FaultServer::start(&w, echo);
    let e = w.run(&["token", "--api-base", &x.base]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert!(
        e.stderr.contains("X answered HTTP 502 (bad: "),
        "{}",
        e.stderr
    );
    assert!(
        !e.stderr.contains(&refresh),
        "the refresh token was printed: {}",
        e.stderr
    );
    let e = w.run(&["revoke", "--api-base", &x.base]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(
        e.stderr.contains("X answered HTTP 400 (bad: "),
        "{}",
        e.stderr
    );
    assert!(
        !e.stderr.contains(&refresh),
        "the refresh token was printed: {}",
        e.stderr
    );
    assert!(
        !e.stderr.contains(&access),
        "the access token was printed: {}",
        e.stderr
    );

    let w = World::new();
    let x = FaultServer::start(&w, echo);
    let mut l = w.login_at(&x.base, &["--client-id", ID], &[]);
    let link = l.link();
    let verifier_hint = "code_verifier=";
    l.type_line(&format!(
        "{CALLBACK}?state={}&code=THE-CODE-0123456789",
        state_of(&link)
    ));
    let e = l.end();
    let line = reason(&e);
    assert!(line.contains("X answered HTTP 502 (bad: "), "{line}");
    assert!(
        !line.contains("THE-CODE-0123456789"),
        "the code was printed: {line}"
    );
    let verifier = line
        .split(verifier_hint)
        .nth(1)
        .map(|rest| rest.split(['&', ' ', ')']).next().unwrap_or(""))
        .unwrap_or("");
    assert!(
        verifier.is_empty() || verifier.starts_with('…'),
        "the verifier was printed: {line}"
    );
}

// -------------------------------------------------------------------------- bounded reads

fn flood_answer(status: u16) -> Vec<(Answer, Arc<std::sync::atomic::AtomicUsize>)> {
    [true, false]
        .into_iter()
        .map(|content_length| {
            let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            (
                Answer::Flood {
                    status,
                    content_length,
                    sent: Arc::clone(&sent),
                },
                sent,
            )
        })
        .collect()
}

/// Much less than the flood went out: the answer was refused, not read whole.
fn assert_refused_early(sent: &std::sync::atomic::AtomicUsize) {
    let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
    assert!(sent < FLOOD / 4, "{sent} bytes were taken of {FLOOD}");
}

const TOO_LARGE: &str =
    "X answered something xconnect cannot read (the answer is larger than 64 KiB)";

#[test]
fn a_flood_from_the_token_endpoint_is_refused_early() {
    for (answer, sent) in flood_answer(200) {
        let w = World::new();
        let before = expired_profile(&w);
        let x = FaultServer::token(&w, answer);
        let e = token_against(&w, &x, &before, &[]);
        assert_eq!(e.code, 1, "{}", e.stderr);
        assert!(e.stderr.contains(TOO_LARGE), "{}", e.stderr);
        assert_refused_early(&sent);
    }
    for (answer, sent) in flood_answer(200) {
        let w = World::new();
        let x = FaultServer::token(&w, answer);
        let e = login_with_redirect(&w, &x.base, &[]);
        assert!(reason(&e).contains(TOO_LARGE), "{}", e.stderr);
        assert_nothing_written(&w);
        assert_refused_early(&sent);
    }
}

#[test]
fn a_flood_from_revoke_is_never_read_whole() {
    // A refusal is read up to the limit, then refused.
    for (answer, sent) in flood_answer(400) {
        let w = World::new();
        w.logged_in("default");
        let before = std::fs::read(w.profile("default")).expect("profile");
        let x = FaultServer::start(&w, move |_| answer.clone());
        let e = w.run(&["revoke", "--api-base", &x.base]);
        assert_eq!(e.code, 1, "{}", e.stderr);
        assert!(e.stderr.contains(TOO_LARGE), "{}", e.stderr);
        assert_eq!(
            std::fs::read(w.profile("default")).expect("profile"),
            before
        );
        assert_refused_early(&sent);
    }
    // A success needs no body: none is read.
    for (answer, sent) in flood_answer(200) {
        let w = World::new();
        w.logged_in("default");
        let x = FaultServer::start(&w, move |_| answer.clone());
        let e = w.run(&["revoke", "--api-base", &x.base]);
        assert_eq!(e.code, 0, "{}", e.stderr);
        assert!(w.read("default").get("token").is_none());
        assert_refused_early(&sent);
    }
}

#[test]
fn a_flood_from_users_me_is_refused_early_and_the_tokens_are_kept() {
    for (answer, sent) in flood_answer(200) {
        let w = World::new();
        let x = FaultServer::start(&w, move |r| match r.path() {
            "/2/oauth2/token" => Answer::Respond(Response::json(200, &rotated(Some(json!(7200))))),
            _ => answer.clone(),
        });
        let e = login_with_redirect(&w, &x.base, &[]);
        assert_eq!(e.code, 0, "{}", e.stderr);
        assert!(e.stderr.contains("unverified"), "{}", e.stderr);
        assert!(e.stderr.contains(TOO_LARGE), "{}", e.stderr);
        let p = w.read("default");
        assert_eq!(
            p["token"]["refresh_token"].as_str(),
            Some("REFRESH-NEW-0123456789")
        );
        assert_refused_early(&sent);
    }
}

// ------------------------------------------------------------------ endpoints from a file

/// Writes `[endpoints]` into the profile (replacing any).
fn set_endpoints(w: &World, name: &str, auth: &str, api: &str) {
    let path = w.profile(name);
    let text = std::fs::read_to_string(&path).expect("profile");
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with('[') {
            skipping = line == "[endpoints]";
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "\n[endpoints]\nauth_base = \"{auth}\"\napi_base = \"{api}\"\n"
    ));
    std::fs::write(&path, out).expect("write");
}

const ELSEWHERE: &str = "is neither X nor this machine";

#[test]
fn a_profile_that_sends_its_tokens_elsewhere_is_warned_about() {
    // 0.0.0.0 is not a loopback address, yet a connection to it stays on this machine.
    let port = closed_port();
    let elsewhere = format!("https://0.0.0.0:{port}");
    for args in [&["token"][..], &["refresh"], &["revoke"]] {
        let w = World::new();
        w.logged_in("default");
        w.expire("default");
        set_endpoints(&w, "default", &elsewhere, &elsewhere);
        let e = w.run(args);
        assert_ne!(e.code, 0, "{args:?}: {}", e.stderr);
        let first = e.stderr.lines().next().unwrap_or("");
        assert!(
            first.starts_with("warning: ")
                && first.contains(&format!("0.0.0.0:{port}"))
                && first.contains(ELSEWHERE)
                && first.contains("profile file"),
            "{args:?}: {}",
            e.stderr
        );
    }
    // X's hosts and this machine's are not warned about; neither is a flag's choice.
    let w = World::new();
    w.logged_in("default");
    w.expire("default");
    let sandbox = w.sandbox.base_url();
    let e = w.run(&["token"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(!e.stderr.contains(ELSEWHERE), "{}", e.stderr);
    set_endpoints(&w, "default", "https://x.com", "https://api.twitter.com");
    w.expire("default");
    let e = w.run(&["token", "--api-base", &sandbox]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(!e.stderr.contains(ELSEWHERE), "{}", e.stderr);
}

#[test]
fn a_bad_base_says_where_it_came_from() {
    let w = World::new();
    w.logged_in("default");
    w.expire("default");
    set_endpoints(&w, "default", "http://127.0.0.1:1", "http://example.com");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(e.stderr.contains("http://example.com"), "{}", e.stderr);
    assert!(e.stderr.contains("profile file"), "{}", e.stderr);
    assert!(
        !e.stderr.contains("--api-base http://example.com"),
        "{}",
        e.stderr
    );

    let e = w.run_env(&["token"], &[("XCONNECT_API_BASE", "ftp://x")]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(e.stderr.contains("XCONNECT_API_BASE"), "{}", e.stderr);
    assert!(!e.stderr.contains("--api-base"), "{}", e.stderr);

    let e = w.run_env(
        &["token", "--api-base", "ftp://y"],
        &[("XCONNECT_API_BASE", "ftp://x")],
    );
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(e.stderr.contains("--api-base ftp://y"), "{}", e.stderr);

    let e = w.run_env(
        &["revoke"],
        &[("XCONNECT_API_BASE", "https://api.x.com/x?y")],
    );
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(e.stderr.contains("XCONNECT_API_BASE"), "{}", e.stderr);
}

#[test]
fn api_when_rate_limited_with_a_reset_that_cannot_be_right_gives_plain_advice() {
    let w = World::new();
    w.logged_in("default");
    let x = FaultServer::start(&w, |_| {
        Answer::Respond(
            Response::problem_json(429, &json!({"title": "Too Many Requests", "status": 429}))
                .with_header("x-rate-limit-reset", "9223372036854775807"),
        )
    });
    let e = w.run(&["api", "/2/users/me", "--api-base", &x.base]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert!(e.stdout.is_empty());
    assert_eq!(
        e.stderr.trim_end(),
        "xconnect: X's rate limit for this endpoint is spent and X gave no usable time for its reset. Try again in 15 minutes."
    );
}

#[test]
fn api_takes_a_path_whose_query_holds_an_address() {
    let w = World::new();
    w.logged_in("default");
    let x = FaultServer::start(&w, |r| {
        Answer::Respond(Response::json(200, &json!({ "query": r.query_pairs() })))
    });
    let e = w.run(&[
        "api",
        "/2/tweets/search/recent?query=https://example.com",
        "--api-base",
        &x.base,
    ]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(x.seen(), ["GET /2/tweets/search/recent"]);
    let answer: serde_json::Value = serde_json::from_str(&e.stdout).expect("json");
    assert_eq!(answer["query"], json!([["query", "https://example.com"]]));
}

/// X's own body for a monthly product cap (xdevplatform/xdk#25), with the rate-limit headers
/// still showing room: a usage cap, exit 7, never a rate limit, even with `--wait`.
#[test]
fn api_when_x_answers_its_usage_cap_body_is_exit_7_and_sent_once() {
    let w = World::new();
    w.logged_in("default");
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = std::sync::Arc::clone(&calls);
    let x = FaultServer::start(&w, move |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Answer::Respond(
            Response::problem_json(
                429,
                &json!({"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","period":"Monthly","scope":"Product","type":"https://api.twitter.com/2/problems/usage-capped"}),
            )
            .with_header("x-rate-limit-limit", "40000")
            .with_header("x-rate-limit-remaining", "39999")
            .with_header("x-rate-limit-reset", "1")
        )
    });
    let e = w.run(&["api", "/2/users/me", "--wait", "--api-base", &x.base]);
    assert_eq!(e.code, 7, "{}", e.stderr);
    assert!(
        e.stderr
            .contains("the monthly usage cap of this product is reached"),
        "{}",
        e.stderr
    );
    assert_eq!(
        calls.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "sent once"
    );
}

/// A 402, whatever its body: out of credits, exit 7, sent once.
#[test]
fn api_when_x_answers_402_is_out_of_credits_exit_7() {
    let w = World::new();
    w.logged_in("default");
    let x = FaultServer::start(&w, |_| {
        Answer::Respond(Response::problem_json(
            402,
            &json!({"title": "Payment Required"}),
        ))
    });
    let e = w.run(&["api", "/2/users/me", "--api-base", &x.base]);
    assert_eq!(e.code, 7, "{}", e.stderr);
    assert!(
        e.stderr.contains("out of pay-per-use credits"),
        "{}",
        e.stderr
    );
}

/// `api -H 'Name: value'` sends the header as given; `Authorization` and `Host` are never
/// taken from the command line (the token and the profile's host are xconnect's to send).
#[test]
fn api_sends_extra_headers_but_never_authorization_or_host() {
    let w = World::new();
    w.logged_in("default");
    let x = FaultServer::start(&w, |r| {
        let got = json!({
            "trace": r.header("x-trace-id"),
            "accept": r.header("accept"),
            "bearer": r.header("authorization").is_some_and(|a| a.starts_with("Bearer ")),
        });
        Answer::Respond(Response::json(200, &got))
    });
    let e = w.run(&[
        "api",
        "/2/users/me",
        "-H",
        "X-Trace-Id: incident-42",
        "-H",
        "Accept: application/json",
        "--api-base",
        &x.base,
    ]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let got: serde_json::Value = serde_json::from_str(&e.stdout).expect("json");
    assert_eq!(got["trace"], "incident-42");
    assert_eq!(got["accept"], "application/json");
    assert_eq!(got["bearer"], true);
    for bad in [
        "Authorization: Bearer other",
        "authorization:x",
        "Host: evil.example",
        "no colon",
        ": empty name",
    ] {
        let e = w.run(&["api", "/2/users/me", "-H", bad, "--api-base", &x.base]);
        assert_eq!(e.code, 2, "{bad}: {}", e.stderr);
        assert!(e.stderr.contains("-H"), "{}", e.stderr);
    }
}
