//! What a pulled profile file leaves when it ends on this machine.
//!
//! `store pull` writes a file that carries its move's id (`[origin]`) before it deletes the
//! store's row. A pull stopped between the two leaves the row marked as moving here, frozen,
//! and the file as the owner: the file may refresh, and the row's copy then holds a refresh
//! token that X has rotated out. Run again, the pull keeps a file it wrote; but a file that is
//! gone (removed) or is another one (a new login) looks, to the pull, like a file it never
//! wrote, and writing the row's old token back would replay it at X.
//!
//! So a profile file with an `[origin]` is never removed or replaced by another profile without
//! its move's id being recorded first, as `profiles/.<name>.ended-<id>` (empty, mode 0600): the
//! pull run again finds that mark and finishes by deleting the row, writing nothing. A pull
//! that finishes forgets the marks of its profile.

use std::fs::{self, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::atomic::sync_dir;
use super::perms::NO_SURPRISES;
use super::{Store, MAX_PROFILE_BYTES};
use crate::profile::{parse_bytes, show_path};

/// The mark's file name, for a move id as xconnect makes them (hex, at most 64 characters);
/// `None` for anything else, which no move of the store's can match.
fn mark_name(name: &str, id: &str) -> Option<String> {
    let hex = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    hex.then(|| format!(".{name}.ended-{id}"))
}

/// The id of the move that brought the file at `path` here, if it reads as a profile.
pub(super) fn origin_id(path: &Path) -> Option<String> {
    let bytes = crate::fsread::read_bounded(path, MAX_PROFILE_BYTES).ok()?;
    parse_bytes(&bytes).ok()?.origin.map(|o| o.id)
}

impl Store {
    /// Under profile `name`'s lock, before the file at `path` is removed or replaced by a
    /// profile whose move id is `next`: records the file's own move id when it has one and
    /// `next` is another.
    pub(super) fn before_ending(
        &self,
        name: &str,
        path: &Path,
        next: Option<&str>,
    ) -> Result<(), String> {
        let Some(id) = origin_id(path) else {
            return Ok(());
        };
        if next == Some(id.as_str()) {
            return Ok(());
        }
        let Some(mark) = mark_name(name, &id) else {
            return Ok(());
        };
        let dir = self.profiles_dir();
        let at = dir.join(mark);
        let made = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(NO_SURPRISES)
            .open(&at)
            .and_then(|f| f.sync_all())
            .and_then(|()| sync_dir(&dir));
        made.map_err(|e| {
            format!(
                "cannot record that {} ends here ({}: {e}), which a store pull of it run again needs; it was left as it is",
                show_path(path),
                show_path(&at)
            )
        })
    }

    /// Under profile `name`'s lock: whether the file that move `id` wrote here was removed or
    /// replaced since.
    pub(super) fn ended_here(&self, name: &str, id: &str) -> bool {
        mark_name(name, id).is_some_and(|mark| {
            fs::symlink_metadata(self.profiles_dir().join(mark)).is_ok_and(|m| m.is_file())
        })
    }

    /// Under profile `name`'s lock, once no row of the store is moving to this file any more:
    /// removes the profile's marks (best effort).
    pub(super) fn forget_ended(&self, name: &str) {
        let dir = self.profiles_dir();
        let prefix = format!(".{name}.ended-");
        let Ok(entries) = fs::read_dir(&dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            let id = file_name.strip_prefix(&prefix).unwrap_or_default();
            if mark_name(name, id).is_some() {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::Purpose;
    use super::*;
    use crate::profile::samples::native_minimal;
    use crate::profile::{Origin, Profile};

    fn pulled(id: &str) -> Profile {
        let mut p = native_minimal();
        p.origin = Some(Origin {
            id: id.into(),
            from: "db.internal:5432/xconnect".into(),
            at: time::macros::datetime!(2026-01-01 00:00 UTC),
        });
        p
    }

    const ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn removing_a_pulled_file_records_its_move() {
        let (_tmp, store) = temp_store();
        store.save("work", &pulled(ID), false).unwrap();
        assert!(!store.lock("work", Purpose::Save).unwrap().ended_here(ID));
        store.remove("work").unwrap();
        let mark = store.profiles_dir().join(format!(".work.ended-{ID}"));
        assert_eq!(mode_of(&mark), 0o600);
        let lock = store.lock("work", Purpose::Save).unwrap();
        assert!(lock.ended_here(ID));
        assert!(!lock.ended_here("fedcba9876543210fedcba9876543210"));
        // Not a profile: the listing does not show it.
        assert!(store.list().is_empty());
        lock.forget_ended();
        assert!(!lock.ended_here(ID));
        drop(lock);
        assert_eq!(dir_names(&store.profiles_dir()), Vec::<String>::new());
    }

    #[test]
    fn replacing_a_pulled_file_records_its_move_but_a_save_of_it_does_not() {
        let (_tmp, store) = temp_store();
        store.save("work", &pulled(ID), false).unwrap();
        // A refresh or a revoke saves the same profile: no mark.
        let mut lock = store.lock("work", Purpose::Refresh).unwrap();
        let mut p = lock.load().unwrap().profile;
        p.app.client_id = "refreshed".into();
        lock.save(&p).unwrap();
        assert!(!lock.ended_here(ID));
        drop(lock);
        // A new login replaces it: marked.
        store.save("work", &native_minimal(), true).unwrap();
        assert!(store.lock("work", Purpose::Save).unwrap().ended_here(ID));
        // A file with no move (or one that does not read) leaves nothing.
        store.remove("work").unwrap();
        fs::write(store.path("other").unwrap(), "not toml").unwrap();
        store.remove("other").unwrap();
        assert_eq!(
            dir_names(&store.profiles_dir()),
            vec![format!(".work.ended-{ID}")]
        );
    }

    #[test]
    fn an_id_that_xconnect_did_not_make_leaves_no_mark() {
        for id in ["", "../../x", "ABC", &"a".repeat(65)] {
            assert_eq!(mark_name("work", id), None, "{id:?}");
        }
        assert_eq!(
            mark_name("work", ID).as_deref(),
            Some(".work.ended-0123456789abcdef0123456789abcdef")
        );
    }
}
