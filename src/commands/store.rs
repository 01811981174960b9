//! `xconnect store status|push|pull`: the shared store (`--store`/`XCONNECT_STORE`) and this
//! machine's profile files. A profile is in one place at a time: two copies of one X grant
//! break the token chain at their next refreshes (X rotates refresh tokens and ends the grant
//! when an old one is replayed), so push removes the file and pull takes the row out.

use super::{exit, lock, Failure};
use crate::profile::{LoadError, Profile, Purpose, Store};
use crate::store::{PgStore, StoreError, Update, SCHEMA_VERSION};

/// The connection and the schema, for people.
pub async fn status(pg: &PgStore) -> Result<String, Failure> {
    let s = pg.status().await?;
    Ok(format!(
        "Profile store: {}\nServer: PostgreSQL {} (signed in as {}; TLS {})\nSchema: version {} (this xconnect: {SCHEMA_VERSION})\nProfiles: {}\n",
        s.store,
        s.server_version,
        s.user,
        if s.tls { "on" } else { "off" },
        s.schema_version,
        s.profiles,
    ))
}

/// Moves a profile file into the store. The file's lock is held throughout, so no process on
/// this machine refreshes between the copy and the removal; the file is removed only once the
/// row is committed.
pub async fn push(files: &Store, pg: &PgStore, name: &str, force: bool) -> Result<String, Failure> {
    let mut held = lock(files, name, Purpose::Remove).await?;
    let loaded = held.load()?;
    pg.save(name, &loaded.profile, force)
        .await
        .map_err(|e| match e {
            StoreError::Exists { .. } => Failure::new(
                exit::FAILURE,
                format!("{e}: pass --force to replace the store's copy (its token chain ends)"),
            ),
            e => e.into(),
        })?;
    let label = pg.url().label().to_string();
    let removed = tokio::task::spawn_blocking(move || held.remove())
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?;
    match removed {
        Ok(path) => Ok(format!(
            "Moved {name} into the profile store {label}; {} is removed, so only the store's copy refreshes. Use it with --store or XCONNECT_STORE.",
            path.display()
        )),
        Err(e) => Err(Failure::new(
            exit::FAILURE,
            format!(
                "{name} is now in the profile store {label}, but its file could not be removed ({e}): delete it now, or its next refresh will end the grant for both"
            ),
        )),
    }
}

/// Moves a profile from the store to a file of this machine: the file is written while the
/// row is locked, then the row is deleted in the same transaction. With `keep` the row stays
/// (a read-only copy: only one of the two may ever refresh).
pub async fn pull(
    files: &Store,
    pg: &mut PgStore,
    name: &str,
    force: bool,
    keep: bool,
) -> Result<String, Failure> {
    let label = pg.url().label().to_string();
    let path = if keep {
        let stored = pg.load(name).await?;
        write_file(files, name, stored.profile, force).await?
    } else {
        let written = std::sync::Mutex::new(None);
        let slot = &written;
        pg.update_locked(name, |current| async move {
            match write_file(files, name, current.profile, force).await {
                Ok(path) => {
                    if let Ok(mut w) = slot.lock() {
                        *w = Some(path);
                    }
                    Update::Remove
                }
                Err(f) => Update::Fail(f),
            }
        })
        .await??;
        let path = written.lock().ok().and_then(|mut w| w.take());
        path.ok_or_else(|| Failure::new(exit::FAILURE, "the profile file was not written"))?
    };
    Ok(if keep {
        format!(
            "Copied {name} from the profile store {label} to {} (kept in the store too: only one copy may refresh, or X ends the grant).",
            path.display()
        )
    } else {
        format!(
            "Moved {name} from the profile store {label} to {}; it is no longer in the store.",
            path.display()
        )
    })
}

/// Writes profile `name` to its file under the file lock; an existing file only with `force`.
async fn write_file(
    files: &Store,
    name: &str,
    profile: Profile,
    force: bool,
) -> Result<std::path::PathBuf, Failure> {
    let mut held = lock(files, name, Purpose::Save).await?;
    tokio::task::spawn_blocking(move || {
        match held.load() {
            Err(LoadError::NotFound { .. }) => {}
            Ok(_) | Err(_) if !force => {
                return Err(Failure::new(
                    exit::FAILURE,
                    format!(
                        "a profile file named \"{}\" exists on this machine; pass --force to replace it",
                        held.name()
                    ),
                ))
            }
            _ => {}
        }
        held.save(&profile).map_err(Failure::from)
    })
    .await
    .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?
}
