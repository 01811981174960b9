//! The shared store as a [`ProfileStore`]: a profile is a row, its lock the row's lock inside
//! one transaction.

use async_trait::async_trait;

use super::{Lease, PgStore, Update};
use crate::profile::{check_name, Profile, MAX_NAME_LEN};
use crate::store::file::Purpose;
use crate::store::{Change, Found, Held, Listed, ProfileStore, StoreError};

#[async_trait]
impl Held for Lease {
    async fn check(&self) -> Result<(), StoreError> {
        Lease::check(self).await
    }
}

#[async_trait]
impl ProfileStore for PgStore {
    fn place(&self, name: &str) -> String {
        format!("{name} in the profile store {}", self.url().label())
    }

    fn about(&self, name: &str) -> String {
        self.place(name)
    }

    fn where_suffix(&self) -> String {
        format!(" in the profile store {}", self.url().label())
    }

    fn missing(&self, name: &str) -> StoreError {
        StoreError::not_found(self.url(), name)
    }

    /// A row is outside input: one whose name is not a profile name (anyone who may write the
    /// table can put any text there) is listed as unreadable, its name escaped, whatever its
    /// profile holds.
    async fn list(&self) -> Result<Vec<Listed>, StoreError> {
        Ok(PgStore::list(self)
            .await?
            .into_iter()
            .map(|(name, stored)| match check_name(&name) {
                Err(why) => (
                    crate::text::escape(&name, MAX_NAME_LEN),
                    Err(format!(
                        "its name is not a profile name xconnect accepts ({why}); the table's owner can delete the row with SQL"
                    )),
                ),
                Ok(()) => (name, stored.map(|s| s.profile).map_err(|e| e.to_string())),
            })
            .collect())
    }

    async fn load(&self, name: &str) -> Result<Found, StoreError> {
        let stored = PgStore::load(self, name).await?;
        Ok(Found {
            profile: stored.profile,
            place: self.place(name),
            warnings: Vec::new(),
        })
    }

    /// One query: the default profile's row, read with the default's rules.
    async fn pick_and_load(&self, name: Option<&str>) -> Result<(String, Found), StoreError> {
        let stored = match name {
            Some(name) => PgStore::load(self, name).await?,
            None => match PgStore::load_default(self).await? {
                Some(stored) => stored,
                // No default: the trait's words, naming the profiles there are.
                None => {
                    return Err(self
                        .pick(None)
                        .await
                        .err()
                        .unwrap_or_else(|| self.missing("default")))
                }
            },
        };
        let name = stored.name.clone();
        let found = Found {
            profile: stored.profile,
            place: self.place(&name),
            warnings: Vec::new(),
        };
        Ok((name, found))
    }

    async fn exists(&self, name: &str) -> Result<bool, StoreError> {
        PgStore::exists(self, name).await
    }

    async fn save(
        &mut self,
        name: &str,
        profile: &Profile,
        overwrite: bool,
    ) -> Result<String, StoreError> {
        PgStore::save(self, name, profile, overwrite).await?;
        Ok(self.place(name))
    }

    async fn remove(&mut self, name: &str) -> Result<String, StoreError> {
        PgStore::remove(self, name).await?;
        Ok(self.place(name))
    }

    async fn default_name(&self) -> Result<Option<String>, StoreError> {
        PgStore::default_name(self).await
    }

    async fn set_default(&mut self, name: &str) -> Result<(), StoreError> {
        PgStore::set_default(self, name).await
    }

    async fn checks(&mut self, name: &str) -> Vec<crate::checkup::Check> {
        PgStore::checks(self, name).await
    }

    async fn change_locked(
        &mut self,
        name: &str,
        _purpose: Purpose,
        change: &mut dyn Change,
    ) -> Result<Profile, StoreError> {
        let outcome = self
            .update_locked(name, |current, lease| async move {
                if !change.wanted(&current.profile) {
                    return Update::<std::convert::Infallible>::Keep;
                }
                match change.change(current.profile, &lease).await {
                    Some(profile) => Update::Write(profile),
                    None => Update::Keep,
                }
            })
            .await?;
        match outcome {
            Ok(stored) => Ok(stored.profile),
            Err(never) => match never {},
        }
    }
}
