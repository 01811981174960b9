//! Profiles in a shared PostgreSQL database: one row per profile, holding the profile's TOML
//! text exactly as a profile file would (so `store pull` writes the same file back), with a few
//! columns beside it for the rules the file store keeps with file locks:
//!
//! - `generation` counts logins: a login that replaces a profile adds one; a refresh never
//!   does, and its write is conditional on the generation it read, so a refresh can never
//!   overwrite a newer login.
//! - `revision` counts every write (a refresh too), so `refresh --force` can tell whether
//!   another machine refreshed while it waited.
//! - A refresh runs inside one transaction holding the row's lock (`SELECT … FOR UPDATE`),
//!   with a lock time-out tied to X's: a second machine waits, then reads the new token and
//!   never calls X with the rotated-out refresh token. A holder that stops answering (paused,
//!   cut off) loses its session after `idle_in_transaction_session_timeout`, and with it any
//!   chance to write late: the database, not a lease, decides.
//!
//! The schema is created on first use and versioned (the `xconnect_schema` row); migrations
//! are SQL text in this file, applied in one transaction under an advisory lock, so two
//! processes starting at once apply each migration once.

mod as_store;
pub mod connect;
pub mod pgurl;
pub mod tls;

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Row};

use super::error::StoreError;
use crate::profile::{check_name, Profile};
use connect::ConnectError;
use pgurl::StoreUrl;

/// The schema version this build writes, and the newest it can use.
pub const SCHEMA_VERSION: i32 = 2;

/// The table holding the profiles (named in SECURITY.md's role grants).
pub const TABLE: &str = "xconnect_profiles";

/// The table holding the schema version row.
pub const SCHEMA_TABLE: &str = "xconnect_schema";

/// Key of the advisory lock taken while the schema is created or migrated ("xconnect").
const MIGRATION_LOCK: i64 = 0x7863_6f6e_6e65_6374;

const CREATE_SCHEMA_TABLE: &str = "CREATE TABLE IF NOT EXISTS xconnect_schema (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version    integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)";

