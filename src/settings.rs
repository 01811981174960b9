//! Where this run is, read once: the command line (`cli/`) takes a snapshot of the environment
//! at start and passes it down. Nothing below `cli/` reads the environment itself (a test,
//! `tests/settings_env.rs`, says so), so a module's behaviour depends only on what it is given,
//! and a test gives it any environment without touching the process's own.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};

/// The environment as it was when xconnect started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<OsString, OsString>,
}

impl Env {
    /// An environment of these variables (the command line passes the process's own).
    pub fn new<K: Into<OsString>, V: Into<OsString>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The variable's value, when set (perhaps empty).
    pub fn get(&self, key: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(key)).map(OsString::as_os_str)
    }

    /// The variable's value as text, when set and valid UTF-8.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|v| v.to_str()).map(str::to_string)
    }

    /// Whether the variable is set to something not empty.
    pub fn is_set(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_means_set_and_not_empty() {
        let env = Env::new([("A", "1"), ("B", "")]);
        assert!(env.is_set("A"));
        assert!(!env.is_set("B"));
        assert_eq!(env.get("B"), Some(OsStr::new("")));
        assert!(!env.is_set("C"));
        assert_eq!(env.text("A").as_deref(), Some("1"));
    }
}
