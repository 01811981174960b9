//! Why a store could not do what was asked, and what kind of failure that is (the command
//! layer maps each kind to its exit code).

use super::postgres::pgurl::StoreUrl;

/// Why a store could not do what was asked. Every message about the shared store names it by
/// `host:port/database` (never with its password) as the place at fault; a file's error keeps
/// the file's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Cannot connect, the connection was lost, the server is starting or stopping, or a
    /// profile stayed locked past the lock time-out: try again later (exit 5).
    #[error("the profile store {store} (PostgreSQL) is unavailable: {detail}; try again later")]
    Unavailable { store: String, detail: String },
    /// Anything else the store refused: a bad address, a wrong password, missing rights, a
    /// newer schema (exit 1).
    #[error("the profile store {store} (PostgreSQL): {detail}")]
    Failed { store: String, detail: String },
    #[error("no profile named \"{name}\" in the profile store {store}; {}", crate::profile::missing_advice(.name))]
    NotFound { store: String, name: String },
    /// A login without `--force` found a profile of that name.
    #[error("a profile named \"{name}\" already exists in the profile store {store}; choose another name, or confirm replacing it")]
    Exists { store: String, name: String },
    /// Not a valid profile name; the text says why.
    #[error("{0}")]
    Name(String),
    /// The stored text is not a profile this xconnect can read (exit 6).
    #[error("profile \"{name}\" in the profile store {store} cannot be read ({error}); write it again with \"xconnect login --profile {name} --client-id ID --force\", or remove it with \"xconnect remove {name} --yes\"")]
    BadProfile {
        store: String,
        name: String,
        error: String,
    },
    /// A profile file of this machine that could not be read.
    #[error(transparent)]
    File(#[from] crate::profile::LoadError),
    /// A profile file of this machine that could not be written.
    #[error(transparent)]
    Save(crate::store::file::SaveError),
    /// No room to keep what X would answer: nothing was sent to X.
    #[error("cannot change {name}: there is no room to keep what X would answer ({detail}); nothing was sent to X, and the saved tokens still work: free some space there and run the command again")]
    NoRoom { name: String, detail: String },
    /// No profile was named and none is the default; `names` are the ones to choose from.
    #[error("{}", crate::profile::no_default_message(.names, .place))]
    NoDefault { names: Vec<String>, place: String },
    /// The store's address or the config folder cannot be used; the text says why.
    #[error("{0}")]
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
    /// A login without `--force` found a profile of that name.
    Exists,
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
            StoreError::Exists { .. }
            | StoreError::Save(crate::store::file::SaveError::Exists(_)) => Kind::Exists,
            StoreError::Save(crate::store::file::SaveError::Lock(
                crate::profile::LockError::Busy(_),
            )) => Kind::Unavailable,
            StoreError::Failed { .. }
            | StoreError::Save(_)
            | StoreError::NoRoom { .. }
            | StoreError::Name(_)
            | StoreError::Config(_) => Kind::Failed,
        }
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