/// Migration N (from 1) takes the schema from version N-1 to N.
const MIGRATIONS: &[&str] = &["
CREATE TABLE xconnect_profiles (
    name       text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    profile    text NOT NULL,
    generation bigint NOT NULL DEFAULT 1,
    revision   bigint NOT NULL DEFAULT 1,
    is_default boolean NOT NULL DEFAULT false,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX xconnect_profiles_one_default ON xconnect_profiles (is_default) WHERE is_default;
CREATE INDEX xconnect_profiles_updated_at ON xconnect_profiles (updated_at);
COMMENT ON TABLE xconnect_profiles IS
    'xconnect profiles: the TOML of each (tokens in the clear), generation = logins, revision = writes';
", "
CREATE TABLE xconnect_moves (
    id        text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    name      text NOT NULL,
    direction text NOT NULL CHECK (direction IN ('push', 'pull')),
    place     text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE xconnect_moves IS
    'xconnect store push/pull: each move by id, so that a move run again after a crash finishes it and never brings back an old copy';
"];

/// The table recording each `store push` that committed (see [`PgStore::move_in`]).
pub const MOVES_TABLE: &str = "xconnect_moves";

/// What [`PgStore::move_in`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovedIn {
    /// The row was written now: the store's copy is the owner.
    Inserted,
    /// This move had already written the row (a push run again after a crash).
    AlreadyIn,
    /// This move had written the row, and the profile has left the store since (pulled or
    /// removed): the file that asks is an old copy.
    LeftSince,
}

/// The largest profile text a row may hold, as for a file: a longer one is never sent to this
/// process (the server leaves it out and says how long it is), so a hostile row costs nothing.
pub const MAX_ROW_BYTES: i32 = 1 << 20;

/// The profile column, bounded: the text, or NULL when it is longer than [`MAX_ROW_BYTES`].
const PROFILE_BOUNDED: &str =
    "CASE WHEN octet_length(profile) <= 1048576 THEN profile END, octet_length(profile)";

/// The columns every read takes, in this order (see [`stored`]).
const COLUMNS: &str = "name, CASE WHEN octet_length(profile) <= 1048576 THEN profile END, \
    generation, revision, is_default, \
    to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
    octet_length(profile)";

/// The lock time-out and the idle-in-transaction time-out (the lease) for a given X time-out.
/// A holder checks its lease right before it sends a refresh token to X ([`Lease::check`]),
/// which starts the idle clock again; from there the lease must outlast the longest a call
/// to X may take (the time-out, then at most a few seconds to read an answer that arrived
/// while the process was stopped), so it is the time-out plus 15 s. A waiter waits a little
/// longer than a lease lasts.
pub fn timeouts(x_timeout: Duration) -> (Duration, Duration) {
    let lease = x_timeout + Duration::from_secs(15);
    (lease + Duration::from_secs(5), lease)
}

/// The row lock of [`PgStore::update_locked`], as the caller holds it: [`Lease::check`] asks
/// the database, right before something that must not happen without the lock (sending a
/// refresh token to X), whether this session still holds it. A session that sat idle past
/// the lease (a process stopped, a network cut) was ended by the server, its lock released,
/// and another machine may have refreshed since.
#[derive(Debug, Clone)]
pub struct Lease {
    ask: tokio::sync::mpsc::Sender<tokio::sync::oneshot::Sender<Result<(), StoreError>>>,
}

impl Lease {
    /// `Ok` when the lock is still held (and the lease starts again from now).
    pub async fn check(&self) -> Result<(), StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let gone = || StoreError::Unavailable {
            store: String::new(),
            detail: "the row lock was given up".to_string(),
        };
        self.ask.send(reply).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// One profile row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub name: String,
    pub profile: Profile,
    /// Logins so far (a login that replaces the profile adds one; a refresh does not).
    pub generation: i64,
    /// Writes so far (every login, refresh and revoke).
    pub revision: i64,
    pub is_default: bool,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// What [`PgStore::update_locked`]'s caller decided, holding the row lock.
#[derive(Debug)]
pub enum Update<E> {
    /// Nothing to write (another machine already did the work).
    Keep,
    /// Write this profile.
    Write(Profile),
    /// Write this profile, then report the failure (e.g. X refused the refresh token: the
    /// profile is marked as needing a new login).
    WriteThenFail(Profile, E),
    /// Write nothing and report the failure.
    Fail(E),
    /// Delete the row (it moved elsewhere).
    Remove,
}

/// What `store status` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub store: String,
    pub server_version: String,
    pub schema_version: i32,
    pub profiles: i64,
    /// Whether this connection is encrypted (TLS).
    pub tls: bool,
    pub user: String,
}

/// A connection to the shared store, schema checked.
pub struct PgStore {
    url: StoreUrl,
    client: Client,
    connection: JoinHandle<()>,
    lock_timeout: Duration,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &self.url).finish()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

impl PgStore {
    /// Connects, sets the session's time-outs from X's (`XCONNECT_TIMEOUT`), and creates or
    /// migrates the schema when needed.
    pub async fn connect(url: &StoreUrl) -> Result<PgStore, StoreError> {
        Self::connect_with(url, crate::x::http::request_timeout()).await
    }

    /// The same with an explicit X time-out.
    pub async fn connect_with(url: &StoreUrl, x_timeout: Duration) -> Result<PgStore, StoreError> {
        let (client, connection) = connect::open(url).await.map_err(|e| match e {
            ConnectError::Unreachable(why) | ConnectError::Session(why) => StoreError::Unavailable {
                store: url.label().to_string(),
                detail: format!("error connecting to server: {why}"),
            },
            ConnectError::ClearText(host) => StoreError::failed(
                url,
                format!(
                    "the server asked for the password in clear text without TLS; it was not sent, as {host} is not this machine: turn TLS on at the server and use sslmode=verify-full, or have the server ask for scram-sha-256 (pg_hba.conf)"
                ),
            ),
            ConnectError::Pg(e) => StoreError::from_pg(url, &e),
            ConnectError::Setup(why) => StoreError::failed(url, why),
        })?;
        let (lock_timeout, idle_timeout) = timeouts(x_timeout);
        let mut store = PgStore {
            url: url.clone(),
            client,
            connection,
            lock_timeout,
        };
        // One round trip: the session's time-outs and the schema's version together.
        let version = store.start_session(lock_timeout, idle_timeout).await?;
        if version != Some(SCHEMA_VERSION) {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// How long this session waits for a row lock, and how long it may sit idle inside a
    /// transaction (holding a lock) before the server ends it.
    pub async fn set_timeouts(&mut self, lock: Duration, idle: Duration) -> Result<(), StoreError> {
        let settings = format!(
            "SET lock_timeout = '{}ms'; SET idle_in_transaction_session_timeout = '{}ms'",
            lock.as_millis().max(1),
            idle.as_millis().max(1)
        );
        self.client
            .batch_execute(&settings)
            .await
            .map_err(|e| self.err(&e))?;
        self.lock_timeout = lock;
        Ok(())
    }

    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// Sets the session's time-outs and reads the schema's version in one round trip (a
    /// simple query of three statements); before the schema exists the time-outs are set on
    /// their own (the failed batch took them back). A newer schema is an error.
    async fn start_session(
        &mut self,
        lock: Duration,
        idle: Duration,
    ) -> Result<Option<i32>, StoreError> {
        let batch = format!(
            "SET lock_timeout = '{}ms'; SET idle_in_transaction_session_timeout = '{}ms'; SELECT version FROM xconnect_schema",
            lock.as_millis().max(1),
            idle.as_millis().max(1)
        );
        let messages = match self.client.simple_query(&batch).await {
            Ok(m) => m,
            Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => {
                self.set_timeouts(lock, idle).await?;
                return Ok(None);
            }
            Err(e) => return Err(self.err(&e)),
        };
        self.lock_timeout = lock;
        let version = messages.iter().find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
            _ => None,
        });
        let version = match version {
            None => None,
            Some(v) => Some(v.trim().parse::<i32>().map_err(|_| {
                StoreError::failed(
                    &self.url,
                    format!("its schema version {v:?} is not a number"),
                )
            })?),
        };
        match version {
            Some(v) if v > SCHEMA_VERSION => Err(StoreError::failed(
                &self.url,
                format!(
                    "its schema is version {v}, written by a newer xconnect (this one knows {SCHEMA_VERSION}); upgrade xconnect"
                ),
            )),
            v => Ok(v),
        }
    }

    fn err(&self, e: &tokio_postgres::Error) -> StoreError {
        StoreError::from_pg(&self.url, e)
    }

    /// Creates or upgrades the schema: one transaction, under an advisory lock so that two
    /// processes starting at once wait for each other and the second finds the work done.
    async fn migrate(&mut self) -> Result<(), StoreError> {
        let url = self.url.clone();
        let err = |e: tokio_postgres::Error| {
            if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
                StoreError::failed(
                    &url,
                    format!(
                        "its tables need creating or upgrading to schema version {SCHEMA_VERSION}, which this role may not do ({}); run \"xconnect store status\" once as the tables' owner (see SECURITY.md)",
                        super::error::db_message(&e)
                    ),
                )
            } else {
                StoreError::from_pg(&url, &e)
            }
        };
        let tx = self.client.transaction().await.map_err(err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(err)?;
        tx.batch_execute(CREATE_SCHEMA_TABLE).await.map_err(err)?;
        let current: i32 = match tx
            .query_opt("SELECT version FROM xconnect_schema", &[])
            .await
            .map_err(err)?
        {
            Some(row) => row.try_get(0).map_err(err)?,
            None => 0,
        };
        if current > SCHEMA_VERSION {
            return Err(StoreError::failed(
                &url,
                format!("its schema is version {current}, written by a newer xconnect; upgrade xconnect"),
            ));
        }
        for sql in MIGRATIONS
            .iter()
            .skip(usize::try_from(current).unwrap_or(0))
        {
            tx.batch_execute(sql).await.map_err(err)?;
        }
        tx.execute(
            "INSERT INTO xconnect_schema (singleton, version) VALUES (true, $1)
             ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, updated_at = now()",
            &[&SCHEMA_VERSION],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)
    }

    /// Every profile in natural order of names (`p2` before `p10`, as the files are listed); a
    /// row whose text does not read is listed with why.
    pub async fn list(&self) -> Result<Vec<(String, Result<Stored, StoreError>)>, StoreError> {
        let rows = self
            .client
            .query(
                &format!("SELECT {COLUMNS} FROM xconnect_profiles ORDER BY name"),
                &[],
            )
            .await
            .map_err(|e| self.err(&e))?;
        let mut listed = rows
            .iter()
            .map(|row| {
                let name: String = row.try_get(0).map_err(|e| self.err(&e))?;
                let stored = stored(&self.url, row);
                Ok((name, stored))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        listed.sort_by(|(a, _), (b, _)| crate::profile::natural_cmp(a, b));
        Ok(listed)
    }

    /// The names of the stored profiles, in natural order; a row whose name is not a profile
    /// name (outside input) is left out.
    pub async fn names(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client
            .query("SELECT name FROM xconnect_profiles", &[])
            .await
            .map_err(|e| self.err(&e))?;
        let mut names = rows
            .iter()
            .map(|row| row.try_get::<_, String>(0).map_err(|e| self.err(&e)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        names.retain(|n| check_name(n).is_ok());
        crate::profile::sort_natural(&mut names);
        Ok(names)
    }

    /// Reads one profile, taking no lock.
    pub async fn load(&self, name: &str) -> Result<Stored, StoreError> {
        check_name(name).map_err(StoreError::Name)?;
        // Typed: one round trip, no statement prepared first.
        let row = self
            .client
            .query_typed_opt(
                &format!("SELECT {COLUMNS} FROM xconnect_profiles WHERE name = $1"),
                &[(&name, Type::TEXT)],
            )
            .await
            .map_err(|e| self.err(&e))?;
        match row {
            Some(row) => stored(&self.url, &row),
            None => Err(StoreError::not_found(&self.url, name)),
        }
    }

    /// Whether a profile of that name is stored.
    pub async fn exists(&self, name: &str) -> Result<bool, StoreError> {
        check_name(name).map_err(StoreError::Name)?;
        let row = self
            .client
            .query_opt("SELECT 1 FROM xconnect_profiles WHERE name = $1", &[&name])
            .await
            .map_err(|e| self.err(&e))?;
        Ok(row.is_some())
    }

    /// Saves a login. Without `overwrite` an existing profile is left as it was
    /// ([`StoreError::Exists`]); with it, the profile is replaced and its generation goes up,
    /// so a refresh that read the old login cannot write over this one. Waits for a refresh
    /// holding the row (at most the lock time-out).
    pub async fn save(
        &self,
        name: &str,
        profile: &Profile,
        overwrite: bool,
    ) -> Result<Stored, StoreError> {
        let (text, expires) = self.row_text(name, profile)?;
        let sql = if overwrite {
            format!(
                "INSERT INTO xconnect_profiles (name, profile, expires_at) VALUES ($1, $2, $3::text::timestamptz)
                 ON CONFLICT (name) DO UPDATE SET profile = EXCLUDED.profile,
                    expires_at = EXCLUDED.expires_at,
                    generation = xconnect_profiles.generation + 1,
                    revision = xconnect_profiles.revision + 1,
                    updated_at = now()
                 RETURNING {COLUMNS}"
            )
        } else {
            format!(
                "INSERT INTO xconnect_profiles (name, profile, expires_at) VALUES ($1, $2, $3::text::timestamptz)
                 ON CONFLICT (name) DO NOTHING
                 RETURNING {COLUMNS}"
            )
        };
        let row = self
            .client
            .query_opt(&sql, &[&name, &text, &expires])
            .await
            .map_err(|e| self.err(&e))?;
        match row {
            Some(row) => stored(&self.url, &row),
            None => Err(StoreError::Exists {
                store: self.url.label().to_string(),
                name: name.to_string(),
            }),
        }
    }

    /// Deletes a profile (waiting for a refresh holding it).
    pub async fn remove(&self, name: &str) -> Result<(), StoreError> {
        check_name(name).map_err(StoreError::Name)?;
        let n = self
            .client
            .execute("DELETE FROM xconnect_profiles WHERE name = $1", &[&name])
            .await
            .map_err(|e| self.err(&e))?;
        if n == 0 {
            return Err(StoreError::not_found(&self.url, name));
        }
        Ok(())
    }

    /// The default profile's row (see [`default_name`](Self::default_name)) in one query, or
    /// `None` when no profile is the default.
    pub async fn load_default(&self) -> Result<Option<Stored>, StoreError> {
        let rows = self
            .client
            .query_typed(
                &format!(
                    "SELECT {COLUMNS} FROM xconnect_profiles
                     ORDER BY is_default DESC, (name = 'default') DESC, name LIMIT 2"
                ),
                &[],
            )
            .await
            .map_err(|e| self.err(&e))?;
        let get = |e: tokio_postgres::Error| self.err(&e);
        let picked = match rows.as_slice() {
            [first, ..]
                if first.try_get::<_, bool>(4).map_err(get)?
                    || first.try_get::<_, String>(0).map_err(get)? == "default" =>
            {
                first
            }
            [only] => only,
            _ => return Ok(None),
        };
        let name: String = picked.try_get(0).map_err(get)?;
        check_name(&name).map_err(StoreError::Name)?;
        stored(&self.url, picked).map(Some)
    }

    /// The profile used when none is named: the one marked default; else "default" if it
    /// exists; else the only profile, if there is exactly one (the file store's rules).
    pub async fn default_name(&self) -> Result<Option<String>, StoreError> {
        let rows = self
            .client
            .query_typed(
                "SELECT name, is_default FROM xconnect_profiles
                 ORDER BY is_default DESC, (name = 'default') DESC, name LIMIT 2",
                &[],
            )
            .await
            .map_err(|e| self.err(&e))?;
        let mut names = Vec::new();
        for row in &rows {
            let name: String = row.try_get(0).map_err(|e| self.err(&e))?;
            let is_default: bool = row.try_get(1).map_err(|e| self.err(&e))?;
            if is_default || name == "default" {
                return Ok(Some(name));
            }
            names.push(name);
        }
        Ok(match <[String; 1]>::try_from(names) {
            Ok([only]) => Some(only),
            Err(_) => None,
        })
    }

    /// Makes `name`, which must exist, the default profile.
    pub async fn set_default(&mut self, name: &str) -> Result<(), StoreError> {
        check_name(name).map_err(StoreError::Name)?;
        let url = self.url.clone();
        let err = |e: tokio_postgres::Error| StoreError::from_pg(&url, &e);
        let tx = self.client.transaction().await.map_err(err)?;
        tx.execute(
            "UPDATE xconnect_profiles SET is_default = false WHERE is_default AND name <> $1",
            &[&name],
        )
        .await
        .map_err(err)?;
        let n = tx
            .execute(
                "UPDATE xconnect_profiles SET is_default = true WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(err)?;
        if n == 0 {
            // Rolled back on drop: the old default stays.
            return Err(StoreError::not_found(&url, name));
        }
        tx.commit().await.map_err(err)
    }

    /// Runs `decide` on the profile while holding its row lock, in one transaction:
    /// `BEGIN; SET LOCAL lock_timeout; SELECT … FOR UPDATE; decide; UPDATE; COMMIT`. The
    /// write is conditional on the generation read, so it never replaces a newer login; it is
    /// committed before this returns, and only then may the caller use what it wrote.
    ///
    /// A lock not granted within the lock time-out (SQLSTATE 55P03) is
    /// [`StoreError::Unavailable`]: another machine holds the profile.
    pub async fn update_locked<E, F, Fut>(
        &mut self,
        name: &str,
        decide: F,
    ) -> Result<Result<Stored, E>, StoreError>
    where
        F: FnOnce(Stored, Lease) -> Fut,
        Fut: Future<Output = Update<E>>,
    {
        check_name(name).map_err(StoreError::Name)?;
        let url = self.url.clone();
        let lock_ms = self.lock_timeout.as_millis();
        let err = |e: tokio_postgres::Error| {
            if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
                StoreError::Unavailable {
                    store: url.label().to_string(),
                    detail: format!(
                        "profile {name:?} stayed locked by another process or machine for {} s (it may be refreshing); try again",
                        lock_ms / 1000
                    ),
                }
            } else {
                StoreError::from_pg(&url, &e)
            }
        };
        let tx = self.client.transaction().await.map_err(err)?;
        tx.batch_execute(&format!("SET LOCAL lock_timeout = '{lock_ms}ms'"))
            .await
            .map_err(err)?;
        let row = tx
            .query_opt(
                &format!("SELECT {COLUMNS} FROM xconnect_profiles WHERE name = $1 FOR UPDATE"),
                &[&name],
            )
            .await
            .map_err(err)?;
        let Some(row) = row else {
            return Err(StoreError::not_found(&url, name));
        };
        let current = stored(&url, &row)?;
        let generation = current.generation;
        // Prepared before X is called: after X's answer only the UPDATE and the COMMIT remain
        // (two round trips), the window in which a crash loses a rotated refresh token.
        let update = tx
            .prepare(&format!(
                "UPDATE xconnect_profiles SET profile = $2, expires_at = $3::text::timestamptz,
                    revision = revision + 1, updated_at = now()
                 WHERE name = $1 AND generation = $4
                 RETURNING {COLUMNS}"
            ))
            .await
            .map_err(err)?;
        let (ask, mut asked) = tokio::sync::mpsc::channel(1);
        let decided = decide(current.clone(), Lease { ask });
        tokio::pin!(decided);
        let decision = loop {
            tokio::select! {
                biased;
                Some(reply) = asked.recv() => {
                    let held = tx
                        .execute("SELECT 1", &[])
                        .await
                        .map(|_| ())
                        .map_err(|e| lease_lost(&url, name, &e));
                    let _ = reply.send(held);
                }
                decision = &mut decided => break decision,
            }
        };
        let (profile, failure) = match decision {
            Update::Keep => {
                tx.commit().await.map_err(err)?;
                return Ok(Ok(current));
            }
            Update::Fail(e) => {
                tx.rollback().await.map_err(err)?;
                return Ok(Err(e));
            }
            Update::Remove => {
                let n = tx
                    .execute(
                        "DELETE FROM xconnect_profiles WHERE name = $1 AND generation = $2",
                        &[&name, &generation],
                    )
                    .await
                    .map_err(err)?;
                if n != 1 {
                    return Err(StoreError::failed(
                        &url,
                        format!(
                            "profile {name:?} changed while it was locked; nothing was removed"
                        ),
                    ));
                }
                tx.commit().await.map_err(err)?;
                return Ok(Ok(current));
            }
            Update::Write(p) => (p, None),
            Update::WriteThenFail(p, e) => (p, Some(e)),
        };
        let text = profile
            .to_toml()
            .map_err(|e| StoreError::failed(&url, format!("cannot save {name:?}: {e}")))?;
        let expires = expires_at(&profile);
        let row = tx
            .query_opt(&update, &[&name, &text, &expires, &generation])
            .await
            .map_err(err)?;
        let Some(row) = row else {
            // Cannot happen while the row is locked; kept as the rule's last guard.
            return Err(StoreError::failed(
                &url,
                format!("profile {name:?} was replaced by a newer login; nothing was written"),
            ));
        };
        let written = stored(&url, &row)?;
        tx.commit().await.map_err(err)?;
        Ok(match failure {
            Some(e) => Err(e),
            None => Ok(written),
        })
    }

    /// The row half of `store push`: writes `profile` (the file's latest state, which stopped
    /// refreshing before this was called) as the owner, and records move `id`, in one
    /// transaction. Run again with the same `id` it finds its own work and writes nothing. An
    /// existing row is replaced only with `overwrite`, or when it is a copy that points at
    /// `from` (the very file being moved in).
    pub async fn move_in(
        &mut self,
        name: &str,
        profile: &Profile,
        id: &str,
        from: &str,
        overwrite: bool,
    ) -> Result<MovedIn, StoreError> {
        let (text, expires) = self.row_text(name, profile)?;
        let url = self.url.clone();
        let lock_ms = self.lock_timeout.as_millis();
        let err = |e: tokio_postgres::Error| StoreError::from_pg(&url, &e);
        let tx = self.client.transaction().await.map_err(err)?;
        tx.batch_execute(&format!("SET LOCAL lock_timeout = '{lock_ms}ms'"))
            .await
            .map_err(err)?;
        let row = tx
            .query_opt(
                &format!(
                    "SELECT {PROFILE_BOUNDED} FROM xconnect_profiles WHERE name = $1 FOR UPDATE"
                ),
                &[&name],
            )
            .await
            .map_err(err)?;
        let done = tx
            .query_opt("SELECT 1 FROM xconnect_moves WHERE id = $1", &[&id])
            .await
            .map_err(err)?
            .is_some();
        let current = match &row {
            Some(r) => {
                let text: Option<String> = r.try_get(0).map_err(err)?;
                Some(text.and_then(|t| Profile::from_toml(&t).ok()))
            }
            None => None,
        };
        if done {
            tx.commit().await.map_err(err)?;
            let ours =
                matches!(&current, Some(Some(p)) if p.origin.as_ref().is_some_and(|o| o.id == id));
            return Ok(if ours {
                MovedIn::AlreadyIn
            } else {
                MovedIn::LeftSince
            });
        }
        let sql = match &current {
            None => "INSERT INTO xconnect_profiles (name, profile, expires_at) VALUES ($1, $2, $3::text::timestamptz)",
            Some(existing) => {
                let copy_of_this_file = existing.as_ref().and_then(|p| p.moved.as_ref()).is_some_and(|m| {
                    m.to == crate::profile::MovedTo::File && m.place == from
                });
                if !overwrite && !copy_of_this_file {
                    return Err(StoreError::Exists {
                        store: url.label().to_string(),
                        name: name.to_string(),
                    });
                }
                "UPDATE xconnect_profiles SET profile = $2, expires_at = $3::text::timestamptz,
                    generation = generation + 1, revision = revision + 1, updated_at = now()
                 WHERE name = $1"
            }
        };
        tx.execute(sql, &[&name, &text, &expires])
            .await
            .map_err(err)?;
        tx.execute(
            "INSERT INTO xconnect_moves (id, name, direction, place) VALUES ($1, $2, 'push', $3)",
            &[&id, &name, &from],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(MovedIn::Inserted)
    }

    /// Connection and schema, for `store status`.
    pub async fn status(&self) -> Result<Status, StoreError> {
        let row = self
            .client
            .query_one(
                "SELECT current_setting('server_version'),
                        (SELECT version FROM xconnect_schema),
                        (SELECT count(*) FROM xconnect_profiles),
                        coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false),
                        current_user::text",
                &[],
            )
            .await
            .map_err(|e| self.err(&e))?;
        let get = |e: tokio_postgres::Error| StoreError::from_pg(&self.url, &e);
        Ok(Status {
            store: self.url.redacted().to_string(),
            server_version: row.try_get(0).map_err(get)?,
            schema_version: row.try_get(1).map_err(get)?,
            profiles: row.try_get(2).map_err(get)?,
            tls: row.try_get(3).map_err(get)?,
            user: row.try_get(4).map_err(get)?,
        })
    }

    /// `xconnect doctor`'s checks of the store (see [`crate::store::ProfileStore::checks`]):
    /// reachable, TLS as the address asks, schema current, and the row of `name` not locked
    /// now (`SELECT … FOR UPDATE NOWAIT` in a transaction that is rolled back: nothing waits,
    /// nothing changes).
    pub async fn checks(&mut self, name: &str) -> Vec<crate::checkup::Check> {
        use crate::checkup::Check;
        let label = self.url.label().to_string();
        let status = match self.status().await {
            Ok(s) => s,
            Err(e) => {
                return vec![Check::fail(
                    "store",
                    format!("the profile store {label} does not answer: {e}"),
                    "check the network and that the server runs, then run xconnect doctor again",
                )]
            }
        };
        let mut out = vec![Check::pass(
            "store",
            format!(
                "{label} answers (PostgreSQL {}, as {})",
                status.server_version, status.user
            ),
        )];
        let mode = self.url.ssl().as_str();
        out.push(match self.url.warning() {
            Some(w) => {
                let (what, fix) = w.split_once("; ").unwrap_or((w.as_str(), ""));
                Check::warn("store_tls", what, fix)
            }
            None if status.tls
                && matches!(
                    self.url.ssl(),
                    pgurl::SslMode::VerifyFull | pgurl::SslMode::VerifyCa
                ) =>
            {
                Check::pass(
                    "store_tls",
                    format!("TLS, the server's certificate verified (sslmode={mode})"),
                )
            }
            None if status.tls => Check::pass("store_tls", format!("TLS (sslmode={mode})")),
            None => Check::pass(
                "store_tls",
                format!("no TLS (sslmode={mode}), to this machine: nothing leaves it"),
            ),
        });
        out.push(match status.schema_version {
            v if v == SCHEMA_VERSION => {
                Check::pass("store_schema", format!("schema version {v}, current"))
            }
            v => Check::fail(
                "store_schema",
                format!("schema version {v}, this xconnect needs {SCHEMA_VERSION}"),
                "run xconnect store status once as the tables' owner (see SECURITY.md)",
            ),
        });
        if check_name(name).is_ok() {
            if let Some(lock) = self.row_lock(name).await {
                out.push(lock);
            }
        }
        out
    }

    /// Whether the row of `name` is locked now; `None` when there is no such row.
    async fn row_lock(&mut self, name: &str) -> Option<crate::checkup::Check> {
        use crate::checkup::Check;
        let label = self.url.label().to_string();
        let failed = |e: tokio_postgres::Error| {
            Check::fail(
                "profile_lock",
                format!(
                    "the row of {name} could not be checked: {}",
                    super::error::db_message(&e)
                ),
                "",
            )
        };
        let tx = match self.client.transaction().await {
            Ok(tx) => tx,
            Err(e) => return Some(failed(e)),
        };
        let row = tx
            .query_opt(
                "SELECT 1 FROM xconnect_profiles WHERE name = $1 FOR UPDATE NOWAIT",
                &[&name],
            )
            .await;
        let _ = tx.rollback().await;
        match row {
            Ok(Some(_)) => Some(Check::pass("profile_lock", format!("the row of {name} is not locked"))),
            Ok(None) => None,
            Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => Some(Check::fail(
                "profile_lock",
                format!("the row of {name} in {label} is locked now by another process or machine: a refresh under way, or a session that hangs (commands then wait, and give up with exit 5)"),
                "let it end and run xconnect doctor again; if it stays locked, find the session in pg_stat_activity (state 'idle in transaction') and end it with pg_terminate_backend(pid)",
            )),
            Err(e) => Some(failed(e)),
        }
    }

    /// The stored TOML text of a profile, byte for byte (for tests and `store pull`).
    pub async fn text(&self, name: &str) -> Result<String, StoreError> {
        check_name(name).map_err(StoreError::Name)?;
        let row = self
            .client
            .query_opt(
                &format!("SELECT {PROFILE_BOUNDED} FROM xconnect_profiles WHERE name = $1"),
                &[&name],
            )
            .await
            .map_err(|e| self.err(&e))?;
        match row {
            Some(r) => bounded_text(
                &self.url,
                name,
                r.try_get(0).map_err(|e| self.err(&e))?,
                r.try_get(1).map_err(|e| self.err(&e))?,
            ),
            None => Err(StoreError::not_found(&self.url, name)),
        }
    }
}

impl PgStore {
    /// A profile as its row holds it: the TOML text and the `expires_at` column; the name
    /// checked first.
    fn row_text(
        &self,
        name: &str,
        profile: &Profile,
    ) -> Result<(String, Option<String>), StoreError> {
        check_name(name).map_err(StoreError::Name)?;
        let text = profile
            .to_toml()
            .map_err(|e| StoreError::failed(&self.url, format!("cannot save {name:?}: {e}")))?;
        Ok((text, expires_at(profile)))
    }
}

/// A lease check that failed: the session no longer holds the row.
fn lease_lost(url: &StoreUrl, name: &str, e: &tokio_postgres::Error) -> StoreError {
    StoreError::Unavailable {
        store: url.label().to_string(),
        detail: format!(
            "this process no longer holds profile {name:?} (its session was ended, after a pause or a cut connection: {}); nothing was sent to X; try again",
            super::error::db_message(e)
        ),
    }
}

/// The token's expiry for the `expires_at` column, as RFC 3339 text.
fn expires_at(profile: &Profile) -> Option<String> {
    profile.token.as_ref().and_then(|t| {
        t.expires_at
            .format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
}

/// The profile text of a row read with [`PROFILE_BOUNDED`]: `None` means it was too long to
/// be sent.
fn bounded_text(
    url: &StoreUrl,
    name: &str,
    text: Option<String>,
    length: i32,
) -> Result<String, StoreError> {
    text.ok_or_else(|| StoreError::BadProfile {
        store: url.label().to_string(),
        name: name.to_string(),
        error: format!(
            "it is {length} bytes, too large to be a profile (at most {MAX_ROW_BYTES}); it was not read"
        ),
    })
}

/// A row of [`COLUMNS`] read back.
fn stored(url: &StoreUrl, row: &Row) -> Result<Stored, StoreError> {
    let get = |e: tokio_postgres::Error| StoreError::from_pg(url, &e);
    let name: String = row.try_get(0).map_err(get)?;
    let text = bounded_text(
        url,
        &name,
        row.try_get(1).map_err(get)?,
        row.try_get(6).map_err(get)?,
    )?;
    let profile = Profile::from_toml(&text).map_err(|error| StoreError::BadProfile {
        store: url.label().to_string(),
        name: name.clone(),
        error: error.to_string(),
    })?;
    Ok(Stored {
        name,
        profile,
        generation: row.try_get(2).map_err(get)?,
        revision: row.try_get(3).map_err(get)?,
        is_default: row.try_get(4).map_err(get)?,
        updated_at: row.try_get(5).map_err(get)?,
    })
}
