//! `xconnect media upload` and `xconnect post` against the X emulator, as a script runs them
//! (pipes, no terminal): the id alone on stdout, X's chunked upload with its processing
//! waited for, a chunk that fails once retried without starting over, and what is refused
//! before anything is sent (a mix of media, a text too long) or by X (a missing scope, a
//! duplicate, a reply where the account was not summoned).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::cli::*;
use common::media::*;
use serde_json::Value;
use xconnect::sandbox::{SandboxApp, SandboxUser};
use xconnect::x::Permission;

const MB: u64 = 1 << 20;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn path(w: &World, name: &str) -> String {
    w.dir.path().join(name).to_str().expect("path").to_string()
}

/// The media id printed alone on its line.
fn the_id(e: &Ended) -> String {
    assert_eq!(e.code, 0, "{}", e.stderr);
    let id = e.stdout.strip_suffix('\n').expect("one line").to_string();
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        "{:?}",
        e.stdout
    );
    id
}

#[test]
fn an_image_upload_prints_the_media_id_alone() {
    let w = World::new();
    w.logged_in("default");
    let png = path(&w, "chart.png");
    write_png(png.as_ref(), 300_000);
    let e = w.run(&["media", "upload", &png]);
    let id = the_id(&e);
    assert!(e.stderr.is_empty(), "nothing but the id: {}", e.stderr);
    // initialize, one append, finalize; an image has nothing to wait for.
    assert_eq!(w.sandbox.stats().media_requests, 3);
    // The type is the content's, not the name's.
    let named = path(&w, "chart.mp4");
    std::fs::copy(&png, &named).expect("copy");
    let json_run = w.run(&["media", "upload", &named, "--json"]);
    assert_eq!(json_run.code, 0, "{}", json_run.stderr);
    let v = json(&json_run.stdout);
    assert!(
        v["data"]["media_key"]
            .as_str()
            .expect("key")
            .starts_with("3_"),
        "{v}"
    );
    assert_ne!(v["data"]["id"], id.as_str());
}

