//! The wizard's state and the messages and commands that move it.

use std::path::PathBuf;

use crossterm::event::KeyEvent;

use super::widgets::text_field::TextField;
use crate::app::AppConfig;
use crate::clipboard::Delivery;
use crate::presets::presets;
use crate::profile::Profile;
use crate::secret::Secret;
use crate::session::Session;
use crate::theme::Theme;
use crate::x::oauth::{Pending, Tokens};
use crate::x::users::Account;
use crate::x::{AppType, Permission};
use crate::x::{Endpoints, XError};

/// Below this the wizard shows a "terminal too small" message instead of a cramped screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 20;

/// The screens, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    CreateApp,
    Permissions,
    AppType,
    Urls,
    Credentials,
    Authorize,
    Done,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::CreateApp,
        Step::Permissions,
        Step::AppType,
        Step::Urls,
        Step::Credentials,
        Step::Authorize,
        Step::Done,
    ];

    /// The id of its words in `assets/guide.toml`.
    pub fn id(self) -> &'static str {
        match self {
            Step::CreateApp => "create_app",
            Step::Permissions => "permissions",
            Step::AppType => "app_type",
            Step::Urls => "urls",
            Step::Credentials => "credentials",
            Step::Authorize => "authorize",
            Step::Done => "done",
        }
    }

    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn next(self) -> Option<Step> {
        Step::ALL.get(self.index() + 1).copied()
    }

    pub fn prev(self) -> Option<Step> {
        self.index().checked_sub(1).map(|i| Step::ALL[i])
    }
}

/// What has the keyboard focus on the current screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Step 1: where X makes the app (the portal or the console).
    Place,
    PortalUrl,
    Level,
    Scopes,
    AppType,
    Preset,
    Callback,
    Website,
    ClientId,
    Secret,
    ProfileName,
    AuthUrl,
    RedirectPaste,
    /// Authorize, over SSH with a loopback callback: the `ssh -L` command to copy.
    SshHint,
    /// Done: the values for the service's own authorization form, and the profile's path.
    HandoffClientId,
    HandoffSecret,
    ProfilePath,
    Nothing,
}

impl Focus {
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Focus::Callback
                | Focus::Website
                | Focus::ClientId
                | Focus::Secret
                | Focus::ProfileName
                | Focus::RedirectPaste
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Ok,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    ConfirmQuit,
    /// A profile with the chosen name exists: replace it after the login?
    ConfirmReplace,
    /// The value is printed alone on the normal screen, for selecting with the mouse.
    Plain,
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// A copy finished: how it was delivered, or why it failed.
    Copied {
        what: String,
        result: Result<Delivery, String>,
    },
    /// Whether a profile with this name exists already.
    ProfileChecked {
        name: String,
        exists: bool,
    },
    /// The authorization link of attempt `op` is ready (or could not be made).
    AuthReady {
        op: u64,
        result: Result<Pending, String>,
    },
    /// The loopback listener of attempt `op` runs (its address), or could not start.
    Listening {
        op: u64,
        result: Result<String, String>,
    },
    /// Whether the loopback preset's `port` can be listened on: `instead` is `None` when it
    /// can, else a free port to offer in its place.
    PortChecked {
        port: u16,
        instead: Option<u16>,
    },
    /// A redirect arrived by itself (loopback listener, sandbox approval).
    Redirected {
        op: u64,
        url: String,
    },
    Exchanged {
        op: u64,
        result: Result<Tokens, XError>,
    },
    Verified {
        op: u64,
        result: Result<Account, XError>,
        /// When the proof came back: the token's expiry counts from here.
        at: time::OffsetDateTime,
    },
    Saved {
        op: u64,
        result: Result<PathBuf, SaveFailure>,
    },
    BrowserOpened(Result<(), String>),
    /// Something to tell the person on the status line.
    Notice(StatusKind, String),
    /// A spinner frame; sent only while something runs.
    Tick,
    /// The start menu's profiles, read: `None` for one that could not be read.
    ProfilesRead(Vec<(String, Option<Profile>)>),
}

/// Why a profile was not saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveFailure {
    Exists,
    Other(String),
}

