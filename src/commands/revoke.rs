//! `revoke`: ends the grant at X, then removes the tokens from the file. The app settings
//! stay, so `xconnect login --profile NAME` re-authorizes without retyping anything.

use super::{endpoints_for_sending, exit, load_locked, save_locked, x_failure, Failure};
use crate::app::AppConfig;
use crate::profile::{Profile, Purpose, Store};
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

/// [`revoke`] on the shared store: the same calls to X, inside one transaction holding the
/// profile's row lock, and the row without its token committed before this returns.
pub async fn revoke_shared(
    store: &mut PgStore,
    name: &str,
    api_override: Option<&str>,
    warn: &mut (dyn std::io::Write + Send),
) -> Result<(), Failure> {
    store
        .update_locked(name, |current| async move {
            match at_x(name, current.profile, api_override, warn).await {
                Ok(profile) => Update::Write(profile),
                Err(f) => Update::Fail(f),
            }
        })
        .await??;
    Ok(())
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
        return Err(Failure::new(
            exit::NEEDS_REAUTH,
            format!("profile {name:?} holds no token: nothing to revoke"),
        ));
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
