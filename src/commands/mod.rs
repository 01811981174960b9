//! The commands scripts use after setup: `token`, `api`, `refresh`, `profiles`, `show`,
//! `default`, `revoke`, `remove`. Each returns its output or a [`Failure`] with a documented exit code.

pub mod api;
pub mod docs;
pub mod doctor;
pub mod jq;
pub mod list;
pub mod media;
pub mod post;
pub mod progress;
pub mod refresh;
pub mod revoke;
pub mod send;
pub mod show;
pub mod store;

use std::fmt;

use crate::profile::{LoadError, LockError};
use crate::store::file::{ProfileLock, Purpose, SaveError, Store};
use crate::x::{Endpoints, XError};

/// Exit codes (also in the README).
pub mod exit {
    pub const OK: u8 = 0;
    /// Anything else: bad input, a file that cannot be written…
    pub const FAILURE: u8 = 1;
    /// Wrong flags (clap's own code).
    pub const USAGE: u8 = 2;
    pub const NO_SUCH_PROFILE: u8 = 3;
    /// The refresh token is dead or revoked, or there is no token: log in again.
    pub const NEEDS_REAUTH: u8 = 4;
    /// X cannot be reached, times out, or answers 5xx / 429: try again later.
    pub const UNAVAILABLE: u8 = 5;
    /// The profile file is corrupt, truncated, empty or from a newer xconnect.
    pub const BAD_PROFILE: u8 = 6;
    /// X refused for the plan: a usage cap reached, or no pay-per-use credits left. Waiting
    /// does not help: the plan, its cap or the credits change in the Developer Console.
    pub const PLAN: u8 = 7;
    /// The wizard ended by Ctrl-C (128 + SIGINT); a signal ends it with 128 + its number.
    pub const INTERRUPTED: u8 = 130;

    /// One exit status, as `--help` and the man page say it (one line) and as the README's
    /// table says it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Meaning {
        pub code: u8,
        pub help: &'static str,
        pub readme: &'static str,
    }

    /// The one exit-status table: `--help`, the man page and the README's table are made from
    /// it (a test holds the README to it).
    pub const TABLE: &[Meaning] = &[
        Meaning {
            code: OK,
            help: "ok",
            readme: "ok",
        },
        Meaning {
            code: FAILURE,
            help: "anything else: bad input, a file that cannot be written, X refused; doctor found a failed check",
            readme: "anything else: bad input, a file that cannot be written, X refused for another reason; `doctor` found a failed check (`✗`; a `!` does not count)",
        },
        Meaning {
            code: USAGE,
            help: "wrong flags; XCONNECT_TIMEOUT not whole seconds from 1 to 600; remove without --yes and no terminal; a post X would refuse (no text, over 280, a mix of media)",
            readme: "wrong flags; `XCONNECT_TIMEOUT` that is not whole seconds from 1 to 600; `remove` without `--yes` and no terminal to confirm on; a `post` X would refuse, found before sending (no text and no media, text over 280, a mix of media a post cannot carry)",
        },
        Meaning {
            code: NO_SUCH_PROFILE,
            help: "no such profile here (a copy that is not the owner says where it is)",
            readme: "no such profile (here: a copy that is not its token chain's owner, left by `store push`/`pull`, says where the owner is)",
        },
        Meaning {
            code: NEEDS_REAUTH,
            help: "needs a new login: the refresh token is dead or revoked, the profile holds no token, or its login lacks a scope (tweet.write, media.write)",
            readme: "needs a new login: the refresh token is dead or revoked, the profile holds no token, or its login was not granted a scope the command needs (`post`: `tweet.write`, and `media.write` for media; set the app's permissions to Read and write first)",
        },
        Meaning {
            code: UNAVAILABLE,
            help: "X or the shared store unavailable, X's rate limit, or a profile locked too long: try again later",
            readme: "X unavailable: network or TLS failure, time-out, 5xx or a rate limit (`--wait` waits for its reset); or another xconnect process held the profile's lock too long; or the shared store cannot be reached, dropped the connection, or kept the profile locked too long — try again later",
        },
        Meaning {
            code: BAD_PROFILE,
            help: "the profile is corrupt, empty or from a newer xconnect",
            readme: "the profile file is corrupt, truncated, empty or from a newer xconnect (it is left untouched; `xconnect remove NAME --yes` deletes it)",
        },
        Meaning {
            code: PLAN,
            help: "X refused for the plan: a usage cap reached or no credits left; waiting does not help (Developer Console)",
            readme: "X refused for the plan: the usage cap is reached (a 429 that is not a rate limit) or no pay-per-use credits are left (402); waiting or retrying does not help: change the cap or the plan, or add credits, in the X Developer Console",
        },
        Meaning {
            code: INTERRUPTED,
            help: "Ctrl-C; 128 + the signal's number when a signal ends the wizard",
            readme: "the wizard was ended by Ctrl-C; 128 + the signal's number when a signal ends it (129 SIGHUP, 143 SIGTERM)",
        },
    ];

    /// "Exit status:" and a line per code, for `--help` and the man page.
    pub fn help_text() -> String {
        let mut text = String::from("Exit status:\n");
        for m in TABLE {
            text.push_str(&format!("  {:<4} {}\n", m.code, m.help));
        }
        text
    }

    /// The README's table, row for row.
    pub fn readme_table() -> String {
        let mut text = String::from("| code | meaning |\n|---|---|\n");
        for m in TABLE {
            text.push_str(&format!("| {} | {} |\n", m.code, m.readme));
        }
        text
    }
}

