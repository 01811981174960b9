//! Modes and links: profiles and their folder are private (0600, 0700), a mode is never set
//! through a symbolic link, a file others can open gets a warning, and a profile that is a
//! link is refused.

use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::quote::shell_word;
use crate::profile::show_path;

/// Flags for opening a file in the profiles folder: never through a symbolic link, and never
/// waiting on a FIFO put in its place (the same as every read, see [`crate::fsread`]).
pub(super) const NO_SURPRISES: i32 = crate::fsread::NO_SURPRISES;

/// A profiles folder that is a symbolic link: used as it is when the folder it points to is
/// private; its mode is never changed.
pub(super) fn private_linked_dir(dir: &Path) -> Result<PathBuf, String> {
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

/// What to say about a profile file that is a symbolic link.
pub(super) fn symlink_advice(name: &str) -> String {
    format!(
        "is a symbolic link; xconnect reads and writes a profile only as a plain file in its folder, so put the file itself there, or remove the link with \"xconnect remove {name} --yes\""
    )
}

pub(super) fn permission_hint(e: &io::Error) -> &'static str {
    if e.kind() == io::ErrorKind::PermissionDenied {
        " (check that the file and its folder belong to you)"
    } else {
        ""
    }
}

/// A warning when other users can read or change the file.
pub(super) fn mode_warning(path: &Path, mode: u32) -> Option<String> {
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

/// Sets the mode of a folder through a descriptor opened without following a symbolic link:
/// never the mode of whatever a link points to.
pub(super) fn set_dir_mode(path: &Path, mode: u32) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{Purpose, Store};
    use super::*;
    use crate::profile::samples::{native_minimal, web_full};
    use std::sync::Mutex;

    /// The umask belongs to the whole process: tests that change it take turns.
    static UMASK: Mutex<()> = Mutex::new(());

    #[test]
    fn modes_are_private_whatever_the_umask() {
        let _turn = UMASK.lock().unwrap_or_else(|e| e.into_inner());
        let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
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
        rustix::process::umask(old);
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
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
    fn a_fifo_in_place_of_a_profile_does_not_hang() {
        let (_tmp, store) = temp_store();
        fs::create_dir_all(store.profiles_dir()).unwrap();
        let path = store.profiles_dir().join("pipe.toml");
        mkfifo(&path);
        let err = store.load("pipe").unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
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
}
