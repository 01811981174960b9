//! `token` and `refresh`: a valid access token, refreshed when it expires within 60 s. X
//! rotates refresh tokens (the old one dies at once), so the read-refresh-write runs under an
//! exclusive lock on the profile and re-reads it after taking the lock: two processes at the
//! same moment refresh once, and both print a working token.

use std::time::Duration;

use super::{endpoints_for_sending, exit, load, oauth_app, save_locked, x_failure, Failure};
use crate::profile::{Profile, Purpose, Status, Store};
use crate::secret::Secret;
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
fn needs_refresh(p: &Profile, now: time::OffsetDateTime) -> bool {
    let margin = time::Duration::try_from(MARGIN).unwrap_or(time::Duration::MINUTE);
    match &p.token {
        Some(t) => {
            !crate::text::is_visible_ascii(&t.access_token)
                || t.expires_within(now, margin).unwrap_or(true)
        }
        None => true,
    }
}

/// What `token` says when X's new access token cannot be printed.
const UNPRINTABLE: &str = "X's new access token is empty or holds characters other than visible ASCII, so it is not printed; the new refresh token is saved: run the command again for another access token";

/// Checks what makes a refresh impossible; `Ok` when one may be tried.
fn refreshable(name: &str, p: &Profile) -> Result<Secret, Failure> {
    if let Some(Status {
        needs_reauth: true,
        reason,
    }) = &p.status
    {
        return Err(Failure::reauth(name, reason));
    }
    let Some(t) = &p.token else {
        return Err(Failure::reauth(name, "it holds no token: it was revoked"));
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
/// first when needed, or always with `force`.
pub async fn fresh(
    store: &Store,
    name: &str,
    api_override: Option<&str>,
    force: bool,
    warn: &mut (dyn std::io::Write + Send),
) -> Result<Fresh, Failure> {
    let first = load(store, name, warn)?;
    if !force && !needs_refresh(&first.profile, crate::timefmt::now()) {
        if let Some(Status {
            needs_reauth: true,
            reason,
        }) = &first.profile.status
        {
            return Err(Failure::reauth(name, reason));
        }
        return Ok(Fresh {
            profile: first.profile,
            refreshed: false,
        });
    }
    let mut lock = super::lock(store, name, Purpose::Refresh).await?;
    // Another process may have refreshed (or logged in again) while we waited for the lock.
    // What is read here is what the save checks it replaces.
    let mut profile = lock.load()?.profile;
    if !needs_refresh(&profile, crate::timefmt::now()) && (!force || profile != first.profile) {
        return Ok(Fresh {
            profile,
            refreshed: false,
        });
    }
    let refresh_token = refreshable(name, &profile)?;
    let endpoints = endpoints_for_sending(name, &profile, api_override, warn)?;
    let http = oauth::http_client().map_err(|e| x_failure(name, &e))?;
    match oauth::refresh_answer(&http, &oauth_app(&profile), &endpoints, &refresh_token).await {
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
                expires_at: String::new(),
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
            token.expires_at = crate::timefmt::rfc3339(expires_at);
            profile.status = None;
            save_locked(lock, &profile).await?;
            if !printable {
                return Err(Failure::new(exit::FAILURE, UNPRINTABLE));
            }
            Ok(Fresh {
                profile,
                refreshed: true,
            })
        }
        Err(e) => {
            let failure = x_failure(name, &e);
            if failure.code == exit::NEEDS_REAUTH {
                profile.status = Some(Status {
                    needs_reauth: true,
                    reason: e.to_string(),
                });
                save_locked(lock, &profile).await?;
            }
            Err(failure)
        }
    }
}
