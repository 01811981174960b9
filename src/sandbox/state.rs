//! Everything the emulator remembers: apps, the signed-in user, pending consent
//! pages, codes, grants, tokens, the clock and the counters.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::api::Endpoint;
use super::ids;
use super::{SandboxApp, SandboxStats, SandboxUser};

/// Authorization codes are valid for 30 seconds.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(30);
/// Access tokens are valid for two hours (`expires_in: 7200`).
pub(crate) const ACCESS_LIFETIME: Duration = Duration::from_secs(7200);
/// Refresh tokens: "about six months" (emulator choice: 180 days).
pub(crate) const REFRESH_LIFETIME: Duration = Duration::from_secs(180 * 24 * 3600);
/// A consent page can be answered for 10 minutes (emulator choice).
pub(crate) const PENDING_LIFETIME: Duration = Duration::from_secs(600);
/// X counts API calls per user and app in 15-minute windows.
pub(crate) const RATE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// At most this many posts are kept; the oldest go first.
pub(crate) const MAX_TWEETS: usize = 10_000;
/// At most this many consent pages and codes are remembered; the oldest go first.
pub(crate) const MAX_REMEMBERED: usize = 10_000;

/// Makes room for one more entry by dropping the oldest ones.
fn make_room<V>(map: &mut HashMap<String, V>, created: impl Fn(&V) -> Duration) {
    while map.len() >= MAX_REMEMBERED {
        let oldest = map
            .iter()
            .min_by_key(|(_, v)| created(v))
            .map(|(k, _)| k.clone());
        match oldest {
            Some(key) => map.remove(&key),
            None => break,
        };
    }
}

/// Real time since start plus whatever tests added with `advance_clock`.
pub(crate) struct Clock {
    started: Instant,
    started_wall: SystemTime,
    offset: Duration,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            started: Instant::now(),
            started_wall: SystemTime::now(),
            offset: Duration::ZERO,
        }
    }

    /// Emulator time since start.
    pub(crate) fn now(&self) -> Duration {
        self.started.elapsed().saturating_add(self.offset)
    }

    pub(crate) fn advance(&mut self, d: Duration) {
        self.offset = self.offset.saturating_add(d);
    }

    /// How far `advance` has moved the clock.
    pub(crate) fn offset(&self) -> Duration {
        self.offset
    }

    pub(crate) fn set_offset(&mut self, offset: Duration) {
        self.offset = offset;
    }

    /// The emulator time of a Unix timestamp (zero for one before this clock started).
    pub(crate) fn at_unix(&self, unix: Duration) -> Duration {
        let start = self
            .started_wall
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        unix.saturating_sub(start)
    }

    /// Emulator time as a Unix timestamp.
    pub(crate) fn unix(&self, at: Duration) -> Duration {
        self.started_wall
            .checked_add(at)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .unwrap_or(Duration::MAX)
    }
}

/// A consent page shown and not yet answered.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: String,
    pub code_challenge: String,
    pub created: Duration,
}

#[derive(Debug, Clone)]
pub(crate) struct CodeEntry {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub code_challenge: String,
    pub user: SandboxUser,
    pub issued: Duration,
    /// Set once exchanged: the grant it produced.
    pub redeemed: Option<u64>,
}

/// One authorization of one user for one app; tokens hang off it.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub client_id: String,
    pub user: SandboxUser,
    pub scopes: Vec<String>,
}

/// A post made through the emulated API.
#[derive(Debug, Clone)]
pub(crate) struct Tweet {
    pub id: String,
    pub author_id: String,
    pub text: String,
    /// The media it carries (`attachments.media_keys`).
    pub media_keys: Vec<String>,
    /// The post it replies to.
    pub in_reply_to: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct TokenEntry {
    pub grant: u64,
    pub expires: Duration,
}

/// What the token endpoint hands out.
#[derive(Debug, Clone)]
pub(crate) struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scope: String,
}

