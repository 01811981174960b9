//! The shared store's address: a `postgres://` URL, read the way libpq reads one where it
//! matters here (`sslmode` including `verify-ca`/`verify-full`, `sslrootcert`, the password
//! from the URL, `PGPASSWORD` or the password file), and its redacted form for messages.
//!
//! The password never leaves this module except into the connection itself: [`StoreUrl`]'s
//! `Debug` and [`StoreUrl::redacted`] show `***` in its place.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::config::{Config, Host};

/// What `--store`/`XCONNECT_STORE` is called in messages.
pub const STORE_ENV: &str = "XCONNECT_STORE";

/// How a password stands in messages.
const HIDDEN: &str = "***";

/// The most the password file may hold (libpq sets no bound; a file of a few lines is usual).
const MAX_PASSWORD_FILE: u64 = 1 << 20;

/// How the connection is protected (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, unverified; plain otherwise (libpq's default).
    Prefer,
    /// TLS or no connection; the certificate is checked only against `sslrootcert` when given.
    Require,
    /// TLS, the certificate chain checked against the roots; any host name.
    VerifyCa,
    /// TLS, the chain checked and the certificate naming the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Which certificates a verified connection trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The PEM file named by `sslrootcert` (or `~/.postgresql/root.crt`).
    File(PathBuf),
    /// The public web roots (`sslrootcert=system`, or no file at all).
    System,
}

/// A parsed store address, ready to connect.
#[derive(Clone)]
pub struct StoreUrl {
    /// For tokio-postgres: everything but what is handled here (sslmode, sslrootcert).
    config: Config,
    ssl: SslMode,
    roots: Option<Roots>,
    /// The address as given, password replaced.
    redacted: String,
    /// `host:port/db`, the short name of the store in messages.
    label: String,
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreUrl")
            .field("url", &self.redacted)
            .field("ssl", &self.ssl)
            .field("roots", &self.roots)
            .finish()
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// Where a password may come from besides the URL (the environment, read once by the caller).
#[derive(Debug, Clone, Default)]
pub struct PasswordSources {
    /// `PGPASSWORD`.
    pub env: Option<String>,
    /// `PGPASSFILE`, else `~/.pgpass`.
    pub file: Option<PathBuf>,
    /// `~/.postgresql/root.crt`, used as `sslrootcert` when it exists and none is named.
    pub default_root: Option<PathBuf>,
}

impl PasswordSources {
    /// What this process's environment says.
    pub fn from_env() -> PasswordSources {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        let file = std::env::var_os("PGPASSFILE")
            .filter(|f| !f.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".pgpass")));
        PasswordSources {
            env: std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()),
            file,
            default_root: home.map(|h| h.join(".postgresql").join("root.crt")),
        }
    }
}

/// Replaces the password of a URL-shaped text with `***`, and any `password=` parameter too.
/// Works on text that does not parse, so a message about a bad address can still show it.
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    // user:password@ — the last '@' before the path ends the user info.
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let rest = &out[rest_start..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                let end = rest_start + at;
                out.replace_range(start..end, HIDDEN);
            }
        }
    }
    // ?password=… or &password=…
    let mut searched = 0;
    while let Some(found) = out[searched..].find("password=") {
        let key_start = searched + found;
        let before = out[..key_start].chars().next_back();
        let value_start = key_start + "password=".len();
        if matches!(before, Some('?') | Some('&') | Some(' ')) || key_start == 0 {
            let value_end = out[value_start..]
                .find(['&', ' ', '#'])
                .map_or(out.len(), |i| value_start + i);
            out.replace_range(value_start..value_end, HIDDEN);
            searched = value_start + HIDDEN.len();
        } else {
            searched = value_start;
        }
    }
    // Control characters would reach the terminal as they are.
    out.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

