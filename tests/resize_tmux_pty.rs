//! After a resize, the wizard leaves nothing of its screens on the shell's screen. Checked in
//! tmux, a real terminal emulator in a pseudo-terminal whose screen and history can be read:
//! tmux 3.3 shrinks the alternate screen back to the size it was entered at before it leaves
//! it, and lines above the cursor then go to the shell's history. (The test's own VT100
//! parser keeps the two screens apart and cannot show this.) It needs tmux (`.ci/run` installs it).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of this test's own (its own socket), killed at the end.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The pane's history and screen.
    fn everything(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-S", "-200", "-t", "t"])
    }

    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while !self.cmd(&["capture-pane", "-p", "-t", "t"]).contains(text) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "never saw {text:?}:\n{}",
                self.everything()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
}

#[test]
fn after_a_resize_from_60x20_to_80x24_no_line_of_done_stays_on_the_shell_s_screen() {
    assert!(
        Command::new("tmux").arg("-V").output().is_ok(),
        "this test needs tmux: apt-get install tmux (.ci/run does)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let tmux = Tmux {
        socket: format!("xconnect-test-{}", std::process::id()),
    };
    let bin = env!("CARGO_BIN_EXE_xconnect");
    let script = format!(
        "XCONNECT_CONFIG_DIR={} {bin} --sandbox --fresh; echo EXITED $?; sleep 60",
        dir.path().display()
    );
    tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "60",
        "-y",
        "20",
        "env",
        "-u",
        "SSH_CONNECTION",
        "-u",
        "SSH_CLIENT",
        "-u",
        "SSH_TTY",
        "-u",
        "DISPLAY",
        "TERM=tmux-256color",
        "sh",
        "-c",
        &script,
    ]);
    tmux.wait_for("Step 1 of 7");
    for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7", "Step 5 of 7"] {
        tmux.keys(&["Enter"]);
        tmux.wait_for(next);
    }
    tmux.keys(&["-l", common::CLIENT_ID]);
    tmux.wait_for(common::CLIENT_ID);
    tmux.keys(&["Enter"]);
    tmux.wait_for("a approve");
    tmux.keys(&["a"]);
    tmux.wait_for("Connected to X as @sandbox_user");
    tmux.cmd(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    tmux.wait_for("renewed by itself");
    std::thread::sleep(Duration::from_millis(300));
    tmux.keys(&["Enter"]);
    tmux.wait_for("EXITED 0");
    let after = tmux.everything();
    for wizard_only in [
        "Step 7 of 7",
        "Connected to X as",
        "Token expires",
        "Next, in scripts",
        "Enter quit",
        "────",
    ] {
        assert!(
            !after.contains(wizard_only),
            "{wizard_only:?} left:\n{after}"
        );
    }
    assert!(after.contains("Profile saved: "), "{after}");
}
