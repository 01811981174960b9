//! A login, whichever way it runs (the wizard, or `xconnect login --no-tui`): the app comes
//! as an [`AppConfig`], and a successful login leaves a profile behind.

pub mod cli;
pub mod flow;

use crate::app::AppConfig;
use crate::profile::{self, Profile};
use crate::store::file::SaveError;
use crate::x::oauth::Tokens;
use crate::x::users::Account;
use crate::x::{Endpoints, XError};

/// Why a login did not end with a saved profile. The kind decides the exit code (see
/// `commands::exit`): X's errors carry whether trying again later may work.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// A flag or value is wrong; nothing was asked of X.
    #[error("{0}")]
    Invalid(String),
    /// A profile of that name exists and replacing it was not asked for.
    #[error("a profile named {0:?} exists already; pass --force to replace it")]
    Exists(String),
    /// The redirected address was wrong (state, Cancel on X's page, no code), or none came.
    #[error("{0}")]
    Redirect(String),
    #[error("no redirect arrived within {0} seconds; run the login again")]
    NoRedirect(u64),
    /// X refused, or could not be reached.
    #[error(transparent)]
    X(#[from] XError),
    /// The login worked but the profile could not be saved.
    #[error("{0}")]
    Save(SaveError),
    /// The shared store could not be reached or refused.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// What a finished login saves. A proof that failed (`/2/users/me` refused or unreachable)
/// still saves the tokens, marked unverified with the reason: a token is never thrown away.
pub fn build_profile(
    settings: &AppConfig,
    tokens: &Tokens,
    proof: &Result<Account, XError>,
    endpoints: &Endpoints,
    now: time::OffsetDateTime,
) -> Profile {
    let account = match proof {
        Ok(a) => profile::Account {
            id: a.id.clone(),
            username: a.username.clone(),
            name: a.name.clone(),
            verified: true,
            note: None,
        },
        Err(e) => profile::Account {
            id: String::new(),
            username: String::new(),
            name: String::new(),
            verified: false,
            note: Some(e.to_string()),
        },
    };
    Profile {
        version: profile::CURRENT_VERSION,
        app: profile::AppSettings::from(settings),
        account: Some(account),
        token: Some(profile::Token {
            access_token: tokens.access_token.expose().to_string(),
            refresh_token: tokens
                .refresh_token
                .as_ref()
                .map(|s| s.expose().to_string()),
            token_type: tokens.token_type.clone(),
            scope: if tokens.scope.is_empty() {
                settings.scopes.join(" ")
            } else {
                tokens.scope.clone()
            },
            expires_at: crate::timefmt::whole_utc(tokens.expires_at(now)),
        }),
        endpoints: (!endpoints.is_x()).then(|| profile::Endpoints {
            auth_base: endpoints
                .auth_base
                .as_str()
                .trim_end_matches('/')
                .to_string(),
            api_base: endpoints
                .api_base
                .as_str()
                .trim_end_matches('/')
                .to_string(),
            sandbox: endpoints.sandbox,
        }),
        status: None,
        moved: None,
        origin: None,
    }
}
