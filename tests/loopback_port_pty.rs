//! The loopback preset's port is 8765 unless that is taken: then the wizard offers a free one,
//! says so plainly, shows that callback for the portal, and listens on exactly it. The real
//! binary in a 60×20 pseudo-terminal, 8765 held by the test, the browser played over HTTP.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::pty::Pty;

/// The screen's words, lines joined (a long line wraps at 60 columns).
fn words(p: &Pty) -> String {
    p.screen().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The port of the first `http://127.0.0.1:PORT` in `text` after `after`.
fn port_after(text: &str, after: &str) -> u16 {
    let from = text.find(after).expect("the marker") + after.len();
    let rest = &text[from..];
    let at = rest.find("http://127.0.0.1:").expect("an address") + "http://127.0.0.1:".len();
    rest[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a port")
}

#[test]
fn a_taken_8765_gets_a_free_port_offered_and_the_redirect_is_caught_on_it() {
    // 8765 is taken: by this test, or already by someone else.
    let _held = std::net::TcpListener::bind("127.0.0.1:8765");
    assert!(std::net::TcpListener::bind("127.0.0.1:8765").is_err());

    // A stand-in browser opener that notes the link it is given.
    let bin = tempfile::tempdir().expect("tempdir");
    let opened = bin.path().join("opened");
    let script = bin.path().join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" > '{}'\n",
            opened.display()
        ),
    )
    .expect("write xdg-open");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cfg = tempfile::tempdir().expect("tempdir");
    let cfg = cfg.path().to_str().expect("utf-8 path").to_string();

    let mut p = Pty::spawn_sized(
        &["--sandbox", "--fresh"],
        &[
            ("PATH", path.as_str()),
            ("DISPLAY", ":0"),
            ("XCONNECT_CONFIG_DIR", cfg.as_str()),
        ],
        (60, 20),
    );
    p.wait_for("Step 1 of 7");
    for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7"] {
        p.send(b"\r");
        p.wait_for(next);
    }
    // The loopback preset: 8765 is in use, a free port is offered, and said so.
    p.send(b"2");
    p.wait_for("Port 8765 is in use");
    p.settle(Duration::from_millis(200));
    let said = words(&p);
    let port = port_after(&said, "Port 8765 is in use");
    assert_ne!(port, 8765, "{said}");
    let callback = format!("http://127.0.0.1:{port}/callback");
    // The callback to enter at X, whole on the screen.
    p.send(b"\t");
    p.wait_for("› Callback URI");
    p.wait_for(&callback);

    p.send(b"\r");
    p.wait_for("Step 5 of 7");
    p.send(format!("\x1b[200~{}\x1b[201~", common::CLIENT_ID).as_bytes());
    p.wait_for(common::CLIENT_ID);
    p.send(b"\r");
    p.wait_for("Step 6 of 7 · Authorize");
    // Listening on the very callback shown on step 4.
    p.wait_for(&format!("127.0.0.1:{port}/callback:"));
    assert!(
        words(&p).contains(&format!("Listening on {callback}:")),
        "{}",
        p.screen()
    );

    // The browser: o hands it the link; it consents and lands on the callback.
    p.send(b"o");
    let start = Instant::now();
    let link = loop {
        if let Ok(text) = std::fs::read_to_string(&opened) {
            if !text.trim().is_empty() {
                break text.trim().to_string();
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no browser opened"
        );
        p.settle(Duration::from_millis(100));
    };
    let redirect = common::browser::approve_over_http(&link);
    assert!(redirect.starts_with(&format!("{callback}?")), "{redirect}");
    common::browser::land(&redirect);
    p.wait_for("Step 7 of 7");
    p.send(b"\r");
    assert_eq!(p.wait_exit(), 0);
}