/// A command that did not work: one line for stderr, and the exit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// `why` may come from X or from the profile file (a saved reason): it is cleaned, and says
    /// what went wrong only; the one command that fixes it is added here, once. (The saved app
    /// settings make `login --profile NAME` work without retyping anything.)
    pub fn reauth(name: &str, why: impl fmt::Display) -> Self {
        let why = crate::text::clean(&why.to_string());
        // Reasons saved by older versions carried their own advice, with a placeholder.
        let why = why
            .split(" Log in again: xconnect login --profile NAME")
            .next()
            .unwrap_or_default()
            .trim_end_matches('.');
        Failure::new(
            exit::NEEDS_REAUTH,
            format!(
                "profile {name:?} needs a new login: {why}; log in again with: xconnect login --profile {name}"
            ),
        )
    }
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        let code = match e {
            LoadError::NotFound { .. } => exit::NO_SUCH_PROFILE,
            LoadError::Name(_) => exit::FAILURE,
            LoadError::Io { .. } => exit::FAILURE,
            LoadError::Lock(LockError::Busy(_)) => exit::UNAVAILABLE,
            LoadError::Lock(_) => exit::FAILURE,
            _ => exit::BAD_PROFILE,
        };
        Failure::new(code, e.to_string())
    }
}

impl From<LockError> for Failure {
    fn from(e: LockError) -> Self {
        let code = match e {
            // Another process held the profile longer than one may wait: try again later.
            LockError::Busy(_) => exit::UNAVAILABLE,
            _ => exit::FAILURE,
        };
        Failure::new(code, e.to_string())
    }
}

impl From<SaveError> for Failure {
    fn from(e: SaveError) -> Self {
        match e {
            SaveError::Lock(e) => e.into(),
            e => Failure::new(exit::FAILURE, e.to_string()),
        }
    }
}

/// The exit code of an error from X: the one mapping every command uses.
pub fn x_code(e: &XError) -> u8 {
    match e {
        XError::GrantInvalid(_) | XError::Unauthorized => exit::NEEDS_REAUTH,
        e if e.is_transient() => exit::UNAVAILABLE,
        _ => exit::FAILURE,
    }
}

/// The error of a call to X, with the code that says whether to retry or log in again.
pub fn x_failure(name: &str, e: &XError) -> Failure {
    match x_code(e) {
        exit::NEEDS_REAUTH => Failure::reauth(name, e),
        code => Failure::new(code, e.to_string()),
    }
}

