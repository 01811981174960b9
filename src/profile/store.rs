//! Where profiles live and how they are written, read, listed and locked.
//!
//! Layout under the root (the config folder):
//!
//! ```text
//! <root>/default                       one line: the default profile's name
//! <root>/profiles/<name>.toml          one profile, mode 0600
//! <root>/profiles/.<name>.lock         only while a process writes or refreshes <name>
//! <root>/profiles/.<name>.toml.tmp-<pid>-<sum>-<random>   only while a save runs
//! ```
//!
//! Every write of a profile (a login's save, a refresh, a revoke, a removal, making it the
//! default) runs under the profile's lock: [`Store::lock`] hands out a [`ProfileLock`] through
//! which the profile is read and written. A refresh reads under the lock, so it never writes
//! back a profile older than the file it replaces.
//!
//! A write goes to a new temporary file in the same folder, flushed to disk, then renamed over
//! the target, so a reader sees the old file or the new one, never half of one. The temporary
//! file's name carries a checksum of what it must hold: one that a killed process left
//! complete (it may hold the only live refresh token) is promoted by the next process that
//! takes the profile's lock, and one left incomplete is removed.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

use super::{check_name, parse_bytes, show_path, LoadError, Profile};

/// The environment variable naming the config folder.
pub const CONFIG_DIR_ENV: &str = "XCONNECT_CONFIG_DIR";

/// A profile file larger than this is refused unread.
const MAX_PROFILE_BYTES: u64 = 1 << 20;

/// The file naming the default profile, directly under the root.
const DEFAULT_FILE: &str = "default";

/// Waiting for another process's lock: the first pause, and the longest.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_millis(200);

/// Flags for opening a file in the profiles folder: never through a symbolic link, and never
/// waiting on a FIFO put in its place.
const NO_SURPRISES: i32 = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY;

/// The folder of profiles: where they are and what can be done with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    root: PathBuf,
    /// How long to wait for another process's lock; `None`: [`default_lock_wait`].
    lock_wait: Option<Duration>,
    /// No notes on stderr (waiting for a lock, a recovered save): the wizard owns the screen.
    quiet: bool,
}

/// A profile as read from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub profile: Profile,
    pub path: PathBuf,
    /// Things the user should fix, such as a file other users can read.
    pub warnings: Vec<String>,
}

/// Every profile's name with the profile or why it could not be read.
pub type Listing = Vec<(String, Result<Loaded, LoadError>)>;

/// Why a profile could not be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveError {
    /// The file exists and overwriting was not asked for; nothing was written.
    Exists(PathBuf),
    /// The name is not a valid profile name; the text says why.
    Name(String),
    /// The text names the path and what failed.
    Io(String),
    /// The file is no longer what [`ProfileLock::load`] read (a program that does not take
    /// the lock wrote or removed it); nothing was written over it.
    Changed(PathBuf),
    /// The profile's lock could not be taken; nothing was written.
    Lock(LockError),
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::Exists(path) => {
                let name = path.file_stem().map(|s| s.to_string_lossy());
                write!(
                    f,
                    "a profile named \"{}\" already exists ({}); choose another name, or confirm replacing it",
                    super::escape_controls(name.as_deref().unwrap_or("")),
                    show_path(path)
                )
            }
            SaveError::Name(message) | SaveError::Io(message) => f.write_str(message),
            SaveError::Changed(path) => write!(
                f,
                "{} changed while xconnect was working on it (a program that does not take its lock wrote or removed it); it was left as it is",
                show_path(path)
            ),
            SaveError::Lock(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SaveError {}

impl From<LockError> for SaveError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Name(message) => SaveError::Name(message),
            e => SaveError::Lock(e),
        }
    }
}

