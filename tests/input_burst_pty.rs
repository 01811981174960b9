//! A burst of input (a laggy SSH link delivering keys at once, a terminal without bracketed
//! paste) must never stop the wizard from reading: every key arrives, and Ctrl-C still quits.

mod common;

use common::pty::Pty;

#[test]
fn ten_thousand_keys_at_once_then_ctrl_c_quits() {
    let mut p = Pty::spawn(&[], &[]);
    p.wait_for("Step 1 of 7");
    p.wait_for("q quit");
    p.key_bytes(b"\r");
    p.wait_for("Step 2 of 7");
    // ↓ moves in the Permissions list; 10,000 of them, then Ctrl-C, in one burst.
    let mut burst = b"\x1b[B".repeat(10_000);
    burst.push(0x03);
    p.send_detached(burst);
    p.wait_exit_within(std::time::Duration::from_secs(120));
    p.assert_restored();
    // Handled whole, then drawn: far fewer bytes than a frame per key (~60 B each).
    assert!(p.raw.len() < 100_000, "{} bytes written", p.raw.len());
}

/// An address pasted without bracketed paste: one write of the whole URL into the terminal.
/// However the reads split it, it lands in the redirect field, and none of its letters (p
/// prints, n makes a new link, a approves, q quits) acts as a key.
#[test]
fn an_address_written_at_once_lands_in_the_redirect_field() {
    for round in 0..5 {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = dir.path().to_str().expect("utf-8 path");
        let mut p = Pty::spawn(&["--sandbox", "--fresh"], &[("XCONNECT_CONFIG_DIR", cfg)]);
        p.wait_for("Step 1 of 7");
        for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7", "Step 5 of 7"] {
            p.send(b"\r");
            p.wait_for(next);
        }
        p.send(format!("\x1b[200~{}\x1b[201~", common::CLIENT_ID).as_bytes());
        p.wait_for(common::CLIENT_ID);
        p.send(b"\r");
        p.wait_for("a approve (sandbox)");
        p.settle(std::time::Duration::from_millis(200));
        // A state that is not this link's: the address is refused for it, by its own words.
        p.send(b"https://app.latenode.com/redirected/index.html?state=pnaq&code=pnaq");
        p.wait_for("Redirected URL");
        let start = std::time::Instant::now();
        while !p.screen().contains("state") && start.elapsed().as_secs() < 10 {
            p.settle(std::time::Duration::from_millis(200));
        }
        let screen = p.screen();
        assert!(
            !screen.contains("Press Enter to return to xconnect"),
            "round {round}: p printed the link:\n{screen}"
        );
        assert!(p.parser.screen().alternate_screen(), "round {round}");
        assert!(
            screen.contains("Redirected URL https://app.latenode.com/"),
            "round {round}: the address is in the field:\n{screen}"
        );
        p.send(b"\x03");
        assert_eq!(p.wait_exit(), 130, "round {round}");
    }
}