impl StoreUrl {
    /// Reads `--store`/`XCONNECT_STORE`. Errors never repeat the password.
    pub fn parse(text: &str, sources: &PasswordSources) -> Result<StoreUrl, String> {
        let redacted = redact(text.trim());
        let bad = |why: &str| format!("the store address {redacted} {why}");
        let text = text.trim();
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            return Err(bad(
                "is not a PostgreSQL URL; use postgres://USER@HOST:PORT/DATABASE",
            ));
        }
        // The query is read here (tokio-postgres knows no verify-ca/verify-full and no
        // sslrootcert); the rest goes to tokio-postgres as written, so libpq's URL forms
        // (several hosts, a socket folder as host) keep working.
        let (base, query) = match text.split_once('?') {
            Some((base, query)) => (base, query),
            None => (text, ""),
        };
        let mut ssl = SslMode::Prefer;
        let mut root_param: Option<String> = None;
        let mut kept = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "sslmode" => {
                    ssl = SslMode::parse(&value).ok_or_else(|| {
                        bad(&format!(
                            "has sslmode={}; use disable, prefer, require, verify-ca or verify-full",
                            redact(&value)
                        ))
                    })?
                }
                "sslrootcert" => root_param = Some(value.into_owned()),
                // libpq's client-certificate options: not supported here, so not silently ignored.
                "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir" => {
                    return Err(bad(&format!(
                        "has {key}=…, which xconnect does not support (client certificates); use a password"
                    )))
                }
                _ => {
                    kept.append_pair(&key, &value);
                }
            }
        }
        let kept = kept.finish();
        let rebuilt = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{kept}")
        };
        let mut config = Config::from_str(&rebuilt).map_err(|e| {
            let cause = std::error::Error::source(&e)
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            let said = scrub(&redact(&format!("{e}{cause}")), text);
            bad(&format!("cannot be used ({said})"))
        })?;
        if config.get_hosts().is_empty() {
            return Err(bad("names no host; use postgres://USER@HOST:PORT/DATABASE or ?host=/path/of/the/socket/folder"));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(crate::x::oauth::CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("xconnect");
        }
        // Keepalives find a vanished server during a long wait for a row lock.
        config.keepalives_idle(Duration::from_secs(10));
        config.ssl_mode(match ssl {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        let roots = match root_param.as_deref() {
            Some("system") => Some(Roots::System),
            Some("") | None => sources
                .default_root
                .as_ref()
                .filter(|p| p.is_file())
                .map(|p| Roots::File(p.clone())),
            Some(path) => Some(Roots::File(PathBuf::from(path))),
        };
        if matches!(ssl, SslMode::VerifyCa | SslMode::VerifyFull)
            && config
                .get_hosts()
                .iter()
                .all(|h| !matches!(h, Host::Tcp(_)))
        {
            return Err(bad(&format!(
                "has sslmode={} but only a Unix socket host: PostgreSQL has no TLS on sockets",
                ssl.as_str()
            )));
        }
        let label = label(&config);
        let mut store = StoreUrl {
            config,
            ssl,
            roots,
            redacted,
            label,
        };
        if store.config.get_password().is_none() {
            if let Some(p) = sources.env.as_ref() {
                store.config.password(p.as_str());
            } else if let Some(file) = sources.file.as_deref() {
                if let Some(p) = store.password_from_file(file) {
                    store.config.password(p);
                }
            }
        }
        Ok(store)
    }

    /// The address as given, password replaced by `***`.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// `host:port/database`: which store a message is about.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn ssl(&self) -> SslMode {
        self.ssl
    }

    pub fn roots(&self) -> Option<&Roots> {
        self.roots.as_ref()
    }

    /// The connection settings for tokio-postgres (password included: never print them
    /// other than through their own redacting `Debug`).
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn has_password(&self) -> bool {
        self.config.get_password().is_some()
    }

    /// The password file's line for this connection (libpq's rules: the first line whose
    /// host, port, database and user match, `*` matching anything). A file others can read
    /// is ignored, as libpq does.
    fn password_from_file(&self, file: &Path) -> Option<String> {
        use std::os::unix::fs::PermissionsExt;
        // A link is followed, as libpq does; a FIFO or a device is not waited on, and the
        // mode is that of the file read (see crate::fsread).
        let (bytes, meta) =
            crate::fsread::read_with(file, MAX_PASSWORD_FILE, crate::fsread::Links::Follow).ok()?;
        if meta.permissions().mode() & 0o077 != 0 {
            return None;
        }
        let text = String::from_utf8(bytes).ok()?;
        let host = match self.config.get_hosts().first()? {
            Host::Tcp(h) => h.clone(),
            Host::Unix(p) if p == Path::new("/var/run/postgresql") => "localhost".to_string(),
            Host::Unix(p) => p.to_string_lossy().into_owned(),
        };
        let port = self
            .config
            .get_ports()
            .first()
            .copied()
            .unwrap_or(5432)
            .to_string();
        let user = self
            .config
            .get_user()
            .map(str::to_string)
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_default();
        let db = self
            .config
            .get_dbname()
            .map(str::to_string)
            .unwrap_or_else(|| user.clone());
        pgpass_lookup(&text, &host, &port, &db, &user)
    }
}

