//! Copying a value: the native clipboard when a display exists, tmux's buffer inside tmux,
//! OSC 52 (the terminal's clipboard, works over SSH) otherwise. A failure never blocks the
//! flow and never hangs: every attempt has a short timeout and the next one takes over.
//!
//! On X11 (and XWayland) the clipboard holds no data: the program that set it answers every
//! paste, so a value copied by xconnect would vanish when it ends. A copy is therefore handed
//! to a small helper, this same program started again as `xconnect __serve-clipboard`, in a
//! session of its own: it takes the value on stdin, owns the clipboard, says `ok`, and serves
//! the value until another program takes the clipboard, then ends (as `xclip` does). When
//! the helper cannot start, the value is served by xconnect itself and the status line says
//! it lasts until xconnect ends.

use std::io::{Read, Write};
use std::path::PathBuf;

use crate::settings::Env;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;

/// How a copy was delivered. OSC 52 is only *sent*: nothing confirms the terminal took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The system clipboard, served by a helper after xconnect ends.
    Native,
    /// The system clipboard, served by xconnect itself: empty again when it ends.
    NativeWhileRunning,
    Tmux,
    Osc52,
}

/// The hidden first argument that makes this program the clipboard's helper.
pub const SERVE_ARG: &str = "__serve-clipboard";

/// All the helper is given of xconnect's environment: where the display is and how to be let
/// in. Nothing else: a helper lives on after xconnect, and its environment can be read in
/// `/proc` for as long as it runs, so `XCONNECT_CLIENT_SECRET`, `PGPASSWORD` and the rest stay
/// behind.
pub const HELPER_ENV: &[&str] = &[
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "XDG_RUNTIME_DIR",
    "HOME",
];

/// The most a helper takes on stdin (a copied value is a URL, an ID or a command).
const SERVE_MAX: u64 = 1 << 20;

/// How often the helper checks that its display is still there: when the X server goes away,
/// nobody can take the clipboard and the helper would otherwise wait for ever.
const SERVE_CHECK: Duration = Duration::from_secs(10);

/// The helper's life (`xconnect __serve-clipboard`): reads the value from stdin, owns the
/// clipboard, writes `ok` on stdout, and serves the value until another program takes the
/// clipboard or the display goes away. Returns when it is over; an error when the clipboard
/// could not be set (nothing was written on stdout then).
pub fn serve_from_stdin() -> Result<(), String> {
    // Out of the terminal's session: closing the terminal (SIGHUP) or Ctrl-C in it does not
    // end the helper. Fails only when already a session leader, which is fine.
    let _ = rustix::process::setsid();
    let mut text = String::new();
    std::io::stdin()
        .take(SERVE_MAX)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read the value: {e}"))?;
    let mut clipboard = arboard::Clipboard::new().map_err(|e| e.to_string())?;
    clipboard
        .set_text(text.clone())
        .map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout();
        writeln!(out, "ok").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    let watch = std::thread::Builder::new()
        .name("display-watch".into())
        .spawn(|| {
            let Ok(mut probe) = arboard::Clipboard::new() else {
                return;
            };
            loop {
                std::thread::sleep(SERVE_CHECK);
                // While this process owns the clipboard, reading it asks only the X server
                // who owns it; an error means the display is gone.
                match probe.get_text() {
                    Ok(_) | Err(arboard::Error::ContentNotAvailable) => {}
                    Err(_) => std::process::exit(0),
                }
            }
        });
    drop(watch);
    serve_until_taken(&mut clipboard, text)
}

#[cfg(target_os = "linux")]
fn serve_until_taken(clipboard: &mut arboard::Clipboard, text: String) -> Result<(), String> {
    use arboard::SetExtLinux;
    // Set again, the same value, now waiting until another program takes the clipboard.
    clipboard.set().wait().text(text).map_err(|e| e.to_string())
}

#[cfg(not(target_os = "linux"))]
fn serve_until_taken(_: &mut arboard::Clipboard, _: String) -> Result<(), String> {
    // Elsewhere the system keeps the clipboard's content itself.
    Ok(())
}

/// What the environment offers, read once at start-up from variables only (no probing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClipEnv {
    /// X11 or Wayland display available (`DISPLAY` / `WAYLAND_DISPLAY`).
    pub display: bool,
    /// Inside tmux (`TMUX`).
    pub tmux: bool,
    /// Inside GNU screen (`STY`): OSC 52 must be wrapped in a DCS.
    pub screen: bool,
}

impl ClipEnv {
    pub fn from_env(env: &Env) -> Self {
        let set = |k: &str| env.is_set(k);
        ClipEnv {
            display: set("DISPLAY") || set("WAYLAND_DISPLAY"),
            tmux: set("TMUX"),
            screen: set("STY"),
        }
    }
}

/// Longest text sent by OSC 52; many terminals drop larger ones.
pub const OSC52_MAX: usize = 74_994;

/// The OSC 52 sequence that sets the clipboard, wrapped for tmux or screen when needed.
pub fn osc52(text: &str, env: ClipEnv) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let seq = format!("\x1b]52;c;{b64}\x07");
    let wrapped = if env.tmux {
        // tmux passthrough: ESC doubled inside a DCS (needs `allow-passthrough on`).
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else if env.screen {
        format!("\x1bP{seq}\x1b\\")
    } else {
        seq
    };
    wrapped.into_bytes()
}

/// The outcome of a copy: how it went, and the bytes the driver must write to the terminal
/// (for OSC 52).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub delivery: Delivery,
    pub terminal_bytes: Option<Vec<u8>>,
}

