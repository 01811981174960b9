//! Opening a link in a browser, only where that makes sense: never over SSH (a text browser
//! inside the wizard's raw-mode screen would hang it), never without a display.

use std::process::Stdio;

use crate::settings::Env;

/// True when a browser may be opened: not over SSH, and a display exists (or macOS).
pub fn can_open(env: &Env) -> bool {
    let set = |k: &str| env.is_set(k);
    if over_ssh(env) {
        return false;
    }
    cfg!(target_os = "macos") || set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// True over SSH: sshd sets `SSH_CONNECTION` and `SSH_CLIENT` (and `SSH_TTY` with a terminal).
pub fn over_ssh(env: &Env) -> bool {
    env.is_set("SSH_CONNECTION") || env.is_set("SSH_CLIENT") || env.is_set("SSH_TTY")
}

/// Where the person's own computer reaches this one over SSH, as `ssh` takes it: `USER@ADDRESS`
/// (with `-p PORT` before it when the port is not 22), from `$USER` and `$SSH_CONNECTION`
/// ("client-ip client-port server-ip server-port"). `None` when either is missing.
pub fn ssh_target(env: &Env) -> Option<String> {
    let var = |k: &str| env.text(k);
    let user = var("USER").or_else(|| var("LOGNAME")).filter(|u| {
        !u.is_empty()
            && u.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    })?;
    let conn = var("SSH_CONNECTION")?;
    let fields: Vec<&str> = conn.split_whitespace().collect();
    let (ip, port) = match fields[..] {
        [_, _, ip, port] => (
            ip.parse::<std::net::IpAddr>().ok()?,
            port.parse::<u16>().ok()?,
        ),
        _ => return None,
    };
    let host = match ip {
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    Some(if port == 22 {
        format!("{user}@{host}")
    } else {
        format!("-p {port} {user}@{host}")
    })
}

/// How long an opener may take to fail. `xdg-open` often stays in the foreground while the
/// browser's first window is open: still running after this long, it has opened the link.
pub const OPENER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// Starts the system's opener, detached, with no terminal I/O, where [`can_open`] said one
/// may be opened (`allowed`).
pub async fn open(url: &str, allowed: bool) -> Result<(), String> {
    if !allowed {
        return Err("no display, or over SSH".into());
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    open_with(opener, url, OPENER_PATIENCE).await
}

/// Starts `opener URL` detached: no terminal I/O, in a process group of its own (Ctrl-C and
/// Ctrl-Z in the wizard's terminal do not reach the browser), never killed or waited for
/// past `patience`. Opened when it exits successfully or is still running after `patience`;
/// a failure only when it cannot start or exits with an error. The reasons are short: they
/// stand inside one status line of 80 columns.
pub async fn open_with(
    opener: &str,
    url: &str,
    patience: std::time::Duration,
) -> Result<(), String> {
    let child = tokio::process::Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(false)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("no {opener} here"))
        }
        Err(e) => return Err(format!("{opener}: {}", e.kind())),
    };
    match tokio::time::timeout(patience, child.wait()).await {
        Ok(Ok(s)) if s.success() => Ok(()),
        Ok(Ok(s)) => Err(match s.code() {
            Some(code) => format!("{opener} ended with code {code}"),
            None => format!("{opener} was stopped"),
        }),
        Ok(Err(e)) => Err(format!("{opener}: {}", e.kind())),
        // Still running: the browser is up. The runtime reaps it when it ends.
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::new(pairs.iter().copied())
    }

    /// A stand-in opener: a shell script with this body.
    fn opener(dir: &std::path::Path, name: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path.to_string_lossy().into_owned()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_opener_is_a_failure_only_when_it_exits_with_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let patience = std::time::Duration::from_millis(300);
        let ok = opener(dir.path(), "ok", "exit 0");
        assert_eq!(open_with(&ok, "https://x.com/", patience).await, Ok(()));
        let stays = opener(dir.path(), "stays", "exec sleep 30");
        let start = std::time::Instant::now();
        assert_eq!(open_with(&stays, "https://x.com/", patience).await, Ok(()));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        let fails = opener(dir.path(), "fails", "exit 3");
        let e = open_with(&fails, "https://x.com/", patience)
            .await
            .expect_err("a failure");
        assert!(e.ends_with("ended with code 3"), "{e}");
        let missing = dir.path().join("nothing-here");
        let e = open_with(&missing.to_string_lossy(), "https://x.com/", patience)
            .await
            .expect_err("a failure");
        assert!(e.starts_with("no "), "{e}");
    }

    #[test]
    fn the_ssh_target_comes_from_the_login_s_own_variables() {
        let conn = ("SSH_CONNECTION", "198.51.100.7 50022 203.0.113.5 22");
        assert_eq!(
            ssh_target(&env(&[("USER", "alice"), conn])).as_deref(),
            Some("alice@203.0.113.5")
        );
        assert_eq!(
            ssh_target(&env(&[
                ("LOGNAME", "bob"),
                ("SSH_CONNECTION", "::1 50022 2001:db8::5 2222")
            ]))
            .as_deref(),
            Some("-p 2222 bob@2001:db8::5")
        );
        assert_eq!(ssh_target(&env(&[("USER", "alice")])), None);
        assert_eq!(ssh_target(&env(&[("USER", "a;rm -rf"), conn])), None);
        assert_eq!(
            ssh_target(&env(&[("USER", "alice"), ("SSH_CONNECTION", "junk")])),
            None
        );
    }
}
