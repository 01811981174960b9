//! The one login flow, step by step. The wizard runs each step as a command of its own (it
//! shows each phase); `xconnect login` runs them in a row. Both go through these functions, so
//! a rule of the flow (what the sandbox registers, when a listener runs, what is saved) is
//! written once.
//!
//! 1. [`start`]: the authorization link (PKCE, state) and, in the sandbox, the app registered
//!    as described.
//! 2. [`listen`]: for a loopback callback, the listener that catches the redirect.
//! 3. [`exchange`]: the code for tokens.
//! 4. [`prove`]: `GET /2/users/me` with the new token.
//! 5. [`persist`]: the profile built from all that, saved under its lock.

use url::Url;

use super::build_profile;
use crate::app::AppConfig;
use crate::callback::{self, Listener};
use crate::profile::Profile;
use crate::sandbox::Sandbox;
use crate::secret::Secret;
use crate::store::ProfileStore;
use crate::x::oauth::{self, Pending, Tokens};
use crate::x::users::{self, Account};
use crate::x::{Endpoints, XError};

/// Step 1: a new link. In the sandbox, its portal first registers the app exactly as described.
pub fn start(
    settings: &AppConfig,
    endpoints: &Endpoints,
    sandbox: Option<&Sandbox>,
) -> Result<Pending, XError> {
    if let Some(s) = sandbox {
        s.register_app(settings.sandbox_app());
    }
    oauth::authorization(settings, endpoints)
}

/// Step 2: the callback when X sends the browser to this machine (`http://127.0.0.1:PORT/…`
/// or localhost), `None` for any other callback.
pub fn loopback(settings: &AppConfig) -> Option<Url> {
    Url::parse(&settings.callback_url)
        .ok()
        .filter(callback::is_loopback_callback)
}

/// Step 2: the listener on exactly that address.
pub async fn listen(callback: &Url) -> std::io::Result<Listener> {
    Listener::bind(callback).await
}

/// Step 3: the code for tokens.
pub async fn exchange(
    http: &reqwest::Client,
    settings: &AppConfig,
    endpoints: &Endpoints,
    code: &Secret,
    verifier: &Secret,
) -> Result<Tokens, XError> {
    oauth::exchange(http, settings, endpoints, code, verifier).await
}

/// Step 4: the proof that the token works, and whose it is.
pub async fn prove(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    access_token: &Secret,
) -> Result<Account, XError> {
    users::me(http, endpoints, access_token).await
}

/// Step 5: what the login leaves behind. A failed proof still saves the tokens, unverified.
pub fn profile(
    settings: &AppConfig,
    tokens: &Tokens,
    proof: &Result<Account, XError>,
    endpoints: &Endpoints,
    now: time::OffsetDateTime,
) -> Profile {
    build_profile(settings, tokens, proof, endpoints, now)
}

/// Why [`persist`] did not save.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// A profile of that name exists and replacing it was not asked for; nothing was written.
    #[error("a profile named {0:?} exists already")]
    Exists(String),
    #[error(transparent)]
    Store(crate::store::StoreError),
}

/// Step 5: saves the profile where profiles live, and says where: the file under its lock
/// (off the runtime's threads), or the shared store's row, whose new generation a refresh that
/// read the old login can no longer write over. Without `overwrite` an existing profile of
/// that name is left alone.
pub async fn persist(
    store: &mut dyn ProfileStore,
    name: &str,
    profile: &Profile,
    overwrite: bool,
) -> Result<String, PersistError> {
    store
        .save(name, profile, overwrite)
        .await
        .map_err(|e| match e.kind() {
            crate::store::Kind::Exists => PersistError::Exists(name.to_string()),
            _ => PersistError::Store(e),
        })
}