pub struct Clipboard {
    env: ClipEnv,
    /// The program started as the helper that serves a copy after xconnect ends (this
    /// program, [`SERVE_ARG`] as its argument); `None`: copies are served by xconnect alone.
    helper: Option<PathBuf>,
    /// What the helper's environment holds: [`HELPER_ENV`] alone, as this process had them.
    helper_env: Vec<(String, std::ffi::OsString)>,
    /// One long-lived native clipboard, made on first use, when no helper could serve: on X11
    /// the content lives as long as its owner, so a short-lived one would lose it at once.
    native: Arc<Mutex<Option<arboard::Clipboard>>>,
    timeout: Duration,
}

impl Clipboard {
    pub fn new(env: ClipEnv) -> Self {
        Clipboard {
            env,
            helper: None,
            helper_env: Vec::new(),
            native: Arc::new(Mutex::new(None)),
            timeout: Duration::from_secs(2),
        }
    }

    /// Copies are handed to `program __serve-clipboard` (see the module's notes), so that
    /// they outlive xconnect. `program` is this one: `std::env::current_exe()`; the helper
    /// gets [`HELPER_ENV`] from `env`, and nothing else.
    pub fn served_after_exit(mut self, program: Option<PathBuf>, env: &Env) -> Self {
        self.helper = program;
        self.helper_env = HELPER_ENV
            .iter()
            .filter_map(|name| env.get(name).map(|v| (name.to_string(), v.to_os_string())))
            .collect();
        self
    }

    pub fn env(&self) -> ClipEnv {
        self.env
    }

    pub async fn copy(&self, text: String) -> Result<Copied, String> {
        if self.env.display && self.copy_by_helper(&text).await {
            return Ok(Copied {
                delivery: Delivery::Native,
                terminal_bytes: None,
            });
        }
        if self.env.display && self.copy_native(&text).await {
            return Ok(Copied {
                delivery: Delivery::NativeWhileRunning,
                terminal_bytes: None,
            });
        }
        if self.env.tmux && self.copy_tmux(&text).await {
            return Ok(Copied {
                delivery: Delivery::Tmux,
                terminal_bytes: None,
            });
        }
        if text.len() > OSC52_MAX {
            return Err("too long for the terminal's clipboard".into());
        }
        Ok(Copied {
            delivery: Delivery::Osc52,
            terminal_bytes: Some(osc52(&text, self.env)),
        })
    }

    /// Starts the helper with the value and waits (briefly) for its `ok`. The helper is not
    /// waited for afterwards: it ends by itself when another program takes the clipboard. It
    /// starts with a clean environment: [`HELPER_ENV`] alone.
    async fn copy_by_helper(&self, text: &str) -> bool {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        let Some(program) = &self.helper else {
            return false;
        };
        let mut command = tokio::process::Command::new(program);
        command.env_clear();
        for (name, value) in &self.helper_env {
            command.env(name, value);
        }
        let child = command
            .arg(SERVE_ARG)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .current_dir("/")
            .spawn();
        let Ok(mut child) = child else {
            return false;
        };
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.start_kill();
            return false;
        };
        let talk = async {
            stdin.write_all(text.as_bytes()).await.ok()?;
            drop(stdin);
            let mut line = String::new();
            tokio::io::BufReader::new(stdout)
                .read_line(&mut line)
                .await
                .ok()?;
            (line.trim() == "ok").then_some(())
        };
        let served = matches!(tokio::time::timeout(self.timeout, talk).await, Ok(Some(())));
        if !served {
            let _ = child.start_kill();
        }
        // Reaped by the runtime when it ends while xconnect runs; by init after that.
        drop(child);
        served
    }

    async fn copy_native(&self, text: &str) -> bool {
        let native = Arc::clone(&self.native);
        let text = text.to_string();
        let job = tokio::task::spawn_blocking(move || {
            // A copy still stuck from before holds the lock: skip rather than wait.
            let Ok(mut slot) = native.try_lock() else {
                return false;
            };
            if slot.is_none() {
                *slot = arboard::Clipboard::new().ok();
            }
            slot.as_mut().is_some_and(|c| c.set_text(text).is_ok())
        });
        matches!(tokio::time::timeout(self.timeout, job).await, Ok(Ok(true)))
    }

    async fn copy_tmux(&self, text: &str) -> bool {
        use tokio::io::AsyncWriteExt;
        let child = tokio::process::Command::new("tmux")
            .args(["load-buffer", "-w", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn();
        let Ok(mut child) = child else {
            return false;
        };
        let run = async {
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(text.as_bytes()).await.ok()?;
            }
            child.wait().await.ok()
        };
        matches!(
            tokio::time::timeout(self.timeout, run).await,
            Ok(Some(status)) if status.success()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_plain_and_wrapped() {
        let plain = ClipEnv::default();
        assert_eq!(osc52("hi", plain), b"\x1b]52;c;aGk=\x07".to_vec());
        let screen = ClipEnv {
            screen: true,
            ..plain
        };
        assert_eq!(
            osc52("hi", screen),
            b"\x1bP\x1b]52;c;aGk=\x07\x1b\\".to_vec()
        );
        let tmux = ClipEnv {
            tmux: true,
            ..plain
        };
        assert_eq!(
            osc52("hi", tmux),
            b"\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\".to_vec()
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn without_display_or_tmux_it_falls_back_to_osc52() {
        let c = Clipboard::new(ClipEnv::default());
        let out = c.copy("value".into()).await.expect("osc52 never fails");
        assert_eq!(out.delivery, Delivery::Osc52);
        assert_eq!(out.terminal_bytes, Some(osc52("value", ClipEnv::default())));
        assert!(c.copy("x".repeat(OSC52_MAX + 1)).await.is_err());
    }
}
