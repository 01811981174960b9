//! `revoke`: ends the grant at X, then removes the tokens from the file. The app settings
//! stay, so `xconnect login --profile NAME` re-authorizes without retyping anything.

use super::{endpoints_for_sending, exit, load_locked, oauth_app, save_locked, x_failure, Failure};
use crate::profile::{Purpose, Store};
use crate::secret::Secret;
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
    let mut profile = load_locked(&mut lock, warn)?.profile;
    let Some(token) = profile.token.clone() else {
        return Err(Failure::new(
            exit::NEEDS_REAUTH,
            format!("profile {name:?} holds no token: nothing to revoke"),
        ));
    };
    let endpoints = endpoints_for_sending(name, &profile, api_override, warn)?;
    let http = oauth::http_client().map_err(|e| x_failure(name, &e))?;
    let app = oauth_app(&profile);
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
    save_locked(lock, &profile).await
}
