//! `o` on the Authorize step with a stand-in `xdg-open` on PATH (and a display named, so
//! opening is allowed): an opener that stays running, as `xdg-open` does while a browser's
//! first window is open, counts as opened; one that exits with an error is a failure.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::pty::Pty;

/// A folder holding an executable `xdg-open` with this body; it notes its argument in
/// `opened` beside it first.
fn stand_in(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("xdg-open");
    let note = dir.path().join("opened");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" > '{}'\n{body}\n",
            note.display()
        ),
    )
    .expect("write xdg-open");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

/// The sandbox wizard at the Authorize step, with `bin` first on PATH and a display named.
fn at_authorize(bin: &std::path::Path, config: &std::path::Path) -> Pty {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cfg = config.to_str().expect("utf-8 path");
    let mut p = Pty::spawn(
        &["--sandbox"],
        &[
            ("PATH", path.as_str()),
            ("DISPLAY", ":0"),
            ("XCONNECT_CONFIG_DIR", cfg),
        ],
    );
    p.wait_for("Step 1 of 7");
    for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7", "Step 5 of 7"] {
        p.send(b"\r");
        p.wait_for(next);
    }
    p.send(format!("\x1b[200~{}\x1b[201~", common::CLIENT_ID).as_bytes());
    p.wait_for(common::CLIENT_ID);
    p.send(b"\r");
    p.wait_for("Step 6 of 7 · Authorize");
    p.wait_for("a approve (sandbox)");
    p
}

/// Every row of the screen that holds `text`, to check it is whole (not cut at 80 columns).
fn rows_with(p: &Pty, text: &str) -> Vec<String> {
    p.screen()
        .lines()
        .filter(|l| l.contains(text))
        .map(str::to_string)
        .collect()
}

#[test]
fn an_opener_that_stays_running_counts_as_opened() {
    let bin = stand_in("sleep 30");
    let config = tempfile::tempdir().expect("tempdir");
    let mut p = at_authorize(bin.path(), config.path());
    let start = Instant::now();
    p.send(b"o");
    p.wait_for("Opened the link in a browser");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "said at once, not after a time-out"
    );
    let opened = std::fs::read_to_string(bin.path().join("opened")).expect("xdg-open ran");
    assert!(opened.contains("/i/oauth2/authorize?"), "{opened}");
    // Still fine a while later: no late "Could not open".
    p.settle(Duration::from_millis(300));
    assert!(!p.screen().contains("Could not open"), "{}", p.screen());
    p.send(b"\x03");
    p.wait_exit();
    p.assert_restored();
}

#[test]
fn an_opener_that_fails_is_reported_in_a_line_that_fits() {
    let bin = stand_in("exit 1");
    let config = tempfile::tempdir().expect("tempdir");
    let mut p = at_authorize(bin.path(), config.path());
    p.send(b"o");
    p.wait_for("Could not open a browser");
    let rows = rows_with(&p, "Could not open a browser");
    assert_eq!(rows.len(), 1, "{}", p.screen());
    // Short: the reason and the way out on one row of 80 columns.
    assert!(
        rows[0].contains("Copy the link instead."),
        "the whole message on one row:\n{}",
        p.screen()
    );
    assert!(rows[0].contains("xdg-open"), "{}", rows[0]);
    p.send(b"\x03");
    p.wait_exit();
    p.assert_restored();
}
