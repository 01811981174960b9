//! `xconnect login --no-tui` against the built-in X emulator: every error case, both app
//! types, the loopback listener. The binary runs as a script would: pipes, no terminal.

mod common;

use std::time::Duration;

use common::cli::*;
use xconnect::sandbox::SandboxApp;

#[test]
fn native_app_end_to_end_saves_a_0600_profile() {
    let w = World::new();
    let mut l = w.login(&["--client-id", ID], &[]);
    let link = l.link();
    assert!(link.contains("code_challenge_method=S256") && link.contains("state="));
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    let e = l.end();
    assert_eq!(e.code, 0, "{}", e.stderr);
    let path = w.profile("default");
    assert_eq!(e.stdout.trim(), path.display().to_string());
    assert!(e.stderr.contains("Logged in as @sandbox_user"));
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&w.dir.path().join("profiles")), 0o700);
    let text = std::fs::read_to_string(&path).expect("profile");
    let p: toml::Value = toml::from_str(&text).expect("toml");
    assert_eq!(p["app"]["client_id"].as_str(), Some(ID));
    assert_eq!(p["app"]["app_type"].as_str(), Some("native"));
    assert!(p["app"].get("client_secret").is_none());
    assert_eq!(p["account"]["username"].as_str(), Some("sandbox_user"));
    assert_eq!(p["token"]["token_type"].as_str(), Some("bearer"));
    assert!(p["token"]["refresh_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert!(p["token"]["expires_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert!(p["endpoints"]["api_base"]
        .as_str()
        .is_some_and(|b| b.starts_with("http://127.0.0.1:")));
    assert_eq!(w.sandbox.stats().code_exchanges, 1);
}

#[test]
fn web_app_takes_its_secret_from_the_environment() {
    let w = World::new();
    let secret = "S".repeat(50);
    w.sandbox
        .register_app(SandboxApp::confidential(ID, secret.clone(), [CALLBACK]));
    let mut l = w.login(
        &["--client-id", ID, "--app-type", "web", "--profile", "bot"],
        &[("XCONNECT_CLIENT_SECRET", &secret)],
    );
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    let e = l.end();
    assert_eq!(e.code, 0, "{}", e.stderr);
    let text = std::fs::read_to_string(w.profile("bot")).expect("profile");
    assert!(text.contains(&format!("client_secret = \"{secret}\"")));
    assert!(text.contains("app_type = \"web\""));
    assert!(!e.stderr.contains(&secret), "the secret is never printed");
}

/// Runs a login whose redirect is made by `redirect` from the printed link, expecting failure.
fn failing(
    w: &World,
    args: &[&str],
    env: &[(&str, &str)],
    redirect: impl FnOnce(&World, &str) -> String,
) -> Ended {
    let mut l = w.login(args, env);
    let link = l.link();
    let r = redirect(w, &link);
    l.type_line(&r);
    let e = l.end();
    assert!(!w.profile("default").exists(), "no file written on failure");
    e
}

#[test]
fn state_mismatch_is_refused() {
    let w = World::new();
    let e = failing(&w, &["--client-id", ID], &[], |w, link| {
        let r = w.rt.block_on(w.sandbox.approve(link)).expect("approve");
        let state = state_of(&r);
        r.replace(&state, "someone-elses-state")
    });
    assert_failed(&e, "another login attempt");
    assert_eq!(w.sandbox.stats().code_exchanges, 0, "nothing was exchanged");
}

#[test]
fn cancel_on_x_is_access_denied() {
    let w = World::new();
    let e = failing(&w, &["--client-id", ID], &[], |w, link| {
        w.rt.block_on(w.sandbox.deny(link)).expect("deny")
    });
    assert_failed(&e, "You clicked Cancel");
}

#[test]
fn an_address_without_a_code() {
    let w = World::new();
    let e = failing(&w, &["--client-id", ID], &[], |_, link| {
        let state = state_of(link);
        format!("{CALLBACK}?state={state}")
    });
    assert_failed(&e, "no code=");
}

#[test]
fn an_expired_code() {
    let w = World::new();
    let e = failing(&w, &["--client-id", ID], &[], |w, link| {
        let r = w.rt.block_on(w.sandbox.approve(link)).expect("approve");
        w.sandbox.advance_clock(Duration::from_secs(31));
        r
    });
    assert_failed(&e, "30 seconds");
}

#[test]
fn a_wrong_secret() {
    let w = World::new();
    w.sandbox
        .register_app(SandboxApp::confidential(ID, "R".repeat(50), [CALLBACK]));
    // The login registers the app it is told about in a --sandbox run only; here the
    // emulator keeps the portal's version, so the secret differs.
    let e = failing(
        &w,
        &["--client-id", ID, "--app-type", "web"],
        &[("XCONNECT_CLIENT_SECRET", &"W".repeat(50))],
        |w, link| w.rt.block_on(w.sandbox.approve(link)).expect("approve"),
    );
    assert_failed(&e, "refused the Client ID or Client Secret");
}

#[test]
fn a_wrong_app_type() {
    let w = World::new();
    w.sandbox
        .register_app(SandboxApp::confidential(ID, "R".repeat(50), [CALLBACK]));
    let e = failing(&w, &["--client-id", ID], &[], |w, link| {
        w.rt.block_on(w.sandbox.approve(link)).expect("approve")
    });
    assert_failed(&e, "wants a Client Secret");
}

#[test]
fn network_failure_writes_nothing() {
    let w = World::new();
    // Nothing listens on port 1. The link is printed all the same; its redirect is refused.
    let mut l = w.login_at("http://127.0.0.1:1", &["--client-id", ID], &[]);
    let link = l.link();
    let state = state_of(&link);
    l.type_line(&format!("{CALLBACK}?state={state}&code=abc"));
    let e = l.end();
    assert_failed(&e, "Cannot reach X");
    assert!(!w.profile("default").exists());
}

#[test]
fn loopback_listener_catches_the_redirect_by_itself() {
    let w = World::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let callback = format!("http://127.0.0.1:{port}/callback");
    w.sandbox
        .register_app(SandboxApp::public(ID, [callback.as_str()]));
    let mut l = w.login(&["--client-id", ID, "--callback-url", &callback], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    assert!(redirect.starts_with(&callback));
    // The browser follows X's redirect to the listener; a favicon request comes first.
    let page = w.rt.block_on(async {
        let client = reqwest::Client::new();
        let fav = client
            .get(format!("http://127.0.0.1:{port}/favicon.ico"))
            .send()
            .await
            .expect("favicon");
        assert_eq!(fav.status(), 404);
        client
            .get(&redirect)
            .send()
            .await
            .expect("callback")
            .text()
            .await
            .expect("page")
    });
    assert!(page.contains("close this tab"), "{page}");
    let e = l.end();
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stderr.contains(&format!("Listening on {callback}")));
    assert!(w.profile("default").exists());
}

#[test]
fn an_existing_profile_is_never_replaced_without_force() {
    let w = World::new();
    std::fs::create_dir_all(w.dir.path().join("profiles")).expect("dir");
    std::fs::write(w.profile("default"), "precious").expect("write");
    let mut l = w.login(&["--client-id", ID], &[]);
    l.close_stdin();
    let e = l.end();
    assert_failed(&e, "--force");
    assert_eq!(
        std::fs::read_to_string(w.profile("default")).expect("read"),
        "precious"
    );
    assert!(
        !e.stderr.contains("http"),
        "refused before any link: {}",
        e.stderr
    );

    let mut l = w.login(&["--client-id", ID, "--force"], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    let e = l.end();
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(std::fs::read_to_string(w.profile("default"))
        .expect("read")
        .contains("[token]"));
}

#[test]
fn bad_arguments_get_a_one_line_reason() {
    let w = World::new();
    for (args, says) in [
        (vec!["--client-id", ID, "--profile", "../x"], "--profile"),
        (vec!["--client-id", "has space"], "--client-id"),
        (
            vec!["--client-id", ID, "--callback-url", "http://example.com/cb"],
            "--callback-url",
        ),
        (
            vec!["--client-id", ID, "--scopes", "tweet.read tweet.fly"],
            "tweet.fly",
        ),
        (
            vec!["--client-id", ID, "--app-type", "web"],
            "XCONNECT_CLIENT_SECRET",
        ),
    ] {
        let e = w.login(&args, &[]).end();
        assert_failed(&e, says);
        assert_eq!(e.stderr.lines().count(), 1, "one line: {}", e.stderr);
    }
}

#[test]
fn a_server_that_never_answers_times_out() {
    let w = World::new();
    // Accepts connections and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = silent.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    let mut l = w.login_at(
        &format!("http://{addr}"),
        &["--client-id", ID],
        &[("XCONNECT_TIMEOUT", "1")],
    );
    let link = l.link();
    let state = state_of(&link);
    l.type_line(&format!("{CALLBACK}?state={state}&code=abc"));
    let e = l.end();
    assert_failed(&e, "did not answer in time");
    assert!(!w.profile("default").exists());
}

/// A loopback callback on a free port, registered with the emulator's app.
fn loopback(w: &World) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let callback = format!("http://127.0.0.1:{port}/callback");
    w.sandbox
        .register_app(SandboxApp::public(ID, [callback.as_str()]));
    callback
}

