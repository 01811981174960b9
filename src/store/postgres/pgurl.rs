//! The shared store's address: a `postgres://` URL read the way libpq reads one (its words for
//! `sslmode`, `verify-ca`/`verify-full` included, `sslrootcert`, the password from the URL,
//! `PGPASSWORD` or the password file), and the forms of it that messages show.
//!
//! How an address is read: libpq's URI rules,
//! `postgres[ql]://[USER[:PASSWORD]@][HOST[:PORT][,…]][/DATABASE][?KEY=VALUE[&…]]`. Every part,
//! a parameter's name too, is percent-decoded, and a `%` not followed by two hex digits is
//! refused. The user ends at the first `:`. libpq ends the user and password at the first `@`
//! before the first `/`; a password holding `@`, `/` or `?` as it is cannot be read that way,
//! so when libpq's reading is not a usable address, the last `@` before the first `/` and then
//! the last `@` of all are tried: the first reading that is a usable address counts. A HOST
//! starting with `/` (written `%2F`) is a Unix socket folder. Parameters xconnect does not
//! know are refused, never passed on.
//!
//! What messages show is built from the parsed parts with the password left out, never from
//! the text: [`StoreUrl::label`] (`host:port/database`), [`StoreUrl::redacted`] (the address
//! rebuilt with `***` for the password), `Debug`, and the reasons an address cannot be used,
//! which name the part at fault without quoting it.

use std::ffi::OsStr;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::config::{
    ChannelBinding, Config, Host, LoadBalanceHosts, SslNegotiation, TargetSessionAttrs,
};

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
    fn parse(text: &str) -> Result<SslMode, String> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            "allow" => {
                return Err(
                    "has sslmode=allow, which xconnect does not support (it tries without TLS first); use verify-full, verify-ca, require, prefer or disable"
                        .into(),
                )
            }
            _ => {
                return Err(
                    "has an sslmode xconnect does not know; use verify-full, verify-ca, require, prefer or disable"
                        .into(),
                )
            }
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

/// Whether `host` is this machine as written: a Unix socket folder, `localhost`, or a loopback
/// address (127.0.0.0/8, ::1); with `hostaddr`, where the connection goes, that address. A
/// name is never resolved: the rule reads what the user wrote, as libpq's words do, so a name
/// that happens to resolve to 127.0.0.1 is another machine here.
pub fn is_this_machine(host: &Host, hostaddr: Option<IpAddr>) -> bool {
    fn loopback(ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        }
    }
    if let Some(addr) = hostaddr {
        return loopback(addr);
    }
    match host {
        Host::Unix(_) => true,
        Host::Tcp(name) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            name.eq_ignore_ascii_case("localhost") || name.parse().is_ok_and(loopback)
        }
    }
}

/// A parsed store address, ready to connect.
#[derive(Clone)]
pub struct StoreUrl {
    /// For tokio-postgres: everything but what is handled here (sslmode, sslrootcert).
    config: Config,
    /// The sslmode written, else `verify-full` when a host is not this machine, else `prefer`.
    ssl: SslMode,
    /// The first host that is not this machine, as `host:port`.
    remote: Option<String>,
    roots: Option<Roots>,
    /// The address rebuilt from its parts, password replaced.
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
    /// `USER`: the user a password file's line is matched against when the address names none.
    pub user: Option<String>,
    /// `PGPASSFILE`, else `~/.pgpass`.
    pub file: Option<PathBuf>,
    /// `~/.postgresql/root.crt`, used as `sslrootcert` when it exists and none is named.
    pub default_root: Option<PathBuf>,
}

impl PasswordSources {
    /// What the environment says.
    pub fn from_env(env: &crate::settings::Env) -> PasswordSources {
        let home = env.get("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
        let file = env
            .get("PGPASSFILE")
            .filter(|f| !f.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".pgpass")));
        PasswordSources {
            env: env.text("PGPASSWORD").filter(|p| !p.is_empty()),
            user: env.text("USER"),
            file,
            default_root: home.map(|h| h.join(".postgresql").join("root.crt")),
        }
    }
}

