//! Opening a link in a browser, only where that makes sense: never over SSH (a text browser
//! inside the wizard's raw-mode screen would hang it), never without a display.

use std::process::Stdio;

/// True when a browser may be opened: not over SSH, and a display exists (or macOS).
pub fn can_open() -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    if set("SSH_CONNECTION") || set("SSH_TTY") {
        return false;
    }
    cfg!(target_os = "macos") || set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// True over SSH.
pub fn over_ssh() -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    set("SSH_CONNECTION") || set("SSH_TTY")
}

/// Starts the system's opener, detached, with no terminal I/O.
pub async fn open(url: &str) -> Result<(), String> {
    if !can_open() {
        return Err("no display, or over SSH".into());
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let status = tokio::process::Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match tokio::time::timeout(std::time::Duration::from_secs(5), status).await {
        Ok(Ok(s)) if s.success() => Ok(()),
        Ok(Ok(s)) => Err(format!("{opener} exited with {s}")),
        Ok(Err(e)) => Err(format!("{opener}: {e}")),
        Err(_) => Err(format!("{opener} did not answer")),
    }
}
