//! The profile's lock: one process at a time changes a profile. The lock file
//! (`profiles/.<name>.lock`) is opened without following a link and without waiting on a
//! FIFO; a process that waits is told what the holder does, and waits a bounded time.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::atomic::{
    reserve, sweep_stale_temps, sync_dir, write_atomic, write_reserved, Keep, Replace, Reservation,
    WriteError,
};
use super::paths::is_profile_file;
use super::perms::{permission_hint, symlink_advice, NO_SURPRISES};
use super::{Loaded, SaveError, Store, DEFAULT_FILE, MAX_PROFILE_BYTES};
pub use crate::profile::LockError;
use crate::profile::{check_name, show_path, LoadError, Profile};

/// Waiting for another process's lock: the first pause, and the longest.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_millis(200);

/// What a process does while it holds a profile's lock; a process that waits is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Refresh,
    Save,
    Revoke,
    Remove,
    SetDefault,
}

impl Purpose {
    const ALL: [Purpose; 5] = [
        Purpose::Refresh,
        Purpose::Save,
        Purpose::Revoke,
        Purpose::Remove,
        Purpose::SetDefault,
    ];

    /// The word the holder writes in the lock file.
    fn word(self) -> &'static str {
        match self {
            Purpose::Refresh => "refreshing",
            Purpose::Save => "saving",
            Purpose::Revoke => "revoking",
            Purpose::Remove => "removing",
            Purpose::SetDefault => "default",
        }
    }

    /// "refreshing work", for "another xconnect process that is …".
    fn describe(self, name: &str) -> String {
        match self {
            Purpose::Refresh => format!("refreshing {name}"),
            Purpose::Save => format!("saving {name}"),
            Purpose::Revoke => format!("revoking the tokens of {name}"),
            Purpose::Remove => format!("removing {name}"),
            Purpose::SetDefault => format!("making {name} the default"),
        }
    }
}

/// How long a process waits for another one's lock: a holder makes at most two calls to X
/// (a revoke), each bounded by X's time-out (`XCONNECT_TIMEOUT`), then writes a small file.
pub fn default_lock_wait() -> Duration {
    crate::x::http::request_timeout() * 2 + Duration::from_secs(5)
}

/// What [`ProfileLock::load`] saw: no file, or a file with this content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Missing,
    Sum([u8; 32]),
}

/// An exclusive lock on one profile, held until dropped, and the only way to write the
/// profile. The lock file exists only while a process holds (or waits for) it.
#[derive(Debug)]
pub struct ProfileLock {
    file: File,
    path: PathBuf,
    store: Store,
    name: String,
    /// Set by [`ProfileLock::load`]: a later save checks the file is still what was read.
    seen: Option<Seen>,
}