/// One `KEY=VALUE` of the query, decoded. The password's value is never kept here.
#[derive(Clone)]
struct Param {
    key: String,
    value: Option<String>,
}

/// An address read into its parts.
struct Parts {
    scheme: &'static str,
    user: Option<String>,
    /// The last password given (a `password=` parameter after the user's).
    password: Option<Vec<u8>>,
    /// Whether a password was written after the user (shown as `USER:***@`).
    password_in_userinfo: bool,
    /// The hosts written before the path, each with the port written after it.
    hosts: Vec<(Host, Option<u16>)>,
    dbname: Option<String>,
    params: Vec<Param>,
}

/// How a reading of the text failed: the reason, naming parts, never quoting the text.
type Why = String;

/// libpq's parameters that xconnect passes on or handles itself.
const KNOWN: &[&str] = &[
    "user",
    "password",
    "dbname",
    "host",
    "hostaddr",
    "port",
    "options",
    "application_name",
    "sslmode",
    "sslrootcert",
    "sslnegotiation",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];

/// libpq's client-certificate parameters: refused, not ignored.
const CLIENT_CERTIFICATE: &[&str] = &["sslcert", "sslkey", "sslpassword", "sslcrl", "sslcrldir"];

/// Percent-decodes `text` (libpq's rule: `%` must be followed by two hex digits; `%00` is
/// refused). `what` names the part in the reason.
fn decode(text: &str, what: &str) -> Result<Vec<u8>, Why> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let hex = |j: usize| bytes.get(j).and_then(|&h| char::from(h).to_digit(16));
        match (hex(i + 1), hex(i + 2)) {
            (Some(0), Some(0)) => return Err(format!("has %00 in {what}, which PostgreSQL cannot take")),
            (Some(high), Some(low)) => {
                // Two hex digits are at most 0xff.
                out.push(u8::try_from(high * 16 + low).unwrap_or(u8::MAX));
                i += 3;
            }
            _ => {
                return Err(format!(
                    "has a % in {what} that is not followed by two hex digits (a % itself is written %25)"
                ))
            }
        }
    }
    Ok(out)
}

fn decode_text(text: &str, what: &str) -> Result<String, Why> {
    String::from_utf8(decode(text, what)?).map_err(|_| format!("has {what} that is not UTF-8"))
}

/// A host as written (decoded): a socket folder when it starts with `/`, else a host name or
/// an IP address (`[…]` already removed from an IPv6 one).
fn host_of(decoded: &[u8], v6: bool) -> Result<Host, Why> {
    if decoded.first() == Some(&b'/') {
        return Ok(Host::Unix(PathBuf::from(OsStr::from_bytes(decoded))));
    }
    let text =
        std::str::from_utf8(decoded).map_err(|_| Why::from("names a host that is not UTF-8"))?;
    if v6 {
        return text
            .parse::<Ipv6Addr>()
            .map(|ip| Host::Tcp(ip.to_string()))
            .map_err(|_| "has [ ] around a host that is not an IPv6 address".into());
    }
    if text.is_empty() {
        return Err("has an empty host in its list of hosts".into());
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(Host::Tcp(ip.to_string()));
    }
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Ok(Host::Tcp(text.to_string()));
    }
    Err("names a host that is neither a host name (letters, digits, . - _; a name in another script in its xn-- form), an IP address nor a socket folder (written %2F…)".into())
}

fn port_of(text: &str) -> Result<Option<u16>, Why> {
    let text = decode_text(text, "a port")?;
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u16>() {
        Ok(port) if port > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(port)),
        _ => Err("has a port that is not a number from 1 to 65535".into()),
    }
}

