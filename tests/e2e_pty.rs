//! End to end: the real binary in a pseudo-terminal at 80×24.

mod common;

use common::pty::Pty;

#[test]
fn walks_screens_one_to_five_pastes_and_quits_with_ctrl_c() {
    let mut p = Pty::spawn(&[], &[]);
    p.wait_for("Step 1 of 7 · Create the app");
    assert!(p
        .screen()
        .contains("https://developer.x.com/en/portal/dashboard"));
    p.send(b"\r");
    p.wait_for("Step 2 of 7 · Permissions");
    p.send(b"\r");
    p.wait_for("Step 3 of 7 · App type");
    p.send(b"\r");
    p.wait_for("Step 4 of 7 · App info: URLs");
    assert!(p
        .screen()
        .contains("https://app.latenode.com/redirected/index.html"));
    p.send(b"\r");
    p.wait_for("Step 5 of 7 · Credentials");
    // A bracketed paste carrying an escape sequence and a newline: both are stripped.
    p.send(format!("\x1b[200~\x1b[31m{}\n\x1b[201~", common::CLIENT_ID).as_bytes());
    p.wait_for(&format!("Client ID     {}", common::CLIENT_ID));
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130, "Ctrl-C exits 130, as a shell's would");
    p.assert_restored();
}

#[test]
fn sigterm_mid_wizard_restores_the_terminal() {
    let mut p = Pty::spawn(&[], &[]);
    p.wait_for("Step 1 of 7");
    p.send(b"\r");
    p.wait_for("Step 2 of 7");
    p.signal(libc::SIGTERM);
    assert_eq!(p.wait_exit(), 143, "128 + SIGTERM");
    p.assert_restored();
}

#[test]
fn sighup_mid_wizard_restores_the_terminal() {
    let mut p = Pty::spawn(&[], &[]);
    p.wait_for("Step 1 of 7");
    p.signal(libc::SIGHUP);
    assert_eq!(p.wait_exit(), 129, "128 + SIGHUP");
    p.assert_restored();
}

#[test]
fn print_shows_the_value_alone_on_the_normal_screen() {
    let mut p = Pty::spawn(&[], &[]);
    p.wait_for("Step 1 of 7");
    p.send(b"p");
    p.wait_for("Press Enter to return to xconnect.");
    assert!(!p.parser.screen().alternate_screen());
    let screen = p.screen();
    let line = screen
        .lines()
        .find(|l| l.contains("developer.x.com"))
        .expect("the URL is printed");
    assert_eq!(line.trim(), "https://developer.x.com/en/portal/dashboard");
    p.send(b"\r");
    p.wait_for("Step 1 of 7");
    assert!(p.parser.screen().alternate_screen());
    // A second print shows the value alone again: the first one is gone.
    p.send(b"p");
    p.wait_for("Press Enter to return to xconnect.");
    p.settle(std::time::Duration::from_millis(300));
    let screen = p.screen();
    assert_eq!(
        screen.matches("developer.x.com").count(),
        1,
        "one print on screen:\n{screen}"
    );
    p.send(b"\r");
    p.wait_for("Step 1 of 7");
    p.send(b"q");
    assert_eq!(p.wait_exit(), 0);
    p.assert_restored();
}

