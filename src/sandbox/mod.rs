//! The built-in X emulator: an HTTP server on 127.0.0.1 that behaves like X's
//! OAuth 2.0 endpoints (authorize page, token, revoke, `/2/users/me`).
//!
//! One base URL serves both X hosts: the browser paths (`/i/oauth2/authorize`)
//! and the API paths (`/2/...`).
//!
//! Typical use: `Sandbox::start()`, `register_app(SandboxApp::public(..))`,
//! point the OAuth client at `base_url()` (both hosts), then either open the
//! authorize URL in a browser or let `approve(url)` click Authorize.

pub mod api;
pub mod scopes;

mod authorize;
mod ids;
mod media;
mod pages;
mod routes;
mod saved;
mod server;
mod state;
mod token;
mod users;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use authorize::{redirect_with, AUTHORIZE_PATH, DECIDE_PATH};
pub use pages::{ERROR_TEXT, ERROR_TITLE};
pub use saved::STATE_FILE;
pub use token::{
    INVALID_CODE, INVALID_TOKEN, MISSING_AUTH_HEADER, MISSING_VERIFIER, REDIRECT_MISMATCH,
    REVOKE_PATH, TOKEN_PATH, VERIFIER_MISMATCH,
};
pub use users::{CLIENT_NOT_ENROLLED_DETAIL, USERS_ME_PATH};

use state::Shared;

use crate::x::Permission;

/// An app as registered in X's developer portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxApp {
    pub client_id: String,
    /// `Some` => confidential client (Web App / Automated App or Bot), must use
    /// HTTP Basic; `None` => public client (Native App / Single page App).
    pub client_secret: Option<String>,
    /// Callback URLs; a `redirect_uri` must equal one of them byte for byte.
    pub callback_urls: Vec<String>,
    /// `false` => the app is not in a Project: `/2/users/me` answers 403
    /// `client-not-enrolled` (login itself still works).
    pub enrolled: bool,
    /// The portal's "App permissions": scopes above this level are left out of the grant.
    pub permission: Permission,
}

impl SandboxApp {
    /// A public client (Native App), enrolled.
    pub fn public<S: Into<String>>(
        client_id: impl Into<String>,
        callback_urls: impl IntoIterator<Item = S>,
    ) -> SandboxApp {
        SandboxApp {
            client_id: client_id.into(),
            client_secret: None,
            callback_urls: callback_urls.into_iter().map(Into::into).collect(),
            enrolled: true,
            permission: Permission::ReadWriteDm,
        }
    }

    /// The same app with the portal's App permissions set to `permission`.
    pub fn with_permission(self, permission: Permission) -> SandboxApp {
        SandboxApp { permission, ..self }
    }

    /// A confidential client (Web App), enrolled.
    pub fn confidential<S: Into<String>>(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        callback_urls: impl IntoIterator<Item = S>,
    ) -> SandboxApp {
        SandboxApp {
            client_secret: Some(client_secret.into()),
            ..SandboxApp::public(client_id, callback_urls)
        }
    }

    /// An app with credentials shaped like the portal's (34-character Client
    /// ID; 50-character Client Secret when `confidential`).
    pub fn generate<S: Into<String>>(
        confidential: bool,
        callback_urls: impl IntoIterator<Item = S>,
    ) -> SandboxApp {
        SandboxApp {
            client_secret: confidential.then(ids::client_secret),
            ..SandboxApp::public(ids::client_id(), callback_urls)
        }
    }
}

/// The account that is signed in to the emulated x.com.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxUser {
    pub id: String,
    pub username: String,
    pub name: String,
}

impl Default for SandboxUser {
    fn default() -> Self {
        SandboxUser {
            id: "1600000000000000001".to_string(),
            username: "sandbox_user".to_string(),
            name: "Sandbox User".to_string(),
        }
    }
}

