//! The one description of an X app: what the developer portal shows and a login needs. The
//! wizard's fields, `login`'s flags and a profile's `[app]` table map onto it, and the OAuth
//! calls take it as it is.

use crate::profile::AppSettings;
use crate::secret::Secret;
use crate::x::AppType;

/// An X app, as the person described it or as a profile keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppConfig {
    /// The OAuth 2.0 Client ID.
    pub client_id: String,
    /// `Some` for a confidential app (Web App, Automated App or Bot).
    pub client_secret: Option<Secret>,
    pub app_type: AppType,
    /// The Callback URI / Redirect URL, exactly as in the portal.
    pub callback_url: String,
    /// The Website URL (kept in the profile for reference).
    pub website_url: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// The portal's App permissions as set up: X grants no scope above them, whatever is
    /// asked for.
    pub permission: crate::x::Permission,
}

impl AppConfig {
    /// The app as the sandbox's portal registers it: exactly as described.
    pub fn sandbox_app(&self) -> crate::sandbox::SandboxApp {
        crate::sandbox::SandboxApp {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.as_ref().map(|s| s.expose().to_string()),
            callback_urls: vec![self.callback_url.clone()],
            enrolled: true,
            permission: self.permission,
        }
    }
}

/// A profile's `[app]` table, for the calls a saved profile makes (refresh, revoke): its
/// Client Secret as the file keeps it.
impl From<&AppSettings> for AppConfig {
    fn from(a: &AppSettings) -> Self {
        AppConfig {
            client_id: a.client_id.clone(),
            client_secret: a.client_secret.as_ref().map(Secret::new),
            app_type: a.app_type,
            callback_url: a.callback_url.clone(),
            website_url: a.website_url.clone(),
            scopes: a.scopes.clone(),
            // Not kept in a profile: the level its scopes need.
            permission: a
                .scopes
                .iter()
                .map(|s| crate::x::Permission::needed_for(s))
                .max()
                .unwrap_or_default(),
        }
    }
}

/// The `[app]` table a login saves.
impl From<&AppConfig> for AppSettings {
    fn from(a: &AppConfig) -> Self {
        AppSettings {
            client_id: a.client_id.clone(),
            client_secret: a.client_secret.as_ref().map(|s| s.expose().to_string()),
            app_type: a.app_type,
            callback_url: a.callback_url.clone(),
            website_url: a.website_url.clone(),
            scopes: a.scopes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_table_and_back() {
        let table = AppSettings {
            client_id: "id".into(),
            client_secret: Some("secret".into()),
            app_type: AppType::Web,
            callback_url: "https://example.com/cb".into(),
            website_url: "https://example.com".into(),
            scopes: vec!["tweet.read".into(), "offline.access".into()],
        };
        let app = AppConfig::from(&table);
        assert_eq!(
            app.client_secret.as_ref().map(Secret::expose),
            Some("secret")
        );
        assert!(!format!("{app:?}").contains("secret\""), "{app:?}");
        assert_eq!(AppSettings::from(&app), table);
    }
}
