//! The one terminal rule (`xconnect::text`): C0 and C1 controls, DEL, bidirectional and
//! zero-width characters that come from outside (X's answers, a profile file) never reach a
//! terminal raw, whichever command prints them, `--json` included; a pipe still gets `api`'s
//! answer byte for byte. Each runs the real binary.

mod common;

use std::sync::Arc;

use common::cli::*;
use common::hostile::*;
use common::pty::Pty;
use common::wire::{read_request, Limits, Response, WriteTo as _};
use tokio::io::AsyncWriteExt;

/// A server on 127.0.0.1 that answers every request with `body` as JSON.
fn serving(w: &World, body: Vec<u8>) -> String {
    let listener =
        w.rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let body = Arc::new(body);
    w.rt.spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = Arc::clone(&body);
            tokio::spawn(async move {
                if read_request(&mut stream, &Limits::default()).await.is_ok() {
                    let r = Response::new(200, "application/json", body.as_slice());
                    let _ = r.write_to(&mut stream).await;
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    base
}

/// An answer from X holding [`HOSTILE`] in a value and in a key (serde_json escapes the C0
/// controls; the rest is sent as it is).
fn hostile_body() -> Vec<u8> {
    let mut body = serde_json::json!({"data": {"id": "1", "text": HOSTILE}});
    body["data"][format!("key{HOSTILE}")] = serde_json::json!(["x\u{9b}y"]);
    body.to_string().into_bytes()
}

#[test]
fn api_on_a_terminal_escapes_hidden_characters_and_stays_json() {
    let w = World::new();
    w.logged_in("default");
    let body = hostile_body();
    let base = serving(&w, body.clone());
    let config = w.dir.path().to_str().expect("path").to_string();
    let mut p = Pty::spawn(
        &[
            "api",
            "/2/users/me",
            "--api-base",
            &base,
            "--config-dir",
            &config,
        ],
        &[],
    );
    assert_eq!(p.wait_exit(), 0, "{}", String::from_utf8_lossy(&p.raw));
    let printed = String::from_utf8_lossy(&p.raw).replace('\r', "");
    assert_no_raw_hidden("api on a terminal", &printed);
    let shown: serde_json::Value =
        serde_json::from_str(&printed).unwrap_or_else(|e| panic!("not JSON ({e}):\n{printed}"));
    let sent: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(shown, sent, "the same JSON, its strings escaped");
    assert!(printed.contains("\n  \"data\""), "pretty: {printed}");
}

#[test]
fn api_into_a_pipe_keeps_the_answer_byte_for_byte() {
    let w = World::new();
    w.logged_in("default");
    let body = hostile_body();
    let base = serving(&w, body.clone());
    let e = w.run(&["api", "/2/users/me", "--api-base", &base]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(e.stdout.as_bytes(), body.as_slice());
}

/// The profile file of `name` with [`HOSTILE`] as the account's username and name and in
/// the token's scope (escaped as TOML escapes them: the file is valid).
fn make_hostile(w: &World, name: &str) {
    let path = w.profile(name);
    let mut v: toml::Value =
        toml::from_str(&std::fs::read_to_string(&path).expect("read")).expect("toml");
    v["account"]["username"] = toml::Value::String(format!("user{HOSTILE}"));
    v["account"]["name"] = toml::Value::String(format!("\"quoted\\ {HOSTILE}'"));
    v["token"]["scope"] = toml::Value::String(format!("tweet.read {HOSTILE}"));
    std::fs::write(&path, toml::to_string(&v).expect("toml")).expect("write");
}

#[test]
fn show_and_profiles_escape_what_a_profile_file_holds_in_every_format() {
    let w = World::new();
    w.logged_in("default");
    make_hostile(&w, "default");

    let show = w.run(&["show"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert_no_raw_hidden("show", &show.stdout);
    assert_no_raw_hidden("show's stderr", &show.stderr);
    // Still TOML, and the same values: the escapes are TOML's own.
    let body: String = show
        .stdout
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let shown: toml::Value = toml::from_str(&body).unwrap_or_else(|e| panic!("{e}:\n{body}"));
    assert_eq!(
        shown["account"]["username"].as_str(),
        Some(format!("user{HOSTILE}").as_str())
    );
    assert_eq!(
        shown["account"]["name"].as_str(),
        Some(format!("\"quoted\\ {HOSTILE}'").as_str())
    );

    let json = w.run(&["show", "--json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_no_raw_hidden("show --json", &json.stdout);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(
        v["account"]["username"].as_str(),
        Some(format!("user{HOSTILE}").as_str())
    );

    let list = w.run(&["profiles"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_no_raw_hidden("profiles", &list.stdout);
    let list_json = w.run(&["profiles", "--json"]);
    assert_eq!(list_json.code, 0, "{}", list_json.stderr);
    assert_no_raw_hidden("profiles --json", &list_json.stdout);
    let rows: serde_json::Value = serde_json::from_str(&list_json.stdout).expect("json");
    assert_eq!(
        rows[0]["username"].as_str(),
        Some(format!("user{HOSTILE}").as_str())
    );
}

#[test]
fn a_profile_file_that_does_not_read_is_escaped_where_it_is_quoted() {
    let w = World::new();
    w.logged_in("good");
    // Not TOML: the parser's message quotes the line.
    std::fs::write(
        w.profile("broken"),
        format!("version = 1\n[app\nx = \"{HOSTILE}\"\n"),
    )
    .expect("write");
    for args in [
        &["profiles"][..],
        &["profiles", "--json"],
        &["show", "broken"],
        &["token", "broken"],
    ] {
        let e = w.run(args);
        assert_no_raw_hidden(&format!("{args:?} (stdout)"), &e.stdout);
        assert_no_raw_hidden(&format!("{args:?} (stderr)"), &e.stderr);
    }
}