/// Counters for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SandboxStats {
    /// Valid authorize requests (consent pages shown, over HTTP or by approve/deny).
    pub authorize_requests: u64,
    /// Authorize requests answered with the "Something went wrong" page.
    pub authorize_errors: u64,
    /// Consents given (Authorize clicked) and refused (Cancel clicked).
    pub approvals: u64,
    pub denials: u64,
    /// Every `POST /2/oauth2/token`, whatever the outcome.
    pub token_requests: u64,
    /// Successful `authorization_code` exchanges.
    pub code_exchanges: u64,
    /// Successful `refresh_token` grants.
    pub refreshes: u64,
    /// Token requests answered with an error.
    pub token_errors: u64,
    /// Refreshes that sent a refresh token an earlier refresh had rotated out: each is a
    /// broken token chain (X ends the grant when an old refresh token comes back).
    pub replays: u64,
    /// `POST /2/oauth2/revoke` calls answered `{"revoked":true}`.
    pub revocations: u64,
    /// Every `GET /2/users/me`, whatever the outcome.
    pub users_me_calls: u64,
    /// Every request to `/2/media/upload…` (initialize, append, finalize, STATUS).
    pub media_requests: u64,
    /// API calls refused for the plan: a usage cap reached (429) or no credits left (402).
    pub plan_refusals: u64,
    /// API calls answered with a rate limit's 429.
    pub rate_limited: u64,
}

/// A post as the emulator keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxPost {
    pub id: String,
    pub author_id: String,
    pub text: String,
    /// `attachments.media_keys`: `3_ID` for an image, `16_ID` a GIF, `7_ID` a video.
    pub media_keys: Vec<String>,
    pub in_reply_to: Option<String>,
}

/// Which check an authorize request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// Not an authorize URL, `response_type` not `code`, a repeated parameter,
    /// or an unusable consent form.
    Malformed,
    /// `client_id` empty or not registered.
    UnknownClient,
    /// `redirect_uri` missing or not registered byte for byte.
    RedirectUri,
    /// `scope` empty or naming an unknown scope.
    Scope,
    /// `state` missing or longer than 500 characters.
    State,
    /// `code_challenge` / `code_challenge_method` missing, `plain` or malformed.
    Pkce,
    /// The consent request is unknown, already answered, or expired.
    RequestExpired,
}

/// X showed its error page: "Something went wrong — You weren't able to give
/// access to the App." `detail` is the emulator's explanation (X gives none).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({detail})", self.page_text())]
pub struct SandboxError {
    pub reason: RejectReason,
    pub detail: String,
}

impl SandboxError {
    /// The text X's page shows.
    pub fn page_text(&self) -> String {
        format!("{ERROR_TITLE} — {ERROR_TEXT}")
    }
}