#[test]
fn sandbox_wizard_from_step_one_to_a_saved_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().to_str().expect("utf-8 path");
    let mut p = Pty::spawn(&["--sandbox"], &[("XCONNECT_CONFIG_DIR", cfg)]);
    p.wait_for("Step 1 of 7");
    assert!(p.screen().contains("[sandbox"));
    for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7", "Step 5 of 7"] {
        p.send(b"\r");
        p.wait_for(next);
    }
    p.send(format!("\x1b[200~{}\x1b[201~", common::CLIENT_ID).as_bytes());
    p.wait_for(common::CLIENT_ID);
    p.send(b"\r");
    p.wait_for("Step 6 of 7 · Authorize");
    p.wait_for("a approve (sandbox)");
    p.send(b"a");
    p.wait_for("Connected to X as @sandbox_user");
    let path = dir.path().join("profiles").join("default.toml");
    p.wait_for("default.toml");
    p.send(b"\r");
    assert_eq!(p.wait_exit(), 0);
    p.assert_restored();
    let text = std::fs::read_to_string(&path).expect("profile saved");
    assert!(text.contains(&format!("client_id = \"{}\"", common::CLIENT_ID)));
    assert!(text.contains("username = \"sandbox_user\""));
    assert!(text.contains("verified = true"));
    assert!(text.contains("access_token = \""));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // The last words on the normal screen name the file for the person.
    assert!(String::from_utf8_lossy(&p.raw).contains("Profile saved: "));
    // The hand-off stays on the normal screen: the values for Latenode's form are not gone.
    let after = p.screen();
    assert!(after.contains("Last step, in Latenode"), "{after}");
    assert!(
        after.contains(&format!("  Client ID      {}", common::CLIENT_ID)),
        "{after}"
    );
    assert!(after.contains("  Client Secret  leave it empty"), "{after}");
    // The profile outlives the wizard: new processes refresh and revoke it in the sandbox.
    assert!(text.contains("sandbox = true"), "{text}");
    for cmd in ["refresh", "token", "revoke"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xconnect"))
            .arg(cmd)
            .env("XCONNECT_CONFIG_DIR", cfg)
            .env_remove("XCONNECT_STATE_DIR")
            .env_remove("XCONNECT_API_BASE")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run xconnect");
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_sandbox_setup_resumes_only_in_the_sandbox() {
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
    p.wait_for("Step 6 of 7");
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
    p.assert_restored();

    // Without --sandbox: not resumed against X; the first screen says how to resume it.
    let mut p = Pty::spawn(&[], &[("XCONNECT_CONFIG_DIR", cfg)]);
    p.wait_for("Step 1 of 7");
    p.wait_for("began in the sandbox");
    assert!(
        !p.screen().contains("Resume where it stopped"),
        "{}",
        p.screen()
    );
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
    p.assert_restored();

    // With --sandbox: resumed there, and the link is the emulator's, not x.com's.
    let mut p = Pty::spawn(&["--sandbox"], &[("XCONNECT_CONFIG_DIR", cfg)]);
    p.wait_for("Resume where it stopped");
    p.send(b"\r");
    p.wait_for("Step 5 of 7");
    p.wait_for(common::CLIENT_ID);
    p.send(b"\r");
    p.wait_for("Step 6 of 7");
    p.wait_for("http://127.0.0.1:");
    assert!(
        !p.screen().contains("https://x.com/i/oauth2"),
        "{}",
        p.screen()
    );
    p.send(b"\x03");
    let _ = p.wait_exit();
    p.assert_restored();
}

#[test]
fn an_interrupted_setup_is_offered_for_resume_on_the_next_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().to_str().expect("utf-8 path");
    // Every way out keeps the same: a dropped SSH link, a kill, Ctrl-C, and q (after its
    // question). Signals exit 128 + their number, Ctrl-C 130 as a shell's would, q 0.
    for (how, code) in [
        (Some(libc::SIGHUP), 129),
        (Some(libc::SIGTERM), 143),
        (None, 130),
    ] {
        let mut p = Pty::spawn(&["--fresh"], &[("XCONNECT_CONFIG_DIR", cfg)]);
        p.wait_for("Step 1 of 7");
        for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7"] {
            p.send(b"\r");
            p.wait_for(next);
        }
        p.send(b"\t\x15"); // Tab to the callback field, Ctrl-U clears it
        p.send(b"https://hooks.example.com/cb");
        p.wait_for("hooks.example.com/cb");
        match how {
            Some(signal) => p.signal(signal),
            None => p.send(b"\x03"),
        }
        assert_eq!(p.wait_exit(), code, "{how:?}");
        p.assert_restored();

        let session = std::fs::read_to_string(dir.path().join("state").join("session.toml"))
            .expect("the session was kept");
        let mut p = Pty::spawn(&[], &[("XCONNECT_CONFIG_DIR", cfg)]);
        p.wait_for("Resume where it stopped");
        assert!(
            p.screen().contains("step 4 · App info: URLs"),
            "{}\n{session}",
            p.screen()
        );
        p.send(b"\r");
        p.wait_for("Step 4 of 7");
        assert!(
            p.screen().contains("https://hooks.example.com/cb"),
            "what was typed came back: {}\n{session}",
            p.screen()
        );
        p.send(b"\x03");
        assert_eq!(p.wait_exit(), 130);
        p.assert_restored();
    }
    // q asks first, says what is kept, and exits 0; the next start offers it again.
    let mut p = Pty::spawn(&[], &[("XCONNECT_CONFIG_DIR", cfg)]);
    p.wait_for("Resume where it stopped");
    p.send(b"\r");
    p.wait_for("Step 4 of 7");
    p.send(b"q");
    p.wait_for("kept");
    p.send(b"y");
    assert_eq!(p.wait_exit(), 0);
    let mut p = Pty::spawn(&[], &[("XCONNECT_CONFIG_DIR", cfg)]);
    p.wait_for("Resume where it stopped");
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
    let state = dir.path().join("state").join("session.toml");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&state)
        .expect("session file")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!std::fs::read_to_string(&state)
        .expect("read")
        .contains("secret"));
    // --fresh starts over.
    let mut p = Pty::spawn(&["--fresh"], &[("XCONNECT_CONFIG_DIR", cfg)]);
    p.wait_for("Step 1 of 7");
    p.send(b"q");
    assert_eq!(p.wait_exit(), 0);
    assert!(!state.exists());
}