/// `host:port/db` of a config (first host; a socket folder shown as its path).
fn label(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) if h.contains(':') => format!("[{h}]"),
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.to_string_lossy().into_owned(),
        None => "?".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    let text = format!("{host}:{port}/{db}");
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `message` with the password of the URL `text` (if any) replaced, wherever it appears.
fn scrub(message: &str, text: &str) -> String {
    let password = text
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or(""))
        .and_then(|authority| authority.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password)
        .filter(|p| !p.is_empty());
    match password {
        Some(p) => message.replace(p, HIDDEN),
        None => message.to_string(),
    }
}

/// libpq's password file: `hostname:port:database:username:password`, `*` matches anything,
/// `\:` and `\\` escape; `#` starts a comment line. The first match wins.
pub fn pgpass_lookup(text: &str, host: &str, port: &str, db: &str, user: &str) -> Option<String> {
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        let Ok([h, p, d, u, password]) = <[String; 5]>::try_from(fields) else {
            continue;
        };
        let matches = |field: &str, value: &str| field == "*" || field == value;
        if matches(&h, host) && matches(&p, port) && matches(&d, db) && matches(&u, user) {
            return Some(password);
        }
    }
    None
}

/// Splits one password-file line into its fields (the last takes the rest of the line).
fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    if let Some(last) = fields.last_mut() {
                        last.push(next);
                    }
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(last) = fields.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr3t-pa55";

    fn none() -> PasswordSources {
        PasswordSources::default()
    }

    #[test]
    fn the_password_never_shows() {
        let texts = [
            format!("postgres://app:{SECRET}@db.example.com:5433/xc?sslmode=require"),
            format!("postgresql://app:{SECRET}@db.example.com/xc"),
            format!("postgres://app@db.example.com/xc?password={SECRET}&sslmode=disable"),
            format!("postgres://app:{SECRET}@db.example.com/xc?password={SECRET}"),
        ];
        for text in &texts {
            let url = StoreUrl::parse(text, &none()).unwrap();
            assert!(url.has_password(), "{text}");
            let shown = [
                url.redacted().to_string(),
                url.label().to_string(),
                format!("{url}"),
                format!("{url:?}"),
                format!("{:?}", url.config()),
            ];
            for s in shown {
                assert!(!s.contains(SECRET), "{s}");
            }
            assert!(url.redacted().contains("***"), "{}", url.redacted());
            assert_eq!(url.config().get_password(), Some(SECRET.as_bytes()));
        }
        // Bad addresses are reported redacted too.
        for text in [
            format!("postgres://app:{SECRET}@db.example.com:notaport/xc"),
            format!("postgres://app:{SECRET}@db.example.com/xc?sslmode=bogus"),
            format!("postgres://app:{SECRET}@db.example.com/xc?nosuchoption=1"),
            format!("mysql://app:{SECRET}@db.example.com/xc"),
            format!("postgres://app:{SECRET}@db.example.com/xc?sslcert=/x"),
            format!("postgres://app:{SECRET}@[::1/xc"),
        ] {
            let err = StoreUrl::parse(&text, &none()).unwrap_err();
            assert!(!err.contains(SECRET), "{err}");
            assert!(err.contains("***"), "{err}");
        }
        assert_eq!(
            redact(&format!(
                "postgres://a:{SECRET}@h/d?x=1&password={SECRET}&y=2"
            )),
            "postgres://a:***@h/d?x=1&password=***&y=2"
        );
        assert_eq!(redact("postgres://a@h/d"), "postgres://a@h/d");
        assert_eq!(redact("postgres://a:b@c@h/d"), "postgres://a:***@h/d");
    }

    #[test]
    fn sslmodes_and_roots() {
        let url = StoreUrl::parse("postgres://u@h/d", &none()).unwrap();
        assert_eq!(url.ssl(), SslMode::Prefer);
        assert_eq!(url.roots(), None);
        for (mode, ours, theirs) in [
            ("disable", SslMode::Disable, "Disable"),
            ("prefer", SslMode::Prefer, "Prefer"),
            ("require", SslMode::Require, "Require"),
            ("verify-ca", SslMode::VerifyCa, "Require"),
            ("verify-full", SslMode::VerifyFull, "Require"),
        ] {
            let url =
                StoreUrl::parse(&format!("postgres://u@h/d?sslmode={mode}"), &none()).unwrap();
            assert_eq!(url.ssl(), ours);
            assert_eq!(format!("{:?}", url.config().get_ssl_mode()), theirs);
            assert!(url.redacted().contains(mode));
        }
        let url = StoreUrl::parse(
            "postgres://u@h/d?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            &none(),
        )
        .unwrap();
        assert_eq!(url.roots(), Some(&Roots::File("/etc/ca.pem".into())));
        let url = StoreUrl::parse(
            "postgres://u@h/d?sslmode=verify-full&sslrootcert=system",
            &none(),
        )
        .unwrap();
        assert_eq!(url.roots(), Some(&Roots::System));
        let err = StoreUrl::parse("postgres://u@/d?host=/run/pg&sslmode=verify-full", &none())
            .unwrap_err();
        assert!(err.contains("Unix socket"), "{err}");
    }

    #[test]
    fn labels_name_the_store() {
        let url = StoreUrl::parse("postgres://u:p@db.example.com:6432/xc", &none()).unwrap();
        assert_eq!(url.label(), "db.example.com:6432/xc");
        let url = StoreUrl::parse("postgres://u@h/", &none()).unwrap();
        assert_eq!(url.label(), "h:5432/u");
        let url = StoreUrl::parse("postgres://u@%2Ftmp%2Fpg/xc", &none()).unwrap();
        assert_eq!(url.label(), "/tmp/pg:5432/xc");
        let url = StoreUrl::parse("postgres://u@[::1]:5/xc", &none()).unwrap();
        assert_eq!(url.label(), "[::1]:5/xc");
    }

    #[test]
    fn password_sources_in_order() {
        let env = PasswordSources {
            env: Some("from-env".into()),
            ..none()
        };
        let url = StoreUrl::parse("postgres://u:from-url@h/d", &env).unwrap();
        assert_eq!(url.config().get_password(), Some(&b"from-url"[..]));
        let url = StoreUrl::parse("postgres://u@h/d", &env).unwrap();
        assert_eq!(url.config().get_password(), Some(&b"from-env"[..]));

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:*:*:*:no\nh:5432:d:u:from\\:file\\\\x\n*:*:*:*:fallback\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let sources = PasswordSources {
            file: Some(file.clone()),
            ..none()
        };
        let url = StoreUrl::parse("postgres://u@h/d", &sources).unwrap();
        assert_eq!(url.config().get_password(), Some(&b"from:file\\x"[..]));
        let url = StoreUrl::parse("postgres://u@h:5433/d", &sources).unwrap();
        assert_eq!(url.config().get_password(), Some(&b"fallback"[..]));
        // A file others can read is not used (libpq's rule).
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let url = StoreUrl::parse("postgres://u@h/d", &sources).unwrap();
        assert!(!url.has_password());
    }

    #[test]
    fn pgpass_fields() {
        assert_eq!(
            pgpass_lookup("a:1:b:c:pw:with:colons\n", "a", "1", "b", "c"),
            Some("pw:with:colons".into())
        );
        assert_eq!(pgpass_lookup("a:1:b:c\n", "a", "1", "b", "c"), None);
        assert_eq!(
            pgpass_lookup("short:line\na:1:b:c:ok\n", "a", "1", "b", "c"),
            Some("ok".into())
        );
        assert_eq!(pgpass_lookup("a:1:b:c:x\n", "a", "2", "b", "c"), None);
    }
}