impl From<crate::login::LoginError> for Failure {
    fn from(e: crate::login::LoginError) -> Self {
        use crate::login::LoginError;
        match e {
            LoginError::X(x) => Failure::new(x_code(&x), x.to_string()),
            LoginError::Save(s) => s.into(),
            LoginError::Store(s) => s.into(),
            e @ (LoginError::Invalid(_)
            | LoginError::Exists(_)
            | LoginError::Redirect(_)
            | LoginError::NoRedirect(_)) => Failure::new(exit::FAILURE, e.to_string()),
        }
    }
}

/// No profile named and no default one: what there is to choose from, with commands that work
/// (`place` is empty for this machine's files, or names the shared store).
pub fn no_default(names: &[String], place: &str) -> Failure {
    Failure::new(
        exit::NO_SUCH_PROFILE,
        crate::profile::no_default_message(names, place),
    )
}

/// The one mapping from a store's failure to an exit code.
impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::{Kind, StoreError};
        match e {
            // A file's failure keeps the file's own mapping.
            StoreError::File(e) => e.into(),
            StoreError::Save(e) => e.into(),
            e => {
                let code = match e.kind() {
                    Kind::Unavailable => exit::UNAVAILABLE,
                    Kind::NotFound => exit::NO_SUCH_PROFILE,
                    Kind::BadProfile => exit::BAD_PROFILE,
                    Kind::Exists | Kind::Failed => exit::FAILURE,
                };
                Failure::new(code, e.to_string())
            }
        }
    }
}

/// The API host for a profile: `--api-base`/`XCONNECT_API_BASE`, else the profile's own,
/// else X's. A bad base is named with where it came from.
pub fn endpoints_for(
    profile: &crate::profile::Profile,
    api_override: Option<&str>,
) -> Result<Endpoints, Failure> {
    use crate::x::endpoints::{Source, API_FLAG};
    let saved = profile.endpoints.as_ref();
    let auth = saved.map(|e| (e.auth_base.as_str(), Source::ProfileFile("auth_base")));
    let api = match api_override {
        // Checked by the command line already, naming the flag or the variable it came from.
        Some(a) => Some((a, Source::Flag(API_FLAG))),
        None => saved.map(|e| (e.api_base.as_str(), Source::ProfileFile("api_base"))),
    };
    Endpoints::from_sources(auth, api).map_err(|e| Failure::new(exit::FAILURE, e))
}

/// [`endpoints_for`], for a command about to send the profile's tokens: a warning on `warn`
/// when the profile file sends them to a host that is neither X's nor this machine's (a
/// flag or the environment is the person's own choice, and is not warned about).
pub fn endpoints_for_sending(
    name: &str,
    profile: &crate::profile::Profile,
    api_override: Option<&str>,
    warn: &mut dyn std::io::Write,
) -> Result<Endpoints, Failure> {
    let endpoints = endpoints_for(profile, api_override)?;
    if api_override.is_none() && profile.endpoints.is_some() && !endpoints.api_is_x_or_local() {
        let host = crate::text::escape(endpoints.api_base.as_str().trim_end_matches('/'), 200);
        let _ = writeln!(
            warn,
            "warning: profile {name} sends its tokens to {host}, which is neither X nor this machine (api_base in the profile file's [endpoints]); if you did not set that, remove [endpoints] from the file and log in again"
        );
    }
    Ok(endpoints)
}

/// Takes the profile's exclusive lock (waiting a bounded time for another process that holds
/// it, and saying so on stderr) without blocking the runtime.
pub async fn lock(store: &Store, name: &str, purpose: Purpose) -> Result<ProfileLock, Failure> {
    let (store, name) = (store.clone(), name.to_string());
    Ok(blocking(move || store.lock(&name, purpose)).await??)
}

/// Runs blocking file work on tokio's blocking threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))
}
