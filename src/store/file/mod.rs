//! Where profiles live and how they are written, read, listed and locked.
//!
//! Layout under the root (the config folder):
//!
//! ```text
//! <root>/default                       one line: the default profile's name
//! <root>/profiles/<name>.toml          one profile, mode 0600
//! <root>/profiles/.<name>.lock         only while a process writes or refreshes <name>
//! <root>/profiles/.<name>.toml.tmp-<pid>-<sum>-<random>   only while a save runs
//! <root>/profiles/.<name>.ended-<id>   a pulled file that was removed or replaced here
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
//!
//! The rooms: this file is the [`Store`] API; `lock` the profile's lock and the writes made
//! under it; `atomic` the atomic write, the sweep and the recovery of what a killed save left;
//! `ended` the marks a pulled file leaves when it ends here; `paths` where the store is and
//! its folders; `perms` modes, warnings and symbolic links;
//! `quote` paths as shell words.

mod as_store;
mod atomic;
mod ended;
mod lock;
mod paths;
mod perms;
mod quote;
#[cfg(test)]
mod testing;

pub use atomic::{write_private, Reservation};
pub use lock::{default_lock_wait, LockError, ProfileLock, Purpose};

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::fsread::{read_bounded, read_with, Links, ReadError};
use crate::profile::{check_name, parse_bytes, show_path, LoadError, Profile};
use atomic::{sweep_stale_temps, write_atomic, Keep, Replace, WriteError};
use paths::resolve_with;
use perms::{mode_warning, permission_hint, symlink_advice};

/// The environment variable naming the config folder.
pub const CONFIG_DIR_ENV: &str = "XCONNECT_CONFIG_DIR";

/// A profile file larger than this is refused unread.
const MAX_PROFILE_BYTES: u64 = 1 << 20;

/// The file naming the default profile, directly under the root.
const DEFAULT_FILE: &str = "default";

/// The most the default-profile marker may hold (a name and a line break).
const MAX_DEFAULT_BYTES: u64 = 256;

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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaveError {
    /// The file exists and overwriting was not asked for; nothing was written.
    #[error("a profile named \"{}\" already exists ({}); choose another name, or confirm replacing it", crate::profile::escape_hidden(&.0.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default()), show_path(.0))]
    Exists(PathBuf),
    /// The name is not a valid profile name; the text says why.
    #[error("{0}")]
    Name(String),
    /// The text names the path and what failed.
    #[error("{0}")]
    Io(String),
    /// The file is no longer what [`ProfileLock::load`] read (a program that does not take
    /// the lock wrote or removed it); nothing was written over it.
    #[error("{} changed while xconnect was working on it (a program that does not take its lock wrote or removed it); it was left as it is", show_path(.0))]
    Changed(PathBuf),
    /// The profile's lock could not be taken; nothing was written.
    #[error(transparent)]
    Lock(LockError),
}

impl From<LockError> for SaveError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Name(message) => SaveError::Name(message),
            e => SaveError::Lock(e),
        }
    }
}

impl Store {
    /// The config folder: `flag` (`--config-dir`, or `$XCONNECT_CONFIG_DIR` as the command
    /// line read it) when not empty, else the system's config folder for xconnect.
    /// A relative path is taken from the current folder.
    pub fn resolve(flag: Option<PathBuf>) -> Result<Store, String> {
        let env = None;
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

    /// Reads profile `name` (never through a symbolic link, never waiting on a FIFO, at most
    /// [`MAX_PROFILE_BYTES`]; see [`crate::fsread`]) with the checksum of its bytes.
    fn read(&self, name: &str) -> Result<(Loaded, [u8; 32]), LoadError> {
        let path = self.path(name).map_err(LoadError::Name)?;
        let (bytes, meta) = match read_with(&path, MAX_PROFILE_BYTES, Links::Refuse) {
            Ok(read) => read,
            Err(ReadError::NotFound) => {
                return Err(LoadError::NotFound {
                    name: name.to_string(),
                    path,
                })
            }
            Err(ReadError::Link) => {
                return Err(LoadError::Io {
                    message: symlink_advice(name),
                    path,
                })
            }
            Err(ReadError::NotAFile(_)) => {
                return Err(LoadError::Io {
                    path,
                    message: format!("is not a regular file; {}", remove_advice(name)),
                })
            }
            Err(ReadError::TooLarge { len, .. }) => return Err(too_large(&path, len, name)),
            Err(ReadError::Io { stage, error }) => {
                return Err(LoadError::Io {
                    message: format!("could not be {stage}: {error}{}", permission_hint(&error)),
                    path,
                })
            }
        };
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
    /// "default" if it exists; else the only profile, if there is exactly one. A marker that
    /// cannot be read is passed over (see [`Store::try_default_name`]).
    pub fn default_name(&self) -> Option<String> {
        self.try_default_name().unwrap_or(None)
    }

    /// [`Store::default_name`], or why `<root>/default` cannot be read: a FIFO, a device, a
    /// symbolic link or a large file where the marker should be (never waited on, never
    /// followed).
    pub fn try_default_name(&self) -> Result<Option<String>, LoadError> {
        if let Some(name) = self.read_default_file()? {
            return Ok(Some(name));
        }
        Ok(self.fallback_default())
    }

    /// The default when no marker names one: "default" if it exists, else the only profile.
    fn fallback_default(&self) -> Option<String> {
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
        crate::profile::sort_natural(&mut names);
        Ok(names)
    }

    /// The valid name in `<root>/default`, if there is one; an error when the marker is there
    /// but is not a small regular file.
    fn read_default_file(&self) -> Result<Option<String>, LoadError> {
        let path = self.root.join(DEFAULT_FILE);
        let bytes = match read_bounded(&path, MAX_DEFAULT_BYTES) {
            Ok(bytes) => bytes,
            Err(ReadError::NotFound) => return Ok(None),
            Err(e) => {
                return Err(LoadError::Io {
                    message: format!(
                        "{e}; it only names the default profile: remove it, then make a profile the default with \"xconnect default NAME\""
                    ),
                    path,
                })
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let name = text.trim();
        Ok(check_name(name).is_ok().then(|| name.to_string()))
    }
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

/// The command that deletes a profile that cannot be read, and what to do next.
fn remove_advice(name: &str) -> String {
    format!(
        "remove it with \"xconnect remove {name} --yes\" and log in again with \"xconnect login --profile {name} --client-id ID\""
    )
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

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::profile::samples::{native_minimal, web_full};
    use crate::profile::AppType;

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
}
