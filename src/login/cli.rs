//! `xconnect login --no-tui`: the same login for scripts, CI and pipes. The link goes to
//! stderr alone on its line; the redirect comes from stdin, or from the loopback listener;
//! the profile path goes to stdout. Any failure: one line on stderr, no file written.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use url::Url;

use super::{flow, LoginError};
use crate::app::AppConfig;
use crate::callback::{self, parse_redirect, Listener};
use crate::presets::presets;
use crate::profile::check_name;
use crate::sandbox::Sandbox;
use crate::secret::Secret;
use crate::store::file::SaveError;
use crate::store::ProfileStore;
use crate::validate::{check_client_id, check_client_secret, check_url, Check};
use crate::x::scopes::is_known;
use crate::x::{oauth, AppType, Endpoints, Permission, XError};

/// Everything `login` was told.
#[derive(Debug, Clone)]
pub struct Request {
    pub profile: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub app_type: AppType,
    pub permissions: Permission,
    pub scopes: Option<String>,
    pub callback_url: String,
    pub website_url: Option<String>,
    pub force: bool,
    /// How long to wait for the redirect.
    pub wait: Duration,
    /// A person types on stdin: a wrong line is reported and another awaited. From a pipe,
    /// only the final reason is printed.
    pub interactive: bool,
    /// `user@host` of this machine as seen from the person's own computer over SSH, for the
    /// `ssh -L` line (see [`crate::browser::ssh_target`]); `None` when not over SSH.
    pub ssh_target: Option<String>,
    /// The command that runs this login again, as typed (the shared store's password left
    /// out), for a script told to run it again.
    pub again: String,
}

/// Checks the request and turns it into the app's settings; warnings go to `err`.
pub fn settings(req: &Request, err: &mut dyn Write) -> Result<AppConfig, String> {
    check_name(&req.profile).map_err(|e| format!("--profile: {e}"))?;
    match check_client_id(&req.client_id) {
        Check::Error(e) => return Err(format!("--client-id: {e}")),
        Check::Warn(w) => {
            let _ = writeln!(err, "warning: --client-id: {w}");
        }
        Check::Ok => {}
    }
    let client_secret = match (req.app_type, &req.client_secret) {
        (AppType::Web, None) => {
            return Err(
                "a Web App (confidential client) needs its Client Secret in XCONNECT_CLIENT_SECRET"
                    .into(),
            )
        }
        (AppType::Web, Some(s)) => {
            match check_client_secret(s.expose()) {
                Check::Error(e) => return Err(format!("XCONNECT_CLIENT_SECRET: {e}")),
                Check::Warn(w) => {
                    let _ = writeln!(err, "warning: XCONNECT_CLIENT_SECRET: {w}");
                }
                Check::Ok => {}
            }
            Some(s.clone())
        }
        (AppType::Native, Some(_)) => {
            let _ = writeln!(
                err,
                "warning: XCONNECT_CLIENT_SECRET is ignored: a Native App (public client) uses no secret"
            );
            None
        }
        (AppType::Native, None) => None,
    };
    let scopes: Vec<String> = match &req.scopes {
        Some(s) => {
            let list: Vec<String> = s.split_whitespace().map(String::from).collect();
            if list.is_empty() {
                return Err("--scopes: give at least one scope, e.g. \"tweet.read users.read offline.access\"".into());
            }
            if let Some(bad) = list.iter().find(|s| !is_known(s)) {
                return Err(format!(
                    "--scopes: X has no scope {:?}; known scopes: {}",
                    bad,
                    crate::x::scopes::ALL_SCOPES.join(" ")
                ));
            }
            list
        }
        None => req
            .permissions
            .scopes()
            .into_iter()
            .map(String::from)
            .collect(),
    };
    check_url(&req.callback_url).map_err(|e| format!("--callback-url: {e}"))?;
    let website_url = match &req.website_url {
        Some(w) => {
            check_url(w).map_err(|e| format!("--website-url: {e}"))?;
            w.clone()
        }
        None => presets()
            .iter()
            .find(|p| !p.is_custom() && p.callback() == req.callback_url)
            .map(|p| p.website_url.to_string())
            .unwrap_or_default(),
    };
    Ok(AppConfig {
        client_id: req.client_id.clone(),
        client_secret,
        app_type: req.app_type,
        callback_url: req.callback_url.clone(),
        website_url,
        scopes,
        permission: req.permissions,
    })
}