#[test]
fn a_dumb_terminal_gets_a_pointer_to_login_no_tui() {
    let mut p = Pty::spawn(&[], &[("TERM", "dumb")]);
    assert_eq!(p.wait_exit(), 1);
    assert!(p.screen().contains("TERM=dumb"), "{}", p.screen());
    assert!(
        p.screen().contains("xconnect login --no-tui"),
        "{}",
        p.screen()
    );
    let raw = String::from_utf8_lossy(&p.raw);
    assert!(
        !raw.contains("\u{1b}[?1049h"),
        "no alternate screen: {raw:?}"
    );
}

#[test]
fn without_a_utf8_locale_the_wizard_draws_ascii() {
    let mut p = Pty::spawn(&[], &[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")]);
    p.wait_for("Step 1 of 7");
    p.wait_for("q quit");
    p.send(b"\r");
    p.wait_for("Step 2 of 7");
    p.settle(std::time::Duration::from_millis(200));
    assert!(p.raw.is_ascii(), "only ASCII is written");
    let screen = p.screen();
    assert!(screen.contains("v Create app  > Permissions"), "{screen}");
    assert!(screen.contains("> (*) 2. Read and write"), "{screen}");
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
    p.assert_restored();
}

#[test]
fn ctrl_z_gives_the_terminal_back_and_comes_back_whole() {
    let mut p = Pty::spawn(&[], &[]);
    p.wait_for("Step 1 of 7");
    p.wait_for("q quit");
    p.settle(std::time::Duration::from_millis(100));
    let before = p.raw.len();
    p.send(b"\x1a");
    // With no shell to stop it (this test's terminal has no job control) the process goes on
    // at once; under a shell it waits here for fg. Either way the terminal was handed back
    // (alternate screen left, raw mode off) and then taken again and repainted.
    p.wait_for("Step 1 of 7");
    p.settle(std::time::Duration::from_millis(200));
    let after = String::from_utf8_lossy(&p.raw[before..]).to_string();
    let left = after
        .find("\u{1b}[?1049l")
        .expect("left the alternate screen");
    let back = after.rfind("\u{1b}[?1049h").expect("came back");
    assert!(left < back, "{after:?}");
    assert!(after[back..].contains("Create the app"), "repainted whole");
    assert!(p.parser.screen().alternate_screen());
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
    p.assert_restored();
}
