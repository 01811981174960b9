//! The shared profile store: profiles in a PostgreSQL database that several machines use, for
//! teams that automate one X account from more than one place. X rotates refresh tokens and
//! revokes the grant when an old one is replayed, so the token chain must live in one place
//! with one lock around each refresh; a file lock only covers one machine.
//!
//! [`pgurl`] reads the address (`--store`/`XCONNECT_STORE`) and keeps its password out of every
//! message; [`tls`] is what each `sslmode` checks; [`connect`](mod@connect) opens the
//! connection and keeps the password from a server that declined TLS; [`postgres`] is the
//! store itself.

pub mod connect;
pub mod pgurl;
pub mod postgres;
pub mod tls;

use std::fmt;

pub use pgurl::{PasswordSources, SslMode, StoreUrl, STORE_ENV};
pub use postgres::{Lease, MovedIn, PgStore, Stored, Update, SCHEMA_VERSION};

/// Why the shared store could not do what was asked. Every message names the store by
/// `host:port/database` (never with its password) as the place at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Cannot connect, the connection was lost, the server is starting or stopping, or a
    /// profile stayed locked past the lock time-out: try again later (exit 5).
    Unavailable {
        store: String,
        detail: String,
    },
    /// Anything else the store refused: a bad address, a wrong password, missing rights, a
    /// newer schema (exit 1).
    Failed {
        store: String,
        detail: String,
    },
    NotFound {
        store: String,
        name: String,
    },
    /// A login without `--force` found a profile of that name.
    Exists {
        store: String,
        name: String,
    },
    /// Not a valid profile name; the text says why.
    Name(String),
    /// The stored text is not a profile this xconnect can read (exit 6).
    BadProfile {
        store: String,
        name: String,
        error: String,
    },
    /// A profile file of this machine that could not be read (the files side of [`Profiles`]).
    File(crate::profile::LoadError),
    /// No profile was named and none is the default; `names` are the ones to choose from.
    NoDefault {
        names: Vec<String>,
        place: String,
    },
    /// The store's address or the config folder cannot be used; the text says why.
    Config(String),
}

/// What kind of failure a [`StoreError`] is: the command layer maps each to its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Try again later: the store cannot be reached, dropped the connection, or kept a row
    /// locked too long.
    Unavailable,
    /// No such profile (or none named and no default).
    NotFound,
    /// A stored profile that does not read.
    BadProfile,
    /// Anything else.
    Failed,
}

impl StoreError {
    pub fn failed(url: &StoreUrl, detail: impl Into<String>) -> StoreError {
        StoreError::Failed {
            store: url.label().to_string(),
            detail: detail.into(),
        }
    }

    pub fn not_found(url: &StoreUrl, name: &str) -> StoreError {
        StoreError::NotFound {
            store: url.label().to_string(),
            name: name.to_string(),
        }
    }