/// The longest line kept from stdin: far more than any address X sends a browser to (the
/// redirect parser takes at most [`crate::callback::MAX_INPUT`] bytes); the rest of a longer
/// line is read and dropped, never held.
pub const MAX_LINE: usize = 64 << 10;

/// What is said about a line longer than [`MAX_LINE`].
pub const TOO_LONG: &str = "the line on stdin is longer than 64 KiB, too long to be the address X sends you to: paste only the address from the browser's address bar.";

/// One line of the standard input, without its line break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Text(String),
    /// Longer than [`MAX_LINE`]: dropped as it was read.
    TooLong,
}

/// The lines of the standard input, read on a thread of their own; the channel closes at the
/// end of the input (or on a read error).
///
/// A read of stdin cannot be cancelled: a person's terminal, or a pipe such as `sleep 60 |`,
/// may stay open long after the login is over. The thread is never waited for (the process
/// ends with it still blocked in its read), so the login ends as soon as the redirect, a
/// Cancel or the time limit has answered. `tokio::io::stdin()` would instead keep the runtime
/// alive until the next line or the end of the input.
pub fn stdin_lines() -> mpsc::Receiver<Line> {
    lines_of(std::io::stdin())
}

/// The lines of `input`, read on a thread of its own, as [`stdin_lines`] does: each kept up to
/// [`MAX_LINE`] bytes, so no input, however long its lines, is held whole.
pub fn lines_of<R: std::io::Read + Send + 'static>(input: R) -> mpsc::Receiver<Line> {
    let (tx, rx) = mpsc::channel(16);
    let read = move || {
        let mut input = std::io::BufReader::new(input);
        while let Ok(Some(line)) = read_line_capped(&mut input, MAX_LINE) {
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    };
    // Without a thread there is no stdin: the listener (if any) and the time limit still work.
    let _ = std::thread::Builder::new().name("stdin".into()).spawn(read);
    rx
}

/// The next line of `input` without its line break (`\n` or `\r\n`), kept only when it has at
/// most `max` bytes; `None` at the end of the input. Bytes that are not UTF-8 become U+FFFD.
pub fn read_line_capped(
    input: &mut impl std::io::BufRead,
    max: usize,
) -> std::io::Result<Option<Line>> {
    let mut kept = Vec::new();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            if !read_any {
                return Ok(None);
            }
            break;
        }
        read_any = true;
        let end = buf.iter().position(|b| *b == b'\n');
        let piece = &buf[..end.unwrap_or(buf.len())];
        if !too_long {
            if kept.len() + piece.len() > max {
                too_long = true;
                kept = Vec::new();
            } else {
                kept.extend_from_slice(piece);
            }
        }
        let used = end.map_or(buf.len(), |i| i + 1);
        input.consume(used);
        if end.is_some() {
            break;
        }
    }
    if too_long {
        return Ok(Some(Line::TooLong));
    }
    if kept.last() == Some(&b'\r') {
        kept.pop();
    }
    Ok(Some(Line::Text(
        String::from_utf8_lossy(&kept).into_owned(),
    )))
}

