//! Why a profile could not be read, or its lock taken: the errors every store's files and
//! rows are described by (the file store fills in the path, the shared store names its row).

use std::fmt;
use std::path::{Path, PathBuf};

use super::name::check_name;

/// Why a profile could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    NotFound {
        name: String,
        path: PathBuf,
    },
    /// The name is not a valid profile name; the text says why.
    Name(String),
    Empty(PathBuf),
    /// Not TOML, not UTF-8, or a value of the wrong kind; `message` starts with the line.
    Syntax {
        path: PathBuf,
        message: String,
    },
    /// A required key or table is absent; `key` is dotted, e.g. `app.client_id`.
    Missing {
        path: PathBuf,
        key: String,
    },
    TooNew {
        path: PathBuf,
        version: i64,
    },
    /// `message` reads on from the path: "could not be read: …".
    Io {
        path: PathBuf,
        message: String,
    },
    /// The profile's lock could not be taken (to change the profile, or read it for a change).
    Lock(LockError),
}

impl LoadError {
    /// The file the error is about, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            LoadError::Name(_) | LoadError::Lock(_) => None,
            LoadError::NotFound { path, .. }
            | LoadError::Empty(path)
            | LoadError::Syntax { path, .. }
            | LoadError::Missing { path, .. }
            | LoadError::TooNew { path, .. }
            | LoadError::Io { path, .. } => Some(path),
        }
    }

    /// Fills in the file an error from [`Profile::from_toml`] came from.
    pub(crate) fn with_path(mut self, file: &Path) -> LoadError {
        match &mut self {
            LoadError::Name(_) | LoadError::Lock(_) => {}
            LoadError::NotFound { path, .. }
            | LoadError::Empty(path)
            | LoadError::Syntax { path, .. }
            | LoadError::Missing { path, .. }
            | LoadError::TooNew { path, .. }
            | LoadError::Io { path, .. } => *path = file.to_path_buf(),
        }
        self
    }
}

/// `<path>`, or "the profile" for text that came from no file.
fn subject(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        "the profile".to_string()
    } else {
        show_path(path)
    }
}

/// No profile named and no default one: what there is to choose from, with commands that work
/// (`place` is empty for this machine's files, or names the shared store).
pub fn no_default_message(names: &[String], place: &str) -> String {
    const SHOWN: usize = 5;
    match names {
        [] => format!(
            "no profiles yet{place}; set one up with the wizard (\"xconnect\") or with \"xconnect login --client-id ID\""
        ),
        [first, ..] => {
            let mut list = names[..names.len().min(SHOWN)].join(", ");
            if names.len() > SHOWN {
                list.push_str(", … (\"xconnect profiles\" lists them all)");
            }
            format!(
                "no default profile{place} among {list}: choose one with --profile (e.g. --profile {first}), or make one the default with \"xconnect default {first}\""
            )
        }
    }
}

/// What to run about a profile that does not exist: list the saved ones, or make this one (a
/// login without `--client-id` would only look for it again).
pub fn missing_advice(name: &str) -> String {
    format!(
        "list the saved ones with \"xconnect profiles\", or make it with \"xconnect login --profile {name} --client-id ID\" or the wizard (\"xconnect\")"
    )
}

/// What to run to replace the profile at `path` (a login alone would refuse to read it).
fn relogin_hint(path: &Path) -> String {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| check_name(s).is_ok())
        .unwrap_or("NAME");
    format!(
        "remove it with \"xconnect remove {name} --yes\" and log in again with \"xconnect login --profile {name} --client-id ID\""
    )
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound { name, path } => write!(
                f,
                "no profile named \"{name}\" (looked in {}); {}",
                show_path(path),
                missing_advice(name)
            ),
            LoadError::Name(message) => f.write_str(message),
            LoadError::Empty(path) => {
                write!(f, "{} is empty; {}", subject(path), relogin_hint(path))
            }
            LoadError::Syntax { path, message } => write!(
                f,
                "{} is not a valid profile file ({message}); fix that line, or {}",
                subject(path),
                relogin_hint(path)
            ),
            LoadError::Missing { path, key } => write!(
                f,
                "{} has no \"{key}\", which a profile needs; add it, or {}",
                subject(path),
                relogin_hint(path)
            ),
            LoadError::TooNew { path, version } => write!(
                f,
                "{} was written by a newer xconnect (version {version}); upgrade xconnect",
                subject(path)
            ),
            LoadError::Io { path, message } => write!(f, "{} {message}", subject(path)),
            LoadError::Lock(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {}

/// Why a profile's lock could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// The name is not a valid profile name; the text says why.
    #[error("{0}")]
    Name(String),
    /// Another process held the lock longer than this one may wait: try again later.
    #[error("{0}")]
    Busy(String),
    /// The lock file cannot be made, opened or locked; the text names it and says why.
    #[error("{0}")]
    Io(String),
}

/// Text from a file or a path, whole, for a message that must show what is there: what
/// [`crate::text::is_hidden`] names (controls, bidirectional and zero-width characters…)
/// becomes `\u{…}`, everything else stays.
pub fn escape_hidden(text: &str) -> String {
    crate::text::escape(text, usize::MAX)
}

/// A path for a message: hidden characters escaped, invalid UTF-8 replaced.
pub fn show_path(path: &Path) -> String {
    escape_hidden(&path.to_string_lossy())
}