/// Why a profile's lock could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockError {
    /// The name is not a valid profile name; the text says why.
    Name(String),
    /// Another process held the lock longer than this one may wait: try again later.
    Busy(String),
    /// The lock file cannot be made, opened or locked; the text names it and says why.
    Io(String),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Name(m) | LockError::Busy(m) | LockError::Io(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for LockError {}

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
    crate::x::oauth::request_timeout() * 2 + Duration::from_secs(5)
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

    fn write(&mut self, profile: &Profile, replace: Replace) -> Result<PathBuf, SaveError> {
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
        let text = profile
            .to_toml()
            .map_err(|e| SaveError::Io(format!("cannot save {}: {e}", show_path(&target))))?;
        let dir = self.store.ensure_dirs().map_err(SaveError::Io)?;
        // Other profiles' complete leftovers wait for their own lock (see `Store::recover`).
        sweep_stale_temps(&dir, is_profile_file, Keep::Complete);
        let file_name = format!("{}.toml", self.name);
        let path =
            write_atomic(&dir, &file_name, text.as_bytes(), replace).map_err(|e| match e {
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
        if store.read_default_file().as_deref() == Some(name.as_str()) {
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
    /// The config folder: `flag` (from `--config-dir`), else `$XCONNECT_CONFIG_DIR`
    /// when set and not empty, else the system's config folder for xconnect.
    /// A relative path is taken from the current folder.
    pub fn resolve(flag: Option<PathBuf>) -> Result<Store, String> {
        let env = std::env::var_os(CONFIG_DIR_ENV);
        let system = directories::ProjectDirs::from("", "", "xconnect")
            .map(|dirs| dirs.config_dir().to_path_buf());
        resolve_with(flag, env, system, std::env::current_dir)
    }

    /// A store at exactly `root`.
    pub fn at(root: PathBuf) -> Store {
        Store {
            root,
            lock_wait: None,
            quiet: false,
        }
    }

    /// The same store, saying nothing on stderr (for the wizard, which owns the screen).
    pub fn quiet(mut self) -> Store {
        self.quiet = true;
        self
    }

    /// The same store, waiting at most `wait` for another process's lock.
    pub fn with_lock_wait(mut self, wait: Duration) -> Store {
        self.lock_wait = Some(wait);
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn profiles_dir(&self) -> PathBuf {
        self.root.join("profiles")
    }

    /// The file of profile `name`; always directly inside [`Store::profiles_dir`].
    pub fn path(&self, name: &str) -> Result<PathBuf, String> {
        check_name(name)?;
        let dir = self.profiles_dir();
        let path = dir.join(format!("{name}.toml"));
        // A valid name has no separator and no dot, so this holds by construction.
        debug_assert_eq!(path.parent(), Some(dir.as_path()));
        Ok(path)
    }

    /// Whether a file for profile `name` exists (valid or not).
    pub fn exists(&self, name: &str) -> bool {
        self.path(name)
            .map(|p| fs::symlink_metadata(p).is_ok())
            .unwrap_or(false)
    }

    /// Writes profile `name` atomically with mode 0600 under its lock, and returns its path.
    /// Without `overwrite`, an existing file is left as it was.
    pub fn save(
        &self,
        name: &str,
        profile: &Profile,
        overwrite: bool,
    ) -> Result<PathBuf, SaveError> {
        let target = self.path(name).map_err(SaveError::Name)?;
        if !overwrite && fs::symlink_metadata(&target).is_ok() {
            return Err(SaveError::Exists(target));
        }
        let mut lock = self.lock(name, Purpose::Save)?;
        let replace = if overwrite { Replace::Yes } else { Replace::No };
        lock.write(profile, replace)
    }

    /// Reads profile `name`. Never changes the file.
    pub fn load(&self, name: &str) -> Result<Loaded, LoadError> {
        self.read(name).map(|(loaded, _)| loaded)
    }

    /// Reads profile `name` (never through a symbolic link) with the checksum of its bytes.
    fn read(&self, name: &str) -> Result<(Loaded, [u8; 32]), LoadError> {
        let path = self.path(name).map_err(LoadError::Name)?;
        let io_error = |what: &str, e: io::Error| LoadError::Io {
            path: path.clone(),
            message: format!("could not be {what}: {e}{}", permission_hint(&e)),
        };
        let file = match OpenOptions::new()
            .read(true)
            .custom_flags(NO_SURPRISES)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(LoadError::NotFound {
                    name: name.to_string(),
                    path,
                })
            }
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(LoadError::Io {
                    message: symlink_advice(name),
                    path,
                })
            }
            Err(e) => return Err(io_error("opened", e)),
        };
        let meta = file.metadata().map_err(|e| io_error("inspected", e))?;
        if !meta.is_file() {
            return Err(LoadError::Io {
                path: path.clone(),
                message: format!("is not a regular file; {}", remove_advice(name)),
            });
        }
        if meta.len() > MAX_PROFILE_BYTES {
            return Err(too_large(&path, meta.len(), name));
        }
        let mut bytes = Vec::new();
        file.take(MAX_PROFILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error("read", e))?;
        if bytes.len() as u64 > MAX_PROFILE_BYTES {
            return Err(too_large(&path, bytes.len() as u64, name));
        }
        let profile = parse_bytes(&bytes).map_err(|e| e.with_path(&path))?;
        let warnings = mode_warning(&path, meta.mode()).into_iter().collect();
        let sum = Sha256::digest(&bytes).into();
        Ok((
            Loaded {
                profile,
                path,
                warnings,
            },
            sum,
        ))
    }

    /// Every profile in natural order of names (`p2` before `p10`), each loaded or with why it could not be.
    /// Files that are not `<valid name>.toml` are skipped; no folder, no profiles.
    pub fn list(&self) -> Listing {
        self.try_list().unwrap_or_default()
    }

    /// Like [`Store::list`], but says when the folder itself cannot be read.
    pub fn try_list(&self) -> Result<Listing, LoadError> {
        Ok(self
            .names()?
            .into_iter()
            .map(|name| {
                let loaded = self.load(&name);
                (name, loaded)
            })
            .collect())
    }

    /// Deletes profile `name` under its lock, whatever the file holds, and returns the path
    /// it had. If it was the default, the default is cleared.
    pub fn remove(&self, name: &str) -> Result<PathBuf, LoadError> {
        let path = self.path(name).map_err(LoadError::Name)?;
        missing_is_not_found(name, &path)?;
        self.lock(name, Purpose::Remove)
            .map_err(LoadError::Lock)?
            .remove()
    }

    /// The profile used when none is named: the one in `<root>/default`; else
    /// "default" if it exists; else the only profile, if there is exactly one.
    pub fn default_name(&self) -> Option<String> {
        if let Some(name) = self.read_default_file() {
            return Some(name);
        }
        let names = self.names().ok()?;
        if names.iter().any(|n| n == "default") {
            return Some("default".to_string());
        }
        match <[String; 1]>::try_from(names) {
            Ok([only]) => Some(only),
            Err(_) => None,
        }
    }

    /// Makes `name` the default profile. It must exist and read as a profile: a missing one
    /// is [`LoadError::NotFound`], a corrupt one the error that reading it gives.
    pub fn set_default(&self, name: &str) -> Result<(), LoadError> {
        let path = self.path(name).map_err(LoadError::Name)?;
        missing_is_not_found(name, &path)?;
        let mut lock = self
            .lock(name, Purpose::SetDefault)
            .map_err(LoadError::Lock)?;
        lock.load()?;
        let line = format!("{name}\n");
        sweep_stale_temps(&self.root, |t| t == DEFAULT_FILE, Keep::Nothing);
        write_atomic(&self.root, DEFAULT_FILE, line.as_bytes(), Replace::Yes)
            .map(|_| ())
            .map_err(|e| LoadError::Io {
                path: self.root.join(DEFAULT_FILE),
                message: match e {
                    WriteError::Exists(_) => "could not be replaced".to_string(),
                    WriteError::Io(message) => format!("could not be written ({message})"),
                },
            })
    }

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

    /// Under profile `name`'s lock: a temporary file that a process killed during a save left
    /// complete (checksum right, a valid profile) holds what that process meant to write,
    /// perhaps the only live refresh token. The newest such file is renamed over the profile
    /// when it is at least as new as the profile (or there is none); older and incomplete
    /// leftovers of dead processes are removed.
    fn recover(&self, name: &str) {
        let dir = self.profiles_dir();
        let file_name = format!("{name}.toml");
        let Ok(entries) = fs::read_dir(&dir) else {
            return;
        };
        let mut complete: Vec<(SystemTime, PathBuf)> = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let Ok(entry_name) = entry.file_name().into_string() else {
                continue;
            };
            let Some(temp) = parse_temp_name(&entry_name) else {
                continue;
            };
            if temp.target != file_name || !process_is_gone(temp.pid) {
                continue;
            }
            let path = entry.path();
            match complete_temp(&path, temp.sum, true) {
                Some(modified) => complete.push((modified, path)),
                None => {
                    let _ = fs::remove_file(&path);
                }
            }
        }
        complete.sort();
        let Some((newest_time, newest)) = complete.pop() else {
            return;
        };
        for (_, older) in complete {
            let _ = fs::remove_file(older);
        }
        let target = dir.join(&file_name);
        let current = match fs::symlink_metadata(&target) {
            // Left as it is: reading and writing the profile refuse it with a message.
            Ok(meta) if !meta.is_file() => return,
            Ok(meta) => meta.modified().ok(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(_) => return,
        };
        if current.is_some_and(|t| t > newest_time) {
            let _ = fs::remove_file(&newest);
            return;
        }
        if fs::rename(&newest, &target).is_ok() {
            let _ = sync_dir(&dir);
            if !self.quiet {
                eprintln!(
                    "note: recovered {}: a save that was stopped before its end had written it completely",
                    show_path(&target)
                );
            }
        }
    }

    /// Valid profile names with a file, in natural order (`p2` before `p10`), without reading
    /// the files (the start menu's first frame does not wait for them).
    pub fn names(&self) -> Result<Vec<String>, LoadError> {
        let dir = self.profiles_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                let message = format!("could not be listed: {e}{}", permission_hint(&e));
                return Err(LoadError::Io { path: dir, message });
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| !t.is_dir()))
            .filter_map(|entry| {
                let file_name = entry.file_name().into_string().ok()?;
                let stem = file_name.strip_suffix(".toml")?;
                check_name(stem).ok()?;
                Some(stem.to_string())
            })
            .collect();
        super::sort_natural(&mut names);
        Ok(names)
    }

    /// The valid name in `<root>/default`, if there is one.
    fn read_default_file(&self) -> Option<String> {
        let file = File::open(self.root.join(DEFAULT_FILE)).ok()?;
        let mut text = String::new();
        file.take(256).read_to_string(&mut text).ok()?;
        let name = text.trim();
        check_name(name).ok()?;
        Some(name.to_string())
    }

    /// Creates the root and profiles folders as needed, each new one with mode 0700, and
    /// makes the profiles folder 0700. Returns the profiles folder.
    ///
    /// A profiles folder that is a symbolic link keeps its mode: the folder it points to may
    /// be shared. It is used when it is private, and refused with a message otherwise.
    fn ensure_dirs(&self) -> Result<PathBuf, String> {
        let dir = self.profiles_dir();
        let mut created = Vec::new();
        let mut next = Some(dir.as_path());
        while let Some(current) = next {
            match fs::symlink_metadata(current) {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    created.push(current.to_path_buf());
                    next = current.parent().filter(|p| !p.as_os_str().is_empty());
                }
                Err(e) => return Err(format!("cannot inspect {}: {e}", show_path(current))),
            }
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| format!("cannot create the folder {}: {e}", show_path(&dir)))?;
        for made in created.iter().filter(|d| **d != dir) {
            set_dir_mode(made, 0o700)?;
        }
        let meta = fs::symlink_metadata(&dir)
            .map_err(|e| format!("cannot inspect {}: {e}", show_path(&dir)))?;
        if meta.file_type().is_symlink() {
            return private_linked_dir(&dir);
        }
        if !meta.is_dir() {
            return Err(format!(
                "{} is not a folder; move it away so profiles can be saved",
                show_path(&dir)
            ));
        }
        if meta.mode() & 0o777 != 0o700 {
            set_dir_mode(&dir, 0o700)?;
        }
        Ok(dir)
    }
}

