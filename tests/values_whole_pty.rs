//! At 60 columns, the smallest size the wizard draws, every value to enter at X is on the
//! screen whole: step 4's addresses (the label goes above its value when the two do not fit
//! side by side) and what resuming a stopped setup fills in. The real binary, in a
//! pseudo-terminal of 60×20.

mod common;

use common::pty::Pty;

const SIZE: (u16, u16) = (60, 20);

/// The screen's words, lines joined (a long line wraps).
fn words(p: &Pty) -> String {
    p.screen().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn step_4_s_addresses_and_the_resume_line_are_whole_at_60x20() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().to_str().expect("utf-8 path");
    let mut p = Pty::spawn_sized(
        &["--sandbox", "--fresh"],
        &[("XCONNECT_CONFIG_DIR", cfg)],
        SIZE,
    );
    p.wait_for("Step 1 of 7");
    for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7"] {
        p.send(b"\r");
        p.wait_for(next);
    }
    // Latenode, then the loopback preset: each field in sight in turn.
    for (pick, values) in [
        (
            b"1",
            [
                "https://app.latenode.com/redirected/index.html",
                "https://app.latenode.com/connections",
            ],
        ),
        (
            b"2",
            ["http://127.0.0.1:8765/callback", "https://example.com"],
        ),
    ] {
        p.send(pick);
        for v in values {
            p.send(b"\t");
            p.wait_for(v);
        }
        // Back to the list.
        p.send(b"\x1b[Z\x1b[Z");
        p.wait_for("› (•)");
    }
    // Custom, with an address of its own.
    p.send(b"3\t\x15");
    p.send(b"\x1b[200~https://hooks.example.com/oauth2/x/callback\x1b[201~");
    p.wait_for("https://hooks.example.com/oauth2/x/callback");
    p.send(b"\r");
    p.wait_for("Step 5 of 7");
    p.send(format!("\x1b[200~{}\x1b[201~", common::CLIENT_ID).as_bytes());
    p.wait_for(common::CLIENT_ID);
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);

    // The next start offers to resume, and says whole what that fills in.
    let mut p = Pty::spawn_sized(&["--sandbox"], &[("XCONNECT_CONFIG_DIR", cfg)], SIZE);
    p.wait_for("Resume where it stopped");
    p.settle(std::time::Duration::from_millis(200));
    let w = words(&p);
    assert!(w.contains("step 5 · Credentials"), "{}", p.screen());
    assert!(!w.contains('…'), "nothing cut:\n{}", p.screen());
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
}
