//! A status message is never cut: at 80×24 and 60×20 it wraps over as many rows as it needs,
//! and the part that says what to do next is on the screen. The real binary, in a
//! pseudo-terminal.

mod common;

use common::pty::Pty;

#[test]
fn the_api_key_warning_and_what_enter_does_next_are_shown_whole() {
    for size in [(80, 24), (60, 20)] {
        let mut p = Pty::spawn_sized(&["--fresh"], &[], size);
        p.wait_for("Step 1 of 7");
        for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7", "Step 5 of 7"] {
            p.send(b"\r");
            p.wait_for(next);
        }
        // The OAuth 1.0a API Key's length, then Enter: a warning, and Enter again goes on.
        p.send(b"\x1b[200~abcdefghijklmnopqrstuvwxy\x1b[201~");
        p.wait_for("abcdefghijklmnopqrstuvwxy");
        p.send(b"\r");
        p.wait_for("! This looks like");
        p.settle(std::time::Duration::from_millis(200));
        let screen = p.screen();
        let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("Enter again goes on anyway."),
            "{size:?}:\n{screen}"
        );
        assert!(
            words.contains("\"OAuth 2.0 Client ID and Client Secret\". Enter again"),
            "{size:?}:\n{screen}"
        );
        p.send(b"\x03");
        assert_eq!(p.wait_exit(), 130);
    }
}