impl ProfileLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the file that `store pull` move `id` wrote here was removed or replaced since
    /// (see the `ended` room).
    pub fn ended_here(&self, id: &str) -> bool {
        self.store.ended_here(&self.name, id)
    }

    /// Forgets which pulled files of this profile ended here: no row of the store is moving
    /// to this file any more.
    pub fn forget_ended(&self) {
        self.store.forget_ended(&self.name);
    }

    /// Reads the profile and remembers what it read: [`ProfileLock::save`] then refuses to
    /// write over a file that changed since.
    pub fn load(&mut self) -> Result<Loaded, LoadError> {
        match self.store.read(&self.name) {
            Ok((loaded, sum)) => {
                self.seen = Some(Seen::Sum(sum));
                Ok(loaded)
            }
            Err(e) => {
                self.seen = matches!(e, LoadError::NotFound { .. }).then_some(Seen::Missing);
                Err(e)
            }
        }
    }

    /// Writes the profile atomically with mode 0600, over the file if there is one, and
    /// returns its path. After [`ProfileLock::load`], refuses with [`SaveError::Changed`]
    /// when the file is no longer what was read (never writes back an older profile).
    pub fn save(&mut self, profile: &Profile) -> Result<PathBuf, SaveError> {
        self.write(profile, Replace::Yes)
    }

    /// Takes the space the next save of this profile needs, before X is asked for what it will
    /// hold (see [`Reservation`]): on a full disk this fails, and X is never asked. The size
    /// is the file's now plus the most an answer from X can add.
    pub fn reserve(&mut self) -> Result<Reservation, SaveError> {
        let dir = self.store.ensure_dirs().map_err(SaveError::Io)?;
        let now = self
            .store
            .path(&self.name)
            .ok()
            .and_then(|p| fs::symlink_metadata(p).ok())
            .map_or(0, |m| m.len());
        let size = now.min(MAX_PROFILE_BYTES) + crate::x::http::MAX_ANSWER as u64;
        reserve(&dir, &format!("{}.toml", self.name), size).map_err(|e| match e {
            WriteError::Exists(path) => SaveError::Exists(path),
            WriteError::Io(message) => SaveError::Io(message),
        })
    }

    /// [`ProfileLock::save`] into the space [`ProfileLock::reserve`] took.
    pub fn save_reserved(
        &mut self,
        reserved: Reservation,
        profile: &Profile,
    ) -> Result<PathBuf, SaveError> {
        self.write_into(profile, Replace::Yes, Some(reserved))
    }

    pub(super) fn write(
        &mut self,
        profile: &Profile,
        replace: Replace,
    ) -> Result<PathBuf, SaveError> {
        self.write_into(profile, replace, None)
    }

    fn write_into(
        &mut self,
        profile: &Profile,
        replace: Replace,
        reserved: Option<Reservation>,
    ) -> Result<PathBuf, SaveError> {
        let target = self.store.path(&self.name).map_err(SaveError::Name)?;
        match fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(SaveError::Io(format!(
                    "{} {}",
                    show_path(&target),
                    symlink_advice(&self.name)
                )))
            }
            Ok(_) if replace == Replace::No => return Err(SaveError::Exists(target)),
            _ => {}
        }
        if let Some(seen) = self.seen {
            if fingerprint(&target) != Some(seen) {
                return Err(SaveError::Changed(target));
            }
        }
        // A pulled file replaced by another profile (a new login) ends here: recorded first.
        let next = profile.origin.as_ref().map(|o| o.id.as_str());
        self.store
            .before_ending(&self.name, &target, next)
            .map_err(SaveError::Io)?;
        let text = profile
            .to_toml()
            .map_err(|e| SaveError::Io(format!("cannot save {}: {e}", show_path(&target))))?;
        let dir = self.store.ensure_dirs().map_err(SaveError::Io)?;
        // Other profiles' complete leftovers wait for their own lock (see `Store::recover`).
        sweep_stale_temps(&dir, is_profile_file, Keep::Complete);
        let file_name = format!("{}.toml", self.name);
        let written = match reserved {
            Some(r) if replace == Replace::Yes => {
                write_reserved(r, &dir, &file_name, text.as_bytes())
            }
            _ => write_atomic(&dir, &file_name, text.as_bytes(), replace),
        };
        let path = written.map_err(|e| match e {
            WriteError::Exists(path) => SaveError::Exists(path),
            WriteError::Io(message) => SaveError::Io(message),
        })?;
        self.seen = Some(Seen::Sum(Sha256::digest(text.as_bytes()).into()));
        Ok(path)
    }

    /// Deletes the profile file, whatever it holds (a corrupt, oversized or unreadable file
    /// too), and returns the path it had. If it was the default, the default is cleared.
    pub fn remove(&mut self) -> Result<PathBuf, LoadError> {
        let name = self.name.clone();
        let path = self.store.path(&name).map_err(LoadError::Name)?;
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                return Err(LoadError::Io {
                    path,
                    message: "is a folder, not a profile file; remove it by hand".to_string(),
                })
            }
            _ => {}
        }
        // A pulled file removed here ends here: recorded first.
        if let Err(message) = self.store.before_ending(&name, &path, None) {
            return Err(LoadError::Io { path, message });
        }
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(LoadError::NotFound { name, path })
            }
            Err(e) => {
                let message = format!("could not be removed: {e}{}", permission_hint(&e));
                return Err(LoadError::Io { path, message });
            }
        }
        self.seen = Some(Seen::Missing);
        // The profile is gone either way; flushing the folder and clearing the
        // default are best effort.
        let store = &self.store;
        let _ = sync_dir(&store.profiles_dir());
        if matches!(store.read_default_file(), Ok(Some(n)) if n == name) {
            let _ = fs::remove_file(store.root.join(DEFAULT_FILE));
            let _ = sync_dir(&store.root);
        }
        Ok(path)
    }
}