/// What a browser does after X's answer: it follows the redirect to the listener.
fn follow(w: &World, redirect: &str) -> String {
    w.rt.block_on(async {
        reqwest::Client::new()
            .get(redirect)
            .send()
            .await
            .expect("callback")
            .text()
            .await
            .expect("page")
    })
}

/// How long a login may take to end once its answer is in (or its time is up): a moment,
/// with room for a busy machine; a login waiting for stdin would take the whole minute.
const A_MOMENT: Duration = Duration::from_secs(10);

#[test]
fn with_stdin_open_the_login_ends_when_the_loopback_redirect_arrives() {
    let w = World::new();
    let callback = loopback(&w);
    // stdin is a pipe nobody closes, as with `sleep 60 | xconnect login --no-tui …`.
    let mut l = w.login(&["--client-id", ID, "--callback-url", &callback], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    let page = follow(&w, &redirect);
    assert!(page.contains("close this tab"), "{page}");
    let (e, took) = l.end_with_stdin_open(A_MOMENT);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stderr.contains("Logged in as @sandbox_user"),
        "{}",
        e.stderr
    );
    assert!(w.profile("default").exists());
    assert!(took < A_MOMENT, "took {took:?}");
}

#[test]
fn with_stdin_open_the_login_ends_when_the_user_cancels_on_x() {
    let w = World::new();
    let callback = loopback(&w);
    let mut l = w.login(&["--client-id", ID, "--callback-url", &callback], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.deny(&link)).expect("deny");
    follow(&w, &redirect);
    let (e, _) = l.end_with_stdin_open(A_MOMENT);
    assert_failed(&e, "You clicked Cancel");
    assert!(!w.profile("default").exists());
}

