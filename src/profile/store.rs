//! Where profiles live and how they are written, read, listed and locked.
//!
//! Layout under the root (the config folder):
//!
//! ```text
//! <root>/default                       one line: the default profile's name
//! <root>/profiles/<name>.toml          one profile, mode 0600
//! <root>/profiles/.<name>.lock         taken while a process refreshes <name>
//! <root>/profiles/.<name>.toml.tmp-<pid>-<random>   only while a save runs
//! ```
//!
//! Every write goes to a new temporary file in the same folder, is flushed to
//! disk, and is then renamed over the target, so a reader sees the old file or
//! the new one, never half of one.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{check_name, parse_bytes, show_path, LoadError, Profile};

/// The environment variable naming the config folder.
pub const CONFIG_DIR_ENV: &str = "XCONNECT_CONFIG_DIR";

/// A profile file larger than this is refused unread.
const MAX_PROFILE_BYTES: u64 = 1 << 20;

/// The file naming the default profile, directly under the root.
const DEFAULT_FILE: &str = "default";

/// The folder of profiles: where they are and what can be done with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    root: PathBuf,
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
        }
    }
}

impl std::error::Error for SaveError {}

/// An exclusive lock on one profile, held until dropped.
#[derive(Debug)]
pub struct ProfileLock {
    file: File,
    path: PathBuf,
}

impl ProfileLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ProfileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first also covers a
        // descriptor inherited by a child process.
        // SAFETY: the descriptor belongs to `self.file`, which is still open.
        unsafe {
            libc::flock(self.file.as_raw_fd(), libc::LOCK_UN);
        }
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
        Store { root }
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

    /// Writes profile `name` atomically with mode 0600 and returns its path.
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
        let text = profile
            .to_toml()
            .map_err(|e| SaveError::Io(format!("cannot save {}: {e}", show_path(&target))))?;
        let dir = self.ensure_dirs().map_err(SaveError::Io)?;
        let replace = if overwrite { Replace::Yes } else { Replace::No };
        write_atomic(
            &dir,
            &format!("{name}.toml"),
            text.as_bytes(),
            replace,
            |target| {
                target
                    .strip_suffix(".toml")
                    .is_some_and(|stem| check_name(stem).is_ok())
            },
        )
        .map_err(|e| match e {
            WriteError::Exists(path) => SaveError::Exists(path),
            WriteError::Io(message) => SaveError::Io(message),
        })
    }

    /// Reads profile `name`. Never changes the file.
    pub fn load(&self, name: &str) -> Result<Loaded, LoadError> {
        let path = self.path(name).map_err(LoadError::Name)?;
        let io_error = |what: &str, e: io::Error| LoadError::Io {
            path: path.clone(),
            message: format!("could not be {what}: {e}{}", permission_hint(&e)),
        };
        let file = match OpenOptions::new()
            .read(true)
            // Keeps a FIFO put in the file's place from blocking the open.
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(LoadError::NotFound {
                    name: name.to_string(),
                    path,
                })
            }
            Err(e) => return Err(io_error("opened", e)),
        };
        let meta = file.metadata().map_err(|e| io_error("inspected", e))?;
        if !meta.is_file() {
            return Err(LoadError::Io {
                path: path.clone(),
                message: "is not a regular file; move it away and log in again".to_string(),
            });
        }
        if meta.len() > MAX_PROFILE_BYTES {
            return Err(too_large(&path, meta.len()));
        }
        let mut bytes = Vec::new();
        file.take(MAX_PROFILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error("read", e))?;
        if bytes.len() as u64 > MAX_PROFILE_BYTES {
            return Err(too_large(&path, bytes.len() as u64));
        }
        let profile = parse_bytes(&bytes).map_err(|e| e.with_path(&path))?;
        let warnings = mode_warning(&path, meta.mode()).into_iter().collect();
        Ok(Loaded {
            profile,
            path,
            warnings,
        })
    }

    /// Every profile, sorted by name, each loaded or with why it could not be.
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

    /// Deletes profile `name` and returns the path it had. If it was the default,
    /// the default is cleared.
    pub fn remove(&self, name: &str) -> Result<PathBuf, LoadError> {
        let path = self.path(name).map_err(LoadError::Name)?;
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
                return Err(LoadError::NotFound {
                    name: name.to_string(),
                    path,
                })
            }
            Err(e) => {
                let message = format!("could not be removed: {e}{}", permission_hint(&e));
                return Err(LoadError::Io { path, message });
            }
        }
        // The profile is gone either way; flushing the folder and clearing the
        // default are best effort.
        let _ = sync_dir(&self.profiles_dir());
        if self.read_default_file().as_deref() == Some(name) {
            let _ = fs::remove_file(self.root.join(DEFAULT_FILE));
            let _ = sync_dir(&self.root);
        }
        Ok(path)
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

    /// Makes `name`, which must exist, the default profile.
    pub fn set_default(&self, name: &str) -> Result<(), String> {
        let path = self.path(name)?;
        if !self.exists(name) {
            return Err(LoadError::NotFound {
                name: name.to_string(),
                path,
            }
            .to_string());
        }
        let line = format!("{name}\n");
        write_atomic(
            &self.root,
            DEFAULT_FILE,
            line.as_bytes(),
            Replace::Yes,
            |target| target == DEFAULT_FILE,
        )
        .map(|_| ())
        .map_err(|e| match e {
            WriteError::Exists(path) => format!("cannot replace {}", show_path(&path)),
            WriteError::Io(message) => message,
        })
    }

    /// Waits for, then holds, an exclusive lock on profile `name` (an `flock`
    /// on `profiles/.<name>.lock`). Blocks: call it where blocking is allowed.
    /// The lock file is never removed: deleting it while another process waits
    /// on it would let two processes each hold a lock on a different file.
    pub fn lock(&self, name: &str) -> Result<ProfileLock, String> {
        check_name(name)?;
        let dir = self.ensure_dirs()?;
        let path = dir.join(format!(".{name}.lock"));
        let file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => {
                file.set_permissions(fs::Permissions::from_mode(0o600))
                    .map_err(|e| format!("cannot set the mode of {}: {e}", show_path(&path)))?;
                file
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => OpenOptions::new()
                .read(true)
                .open(&path)
                .map_err(|e| format!("cannot open the lock file {}: {e}", show_path(&path)))?,
            Err(e) => {
                return Err(format!(
                    "cannot create the lock file {}: {e}",
                    show_path(&path)
                ))
            }
        };
        loop {
            // SAFETY: a plain system call on a descriptor `file` owns.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                break;
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(format!("cannot lock {}: {e}", show_path(&path)));
            }
        }
        Ok(ProfileLock { file, path })
    }

    /// Valid profile names with a file, sorted.
    fn names(&self) -> Result<Vec<String>, LoadError> {
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
        names.sort();
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

    /// Creates the root and profiles folders as needed, each new one with mode
    /// 0700, and makes the profiles folder 0700. Returns the profiles folder.
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
            set_mode(made, 0o700)?;
        }
        let meta =
            fs::metadata(&dir).map_err(|e| format!("cannot inspect {}: {e}", show_path(&dir)))?;
        if !meta.is_dir() {
            return Err(format!(
                "{} is not a folder; move it away so profiles can be saved",
                show_path(&dir)
            ));
        }
        if meta.mode() & 0o777 != 0o700 {
            set_mode(&dir, 0o700)?;
        }
        Ok(dir)
    }
}

