//! This machine's profile files as a [`ProfileStore`]: the blocking file work runs on tokio's
//! blocking threads where it waits (a lock, a flush to disk).

use async_trait::async_trait;

use super::{LoadError, Purpose, SaveError, Store};
use crate::profile::Profile;
use crate::store::{Change, Found, Held, Listed, ProfileStore, StoreError};

/// A file's lock is held by this process until it lets it go.
struct FileLockHeld;

#[async_trait]
impl Held for FileLockHeld {
    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Runs blocking file work off the runtime's threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Config(format!("the file work did not finish: {e}")))
}

#[async_trait]
impl ProfileStore for Store {
    fn place(&self, name: &str) -> String {
        self.path(name)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| name.to_string())
    }

    fn about(&self, name: &str) -> String {
        format!("{name} ({})", self.place(name))
    }

    fn where_suffix(&self) -> String {
        String::new()
    }

    fn missing(&self, name: &str) -> StoreError {
        match self.path(name) {
            Ok(path) => StoreError::File(LoadError::NotFound {
                name: name.to_string(),
                path,
            }),
            Err(why) => StoreError::File(LoadError::Name(why)),
        }
    }

    fn exists_at_once(&self, name: &str) -> Option<bool> {
        Some(Store::exists(self, name))
    }

    async fn list(&self) -> Result<Vec<Listed>, StoreError> {
        // Reading files: off the runtime's threads (the wizard's loop never waits for a disk).
        let store = self.clone();
        Ok(blocking(move || Store::list(&store))
            .await?
            .into_iter()
            .map(|(name, loaded)| (name, loaded.map(|l| l.profile).map_err(|e| e.to_string())))
            .collect())
    }

    async fn load(&self, name: &str) -> Result<Found, StoreError> {
        let (store, owned) = (self.clone(), name.to_string());
        let loaded = blocking(move || Store::load(&store, &owned)).await??;
        Ok(Found {
            profile: loaded.profile,
            place: loaded.path.display().to_string(),
            warnings: loaded.warnings,
        })
    }

    async fn exists(&self, name: &str) -> Result<bool, StoreError> {
        Ok(Store::exists(self, name))
    }

    async fn save(
        &mut self,
        name: &str,
        profile: &Profile,
        overwrite: bool,
    ) -> Result<String, StoreError> {
        let (store, name, profile) = (self.clone(), name.to_string(), profile.clone());
        let path = blocking(move || store.save(&name, &profile, overwrite)).await??;
        Ok(path.display().to_string())
    }

    async fn remove(&mut self, name: &str) -> Result<String, StoreError> {
        Ok(Store::remove(self, name)?.display().to_string())
    }

    async fn default_name(&self) -> Result<Option<String>, StoreError> {
        // A marker that is not a small regular file is named, not passed over: the profile a
        // command would then pick is not the one the person meant.
        Ok(self.try_default_name()?)
    }

    async fn set_default(&mut self, name: &str) -> Result<(), StoreError> {
        Ok(Store::set_default(self, name)?)
    }

    async fn checks(&mut self, name: &str) -> Vec<crate::checkup::Check> {
        use crate::checkup::Check;
        if crate::profile::check_name(name).is_err() || !Store::exists(self, name) {
            return Vec::new();
        }
        // Taken at once or not at all, and let go at once: a look, not a wait.
        let store = self
            .clone()
            .quiet()
            .with_lock_wait(std::time::Duration::ZERO);
        let taken = {
            let name = name.to_string();
            blocking(move || store.lock(&name, Purpose::Refresh).map(drop)).await
        };
        let folder = folder_check(&self.profiles_dir(), &self.path(name).unwrap_or_default());
        let lock = self
            .profiles_dir()
            .join(format!(".{name}.lock"))
            .display()
            .to_string();
        let lock = match taken {
            Ok(Ok(())) => Check::pass("profile_lock", format!("free ({lock})")),
            Ok(Err(crate::profile::LockError::Busy(_))) => Check::fail(
                "profile_lock",
                format!("another xconnect process holds the lock of {name} now ({lock}): a refresh, a save or a revoke is under way"),
                format!("let it end and run xconnect doctor again; a process that never ends holds it until it is stopped (fuser -v {lock} names it)"),
            ),
            Ok(Err(e)) => Check::fail(
                "profile_lock",
                format!("the lock of {name} cannot be taken: {e}"),
                "check the profiles folder's owner and mode (xconnect doctor says the same for the profile)",
            ),
            Err(e) => Check::fail("profile_lock", e.to_string(), ""),
        };
        vec![folder, lock]
    }

    async fn change_locked(
        &mut self,
        name: &str,
        purpose: Purpose,
        change: &mut dyn Change,
    ) -> Result<Profile, StoreError> {
        let (store, owned) = (self.clone(), name.to_string());
        let mut lock = blocking(move || store.lock(&owned, purpose))
            .await?
            .map_err(LoadError::Lock)?;
        // Another process may have changed it while this one waited for the lock. What is
        // read here is what the save checks it replaces.
        let current = lock.load()?.profile;
        if !change.wanted(&current) {
            return Ok(current);
        }
        // What X answers may have to be kept (a rotated refresh token): the room for it is
        // taken before X is asked. On a full disk the change stops here, before X is asked.
        let (mut lock, reserved) = blocking(move || lock.reserve().map(|r| (lock, r)))
            .await?
            .map_err(|e| StoreError::NoRoom {
                name: name.to_string(),
                detail: e.to_string(),
            })?;
        match change.change(current.clone(), &FileLockHeld).await {
            None => Ok(current),
            Some(profile) => {
                let saved = profile.clone();
                blocking(move || lock.save_reserved(reserved, &saved)).await??;
                Ok(profile)
            }
        }
    }
}

