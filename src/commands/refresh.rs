//! `token` and `refresh`: a valid access token, refreshed when it expires within 60 s. X
//! rotates refresh tokens (the old one dies at once), so the read-refresh-write runs under an
//! exclusive lock on the profile and re-reads it after taking the lock: two processes at the
//! same moment refresh once, and both print a working token.

use std::time::Duration;

use async_trait::async_trait;

use super::{endpoints_for_sending, exit, x_failure, Failure};
use crate::app::AppConfig;
use crate::profile::{Profile, Status};
use crate::secret::Secret;
use crate::store::file::Purpose;
use crate::store::{Change, Found, Held, ProfileStore};
use crate::x::oauth;

/// Refresh when the token expires within this.
pub const MARGIN: Duration = Duration::from_secs(60);

/// What `token`/`refresh` leave: the profile as saved, and whether it was refreshed now.
#[derive(Debug)]
pub struct Fresh {
    pub profile: Profile,
    pub refreshed: bool,
}

/// Whether the saved access token must be replaced first: it expires within the margin, or
/// it could not be printed (see [`crate::text::is_visible_ascii`]).
pub fn needs_refresh(p: &Profile, now: time::OffsetDateTime) -> bool {
    let margin = time::Duration::try_from(MARGIN).unwrap_or(time::Duration::MINUTE);
    match &p.token {
        Some(t) => !crate::text::is_visible_ascii(&t.access_token) || t.expires_within(now, margin),
        None => true,
    }
}

/// How the refusal of a saved Client Secret starts (`doctor` tells it apart by it).
pub const SECRET_REFUSED: &str = "X refused the Client ID and Client Secret saved in profile";

/// What `token` says when X's new access token cannot be printed.
const UNPRINTABLE: &str = "X's new access token is empty or holds characters other than visible ASCII, so it is not printed; the new refresh token is saved: run the command again for another access token";

/// Checks what makes a refresh impossible; `Ok` when one may be tried.
pub fn refreshable(name: &str, p: &Profile) -> Result<Secret, Failure> {
    not_a_copy(name, p)?;
    if let Some(Status {
        needs_reauth: true,
        reason,
    }) = &p.status
    {
        return Err(Failure::reauth(name, reason));
    }
    let Some(t) = &p.token else {
        return Err(Failure::reauth(name, "it holds no token (it was revoked)"));
    };
    match &t.refresh_token {
        Some(r) if !r.is_empty() => Ok(Secret::new(r.clone())),
        _ => Err(Failure::reauth(
            name,
            "the access token expired and there is no refresh token (offline.access was not granted)",
        )),
    }
}

/// A token valid for at least [`MARGIN`]; refreshes (and saves the rotated refresh token)
/// first when needed, or always with `force`. A fresh token is read without a lock; an
/// expiring one is refreshed under the profile's lock (the file's, or the row's in one
/// transaction), re-checked once the lock is held: a process that waited finds the new token
/// and does not call X. The rotated refresh token is saved before this returns.
pub async fn fresh(
    store: &mut dyn ProfileStore,
    name: &str,
    api_override: Option<&str>,
    force: bool,
    warn: &mut (dyn std::io::Write + Send),
) -> Result<Fresh, Failure> {
    let first = store.load(name).await?;
    fresh_from(store, name, first, api_override, force, warn).await
}

/// [`fresh`] from a profile the caller has just read (without a lock), so that a fresh token
/// costs one read.
pub async fn fresh_from(
    store: &mut dyn ProfileStore,
    name: &str,
    first: Found,
    api_override: Option<&str>,
    force: bool,
    warn: &mut (dyn std::io::Write + Send),
) -> Result<Fresh, Failure> {
    for w in &first.warnings {
        let _ = writeln!(warn, "warning: {w}");
    }
    if usable_as_read(name, &first.profile, force)? {
        return Ok(Fresh {
            profile: first.profile,
            refreshed: false,
        });
    }
    let mut step = RefreshStep {
        name,
        first: &first.profile,
        force,
        api_override,
        warn,
        wrote: None,
        failure: None,
    };
    let saved = store
        .change_locked(name, Purpose::Refresh, &mut step)
        .await
        .map_err(|e| {
            let f = Failure::from(e);
            match &step.wrote {
                // X answered with a new refresh token, and the old one no longer works.
                Some(p) if p.token.is_some() && p.status.is_none() => Failure::new(
                    f.code,
                    format!(
                        "X rotated the refresh token of {name}, but the new one could not be kept ({f}); the saved one no longer works at X, so once this is fixed log in again with: xconnect login --profile {name}"
                    ),
                ),
                _ => f,
            }
        })?;
    match step.failure {
        Some(failure) => Err(failure),
        None => Ok(Fresh {
            profile: saved,
            refreshed: step.wrote.is_some(),
        }),
    }
}

/// The refresh [`fresh`] runs under the profile's lock.
struct RefreshStep<'a> {
    name: &'a str,
    /// The profile as read before the lock: a forced refresh that finds another one made
    /// meanwhile keeps it.
    first: &'a Profile,
    force: bool,
    api_override: Option<&'a str>,
    warn: &'a mut (dyn std::io::Write + Send),
    /// What was written (X's answer, or the mark that a new login is needed).
    wrote: Option<Profile>,
    /// What to report once the lock is let go.
    failure: Option<Failure>,
}

