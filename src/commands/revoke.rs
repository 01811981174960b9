//! `revoke`: ends the grant at X, then removes the tokens from the file. The app settings
//! stay, so `xconnect login --profile NAME` re-authorizes without retyping anything.

use super::{endpoints_for_sending, exit, load_locked, save_locked, x_failure, Failure};
use crate::app::AppConfig;
use crate::profile::{Profile, Purpose, Status, Store};
use crate::secret::Secret;
use crate::store::{PgStore, Update};
use crate::x::oauth::{self, TokenKind};

/// Revokes at X (refresh token first: that ends the whole grant; then the access token)
/// and saves the profile without its `[token]`.
pub async fn revoke(
    store: &Store,
    name: &str,
    api_override: Option<&str>,
    warn: &mut (dyn std::io::Write + Send),
) -> Result<(), Failure> {
    let mut lock = super::lock(store, name, Purpose::Revoke).await?;
    let profile = load_locked(&mut lock, warn)?.profile;
    let profile = at_x(name, profile, api_override, warn).await?;
    save_locked(lock, &profile).await
}

/// The reason a row carries while its tokens are revoked at X: no machine refreshes it
/// meanwhile, and a revoke stopped half way says how to finish.
const REVOKING: &str = "its tokens are being revoked at X (an \"xconnect revoke\" was started; if it was stopped, run it again to finish)";

/// [`revoke`] on the shared store, holding no transaction while X answers (a slow X would
/// outlast the row's lease): the row is first marked as being revoked, which stops every
/// refresh of it; then the tokens are revoked at X; then the row is written without them,
/// unless a new login replaced it meanwhile. Stopped half way, the row says so, and the same
/// command finishes it (X answers a token already revoked as revoked). A revoke that X
/// refused takes the mark off again.
pub async fn revoke_shared(
    store: &mut PgStore,
    name: &str,
    api_override: Option<&str>,
    warn: &mut (dyn std::io::Write + Send),
) -> Result<(), Failure> {
    let marked = store
        .update_locked(name, |current, _| async move {
            let mut p = current.profile;
            if let Err(f) = super::refresh::not_a_copy(name, &p) {
                return Update::Fail(f);
            }
            if p.token.is_none() {
                return Update::Fail(no_token(name));
            }
            p.status = Some(Status {
                needs_reauth: true,
                reason: REVOKING.to_string(),
            });
            Update::Write(p)
        })
        .await??;
    let generation = marked.generation;
    let tokens = marked
        .profile
        .token
        .as_ref()
        .map(|t| (t.access_token.clone(), t.refresh_token.clone()));
    let outcome = at_x(name, marked.profile, api_override, warn).await;
    let result = outcome.clone();
    store
        .update_locked(name, |current, _| async move {
            let now = current
                .profile
                .token
                .as_ref()
                .map(|t| (t.access_token.clone(), t.refresh_token.clone()));
            let ours = current.generation == generation && now == tokens;
            match outcome {
                // A new login replaced the row meanwhile: it stands.
                _ if !ours => Update::<Failure>::Keep,
                // The row as it is now, without its tokens: whatever else changed meanwhile (a
                // pull that froze it, say) stays.
                Ok(_) => {
                    let mut p = current.profile;
                    p.token = None;
                    if p.status.as_ref().is_some_and(|s| s.reason == REVOKING) {
                        p.status = None;
                    }
                    Update::Write(p)
                }
                Err(_) => {
                    let mut p = current.profile;
                    if p.status.as_ref().is_some_and(|s| s.reason == REVOKING) {
                        p.status = None;
                    }
                    Update::Write(p)
                }
            }
        })
        .await??;
    result.map(|_| ())
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
