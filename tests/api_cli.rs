//! `xconnect api` against the X emulator: the profile's token, refreshed before the call when
//! it expires and after a 401, bodies from -f and --input, pages, X's errors and rate limits,
//! and a token that never leaves for another host.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::cli::*;
use serde_json::Value;
use xconnect::sandbox::api::Endpoint;
use xconnect::sandbox::{SandboxApp, SandboxUser};
use xconnect::x::Permission;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn me_id() -> String {
    SandboxUser::default().id
}

#[test]
fn users_me_prints_x_s_answer_as_received() {
    let w = World::new();
    w.logged_in("default");
    let e = w.run(&["api", "/2/users/me"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(json(&e.stdout)["data"]["username"], "sandbox_user");
    assert!(e.stderr.is_empty(), "{}", e.stderr);
    // A pipe gets the bytes as X sent them: one line, no pretty-printing.
    assert_eq!(e.stdout.trim_end().lines().count(), 1, "{}", e.stdout);
}

#[test]
fn an_expiring_token_is_refreshed_before_the_call() {
    let w = World::new();
    w.logged_in("default");
    w.expire("default");
    let e = w.run(&["api", "/2/users/me"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(w.sandbox.stats().refreshes, 1);
    let saved = w.read("default");
    let at = saved["token"]["expires_at"].as_str().expect("expires_at");
    assert!(at > "2026", "the new expiry is saved: {at}");
}

#[test]
fn a_401_refreshes_once_and_retries() {
    let w = World::new();
    w.logged_in("default");
    // X's clock passes the token's 2 hours while the file still thinks it valid.
    w.sandbox
        .advance_clock(std::time::Duration::from_secs(2 * 3600 + 60));
    let e = w.run(&["api", "/2/users/me"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(json(&e.stdout)["data"]["id"], me_id());
    assert_eq!(w.sandbox.stats().refreshes, 1);
    assert_eq!(
        w.sandbox.stats().users_me_calls,
        3,
        "login's proof, the 401, the retry"
    );
}

#[test]
fn fields_become_a_json_body_and_the_post_is_made() {
    let w = World::new();
    w.logged_in("default");
    let e = w.run(&[
        "api",
        "-X",
        "POST",
        "/2/tweets",
        "-f",
        "text=hello from xconnect",
    ]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let v = json(&e.stdout);
    assert_eq!(v["data"]["text"], "hello from xconnect");
    let posts = w.sandbox.tweets();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].1, "hello from xconnect");
    assert_eq!(v["data"]["id"], posts[0].0.as_str());

    // As with `gh api`, fields without -X mean POST. The same post again: X refuses
    // duplicates, with its words on stderr, nothing on stdout.
    let again = w.run(&["api", "/2/tweets", "-f", "text=hello from xconnect"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stdout.is_empty());
    assert!(
        again.stderr.contains("duplicate content"),
        "{}",
        again.stderr
    );
}

#[test]
fn input_from_a_file_and_from_stdin_is_the_body() {
    let w = World::new();
    w.logged_in("default");
    let file = w.dir.path().join("post.json");
    std::fs::write(&file, r#"{"text":"from a file"}"#).expect("write");
    let e = w.run(&["api", "/2/tweets", "--input", file.to_str().expect("path")]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(json(&e.stdout)["data"]["text"], "from a file");

    let mut child = Command::new(env!("CARGO_BIN_EXE_xconnect"))
        .args([
            "api",
            "-X",
            "POST",
            "/2/tweets",
            "--input",
            "-",
            "--config-dir",
        ])
        .arg(w.dir.path())
        .env_remove("XCONNECT_API_BASE")
        .env_remove("XCONNECT_CONFIG_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(br#"{"text":"from stdin"}"#)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let texts: Vec<String> = w.sandbox.tweets().into_iter().map(|t| t.1).collect();
    assert_eq!(texts, ["from a file", "from stdin"]);
}

#[test]
fn paginate_follows_three_pages_as_json_lines() {
    let w = World::new();
    w.logged_in("default");
    for i in 0..12 {
        w.sandbox.add_tweet(&format!("post {i}"));
    }
    let path = format!("/2/users/{}/tweets", me_id());
    let e = w.run(&["api", &path, "-f", "max_results=5", "--paginate"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let pages: Vec<Value> = e.stdout.lines().map(json).collect();
    assert_eq!(pages.len(), 3, "{}", e.stdout);
    let counts: Vec<u64> = pages
        .iter()
        .map(|p| p["meta"]["result_count"].as_u64().expect("count"))
        .collect();
    assert_eq!(counts, [5, 5, 2]);
    assert_eq!(pages[0]["data"][0]["text"], "post 11", "newest first");
    assert_eq!(pages[2]["data"][1]["text"], "post 0");
    assert!(pages[2]["meta"].get("next_token").is_none());

    let capped = w.run(&[
        "api",
        &path,
        "-f",
        "max_results=5",
        "--paginate",
        "--max-pages",
        "2",
    ]);
    assert_eq!(capped.code, 0, "{}", capped.stderr);
    assert_eq!(capped.stdout.lines().count(), 2);
    assert!(
        capped.stderr.contains("Stopped after 2 page(s)"),
        "{}",
        capped.stderr
    );
}

#[test]
fn a_spent_rate_limit_says_when_it_resets_and_exits_5() {
    let w = World::new();
    w.logged_in("default");
    w.sandbox.set_rate_limit(Endpoint::UserTweets, 1);
    let path = format!("/2/users/{}/tweets", me_id());
    assert_eq!(w.run(&["api", &path]).code, 0);
    let e = w.run(&["api", &path]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert!(e.stdout.is_empty());
    assert!(e.stderr.contains("rate limit"), "{}", e.stderr);
    assert!(e.stderr.contains("resets at"), "{}", e.stderr);
    assert!(e.stderr.contains(" UTC (in "), "{}", e.stderr);
}

#[test]
fn a_404_puts_x_s_title_on_stderr_and_nothing_on_stdout() {
    let w = World::new();
    w.logged_in("default");
    let e = w.run(&["api", "-X", "DELETE", "/2/tweets/1234"]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(e.stdout.is_empty(), "{}", e.stdout);
    assert!(
        e.stderr
            .contains("X answered HTTP 404 Not Found Error: Could not find tweet with id: [1234]."),
        "{}",
        e.stderr
    );
    let id = w.sandbox.add_tweet("to delete");
    let ok = w.run(&["api", "-X", "DELETE", &format!("/2/tweets/{id}")]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(json(&ok.stdout)["data"]["deleted"], true);
}

#[test]
fn a_foreign_url_is_refused_before_anything_is_sent() {
    let w = World::new();
    w.logged_in("default");
    let other = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    other.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}/2/users/me", other.local_addr().expect("addr"));
    let before = w.sandbox.stats();
    let e = w.run(&["api", &url]);
    assert_eq!(e.code, 2, "{}", e.stderr);
    assert!(e.stdout.is_empty());
    assert!(
        e.stderr
            .contains("refusing to send the profile's token to 127.0.0.1"),
        "{}",
        e.stderr
    );
    assert!(
        other.accept().is_err(),
        "nothing connected to the other host"
    );
    assert_eq!(w.sandbox.stats(), before, "nothing reached X either");
}

#[test]
fn a_read_only_app_cannot_post_and_says_why() {
    let w = World::new();
    w.sandbox
        .register_app(SandboxApp::public(ID, [CALLBACK]).with_permission(Permission::Read));
    w.logged_in("default");
    let e = w.run(&["api", "-X", "POST", "/2/tweets", "-f", "text=hi"]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(
        e.stderr
            .contains("You are not permitted to perform this action."),
        "{}",
        e.stderr
    );
}

#[test]
fn jq_filters_each_page_and_prints_strings_as_text() {
    let w = World::new();
    w.logged_in("default");
    for i in 0..7 {
        w.sandbox.add_tweet(&format!("post {i}"));
    }
    let path = format!("/2/users/{}/tweets", me_id());
    let e = w.run(&[
        "api",
        &path,
        "-f",
        "max_results=5",
        "--paginate",
        "--jq",
        ".data[].text",
    ]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let lines: Vec<&str> = e.stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{}", e.stdout);
    assert_eq!(lines[0], "post 6");
    assert_eq!(lines[6], "post 0");
    let bad = w.run(&["api", "/2/users/me", "--jq", ".data["]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--jq"), "{}", bad.stderr);
}

#[test]
fn slurp_prints_one_array_of_every_page() {
    let w = World::new();
    w.logged_in("default");
    for i in 0..7 {
        w.sandbox.add_tweet(&format!("post {i}"));
    }
    let path = format!("/2/users/{}/tweets", me_id());
    let e = w.run(&["api", &path, "-f", "max_results=5", "--paginate", "--slurp"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let pages = json(&e.stdout);
    let pages = pages.as_array().expect("one array");
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1]["meta"]["result_count"], 2);
    let counted = w.run(&[
        "api",
        &path,
        "-f",
        "max_results=5",
        "--paginate",
        "--slurp",
        "--jq",
        "map(.meta.result_count) | add",
    ]);
    assert_eq!(counted.stdout.trim(), "7", "{}", counted.stderr);
    let alone = w.run(&["api", &path, "--slurp"]);
    assert_eq!(alone.code, 2, "--slurp needs --paginate: {}", alone.stderr);
}

#[test]
fn verbose_shows_the_request_and_the_answer_with_the_token_masked() {
    let w = World::new();
    w.logged_in("default");
    let token = w.run(&["token"]).stdout.trim().to_string();
    assert!(token.len() > 10);
    let e = w.run(&["api", "/2/users/me", "--verbose", "-H", "X-Trace-Id: t1"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stderr.contains("> GET /2/users/me"), "{}", e.stderr);
    assert!(
        e.stderr.contains("> authorization: Bearer ****"),
        "{}",
        e.stderr
    );
    assert!(e.stderr.contains("> x-trace-id: t1"), "{}", e.stderr);
    assert!(e.stderr.contains("< HTTP/1.1 200 OK"), "{}", e.stderr);
    assert!(
        e.stderr.contains("< x-rate-limit-remaining:"),
        "{}",
        e.stderr
    );
    assert!(!e.stderr.contains(&token), "the token is never shown");
    assert!(!e.stdout.contains(&token));
    assert_eq!(json(&e.stdout)["data"]["username"], "sandbox_user");
}