/// Something the driver should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    Copy {
        what: String,
        text: String,
    },
    /// Leave the alternate screen and print this text alone, so it can be selected.
    ShowPlain {
        title: String,
        text: String,
    },
    /// Come back from [`Cmd::ShowPlain`] and redraw everything.
    EndPlain,
    /// Ctrl-Z: stop until the shell resumes us, then redraw everything.
    Suspend,
    /// Read these saved profiles for the start menu (after its first frame).
    ReadProfiles(Vec<String>),
    /// Does a profile with this name exist?
    CheckProfile {
        name: String,
    },
    /// Can the loopback preset's port be listened on on this machine? (Answered with
    /// [`Msg::PortChecked`].)
    CheckPort {
        port: u16,
    },
    /// Make a new authorization link (fresh PKCE and state); start the loopback listener when
    /// the callback URL is on this machine; in the sandbox, register the app described.
    PrepareAuth {
        op: u64,
        settings: AppConfig,
    },
    /// Exchange the code at once: it lives 30 seconds.
    Exchange {
        op: u64,
        settings: AppConfig,
        code: Secret,
        verifier: Secret,
    },
    Verify {
        op: u64,
        access_token: Secret,
    },
    Save {
        op: u64,
        name: String,
        profile: Box<Profile>,
        overwrite: bool,
    },
    /// Sandbox only: approve the link as the sandbox user, like a browser would.
    SandboxApprove {
        op: u64,
        url: String,
    },
    OpenBrowser {
        url: String,
    },
    /// Stop whatever runs for the authorization (listener, exchange).
    CancelAuth,
    /// Remember where the wizard is (no secrets), to resume after an interruption.
    SaveSession(Box<Session>),
    /// The profile is saved (or the person started over): forget the session.
    ClearSession,
    Quit,
}

/// Where the Authorize screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Preparing,
    Waiting,
    Exchanging,
    Verifying,
    Saving,
    /// The last attempt failed; a new paste tries again.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// The current attempt; results of older ones are ignored.
    pub op: u64,
    pub phase: Phase,
    pub pending: Option<Pending>,
    pub paste: TextField,
    /// Loopback listener: Ok(address) while it runs, Err(why not).
    pub listener: Option<Result<String, String>>,
    pub tokens: Option<Tokens>,
    pub account: Option<Result<Account, XError>>,
    pub spinner: usize,
    /// Spinner ticks (4 a second) since the running call started: the countdown.
    pub waited: u32,
}

/// What the Done screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub path: PathBuf,
    pub profile: Profile,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    pub level: Permission,
    /// The chosen scopes, in `ALL_SCOPES` order.
    pub scopes: Vec<&'static str>,
    /// The scope under the cursor in the grid (an index into `ALL_SCOPES`).
    pub cursor: usize,
}

impl Permissions {
    pub fn for_level(level: Permission) -> Self {
        let implied = level.scopes();
        Permissions {
            level,
            scopes: crate::x::scopes::ALL_SCOPES
                .iter()
                .copied()
                .filter(|s| implied.contains(s))
                .collect(),
            cursor: 0,
        }
    }

    pub fn has(&self, scope: &str) -> bool {
        self.scopes.contains(&scope)
    }

    pub fn toggle(&mut self, scope: &'static str) {
        if self.has(scope) {
            self.scopes.retain(|s| *s != scope);
        } else {
            self.scopes = crate::x::scopes::ALL_SCOPES
                .iter()
                .copied()
                .filter(|s| *s == scope || self.scopes.contains(s))
                .collect();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    pub preset: usize,
    pub callback: TextField,
    pub website: TextField,
    /// What was typed while "Custom" was chosen (callback, website): choosing a preset fills
    /// the fields, and coming back to Custom brings this back.
    pub custom: Option<(String, String)>,
    /// The loopback preset's port: its own (8765), one offered when that is taken, or one
    /// typed into the callback.
    pub port: u16,
    /// The port last asked about with [`Cmd::CheckPort`] (or offered as free): asked once.
    pub asked: Option<u16>,
    /// A port found in use, and the free one offered in its place.
    pub offered: Option<(u16, u16)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: TextField,
    pub secret: TextField,
    pub reveal: bool,
    pub profile: TextField,
    /// The person agreed to replace the existing profile of this name.
    pub replace: Option<String>,
}

/// The start menu, shown when profiles exist or a setup can be resumed (drawn and driven by
/// `wizard::menu`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    /// An interrupted session that can be resumed.
    pub resume: Option<Session>,
    /// Saved profiles that can be logged in again, by name; `None` until read (the files are
    /// read after the first frame, so it does not wait for a thousand of them).
    pub profiles: Vec<(String, Option<Profile>)>,
    pub cursor: usize,
    /// The files were read: a profile still `None` could not be.
    pub read: bool,
}

/// One line of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Resume,
    New,
    Profile(usize),
    Quit,
}