/// Writes a private file (mode 0600) atomically into `dir`, which is created with mode 0700
/// when missing. Used for files that live beside the profiles (the interrupted-session file).
pub fn write_private(dir: &Path, file_name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", show_path(dir)))?;
    write_atomic(dir, file_name, bytes, Replace::Yes, |t| t == file_name).map_err(|e| match e {
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

fn too_large(path: &Path, len: u64) -> LoadError {
    LoadError::Io {
        path: path.to_path_buf(),
        message: format!(
            "is {len} bytes, too large to be a profile (at most {MAX_PROFILE_BYTES}); move it away and log in again"
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

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| {
        format!(
            "cannot set the mode of {} to {mode:04o}: {e}",
            show_path(path)
        )
    })
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

/// Removes the temporary file unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `dir/file_name` atomically with mode 0600: a new temporary file in
/// `dir`, flushed, then renamed over the target (or, with `Replace::No`, linked
/// to it, which fails if the target appeared meanwhile), then the folder is
/// flushed. First removes temporary files left in `dir` by dead processes for
/// the targets `ours` accepts.
fn write_atomic(
    dir: &Path,
    file_name: &str,
    bytes: &[u8],
    replace: Replace,
    ours: impl Fn(&str) -> bool,
) -> Result<PathBuf, WriteError> {
    let target = dir.join(file_name);
    if replace == Replace::No && fs::symlink_metadata(&target).is_ok() {
        return Err(WriteError::Exists(target));
    }
    sweep_stale_temps(dir, ours);

    let io = |what: &str, path: &Path, e: io::Error| {
        WriteError::Io(format!("cannot {what} {}: {e}", show_path(path)))
    };
    let pid = std::process::id();
    let mut attempt = 0;
    let (mut file, temp) = loop {
        let path = dir.join(format!(".{file_name}.tmp-{pid}-{:016x}", random_u64()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => break (file, TempFile { path, keep: false }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
            Err(e) => return Err(io("create the temporary file", &path, e)),
        }
    };
    // The umask may have narrowed the mode; make it exactly 0600.
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| io("set the mode of", &temp.path, e))?;
    file.write_all(bytes)
        .map_err(|e| io("write", &temp.path, e))?;
    file.sync_all()
        .map_err(|e| io("flush to disk", &temp.path, e))?;
    drop(file);

    let mut temp = temp;
    match replace {
        Replace::Yes => {
            fs::rename(&temp.path, &target).map_err(|e| {
                WriteError::Io(format!(
                    "cannot move {} to {}: {e}",
                    show_path(&temp.path),
                    show_path(&target)
                ))
            })?;
            temp.keep = true;
        }
        Replace::No => match fs::hard_link(&temp.path, &target) {
            // The temporary name is removed when `temp` drops.
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(WriteError::Exists(target))
            }
            // No hard links on this file system: check, then rename.
            Err(_) => {
                if fs::symlink_metadata(&target).is_ok() {
                    return Err(WriteError::Exists(target));
                }
                fs::rename(&temp.path, &target).map_err(|e| {
                    WriteError::Io(format!(
                        "cannot move {} to {}: {e}",
                        show_path(&temp.path),
                        show_path(&target)
                    ))
                })?;
                temp.keep = true;
            }
        },
    }
    drop(temp);
    sync_dir(dir).map_err(|e| {
        WriteError::Io(format!(
            "wrote {} but could not flush its folder to disk: {e}",
            show_path(&target)
        ))
    })?;
    Ok(target)
}

/// Splits `.<target>.tmp-<pid>-<16 hex digits>` into the target and pid.
fn parse_temp_name(file_name: &str) -> Option<(&str, libc::pid_t)> {
    let rest = file_name.strip_prefix('.')?;
    let (target, tail) = rest.rsplit_once(".tmp-")?;
    let (pid, random) = tail.split_once('-')?;
    if target.is_empty()
        || pid.is_empty()
        || !pid.bytes().all(|b| b.is_ascii_digit())
        || random.len() != 16
        || !random
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    let pid: libc::pid_t = pid.parse().ok()?;
    (pid > 0).then_some((target, pid))
}

fn process_is_gone(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks whether the process exists; `pid` is > 0,
    // so it never addresses a process group.
    let result = unsafe { libc::kill(pid, 0) };
    result == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Removes temporary files that a process killed during a save left behind.
fn sweep_stale_temps(dir: &Path, ours: impl Fn(&str) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let Ok(file_name) = entry.file_name().into_string() else {
            continue;
        };
        let Some((target, pid)) = parse_temp_name(&file_name) else {
            continue;
        };
        if ours(target) && entry.file_type().is_ok_and(|t| t.is_file()) && process_is_gone(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A number that differs between calls and between processes.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(since.as_nanos());
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::super::samples::{native_minimal, web_full};
    use super::super::AppType;
    use super::*;
    use std::sync::mpsc;
    use std::sync::Mutex;
    use std::time::Duration;

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
            let lock = store.lock("work").unwrap();
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
            assert!(store.lock(name).is_err());
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
        assert_eq!(
            parse_temp_name(".a.toml.tmp-42-0123456789abcdef"),
            Some(("a.toml", 42))
        );
        assert_eq!(
            parse_temp_name(".default.tmp-7-ffffffffffffffff"),
            Some(("default", 7))
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
                "no profile named \"ghost\" (looked in {}); run \"xconnect login --profile ghost\" or \"xconnect profiles\"",
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
        let _lock = store.lock("a").unwrap();

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
        assert!(err.contains("no profile named \"ghost\""), "{err}");
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
        let first = store.lock("work").unwrap();
        let released = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));

        let (tx, rx) = mpsc::channel();
        let waiter = {
            let store = store.clone();
            let released = released.clone();
            std::thread::spawn(move || {
                let second = store.lock("work").unwrap();
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
        let _a = store.lock("a").unwrap();
        let _b = store.lock("b").unwrap();
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
