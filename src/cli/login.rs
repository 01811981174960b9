//! `xconnect login`: its flags merged with the saved profile it logs in to again, then the one
//! login flow.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use xconnect::commands::{exit, Failure};
use xconnect::login::cli::Request;
use xconnect::secret::Secret;
use xconnect::x::Permission;

use super::args::{Global, LoginArgs, PermissionArg};
use super::sandbox::endpoints;

pub(crate) async fn login(g: &Global, a: LoginArgs) -> Result<ExitCode, Failure> {
    let _ = a.no_tui;
    let fail = |e: String| Failure::new(exit::FAILURE, e);
    let mut store = xconnect::store::open(g.config_dir.clone(), g.store.as_deref(), &g.env).await?;
    // Logging in again to a saved profile: its app settings are reused.
    let saved = if a.client_id.is_none() {
        let mut stderr = xconnect::text::TerminalWriter::new(std::io::stderr());
        Some(
            store
                .load(&a.profile)
                .await
                .inspect(|found| {
                    for w in &found.warnings {
                        let _ = writeln!(stderr, "warning: {w}");
                    }
                })
                .map_err(|e| {
                    let e = Failure::from(e);
                    if e.code == exit::NO_SUCH_PROFILE {
                        Failure::new(
                            e.code,
                            format!(
                                "no profile named {:?} to log in to again ({}); for a new one pass the app's Client ID: \"xconnect login --profile {} --client-id ID\" (or run the wizard, \"xconnect\"); \"xconnect profiles\" lists the saved ones",
                                a.profile,
                                store.place(&a.profile),
                                a.profile
                            ),
                        )
                    } else {
                        e
                    }
                })?
                .profile,
        )
    } else {
        None
    };
    // Logging in again to a sandbox profile happens in the sandbox, whatever the flags say
    // about X's hosts.
    let in_sandbox = a.sandbox
        || saved
            .as_ref()
            .and_then(|p| p.endpoints.as_ref())
            .is_some_and(|e| e.sandbox);
    let app = saved.as_ref().map(|p| &p.app);
    let scopes = a.scopes.or_else(|| app.map(|a| a.scopes.join(" ")));
    let permissions = permission_level(a.permissions, scopes.as_deref())?;
    let (endpoints, sandbox) = endpoints(g, in_sandbox).await.map_err(fail)?;
    let req = Request {
        profile: a.profile,
        client_id: a
            .client_id
            .or_else(|| app.map(|a| a.client_id.clone()))
            .unwrap_or_default(),
        client_secret: std::env::var("XCONNECT_CLIENT_SECRET")
            .ok()
            .filter(|s| !s.is_empty())
            .or_else(|| app.and_then(|a| a.client_secret.clone()))
            .map(Secret::new),
        app_type: a
            .app_type
            .or_else(|| app.map(|a| a.app_type))
            .unwrap_or_default(),
        permissions,
        scopes,
        callback_url: a
            .callback_url
            .or_else(|| app.map(|a| a.callback_url.clone()))
            .unwrap_or_else(|| "https://app.latenode.com/redirected/index.html".into()),
        website_url: a
            .website_url
            .or_else(|| app.map(|a| a.website_url.clone()).filter(|w| !w.is_empty())),
        // Logging in again replaces the profile it came from: that is the point.
        force: a.force || saved.is_some(),
        wait: Duration::from_secs(a.wait),
        interactive: std::io::IsTerminal::is_terminal(&std::io::stdin()),
        ssh_target: xconnect::browser::ssh_target(&g.env),
        again: command_line(std::env::args_os().skip(1)),
    };
    if sandbox.is_some() {
        eprintln!("Sandbox: the built-in X emulator answers; no X account is used.");
    }
    // Read on a thread the runtime does not wait for: the login ends when it is done, even
    // with stdin still open.
    let stdin = xconnect::login::cli::stdin_lines();
    let mut stderr = xconnect::text::TerminalWriter::new(std::io::stderr());
    // Errors keep their exit codes: X's and the shared store's faults 5, a refused login 1.
    let place =
        xconnect::login::cli::run(&req, &endpoints, &mut *store, sandbox, stdin, &mut stderr)
            .await?;
    println!("{}", xconnect::text::terminal(&place));
    Ok(ExitCode::SUCCESS)
}

/// The app's permission level: `--permissions` as given, else the lowest that grants the
/// scopes asked for, else Read and write. Scopes above a level given are refused: X would
/// leave them out of the grant without a word.
fn permission_level(
    given: Option<PermissionArg>,
    scopes: Option<&str>,
) -> Result<Permission, Failure> {
    let asked: Vec<&str> = scopes.unwrap_or_default().split_whitespace().collect();
    let needed = asked.iter().map(|s| Permission::needed_for(s)).max();
    let Some(given) = given else {
        return Ok(needed.unwrap_or_default());
    };
    let level = match given {
        PermissionArg::Read => Permission::Read,
        PermissionArg::ReadWrite => Permission::ReadWrite,
        PermissionArg::ReadWriteDm => Permission::ReadWriteDm,
    };
    let above: Vec<&str> = asked.iter().copied().filter(|s| !level.allows(s)).collect();
    match needed.filter(|n| *n > level) {
        None => Ok(level),
        Some(needed) => Err(Failure::new(
            exit::USAGE,
            format!(
                "--scopes asks for {list}, which an app whose App permissions are \"{have}\" (--permissions {flag}) is never granted: X leaves {them} out. Either set App permissions to \"{want}\" in the app's User authentication settings in the portal and pass --permissions {want_flag}, or leave {list} out of --scopes.",
                list = above.join(", "),
                have = level.label(),
                flag = level.flag(),
                them = if above.len() == 1 { "it" } else { "them" },
                want = needed.label(),
                want_flag = needed.flag(),
            ),
        )),
    }
}

/// `xconnect` with these arguments, as a shell reads it back: each argument quoted when it
/// needs to be, the shared store's address with its password left out (`***`).
fn command_line(args: impl Iterator<Item = std::ffi::OsString>) -> String {
    let mut out = vec!["xconnect".to_string()];
    let mut store_next = false;
    for arg in args {
        let arg = arg.to_string_lossy().into_owned();
        let shown = if store_next {
            store_next = false;
            without_password(&arg)
        } else if arg == "--store" {
            store_next = true;
            arg
        } else if let Some(url) = arg.strip_prefix("--store=") {
            format!("--store={}", without_password(url))
        } else {
            arg
        };
        out.push(shell_quoted(&xconnect::text::escape(&shown, 2048)));
    }
    out.join(" ")
}

/// A store address as messages show it (its password `***`); an address that does not read
/// is not shown at all.
fn without_password(url: &str) -> String {
    xconnect::store::StoreUrl::parse(url, &xconnect::store::PasswordSources::default())
        .map(|u| u.redacted().to_string())
        .unwrap_or_else(|_| "URL".into())
}

/// `text` as one shell word: as it is when it holds nothing a shell reads, else in single
/// quotes.
fn shell_quoted(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
