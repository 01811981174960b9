//! After `p` printed a value on the normal screen and Enter went back, the end of the wizard
//! leaves that screen clean: no old link, no "Press Enter to return to xconnect." above what
//! the shell shows next.

mod common;

use common::pty::Pty;

#[test]
fn what_p_printed_is_gone_from_the_normal_screen_after_the_end() {
    let mut p = Pty::spawn(&[], &[]);
    p.wait_for("Step 1 of 7");
    p.send(b"p");
    p.wait_for("Press Enter to return to xconnect.");
    p.send(b"\r");
    p.wait_for("Step 1 of 7");
    p.send(b"q");
    assert_eq!(p.wait_exit(), 0);
    p.assert_restored();
    let screen = p.screen();
    assert!(
        !screen.contains("Press Enter to return"),
        "the normal screen after the end:\n{screen}"
    );
    assert!(
        !screen.contains("developer.x.com"),
        "the normal screen after the end:\n{screen}"
    );
}