impl Menu {
    pub fn new(resume: Option<Session>, profiles: Vec<(String, Option<Profile>)>) -> Self {
        let read = profiles.iter().all(|(_, p)| p.is_some());
        Menu {
            resume,
            profiles,
            cursor: 0,
            read,
        }
    }

    /// The names whose profiles are still to be read.
    pub fn unread(&self) -> Vec<String> {
        self.profiles
            .iter()
            .filter(|(_, p)| p.is_none())
            .map(|(n, _)| n.clone())
            .collect()
    }

    pub fn entries(&self) -> Vec<Entry> {
        let mut v = Vec::new();
        if self.resume.is_some() {
            v.push(Entry::Resume);
        }
        v.push(Entry::New);
        v.extend((0..self.profiles.len()).map(Entry::Profile));
        v.push(Entry::Quit);
        v
    }
}

/// The whole state of the wizard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub step: Step,
    pub focus: Focus,
    /// Where the app is made: an index into the guide's places (0: the Developer Portal).
    pub place: usize,
    pub permissions: Permissions,
    pub app_type: AppType,
    pub urls: Urls,
    pub credentials: Credentials,
    pub overlay: Option<Overlay>,
    pub status: Option<Status>,
    /// Errors of empty fields show only after Enter was tried on the screen.
    pub tried: bool,
    /// A warning was shown for this screen; the next Enter goes on anyway.
    pub warned: bool,
    /// The focused field was last changed key by key: its warnings wait for Enter or a
    /// change of focus (see `steps::shared::shown_check`).
    pub typing: bool,
    /// Something was entered or chosen: quitting asks first.
    pub touched: bool,
    /// Body scroll set with PgUp/PgDn; `None` keeps the focused widget in sight.
    pub scroll: Option<u16>,
    pub size: (u16, u16),
    pub theme: Theme,
    pub sandbox: bool,
    /// The shared profile store this run saves into (`host:port/database`), if any.
    pub store_label: Option<String>,
    /// The shared store's address as the commands on Done show it (its password `***`).
    pub store_address: Option<String>,
    /// A note for the first screen (e.g. an interrupted setup that began elsewhere).
    pub start_note: Option<String>,
    /// A browser may be opened here (a display, and not over SSH).
    pub can_open_browser: bool,
    /// Over SSH: the loopback hint shows the `ssh -L` line.
    pub over_ssh: bool,
    /// `[-p PORT] USER@HOST` for that line, from `$USER` and `$SSH_CONNECTION`, when known.
    pub ssh_target: Option<String>,
    pub endpoints: Endpoints,
    /// Seconds a call to X may take; the countdown starts there.
    pub timeout_secs: u64,
    pub auth: Auth,
    pub outcome: Option<Outcome>,
    /// The start menu, while it is shown.
    pub menu: Option<Menu>,
    /// The menu to return to from the first step.
    pub menu_back: Option<Menu>,
    pub quit: bool,
    /// Quit with Ctrl-C: the exit code says so (130), as a shell's would.
    pub interrupted: bool,
    /// The time as the last message that carried one said (start-up, X's answer): `update`
    /// and `view` never read the clock themselves.
    pub clock: time::OffsetDateTime,
}