/// `HOST[:PORT][,HOST[:PORT]…]` of the authority.
fn hosts_of(spec: &str) -> Result<Vec<(Host, Option<u16>)>, Why> {
    if spec.is_empty() {
        return Ok(Vec::new());
    }
    spec.split(',')
        .map(|chunk| {
            let (host, port) = match chunk.strip_prefix('[') {
                Some(inner) => {
                    let (ip, after) = inner
                        .split_once(']')
                        .ok_or_else(|| Why::from("has a [ without its ] around a host"))?;
                    let port = match after {
                        "" => None,
                        after => Some(after.strip_prefix(':').ok_or_else(|| {
                            Why::from("has something after the ] of an IPv6 host other than :PORT")
                        })?),
                    };
                    (host_of(&decode(ip, "a host")?, true)?, port)
                }
                None => {
                    let (host, port) = match chunk.split_once(':') {
                        Some((host, port)) => (host, Some(port)),
                        None => (chunk, None),
                    };
                    (host_of(&decode(host, "a host")?, false)?, port)
                }
            };
            Ok((host, port.map(port_of).transpose()?.flatten()))
        })
        .collect()
}

/// Whether a parameter's name may be repeated in a message: one of libpq's names, or a name
/// of that shape read from an address whose reading was never in doubt.
fn shown_key(key: &str, certain: bool) -> Option<&str> {
    let shaped = !key.is_empty()
        && key.len() <= 40
        && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    (KNOWN.contains(&key) || CLIENT_CERTIFICATE.contains(&key) || (certain && shaped))
        .then_some(key)
}

/// Reads `rest` (the text after the scheme) with the user and password ending at byte `at`
/// (none when `None`). `certain`: this is the only reading, so unknown parameter names may be
/// repeated in the reason.
fn read(scheme: &'static str, rest: &str, at: Option<usize>, certain: bool) -> Result<Parts, Why> {
    let mut parts = Parts {
        scheme,
        user: None,
        password: None,
        password_in_userinfo: false,
        hosts: Vec::new(),
        dbname: None,
        params: Vec::new(),
    };
    let rest = match at {
        Some(at) => {
            let (info, rest) = (
                rest.get(..at).unwrap_or(""),
                rest.get(at + 1..).unwrap_or(""),
            );
            let (user, password) = match info.split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (info, None),
            };
            let user = decode_text(user, "the user name")?;
            parts.user = (!user.is_empty()).then_some(user);
            if let Some(password) = password {
                let password = decode(password, "the password")?;
                if !password.is_empty() {
                    parts.password = Some(password);
                    parts.password_in_userinfo = true;
                }
            }
            rest
        }
        None => rest,
    };
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    parts.hosts = hosts_of(&rest[..host_end])?;
    let rest = &rest[host_end..];
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    if let Some(db) = path.strip_prefix('/') {
        let db = decode_text(db, "the database name")?;
        parts.dbname = (!db.is_empty()).then_some(db);
    }
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err("has a parameter without =; write KEY=VALUE".into());
        };
        let key = decode_text(key, "a parameter's name")?;
        let Some(named) = shown_key(&key, certain) else {
            return Err("has a parameter xconnect does not know (its value is not shown); remove it, or see the list in README.md".into());
        };
        if CLIENT_CERTIFICATE.contains(&key.as_str()) {
            return Err(format!(
                "has {named}=…, which xconnect does not support (client certificates); use a password"
            ));
        }
        if !KNOWN.contains(&key.as_str()) {
            return Err(format!(
                "has the parameter {named}, which xconnect does not know (its value is not shown); remove it, or see the list in README.md"
            ));
        }
        if key == "password" {
            let password = decode(value, "the password")?;
            parts.password = (!password.is_empty()).then_some(password);
            parts.params.push(Param { key, value: None });
        } else {
            let value = decode_text(value, &format!("the value of {named}"))?;
            parts.params.push(Param {
                key,
                value: Some(value),
            });
        }
    }
    Ok(parts)
}

/// The readings of the text after the scheme, in the order they are tried: libpq's (the first
/// `@` before the first `/`), then the last `@` before the first `/`, then the last `@`.
fn userinfo_ends(rest: &str) -> Vec<Option<usize>> {
    let before = &rest[..rest.find('/').unwrap_or(rest.len())];
    let mut ends = Vec::new();
    for end in [before.find('@'), before.rfind('@'), rest.rfind('@')] {
        if !ends.contains(&end) {
            ends.push(end);
        }
    }
    ends
}

/// The settings an address makes for tokio-postgres and for this module.
struct Settings {
    config: Config,
    ssl: Option<SslMode>,
    root: Option<String>,
}

