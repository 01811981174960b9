//! Profiles: what a finished login leaves behind for scripts to read.
//!
//! A profile is one TOML file holding the app's settings, the account it was
//! authorised for, the token and a few optional sections. This module holds the
//! types and their TOML form; [`name`] says which profile names are allowed and
//! [`store`] says where the files live and how they are written and read.

pub mod errors;
pub mod name;

pub use errors::{
    escape_hidden, missing_advice, no_default_message, show_path, LoadError, LockError,
};
pub use name::{check_name, natural_cmp, sort_natural, MAX_NAME_LEN};

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The format version this build writes for an ordinary profile.
pub const CURRENT_VERSION: u32 = 1;

/// The format version of a copy that is not its token chain's owner (one with `[moved]`), and
/// the newest this build reads. An older xconnect refuses it ("written by a newer xconnect")
/// instead of refreshing a copy that must not refresh.
pub const NEWEST_VERSION: u32 = 2;

/// What a secret prints as in `Debug` output.
const REDACTED: &str = "…redacted…";

/// One saved login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub version: u32,
    pub app: AppSettings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Token>,
    /// `None` means X's own endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Present on a copy that is not its token chain's owner: it never refreshes, and says
    /// where the owner is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved: Option<Moved>,
    /// The move that brought this copy here (`store push`/`pull`): how a repeated move
    /// recognises its own work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// The `[moved]` table. X rotates refresh tokens and ends the grant when an old one comes
/// back, so a token chain has exactly one owner, a file or a row: the one copy without this
/// table. A copy with it never refreshes; it says where the chain went and how to finish a
/// move that was stopped half way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    /// Where the owner is (or is being made): the shared store, or a file.
    pub to: MovedTo,
    /// The store as `host:port/database`, or the file as `host:/path`.
    pub place: String,
    /// The move's id: a repeated `store push`/`pull` finds its own move by it.
    pub id: String,
    pub state: MoveState,
    #[serde(with = "rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MovedTo {
    Store,
    File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MoveState {
    /// The move was started and has not ended: run the same `store push`/`pull` again.
    Moving,
    /// A copy kept for reading (`store pull --keep`): its access token may be read while it
    /// is fresh; it never refreshes.
    Kept,
}

/// The `[origin]` table: which move brought this copy here, from where, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub id: String,
    pub from: String,
    #[serde(with = "rfc3339")]
    pub at: OffsetDateTime,
}

impl Moved {
    /// Why this copy may not refresh, and what to do: one sentence, for every command.
    pub fn explain(&self, name: &str) -> String {
        let place = crate::text::escape(&self.place, 200);
        match (self.to, self.state) {
            (MovedTo::Store, MoveState::Moving) => format!(
                "profile {name:?} is being moved into the profile store {place} (a \"store push\" was stopped before it ended), so this copy no longer refreshes; finish the move with: xconnect store push {name} --store URL"
            ),
            (MovedTo::File, MoveState::Moving) => format!(
                "profile {name:?} is being moved out of the profile store to a file on {place} (a \"store pull\" was stopped before it ended), so the store's copy no longer refreshes; finish the move on that machine with: xconnect store pull {name}"
            ),
            (MovedTo::Store, MoveState::Kept) => format!(
                "this copy of profile {name:?} is for reading only: its token chain is in the profile store {place}; use it with --store or XCONNECT_STORE"
            ),
            (MovedTo::File, MoveState::Kept) => format!(
                "the profile store's copy of {name:?} is for reading only (kept by \"store pull --keep\"): its token chain is in the file on {place}; use it there, or move it back with \"xconnect store push {name}\" on that machine"
            ),
        }
    }
}

/// The portal's "Type of App": the one enum of [`crate::x::AppType`], written `native` or `web`.
pub use crate::x::AppType;

/// The `[app]` table: an [`crate::app::AppConfig`] as the file keeps it (the Client Secret as
/// text).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSettings {
    pub client_id: String,
    /// Only for a confidential (web) app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub app_type: AppType,
    pub callback_url: String,
    pub website_url: String,
    pub scopes: Vec<String>,
}