#[async_trait]
impl Change for RefreshStep<'_> {
    fn wanted(&mut self, current: &Profile) -> bool {
        needs_refresh(current, crate::timefmt::now()) || (self.force && current == self.first)
    }

    async fn change(&mut self, current: Profile, held: &(dyn Held + Sync)) -> Option<Profile> {
        match at_x(self.name, current, self.api_override, self.warn, held).await {
            Ok(Attempt { profile, failure }) => {
                self.failure = failure;
                self.wrote = Some(profile.clone());
                Some(profile)
            }
            Err(f) => {
                self.failure = Some(f);
                None
            }
        }
    }
}

/// What one refresh at X left: the profile to save before anything else (the rotated refresh
/// token, or the mark that a new login is needed), and the failure to report after saving.
#[derive(Debug)]
pub struct Attempt {
    pub profile: Profile,
    pub failure: Option<Failure>,
}

/// Refreshes `profile`, read under its lock (file or row), at X. `Err` means nothing is to be
/// saved (no refresh token, X unreachable…); an [`Attempt`] must be saved, then its failure
/// (if any) reported. Shared by the file store and the shared store.
pub async fn at_x(
    name: &str,
    mut profile: Profile,
    api_override: Option<&str>,
    warn: &mut (dyn std::io::Write + Send),
    held: &(dyn Held + Sync),
) -> Result<Attempt, Failure> {
    let refresh_token = refreshable(name, &profile)?;
    let endpoints = endpoints_for_sending(name, &profile, api_override, warn)?;
    let http = oauth::http_client().map_err(|e| x_failure(name, &e))?;
    // The shared store: the row lock must still be held when the refresh token leaves, or
    // another machine may have refreshed with it meanwhile.
    held.check().await?;
    match oauth::refresh_answer(
        &http,
        &AppConfig::from(&profile.app),
        &endpoints,
        &refresh_token,
    )
    .await
    {
        Ok(oauth::Answer { tokens: t, notes }) => {
            for note in &notes {
                let _ = writeln!(warn, "warning: {note}");
            }
            let now = crate::timefmt::now();
            let token = profile.token.get_or_insert_with(|| crate::profile::Token {
                access_token: String::new(),
                refresh_token: None,
                token_type: "bearer".into(),
                scope: String::new(),
                expires_at: now,
            });
            token.access_token = t.access_token.expose().to_string();
            // X rotates: the new refresh token replaces the old one, which no longer works.
            if let Some(r) = &t.refresh_token {
                token.refresh_token = Some(r.expose().to_string());
            }
            if !t.scope.is_empty() {
                token.scope = t.scope.clone();
            }
            token.token_type = t.token_type.clone();
            let printable = crate::text::is_visible_ascii(t.access_token.expose());
            // A token that cannot be printed counts as expired: the next run refreshes.
            let expires_at = if printable { t.expires_at(now) } else { now };
            token.expires_at = crate::timefmt::whole_utc(expires_at);
            profile.status = None;
            // Saved first either way: the new refresh token is the only one that works now.
            Ok(Attempt {
                profile,
                failure: (!printable).then(|| Failure::new(exit::FAILURE, UNPRINTABLE)),
            })
        }
        // The saved secret no longer works: X shows a Client Secret once, and regenerating it
        // ends the old one. Nothing is marked: the same login works again with the new secret.
        Err(crate::x::XError::ClientAuth { confidential: true }) => Err(Failure::new(
            exit::NEEDS_REAUTH,
            format!(
                "{SECRET_REFUSED} {name}. If the secret was regenerated (in the app's Keys and tokens; the old one then stops working), log in again with the new one: XCONNECT_CLIENT_SECRET=<the new secret> xconnect login --profile {name}"
            ),
        )),
        Err(e) => {
            let failure = x_failure(name, &e);
            if failure.code == exit::NEEDS_REAUTH {
                profile.status = Some(Status {
                    needs_reauth: true,
                    reason: e.to_string(),
                });
                return Ok(Attempt {
                    profile,
                    failure: Some(failure),
                });
            }
            Err(failure)
        }
    }
}

/// Refuses a copy that is not its token chain's owner (see [`crate::profile::Moved`]): only
/// the owner may send its refresh token to X. Exit 3: the profile that may refresh is not here.
pub fn not_a_copy(name: &str, p: &Profile) -> Result<(), Failure> {
    match &p.moved {
        Some(moved) => Err(Failure::new(exit::NO_SUCH_PROFILE, moved.explain(name))),
        None => Ok(()),
    }
}

/// Whether a profile read without a lock can be used as it is: `Ok(true)` for a fresh token,
/// `Ok(false)` when a refresh is due, `Err` when it needs a new login.
pub fn usable_as_read(name: &str, p: &Profile, force: bool) -> Result<bool, Failure> {
    if force || needs_refresh(p, crate::timefmt::now()) {
        return Ok(false);
    }
    if let Some(Status {
        needs_reauth: true,
        reason,
    }) = &p.status
    {
        return Err(Failure::reauth(name, reason));
    }
    Ok(true)
}