fn seconds(value: &str, key: &str) -> Result<Option<Duration>, Why> {
    let n: i64 = value
        .parse()
        .map_err(|_| format!("has a {key} that is not a whole number of seconds"))?;
    Ok(u64::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .map(Duration::from_secs))
}

/// The parts as settings: the hosts and ports of the authority, then each parameter in order
/// (a later one replaces an earlier one, `host=` and `port=` replace the authority's, as in
/// libpq).
fn settings(parts: &Parts) -> Result<Settings, Why> {
    let mut config = Config::new();
    let mut hosts: Vec<Host> = parts.hosts.iter().map(|(h, _)| h.clone()).collect();
    let mut ports: Vec<u16> = parts.hosts.iter().map(|(_, p)| p.unwrap_or(5432)).collect();
    let mut hostaddrs: Vec<IpAddr> = Vec::new();
    let mut ssl = None;
    let mut root = None;
    if let Some(user) = &parts.user {
        config.user(user);
    }
    if let Some(db) = &parts.dbname {
        config.dbname(db);
    }
    if let Some(password) = &parts.password {
        config.password(password);
    }
    let enum_value =
        |key: &str, choices: &str| format!("has a {key} xconnect does not know; use {choices}");
    for Param { key, value } in &parts.params {
        let Some(value) = value.as_deref() else {
            continue;
        };
        match key.as_str() {
            "user" => {
                config.user(value);
            }
            "dbname" => {
                config.dbname(value);
            }
            "host" => {
                hosts = value
                    .split(',')
                    .map(|h| host_of(h.as_bytes(), false))
                    .collect::<Result<_, _>>()?;
            }
            "hostaddr" => {
                hostaddrs = value
                    .split(',')
                    .map(|a| a.parse::<IpAddr>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| Why::from("has a hostaddr that is not an IP address"))?;
            }
            "port" => {
                ports = value
                    .split(',')
                    .map(|p| Ok(port_of(p)?.unwrap_or(5432)))
                    .collect::<Result<_, Why>>()?;
            }
            "options" => {
                config.options(value);
            }
            "application_name" => {
                config.application_name(value);
            }
            "sslmode" => ssl = Some(SslMode::parse(value)?),
            "sslrootcert" => root = Some(value.to_string()),
            "sslnegotiation" => {
                config.ssl_negotiation(match value {
                    "postgres" => SslNegotiation::Postgres,
                    "direct" => SslNegotiation::Direct,
                    _ => return Err(enum_value(key, "postgres or direct")),
                });
            }
            "connect_timeout" => {
                if let Some(t) = seconds(value, key)? {
                    config.connect_timeout(t);
                }
            }
            "tcp_user_timeout" => {
                if let Some(t) = seconds(value, key)? {
                    config.tcp_user_timeout(t);
                }
            }
            "keepalives" => {
                let on: u64 = value
                    .parse()
                    .map_err(|_| Why::from("has a keepalives that is not 0 or 1"))?;
                config.keepalives(on != 0);
            }
            "keepalives_idle" => {
                if let Some(t) = seconds(value, key)? {
                    config.keepalives_idle(t);
                }
            }
            "keepalives_interval" => {
                if let Some(t) = seconds(value, key)? {
                    config.keepalives_interval(t);
                }
            }
            "keepalives_retries" => {
                config.keepalives_retries(
                    value
                        .parse()
                        .map_err(|_| Why::from("has a keepalives_retries that is not a number"))?,
                );
            }
            "target_session_attrs" => {
                config.target_session_attrs(match value {
                    "any" => TargetSessionAttrs::Any,
                    "read-write" => TargetSessionAttrs::ReadWrite,
                    "read-only" => TargetSessionAttrs::ReadOnly,
                    _ => return Err(enum_value(key, "any, read-write or read-only")),
                });
            }
            "channel_binding" => {
                config.channel_binding(match value {
                    "disable" => ChannelBinding::Disable,
                    "prefer" => ChannelBinding::Prefer,
                    "require" => ChannelBinding::Require,
                    _ => return Err(enum_value(key, "disable, prefer or require")),
                });
            }
            "load_balance_hosts" => {
                config.load_balance_hosts(match value {
                    "disable" => LoadBalanceHosts::Disable,
                    "random" => LoadBalanceHosts::Random,
                    _ => return Err(enum_value(key, "disable or random")),
                });
            }
            // Nothing else is read (see `read`).
            _ => {
                return Err(format!(
                    "has the parameter {key}, which xconnect does not know"
                ))
            }
        }
    }
    if hosts.is_empty() {
        return Err(
            "names no host; use postgres://USER@HOST:PORT/DATABASE or ?host=/path/of/the/socket/folder"
                .into(),
        );
    }
    if ports.len() > 1 && ports.len() != hosts.len() {
        return Err("has a list of ports that is not one port per host".into());
    }
    if !hostaddrs.is_empty() && hostaddrs.len() != hosts.len() {
        return Err("has a list of hostaddrs that is not one per host".into());
    }
    for host in hosts {
        match host {
            Host::Tcp(name) => config.host(name),
            Host::Unix(path) => config.host_path(path),
        };
    }
    for port in ports {
        config.port(port);
    }
    for addr in hostaddrs {
        config.hostaddr(addr);
    }
    Ok(Settings { config, ssl, root })
}