/// A profiles folder that is a symbolic link: used as it is when the folder it points to is
/// private; its mode is never changed.
fn private_linked_dir(dir: &Path) -> Result<PathBuf, String> {
    let meta = fs::metadata(dir).map_err(|e| {
        format!(
            "{} is a symbolic link that cannot be followed: {e}",
            show_path(dir)
        )
    })?;
    if !meta.is_dir() {
        return Err(format!(
            "{} is a symbolic link to something that is not a folder; move it away so profiles can be saved",
            show_path(dir)
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        let real = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        return Err(format!(
            "{} is a symbolic link to a folder other users can open (mode {mode:04o}); xconnect does not change the mode of a folder it reaches through a link: make it private with chmod 700 {}, or point the link to a private folder",
            show_path(dir),
            shell_word(&real)
        ));
    }
    Ok(dir.to_path_buf())
}

/// `NotFound` when nothing is at `path`: checked before taking a lock, so that asking about
/// a profile that does not exist leaves no lock file behind.
fn missing_is_not_found(name: &str, path: &Path) -> Result<(), LoadError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(LoadError::NotFound {
            name: name.to_string(),
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
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
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(NO_SURPRISES)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Some(Seen::Missing),
        Err(_) => return None,
    };
    let mut bytes = Vec::new();
    file.take(MAX_PROFILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(Seen::Sum(Sha256::digest(&bytes).into()))
}

/// `<name>.toml` for a valid profile name.
fn is_profile_file(target: &str) -> bool {
    target
        .strip_suffix(".toml")
        .is_some_and(|stem| check_name(stem).is_ok())
}

/// What to say about a profile file that is a symbolic link.
fn symlink_advice(name: &str) -> String {
    format!(
        "is a symbolic link; xconnect reads and writes a profile only as a plain file in its folder, so put the file itself there, or remove the link with \"xconnect remove {name} --yes\""
    )
}

/// The command that deletes a profile that cannot be read, and what to do next.
fn remove_advice(name: &str) -> String {
    format!(
        "remove it with \"xconnect remove {name} --yes\" and log in again with \"xconnect login --profile {name} --client-id ID\""
    )
}

/// Writes a private file (mode 0600) atomically into `dir`, which is created with mode 0700
/// when missing. Used for files that live beside the profiles (the interrupted-session file).
pub fn write_private(dir: &Path, file_name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", show_path(dir)))?;
    sweep_stale_temps(dir, |t| t == file_name, Keep::Nothing);
    write_atomic(dir, file_name, bytes, Replace::Yes).map_err(|e| match e {
        WriteError::Exists(p) => format!("{} exists", show_path(&p)),
        WriteError::Io(e) => e,
    })
}

fn resolve_with(
    flag: Option<PathBuf>,
    env: Option<OsString>,
    system: Option<PathBuf>,
    current_dir: impl FnOnce() -> io::Result<PathBuf>,
) -> Result<Store, String> {
    let chosen = match flag {
        Some(path) if path.as_os_str().is_empty() => {
            return Err("--config-dir is empty; pass the folder to keep profiles in".to_string())
        }
        Some(path) => path,
        None => match env.filter(|v| !v.is_empty()) {
            Some(value) => PathBuf::from(value),
            None => system.ok_or_else(|| {
                "cannot find a config folder for profiles (no home folder is known); set XCONNECT_CONFIG_DIR or pass --config-dir"
                    .to_string()
            })?,
        },
    };
    if chosen.is_absolute() {
        return Ok(Store::at(chosen));
    }
    let base = current_dir().map_err(|e| {
        format!(
            "cannot make {} absolute: the current folder is unknown ({e}); pass an absolute --config-dir",
            show_path(&chosen)
        )
    })?;
    Ok(Store::at(base.join(chosen)))
}

fn too_large(path: &Path, len: u64, name: &str) -> LoadError {
    LoadError::Io {
        path: path.to_path_buf(),
        message: format!(
            "is {len} bytes, too large to be a profile (at most {MAX_PROFILE_BYTES}); {}",
            remove_advice(name)
        ),
    }
}

fn permission_hint(e: &io::Error) -> &'static str {
    if e.kind() == io::ErrorKind::PermissionDenied {
        " (check that the file and its folder belong to you)"
    } else {
        ""
    }
}

/// A warning when other users can read or change the file.
fn mode_warning(path: &Path, mode: u32) -> Option<String> {
    let mode = mode & 0o7777;
    let what = if mode & 0o044 != 0 {
        "can be read by other users"
    } else if mode & 0o022 != 0 {
        "can be changed by other users"
    } else if mode & 0o011 != 0 {
        "is open to other users"
    } else {
        return None;
    };
    Some(format!(
        "{} {what} (mode {mode:04o}): run chmod 600 {}",
        show_path(path),
        shell_word(path)
    ))
}

/// The path as one shell word, quoted only when it needs to be.
fn shell_word(path: &Path) -> String {
    let text = show_path(path);
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Sets the mode of a folder through a descriptor opened without following a symbolic link:
/// never the mode of whatever a link points to.
fn set_dir_mode(path: &Path, mode: u32) -> Result<(), String> {
    let failed = |e: io::Error| {
        format!(
            "cannot set the mode of {} to {mode:04o}: {e}",
            show_path(path)
        )
    };
    let dir = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | NO_SURPRISES)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => format!(
                "{} is a symbolic link; xconnect does not change the mode of what it points to",
                show_path(path)
            ),
            _ => failed(e),
        })?;
    dir.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(failed)
}