#[test]
fn a_gif_is_waited_for_until_x_has_processed_it() {
    let w = World::new();
    w.logged_in("default");
    let gif = path(&w, "loop.gif");
    write_gif(gif.as_ref(), 6 * MB);
    let e = w.run(&["media", "upload", &gif, "--json"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let v = json(&e.stdout);
    assert_eq!(v["data"]["processing_info"]["state"], "succeeded", "{v}");
    assert!(v["data"]["media_key"]
        .as_str()
        .expect("key")
        .starts_with("16_"));
    // initialize, 2 appends, finalize, then STATUS at least once.
    assert!(w.sandbox.stats().media_requests >= 5);
}

#[test]
fn a_20_mb_video_goes_up_in_4_mib_chunks_and_is_processed() {
    let w = World::new();
    w.logged_in("default");
    let mp4 = path(&w, "clip.mp4");
    write_mp4(mp4.as_ref(), 20 * MB);
    let e = w.run(&["media", "upload", &mp4]);
    let id = the_id(&e);
    let stats = w.sandbox.stats();
    // initialize, 5 appends, finalize, and STATUS until succeeded (3 s at 1 s intervals).
    assert!(stats.media_requests >= 1 + 5 + 1 + 2, "{stats:?}");
    // The id works in a post.
    let post = w.run(&["post", "the clip", "--media-id", &id]);
    assert_eq!(post.code, 0, "{}", post.stderr);
    let posts = w.sandbox.posts();
    assert_eq!(posts[0].media_keys, [format!("7_{id}")]);
}

#[test]
fn a_failed_processing_prints_x_s_reason() {
    let w = World::new();
    w.logged_in("default");
    let bad = path(&w, "broken.mp4");
    write_file(bad.as_ref(), &broken_mp4_head(MB), MB);
    let e = w.run(&["media", "upload", &bad]);
    assert_failed(&e, "InvalidMedia: Invalid or Unsupported media");
    assert_eq!(e.code, 1, "{}", e.stderr);
}

#[test]
fn a_chunk_that_fails_once_is_sent_again_without_starting_over() {
    let w = World::new();
    w.logged_in("default");
    let png = path(&w, "big.png");
    write_png(png.as_ref(), 4 * MB + MB / 2);
    w.sandbox.fail_appends(1);
    let e = w.run(&["media", "upload", &png]);
    the_id(&e);
    // initialize, append 0 (503), append 0 again, append 1, finalize: no second initialize.
    assert_eq!(w.sandbox.stats().media_requests, 5);
}

#[test]
fn sizes_types_and_mixes_are_refused_before_anything_is_sent() {
    let w = World::new();
    w.logged_in("default");
    let big = path(&w, "big.png");
    write_png(big.as_ref(), 5 * MB + 1);
    let e = w.run(&["media", "upload", &big]);
    assert_failed(&e, "over X's limit for images of 5 MB");
    let text = path(&w, "notes.png");
    std::fs::write(&text, "not a picture at all").expect("write");
    assert_failed(&w.run(&["media", "upload", &text]), "not a type X takes");

    let (a, b) = (path(&w, "a.mp4"), path(&w, "b.png"));
    write_mp4(a.as_ref(), MB);
    write_png(b.as_ref(), 1000);
    let mix = w.run(&["post", "two kinds", "--media", &a, "--media", &b]);
    assert_failed(&mix, "up to 4 images, or 1 GIF, or 1 video");
    assert_eq!(mix.code, 2);
    let five: Vec<String> = (0..5).map(|_| b.clone()).collect();
    let mut args = vec!["post", "five"];
    for f in &five {
        args.extend(["--media", f.as_str()]);
    }
    assert_failed(&w.run(&args), "this one would carry 5 images");
    let long = "x".repeat(281);
    let e = w.run(&["post", &long]);
    assert_failed(&e, "counts 281 where X takes 280");
    assert_failed(&w.run(&["post", ""]), "nothing to post");
    assert_eq!(w.sandbox.stats().media_requests, 0, "nothing reached X");
    assert!(w.sandbox.tweets().is_empty());
}

#[test]
fn a_missing_scope_names_it_and_the_fix() {
    let w = World::new();
    w.sandbox
        .register_app(SandboxApp::public(ID, [CALLBACK]).with_permission(Permission::Read));
    w.logged_in("default");
    let png = path(&w, "a.png");
    write_png(png.as_ref(), 1000);
    let e = w.run(&["post", "with a chart", "--media", &png]);
    assert_failed(&e, "media.write");
    assert_eq!(e.code, 4, "{}", e.stderr);
    assert!(e.stderr.contains("Read and write"), "{}", e.stderr);
    assert!(
        e.stderr.contains("xconnect login --profile default"),
        "{}",
        e.stderr
    );
    let text_only = w.run(&["post", "just words"]);
    assert_failed(&text_only, "tweet.write");
    assert_eq!(text_only.code, 4, "{}", text_only.stderr);
}

#[test]
fn a_post_with_media_then_a_reply_to_it() {
    let w = World::new();
    w.logged_in("default");
    let png = path(&w, "screenshot.png");
    write_png(png.as_ref(), 200_000);
    let e = w.run(&[
        "post",
        "Incident update: API latency back to normal",
        "--media",
        &png,
    ]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let id = e.stdout.trim_end().to_string();
    assert_eq!(e.stdout, format!("{id}\n"), "the post's id alone");
    assert!(
        e.stderr
            .contains(&format!("https://x.com/sandbox_user/status/{id}")),
        "{}",
        e.stderr
    );
    let posts = w.sandbox.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].media_keys.len(), 1);
    assert!(posts[0].media_keys[0].starts_with("3_"));

    // A reply to it, its text from stdin, everything as JSON.
    let mut child = Command::new(env!("CARGO_BIN_EXE_xconnect"))
        .args(["post", "--reply-to", &id, "--json", "--config-dir"])
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
        .write_all(b"Resolved at 14:05 UTC.\n")
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v = json(&String::from_utf8_lossy(&out.stdout));
    let reply_id = v["id"].as_str().expect("id").to_string();
    assert_eq!(
        v["url"],
        format!("https://x.com/sandbox_user/status/{reply_id}")
    );
    assert_eq!(
        v["text"], "Resolved at 14:05 UTC.",
        "the last line break dropped"
    );
    let posts = w.sandbox.posts();
    assert_eq!(posts[1].in_reply_to.as_deref(), Some(id.as_str()));

    // Visible in the account's posts.
    let me = SandboxUser::default().id;
    let list = w.run(&[
        "api",
        "-X",
        "GET",
        &format!("/2/users/{me}/tweets"),
        "-f",
        "tweet.fields=attachments,referenced_tweets",
    ]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let v = json(&list.stdout);
    assert_eq!(v["data"][0]["referenced_tweets"][0]["id"], id.as_str());
    assert!(v["data"][1]["attachments"]["media_keys"][0].is_string());

    // The same text again: X refuses duplicates, in words of its own.
    let again = w.run(&["post", "Incident update: API latency back to normal"]);
    assert_failed(&again, "duplicate");
    assert_eq!(again.code, 1);

    // A reply where the account was not summoned: the 2026 rule.
    let other = w.sandbox.add_tweet_by("42", "unrelated news");
    let e = w.run(&["post", "me too", "--reply-to", &other]);
    assert_failed(&e, "summoned");
    assert_eq!(e.code, 1);
}