#[test]
fn with_stdin_open_the_wait_limit_ends_the_login() {
    let w = World::new();
    let callback = loopback(&w);
    let mut l = w.login(
        &[
            "--client-id",
            ID,
            "--callback-url",
            &callback,
            "--wait",
            "2",
        ],
        &[],
    );
    l.link();
    let (e, took) = l.end_with_stdin_open(A_MOMENT);
    assert_failed(&e, "within 2 seconds");
    assert!(took >= Duration::from_secs(1), "waited its time: {took:?}");
}

/// `xconnect login --no-tui` in a pseudo-terminal (stdin is the terminal, never closed) with
/// a loopback callback and these extra arguments.
fn login_in_a_terminal(w: &World, callback: &str, extra: &[&str]) -> common::pty::Pty {
    let base = w.sandbox.base_url();
    let mut args = vec![
        "login",
        "--no-tui",
        "--auth-base",
        &base,
        "--api-base",
        &base,
        "--client-id",
        ID,
        "--callback-url",
        callback,
    ];
    args.extend_from_slice(extra);
    let mut pty = common::pty::Pty::spawn(&args, &[]);
    pty.wait_for("Listening on");
    pty
}

#[test]
fn in_a_terminal_the_login_ends_when_the_loopback_redirect_arrives() {
    let w = World::new();
    let callback = loopback(&w);
    let mut pty = login_in_a_terminal(&w, &callback, &[]);
    // The link may wrap at 80 columns on the screen; the bytes hold it whole.
    let raw = String::from_utf8_lossy(&pty.raw).into_owned();
    let link = raw
        .split(['\r', '\n'])
        .find(|l| l.starts_with("http"))
        .expect("the link")
        .to_string();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    follow(&w, &redirect);
    pty.wait_for("Logged in as @sandbox_user");
    assert_eq!(pty.wait_exit_within(A_MOMENT), 0, "{}", pty.screen());
}