/// Flushes a folder's entries (a rename or removal in it) to disk.
fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir)?.sync_all() {
        // Some file systems cannot sync a folder; there is nothing more to do.
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        other => other,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Replace {
    Yes,
    No,
}

enum WriteError {
    Exists(PathBuf),
    Io(String),
}

/// The first 8 bytes of the SHA-256 of `bytes`, in hex: what a temporary file's name says
/// it holds once complete.
fn short_sum(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `dir/file_name` atomically with mode 0600: a new temporary file in `dir`
/// (`.<file_name>.tmp-<pid>-<checksum>-<random>`, created exclusively with mode 0600),
/// written and flushed, then renamed over the target (with `Replace::No`, moved only if the
/// target does not exist), then the folder is flushed.
///
/// `tempfile` makes and names the file and removes it on any failure before the rename.
fn write_atomic(
    dir: &Path,
    file_name: &str,
    bytes: &[u8],
    replace: Replace,
) -> Result<PathBuf, WriteError> {
    let target = dir.join(file_name);
    let io = |what: &str, path: &Path, e: io::Error| {
        WriteError::Io(format!("cannot {what} {}: {e}", show_path(path)))
    };
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(
            ".{file_name}.tmp-{}-{}-",
            std::process::id(),
            short_sum(bytes)
        ))
        .rand_bytes(12)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| io("create a temporary file in", dir, e))?;
    // The umask may have narrowed the mode; make it exactly 0600.
    temp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| io("set the mode of", temp.path(), e))?;
    temp.write_all(bytes)
        .map_err(|e| io("write", temp.path(), e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| io("flush to disk", temp.path(), e))?;
    // From here the temporary file is complete: a process killed now leaves it for the next
    // one to promote (see `Store::recover`).
    let moved = match replace {
        Replace::Yes => temp.persist(&target),
        Replace::No => temp.persist_noclobber(&target),
    };
    if let Err(e) = moved {
        if replace == Replace::No && e.error.kind() == io::ErrorKind::AlreadyExists {
            return Err(WriteError::Exists(target));
        }
        return Err(WriteError::Io(format!(
            "cannot move {} to {}: {}",
            show_path(e.file.path()),
            show_path(&target),
            e.error
        )));
    }
    sync_dir(dir).map_err(|e| {
        WriteError::Io(format!(
            "wrote {} but could not flush its folder to disk: {e}",
            show_path(&target)
        ))
    })?;
    Ok(target)
}

/// A temporary file's name, taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TempName<'a> {
    /// The file it was to become, e.g. `work.toml`.
    target: &'a str,
    pid: libc::pid_t,
    /// What the complete file's checksum is ([`short_sum`]); `None` in the names of older
    /// versions, whose leftovers are never taken as complete.
    sum: Option<[u8; 8]>,
}

/// Reads `.<target>.tmp-<pid>-<16 hex digits>-<random letters and digits>`, or the older
/// `.<target>.tmp-<pid>-<16 hex digits>` (no checksum).
fn parse_temp_name(file_name: &str) -> Option<TempName<'_>> {
    let rest = file_name.strip_prefix('.')?;
    let (target, tail) = rest.rsplit_once(".tmp-")?;
    let (pid, tail) = tail.split_once('-')?;
    if target.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pid: libc::pid_t = pid.parse().ok().filter(|&p| p > 0)?;
    let hex16 = |s: &str| -> Option<[u8; 8]> {
        if s.len() != 16 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut out = [0u8; 8];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(out)
    };
    let sum = match tail.split_once('-') {
        None => {
            hex16(tail)?;
            None
        }
        Some((sum, random)) => {
            if random.is_empty()
                || random.len() > 32
                || !random.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return None;
            }
            Some(hex16(sum)?)
        }
    };
    Some(TempName { target, pid, sum })
}

