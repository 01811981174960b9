//! What the driver runs the wizard's commands with: the clipboard, the profile store, the
//! HTTP client (made on first use: TLS set-up is not on the start-up path) and, in sandbox
//! mode, the built-in X emulator.

use std::sync::{Arc, OnceLock};

use crate::clipboard::Clipboard;
use crate::profile::Store;
use crate::sandbox::Sandbox;
use crate::x::oauth;
use crate::x::XError;

pub struct Services {
    pub clipboard: Arc<Clipboard>,
    /// Where profiles go; `Err` says why there is no place (shown when saving).
    pub store: Result<Store, String>,
    /// The shared store's address (`--store`): when set, profiles go there, not to `store`.
    pub shared: Option<String>,
    pub sandbox: Option<Arc<Sandbox>>,
    /// Writes the interrupted-session file; `None`: no resume.
    pub session: Option<crate::session::Writer>,
    http: Arc<OnceLock<reqwest::Client>>,
}

impl Services {
    pub fn new(clipboard: Clipboard, store: Result<Store, String>) -> Self {
        Services {
            clipboard: Arc::new(clipboard),
            store,
            shared: None,
            sandbox: None,
            session: None,
            http: Arc::new(OnceLock::new()),
        }
    }

    /// Profiles go to the shared store at `url` (connected for each check and save).
    pub fn with_shared_store(mut self, url: impl Into<String>) -> Self {
        self.shared = Some(url.into());
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
