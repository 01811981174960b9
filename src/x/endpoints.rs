//! X's two hosts: the browser host (x.com) and the API host (api.x.com). Both can be pointed
//! elsewhere (the sandbox, a test server); plain http only on this machine.

use url::Url;

use crate::validate::is_loopback_host;

pub const X_AUTH_BASE: &str = "https://x.com";
pub const X_API_BASE: &str = "https://api.x.com";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub auth_base: Url,
    pub api_base: Url,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints::x()
    }
}

impl Endpoints {
    /// X's own hosts.
    pub fn x() -> Self {
        Endpoints {
            auth_base: Url::parse(X_AUTH_BASE).unwrap_or_else(|_| unreachable_base()),
            api_base: Url::parse(X_API_BASE).unwrap_or_else(|_| unreachable_base()),
        }
    }

    /// Both bases, checked: absolute, https (http only for 127.0.0.1, localhost, [::1]).
    pub fn new(auth_base: &str, api_base: &str) -> Result<Self, String> {
        Ok(Endpoints {
            auth_base: check_base(auth_base, "--auth-base")?,
            api_base: check_base(api_base, "--api-base")?,
        })
    }

    /// Overrides from flags or the environment, over X's defaults.
    pub fn with_overrides(auth: Option<&str>, api: Option<&str>) -> Result<Self, String> {
        let d = Endpoints::x();
        Ok(Endpoints {
            auth_base: match auth {
                Some(a) => check_base(a, "--auth-base")?,
                None => d.auth_base,
            },
            api_base: match api {
                Some(a) => check_base(a, "--api-base")?,
                None => d.api_base,
            },
        })
    }

    pub fn is_x(&self) -> bool {
        *self == Endpoints::x()
    }

    pub fn authorize(&self) -> String {
        join(&self.auth_base, "/i/oauth2/authorize")
    }
    pub fn token(&self) -> String {
        join(&self.api_base, "/2/oauth2/token")
    }
    pub fn revoke(&self) -> String {
        join(&self.api_base, "/2/oauth2/revoke")
    }
    pub fn users_me(&self) -> String {
        join(&self.api_base, "/2/users/me")
    }
}

/// A constant that parses; kept out of line so no `unwrap` is needed on it.
#[cold]
fn unreachable_base() -> Url {
    Url::parse("https://x.com").unwrap_or_else(|_| std::process::abort())
}

fn join(base: &Url, path: &str) -> String {
    format!("{}{path}", base.as_str().trim_end_matches('/'))
}

fn check_base(value: &str, flag: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| {
        format!("{flag} {value:?} is not a URL ({e}); expected e.g. https://api.x.com")
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(format!(
                "{flag} {value}: plain http is only allowed for 127.0.0.1, localhost or [::1]; use https://"
            ))
        }
        s => return Err(format!("{flag} {value}: use https:// (not {s}:)")),
    }
    if url.host().is_none() || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{flag} {value}: give only scheme, host and port, as in https://api.x.com"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let x = Endpoints::x();
        assert_eq!(x.authorize(), "https://x.com/i/oauth2/authorize");
        assert_eq!(x.token(), "https://api.x.com/2/oauth2/token");
        assert_eq!(x.users_me(), "https://api.x.com/2/users/me");
        let s = Endpoints::new("http://127.0.0.1:9", "http://localhost:9/").expect("loopback");
        assert_eq!(s.token(), "http://localhost:9/2/oauth2/token");
        assert!(!s.is_x());
        assert!(Endpoints::new("http://example.com", "https://api.x.com")
            .unwrap_err()
            .contains("only allowed for 127.0.0.1"));
        assert!(Endpoints::with_overrides(None, Some("ftp://x")).is_err());
        assert!(Endpoints::with_overrides(None, None)
            .expect("defaults")
            .is_x());
    }
}
