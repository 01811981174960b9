//! What the real binary writes to an 80×24 pseudo-terminal per key, and the CPU it uses with
//! no input. Only counts are asserted here, never timings: those are measured by
//! `cargo run --release --example measure`.

mod common;

use std::time::Duration;

use common::pty::Pty;

const UP: &[u8] = b"\x1b[A";
const DOWN: &[u8] = b"\x1b[B";
const RIGHT: &[u8] = b"\x1b[C";
const LEFT: &[u8] = b"\x1b[D";

/// A move in a list that changes only the highlight.
const HIGHLIGHT_MOVE: usize = 120;
/// A move that also changes what the screen shows (the scopes a permission level implies).
const MOVE_WITH_CONTENT: usize = 240;
const TYPED_CHAR: usize = 40;

/// The wizard with no saved profiles (no start menu), at step 1 and drawn whole.
fn start() -> (Pty, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().to_str().expect("utf-8 path").to_string();
    let mut p = Pty::spawn(&[], &[("XCONNECT_CONFIG_DIR", &cfg)]);
    p.wait_for("Step 1 of 7");
    p.wait_for("q quit");
    p.settle(Duration::from_millis(200));
    (p, dir)
}

#[test]
fn keys_write_only_what_changed() {
    let (mut p, _dir) = start();
    p.key_bytes(b"\r");
    assert!(p.screen().contains("Step 2 of 7 · Permissions"));

    // Read and write → Read → Read and write → … and Direct message → Read and write.
    for (k, chosen) in [
        (UP, "(•) 1. Read"),
        (DOWN, "(•) 2. Read and write"),
        (DOWN, "(•) 3. Read and write and Direct message"),
        (UP, "(•) 2. Read and write"),
    ] {
        let n = p.key_bytes(k);
        assert!(p.screen().contains(chosen), "{chosen}:\n{}", p.screen());
        assert!(
            n <= MOVE_WITH_CONTENT,
            "Permissions list: {n} bytes for a move to {chosen}"
        );
    }

    p.key_bytes(b"\t");
    for k in [RIGHT, RIGHT, LEFT] {
        let n = p.key_bytes(k);
        assert!(n > 0 && n <= HIGHLIGHT_MOVE, "scope grid: {n} bytes");
    }

    p.key_bytes(b"\r");
    assert!(p.screen().contains("Step 3 of 7 · App type"));
    for (k, chosen) in [(DOWN, "(•) 2. Web App"), (UP, "(•) 1. Native App")] {
        let n = p.key_bytes(k);
        assert!(p.screen().contains(chosen), "{chosen}:\n{}", p.screen());
        assert!(n <= HIGHLIGHT_MOVE, "App type list: {n} bytes");
    }

    p.key_bytes(b"\r");
    p.key_bytes(b"\r");
    assert!(p.screen().contains("Step 5 of 7 · Credentials"));
    for (i, c) in common::CLIENT_ID.bytes().enumerate() {
        let n = p.key_bytes(&[c]);
        assert!(
            n > 0 && n <= TYPED_CHAR,
            "character {} of the Client ID: {n} bytes",
            i + 1
        );
    }
    assert!(p
        .screen()
        .contains(&format!("Client ID     {}", common::CLIENT_ID)));

    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
    p.assert_restored();
}

#[test]
fn with_no_input_it_uses_no_cpu_and_writes_nothing() {
    let (mut p, _dir) = start();
    let before = p.cpu_ticks();
    let written = p.settle(Duration::from_secs(2));
    let ticks = p.cpu_ticks() - before;
    assert_eq!(written, 0, "bytes written while idle");
    assert_eq!(ticks, 0, "CPU ticks while idle");
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
}
