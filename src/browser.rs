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

/// Where the person's own computer reaches this one over SSH, as `ssh` takes it: `USER@ADDRESS`
/// (with `-p PORT` before it when the port is not 22), from `$USER` and `$SSH_CONNECTION`
/// ("client-ip client-port server-ip server-port"). `None` when either is missing.
pub fn ssh_target(var: impl Fn(&str) -> Option<String>) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_ssh_target_comes_from_the_login_s_own_variables() {
        let conn = ("SSH_CONNECTION", "198.51.100.7 50022 203.0.113.5 22");
        assert_eq!(
            ssh_target(env(&[("USER", "alice"), conn])).as_deref(),
            Some("alice@203.0.113.5")
        );
        assert_eq!(
            ssh_target(env(&[
                ("LOGNAME", "bob"),
                ("SSH_CONNECTION", "::1 50022 2001:db8::5 2222")
            ]))
            .as_deref(),
            Some("-p 2222 bob@2001:db8::5")
        );
        assert_eq!(ssh_target(env(&[("USER", "alice")])), None);
        assert_eq!(ssh_target(env(&[("USER", "a;rm -rf"), conn])), None);
        assert_eq!(
            ssh_target(env(&[("USER", "alice"), ("SSH_CONNECTION", "junk")])),
            None
        );
    }
}
