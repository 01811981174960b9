//! Where the store is: the config folder chosen from the flag, the environment or the
//! system, and the folders made as they are needed.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::PathBuf;

use super::perms::{private_linked_dir, set_dir_mode};
use super::Store;
use crate::profile::{check_name, show_path};

/// [`Store::resolve`] with what it reads passed in: the flag, the environment variable, the
/// system's config folder and the current folder.
pub(super) fn resolve_with(
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

/// `<name>.toml` for a valid profile name.
pub(super) fn is_profile_file(target: &str) -> bool {
    target
        .strip_suffix(".toml")
        .is_some_and(|stem| check_name(stem).is_ok())
}

impl Store {
    /// Creates the root and profiles folders as needed, each new one with mode 0700, and
    /// makes the profiles folder 0700. Returns the profiles folder.
    ///
    /// A profiles folder that is a symbolic link keeps its mode: the folder it points to may
    /// be shared. It is used when it is private, and refused with a message otherwise.
    pub(super) fn ensure_dirs(&self) -> Result<PathBuf, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