pub(crate) struct State {
    pub clock: Clock,
    pub apps: HashMap<String, SandboxApp>,
    pub user: SandboxUser,
    pub pending: HashMap<String, Pending>,
    pub codes: HashMap<String, CodeEntry>,
    pub grants: HashMap<u64, Grant>,
    pub(crate) next_grant: u64,
    pub access_tokens: HashMap<String, TokenEntry>,
    pub refresh_tokens: HashMap<String, TokenEntry>,
    /// Refresh tokens that a refresh rotated out: one that comes back is a replay.
    pub rotated_out: std::collections::HashSet<String>,
    /// (endpoint, client_id, user id) → (window start, calls in window).
    pub rate_windows: HashMap<(Endpoint, String, String), (Duration, u32)>,
    /// Budgets per window that differ from X's (set by tests to reach a 429 quickly).
    pub rate_limits: HashMap<Endpoint, u32>,
    /// The length of a rate-limit window ([`RATE_WINDOW`] unless a test sets it).
    pub rate_window: Duration,
    /// The plan's usage cap, reached: (period, scope) as X names them.
    pub usage_cap: Option<(String, String)>,
    /// Pay-per-use calls left; `None`: no end.
    pub credits: Option<u64>,
    /// How long X takes before it acts on a request to this path (set by tests: a slow X).
    pub latency: HashMap<String, Duration>,
    /// Posts, oldest first.
    pub tweets: Vec<Tweet>,
    pub(crate) next_tweet: u64,
    /// Media uploads (see `media.rs`); they live only as long as their process.
    pub media: super::media::Media,
    pub stats: SandboxStats,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            clock: Clock::new(),
            apps: HashMap::new(),
            user: SandboxUser::default(),
            pending: HashMap::new(),
            codes: HashMap::new(),
            grants: HashMap::new(),
            next_grant: 1,
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            rotated_out: std::collections::HashSet::new(),
            rate_windows: HashMap::new(),
            rate_limits: HashMap::new(),
            rate_window: RATE_WINDOW,
            usage_cap: None,
            credits: None,
            latency: HashMap::new(),
            tweets: Vec::new(),
            next_tweet: 1_860_000_000_000_000_001,
            media: super::media::Media::default(),
            stats: SandboxStats::default(),
        }
    }

    pub(crate) fn now(&self) -> Duration {
        self.clock.now()
    }

    /// The emulator's clock as an HTTP `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`): X's
    /// answers carry its clock, and so do the emulator's.
    pub(crate) fn http_date(&self) -> String {
        let unix = i64::try_from(self.clock.unix(self.now()).as_secs()).unwrap_or(i64::MAX);
        let at = time::OffsetDateTime::from_unix_timestamp(unix)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        at.format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap_or_default()
    }

    fn now_unix_millis(&self) -> u128 {
        self.clock.unix(self.now()).as_millis()
    }

    /// Forgets what can no longer be used.
    pub(crate) fn prune(&mut self) {
        let now = self.now();
        self.pending
            .retain(|_, p| now.saturating_sub(p.created) < PENDING_LIFETIME);
        // Redeemed codes are kept for a while longer so that a replay can be
        // recognised and the tokens it produced revoked.
        self.codes
            .retain(|_, c| now.saturating_sub(c.issued) < PENDING_LIFETIME);
        self.access_tokens.retain(|_, t| t.expires > now);
        self.refresh_tokens.retain(|_, t| t.expires > now);
        let live: std::collections::HashSet<u64> = self
            .access_tokens
            .values()
            .chain(self.refresh_tokens.values())
            .map(|t| t.grant)
            .collect();
        self.grants.retain(|id, _| live.contains(id));
        let window = self.rate_window;
        self.rate_windows
            .retain(|_, (start, _)| now.saturating_sub(*start) < window);
    }

    pub(crate) fn add_pending(&mut self, id: String, pending: Pending) {
        make_room(&mut self.pending, |p| p.created);
        self.pending.insert(id, pending);
    }

    pub(crate) fn new_code(&mut self, pending: Pending) -> String {
        let code = ids::authorization_code(self.now_unix_millis());
        let entry = CodeEntry {
            client_id: pending.client_id,
            redirect_uri: pending.redirect_uri,
            scopes: pending.scopes,
            code_challenge: pending.code_challenge,
            user: self.user.clone(),
            issued: self.now(),
            redeemed: None,
        };
        make_room(&mut self.codes, |c| c.issued);
        self.codes.insert(code.clone(), entry);
        code
    }

    pub(crate) fn new_grant(
        &mut self,
        client_id: &str,
        user: SandboxUser,
        scopes: Vec<String>,
    ) -> u64 {
        let id = self.next_grant;
        self.next_grant += 1;
        self.grants.insert(
            id,
            Grant {
                client_id: client_id.to_string(),
                user,
                scopes,
            },
        );
        id
    }

    /// A fresh access token (and refresh token when `offline.access` was granted).
    pub(crate) fn issue_tokens(&mut self, grant_id: u64) -> Option<IssuedTokens> {
        let grant = self.grants.get(&grant_id)?.clone();
        let now = self.now();
        let millis = self.now_unix_millis();
        let access_token = ids::access_token(millis);
        self.access_tokens.insert(
            access_token.clone(),
            TokenEntry {
                grant: grant_id,
                expires: now.saturating_add(ACCESS_LIFETIME),
            },
        );
        let refresh_token = if grant.scopes.iter().any(|s| s == "offline.access") {
            let token = ids::refresh_token(millis);
            self.refresh_tokens.insert(
                token.clone(),
                TokenEntry {
                    grant: grant_id,
                    expires: now.saturating_add(REFRESH_LIFETIME),
                },
            );
            Some(token)
        } else {
            None
        };
        Some(IssuedTokens {
            access_token,
            refresh_token,
            scope: grant.scopes.join(" "),
        })
    }

    /// Ends a grant: every access and refresh token issued under it stops working.
    pub(crate) fn revoke_grant(&mut self, grant_id: u64) {
        self.grants.remove(&grant_id);
        self.access_tokens.retain(|_, t| t.grant != grant_id);
        self.refresh_tokens.retain(|_, t| t.grant != grant_id);
    }

    /// Counts one call of `endpoint` by `grant`'s user and app: (limit, used in this window
    /// including this call, the window's end in Unix seconds).
    pub(crate) fn count_call(&mut self, endpoint: Endpoint, grant: &Grant) -> (u32, u32, u64) {
        let limit = self
            .rate_limits
            .get(&endpoint)
            .copied()
            .unwrap_or_else(|| endpoint.default_limit());
        let now = self.now();
        let key = (endpoint, grant.client_id.clone(), grant.user.id.clone());
        let window = self.rate_windows.entry(key).or_insert((now, 0));
        if now.saturating_sub(window.0) >= self.rate_window {
            *window = (now, 0);
        }
        window.1 = window.1.saturating_add(1);
        let (start, used) = *window;
        let reset = self
            .clock
            .unix(start.saturating_add(self.rate_window))
            .as_secs();
        (limit, used, reset)
    }

    /// Records a post and returns its id.
    pub(crate) fn new_tweet(&mut self, author_id: &str, text: &str) -> String {
        self.new_post(author_id, text, Vec::new(), None)
    }

    /// Records a post with its media and the post it replies to; returns its id.
    pub(crate) fn new_post(
        &mut self,
        author_id: &str,
        text: &str,
        media_keys: Vec<String>,
        in_reply_to: Option<String>,
    ) -> String {
        let id = self.next_tweet.to_string();
        self.next_tweet = self.next_tweet.saturating_add(1);
        if self.tweets.len() >= MAX_TWEETS {
            self.tweets.remove(0);
        }
        self.tweets.push(Tweet {
            id: id.clone(),
            author_id: author_id.to_string(),
            text: text.to_string(),
            media_keys,
            in_reply_to,
        });
        id
    }

    /// The grant behind a live access token.
    pub(crate) fn grant_for_access_token(&self, token: &str) -> Option<&Grant> {
        let entry = self.access_tokens.get(token)?;
        if entry.expires <= self.now() {
            return None;
        }
        self.grants.get(&entry.grant)
    }
}

