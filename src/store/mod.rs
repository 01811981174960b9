//! The shared profile store: profiles in a PostgreSQL database that several machines use, for
//! teams that automate one X account from more than one place. X rotates refresh tokens and
//! revokes the grant when an old one is replayed, so the token chain must live in one place
//! with one lock around each refresh; a file lock only covers one machine.
//!
//! [`pgurl`] reads the address (`--store`/`XCONNECT_STORE`) and keeps its password out of every
//! message; [`tls`] is what each `sslmode` checks; [`connect`](mod@connect) opens the
//! connection and keeps the password from a server that declined TLS; [`postgres`] is the
//! store itself.

pub mod file;
pub mod postgres;

use std::fmt;

use async_trait::async_trait;

use crate::profile::Profile;
use file::Purpose;

pub mod error;

pub use error::{db_message, Kind, StoreError};
pub use postgres::pgurl::{PasswordSources, SslMode, StoreUrl, STORE_ENV};
pub use postgres::{Lease, MovedIn, PgStore, Stored, Update, SCHEMA_VERSION};

/// `--store`/`XCONNECT_STORE` as given; an empty value counts as unset.
pub fn store_setting(flag: Option<&str>) -> Option<&str> {
    flag.map(str::trim).filter(|s| !s.is_empty())
}

/// A profile as a store read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub profile: Profile,
    /// Where it is, for messages: the file's path, or its row in the shared store.
    pub place: String,
    /// Things the user should fix, such as a file other users can read.
    pub warnings: Vec<String>,
}

/// One profile of a listing: its name (escaped when it is not a profile name), and the
/// profile or why it cannot be read.
pub type Listed = (String, Result<Profile, String>);

/// Where profiles are kept: this machine's files ([`file::Store`]) or a shared PostgreSQL
/// database ([`PgStore`]). Every command works on one opened store through this, with no
/// code of its own for either; a third kind of store is one folder here and one line in
/// [`open`].
#[async_trait]
pub trait ProfileStore: Send + Sync + fmt::Debug {
    /// Where profile `name` is, for messages: a path, or "NAME in the profile store …".
    fn place(&self, name: &str) -> String;
    /// The profile and where it is, for a question ("Delete the profile …?").
    fn about(&self, name: &str) -> String;
    /// " in the profile store …", or nothing for this machine's files: for messages that
    /// say where profiles were looked for.
    fn where_suffix(&self) -> String;
    /// The error for a profile that is not there.
    fn missing(&self, name: &str) -> StoreError;
    /// Whether a profile of that name exists, when that can be told at once without waiting
    /// on a network (this machine's files: one `stat`); `None` otherwise.
    fn exists_at_once(&self, _name: &str) -> Option<bool> {
        None
    }

    /// Every profile, sorted by name.
    async fn list(&self) -> Result<Vec<Listed>, StoreError>;
    /// Reads a profile (no lock).
    async fn load(&self, name: &str) -> Result<Found, StoreError>;
    async fn exists(&self, name: &str) -> Result<bool, StoreError>;
    /// Saves a whole profile (a login): an existing one is replaced only with `overwrite`
    /// (else [`Kind::Exists`]). Returns where it was saved.
    async fn save(
        &mut self,
        name: &str,
        profile: &Profile,
        overwrite: bool,
    ) -> Result<String, StoreError>;
    /// Deletes a profile, readable or not. Returns what was removed, for messages.
    async fn remove(&mut self, name: &str) -> Result<String, StoreError>;
    async fn default_name(&self) -> Result<Option<String>, StoreError>;
    /// Makes `name` the default: a missing profile is [`Kind::NotFound`], one that does not
    /// read [`Kind::BadProfile`], and the default is then left as it was.
    async fn set_default(&mut self, name: &str) -> Result<(), StoreError>;
    /// Changes a profile under its lock (the file's lock, or the row's in one transaction):
    /// reads it once the lock is held, asks `change` whether it must change, and writes what
    /// `change` returns before the lock is let go. Returns the profile as it is then.
    async fn change_locked(
        &mut self,
        name: &str,
        purpose: Purpose,
        change: &mut dyn Change,
    ) -> Result<Profile, StoreError>;

    /// What only this store can tell `xconnect doctor`, checked without waiting for any lock
    /// and without changing anything: for the shared store, the server reachable, its TLS as
    /// the address asks, the schema current, and profile `name`'s row not locked now; for this
    /// machine's files, the profile's lock free now. A profile that is not there has no lock
    /// to check.
    async fn checks(&mut self, name: &str) -> Vec<crate::checkup::Check>;

    /// [`pick`](Self::pick) and [`load`](Self::load) together: the profile a command is
    /// about, read. A store over a network does both in one round trip.
    async fn pick_and_load(&self, name: Option<&str>) -> Result<(String, Found), StoreError> {
        let name = self.pick(name).await?;
        let found = self.load(&name).await?;
        Ok((name, found))
    }

    /// The profile a command is about: the one named, or the default one.
    async fn pick(&self, name: Option<&str>) -> Result<String, StoreError> {
        if let Some(n) = name {
            return Ok(n.to_string());
        }
        match self.default_name().await? {
            Some(name) => Ok(name),
            None => Err(StoreError::NoDefault {
                // Rows are outside input: only profile names are offered.
                names: self
                    .list()
                    .await?
                    .into_iter()
                    .map(|(n, _)| n)
                    .filter(|n| crate::profile::check_name(n).is_ok())
                    .collect(),
                place: self.where_suffix(),
            }),
        }
    }
}

/// What [`ProfileStore::change_locked`] does while it holds the lock.
#[async_trait]
pub trait Change: Send {
    /// Whether the profile as read under the lock must change; `false` leaves it as it is
    /// (another process did the work meanwhile).
    fn wanted(&mut self, current: &Profile) -> bool;
    /// The change, with the lock held and, for a file, the room for its save taken: the
    /// profile to write, or `None` to write nothing. `held` says whether the lock is still
    /// held (a row's lock ends with its session).
    async fn change(&mut self, current: Profile, held: &(dyn Held + Sync)) -> Option<Profile>;
}

/// Whether a lock taken by [`ProfileStore::change_locked`] is still held.
#[async_trait]
pub trait Held {
    /// `Ok` while the lock is held.
    async fn check(&self) -> Result<(), StoreError>;
}

/// The store the settings name: the shared store when `store` is set (connected, schema
/// checked), else the files of the config folder.
pub async fn open(
    config_dir: Option<std::path::PathBuf>,
    store: Option<&str>,
    env: &crate::settings::Env,
) -> Result<Box<dyn ProfileStore>, StoreError> {
    match store_setting(store) {
        Some(text) => Ok(Box::new(connect(text, env).await?)),
        None => Ok(Box::new(
            file::Store::resolve(config_dir).map_err(StoreError::Config)?,
        )),
    }
}

/// Connects to the store at `text` (password from the URL, `PGPASSWORD` or the password
/// file), creating or upgrading its schema when needed.
/// A weak sslmode for a host that is not this machine is warned about (once per process, on
/// stderr) before anything is sent.
pub async fn connect(text: &str, env: &crate::settings::Env) -> Result<PgStore, StoreError> {
    let url = StoreUrl::parse(text, &PasswordSources::from_env(env))
        .map_err(|e| StoreError::Config(format!("--store/{STORE_ENV}: {e}")))?;
    if let Some(warning) = url.warning() {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| eprintln!("warning: {warning}"));
    }
    PgStore::connect(&url).await
}