#[test]
fn in_a_terminal_the_wait_limit_ends_the_login() {
    let w = World::new();
    let callback = loopback(&w);
    let mut pty = login_in_a_terminal(&w, &callback, &["--wait", "2"]);
    assert_ne!(pty.wait_exit_within(A_MOMENT), 0, "{}", pty.screen());
    assert!(
        pty.screen().contains("within 2 seconds"),
        "{}",
        pty.screen()
    );
}

#[test]
fn read_permissions_with_a_write_scope_are_refused_with_the_fix() {
    let w = World::new();
    let mut l = w.login(
        &[
            "--client-id",
            ID,
            "--permissions",
            "read",
            "--scopes",
            "tweet.read users.read tweet.write offline.access",
        ],
        &[],
    );
    assert!(l.try_link().is_none(), "refused before any link");
    let e = l.end();
    assert_eq!(e.code, 2, "{}", e.stderr);
    assert!(
        e.stderr.contains("tweet.write")
            && e.stderr.contains("Read and write")
            && e.stderr.contains("--permissions read-write"),
        "{}",
        e.stderr
    );
    assert!(!w.profile("default").exists());
}

#[test]
fn an_expired_code_from_a_pipe_names_the_command_to_run_again() {
    let w = World::new();
    let e = failing(
        &w,
        &["--client-id", ID, "--profile", "bot"],
        &[],
        |w, link| {
            let r = w.rt.block_on(w.sandbox.approve(link)).expect("approve");
            w.sandbox.advance_clock(Duration::from_secs(31));
            r
        },
    );
    assert_failed(&e, "30 seconds");
    assert!(
        !e.stderr.contains("paste the new address"),
        "no advice the login cannot follow: {}",
        e.stderr
    );
    assert!(
        e.stderr.contains("xconnect login --no-tui")
            && e.stderr.contains(&format!("--client-id {ID}"))
            && e.stderr.contains("--profile bot"),
        "the command to run again: {}",
        e.stderr
    );
}

/// The links to the sandbox's consent page `raw` holds, in order (whole: the screen may wrap
/// them, the bytes do not).
fn links_in(raw: &[u8], base: &str) -> Vec<String> {
    String::from_utf8_lossy(raw)
        .split(['\r', '\n'])
        .filter(|l| l.starts_with(base))
        .map(String::from)
        .collect()
}

/// Waits until the terminal has shown `count` links; returns them.
fn wait_links(pty: &mut common::pty::Pty, base: &str, count: usize) -> Vec<String> {
    let start = std::time::Instant::now();
    loop {
        let links = links_in(&pty.raw, base);
        if links.len() >= count {
            return links;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{count} link(s) expected: {}",
            pty.screen()
        );
        pty.settle(Duration::from_millis(200));
    }
}

#[test]
fn an_expired_code_in_a_terminal_gets_a_new_link_and_waits_for_it() {
    let w = World::new();
    let base = w.sandbox.base_url();
    let mut pty = common::pty::Pty::spawn(
        &[
            "login",
            "--no-tui",
            "--auth-base",
            &base,
            "--api-base",
            &base,
            "--client-id",
            ID,
        ],
        &[],
    );
    pty.wait_for("paste the address");
    let first = wait_links(&mut pty, &base, 1);
    let redirect =
        w.rt.block_on(w.sandbox.approve(&first[0]))
            .expect("approve");
    w.sandbox.advance_clock(Duration::from_secs(31));
    pty.send(format!("{redirect}\r").as_bytes());
    pty.wait_for("new link");
    let links = wait_links(&mut pty, &base, 2);
    let redirect =
        w.rt.block_on(w.sandbox.approve(&links[1]))
            .expect("approve");
    pty.send(format!("{redirect}\r").as_bytes());
    pty.wait_for("Logged in as @sandbox_user");
    assert_eq!(pty.wait_exit_within(A_MOMENT), 0, "{}", pty.screen());
}