fn process_is_gone(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks whether the process exists; `pid` is > 0,
    // so it never addresses a process group.
    let result = unsafe { libc::kill(pid, 0) };
    result == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// When the temporary file at `path` is complete (a regular file whose bytes match the
/// checksum in its name, and, for a profile, a valid one), the time it was written.
fn complete_temp(path: &Path, sum: Option<[u8; 8]>, profile: bool) -> Option<SystemTime> {
    let sum = sum?;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(NO_SURPRISES)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_PROFILE_BYTES {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(MAX_PROFILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if Sha256::digest(&bytes)[..8] != sum || (profile && parse_bytes(&bytes).is_err()) {
        return None;
    }
    meta.modified().ok()
}

/// What a sweep leaves of dead processes' temporary files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Complete ones: they wait for their profile's lock, to be promoted.
    Complete,
    Nothing,
}

/// Removes temporary files that processes killed during a save left behind, for the targets
/// `ours` accepts.
fn sweep_stale_temps(dir: &Path, ours: impl Fn(&str) -> bool, keep: Keep) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let Ok(file_name) = entry.file_name().into_string() else {
            continue;
        };
        let Some(temp) = parse_temp_name(&file_name) else {
            continue;
        };
        if !ours(temp.target)
            || !entry.file_type().is_ok_and(|t| t.is_file())
            || !process_is_gone(temp.pid)
        {
            continue;
        }
        let path = entry.path();
        if keep == Keep::Complete && complete_temp(&path, temp.sum, true).is_some() {
            continue;
        }
        let _ = fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::super::samples::{native_minimal, web_full};
    use super::super::AppType;
    use super::*;
    use std::sync::atomic::Ordering;
    use std::sync::mpsc;
    use std::sync::Mutex;

    /// The umask belongs to the whole process: tests that change it take turns.
    static UMASK: Mutex<()> = Mutex::new(());

    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("config"));
        (dir, store)
    }

    fn mode_of(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    fn dir_names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    fn write_file(path: &Path, bytes: &[u8]) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    #[test]
    fn save_then_load_gives_the_same_profile() {
        let (_tmp, store) = temp_store();
        let mut variants = vec![("native", native_minimal()), ("web", web_full())];
        let mut native_with_token = web_full();
        native_with_token.app.app_type = AppType::Native;
        native_with_token.app.client_secret = None;
        native_with_token.endpoints = None;
        native_with_token.status = None;
        variants.push(("native-token", native_with_token));
        let mut web_bare = web_full();
        web_bare.account = None;
        web_bare.token = None;
        variants.push(("web_bare", web_bare));

        for (name, profile) in &variants {
            let path = store.save(name, profile, false).unwrap();
            assert_eq!(path, store.profiles_dir().join(format!("{name}.toml")));
            let loaded = store.load(name).unwrap();
            assert_eq!(&loaded.profile, profile);
            assert_eq!(loaded.path, path);
            assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
            assert!(store.exists(name));
        }
        // Nothing but the profiles is left in the folder.
        assert_eq!(
            dir_names(&store.profiles_dir()),
            [
                "native-token.toml",
                "native.toml",
                "web.toml",
                "web_bare.toml"
            ]
        );
    }

    #[test]
    fn modes_are_private_whatever_the_umask() {
        let _turn = UMASK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: umask only swaps the process's file-creation mask.
        let old = unsafe { libc::umask(0o022) };
        let outcome = std::panic::catch_unwind(|| {
            let tmp = tempfile::tempdir().unwrap();
            // A root whose parents do not exist yet: all of them are created 0700.
            let store = Store::at(tmp.path().join("home/.config/xconnect"));
            let path = store.save("work", &web_full(), false).unwrap();
            assert_eq!(mode_of(&path), 0o600);
            assert_eq!(mode_of(&store.profiles_dir()), 0o700);
            assert_eq!(mode_of(store.root()), 0o700);
            assert_eq!(mode_of(&tmp.path().join("home")), 0o700);

            // An existing root keeps its mode; an existing profiles folder is made 0700.
            let root = tmp.path().join("shared");
            fs::create_dir(&root).unwrap();
            fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
            fs::create_dir(root.join("profiles")).unwrap();
            fs::set_permissions(root.join("profiles"), fs::Permissions::from_mode(0o755)).unwrap();
            let store = Store::at(root.clone());
            let path = store.save("work", &native_minimal(), false).unwrap();
            assert_eq!(mode_of(&root), 0o755);
            assert_eq!(mode_of(&store.profiles_dir()), 0o700);
            assert_eq!(mode_of(&path), 0o600);

            // Replacing a file that had been opened up makes it private again.
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            store.save("work", &web_full(), true).unwrap();
            assert_eq!(mode_of(&path), 0o600);

            // The default file and lock files are private too.
            store.set_default("work").unwrap();
            assert_eq!(mode_of(&root.join("default")), 0o600);
            let lock = store.lock("work", Purpose::Refresh).unwrap();
            assert_eq!(mode_of(lock.path()), 0o600);
        });
        // SAFETY: as above.
        unsafe { libc::umask(old) };
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    #[test]
    fn save_refuses_to_overwrite_unless_asked() {
        let (_tmp, store) = temp_store();
        let path = store.save("work", &native_minimal(), false).unwrap();
        let before = fs::read(&path).unwrap();

        let err = store.save("work", &web_full(), false).unwrap_err();
        assert_eq!(err, SaveError::Exists(path.clone()));
        let text = err.to_string();
        assert!(text.contains("\"work\" already exists"), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert_eq!(fs::read(&path).unwrap(), before);
        assert_eq!(dir_names(&store.profiles_dir()), ["work.toml"]);

        store.save("work", &web_full(), true).unwrap();
        assert_eq!(store.load("work").unwrap().profile, web_full());
        assert_eq!(dir_names(&store.profiles_dir()), ["work.toml"]);
    }

    #[test]
    fn bad_names_are_refused_before_anything_is_created() {
        let (_tmp, store) = temp_store();
        for name in ["../x", "a/b", "", "nul", "-f"] {
            assert!(matches!(
                store.save(name, &native_minimal(), true),
                Err(SaveError::Name(_))
            ));
            assert!(matches!(store.load(name), Err(LoadError::Name(_))));
            assert!(matches!(store.remove(name), Err(LoadError::Name(_))));
            assert!(store.path(name).is_err());
            assert!(store.lock(name, Purpose::Refresh).is_err());
            assert!(store.set_default(name).is_err());
            assert!(!store.exists(name));
        }
        assert!(!store.root().exists());
        let path = store.path("ok_name-1").unwrap();
        assert_eq!(path.parent(), Some(store.profiles_dir().as_path()));
    }

    #[test]
    fn stale_temp_files_of_dead_processes_are_swept() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        let dead = dead_pid();
        let live = std::process::id();
        let stale = format!(".work.toml.tmp-{dead}-0123456789abcdef");
        let stale_other = format!(".other.toml.tmp-{dead}-fedcba9876543210");
        let in_use = format!(".work.toml.tmp-{live}-0123456789abcdef");
        let not_ours = [
            format!(".work.toml.tmp-{dead}-short"),
            format!("work.toml.tmp-{dead}-0123456789abcdef"),
            format!(".notes.txt.tmp-{dead}-0123456789abcdef"),
            ".work.toml.tmp-0-0123456789abcdef".to_string(),
        ];
        for name in [&stale, &stale_other, &in_use].into_iter().chain(&not_ours) {
            write_file(&dir.join(name), b"partial");
        }
        store.save("work", &native_minimal(), false).unwrap();
        let left = dir_names(&dir);
        assert!(!left.contains(&stale), "{left:?}");
        assert!(!left.contains(&stale_other), "{left:?}");
        assert!(left.contains(&in_use), "{left:?}");
        for name in &not_ours {
            assert!(left.contains(name), "{left:?}");
        }

        // The default file's folder is swept the same way, for its own name only.
        let root_stale = format!(".default.tmp-{dead}-0123456789abcdef");
        let root_foreign = format!(".bashrc.tmp-{dead}-0123456789abcdef");
        write_file(&store.root().join(&root_stale), b"x");
        write_file(&store.root().join(&root_foreign), b"x");
        store.set_default("work").unwrap();
        let left = dir_names(store.root());
        assert!(!left.contains(&root_stale), "{left:?}");
        assert!(left.contains(&root_foreign), "{left:?}");
    }

    #[test]
    fn temp_names_are_parsed_strictly() {
        // The names older versions wrote: never complete.
        assert_eq!(
            parse_temp_name(".a.toml.tmp-42-0123456789abcdef"),
            Some(TempName {
                target: "a.toml",
                pid: 42,
                sum: None
            })
        );
        assert_eq!(
            parse_temp_name(".default.tmp-7-ffffffffffffffff"),
            Some(TempName {
                target: "default",
                pid: 7,
                sum: None
            })
        );
        // With the checksum of the complete file.
        assert_eq!(
            parse_temp_name(".a.toml.tmp-42-0123456789abcdef-Xy7k2Q"),
            Some(TempName {
                target: "a.toml",
                pid: 42,
                sum: Some([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef])
            })
        );
        for bad in [
            "a.toml.tmp-42-0123456789abcdef",
            "..tmp-42-0123456789abcdef",
            ".a.toml.tmp--0123456789abcdef",
            ".a.toml.tmp-0-0123456789abcdef",
            ".a.toml.tmp-+4-0123456789abcdef",
            ".a.toml.tmp-99999999999-0123456789abcdef",
            ".a.toml.tmp-42-0123456789ABCDEF",
            ".a.toml.tmp-42-0123",
            ".a.toml",
            ".a.toml.tmp-42-0123456789abcdef-",
            ".a.toml.tmp-42-0123456789abcdeg-abc",
            ".a.toml.tmp-42-0123456789abcdef-a.b",
            ".a.toml.tmp-42-0123456789abcde-abc",
        ] {
            assert_eq!(parse_temp_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn load_reports_each_kind_of_problem() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        let good = web_full().to_toml().unwrap();

        let err = store.load("ghost").unwrap_err();
        let path = dir.join("ghost.toml");
        assert_eq!(
            err,
            LoadError::NotFound {
                name: "ghost".into(),
                path: path.clone()
            }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "no profile named \"ghost\" (looked in {}); list the saved ones with \"xconnect profiles\", or make it with \"xconnect login --profile ghost --client-id ID\" or the wizard (\"xconnect\")",
                path.display()
            )
        );

        write_file(&dir.join("empty.toml"), b"");
        let err = store.load("empty").unwrap_err();
        assert_eq!(err, LoadError::Empty(dir.join("empty.toml")));
        assert!(err.to_string().contains("is empty"), "{err}");

        write_file(&dir.join("half.toml"), &good.as_bytes()[..good.len() / 2]);
        match store.load("half").unwrap_err() {
            LoadError::Syntax { path, .. } | LoadError::Missing { path, .. } => {
                assert_eq!(path, dir.join("half.toml"))
            }
            other => panic!("{other:?}"),
        }
        // No cut of a valid file panics, and every cut before the end of the
        // required [app] table fails.
        let app_end = good.find("]\n\n[account]").unwrap() + 1;
        for cut in 0..good.len() {
            if let Ok(text) = std::str::from_utf8(&good.as_bytes()[..cut]) {
                let result = Profile::from_toml(text);
                if cut < app_end {
                    assert!(result.is_err(), "cut at {cut} was accepted");
                }
            }
        }

        write_file(
            &dir.join("binary.toml"),
            b"\x7fELF\x02\x01\x01\x00\xff\xfe\x00\x00",
        );
        match store.load("binary").unwrap_err() {
            LoadError::Syntax { path, message } => {
                assert_eq!(path, dir.join("binary.toml"));
                assert!(message.contains("line 1"), "{message}");
                assert!(message.contains("not UTF-8"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        write_file(&dir.join("noise.toml"), b"\x01\x02\x03 hello there\n");
        let err = store.load("noise").unwrap_err();
        assert!(matches!(err, LoadError::Syntax { .. }), "{err:?}");
        assert!(!err.to_string().chars().any(|c| c.is_control()), "{err}");

        write_file(&dir.join("noapp.toml"), b"version = 1\n");
        assert_eq!(
            store.load("noapp").unwrap_err(),
            LoadError::Missing {
                path: dir.join("noapp.toml"),
                key: "app".into()
            }
        );
        let no_id: String = good
            .lines()
            .filter(|l| !l.starts_with("client_id"))
            .map(|l| format!("{l}\n"))
            .collect();
        write_file(&dir.join("noid.toml"), no_id.as_bytes());
        let err = store.load("noid").unwrap_err();
        assert_eq!(
            err,
            LoadError::Missing {
                path: dir.join("noid.toml"),
                key: "app.client_id".into()
            }
        );
        assert!(err.to_string().contains("\"app.client_id\""), "{err}");
        assert!(
            err.to_string().contains("xconnect login --profile noid"),
            "{err}"
        );

        write_file(
            &dir.join("future.toml"),
            good.replacen("version = 1", "version = 99", 1).as_bytes(),
        );
        let err = store.load("future").unwrap_err();
        assert_eq!(
            err,
            LoadError::TooNew {
                path: dir.join("future.toml"),
                version: 99
            }
        );
        assert!(err.to_string().contains("upgrade xconnect"), "{err}");

        fs::create_dir(dir.join("folder.toml")).unwrap();
        assert!(matches!(store.load("folder"), Err(LoadError::Io { .. })));

        let big = vec![b'#'; (MAX_PROFILE_BYTES + 10) as usize];
        write_file(&dir.join("big.toml"), &big);
        let err = store.load("big").unwrap_err();
        assert!(err.to_string().contains("too large"), "{err}");
    }

    #[test]
    fn a_fifo_in_place_of_a_profile_does_not_hang() {
        let (_tmp, store) = temp_store();
        fs::create_dir_all(store.profiles_dir()).unwrap();
        let path = store.profiles_dir().join("pipe.toml");
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: creates a FIFO at a path we own.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        let err = store.load("pipe").unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn an_open_file_is_reported_and_left_alone() {
        let (_tmp, store) = temp_store();
        let path = store.save("work", &web_full(), false).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let bytes = fs::read(&path).unwrap();
        let modified = fs::metadata(&path).unwrap().modified().unwrap();

        let loaded = store.load("work").unwrap();
        assert_eq!(loaded.profile, web_full());
        assert_eq!(
            loaded.warnings,
            [format!(
                "{0} can be read by other users (mode 0644): run chmod 600 {0}",
                path.display()
            )]
        );
        assert_eq!(fs::read(&path).unwrap(), bytes);
        assert_eq!(mode_of(&path), 0o644);
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), modified);

        fs::set_permissions(&path, fs::Permissions::from_mode(0o620)).unwrap();
        let warnings = store.load("work").unwrap().warnings;
        assert!(
            warnings[0].contains("changed by other users (mode 0620)"),
            "{warnings:?}"
        );
    }

    #[test]
    fn warnings_quote_paths_for_the_shell() {
        let warning = mode_warning(Path::new("/home/a b/it's.toml"), 0o100644).unwrap();
        assert!(
            warning.ends_with(r"run chmod 600 '/home/a b/it'\''s.toml'"),
            "{warning}"
        );
        assert_eq!(mode_warning(Path::new("/x.toml"), 0o100600), None);
        assert_eq!(mode_warning(Path::new("/x.toml"), 0o100400), None);
    }

    #[test]
    fn list_is_sorted_and_skips_what_is_not_a_profile() {
        let (_tmp, store) = temp_store();
        assert!(store.list().is_empty());

        store.save("b", &web_full(), false).unwrap();
        store.save("a", &native_minimal(), false).unwrap();
        let dir = store.profiles_dir();
        write_file(&dir.join("broken.toml"), b"version = \n");
        for junk in [
            "notes.txt",
            ".hidden.toml",
            "bad name.toml",
            "nul.toml",
            "x.toml~",
            ".a.toml.tmp-1-0123456789abcdef",
            ".toml",
        ] {
            write_file(&dir.join(junk), b"version = 1\n");
        }
        fs::create_dir(dir.join("sub.toml")).unwrap();
        let _lock = store.lock("a", Purpose::Refresh).unwrap();

        let listed = store.list();
        let names: Vec<&str> = listed.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b", "broken"]);
        assert_eq!(listed[0].1.as_ref().unwrap().profile, native_minimal());
        assert_eq!(listed[1].1.as_ref().unwrap().profile, web_full());
        assert!(matches!(listed[2].1, Err(LoadError::Syntax { .. })));
    }

    #[test]
    fn default_profile_rules() {
        let (_tmp, store) = temp_store();
        assert_eq!(store.default_name(), None);

        store.save("solo", &native_minimal(), false).unwrap();
        assert_eq!(store.default_name().as_deref(), Some("solo"));

        store.save("other", &native_minimal(), false).unwrap();
        assert_eq!(store.default_name(), None);

        store.save("default", &native_minimal(), false).unwrap();
        assert_eq!(store.default_name().as_deref(), Some("default"));

        store.set_default("other").unwrap();
        assert_eq!(store.default_name().as_deref(), Some("other"));
        assert_eq!(
            fs::read_to_string(store.root().join("default")).unwrap(),
            "other\n"
        );

        let err = store.set_default("ghost").unwrap_err();
        assert!(matches!(err, LoadError::NotFound { .. }), "{err:?}");
        assert!(
            err.to_string().contains("no profile named \"ghost\""),
            "{err}"
        );
        assert_eq!(store.default_name().as_deref(), Some("other"));

        // A default file without a valid name is ignored.
        fs::write(store.root().join("default"), "../etc/passwd\n").unwrap();
        assert_eq!(store.default_name().as_deref(), Some("default"));

        // Removing the default profile clears the default.
        store.set_default("solo").unwrap();
        store.remove("solo").unwrap();
        assert!(!store.root().join("default").exists());
        assert_eq!(store.default_name().as_deref(), Some("default"));
        assert_eq!(dir_names(store.root()), ["profiles"]);
    }

    #[test]
    fn remove_deletes_the_file() {
        let (_tmp, store) = temp_store();
        let path = store.save("work", &web_full(), false).unwrap();
        store.set_default("work").unwrap();
        let other = store.save("keep", &web_full(), false).unwrap();
        store.set_default("keep").unwrap();
        assert_eq!(store.remove("work").unwrap(), path);
        assert!(!path.exists());
        assert!(!store.exists("work"));
        assert!(other.exists());
        assert_eq!(store.default_name().as_deref(), Some("keep"));
        assert_eq!(
            store.remove("work").unwrap_err(),
            LoadError::NotFound {
                name: "work".into(),
                path
            }
        );
    }

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
    fn concurrent_saves_never_show_a_partial_file() {
        let (_tmp, store) = temp_store();
        store.save("busy", &native_minimal(), true).unwrap();
        let writers: Vec<_> = [native_minimal(), web_full()]
            .into_iter()
            .map(|profile| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        store.save("busy", &profile, true).unwrap();
                    }
                })
            })
            .collect();
        for _ in 0..50 {
            let profile = store.load("busy").unwrap().profile;
            assert!(profile == native_minimal() || profile == web_full());
        }
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(dir_names(&store.profiles_dir()), ["busy.toml"]);
    }

    /// What a process killed after its temporary file was complete leaves behind.
    fn leave_temp(dir: &Path, file_name: &str, bytes: &[u8], pid: u32) -> PathBuf {
        let path = dir.join(format!(
            ".{file_name}.tmp-{pid}-{}-AbC123",
            short_sum(bytes)
        ));
        write_file(&path, bytes);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    fn set_age(path: &Path, seconds_ago: u64) {
        let when = SystemTime::now() - Duration::from_secs(seconds_ago);
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }

    fn mkfifo(path: &Path) {
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: creates a FIFO at a path the test owns.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn a_complete_save_left_by_a_killed_process_is_promoted_under_the_lock() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        store.save("work", &native_minimal(), false).unwrap();
        set_age(&dir.join("work.toml"), 60);
        let newer = web_full().to_toml().unwrap();
        let temp = leave_temp(&dir, "work.toml", newer.as_bytes(), dead_pid());
        // Reading alone changes nothing.
        assert_eq!(store.load("work").unwrap().profile, native_minimal());
        assert!(temp.exists());

        let mut lock = store.lock("work", Purpose::Refresh).unwrap();
        assert!(!temp.exists());
        assert_eq!(lock.load().unwrap().profile, web_full());
        assert_eq!(mode_of(&dir.join("work.toml")), 0o600);
        drop(lock);
        assert_eq!(dir_names(&dir), ["work.toml"], "no lock file left either");

        // The first save of a profile, killed before its rename: there is no file to be newer.
        leave_temp(&dir, "fresh.toml", newer.as_bytes(), dead_pid());
        store.lock("fresh", Purpose::Refresh).unwrap();
        assert_eq!(store.load("fresh").unwrap().profile, web_full());
    }

    #[test]
    fn leftovers_that_are_incomplete_older_or_still_being_written_are_not_promoted() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        store.save("work", &native_minimal(), false).unwrap();
        let text = web_full().to_toml().unwrap();
        let dead = dead_pid();

        // Cut short: the checksum does not match. A valid profile that is only a prefix of
        // what was to be written (no [status], say) is caught the same way.
        let cut = &text.as_bytes()[..text.find("[status]").unwrap()];
        assert!(parse_bytes(cut).is_ok(), "the cut still reads as a profile");
        let short = dir.join(format!(
            ".work.toml.tmp-{dead}-{}-AbC123",
            short_sum(text.as_bytes())
        ));
        write_file(&short, cut);
        // Complete, but older than the profile (someone wrote the profile since).
        let older = leave_temp(&dir, "work.toml", text.as_bytes(), dead);
        fs::rename(
            &older,
            dir.join(format!(
                ".work.toml.tmp-{dead}-{}-Old111",
                short_sum(text.as_bytes())
            )),
        )
        .unwrap();
        let older = dir.join(format!(
            ".work.toml.tmp-{dead}-{}-Old111",
            short_sum(text.as_bytes())
        ));
        set_age(&older, 3600);
        // Complete, but its checksum is not a profile's.
        let junk = leave_temp(&dir, "work.toml", b"not = [a profile", dead);
        // Written by a live process: not ours to touch.
        let live = leave_temp(&dir, "work.toml", text.as_bytes(), std::process::id());
        // An older version's name: never taken as complete.
        let legacy = dir.join(format!(".work.toml.tmp-{dead}-0123456789abcdef"));
        write_file(&legacy, text.as_bytes());

        drop(store.lock("work", Purpose::Refresh).unwrap());
        assert_eq!(store.load("work").unwrap().profile, native_minimal());
        for gone in [&short, &older, &junk, &legacy] {
            assert!(!gone.exists(), "{gone:?}");
        }
        assert!(live.exists());
    }

    #[test]
    fn another_profiles_complete_leftover_waits_for_its_own_lock() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        let text = web_full().to_toml().unwrap();
        let dead = dead_pid();
        let complete = leave_temp(&dir, "other.toml", text.as_bytes(), dead);
        let partial = dir.join(format!(".other.toml.tmp-{dead}-{}-AbC123", short_sum(b"x")));
        write_file(&partial, b"partial");

        store.save("work", &native_minimal(), false).unwrap();
        assert!(complete.exists(), "kept for the lock of \"other\"");
        assert!(!partial.exists(), "an incomplete one is swept by any save");
        drop(store.lock("other", Purpose::Save).unwrap());
        assert_eq!(store.load("other").unwrap().profile, web_full());
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

    #[test]
    fn a_profile_that_is_a_symlink_is_refused_and_left_alone() {
        let (_tmp, store) = temp_store();
        let real = store.save("real", &native_minimal(), false).unwrap();
        let link = store.profiles_dir().join("work.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();

        let err = store.load("work").unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert!(
            err.to_string().contains("xconnect remove work --yes"),
            "{err}"
        );
        let err = store.save("work", &web_full(), true).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(store.load("real").unwrap().profile, native_minimal());

        // Removing it removes the link, not what it points to.
        store.remove("work").unwrap();
        assert!(fs::symlink_metadata(&link).is_err());
        assert!(real.exists());
    }

    #[test]
    fn a_profiles_folder_reached_through_a_link_keeps_its_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere");
        fs::create_dir(&target).unwrap();
        let root = tmp.path().join("config");
        fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(&target, root.join("profiles")).unwrap();
        let store = Store::at(root);

        for open in [0o755, 0o1777, 0o750] {
            fs::set_permissions(&target, fs::Permissions::from_mode(open)).unwrap();
            let err = store.save("work", &web_full(), false).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("symbolic link"), "{text}");
            assert!(text.contains("chmod 700"), "{text}");
            assert_eq!(mode_of(&target), open, "left as it was");
            assert!(store.lock("work", Purpose::Save).is_err());
        }
        // A private folder behind the link is used as it is.
        fs::set_permissions(&target, fs::Permissions::from_mode(0o700)).unwrap();
        store.save("work", &web_full(), false).unwrap();
        assert_eq!(store.load("work").unwrap().profile, web_full());
        assert!(target.join("work.toml").exists());
        assert_eq!(mode_of(&target), 0o700);
    }

    #[test]
    fn remove_deletes_what_cannot_be_read_and_default_refuses_it() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        store.save("good", &native_minimal(), false).unwrap();
        store.set_default("good").unwrap();
        write_file(&dir.join("corrupt.toml"), b"version = 1\n[app\n");
        write_file(
            &dir.join("big.toml"),
            &vec![b'#'; (MAX_PROFILE_BYTES + 1) as usize],
        );
        mkfifo(&dir.join("pipe.toml"));
        for name in ["corrupt", "big", "pipe"] {
            let err = store.load(name).unwrap_err();
            assert!(
                err.to_string()
                    .contains(&format!("xconnect remove {name} --yes")),
                "{err}"
            );
            assert!(store.set_default(name).is_err(), "{name}");
            assert_eq!(store.default_name().as_deref(), Some("good"));
            store.remove(name).unwrap();
            assert!(!store.exists(name), "{name}");
        }
        assert!(matches!(
            store.set_default("corrupt"),
            Err(LoadError::NotFound { .. })
        ));
        assert_eq!(dir_names(&dir), ["good.toml"], "no lock file left");
    }

    #[test]
    fn where_the_store_is() {
        let cwd = || Ok(PathBuf::from("/work/dir"));
        let system = Some(PathBuf::from("/home/u/.config/xconnect"));
        let env = Some(OsString::from("/from/env"));

        let store = resolve_with(Some("/flag".into()), env.clone(), system.clone(), cwd).unwrap();
        assert_eq!(store.root(), Path::new("/flag"));
        let store = resolve_with(None, env.clone(), system.clone(), cwd).unwrap();
        assert_eq!(store.root(), Path::new("/from/env"));
        let store = resolve_with(None, Some(OsString::new()), system.clone(), cwd).unwrap();
        assert_eq!(store.root(), Path::new("/home/u/.config/xconnect"));
        let store = resolve_with(None, None, system.clone(), cwd).unwrap();
        assert_eq!(
            store.profiles_dir(),
            Path::new("/home/u/.config/xconnect/profiles")
        );

        let store = resolve_with(Some("rel/cfg".into()), None, None, cwd).unwrap();
        assert_eq!(store.root(), Path::new("/work/dir/rel/cfg"));
        let store = resolve_with(None, Some("envrel".into()), None, cwd).unwrap();
        assert_eq!(store.root(), Path::new("/work/dir/envrel"));

        let err = resolve_with(None, None, None, cwd).unwrap_err();
        assert!(
            err.contains("set XCONNECT_CONFIG_DIR or pass --config-dir"),
            "{err}"
        );
        let err = resolve_with(Some(PathBuf::new()), env, system, cwd).unwrap_err();
        assert!(err.contains("--config-dir is empty"), "{err}");
        let err = resolve_with(Some("rel".into()), None, None, || {
            Err(io::Error::from(io::ErrorKind::NotFound))
        })
        .unwrap_err();
        assert!(err.contains("absolute"), "{err}");
    }
}
