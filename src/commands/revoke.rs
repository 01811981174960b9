//! `revoke`: ends the grant at X, then removes the tokens from the profile. The app settings
//! stay, so `xconnect login --profile NAME` re-authorizes without retyping anything.

use async_trait::async_trait;

use super::{endpoints_for_sending, exit, x_failure, Failure};
use crate::app::AppConfig;
use crate::profile::{Profile, Status};
use crate::secret::Secret;
use crate::store::file::Purpose;
use crate::store::{Change, Held, ProfileStore};
use crate::x::oauth::{self, TokenKind};

/// The reason a profile carries while its tokens are revoked at X: nothing refreshes it
/// meanwhile, and a revoke stopped half way says how to finish.
const REVOKING: &str = "its tokens are being revoked at X (an \"xconnect revoke\" was started; if it was stopped, run it again to finish)";

/// Revokes at X (refresh token first: that ends the whole grant; then the access token) and
/// saves the profile without its `[token]`, holding no lock while X answers (a slow X would
/// outlast a row's lease, and keep every other process waiting): the profile is first marked
/// as being revoked, which stops every refresh of it; then the tokens are revoked at X; then
/// the profile is written without them, unless a new login replaced them meanwhile. Stopped
/// half way, the profile says so, and the same command finishes it (X answers a token
/// already revoked as revoked). A revoke that X refused takes the mark off again.
pub async fn revoke(
    store: &mut dyn ProfileStore,
    name: &str,
    api_override: Option<&str>,
    warn: &mut (dyn std::io::Write + Send),
) -> Result<(), Failure> {
    let found = store.load(name).await?;
    for w in &found.warnings {
        let _ = writeln!(warn, "warning: {w}");
    }
    let mut mark = Mark {
        name,
        failure: None,
    };
    let marked = store
        .change_locked(name, Purpose::Revoke, &mut mark)
        .await?;
    if let Some(f) = mark.failure {
        return Err(f);
    }
    let tokens = token_pair(&marked);
    let outcome = at_x(name, marked, api_override, warn).await;
    let failure = outcome.as_ref().err().cloned();
    let mut record = Record {
        tokens,
        revoked: outcome.is_ok(),
    };
    store
        .change_locked(name, Purpose::Revoke, &mut record)
        .await?;
    match failure {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

/// A profile's tokens, to tell whether a new login replaced them.
fn token_pair(p: &Profile) -> Option<(String, Option<String>)> {
    p.token
        .as_ref()
        .map(|t| (t.access_token.clone(), t.refresh_token.clone()))
}

/// The first step: the profile marked as being revoked.
struct Mark<'a> {
    name: &'a str,
    failure: Option<Failure>,
}

#[async_trait]
impl Change for Mark<'_> {
    fn wanted(&mut self, _: &Profile) -> bool {
        true
    }

    async fn change(&mut self, mut p: Profile, _: &(dyn Held + Sync)) -> Option<Profile> {
        // Revoking a copy's tokens would end the owner's grant (either token ends it).
        if let Err(f) = super::refresh::not_a_copy(self.name, &p) {
            self.failure = Some(f);
            return None;
        }
        if p.token.is_none() {
            self.failure = Some(no_token(self.name));
            return None;
        }
        p.status = Some(Status {
            needs_reauth: true,
            reason: REVOKING.to_string(),
        });
        Some(p)
    }
}

/// The last step: the profile as it is now, without its tokens when X revoked them, and
/// without the mark either way; a new login made meanwhile stands as it is.
struct Record {
    tokens: Option<(String, Option<String>)>,
    revoked: bool,
}

#[async_trait]
impl Change for Record {
    fn wanted(&mut self, current: &Profile) -> bool {
        token_pair(current) == self.tokens
    }

    async fn change(&mut self, mut p: Profile, _: &(dyn Held + Sync)) -> Option<Profile> {
        // Whatever else changed meanwhile (a pull that froze it, say) stays.
        if self.revoked {
            p.token = None;
        }
        if p.status.as_ref().is_some_and(|s| s.reason == REVOKING) {
            p.status = None;
        }
        Some(p)
    }
}

fn no_token(name: &str) -> Failure {
    Failure::new(
        exit::NEEDS_REAUTH,
        format!("profile {name:?} holds no token: nothing to revoke"),
    )
}

/// Revokes the profile's tokens at X and returns it without them (app settings kept).
pub async fn at_x(
    name: &str,
    mut profile: Profile,
    api_override: Option<&str>,
    warn: &mut (dyn std::io::Write + Send),
) -> Result<Profile, Failure> {
    // Revoking a copy's tokens would end the owner's grant (either token ends it).
    super::refresh::not_a_copy(name, &profile)?;
    let Some(token) = profile.token.clone() else {
        return Err(no_token(name));
    };
    let endpoints = endpoints_for_sending(name, &profile, api_override, warn)?;
    let http = oauth::http_client().map_err(|e| x_failure(name, &e))?;
    let app = AppConfig::from(&profile.app);
    let failed = |e: crate::x::XError| {
        let code = if e.is_transient() {
            exit::UNAVAILABLE
        } else {
            exit::FAILURE
        };
        Failure::new(code, format!("X did not revoke the token: {e}"))
    };
    if let Some(r) = &token.refresh_token {
        let r = Secret::new(r.clone());
        oauth::revoke(&http, &app, &endpoints, &r, TokenKind::Refresh)
            .await
            .map_err(failed)?;
    }
    let a = Secret::new(token.access_token.clone());
    oauth::revoke(&http, &app, &endpoints, &a, TokenKind::Access)
        .await
        .map_err(failed)?;
    profile.token = None;
    profile.status = None;
    Ok(profile)
}