impl Drop for ProfileLock {
    fn drop(&mut self) {
        // Removed while still held: a process that waited on this file finds, once it has
        // the lock, that the file is no longer at the path, and opens the path again.
        if same_file(&self.file, &self.path) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

impl Store {
    /// Takes the exclusive lock on profile `name` (`profiles/.<name>.lock`), waiting for a
    /// process that holds it at most [`default_lock_wait`] (or [`Store::with_lock_wait`]) and
    /// saying on stderr what it waits for. Then promotes a complete save that a killed
    /// process left behind (see [`Store::recover`]). Blocks: call it where that is allowed.
    ///
    /// The lock file is opened without following a symbolic link and without waiting on a
    /// FIFO; anything but a regular file is refused.
    pub fn lock(&self, name: &str, purpose: Purpose) -> Result<ProfileLock, LockError> {
        check_name(name).map_err(LockError::Name)?;
        let dir = self.ensure_dirs().map_err(LockError::Io)?;
        let path = dir.join(format!(".{name}.lock"));
        let wait = self.lock_wait.unwrap_or_else(default_lock_wait);
        let deadline = Instant::now() + wait;
        let mut pause = FIRST_PAUSE;
        let mut told = false;
        let file = loop {
            let file = open_lock_file(&path)?;
            loop {
                match file.try_lock() {
                    Ok(()) => break,
                    Err(TryLockError::WouldBlock) => {}
                    Err(TryLockError::Error(e)) => {
                        return Err(LockError::Io(format!(
                            "cannot lock {}: {e}",
                            show_path(&path)
                        )))
                    }
                }
                let what = holder_purpose(&file)
                    .map_or_else(|| format!("using {name}"), |p| p.describe(name));
                if !told && !self.quiet {
                    eprintln!(
                        "waiting for another xconnect process that is {what}… (at most {} s)",
                        wait.as_secs()
                    );
                    told = true;
                }
                let now = Instant::now();
                if now >= deadline {
                    return Err(LockError::Busy(format!(
                        "another xconnect process is still {what} after {} s (it holds {}); try again later",
                        wait.as_secs(),
                        show_path(&path)
                    )));
                }
                std::thread::sleep(pause.min(deadline - now));
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
            // The holder before may have removed the file as it let go: only a lock on the
            // file still at the path counts.
            if same_file(&file, &path) {
                break file;
            }
        };
        // Best effort: only what a waiting process is told depends on it.
        if file.set_len(0).is_ok() {
            let _ = file.write_all_at(purpose.word().as_bytes(), 0);
        }
        self.recover(name);
        Ok(ProfileLock {
            file,
            path,
            store: self.clone(),
            name: name.to_string(),
            seen: None,
        })
    }
}

/// Opens (creating it, mode 0600) the lock file: never through a symbolic link, never
/// waiting on a FIFO, and only if it is a regular file.
fn open_lock_file(path: &Path) -> Result<File, LockError> {
    let not_a_file = || {
        LockError::Io(format!(
            "{} is not a regular file; remove it (xconnect makes its lock files itself)",
            show_path(path)
        ))
    };
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(NO_SURPRISES)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => LockError::Io(format!(
                "{} is a symbolic link, which xconnect does not follow; remove it (xconnect makes its lock files itself)",
                show_path(path)
            )),
            Some(libc::EISDIR | libc::ENXIO | libc::ENODEV) => not_a_file(),
            _ => LockError::Io(format!(
                "cannot open the lock file {}: {e}{}",
                show_path(path),
                permission_hint(&e)
            )),
        })?;
    let meta = file.metadata().map_err(|e| {
        LockError::Io(format!(
            "cannot inspect the lock file {}: {e}",
            show_path(path)
        ))
    })?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    if meta.mode() & 0o7777 != 0o600 {
        // The umask may have narrowed the mode. On the open file: no path is followed.
        let _ = file.set_permissions(fs::Permissions::from_mode(0o600));
    }
    Ok(file)
}

/// What the process holding the lock file says it does, when it says a known word.
fn holder_purpose(file: &File) -> Option<Purpose> {
    let mut buf = [0u8; 32];
    let n = file.read_at(&mut buf, 0).ok()?;
    let word = std::str::from_utf8(&buf[..n]).ok()?.trim();
    Purpose::ALL.into_iter().find(|p| p.word() == word)
}

/// Whether `path` (not followed if it is a link) is the file `file` has open.
fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(open), Ok(there)) => open.dev() == there.dev() && open.ino() == there.ino(),
        _ => false,
    }
}