    /// Sorts a driver error into "try again later" and the rest.
    pub fn from_pg(url: &StoreUrl, e: &tokio_postgres::Error) -> StoreError {
        let detail = db_message(e);
        let store = url.label().to_string();
        if transient(e) {
            StoreError::Unavailable { store, detail }
        } else {
            StoreError::Failed { store, detail }
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> Kind {
        match self {
            StoreError::Unavailable { .. } => Kind::Unavailable,
            StoreError::NotFound { .. } | StoreError::NoDefault { .. } => Kind::NotFound,
            StoreError::BadProfile { .. } => Kind::BadProfile,
            StoreError::File(e) => match e {
                crate::profile::LoadError::NotFound { .. } => Kind::NotFound,
                crate::profile::LoadError::Lock(crate::profile::LockError::Busy(_)) => {
                    Kind::Unavailable
                }
                crate::profile::LoadError::Name(_)
                | crate::profile::LoadError::Io { .. }
                | crate::profile::LoadError::Lock(_) => Kind::Failed,
                _ => Kind::BadProfile,
            },
            StoreError::Failed { .. }
            | StoreError::Exists { .. }
            | StoreError::Name(_)
            | StoreError::Config(_) => Kind::Failed,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable { store, detail } => write!(
                f,
                "the profile store {store} (PostgreSQL) is unavailable: {detail}; try again later"
            ),
            StoreError::Failed { store, detail } => {
                write!(f, "the profile store {store} (PostgreSQL): {detail}")
            }
            StoreError::NotFound { store, name } => write!(
                f,
                "no profile named \"{name}\" in the profile store {store}; {}",
                crate::profile::missing_advice(name)
            ),
            StoreError::Exists { store, name } => write!(
                f,
                "a profile named \"{name}\" already exists in the profile store {store}; choose another name, or confirm replacing it"
            ),
            StoreError::Name(message) => f.write_str(message),
            StoreError::File(e) => e.fmt(f),
            StoreError::NoDefault { names, place } => {
                f.write_str(&crate::profile::no_default_message(names, place))
            }
            StoreError::Config(message) => f.write_str(message),
            StoreError::BadProfile { store, name, error } => write!(
                f,
                "profile \"{name}\" in the profile store {store} cannot be read ({error}); write it again with \"xconnect login --profile {name} --client-id ID --force\", or remove it with \"xconnect remove {name} --yes\""
            ),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<crate::profile::LoadError> for StoreError {
    fn from(e: crate::profile::LoadError) -> Self {
        StoreError::File(e)
    }
}

/// Whether retrying later may work: no connection (refused, lost, timed out), the server
/// starting, stopping or out of connections, a lock or idle time-out, a serialization failure.
fn transient(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08") // connection exception
                || code.starts_with("53") // insufficient resources (too many connections)
                || code.starts_with("57P") // admin/crash shutdown, cannot connect now
                || matches!(code, "55P03" | "40001" | "40P01" | "25P03")
        }
        None => {
            let kind = e.to_string();
            // Connecting (refused, unreachable, timed out) and I/O on an open connection.
            matches!(
                kind.as_str(),
                "error connecting to server"
                    | "error communicating with the server"
                    | "timeout waiting for server"
                    | "connection closed"
            )
        }
    }
}

/// One line about a driver error: the server's own message and SQLSTATE (never its DETAIL,
/// which can quote a row, tokens included), or the driver's error and its cause.
pub fn db_message(e: &tokio_postgres::Error) -> String {
    let text = match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    };
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Where the commands keep profiles: this machine's files (the default), or the shared store
/// (`--store`/`XCONNECT_STORE`).
#[derive(Debug)]
pub enum Profiles {
    Files(crate::profile::Store),
    Shared(Box<PgStore>),
}

/// `--store`/`XCONNECT_STORE` as given; an empty value counts as unset.
pub fn store_setting(flag: Option<&str>) -> Option<&str> {
    flag.map(str::trim).filter(|s| !s.is_empty())
}

impl Profiles {
    /// The shared store when `store` is set (connected, schema checked), else the files of
    /// the config folder.
    pub async fn open(
        config_dir: Option<std::path::PathBuf>,
        store: Option<&str>,
    ) -> Result<Profiles, StoreError> {
        match store_setting(store) {
            Some(text) => Ok(Profiles::Shared(Box::new(connect(text).await?))),
            None => crate::profile::Store::resolve(config_dir)
                .map(Profiles::Files)
                .map_err(StoreError::Config),
        }
    }

    /// The profile a command is about: the one named, or the default one.
    pub async fn pick(&self, name: Option<&str>) -> Result<String, StoreError> {
        match self {
            Profiles::Files(s) => pick_file(s, name),
            Profiles::Shared(pg) => match name {
                Some(n) => Ok(n.to_string()),
                None => match pg.default_name().await? {
                    Some(name) => Ok(name),
                    None => {
                        // Rows are outside input: only profile names are offered.
                        let names: Vec<String> = pg
                            .list()
                            .await?
                            .into_iter()
                            .map(|(n, _)| n)
                            .filter(|n| crate::profile::check_name(n).is_ok())
                            .collect();
                        let place = format!(" in the profile store {}", pg.url().label());
                        Err(StoreError::NoDefault { names, place })
                    }
                },
            },
        }
    }

    /// Reads a profile (no lock) and says where it is: the file's path, or the store.
    pub async fn load(
        &self,
        name: &str,
        warn: &mut dyn std::io::Write,
    ) -> Result<(crate::profile::Profile, String), StoreError> {
        match self {
            Profiles::Files(s) => {
                let loaded = s.load(name)?;
                for w in &loaded.warnings {
                    let _ = writeln!(warn, "warning: {w}");
                }
                Ok((loaded.profile, loaded.path.display().to_string()))
            }
            Profiles::Shared(pg) => {
                let stored = pg.load(name).await?;
                Ok((stored.profile, self.place(name)))
            }
        }
    }

    /// Where profile `name` lives, for messages.
    pub fn place(&self, name: &str) -> String {
        match self {
            Profiles::Files(s) => s
                .path(name)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| name.to_string()),
            Profiles::Shared(pg) => {
                format!("{name} in the profile store {}", pg.url().label())
            }
        }
    }
}

/// The profile a command is about among this machine's files: the one named, or the default.
pub fn pick_file(store: &crate::profile::Store, name: Option<&str>) -> Result<String, StoreError> {
    if let Some(n) = name {
        return Ok(n.to_string());
    }
    // A marker that is not a small regular file is named, not passed over: the profile a
    // command would then pick is not the one the person meant.
    store
        .try_default_name()?
        .ok_or_else(|| StoreError::NoDefault {
            names: store.list().into_iter().map(|(n, _)| n).collect(),
            place: String::new(),
        })
}

/// Connects to the store at `text` (password from the URL, `PGPASSWORD` or the password
/// file), creating or upgrading its schema when needed.
/// A weak sslmode for a host that is not this machine is warned about (once per process, on
/// stderr) before anything is sent.
pub async fn connect(text: &str) -> Result<PgStore, StoreError> {
    let url = StoreUrl::parse(text, &PasswordSources::from_env())
        .map_err(|e| StoreError::Config(format!("--store/{STORE_ENV}: {e}")))?;
    if let Some(warning) = url.warning() {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| eprintln!("warning: {warning}"));
    }
    PgStore::connect(&url).await
}
