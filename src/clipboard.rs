//! Copying a value: the native clipboard when a display exists, tmux's buffer inside tmux,
//! OSC 52 (the terminal's clipboard, works over SSH) otherwise. A failure never blocks the
//! flow and never hangs: every attempt has a short timeout and the next one takes over.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;

/// How a copy was delivered. OSC 52 is only *sent*: nothing confirms the terminal took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Native,
    Tmux,
    Osc52,
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
    pub fn from_env() -> Self {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
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
    /// One long-lived native clipboard, made on first use: on X11 the content lives as long
    /// as its owner, so a short-lived one would lose it at once.
    native: Arc<Mutex<Option<arboard::Clipboard>>>,
    timeout: Duration,
}

impl Clipboard {
    pub fn new(env: ClipEnv) -> Self {
        Clipboard {
            env,
            native: Arc::new(Mutex::new(None)),
            timeout: Duration::from_secs(2),
        }
    }

    pub fn env(&self) -> ClipEnv {
        self.env
    }

    pub async fn copy(&self, text: String) -> Result<Copied, String> {
        if self.env.display && self.copy_native(&text).await {
            return Ok(Copied {
                delivery: Delivery::Native,
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