impl fmt::Debug for AppSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppSettings")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| REDACTED),
            )
            .field("app_type", &self.app_type)
            .field("callback_url", &self.callback_url)
            .field("website_url", &self.website_url)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// The `[account]` table: who the token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub name: String,
    /// `false` when X refused `/2/users/me` (client-not-enrolled).
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The `[token]` table.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: String,
    pub scope: String,
    /// When the access token expires. Written in RFC 3339 (`2026-11-28T13:05:00Z`: xconnect
    /// makes it UTC, whole seconds, with [`crate::timefmt::whole_utc`]); a file's time is read
    /// with any offset, and one that does not read makes the whole file unreadable.
    #[serde(with = "rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl Token {
    /// How long until the token expires, counted from `now`; negative once it has.
    pub fn expires_in(&self, now: OffsetDateTime) -> Duration {
        self.expires_at - now
    }

    /// Whether the token has expired by `now`, or will within `margin`.
    pub fn expires_within(&self, now: OffsetDateTime, margin: Duration) -> bool {
        self.expires_in(now) <= margin
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &REDACTED)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| REDACTED),
            )
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The `[endpoints]` table, for a server other than X's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    pub auth_base: String,
    pub api_base: String,
    /// `sandbox = true`: made in the built-in X emulator (`--sandbox`). Its address is where the
    /// emulator last ran; commands on the profile start it again (its state is kept in the state
    /// folder) and use it wherever it now listens.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sandbox: bool,
}

/// The `[status]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub needs_reauth: bool,
    pub reason: String,
}

/// `expires_at` in the file. Written by the `time` crate's RFC 3339 serializer (`Z` for UTC,
/// no fraction for whole seconds, so a file's time is written back as it was read); read here
/// so that a time that does not parse is named, cleaned, with an example.
mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::serialize(t, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(|_| {
            serde::de::Error::custom(format!(
                "{} is not an RFC 3339 time such as \"2026-11-28T13:05:00Z\"",
                super::escape_hidden(&format!("{text:?}"))
            ))
        })
    }
}

impl Profile {
    /// The file text. Refuses to produce text that would not read back.
    pub fn to_toml(&self) -> Result<String, String> {
        let text =
            toml::to_string(self).map_err(|e| format!("cannot write the profile as TOML: {e}"))?;
        Profile::from_toml(&text)
            .map_err(|e| format!("the written profile would not read back: {e}"))?;
        Ok(text)
    }

    /// Reads the file text. Errors carry no path; [`Store::load`] adds it.
    pub fn from_toml(text: &str) -> Result<Profile, LoadError> {
        parse_text(text)
    }

    /// Marks this copy as not its chain's owner (see [`Moved`]); the file format goes to
    /// [`NEWEST_VERSION`] so that an older xconnect refuses it instead of refreshing.
    pub fn mark_moved(&mut self, moved: Moved) {
        self.moved = Some(moved);
        self.version = NEWEST_VERSION;
    }

    /// This copy is its chain's owner (again).
    pub fn clear_moved(&mut self) {
        self.moved = None;
        self.version = CURRENT_VERSION;
    }

    /// Whether this copy owns its token chain (and so may refresh).
    pub fn is_owner(&self) -> bool {
        self.moved.is_none()
    }

    /// What X granted compared with what the login asked for; `None` without a token.
    pub fn scope_check(&self) -> Option<crate::x::scopes::ScopeCheck> {
        let t = self.token.as_ref()?;
        Some(crate::x::scopes::ScopeCheck::new(
            &self.app.scopes,
            &t.scope,
            t.refresh_token.as_deref().is_some_and(|r| !r.is_empty()),
        ))
    }
}

/// Tables a profile may hold: whether the table itself is required, and the
/// keys it must have when present. `Profile::from_toml` checks these first so a
/// missing key is named with its table.
const REQUIRED_KEYS: &[(&str, bool, &[&str])] = &[
    (
        "app",
        true,
        &[
            "client_id",
            "app_type",
            "callback_url",
            "website_url",
            "scopes",
        ],
    ),
    ("account", false, &["id", "username", "name", "verified"]),
    (
        "token",
        false,
        &["access_token", "token_type", "scope", "expires_at"],
    ),
    ("endpoints", false, &["auth_base", "api_base"]),
    ("status", false, &["needs_reauth", "reason"]),
    ("moved", false, &["to", "place", "id", "state", "at"]),
    ("origin", false, &["id", "from", "at"]),
];

fn syntax(message: String) -> LoadError {
    LoadError::Syntax {
        path: PathBuf::new(),
        message,
    }
}

fn missing(key: &str) -> LoadError {
    LoadError::Missing {
        path: PathBuf::new(),
        key: key.to_string(),
    }
}