impl Model {
    pub fn new(theme: Theme, size: (u16, u16)) -> Self {
        let first = presets().first();
        Model {
            step: Step::CreateApp,
            focus: Focus::Place,
            place: 0,
            permissions: Permissions::for_level(Permission::default()),
            app_type: AppType::default(),
            urls: Urls {
                preset: 0,
                callback: TextField::new(&first.map(|p| p.callback()).unwrap_or_default()),
                website: TextField::new(first.map_or("", |p| &*p.website_url)),
                custom: None,
                port: crate::presets::loopback_port(),
                asked: None,
                offered: None,
            },
            credentials: Credentials {
                client_id: TextField::default(),
                secret: TextField::masked(),
                reveal: false,
                profile: TextField::new("default"),
                replace: None,
            },
            overlay: None,
            status: None,
            tried: false,
            warned: false,
            typing: false,
            touched: false,
            scroll: None,
            size,
            theme,
            sandbox: false,
            store_label: None,
            store_address: None,
            start_note: None,
            can_open_browser: false,
            over_ssh: false,
            ssh_target: None,
            endpoints: Endpoints::x(),
            timeout_secs: crate::x::oauth::REQUEST_TIMEOUT.as_secs(),
            auth: Auth {
                op: 0,
                phase: Phase::Preparing,
                pending: None,
                paste: TextField::default(),
                listener: None,
                tokens: None,
                account: None,
                spinner: 0,
                waited: 0,
            },
            outcome: None,
            menu: None,
            menu_back: None,
            quit: false,
            interrupted: false,
            clock: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// The time now, for relative times on the first screens (the start menu's expiries).
    pub fn with_clock(mut self, now: time::OffsetDateTime) -> Self {
        self.clock = now;
        self
    }

    /// Starts on the menu when profiles exist.
    pub fn with_profiles(self, profiles: Vec<(String, Profile)>) -> Self {
        let read = profiles.into_iter().map(|(n, p)| (n, Some(p))).collect();
        self.with_start(None, read)
    }

    /// Starts on the menu when a session can be resumed or profiles exist. A profile given
    /// as `None` is read after the first frame (see `update::init`).
    pub fn with_start(
        mut self,
        resume: Option<Session>,
        profiles: Vec<(String, Option<Profile>)>,
    ) -> Self {
        if resume.is_some() || !profiles.is_empty() {
            self.menu = Some(Menu::new(resume, profiles));
        }
        self
    }

    /// The app as entered, for the authorization and the profile.
    pub fn settings(&self) -> AppConfig {
        AppConfig {
            client_id: self.credentials.client_id.value().to_string(),
            client_secret: self
                .app_type
                .is_confidential()
                .then(|| Secret::new(self.credentials.secret.value())),
            app_type: self.app_type,
            callback_url: self.urls.callback.value().to_string(),
            website_url: self.urls.website.value().to_string(),
            scopes: self
                .permissions
                .scopes
                .iter()
                .map(|s| s.to_string())
                .collect(),
            permission: self.permissions.level,
        }
    }

    /// Where the wizard is, as a [`Session`] (no secrets): what an interruption keeps.
    pub fn session(&self) -> Session {
        Session {
            version: crate::session::CURRENT_VERSION,
            step: self.step.id().to_string(),
            scopes: self
                .permissions
                .scopes
                .iter()
                .map(|s| s.to_string())
                .collect(),
            app_type: self.app_type,
            callback_url: self.urls.callback.value().to_string(),
            website_url: self.urls.website.value().to_string(),
            client_id: self.credentials.client_id.value().to_string(),
            profile: self.credentials.profile.value().to_string(),
            place: crate::guide::guide().place(self.place).id.to_string(),
            sandbox: self.sandbox,
            store: self.store_label.clone().unwrap_or_default(),
        }
    }

    /// What the next start can offer to resume, when leaving now: a setup under way, not yet
    /// saved as a profile (not on the menu or step 1, where nothing was entered).
    pub fn resumable(&self) -> Option<Session> {
        (self.outcome.is_none() && self.menu.is_none() && self.step != Step::CreateApp)
            .then(|| self.session())
    }

    /// Below the smallest size the wizard draws: only Ctrl-C (and a resize) may act.
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// Something runs: the spinner turns (and the driver sends ticks).
    pub fn busy(&self) -> bool {
        self.step == Step::Authorize
            && matches!(
                self.auth.phase,
                Phase::Preparing | Phase::Exchanging | Phase::Verifying | Phase::Saving
            )
    }

    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Some(Status {
            kind,
            text: text.into(),
        });
    }
}