/// State shared between the server task and the `Sandbox` handle, and, for a persistent
/// emulator, with other processes through the state file.
pub(crate) struct Shared {
    state: Mutex<State>,
    file: Option<super::saved::StateFile>,
}

impl Shared {
    pub(crate) fn new() -> Shared {
        Shared {
            state: Mutex::new(State::new()),
            file: None,
        }
    }

    /// A state kept in `file` between processes.
    pub(crate) fn persistent(file: super::saved::StateFile) -> Shared {
        Shared {
            state: Mutex::new(State::new()),
            file: Some(file),
        }
    }

    /// Locks the state. A panic elsewhere while holding the lock cannot leave
    /// the maps half-updated in a way that matters to an emulator, so a
    /// poisoned lock is simply taken over. A persistent state is first brought up to date
    /// from its file, under the file's lock, and written back when the guard goes if it
    /// changed.
    pub(crate) fn lock(&self) -> StateGuard<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let disk = self.file.as_ref().map(|file| {
            let held = file.lock();
            if let Some(saved) = file.read() {
                state.restore(&saved);
            }
            Disk {
                file,
                before: state.saved(),
                _held: held,
            }
        });
        StateGuard { state, disk }
    }
}

/// The state, locked; see [`Shared::lock`].
pub(crate) struct StateGuard<'a> {
    state: MutexGuard<'a, State>,
    disk: Option<Disk<'a>>,
}