/// Line and column (both from 1) of a byte offset.
fn line_column(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

fn toml_error(text: &str, err: &toml::de::Error) -> String {
    let message: Vec<&str> = err
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let message = escape_hidden(&message.join("; "));
    match err.span() {
        Some(span) => {
            let (line, column) = line_column(text.as_bytes(), span.start);
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// Reads file bytes: checks UTF-8 (with the line of the first bad byte) first.
pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<Profile, LoadError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_text(text),
        Err(e) => {
            let (line, column) = line_column(bytes, e.valid_up_to());
            Err(syntax(format!(
                "line {line}, column {column}: not UTF-8 text, so not a profile file"
            )))
        }
    }
}

fn parse_text(text: &str) -> Result<Profile, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(LoadError::Empty(PathBuf::new()));
    }
    let table: toml::Table = toml::from_str(text).map_err(|e| syntax(toml_error(text, &e)))?;
    if table.is_empty() {
        return Err(LoadError::Empty(PathBuf::new()));
    }

    match table.get("version") {
        None => return Err(missing("version")),
        Some(toml::Value::Integer(v)) if *v > i64::from(NEWEST_VERSION) => {
            return Err(LoadError::TooNew {
                path: PathBuf::new(),
                version: *v,
            })
        }
        Some(toml::Value::Integer(v)) if *v < 1 => {
            return Err(syntax(format!(
                "{}version {v} is not valid; this xconnect writes version {CURRENT_VERSION}",
                version_line(text)
            )))
        }
        // Any other kind of value is reported by the typed read below, with its line.
        Some(_) => {}
    }

    // Version 2 is a copy that is not its chain's owner: without its `[moved]` (a file cut
    // short, say) it would read as the owner and refresh.
    if matches!(table.get("version"), Some(toml::Value::Integer(2))) && !table.contains_key("moved")
    {
        return Err(missing("moved"));
    }

    for (section, required, keys) in REQUIRED_KEYS {
        match table.get(*section) {
            None if *required => return Err(missing(section)),
            Some(toml::Value::Table(t)) => {
                if let Some(key) = keys.iter().find(|k| !t.contains_key(**k)) {
                    return Err(missing(&format!("{section}.{key}")));
                }
            }
            _ => {}
        }
    }

    toml::from_str::<Profile>(text).map_err(|e| {
        let message = e.message();
        match message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            Some(key) => missing(key),
            None => syntax(toml_error(text, &e)),
        }
    })
}