/// Runs the whole login; returns where the profile was saved (its file's path, or its place in
/// the shared store). `stdin` gives the lines a person or a script types (see
/// [`stdin_lines`]); its closing is the end of the input.
pub async fn run(
    req: &Request,
    endpoints: &Endpoints,
    store: &mut dyn ProfileStore,
    sandbox: Option<Arc<Sandbox>>,
    stdin: mpsc::Receiver<Line>,
    err: &mut (dyn Write + Send),
) -> Result<String, LoginError> {
    let settings = settings(req, err).map_err(LoginError::Invalid)?;
    let exists = store.exists(&req.profile).await?;
    if exists && !req.force {
        return Err(LoginError::Exists(req.profile.clone()));
    }
    let callback = Url::parse(&settings.callback_url)
        .map_err(|e| LoginError::Invalid(format!("--callback-url: {e}")))?;
    let http = oauth::http_client()?;
    let mut stdin = stdin;
    let mut new_links = 0;
    let tokens = loop {
        let (pending, listener) = announce(
            req,
            &settings,
            endpoints,
            sandbox.as_deref(),
            &callback,
            err,
        )
        .await?;
        let redirect = tokio::time::timeout(
            req.wait,
            wait_redirect(
                &mut stdin,
                listener,
                &callback,
                &pending.state,
                req.interactive,
                err,
            ),
        )
        .await
        .map_err(|_| LoginError::NoRedirect(req.wait.as_secs()))?
        .map_err(LoginError::Redirect)?;
        let code = Secret::new(redirect.code);
        match flow::exchange(&http, &settings, endpoints, &code, &pending.verifier).await {
            Ok(tokens) => break tokens,
            // A person at a terminal gets a new link and the wait starts again.
            Err(e @ (XError::CodeInvalid | XError::VerifierMismatch))
                if req.interactive && new_links < MAX_NEW_LINKS =>
            {
                new_links += 1;
                let _ = writeln!(err);
                let _ = writeln!(
                    err,
                    "{} Here is a new link: open it, click \"Authorize app\" and paste the new address within 30 seconds.",
                    refused_code(&e)
                );
                let _ = writeln!(err);
            }
            // A script cannot click again: say what to run.
            Err(e @ (XError::CodeInvalid | XError::VerifierMismatch)) => {
                return Err(LoginError::Redirect(format!(
                    "{} Run the login again and paste the address within 30 seconds of clicking \"Authorize app\": {}",
                    refused_code(&e),
                    req.again
                )));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let proof = flow::prove(&http, endpoints, &tokens.access_token).await;
    match &proof {
        Ok(a) => {
            let _ = writeln!(err, "Logged in as @{} ({}).", a.username, a.name);
        }
        Err(e) => {
            let _ = writeln!(err, "warning: the tokens are saved but unverified: {e}");
        }
    }
    let profile = flow::profile(&settings, &tokens, &proof, endpoints, crate::timefmt::now());
    let place = flow::persist(store, &req.profile, &profile, req.force)
        .await
        .map_err(|e| match e {
            flow::PersistError::Exists(name) => LoginError::Save(SaveError::Io(format!(
                "a profile named {name:?} appeared meanwhile; pass --force to replace it (the new token was not saved)"
            ))),
            flow::PersistError::Store(e) => LoginError::Store(e),
        })?;
    finished(&profile, &req.profile, err);
    Ok(place)
}

/// How many new links a person at a terminal is offered after a refused code.
const MAX_NEW_LINKS: u32 = 3;

/// Why X refused the code, without the wizard's advice (what follows is this login's own).
fn refused_code(e: &XError) -> &'static str {
    match e {
        XError::VerifierMismatch => {
            "X says the address pasted comes from another login attempt (the PKCE verifier does not match)."
        }
        _ => "X refused the code: it lives 30 seconds after the click and works once.",
    }
}

/// A new authorization link on `err` (with, for a callback on this machine, the listener
/// that catches the redirect, and the SSH forward a browser elsewhere needs).
async fn announce(
    req: &Request,
    settings: &AppConfig,
    endpoints: &Endpoints,
    sandbox: Option<&Sandbox>,
    callback: &Url,
    err: &mut (dyn Write + Send),
) -> Result<(oauth::Pending, Option<Listener>), LoginError> {
    let pending = flow::start(settings, endpoints, sandbox)?;
    let listener = match flow::loopback(settings) {
        Some(cb) => match flow::listen(&cb).await {
            Ok(l) => Some(l),
            Err(e) => {
                let _ = writeln!(
                    err,
                    "note: cannot listen on {cb} ({e}); paste the address instead"
                );
                None
            }
        },
        None => None,
    };
    let _ = writeln!(
        err,
        "Open this link in a browser, click \"Authorize app\", then paste the address X sends you to here (the code in it expires 30 seconds after the click):"
    );
    let _ = writeln!(err);
    let _ = writeln!(err, "{}", pending.url);
    let _ = writeln!(err);
    if listener.is_some() {
        let _ = writeln!(
            err,
            "Listening on {callback}: the redirect is caught by itself."
        );
    }
    // What a browser elsewhere must reach here: the listener, and the sandbox's page.
    let sandbox_port = sandbox.map(|s| s.local_addr().port());
    let target = req.ssh_target.clone();
    let listened = listener.is_some().then_some(callback);
    if let Some(hint) =
        callback::ssh_forward_hint(listened, sandbox_port.as_slice(), target.as_deref())
    {
        let _ = writeln!(err, "Browser on another computer? Run there first: {hint}");
    }
    let _ = err.flush();
    Ok((pending, listener))
}

/// What a finished login tells the person on stderr: scopes X left out, then the guide's last
/// step (the app's values for the service's own form). The wizard prints the same when it
/// ends, so the values stay on the screen.
pub fn finished(profile: &crate::profile::Profile, name: &str, err: &mut (dyn Write + Send)) {
    for problem in profile
        .scope_check()
        .map(|c| c.problems(name))
        .unwrap_or_default()
    {
        let _ = writeln!(err, "warning: {problem}");
    }
    let _ = writeln!(err);
    let _ = write!(
        err,
        "{}",
        crate::handoff::Handoff::for_profile(profile, name).text()
    );
    let _ = err.flush();
}

/// The first valid redirect from stdin (one per line) or the listener. A wrong line is
/// reported and the next awaited; at the end of stdin the last problem is the error.
async fn wait_redirect(
    lines: &mut mpsc::Receiver<Line>,
    listener: Option<Listener>,
    callback: &Url,
    state: &str,
    interactive: bool,
    err: &mut (dyn Write + Send),
) -> Result<callback::Redirect, String> {
    let mut stdin_open = true;
    let mut last_problem: Option<String> = None;
    let caught = async {
        match listener {
            Some(l) => l.next(state).await.ok(),
            None => std::future::pending().await,
        }
    };
    tokio::pin!(caught);
    let has_listener = callback::is_loopback_callback(callback);
    loop {
        tokio::select! {
            line = lines.recv(), if stdin_open => match line {
                Some(Line::TooLong) => {
                    if interactive {
                        let _ = writeln!(err, "{TOO_LONG} Paste again:");
                    }
                    last_problem = Some(TOO_LONG.to_string());
                }
                Some(Line::Text(line)) if line.trim().is_empty() => {}
                Some(Line::Text(line)) => match parse_redirect(&line, callback, state) {
                    Ok(r) => return Ok(r),
                    Err(e) => {
                        if interactive {
                            let _ = writeln!(err, "{e} Paste again:");
                        }
                        last_problem = Some(e.to_string());
                    }
                },
                None => {
                    stdin_open = false;
                    if !has_listener {
                        return Err(last_problem.unwrap_or_else(|| {
                            "stdin ended before a redirected address was given".into()
                        }));
                    }
                }
            },
            url = &mut caught => match url {
                Some(url) => return parse_redirect(&url, callback, state).map_err(|e| e.to_string()),
                None => return Err("the loopback listener stopped".into()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Line> {
        let mut reader = std::io::BufReader::with_capacity(4, input);
        std::iter::from_fn(|| read_line_capped(&mut reader, max).expect("read")).collect()
    }

    #[test]
    fn lines_are_kept_up_to_the_bound_and_longer_ones_dropped() {
        let text = |s: &str| Line::Text(s.to_string());
        assert_eq!(
            lines(b"one\r\ntwo\n\nlast", 8),
            [text("one"), text("two"), text(""), text("last")]
        );
        assert_eq!(
            lines(b"12345678\n123456789\nok\n", 8),
            [text("12345678"), Line::TooLong, text("ok")]
        );
        assert_eq!(lines(b"123456789", 8), [Line::TooLong]);
        assert_eq!(lines(b"a\xffb\n", 8), [text("a\u{fffd}b")]);
        assert!(lines(b"", 8).is_empty());
    }
}
