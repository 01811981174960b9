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
    /// Both hosts are the built-in X emulator's (`--sandbox`): a profile made there is marked
    /// so, and its commands start the emulator again wherever its address now is.
    pub sandbox: bool,
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
            sandbox: false,
        }
    }

    /// The built-in X emulator at `base` (which serves both hosts).
    pub fn sandbox(base: &str) -> Result<Self, String> {
        Ok(Endpoints {
            sandbox: true,
            ..Endpoints::new(base, base)?
        })
    }

    /// Both bases, checked: absolute, https (http only for 127.0.0.1, localhost, [::1]).
    pub fn new(auth_base: &str, api_base: &str) -> Result<Self, String> {
        Ok(Endpoints {
            auth_base: check_base(auth_base, Source::Flag(AUTH_FLAG))?,
            api_base: check_base(api_base, Source::Flag(API_FLAG))?,
            sandbox: false,
        })
    }

    /// Overrides from flags or the environment, over X's defaults.
    /// Bases with where each came from (for the messages), over X's defaults.
    pub fn from_sources(
        auth: Option<(&str, Source)>,
        api: Option<(&str, Source)>,
    ) -> Result<Self, String> {
        let d = Endpoints::x();
        Ok(Endpoints {
            auth_base: match auth {
                Some((a, source)) => check_base(a, source)?,
                None => d.auth_base,
            },
            api_base: match api {
                Some((a, source)) => check_base(a, source)?,
                None => d.api_base,
            },
            sandbox: false,
        })
    }

    pub fn is_x(&self) -> bool {
        *self == Endpoints::x()
    }

    /// Whether the API host, where tokens are sent, is X's or this machine's.
    pub fn api_is_x_or_local(&self) -> bool {
        is_x_host(&self.api_base) || is_loopback_host(&self.api_base)
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

pub const AUTH_FLAG: &str = "--auth-base";
pub const API_FLAG: &str = "--api-base";
pub const AUTH_ENV: &str = "XCONNECT_AUTH_BASE";
pub const API_ENV: &str = "XCONNECT_API_BASE";

/// X's own hosts, old and new.
const X_HOSTS: [&str; 4] = ["x.com", "api.x.com", "twitter.com", "api.twitter.com"];

/// Whether a base is one of X's hosts over https.
pub fn is_x_host(url: &Url) -> bool {
    url.scheme() == "https"
        && matches!(url.host(), Some(url::Host::Domain(d))
            if X_HOSTS.iter().any(|x| d.trim_end_matches('.').eq_ignore_ascii_case(x)))
}

/// Where a base address came from: said in the messages about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag (`--api-base`).
    Flag(&'static str),
    /// An environment variable (`XCONNECT_API_BASE`).
    Env(&'static str),
    /// A key of the profile file's `[endpoints]` (`api_base`).
    ProfileFile(&'static str),
}

impl Source {
    /// The value as it was given, for a message: `--api-base V`, `XCONNECT_API_BASE=V`,
    /// `api_base = "V" in the profile file's [endpoints]`.
    pub fn show(self, value: &str) -> String {
        let value = crate::text::escape(value, 200);
        match self {
            Source::Flag(flag) => format!("{flag} {value}"),
            Source::Env(env) => format!("{env}={value}"),
            Source::ProfileFile(key) => {
                format!("{key} = \"{value}\" in the profile file's [endpoints]")
            }
        }
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

fn check_base(value: &str, source: Source) -> Result<Url, String> {
    let given = source.show(value);
    let url = Url::parse(value)
        .map_err(|e| format!("{given} is not a URL ({e}); expected e.g. https://api.x.com"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(format!(
            "{given}: plain http is only allowed for 127.0.0.1, localhost or [::1]; use https://"
        ))
        }
        s => {
            return Err(format!(
                "{given}: use https:// (not {}:)",
                crate::text::escape(s, 40)
            ))
        }
    }
    if url.host().is_none() || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{given}: give only scheme, host and port, as in https://api.x.com"
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
        assert!(Endpoints::from_sources(None, Some(("ftp://x", Source::Flag(API_FLAG)))).is_err());
        assert!(Endpoints::from_sources(None, None)
            .expect("defaults")
            .is_x());
    }

    #[test]
    fn messages_say_where_a_base_came_from() {
        let file = Endpoints::from_sources(
            None,
            Some((
                "http://example.com\u{1b}[2J",
                Source::ProfileFile("api_base"),
            )),
        )
        .unwrap_err();
        assert!(
            file.starts_with(
                "api_base = \"http://example.com\\u{1b}[2J\" in the profile file's [endpoints] is not a URL"
            ),
            "{file}"
        );
        let env =
            Endpoints::from_sources(Some(("ftp://x", Source::Env(AUTH_ENV))), None).unwrap_err();
        assert_eq!(env, "XCONNECT_AUTH_BASE=ftp://x: use https:// (not ftp:)");
        let flag =
            Endpoints::from_sources(None, Some(("nope", Source::Flag(API_FLAG)))).unwrap_err();
        assert!(flag.starts_with("--api-base nope is not a URL"), "{flag}");
    }

    #[test]
    fn x_and_this_machine_are_where_tokens_may_go() {
        for (base, ok) in [
            ("https://api.x.com", true),
            ("https://API.Twitter.com.", true),
            ("https://x.com:443", true),
            ("http://127.0.0.1:9", true),
            ("http://localhost:9", true),
            ("https://[::1]:9", true),
            ("http://api.x.com", false),
            ("https://api.x.com.evil.example", false),
            ("https://0.0.0.0:9", false),
            ("https://example.com", false),
        ] {
            let e = Endpoints {
                auth_base: Url::parse(X_AUTH_BASE).unwrap(),
                api_base: Url::parse(base).unwrap(),
                sandbox: false,
            };
            assert_eq!(e.api_is_x_or_local(), ok, "{base}");
        }
    }
}