/// "line N, column M: " for the `version` key, or nothing if it cannot be found.
fn version_line(text: &str) -> String {
    #[derive(Deserialize)]
    struct Head {
        version: Option<toml::Spanned<toml::Value>>,
    }
    match toml::from_str::<Head>(text) {
        Ok(Head {
            version: Some(value),
        }) => {
            let (line, column) = line_column(text.as_bytes(), value.span().start);
            format!("line {line}, column {column}: ")
        }
        _ => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod samples {
    use super::*;

    pub fn native_minimal() -> Profile {
        Profile {
            version: CURRENT_VERSION,
            app: AppSettings {
                client_id: "Y2xpZW50LWlk".to_string(),
                client_secret: None,
                app_type: AppType::Native,
                callback_url: "http://127.0.0.1:8765/callback".to_string(),
                website_url: "https://example.com".to_string(),
                scopes: vec![
                    "tweet.read".to_string(),
                    "users.read".to_string(),
                    "offline.access".to_string(),
                ],
            },
            account: None,
            token: None,
            endpoints: None,
            status: None,
            moved: None,
            origin: None,
        }
    }

    pub fn web_full() -> Profile {
        Profile {
            version: CURRENT_VERSION,
            app: AppSettings {
                client_id: "d2ViLWNsaWVudA".to_string(),
                client_secret: Some("SECRET-client-9f8e7d".to_string()),
                app_type: AppType::Web,
                callback_url: "https://example.com/callback".to_string(),
                website_url: "https://example.com".to_string(),
                scopes: vec![
                    "tweet.read".to_string(),
                    "tweet.write".to_string(),
                    "users.read".to_string(),
                    "offline.access".to_string(),
                ],
            },
            account: Some(Account {
                id: "1234567890".to_string(),
                username: "example_bot".to_string(),
                name: "Example \"Bot\" ✓".to_string(),
                verified: true,
                note: Some("line one\nline two".to_string()),
            }),
            token: Some(Token {
                access_token: "SECRET-access-1a2b3c".to_string(),
                refresh_token: Some("SECRET-refresh-4d5e6f".to_string()),
                token_type: "bearer".to_string(),
                scope: "tweet.read tweet.write users.read offline.access".to_string(),
                expires_at: time::macros::datetime!(2026-11-28 13:05:00 UTC),
            }),
            endpoints: Some(Endpoints {
                auth_base: "http://127.0.0.1:9000".to_string(),
                api_base: "http://127.0.0.1:9001".to_string(),
                sandbox: false,
            }),
            status: Some(Status {
                needs_reauth: true,
                reason: "X no longer accepts the refresh token".to_string(),
            }),
            moved: None,
            origin: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::samples::{native_minimal, web_full};
    use super::*;
    use time::macros::datetime;

    #[test]
    fn toml_round_trips_every_shape() {
        let mut shapes = vec![native_minimal(), web_full()];
        let mut web_minimal = web_full();
        web_minimal.account = None;
        web_minimal.token = None;
        web_minimal.endpoints = None;
        web_minimal.status = None;
        shapes.push(web_minimal);
        let mut native_full = web_full();
        native_full.app.app_type = AppType::Native;
        native_full.app.client_secret = None;
        if let Some(t) = native_full.token.as_mut() {
            t.refresh_token = None;
        }
        if let Some(a) = native_full.account.as_mut() {
            a.note = None;
            a.verified = false;
        }
        shapes.push(native_full);
        for profile in shapes {
            let text = profile.to_toml().unwrap();
            assert_eq!(Profile::from_toml(&text).unwrap(), profile, "{text}");
        }
    }

    #[test]
    fn the_written_format_has_the_documented_tables_and_keys() {
        let text = web_full().to_toml().unwrap();
        let expected = r#"version = 1

[app]
client_id = "d2ViLWNsaWVudA"
client_secret = "SECRET-client-9f8e7d"
app_type = "web"
callback_url = "https://example.com/callback"
website_url = "https://example.com"
scopes = ["tweet.read", "tweet.write", "users.read", "offline.access"]

[account]
id = "1234567890"
username = "example_bot"
name = 'Example "Bot" ✓'
verified = true
note = """
line one
line two"""

[token]
access_token = "SECRET-access-1a2b3c"
refresh_token = "SECRET-refresh-4d5e6f"
token_type = "bearer"
scope = "tweet.read tweet.write users.read offline.access"
expires_at = "2026-11-28T13:05:00Z"

[endpoints]
auth_base = "http://127.0.0.1:9000"
api_base = "http://127.0.0.1:9001"

[status]
needs_reauth = true
reason = "X no longer accepts the refresh token"
"#;
        assert_eq!(text, expected);

        let text = native_minimal().to_toml().unwrap();
        assert!(!text.contains("client_secret"), "{text}");
        assert!(text.contains("app_type = \"native\""), "{text}");
        for absent in ["[account]", "[token]", "[endpoints]", "[status]"] {
            assert!(!text.contains(absent), "{text}");
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let profile = web_full();
        let shown = [
            format!("{profile:?}"),
            format!("{profile:#?}"),
            format!("{:?}", profile.app),
            format!("{:?}", profile.token),
        ];
        for text in shown {
            for secret in [
                "SECRET-client-9f8e7d",
                "SECRET-access-1a2b3c",
                "SECRET-refresh-4d5e6f",
            ] {
                assert!(!text.contains(secret), "{text}");
            }
            assert!(text.contains(REDACTED), "{text}");
        }
        // The non-secret parts still show.
        let app = format!("{:?}", profile.app);
        assert!(
            app.contains("d2ViLWNsaWVudA") && app.contains("Web"),
            "{app}"
        );
        let native = format!("{:?}", native_minimal().app);
        assert!(native.contains("client_secret: None"), "{native}");
    }

    #[test]
    fn token_times() {
        let token = web_full().token.unwrap();
        assert_eq!(token.expires_at, datetime!(2026-11-28 13:05:00 UTC));
        let now = datetime!(2026-11-28 12:05:00 UTC);
        assert_eq!(token.expires_in(now), Duration::hours(1));
        let later = datetime!(2026-11-28 14:05:00 UTC);
        assert_eq!(token.expires_in(later), Duration::hours(-1));
        assert!(!token.expires_within(now, Duration::minutes(5)));
        assert!(token.expires_within(now, Duration::hours(1)));
    }

    #[test]
    fn times_are_written_as_they_were_read() {
        let good = web_full().to_toml().unwrap();
        // What xconnect writes; and what a hand or another tool may have written: an offset,
        // a fraction. Each is kept as it is, so a file read and saved again (or pushed to the
        // shared store) does not change.
        for (text, at) in [
            ("2026-11-28T13:05:00Z", datetime!(2026-11-28 13:05:00 UTC)),
            (
                "2026-11-28T15:05:00+02:00",
                datetime!(2026-11-28 13:05:00 UTC),
            ),
            (
                "2026-11-28T13:05:00.25Z",
                datetime!(2026-11-28 13:05:00.25 UTC),
            ),
        ] {
            let file = good.replace("2026-11-28T13:05:00Z", text);
            let p = Profile::from_toml(&file).unwrap();
            assert_eq!(p.token.as_ref().map(|t| t.expires_at), Some(at), "{text}");
            assert_eq!(p.to_toml().unwrap(), file, "{text}");
        }
        // What xconnect makes of the clock: UTC, whole seconds.
        let mut p = web_full();
        if let Some(t) = p.token.as_mut() {
            t.expires_at = crate::timefmt::whole_utc(datetime!(2026-11-28 15:05:00.75 +02:00));
        }
        assert_eq!(p.to_toml().unwrap(), good);
    }

    fn remove_line(text: &str, starts: &str) -> String {
        text.lines()
            .filter(|l| !l.starts_with(starts))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    #[test]
    fn from_toml_errors() {
        // Every table, the optional ones too.
        let mut every = web_full();
        every.mark_moved(Moved {
            to: MovedTo::Store,
            place: "db.internal:5432/xc".to_string(),
            id: "0123456789abcdef".to_string(),
            state: MoveState::Moving,
            at: datetime!(2026-12-01 10:00:00 UTC),
        });
        every.origin = Some(Origin {
            id: "fedcba9876543210".to_string(),
            from: "box:/home/me/.config/xconnect/profiles/work.toml".to_string(),
            at: datetime!(2026-11-30 09:00:00 UTC),
        });
        let good = every.to_toml().unwrap();
        assert_eq!(Profile::from_toml(&good).unwrap(), every);
        // A copy cut before its `[moved]` never reads as the owner.
        let cut = &good[..good.find("[moved]").unwrap()];
        assert_eq!(Profile::from_toml(cut).unwrap_err(), missing("moved"));
        assert!(good.starts_with("version = 2\n"), "{good}");

        assert_eq!(
            Profile::from_toml("").unwrap_err(),
            LoadError::Empty(PathBuf::new())
        );
        assert_eq!(
            Profile::from_toml(" \n\t\n# only a comment\n").unwrap_err(),
            LoadError::Empty(PathBuf::new())
        );

        match Profile::from_toml("version = 1\n[app\n").unwrap_err() {
            LoadError::Syntax { message, .. } => {
                assert!(message.starts_with("line 2"), "{message}")
            }
            other => panic!("{other:?}"),
        }

        // Every required key, removed in turn, is named with its table.
        for (section, _, keys) in REQUIRED_KEYS {
            for key in keys.iter() {
                // The key in its own table (several tables have an `id`).
                let at = good.find(&format!("[{section}]")).unwrap_or(0);
                let (head, tail) = good.split_at(at);
                let text = format!(
                    "{head}{}",
                    tail.replacen(&format!("\n{key} = "), "\nremoved = ", 1)
                );
                let err = Profile::from_toml(&text).unwrap_err();
                assert_eq!(err, missing(&format!("{section}.{key}")));
            }
        }
        let err = Profile::from_toml(&remove_line(&good, "client_id")).unwrap_err();
        assert_eq!(err, missing("app.client_id"));
        let err = Profile::from_toml(&remove_line(&good, "expires_at")).unwrap_err();
        assert_eq!(err, missing("token.expires_at"));
        let err = Profile::from_toml(&remove_line(&good, "version")).unwrap_err();
        assert_eq!(err, missing("version"));
        let no_app = "version = 1\n[token]\naccess_token = \"a\"\n";
        assert_eq!(Profile::from_toml(no_app).unwrap_err(), missing("app"));

        let newer = good.replacen("version = 2", "version = 99", 1);
        let err = Profile::from_toml(&newer).unwrap_err();
        assert_eq!(
            err,
            LoadError::TooNew {
                path: PathBuf::new(),
                version: 99
            }
        );
        assert!(err
            .to_string()
            .contains("written by a newer xconnect (version 99); upgrade xconnect"));

        let zero = good.replacen("version = 2", "version = 0", 1);
        match Profile::from_toml(&zero).unwrap_err() {
            LoadError::Syntax { message, .. } => {
                assert!(
                    message.starts_with("line 1, column 11: version 0"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }

        // Wrong kinds of values are reported with their line.
        let wrong = good.replace("verified = true", "verified = \"yes\"");
        match Profile::from_toml(&wrong).unwrap_err() {
            LoadError::Syntax { message, .. } => {
                assert!(message.starts_with("line 15"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let wrong = good.replace("app_type = \"web\"", "app_type = \"desktop\"");
        match Profile::from_toml(&wrong).unwrap_err() {
            LoadError::Syntax { message, .. } => {
                assert!(message.starts_with("line 6, column 12"), "{message}");
                assert!(message.contains("native"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let wrong = good.replace("2026-11-28T13:05:00Z", "next tuesday");
        match Profile::from_toml(&wrong).unwrap_err() {
            LoadError::Syntax { message, .. } => {
                assert!(message.starts_with("line 25"), "{message}");
                assert!(message.contains("RFC 3339"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_do_not_repeat_secrets() {
        let good = web_full().to_toml().unwrap();
        let mut broken: Vec<String> = (0..good.len())
            .filter(|cut| good.is_char_boundary(*cut))
            .map(|cut| good[..cut].to_string())
            .collect();
        for secret in [
            "SECRET-client-9f8e7d",
            "SECRET-access-1a2b3c",
            "SECRET-refresh-4d5e6f",
        ] {
            let quoted = format!("\"{secret}\"");
            broken.push(good.replace(&quoted, secret));
            broken.push(good.replace(&quoted, &format!("\"{secret}")));
            broken.push(good.replace(&quoted, &format!("'{secret}\"")));
            broken.push(good.replace(&quoted, &format!("\"{secret}\" junk")));
            broken.push(good.replace(&quoted, &format!("\"\"\"{secret}")));
            broken.push(good.replace(&quoted, &format!("[\"{secret}\"]")));
            broken.push(good.replace(&quoted, &format!("{{ value = \"{secret}\" }}")));
        }
        for text in broken {
            if let Err(err) = Profile::from_toml(&text) {
                let shown = format!("{err} {err:?}");
                assert!(!shown.contains("SECRET-"), "{shown}");
            }
        }
    }

    #[test]
    fn invalid_utf8_and_control_characters() {
        let err = parse_bytes(b"version = 1\n\xff\xfe\x00garbage").unwrap_err();
        match err {
            LoadError::Syntax { message, .. } => {
                assert!(
                    message.starts_with("line 2, column 1: not UTF-8"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
        let err = Profile::from_toml("\u{1b}[31mversion = 1").unwrap_err();
        let shown = err.to_string();
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        // A path that would turn a message around (U+202E) or hide a break is shown escaped.
        let err =
            LoadError::Empty(PathBuf::new()).with_path(std::path::Path::new("/p/\u{202e}lmot.\nx"));
        let shown = err.to_string();
        assert!(
            shown.starts_with("/p/\\u{202e}lmot.\\u{a}x is empty"),
            "{shown}"
        );
    }

    #[test]
    fn unknown_keys_and_a_byte_order_mark_are_accepted() {
        let text = format!("\u{feff}{}extra = 1\n", native_minimal().to_toml().unwrap());
        assert_eq!(Profile::from_toml(&text).unwrap(), native_minimal());
    }

    #[test]
    fn messages_say_what_to_do() {
        let path = std::path::Path::new("/cfg/profiles/work.toml");
        let cases = [
            LoadError::Empty(PathBuf::new()).with_path(path),
            syntax("line 3, column 1: bad".into()).with_path(path),
            missing("app.client_id").with_path(path),
        ];
        for err in cases {
            let text = err.to_string();
            assert!(text.starts_with("/cfg/profiles/work.toml"), "{text}");
            assert!(text.contains("xconnect login --profile work"), "{text}");
            assert_eq!(err.path(), Some(path));
        }
        let not_found = LoadError::NotFound {
            name: "x".into(),
            path: "/cfg/profiles/x.toml".into(),
        };
        assert_eq!(
            not_found.to_string(),
            "no profile named \"x\" (looked in /cfg/profiles/x.toml); list the saved ones with \"xconnect profiles\", or make it with \"xconnect login --profile x --client-id ID\" or the wizard (\"xconnect\")"
        );
    }
}
