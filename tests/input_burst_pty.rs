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
