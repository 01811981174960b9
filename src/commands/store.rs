//! `xconnect store status|push|pull`: the shared store (`--store`/`XCONNECT_STORE`) and this
//! machine's profile files. A profile is in one place at a time: two copies of one X grant
//! break the token chain at their next refreshes (X rotates refresh tokens and ends the grant
//! when an old one is replayed), so push removes the file and pull takes the row out.

use super::{exit, lock, Failure};
use crate::profile::{LoadError, MoveState, Moved, MovedTo, Origin, Profile};
use crate::store::file::{ProfileLock, Purpose, Store};
use crate::store::{MovedIn, PgStore, StoreError, Update, SCHEMA_VERSION};

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

/// Moves a profile file into the store, handing the token chain over so that a crash at any
/// moment leaves exactly one copy that may refresh:
///
/// 1. under the file's lock, the file is marked as moving (`[moved]`): from here it never
///    refreshes, and it names the store;
/// 2. the row is written and the move recorded, in one transaction: the row is the owner;
/// 3. the file is removed.
///
/// Run again after a crash, the same command finds the move by its id and finishes it; a file
/// whose move had finished and whose profile has left the store since is an old copy, and is
/// removed without being written anywhere. A push refused because another profile of that name
/// is in the store (no `force`) writes nothing there and leaves the file its chain's owner.
pub async fn push(
    files: &Store,
    pg: &mut PgStore,
    name: &str,
    force: bool,
) -> Result<String, Failure> {
    let label = pg.url().label().to_string();
    let mut held = lock(files, name, Purpose::Remove).await?;
    let loaded = held.load()?;
    let from = file_place(&loaded.path);
    let mut profile = loaded.profile;
    let (id, resumed) = match profile.moved.clone() {
        None => {
            let id = move_id();
            let mut marked = profile.clone();
            marked.mark_moved(Moved {
                to: MovedTo::Store,
                place: label.clone(),
                id: id.clone(),
                state: MoveState::Moving,
                at: crate::timefmt::whole_utc(crate::timefmt::now()),
            });
            held = save_held(held, marked).await?;
            (id, false)
        }
        Some(m) if m.to == MovedTo::Store && m.state == MoveState::Moving => {
            if m.place != label {
                return Err(Failure::new(
                    exit::FAILURE,
                    format!(
                        "{name} is being moved into another profile store, {}; finish that move with --store set to that store",
                        crate::text::escape(&m.place, 200)
                    ),
                ));
            }
            (m.id, true)
        }
        Some(m) => return Err(Failure::new(exit::FAILURE, m.explain(name))),
    };
    profile.clear_moved();
    // The file as it was before any push marked it: what a refused push leaves.
    let unmarked = profile.clone();
    profile.origin = Some(Origin {
        id: id.clone(),
        from: from.clone(),
        at: crate::timefmt::whole_utc(crate::timefmt::now()),
    });
    let moved = match pg.move_in(name, &profile, &id, &from, force).await {
        Ok(moved) => moved,
        // Another profile of that name is in the store, and this move never wrote the row
        // (it would have found its own work first): nothing was written there, so the file is
        // its chain's owner again, as before the push.
        Err(e @ StoreError::Exists { .. }) => {
            let said =
                format!("{e}: pass --force to replace the store's copy (its token chain ends)");
            return Err(match save_held(held, unmarked).await {
                Ok(_) => Failure::new(
                    exit::FAILURE,
                    format!("{said}; {name}'s file is left as it was, and refreshes"),
                ),
                Err(f) => Failure::new(
                    exit::FAILURE,
                    format!(
                        "{said}; {name}'s file no longer refreshes ({f}): run the same push with --force to finish the move"
                    ),
                ),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let removed = tokio::task::spawn_blocking(move || held.remove())
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?;
    let path = match removed {
        Ok(path) => path,
        Err(e) => {
            return Err(Failure::new(
                exit::FAILURE,
                format!(
                    "{name} is now in the profile store {label}, but its file could not be removed ({e}); the file no longer refreshes (it says where the profile went): delete it, or run this push again"
                ),
            ))
        }
    };
    let path = path.display();
    Ok(match moved {
        MovedIn::Inserted if resumed => format!(
            "Finished moving {name} into the profile store {label}; {path} is removed, so only the store's copy refreshes. Use it with --store or XCONNECT_STORE."
        ),
        MovedIn::Inserted => format!(
            "Moved {name} into the profile store {label}; {path} is removed, so only the store's copy refreshes. Use it with --store or XCONNECT_STORE."
        ),
        MovedIn::AlreadyIn => format!(
            "Finished moving {name} into the profile store {label} (its row was already written); {path} is removed. Use it with --store or XCONNECT_STORE."
        ),
        MovedIn::LeftSince => format!(
            "{name} had already moved into the profile store {label} and has left it since (pulled or removed): {path} was an old copy that no longer refreshes, and is removed."
        ),
    })
}

/// Moves a profile from the store to a file of this machine, handing the token chain over so
/// that a crash at any moment leaves exactly one copy that may refresh:
///
/// 1. the row is marked as moving to this file (`[moved]`) and committed: from here it never
///    refreshes, and it names this machine and file;
/// 2. the file is written (under its lock, atomically) from that frozen row: the owner;
/// 3. the row is deleted, or with `keep` left as a copy for reading only.
///
/// A complete temporary file that a crash left in step 2 holds the frozen row, the owner's
/// latest state, so the next command promotes it rightly. Run again, the same command finds
/// the move by its id and finishes it; a file it already wrote is kept as it is (it may have
/// refreshed since); a file it wrote that was removed or replaced since (see
/// `profile::store`'s ended marks) is not written again, as the frozen row may be older than
/// that file was: the row is deleted and nothing is written.
pub async fn pull(
    files: &Store,
    pg: &mut PgStore,
    name: &str,
    force: bool,
    keep: bool,
) -> Result<String, Failure> {
    let label = pg.url().label().to_string();
    let path = files
        .path(name)
        .map_err(|e| Failure::new(exit::FAILURE, e))?;
    let place = file_place(&path);
    // A file that is in the way is named before the row stops refreshing.
    let before = pg.load(name).await?;
    let resuming = before
        .profile
        .moved
        .as_ref()
        .is_some_and(|m| m.to == MovedTo::File && m.place == place);
    if !resuming && !force && files.exists(name) {
        return Err(exists_here(files, name));
    }
    // 1. The row stops being the owner.
    let new_id = move_id();
    let frozen = pg
        .update_locked(name, |current, _| {
            let place = place.clone();
            let new_id = new_id.clone();
            async move {
                let mark = |mut p: Profile| {
                    p.mark_moved(Moved {
                        to: MovedTo::File,
                        place: place.clone(),
                        id: new_id.clone(),
                        state: MoveState::Moving,
                        at: crate::timefmt::whole_utc(crate::timefmt::now()),
                    });
                    Update::Write(p)
                };
                match &current.profile.moved {
                    None => mark(current.profile),
                    Some(m) if m.to == MovedTo::File && m.place == place => Update::Keep,
                    Some(_) if force => mark(current.profile),
                    Some(m) => Update::Fail(Failure::new(
                        exit::FAILURE,
                        format!(
                            "{}; to take it over here instead, when that machine's file is gone for good and never refreshed, pass --force",
                            m.explain(name)
                        ),
                    )),
                }
            }
        })
        .await??;
    let Some(moved) = frozen.profile.moved.clone() else {
        return Err(Failure::new(exit::FAILURE, format!("{name} in the profile store {label} changed while it was being moved; run the pull again")));
    };
    // 2. The file: the owner from here.
    let mut owner = frozen.profile.clone();
    owner.clear_moved();
    owner.origin = Some(Origin {
        id: moved.id.clone(),
        from: label.clone(),
        at: crate::timefmt::whole_utc(crate::timefmt::now()),
    });
    let kept_before = moved.state == MoveState::Kept;
    let written = write_moved_file(
        files,
        name,
        owner,
        &moved.id,
        force && !kept_before,
        kept_before,
    )
    .await?;
    let (path, ended) = match written {
        Written::Here(path) => (path, false),
        Written::EndedSince(path) => (path, true),
    };
    // 3. The row: gone, or a copy for reading.
    let id = moved.id.clone();
    let shown = path.display().to_string();
    pg.update_locked(name, |current, _| async move {
        match &current.profile.moved {
            Some(m) if m.id == id && ended => Update::Remove,
            Some(m) if m.id == id && keep && m.state == MoveState::Kept => Update::Keep,
            Some(m) if m.id == id && keep => {
                let mut copy = current.profile.clone();
                if let Some(m) = copy.moved.as_mut() {
                    m.state = MoveState::Kept;
                }
                Update::Write(copy)
            }
            Some(m) if m.id == id => Update::Remove,
            _ => Update::Fail(Failure::new(
                exit::FAILURE,
                format!("{name} in the profile store changed while it was being moved (another pull took it over); the file written here is {shown}"),
            )),
        }
    })
    .await
    .map_err(Failure::from)
    .and_then(|r| r.map(|_| ()))
    .or_else(|f| if f.code == exit::NO_SUCH_PROFILE { Ok(()) } else { Err(f) })?;
    // No row moves to this file any more.
    if let Ok(held) = lock(files, name, Purpose::Save).await {
        held.forget_ended();
    }
    if ended {
        return Ok(format!(
            "Finished moving {name} out of the profile store {label}: the file this move wrote, {}, was removed or replaced since, and may have refreshed before, so the store's copy is older than it was and is removed; nothing is written.",
            path.display()
        ));
    }
    Ok(if keep {
        format!(
            "Copied {name} from the profile store {label} to {}; the store keeps a copy for reading only (it never refreshes: only the file does).",
            path.display()
        )
    } else {
        format!(
            "Moved {name} from the profile store {label} to {}; it is no longer in the store.",
            path.display()
        )
    })
}

/// Where a profile file is, for the other copy's messages: `host:/path`.
fn file_place(path: &std::path::Path) -> String {
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    format!("{host}:{}", path.display())
}

/// A new move's id: 128 random bits in hex.
fn move_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn exists_here(files: &Store, name: &str) -> Failure {
    let _ = files;
    Failure::new(
        exit::FAILURE,
        format!(
            "a profile file named \"{name}\" exists on this machine; pass --force to replace it"
        ),
    )
}

/// Saves through a held lock off the runtime, and gives the lock back.
async fn save_held(mut held: ProfileLock, profile: Profile) -> Result<ProfileLock, Failure> {
    tokio::task::spawn_blocking(move || held.save(&profile).map(|_| held))
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?
        .map_err(Failure::from)
}

/// What step 2 of a pull found or did.
enum Written {
    /// The file is this move's: written now, or before (kept as it is).
    Here(std::path::PathBuf),
    /// This move wrote the file before, and it was removed or replaced since: nothing written.
    EndedSince(std::path::PathBuf),
}

/// Step 2 of a pull: writes `profile` to its file under the file lock. A file that this move
/// already wrote (its `[origin]` names the move) is kept as it is; one it wrote that was
/// removed or replaced since is not written again; another file only with `force`. With
/// `must_exist` (the row is a kept copy of this file) nothing is written.
async fn write_moved_file(
    files: &Store,
    name: &str,
    profile: Profile,
    id: &str,
    force: bool,
    must_exist: bool,
) -> Result<Written, Failure> {
    let mut held = lock(files, name, Purpose::Save).await?;
    let id = id.to_string();
    let path = files
        .path(name)
        .map_err(|e| Failure::new(exit::FAILURE, e))?;
    tokio::task::spawn_blocking(move || {
        match held.load() {
            Ok(loaded) if loaded.profile.origin.as_ref().is_some_and(|o| o.id == id) => {
                return Ok(Written::Here(loaded.path))
            }
            _ if !must_exist && held.ended_here(&id) => return Ok(Written::EndedSince(path)),
            Err(LoadError::NotFound { .. }) if !must_exist => {}
            Err(LoadError::NotFound { path, .. }) => {
                return Err(Failure::new(
                    exit::FAILURE,
                    format!(
                        "the profile store keeps a copy of {} for reading only, and that file is gone; log in again with: xconnect login --profile {} --force",
                        path.display(),
                        held.name()
                    ),
                ))
            }
            Ok(_) | Err(_) if !force => {
                return Err(Failure::new(
                    exit::FAILURE,
                    format!(
                        "a profile file named \"{}\" exists on this machine; the store's copy no longer refreshes (it is being moved here): pass --force to replace the file, or remove it, then run the pull again",
                        held.name()
                    ),
                ))
            }
            _ => {}
        }
        held.save(&profile)
            .map(Written::Here)
            .map_err(Failure::from)
    })
    .await
    .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?
}
