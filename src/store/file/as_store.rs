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
