//! The wizard's state and the messages and commands that move it.

use crossterm::event::KeyEvent;

use super::widgets::text_field::TextField;
use crate::clipboard::Delivery;
use crate::presets::presets;
use crate::theme::Theme;
use crate::x::{AppType, Permission};

/// The screens, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    CreateApp,
    Permissions,
    AppType,
    Urls,
    Credentials,
    Summary,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::CreateApp,
        Step::Permissions,
        Step::AppType,
        Step::Urls,
        Step::Credentials,
        Step::Summary,
    ];

    /// The id of its words in `assets/guide.toml`.
    pub fn id(self) -> &'static str {
        match self {
            Step::CreateApp => "create_app",
            Step::Permissions => "permissions",
            Step::AppType => "app_type",
            Step::Urls => "urls",
            Step::Credentials => "credentials",
            Step::Summary => "summary",
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
    PortalUrl,
    Level,
    Scopes,
    AppType,
    Preset,
    Callback,
    Website,
    ClientId,
    Secret,
    Nothing,
}

impl Focus {
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Focus::Callback | Focus::Website | Focus::ClientId | Focus::Secret
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
    Quit,
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: TextField,
    pub secret: TextField,
    pub reveal: bool,
}

/// The whole state of the wizard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub step: Step,
    pub focus: Focus,
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
    /// Something was entered or chosen: quitting asks first.
    pub touched: bool,
    /// Body scroll set with PgUp/PgDn; `None` keeps the focused widget in sight.
    pub scroll: Option<u16>,
    pub size: (u16, u16),
    pub theme: Theme,
    pub sandbox: bool,
    pub quit: bool,
}

impl Model {
    pub fn new(theme: Theme, size: (u16, u16)) -> Self {
        let first = presets().first();
        Model {
            step: Step::CreateApp,
            focus: Focus::PortalUrl,
            permissions: Permissions::for_level(Permission::default()),
            app_type: AppType::default(),
            urls: Urls {
                preset: 0,
                callback: TextField::new(&first.map(|p| p.callback()).unwrap_or_default()),
                website: TextField::new(first.map_or("", |p| p.website_url.as_str())),
            },
            credentials: Credentials {
                client_id: TextField::default(),
                secret: TextField::masked(),
                reveal: false,
            },
            overlay: None,
            status: None,
            tried: false,
            warned: false,
            touched: false,
            scroll: None,
            size,
            theme,
            sandbox: false,
            quit: false,
        }
    }

    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Some(Status {
            kind,
            text: text.into(),
        });
    }
}
