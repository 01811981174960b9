//! What the driver runs the wizard's commands with: the clipboard, the profile store, the
//! HTTP client (made on first use: TLS set-up is not on the start-up path) and, in sandbox
//! mode, the built-in X emulator.

use std::sync::{Arc, OnceLock};

use crate::clipboard::Clipboard;
use crate::sandbox::Sandbox;
use crate::store::ProfileStore;
use crate::x::oauth;
use crate::x::XError;

/// The one opened profile store, shared by the wizard's tasks (one at a time).
pub type StoreHandle = Arc<tokio::sync::Mutex<Box<dyn ProfileStore>>>;

pub struct Services {
    pub clipboard: Arc<Clipboard>,
    /// Where profiles go (this machine's files or the shared store, opened once for the
    /// process); `Err` says why there is no place (shown when saving).
    pub store: Result<StoreHandle, String>,
    pub sandbox: Option<Arc<Sandbox>>,
    /// Whether a browser may be opened here (see [`crate::browser::can_open`]).
    pub browser: bool,
    /// Writes the interrupted-session file; `None`: no resume.
    pub session: Option<crate::session::Writer>,
    http: Arc<OnceLock<reqwest::Client>>,
}

impl Services {
    pub fn new<S: ProfileStore + 'static>(clipboard: Clipboard, store: Result<S, String>) -> Self {
        Services {
            clipboard: Arc::new(clipboard),
            store: store
                .map(|s| Arc::new(tokio::sync::Mutex::new(Box::new(s) as Box<dyn ProfileStore>))),
            sandbox: None,
            browser: false,
            session: None,
            http: Arc::new(OnceLock::new()),
        }
    }

    /// Profiles go to `store` (the shared store, connected once).
    pub fn with_store(mut self, store: Box<dyn ProfileStore>) -> Self {
        self.store = Ok(Arc::new(tokio::sync::Mutex::new(store)));
        self
    }

    pub fn with_sandbox(mut self, sandbox: Arc<Sandbox>) -> Self {
        self.sandbox = Some(sandbox);
        self
    }

    /// A handle that makes (once) and hands out the HTTP client, for use inside tasks.
    pub fn http(&self) -> Http {
        Http(Arc::clone(&self.http))
    }
}

#[derive(Clone)]
pub struct Http(Arc<OnceLock<reqwest::Client>>);

impl Http {
    pub fn get(&self) -> Result<reqwest::Client, XError> {
        if let Some(c) = self.0.get() {
            return Ok(c.clone());
        }
        let c = oauth::http_client()?;
        Ok(self.0.get_or_init(|| c).clone())
    }
}