struct Disk<'a> {
    file: &'a super::saved::StateFile,
    before: super::saved::Saved,
    /// The file lock, let go after the write.
    _held: Option<std::fs::File>,
}

impl Deref for StateGuard<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.state
    }
}

impl DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.state
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        if let Some(disk) = &self.disk {
            let now = self.state.saved();
            if now != disk.before {
                disk.file.write(&now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant_with(state: &mut State, scopes: &[&str]) -> u64 {
        let user = state.user.clone();
        state.new_grant("c", user, scopes.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn refresh_token_only_with_offline_access() {
        let mut state = State::new();
        let g = grant_with(&mut state, &["tweet.read", "users.read"]);
        let t = state.issue_tokens(g).unwrap();
        assert!(t.refresh_token.is_none());
        assert_eq!(t.scope, "tweet.read users.read");
        let g = grant_with(&mut state, &["offline.access"]);
        assert!(state.issue_tokens(g).unwrap().refresh_token.is_some());
    }

    #[test]
    fn access_tokens_expire_with_the_clock_and_are_pruned() {
        let mut state = State::new();
        let g = grant_with(&mut state, &["users.read"]);
        let t = state.issue_tokens(g).unwrap();
        assert!(state.grant_for_access_token(&t.access_token).is_some());
        state.clock.advance(ACCESS_LIFETIME);
        assert!(state.grant_for_access_token(&t.access_token).is_none());
        state.prune();
        assert!(state.access_tokens.is_empty());
        assert!(state.grants.is_empty());
    }

    #[test]
    fn huge_clock_jumps_do_not_panic() {
        let mut state = State::new();
        state.clock.advance(Duration::MAX);
        state.clock.advance(Duration::MAX);
        let g = grant_with(&mut state, &["offline.access"]);
        assert!(state.issue_tokens(g).is_some());
        let _ = state.clock.unix(state.now());
        state.prune();
    }

    #[test]
    fn remembered_entries_are_capped() {
        let mut state = State::new();
        for i in 0..MAX_REMEMBERED + 5 {
            let p = Pending {
                client_id: "c".into(),
                redirect_uri: "http://h/cb".into(),
                scopes: vec![],
                state: "s".into(),
                code_challenge: "x".into(),
                created: Duration::from_secs(i as u64),
            };
            state.add_pending(i.to_string(), p);
        }
        assert_eq!(state.pending.len(), MAX_REMEMBERED);
        assert!(!state.pending.contains_key("0"));
        assert!(state
            .pending
            .contains_key(&(MAX_REMEMBERED + 4).to_string()));
    }

    #[test]
    fn revoking_a_grant_kills_all_its_tokens() {
        let mut state = State::new();
        let g = grant_with(&mut state, &["offline.access"]);
        let a = state.issue_tokens(g).unwrap();
        let b = state.issue_tokens(g).unwrap();
        state.revoke_grant(g);
        assert!(state.grant_for_access_token(&a.access_token).is_none());
        assert!(state.grant_for_access_token(&b.access_token).is_none());
        assert!(state.refresh_tokens.is_empty());
    }
}