/// A running emulator. Dropping it (or [`Sandbox::shutdown`]) stops the server.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds 127.0.0.1 on a free port and starts serving. Needs a Tokio runtime.
    pub async fn start() -> std::io::Result<Sandbox> {
        Sandbox::serve(Shared::new()).await
    }

    /// Like [`Sandbox::start`], with what the emulator remembers (apps, grants, tokens, posts,
    /// the clock's offset) kept in [`STATE_FILE`] in `state_dir` (mode 0600), shared with every
    /// other emulator started on that folder, now or later: a sandbox profile keeps working
    /// after the process that made it ends.
    pub async fn start_persistent(state_dir: &std::path::Path) -> std::io::Result<Sandbox> {
        let file = saved::StateFile::open(state_dir)?;
        Sandbox::serve(Shared::persistent(file)).await
    }

    async fn serve(shared: Shared) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(shared);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared)));
        Ok(Sandbox {
            shared,
            addr,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`: stands in for both `https://x.com` and `https://api.x.com`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `<base>/i/oauth2/authorize`
    pub fn authorize_endpoint(&self) -> String {
        format!("{}{AUTHORIZE_PATH}", self.base_url())
    }

    /// `<base>/2/oauth2/token`
    pub fn token_endpoint(&self) -> String {
        format!("{}{TOKEN_PATH}", self.base_url())
    }

    /// `<base>/2/oauth2/revoke`
    pub fn revoke_endpoint(&self) -> String {
        format!("{}{REVOKE_PATH}", self.base_url())
    }

    /// `<base>/2/users/me`
    pub fn users_me_endpoint(&self) -> String {
        format!("{}{USERS_ME_PATH}", self.base_url())
    }

    /// Adds an app, replacing one with the same `client_id`. Tokens already
    /// issued to that client id stay valid (but see `enrolled`).
    pub fn register_app(&self, app: SandboxApp) {
        self.shared.lock().apps.insert(app.client_id.clone(), app);
    }

    /// Changes the signed-in account; affects authorizations from now on.
    pub fn set_user(&self, user: SandboxUser) {
        self.shared.lock().user = user;
    }

    /// Moves the emulator's clock forward (code and token expiry).
    pub fn advance_clock(&self, d: Duration) {
        self.shared.lock().clock.advance(d);
    }

    /// Plays the browser: opens `authorize_url` as the signed-in user and
    /// clicks Authorize. Returns the URL X redirects to
    /// (`<callback>?code=…&state=…`), or X's error page as an error.
    pub async fn approve(&self, authorize_url: &str) -> Result<String, SandboxError> {
        authorize::answer_in_process(&self.shared, authorize_url, true)
    }

    /// Like [`Sandbox::approve`] but clicks Cancel:
    /// `<callback>?error=access_denied&state=…`.
    pub async fn deny(&self, authorize_url: &str) -> Result<String, SandboxError> {
        authorize::answer_in_process(&self.shared, authorize_url, false)
    }

    /// Sets the budget per 15-minute window of one API endpoint (X's own by default).
    pub fn set_rate_limit(&self, endpoint: api::Endpoint, limit: u32) {
        self.shared.lock().rate_limits.insert(endpoint, limit);
    }

    /// The length of a rate-limit window (X's is 15 minutes): a short one lets a test wait
    /// for a reset.
    pub fn set_rate_window(&self, window: Duration) {
        self.shared.lock().rate_window = window;
    }

    /// The plan's usage cap is reached (`Some((period, scope))`, as X names them: "Monthly",
    /// "Product"): every API call is then refused with X's 429 `UsageCapExceeded`, while the
    /// rate-limit headers still show room. `None` lifts it.
    pub fn set_usage_cap(&self, cap: Option<(&str, &str)>) {
        self.shared.lock().usage_cap = cap.map(|(p, s)| (p.to_string(), s.to_string()));
    }

    /// Pay-per-use credits: `Some(n)` API calls more are paid for, then X answers 402;
    /// `None`: no end (the default).
    pub fn set_credits(&self, calls: Option<u64>) {
        self.shared.lock().credits = calls;
    }

    /// Makes X slow on one path (`/2/oauth2/revoke`, say): each request to it waits this
    /// long before X acts on it and answers.
    pub fn set_latency(&self, path: &str, latency: Duration) {
        self.shared.lock().latency.insert(path.to_string(), latency);
    }

    /// Makes the next `count` media `append` requests answer 503, as X does when it has
    /// trouble.
    pub fn fail_appends(&self, count: u32) {
        self.shared.lock().media.fail_appends = count;
    }

    /// Video and GIFs are processed as soon as they are finalized: the upload benchmark
    /// measures the transfer alone.
    pub fn process_at_once(&self, on: bool) {
        self.shared.lock().media.instant_processing = on;
    }

    /// Posts `text` as another account (`author_id`); returns the post's id.
    pub fn add_tweet_by(&self, author_id: &str, text: &str) -> String {
        self.shared.lock().new_tweet(author_id, text)
    }

    /// The posts with their media and replies, oldest first.
    pub fn posts(&self) -> Vec<SandboxPost> {
        self.shared
            .lock()
            .tweets
            .iter()
            .map(|t| SandboxPost {
                id: t.id.clone(),
                author_id: t.author_id.clone(),
                text: t.text.clone(),
                media_keys: t.media_keys.clone(),
                in_reply_to: t.in_reply_to.clone(),
            })
            .collect()
    }

    /// Posts `text` as the signed-in user, as if through the API; returns the post's id.
    pub fn add_tweet(&self, text: &str) -> String {
        let mut state = self.shared.lock();
        let author = state.user.id.clone();
        state.new_tweet(&author, text)
    }

    /// The posts made through the emulated API, oldest first: (id, text).
    pub fn tweets(&self) -> Vec<(String, String)> {
        self.shared
            .lock()
            .tweets
            .iter()
            .map(|t| (t.id.clone(), t.text.clone()))
            .collect()
    }

    pub fn stats(&self) -> SandboxStats {
        self.shared.lock().stats
    }

    /// Stops the server and waits until the port is released.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish()
    }
}