impl From<SaveError> for StoreError {
    fn from(e: SaveError) -> Self {
        StoreError::Save(e)
    }
}

/// The profiles folder and the profile's file: owned by this user, the folder closed to
/// others, and whether the folder is reached through a symbolic link (its mode is then the
/// target's, which other folders may share).
fn folder_check(dir: &std::path::Path, file: &std::path::Path) -> crate::checkup::Check {
    use std::os::unix::fs::MetadataExt;
    const CHECK: &str = "profile_folder";
    let me = rustix::process::geteuid().as_raw();
    let shown = crate::profile::show_path(dir);
    let mut fails = Vec::new();
    let mut fixes = Vec::new();
    match std::fs::metadata(dir) {
        Ok(meta) => {
            if meta.uid() != me {
                fails.push(format!(
                    "{shown} belongs to user {}, not to you ({me})",
                    meta.uid()
                ));
                fixes.push(format!("give it to this user: chown {me} {shown}"));
            }
            if meta.mode() & 0o077 != 0 {
                fails.push(format!(
                    "{shown} is open to other users (mode {:04o})",
                    meta.mode() & 0o7777
                ));
                fixes.push(format!("chmod 700 {shown}"));
            }
        }
        Err(e) => fails.push(format!("{shown} cannot be read: {e}")),
    }
    if let Ok(meta) = std::fs::symlink_metadata(file) {
        if meta.uid() != me {
            let f = crate::profile::show_path(file);
            fails.push(format!(
                "{f} belongs to user {}, not to you ({me})",
                meta.uid()
            ));
            fixes.push(format!("chown {me} {f}"));
        }
    }
    if !fails.is_empty() {
        return crate::checkup::Check::fail(CHECK, fails.join("; "), fixes.join("; "));
    }
    let linked = std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink());
    if linked {
        let target = std::fs::canonicalize(dir)
            .map(|t| crate::profile::show_path(&t))
            .unwrap_or_default();
        return crate::checkup::Check::warn(
            CHECK,
            format!("{shown} is a symbolic link to {target}: private and yours now, but whoever can change the link can move the profiles"),
            "make it a folder of its own: xconnect keeps it mode 700",
        );
    }
    crate::checkup::Check::pass(CHECK, format!("{shown} is yours and closed to others"))
}