/// What is at `path` now, as [`ProfileLock::load`] would have seen it; `None` when it cannot
/// be told (which counts as changed).
fn fingerprint(path: &Path) -> Option<Seen> {
    match crate::fsread::read_bounded(path, MAX_PROFILE_BYTES) {
        Ok(bytes) => Some(Seen::Sum(Sha256::digest(&bytes).into())),
        Err(e) if e.is_not_found() => Some(Seen::Missing),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::profile::samples::{native_minimal, web_full};
    use std::sync::atomic::Ordering;
    use std::sync::mpsc;

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let (_tmp, store) = temp_store();
        let first = store.lock("work", Purpose::Refresh).unwrap();
        let released = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));

        let (tx, rx) = mpsc::channel();
        let waiter = {
            let store = store.clone();
            let released = released.clone();
            std::thread::spawn(move || {
                let second = store.lock("work", Purpose::Refresh).unwrap();
                tx.send(released.load(Ordering::SeqCst)).unwrap();
                drop(second);
            })
        };
        // While the first lock is held, the second cannot have been taken.
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(200)),
            Err(mpsc::RecvTimeoutError::Timeout)
        );
        released.store(true, Ordering::SeqCst);
        drop(first);
        // Taken only after the release, and it does come.
        assert_eq!(rx.recv_timeout(Duration::from_secs(30)), Ok(true));
        waiter.join().unwrap();

        // Locks on different profiles do not wait for each other.
        let _a = store.lock("a", Purpose::Refresh).unwrap();
        let _b = store.lock("b", Purpose::Refresh).unwrap();
    }

    #[test]
    fn a_save_after_load_refuses_a_file_that_changed_meanwhile() {
        let (_tmp, store) = temp_store();
        let path = store.save("work", &native_minimal(), false).unwrap();

        // Another program (one that does not take the lock) writes the file meanwhile.
        let mut lock = store.lock("work", Purpose::Refresh).unwrap();
        let mut profile = lock.load().unwrap().profile;
        let theirs = web_full().to_toml().unwrap();
        fs::write(&path, &theirs).unwrap();
        profile.app.client_id = "mine".into();
        assert_eq!(
            lock.save(&profile).unwrap_err(),
            SaveError::Changed(path.clone())
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), theirs);
        drop(lock);

        // Or removes it: it is not brought back.
        let mut lock = store.lock("work", Purpose::Refresh).unwrap();
        let profile = lock.load().unwrap().profile;
        fs::remove_file(&path).unwrap();
        assert!(matches!(lock.save(&profile), Err(SaveError::Changed(_))));
        assert!(!path.exists());
        drop(lock);

        // Unchanged: saved, and saved again under the same lock.
        store.save("work", &native_minimal(), false).unwrap();
        let mut lock = store.lock("work", Purpose::Refresh).unwrap();
        let mut profile = lock.load().unwrap().profile;
        profile.app.client_id = "first".into();
        lock.save(&profile).unwrap();
        profile.app.client_id = "second".into();
        lock.save(&profile).unwrap();
        drop(lock);
        assert_eq!(store.load("work").unwrap().profile.app.client_id, "second");
    }

    #[test]
    fn every_write_waits_for_the_lock() {
        let (_tmp, store) = temp_store();
        store.save("work", &native_minimal(), false).unwrap();
        store.save("spare", &native_minimal(), false).unwrap();
        type Write = fn(&Store);
        let writes: [(&str, Write); 3] = [
            ("save", |s| {
                s.save("work", &web_full(), true).unwrap();
            }),
            ("default", |s| s.set_default("work").unwrap()),
            ("remove", |s| {
                s.remove("work").unwrap();
            }),
        ];
        for (what, write) in writes {
            let held = store.lock("work", Purpose::Refresh).unwrap();
            let before = fs::read(store.path("work").unwrap()).unwrap();
            let (tx, rx) = mpsc::channel();
            let writer = {
                let store = store.clone();
                std::thread::spawn(move || {
                    write(&store);
                    tx.send(()).unwrap();
                })
            };
            assert_eq!(
                rx.recv_timeout(Duration::from_millis(300)),
                Err(mpsc::RecvTimeoutError::Timeout),
                "{what}: nothing is written while the lock is held"
            );
            assert_eq!(fs::read(store.path("work").unwrap()).unwrap(), before);
            drop(held);
            assert_eq!(rx.recv_timeout(Duration::from_secs(30)), Ok(()), "{what}");
            writer.join().unwrap();
        }
        assert!(!store.exists("work"));
        assert_eq!(store.default_name().as_deref(), Some("spare"));
        assert_eq!(dir_names(&store.profiles_dir()), ["spare.toml"]);
    }

    #[test]
    fn a_lock_held_too_long_is_given_up_with_a_message() {
        let (_tmp, store) = temp_store();
        let _held = store.lock("work", Purpose::Revoke).unwrap();
        let impatient = store.clone().with_lock_wait(Duration::from_millis(300));
        let started = std::time::Instant::now();
        let err = impatient.lock("work", Purpose::Refresh).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(started.elapsed() < Duration::from_secs(5));
        let LockError::Busy(message) = &err else {
            panic!("{err:?}")
        };
        assert!(
            message.contains("another xconnect process is still revoking the tokens of work"),
            "{message}"
        );
        assert!(message.contains("try again later"), "{message}");
        assert!(matches!(
            impatient.save("work", &web_full(), true),
            Err(SaveError::Lock(LockError::Busy(_)))
        ));
        assert!(!store.exists("work"));
    }

    #[test]
    fn a_lock_file_that_is_not_a_regular_file_is_refused_at_once() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        fs::create_dir_all(&dir).unwrap();
        store.save("work", &native_minimal(), false).unwrap();
        let lock_path = dir.join(".work.lock");

        mkfifo(&lock_path);
        let err = store.lock("work", Purpose::Refresh).unwrap_err();
        assert!(err.to_string().contains("is not a regular file"), "{err}");
        fs::remove_file(&lock_path).unwrap();

        fs::create_dir(&lock_path).unwrap();
        let err = store.lock("work", Purpose::Refresh).unwrap_err();
        assert!(err.to_string().contains("is not a regular file"), "{err}");
        fs::remove_dir(&lock_path).unwrap();

        // A link is not followed, even to a file that does not exist yet.
        let elsewhere = store.root().join("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, &lock_path).unwrap();
        let err = store.lock("work", Purpose::Refresh).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(!elsewhere.exists());
        // Nor is any write made through a refused lock.
        assert!(matches!(
            store.save("work", &web_full(), true),
            Err(SaveError::Lock(LockError::Io(_)))
        ));
        assert!(matches!(store.remove("work"), Err(LoadError::Lock(_))));
        assert_eq!(store.load("work").unwrap().profile, native_minimal());
    }
}