/// Percent-encodes what would end `part` or hide what it is: `%`, the delimiters given,
/// spaces, controls and the characters [`crate::text::is_hidden`] lists.
fn encode(part: &str, delimiters: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        if c == '%' || c.is_whitespace() || delimiters.contains(c) || crate::text::is_hidden(c) {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The address rebuilt from its parts, the password `***` wherever it was written; it reads
/// back as the same address (but for the password).
fn redacted(parts: &Parts) -> String {
    let mut out = String::from(parts.scheme);
    if parts.user.is_some() || parts.password_in_userinfo {
        out.push_str(&encode(parts.user.as_deref().unwrap_or(""), ":@/?#&=,[]"));
        if parts.password_in_userinfo {
            out.push(':');
            out.push_str(HIDDEN);
        }
        out.push('@');
    }
    let hosts: Vec<String> = parts
        .hosts
        .iter()
        .map(|(host, port)| {
            let host = match host {
                Host::Tcp(name) if name.contains(':') => format!("[{name}]"),
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => encode(&path.to_string_lossy(), ":@/?#&=,[]"),
            };
            match port {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    out.push_str(&hosts.join(","));
    if let Some(db) = &parts.dbname {
        out.push('/');
        out.push_str(&encode(db, ":@/?#&=,[]"));
    }
    let params: Vec<String> = parts
        .params
        .iter()
        .map(|Param { key, value }| match value {
            Some(value) => format!("{}={}", encode(key, "@&=#"), encode(value, "@&=#")),
            None => format!("{}={HIDDEN}", encode(key, "@&=#")),
        })
        .collect();
    if !params.is_empty() {
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

impl StoreUrl {
    /// Reads `--store`/`XCONNECT_STORE`. Errors never repeat the password, nor any part of
    /// the text.
    pub fn parse(text: &str, sources: &PasswordSources) -> Result<StoreUrl, String> {
        let bad = |why: &str| format!("the store address {why}");
        let text = text.trim();
        let Some((scheme, rest)) = ["postgresql://", "postgres://"]
            .into_iter()
            .find_map(|s| text.strip_prefix(s).map(|rest| (s, rest)))
        else {
            return Err(bad(
                "is not a PostgreSQL URL; use postgres://USER@HOST:PORT/DATABASE",
            ));
        };
        let ends = userinfo_ends(rest);
        let certain = ends.len() == 1;
        let mut why = None;
        let mut read_as = None;
        for end in ends {
            match read(scheme, rest, end, certain).and_then(|p| Ok((settings(&p)?, p))) {
                Ok(done) => {
                    read_as = Some(done);
                    break;
                }
                // The reason of the last reading tried: it has the most of the text before
                // the host, so the least of a password after it.
                Err(w) => why = Some(w),
            }
        }
        let Some((
            Settings {
                mut config,
                ssl,
                root,
            },
            parts,
        )) = read_as
        else {
            let why = why.unwrap_or_else(|| "cannot be read".into());
            return Err(bad(&if certain {
                why
            } else {
                format!(
                    "{why}; if the user name or password holds / ? # @ % & or a space, write them percent-encoded (%2F %3F %23 %40 %25 %26 %20)"
                )
            }));
        };
        let remote = config.get_hosts().iter().enumerate().find_map(|(i, host)| {
            if is_this_machine(host, config.get_hostaddrs().get(i).copied()) {
                return None;
            }
            let ports = config.get_ports();
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            Some(match host {
                Host::Tcp(name) if name.contains(':') => format!("[{name}]:{port}"),
                Host::Tcp(name) => format!("{name}:{port}"),
                Host::Unix(dir) => format!("{}:{port}", dir.to_string_lossy()),
            })
        });
        // Safe by default: a host that is not this machine must prove who it is before it
        // gets anything; this machine keeps libpq's prefer.
        let ssl = ssl.unwrap_or(if remote.is_some() {
            SslMode::VerifyFull
        } else {
            SslMode::Prefer
        });
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
        let roots = match root.as_deref() {
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
            remote,
            roots,
            redacted: redacted(&parts),
            label,
        };
        if store.config.get_password().is_none() {
            if let Some(p) = sources.env.as_ref() {
                store.config.password(p.as_str());
            } else if let Some(file) = sources.file.as_deref() {
                if let Some(p) = store.password_from_file(file, sources.user.as_deref()) {
                    store.config.password(p);
                }
            }
        }
        Ok(store)
    }

    /// The address rebuilt from its parts, the password replaced by `***`.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// `host:port/database`: which store a message is about.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The sslmode written, else the default for the hosts: `verify-full` when one is not
    /// this machine (see [`is_this_machine`]), `prefer` when all are.
    pub fn ssl(&self) -> SslMode {
        self.ssl
    }

    /// One line for stderr when this address would send the password and the tokens to a
    /// host that is not this machine without checking who answers there: `sslmode=disable`,
    /// `prefer`, or `require` without `sslrootcert`.
    pub fn warning(&self) -> Option<String> {
        let host = self.remote.as_deref()?;
        let what = match (self.ssl, &self.roots) {
            (SslMode::Disable, _) => format!(
                "sslmode=disable sends the store's password and tokens unencrypted to {host}, which is not this machine"
            ),
            (SslMode::Prefer, _) => format!(
                "sslmode=prefer does not check who answers at {host}, which is not this machine, and goes on without TLS when the server offers none: the store's password and tokens can go to whoever answers"
            ),
            (SslMode::Require, None) => format!(
                "sslmode=require does not check who answers at {host}, which is not this machine: the store's password and tokens can go to whoever answers"
            ),
            _ => return None,
        };
        Some(format!(
            "{what}; use sslmode=verify-full (with sslrootcert=FILE for a private CA), or leave sslmode out"
        ))
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
    fn password_from_file(&self, file: &Path, default_user: Option<&str>) -> Option<String> {
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
            .or_else(|| default_user.map(str::to_string))
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
        .map(|c| if crate::text::is_hidden(c) { '?' } else { c })
        .collect()
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
        // Bad addresses say what is wrong without the password.
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
            assert!(err.starts_with("the store address "), "{err}");
        }
        let url = StoreUrl::parse(
            &format!("postgres://a:{SECRET}@h/d?x_y=1&password={SECRET}&sslmode=disable"),
            &none(),
        );
        assert!(url.unwrap_err().contains("the parameter x_y,"));
        let url = StoreUrl::parse(
            &format!(
                "postgres://a:{SECRET}@h/d?application_name=z&password={SECRET}&sslmode=disable"
            ),
            &none(),
        )
        .unwrap();
        assert_eq!(
            url.redacted(),
            "postgres://a:***@h/d?application_name=z&password=***&sslmode=disable"
        );
        let url = StoreUrl::parse("postgres://a@h/d", &none()).unwrap();
        assert_eq!(url.redacted(), "postgres://a@h/d");
    }

    /// Passwords made of distinctive three-character pieces joined by every kind of
    /// character a password can hold: no piece may show anywhere.
    const PASSWORDS: &[&str] = &[
        "Qx7Zk9Wv3",
        "Qx7/Zk9?Wv3",
        "Qx7#Zk9@Wv3",
        "Qx7:Zk9:Wv3",
        "Qx7%Zk9%25Wv3",
        "Qx7&Zk9=Wv3+Jq5",
        "Qx7 Zk9 Wv3",
        "Qx7\u{fc}\u{f1}Zk9\u{2713}Wv3",
        "Qx7/?#@:%&=+ \u{fc}Zk9",
    ];
    const PIECES: &[&str] = &["Qx7", "Zk9", "Wv3", "Jq5"];

    /// Every byte but the unreserved ones percent-encoded.
    fn enc(text: &str) -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    fn shows_none(shown: &str, password: &str) {
        assert!(!shown.contains(password), "{password:?} in {shown}");
        assert!(!shown.contains(&enc(password)), "{password:?} in {shown}");
        for piece in PIECES {
            assert!(!shown.contains(piece), "{piece} of {password:?} in {shown}");
        }
    }

    #[test]
    fn a_password_of_any_characters_is_read_and_never_shows() {
        for password in PASSWORDS {
            let e = enc(password);
            let mut texts = vec![
                format!("postgres://app:{e}@db.example.com:5433/xc?sslmode=require"),
                format!("postgres://app@db.example.com:5433/xc?password={e}&sslmode=require"),
                format!("postgres://app@db.example.com:5433/xc?sslmode=require&pass%77ord={e}"),
                format!("postgres://app@db.example.com:5433/xc?%70assword={e}"),
                format!("postgres://app@db.example.com:5433/xc?%70%61%73%73%77%6F%72%64={e}"),
            ];
            // Written as it is, where that can be read: everything before the last @ is the
            // user and the password.
            if !password.contains('%') {
                texts.push(format!("postgres://app:{password}@db.example.com:5433/xc"));
                texts.push(format!(
                    "postgresql://app:{password}@db.example.com:5433/xc?sslmode=verify-full"
                ));
            }
            for text in &texts {
                let url =
                    StoreUrl::parse(text, &none()).unwrap_or_else(|err| panic!("{text}: {err}"));
                assert_eq!(
                    url.config().get_password(),
                    Some(password.as_bytes()),
                    "{text}"
                );
                assert_eq!(url.config().get_user(), Some("app"), "{text}");
                assert_eq!(url.config().get_dbname(), Some("xc"), "{text}");
                assert_eq!(url.config().get_ports(), &[5433], "{text}");
                assert_eq!(url.label(), "db.example.com:5433/xc", "{text}");
                assert!(url.redacted().contains("***"), "{}", url.redacted());
                for shown in [
                    url.redacted().to_string(),
                    url.label().to_string(),
                    format!("{url}"),
                    format!("{url:?}"),
                    format!("{:?}", url.config()),
                ] {
                    shows_none(&shown, password);
                }
            }
            // Addresses that cannot be used say why without the password.
            let bad = [
                format!("postgres://app:{e}@db.example.com:notaport/xc"),
                format!("postgres://app:{e}@db.example.com/xc?sslmode=bogus"),
                format!("postgres://app@db.example.com/xc?pasword={e}"),
                format!("postgres://app@db.example.com/xc?nosuchoption={e}"),
                format!("postgres://app:{e}@db.example.com/xc?nosuchoption=1"),
                format!("mysql://app:{e}@db.example.com/xc"),
                format!("postgres://app:{e}@db.example.com/xc?sslcert=/x"),
                format!("postgres://app:{e}@[::1/xc"),
                format!("postgres://app:{password}%zz@db.example.com/xc"),
            ];
            for text in &bad {
                let err = StoreUrl::parse(text, &none())
                    .err()
                    .unwrap_or_else(|| panic!("{text} was read"));
                shows_none(&err, password);
            }
        }
    }

    #[test]
    fn without_sslmode_a_host_that_is_not_this_machine_gets_verify_full() {
        // Decided on what was written, never on what a name resolves to: a name other than
        // localhost is another machine even when it resolves to 127.0.0.1.
        for (hosts, mode) in [
            ("db.example.com", SslMode::VerifyFull),
            ("myhost", SslMode::VerifyFull),
            ("10.0.0.5:6432", SslMode::VerifyFull),
            ("[2001:db8::1]", SslMode::VerifyFull),
            ("localhost.example.com", SslMode::VerifyFull),
            ("127.0.0.1.nip.io", SslMode::VerifyFull),
            ("localhost,db.example.com", SslMode::VerifyFull),
            ("127.0.0.1", SslMode::Prefer),
            ("127.8.9.10:5433", SslMode::Prefer),
            ("localhost", SslMode::Prefer),
            ("LocalHost", SslMode::Prefer),
            ("[::1]:5433", SslMode::Prefer),
            ("[::ffff:127.0.0.1]", SslMode::Prefer),
            ("%2Ftmp%2Fpg", SslMode::Prefer),
            ("localhost,127.0.0.2,%2Frun%2Fpg", SslMode::Prefer),
        ] {
            let url = StoreUrl::parse(&format!("postgres://u@{hosts}/d"), &none()).unwrap();
            assert_eq!(url.ssl(), mode, "{hosts}");
            // A mode written is kept.
            let url = StoreUrl::parse(&format!("postgres://u@{hosts}/d?sslmode=disable"), &none())
                .unwrap();
            assert_eq!(url.ssl(), SslMode::Disable, "{hosts}");
        }
        // hostaddr is where the connection goes.
        for (query, mode) in [
            ("host=db.example.com&hostaddr=127.0.0.1", SslMode::Prefer),
            ("host=localhost&hostaddr=10.1.2.3", SslMode::VerifyFull),
            ("host=%2Frun%2Fpg", SslMode::Prefer),
        ] {
            let url = StoreUrl::parse(&format!("postgres://u@/d?{query}"), &none()).unwrap();
            assert_eq!(url.ssl(), mode, "{query}");
        }
    }

    #[test]
    fn a_weak_sslmode_for_another_machine_is_warned_about_in_one_line() {
        let warned = |text: &str| StoreUrl::parse(text, &none()).unwrap().warning();
        for mode in ["disable", "prefer", "require"] {
            let w = warned(&format!(
                "postgres://u:pw@db.example.com:6432/d?sslmode={mode}"
            ))
            .unwrap_or_else(|| panic!("{mode}: no warning"));
            assert!(w.starts_with(&format!("sslmode={mode} ")), "{w}");
            assert!(
                w.contains("db.example.com:6432, which is not this machine"),
                "{w}"
            );
            assert!(
                w.ends_with(
                    "; use sslmode=verify-full (with sslrootcert=FILE for a private CA), or leave sslmode out"
                ),
                "{w}"
            );
            assert!(!w.contains('\n') && !w.contains("pw"), "{w}");
            // The first host that is not this machine is named.
            let w = warned(&format!(
                "postgres://u@localhost,[2001:db8::1]:7000/d?sslmode={mode}"
            ))
            .unwrap_or_default();
            assert!(w.contains("[2001:db8::1]:7000, which is not"), "{w}");
            // This machine: nothing to warn about.
            for host in ["127.0.0.1", "localhost", "[::1]", "%2Frun%2Fpg"] {
                assert_eq!(
                    warned(&format!("postgres://u@{host}/d?sslmode={mode}")),
                    None,
                    "{host}"
                );
            }
        }
        // A checked certificate, or the safe default: no warning.
        for query in [
            "",
            "?sslmode=verify-full",
            "?sslmode=verify-ca&sslrootcert=/etc/ca.pem",
            "?sslmode=require&sslrootcert=/etc/ca.pem",
        ] {
            assert_eq!(
                warned(&format!("postgres://u@db.example.com/d{query}")),
                None
            );
        }
    }

    #[test]
    fn sslmodes_and_roots() {
        let url = StoreUrl::parse("postgres://u@localhost/d", &none()).unwrap();
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
