//! The emulator's memory on disk, so that a sandbox profile outlives the process that made it:
//! apps, the signed-in user, grants, tokens, posts and the clock's offset, in one small JSON file
//! of the state folder (mode 0600, replaced atomically). Every process that runs the emulator
//! with this file reads it under an exclusive lock before each request and writes it back when
//! the request changed something, so a `token` in one process sees the refresh another made.
//! Consent pages, codes, counters and rate-limit windows live only as long as their process.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::state::{Grant, State, TokenEntry, Tweet};
use super::{SandboxApp, SandboxUser};
use crate::x::Permission;

/// The file, in the state folder.
pub const STATE_FILE: &str = "sandbox.json";
/// Held (`flock`) around each read-change-write of [`STATE_FILE`].
const LOCK_FILE: &str = "sandbox.lock";
const VERSION: u32 = 1;
/// A file larger than this is not the emulator's (10,000 posts fit many times over).
const MAX_BYTES: u64 = 64 << 20;

/// What is kept between processes. Times are Unix milliseconds of the emulator's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Saved {
    version: u32,
    clock_offset_ms: u64,
    user: User,
    apps: Vec<App>,
    grants: Vec<SavedGrant>,
    next_grant: u64,
    access_tokens: Vec<SavedToken>,
    refresh_tokens: Vec<SavedToken>,
    tweets: Vec<SavedTweet>,
    next_tweet: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct User {
    id: String,
    username: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct App {
    client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    callback_urls: Vec<String>,
    enrolled: bool,
    /// "read", "read-write" or "read-write-dm".
    permission: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SavedGrant {
    id: u64,
    client_id: String,
    user: User,
    scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SavedToken {
    token: String,
    grant: u64,
    expires_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SavedTweet {
    id: String,
    author_id: String,
    text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    media_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_reply_to: Option<String>,
}

impl From<&SandboxUser> for User {
    fn from(u: &SandboxUser) -> Self {
        User {
            id: u.id.clone(),
            username: u.username.clone(),
            name: u.name.clone(),
        }
    }
}

impl From<&User> for SandboxUser {
    fn from(u: &User) -> Self {
        SandboxUser {
            id: u.id.clone(),
            username: u.username.clone(),
            name: u.name.clone(),
        }
    }
}

fn permission_word(p: Permission) -> &'static str {
    match p {
        Permission::Read => "read",
        Permission::ReadWrite => "read-write",
        Permission::ReadWriteDm => "read-write-dm",
    }
}

fn permission_of(word: &str) -> Permission {
    match word {
        "read" => Permission::Read,
        "read-write" => Permission::ReadWrite,
        _ => Permission::ReadWriteDm,
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl State {
    /// What of the state is kept between processes, in a stable order.
    pub(crate) fn saved(&self) -> Saved {
        let mut apps: Vec<App> = self
            .apps
            .values()
            .map(|a| App {
                client_id: a.client_id.clone(),
                client_secret: a.client_secret.clone(),
                callback_urls: a.callback_urls.clone(),
                enrolled: a.enrolled,
                permission: permission_word(a.permission).to_string(),
            })
            .collect();
        apps.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        let mut grants: Vec<SavedGrant> = self
            .grants
            .iter()
            .map(|(id, g)| SavedGrant {
                id: *id,
                client_id: g.client_id.clone(),
                user: (&g.user).into(),
                scopes: g.scopes.clone(),
            })
            .collect();
        grants.sort_by_key(|g| g.id);
        let tokens = |map: &std::collections::HashMap<String, TokenEntry>| {
            let mut list: Vec<SavedToken> = map
                .iter()
                .map(|(token, t)| SavedToken {
                    token: token.clone(),
                    grant: t.grant,
                    expires_ms: millis(self.clock.unix(t.expires)),
                })
                .collect();
            list.sort_by(|a, b| a.token.cmp(&b.token));
            list
        };
        Saved {
            version: VERSION,
            clock_offset_ms: millis(self.clock.offset()),
            user: (&self.user).into(),
            apps,
            grants,
            next_grant: self.next_grant,
            access_tokens: tokens(&self.access_tokens),
            refresh_tokens: tokens(&self.refresh_tokens),
            tweets: self
                .tweets
                .iter()
                .map(|t| SavedTweet {
                    id: t.id.clone(),
                    author_id: t.author_id.clone(),
                    text: t.text.clone(),
                    media_keys: t.media_keys.clone(),
                    in_reply_to: t.in_reply_to.clone(),
                })
                .collect(),
            next_tweet: self.next_tweet,
        }
    }

    /// Takes over what another process (or an earlier one) left; what lives only in this
    /// process (consent pages, codes, counters) stays.
    pub(crate) fn restore(&mut self, s: &Saved) {
        self.clock
            .set_offset(Duration::from_millis(s.clock_offset_ms));
        self.user = (&s.user).into();
        self.apps = s
            .apps
            .iter()
            .map(|a| {
                let app = SandboxApp {
                    client_id: a.client_id.clone(),
                    client_secret: a.client_secret.clone(),
                    callback_urls: a.callback_urls.clone(),
                    enrolled: a.enrolled,
                    permission: permission_of(&a.permission),
                };
                (a.client_id.clone(), app)
            })
            .collect();
        self.grants = s
            .grants
            .iter()
            .map(|g| {
                let grant = Grant {
                    client_id: g.client_id.clone(),
                    user: (&g.user).into(),
                    scopes: g.scopes.clone(),
                };
                (g.id, grant)
            })
            .collect();
        self.next_grant = self.next_grant.max(s.next_grant);
        let clock = &self.clock;
        let tokens = |list: &[SavedToken]| {
            list.iter()
                .map(|t| {
                    let entry = TokenEntry {
                        grant: t.grant,
                        expires: clock.at_unix(Duration::from_millis(t.expires_ms)),
                    };
                    (t.token.clone(), entry)
                })
                .collect()
        };
        self.access_tokens = tokens(&s.access_tokens);
        self.refresh_tokens = tokens(&s.refresh_tokens);
        self.tweets = s
            .tweets
            .iter()
            .map(|t| Tweet {
                id: t.id.clone(),
                author_id: t.author_id.clone(),
                text: t.text.clone(),
                media_keys: t.media_keys.clone(),
                in_reply_to: t.in_reply_to.clone(),
            })
            .collect();
        self.next_tweet = self.next_tweet.max(s.next_tweet);
    }
}

/// The state folder's emulator file and its lock.
#[derive(Debug)]
pub(crate) struct StateFile {
    dir: PathBuf,
}

/// "…/sandbox.json is a FIFO, not a regular file; remove it": what the emulator cannot use.
fn refused(path: &Path, why: &crate::fsread::ReadError) -> std::io::Error {
    std::io::Error::other(format!(
        "{} {why}; remove it (the sandbox makes its state files itself)",
        crate::text::escape(&path.to_string_lossy(), 300)
    ))
}

impl StateFile {
    /// Uses `dir` (created with mode 0700 when missing). Refuses, with a message naming the
    /// file, a state file or lock file that is not a regular file (a FIFO, a device, a
    /// symbolic link): never waited on, never followed.
    pub(crate) fn open(dir: &Path) -> std::io::Result<StateFile> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let file = StateFile {
            dir: dir.to_path_buf(),
        };
        let state = file.dir.join(STATE_FILE);
        crate::fsread::check_regular(&state).map_err(|e| refused(&state, &e))?;
        file.lock_file()?;
        Ok(file)
    }

    /// The lock file, opened (created when missing) as every read is: not through a link, not
    /// waiting on a FIFO, and only if it is a regular file.
    fn lock_file(&self) -> std::io::Result<File> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.dir.join(LOCK_FILE);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(crate::fsread::NO_SURPRISES)
            .open(&path)
            .map_err(|e| refused(&path, &crate::fsread::open_error(e)))?;
        crate::fsread::regular(&file.metadata()?).map_err(|e| refused(&path, &e))?;
        Ok(file)
    }

    /// The exclusive lock, held while the returned file is open. `None` when it cannot be had
    /// (the emulator then goes on without it: it only emulates).
    pub(crate) fn lock(&self) -> Option<File> {
        let file = self.lock_file().ok()?;
        file.lock().ok()?;
        Some(file)
    }

    /// What the file holds; `None` when there is none, or it is not this emulator's (read as
    /// every file is, see [`crate::fsread`]).
    pub(crate) fn read(&self) -> Option<Saved> {
        let bytes = crate::fsread::read_bounded(&self.dir.join(STATE_FILE), MAX_BYTES).ok()?;
        let saved: Saved = serde_json::from_slice(&bytes).ok()?;
        (saved.version == VERSION).then_some(saved)
    }

    /// Replaces the file (atomically, mode 0600). A failure is not fatal: the emulator keeps
    /// working for this process.
    pub(crate) fn write(&self, saved: &Saved) {
        if let Ok(bytes) = serde_json::to_vec(saved) {
            let _ = crate::store::file::write_private(&self.dir, STATE_FILE, &bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_with_a_login() -> (State, String, String) {
        let mut s = State::new();
        s.apps.insert(
            "cid".into(),
            SandboxApp::confidential("cid", "secret", ["http://127.0.0.1:1/cb"])
                .with_permission(Permission::ReadWrite),
        );
        let user = s.user.clone();
        let g = s.new_grant(
            "cid",
            user,
            vec!["offline.access".into(), "users.read".into()],
        );
        let t = s.issue_tokens(g).expect("tokens");
        let author = s.user.id.clone();
        s.new_tweet(&author, "kept");
        (s, t.access_token, t.refresh_token.expect("refresh"))
    }

    #[test]
    fn what_is_saved_comes_back_in_another_process() {
        let (mut a, access, refresh) = state_with_a_login();
        a.clock.advance(Duration::from_secs(60));
        let saved = a.saved();
        let text = serde_json::to_string(&saved).expect("json");
        let read: Saved = serde_json::from_str(&text).expect("read back");
        let mut b = State::new();
        b.restore(&read);
        assert_eq!(b.saved(), saved);
        assert!(b.grant_for_access_token(&access).is_some());
        assert!(b.refresh_tokens.contains_key(&refresh));
        assert_eq!(b.apps["cid"].permission, Permission::ReadWrite);
        assert_eq!(b.apps["cid"].client_secret.as_deref(), Some("secret"));
        assert_eq!(b.tweets.len(), 1);
        // New ids never repeat those handed out before.
        let user = b.user.clone();
        let g = b.new_grant("cid", user, vec![]);
        assert!(!a.grants.contains_key(&g));
    }

    #[test]
    fn expiry_and_the_clock_offset_carry_over() {
        let (mut a, access, _) = state_with_a_login();
        // Two hours and a bit later, in the emulator's time.
        a.clock.advance(Duration::from_secs(7300));
        let mut b = State::new();
        b.restore(&a.saved());
        assert!(b.grant_for_access_token(&access).is_none(), "expired");
        b.prune();
        assert!(!b.access_tokens.contains_key(&access));
    }

    #[test]
    fn the_file_is_private_and_shared_by_every_emulator_on_the_folder() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("state");
        let (a, access, _) = state_with_a_login();
        let file = StateFile::open(&dir).expect("open");
        let _held = file.lock().expect("lock");
        file.write(&a.saved());
        let mode = std::fs::metadata(dir.join(STATE_FILE))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let other = StateFile::open(&dir).expect("open again");
        let mut b = State::new();
        b.restore(&other.read().expect("read"));
        assert!(b.grant_for_access_token(&access).is_some());
        std::fs::write(dir.join(STATE_FILE), "not json").expect("write");
        assert!(
            other.read().is_none(),
            "a file that is not the emulator's is ignored"
        );
    }
}
