//! The keys, written down once. Each screen has one table of rows: the keys as the help
//! writes them, what they do, and for each key the [`Action`] it stands for, when it applies,
//! and what the footer says about it (and when). A key is read through the table of the
//! screen shown, once ([`action_for`]); `update` receives the action. The help overlay
//! ([`help`]), the footer ([`footer`]) and the README's key table ([`reference`], checked by
//! `tests/keys_help.rs`) are made from the same rows.
//!
//! A key no row takes goes on as before: into the focused text field, or it earns a hint on
//! the status line.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::{Focus, Model, Overlay, Phase, Step};
use super::steps;

/// What a key asks for. `update` does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Ctrl-C: quit at once (the exit code says interrupted).
    Interrupt,
    /// Ctrl-Z: stop until the shell resumes us.
    Suspend,
    /// Open the help overlay.
    Help,
    /// Quit; on a step screen with something entered, ask first.
    Quit,
    ScrollUp,
    ScrollDown,
    /// Continue to the next step (Authorize: use the address typed).
    Continue,
    Back,
    NextFocus,
    PrevFocus,
    /// Copy the focused value.
    Copy,
    /// Print the focused value alone on the normal screen.
    Print,
    /// Start editing a URL field that holds its preset's value: c and p type from then on.
    EditPreset,
    /// Show or hide the Client Secret.
    Reveal,
    /// Move in a list (a step's choices, or the start menu).
    ListUp,
    ListDown,
    /// Choose a list's item by its number: the digit typed (1 is the first).
    Pick(u8),
    ScopeLeft,
    ScopeRight,
    ScopeUp,
    ScopeDown,
    /// Toggle the scope under the grid's cursor.
    ToggleScope,
    /// The start menu: do what the chosen line says.
    Choose,
    /// Authorize: open the link in a browser.
    OpenBrowser,
    /// Authorize, in the sandbox: approve the link as the sandbox user.
    Approve,
    /// Authorize: a new link (new state and PKCE verifier).
    NewLink,
    /// Authorize: save the profile again after a failed save.
    SaveAgain,
    /// Authorize: stop asking X (the exchange).
    Cancel,
    /// Close the overlay shown (help, or the printed value).
    Close,
    /// Answer the question shown (quit? replace?).
    Yes,
    No,
}

impl Action {
    /// Authorize's own keys, and the two that leave, keep the status line: each says what it
    /// did there itself, or leaves the line as it was. Every other key clears it first.
    pub fn keeps_status(self) -> bool {
        matches!(
            self,
            Action::Interrupt
                | Action::Suspend
                | Action::Cancel
                | Action::OpenBrowser
                | Action::Approve
                | Action::NewLink
                | Action::SaveAgain
        )
    }
}

/// Which key presses a binding takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// This key, whatever modifiers are held (Enter, Esc, Tab, the arrows; a list's j and k).
    Code(KeyCode),
    /// Ctrl and this letter.
    Ctrl(char),
    /// This character typed alone, without Ctrl or Alt.
    Char(char),
    /// A digit, with any modifiers: [`Action::Pick`] of its value.
    Digit,
    /// Any key (a question's "any other key").
    Any,
}

impl Key {
    pub fn matches(self, key: &KeyEvent) -> bool {
        match self {
            Key::Code(code) => key.code == code,
            Key::Ctrl(c) => {
                key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
            }
            Key::Char(c) => plain(key) == Some(c),
            Key::Digit => matches!(key.code, KeyCode::Char(c) if c.is_ascii_digit()),
            Key::Any => true,
        }
    }

    /// A key press this binding takes (for tests, and to check the footer against the table).
    pub fn example(self) -> KeyEvent {
        let (code, modifiers) = match self {
            Key::Code(code) => (code, KeyModifiers::NONE),
            Key::Ctrl(c) => (KeyCode::Char(c), KeyModifiers::CONTROL),
            Key::Char(c) => (KeyCode::Char(c), KeyModifiers::NONE),
            Key::Digit => (KeyCode::Char('1'), KeyModifiers::NONE),
            Key::Any => (KeyCode::Char('x'), KeyModifiers::NONE),
        };
        KeyEvent::new(code, modifiers)
    }
}

/// A plain character key, without Ctrl or Alt.
fn plain(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// When a binding (or a hint) applies.
pub type When = fn(&Model) -> bool;

/// What the footer says about a key, when it says it, and where: the footer lists the hints
/// that apply, lowest `order` first ("most useful first").
#[derive(Debug, Clone, Copy)]
pub struct Hint {
    pub order: u8,
    pub key: &'static str,
    pub what: &'static str,
    pub when: When,
}

/// One key and what it does. Of the bindings that take a key and apply, the first in the
/// screen's table wins.
#[derive(Debug, Clone, Copy)]
pub struct Bind {
    pub key: Key,
    pub action: Action,
    pub when: When,
    /// The footer's words for this key, shown while the binding applies and the hint's own
    /// condition holds (on a screen whose help lists the row).
    pub hints: &'static [Hint],
}

impl Bind {
    /// The action for this key press (a digit's value goes into [`Action::Pick`]).
    fn action(&self, key: &KeyEvent) -> Action {
        match (self.action, key.code) {
            (Action::Pick(_), KeyCode::Char(c)) => Action::Pick(
                c.to_digit(10)
                    .and_then(|d| u8::try_from(d).ok())
                    .unwrap_or(0),
            ),
            (a, _) => a,
        }
    }
}

/// One line of a screen's keys: the keys as the help and the README write them, what they do,
/// and the bindings behind them. A row may take more keys than it names (aliases).
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub keys: &'static str,
    pub help: &'static str,
    pub binds: &'static [Bind],
}

/// One line of the key reference: the keys, and what they do.
pub type KeyHelp = (&'static str, &'static str);

const fn bind(key: Key, action: Action, when: When) -> Bind {
    Bind {
        key,
        action,
        when,
        hints: &[],
    }
}

const fn hinted(key: Key, action: Action, when: When, hints: &'static [Hint]) -> Bind {
    Bind {
        key,
        action,
        when,
        hints,
    }
}

const fn hint(order: u8, key: &'static str, what: &'static str, when: When) -> Hint {
    Hint {
        order,
        key,
        what,
        when,
    }
}

// When the keys apply.

fn always(_: &Model) -> bool {
    true
}

/// A text field has the focus: printable keys type into it.
fn in_field(m: &Model) -> bool {
    m.menu.is_none() && m.focus.is_text()
}

fn outside_field(m: &Model) -> bool {
    !in_field(m)
}

/// A URL field holding its preset's value unchanged (not opened with e): c and p act on it.
fn on_preset_value(m: &Model) -> bool {
    in_field(m) && steps::urls::holds_preset_value(m)
}

fn outside_field_or_on_preset_value(m: &Model) -> bool {
    outside_field(m) || on_preset_value(m)
}

fn on_list(m: &Model) -> bool {
    matches!(
        m.focus,
        Focus::Place | Focus::Level | Focus::AppType | Focus::Preset
    )
}

fn on_grid(m: &Model) -> bool {
    m.focus == Focus::Scopes
}

fn offers_copy(m: &Model) -> bool {
    steps::offers_copy(m)
}

fn secret_focused(m: &Model) -> bool {
    matches!(m.focus, Focus::Secret | Focus::HandoffSecret)
}

fn on_authorize(m: &Model) -> bool {
    m.menu.is_none() && m.step == Step::Authorize
}

/// Authorize, while X is asked for the token: Esc cancels.
fn exchanging(m: &Model) -> bool {
    on_authorize(m) && m.auth.phase == Phase::Exchanging
}

/// Authorize, with the focus on the link (and nothing running that Esc would cancel).
fn on_link(m: &Model) -> bool {
    m.focus == Focus::AuthUrl && !exchanging(m)
}

fn on_ssh_line(m: &Model) -> bool {
    m.focus == Focus::SshHint && !exchanging(m)
}

fn on_paste_field(m: &Model) -> bool {
    m.focus == Focus::RedirectPaste && !exchanging(m)
}

/// Authorize, after the login worked and the save failed: the token is kept for s.
fn failed_save(m: &Model) -> bool {
    m.auth.tokens.is_some() && matches!(m.auth.phase, Phase::Failed(_))
}

// The rows. Moving through the steps, on screens 1-5 (on Authorize too, unlisted).

const CONTINUE: Row = Row {
    keys: "Enter  Ctrl-N",
    help: "continue (when the screen is complete)",
    binds: &[
        hinted(
            Key::Code(KeyCode::Enter),
            Action::Continue,
            always,
            &[hint(1, "Enter", "continue", |m| m.step.next().is_some())],
        ),
        bind(Key::Ctrl('n'), Action::Continue, always),
    ],
};
const BACK: Row = Row {
    keys: "Esc  Ctrl-P  b",
    help: "back (b outside a text field)",
    binds: &[
        hinted(
            Key::Code(KeyCode::Esc),
            Action::Back,
            always,
            &[hint(2, "Esc", "back", |m| m.step.prev().is_some())],
        ),
        bind(Key::Ctrl('p'), Action::Back, always),
        bind(Key::Char('b'), Action::Back, outside_field),
    ],
};
const NEXT_FIELD: Row = Row {
    keys: "Tab  Shift-Tab",
    help: "next / previous field",
    binds: &[
        hinted(
            Key::Code(KeyCode::Tab),
            Action::NextFocus,
            always,
            &[hint(3, "Tab", "next field", |m| {
                steps::focus::focusables(m).len() > 1
            })],
        ),
        bind(Key::Code(KeyCode::BackTab), Action::PrevFocus, always),
    ],
};
const MOVE: &[Row] = &[CONTINUE, BACK, NEXT_FIELD];

// Leaving and looking around, everywhere.

const SCROLL: Row = Row {
    keys: "PgUp  PgDn",
    help: "scroll a long screen",
    binds: &[
        bind(Key::Code(KeyCode::PageUp), Action::ScrollUp, always),
        bind(Key::Code(KeyCode::PageDown), Action::ScrollDown, always),
    ],
};
const HELP: Row = Row {
    keys: "?  F1",
    help: "this help (F1 in a text field)",
    binds: &[
        hinted(
            Key::Char('?'),
            Action::Help,
            outside_field,
            &[hint(8, "?", "help", |m| !on_authorize(m))],
        ),
        hinted(
            Key::Code(KeyCode::F(1)),
            Action::Help,
            always,
            &[hint(8, "F1", "help", |m| in_field(m) && !on_authorize(m))],
        ),
    ],
};
const QUIT: Row = Row {
    keys: "q",
    help: "quit (asks first if you entered something)",
    binds: &[hinted(
        Key::Char('q'),
        Action::Quit,
        outside_field,
        &[hint(9, "q", "quit", |m| !exchanging(m))],
    )],
};
const INTERRUPT: Row = Row {
    keys: "Ctrl-C",
    help: "quit at once, from anywhere",
    binds: &[hinted(
        Key::Ctrl('c'),
        Action::Interrupt,
        always,
        &[hint(9, "Ctrl-C", "quit", |m| in_field(m) || exchanging(m))],
    )],
};
const SUSPEND: Row = Row {
    keys: "Ctrl-Z",
    help: "suspend to the shell; fg comes back",
    binds: &[bind(Key::Ctrl('z'), Action::Suspend, always)],
};
const ALWAYS: &[Row] = &[SCROLL, HELP, QUIT, INTERRUPT, SUSPEND];
/// The keys that work over any overlay, and while the terminal is too small (Ctrl-C).
const GLOBAL: &[Row] = &[INTERRUPT, SUSPEND];

// The step screens' own keys.

const COPY: Row = Row {
    keys: "c  Ctrl-Y",
    help: "copy the focused value (Ctrl-Y in a field)",
    binds: &[
        hinted(
            Key::Char('c'),
            Action::Copy,
            outside_field,
            &[hint(5, "c", "copy", offers_copy)],
        ),
        hinted(
            Key::Ctrl('y'),
            Action::Copy,
            always,
            &[hint(5, "Ctrl-Y", "copy", |m| in_field(m) && offers_copy(m))],
        ),
    ],
};
const PRINT: Row = Row {
    keys: "p",
    help: "print the focused value alone, to select it",
    binds: &[bind(Key::Char('p'), Action::Print, outside_field)],
};
const LIST: Row = Row {
    keys: "↑ ↓  j k  1-9",
    help: "choose in the list",
    binds: &[
        hinted(
            Key::Code(KeyCode::Up),
            Action::ListUp,
            on_list,
            &[hint(4, "↑↓", "choose", always)],
        ),
        bind(Key::Code(KeyCode::Char('k')), Action::ListUp, on_list),
        bind(Key::Code(KeyCode::Down), Action::ListDown, on_list),
        bind(Key::Code(KeyCode::Char('j')), Action::ListDown, on_list),
        bind(Key::Digit, Action::Pick(0), on_list),
    ],
};
/// What a text field does with the keys no row takes (typing aside).
const FIELD: Row = Row {
    keys: "In a field",
    help: "← → Home End, Ctrl-A/E, Ctrl-U/K/W delete",
    binds: &[],
};
/// ↑ and ↓ leave a text field (they mean nothing inside one line).
const FIELD_MOVES: Row = Row {
    keys: "↑ ↓",
    help: "previous / next field, from a text field",
    binds: &[
        bind(Key::Code(KeyCode::Up), Action::PrevFocus, in_field),
        bind(Key::Code(KeyCode::Down), Action::NextFocus, in_field),
    ],
};
const REVEAL: Row = Row {
    keys: "Ctrl-R",
    help: "show / hide the Client Secret",
    binds: &[hinted(
        Key::Ctrl('r'),
        Action::Reveal,
        always,
        &[
            hint(7, "Ctrl-R", "show", |m| {
                secret_focused(m) && !m.credentials.reveal
            }),
            hint(7, "Ctrl-R", "hide", |m| {
                secret_focused(m) && m.credentials.reveal
            }),
        ],
    )],
};
/// Keys every step screen takes, listed where they matter.
const STEP_KEYS: &[Row] = &[COPY, PRINT, REVEAL, FIELD_MOVES];

const CREATE_APP: &[Row] = &[LIST, COPY, PRINT];
const PERMISSIONS: &[Row] = &[
    LIST,
    Row {
        keys: "← →  h l",
        help: "move in the scope grid",
        binds: &[
            bind(Key::Code(KeyCode::Left), Action::ScopeLeft, on_grid),
            bind(Key::Code(KeyCode::Char('h')), Action::ScopeLeft, on_grid),
            bind(Key::Code(KeyCode::Right), Action::ScopeRight, on_grid),
            bind(Key::Code(KeyCode::Char('l')), Action::ScopeRight, on_grid),
            // ↑ ↓ j k move a row of the grid.
            bind(Key::Code(KeyCode::Up), Action::ScopeUp, on_grid),
            bind(Key::Code(KeyCode::Char('k')), Action::ScopeUp, on_grid),
            bind(Key::Code(KeyCode::Down), Action::ScopeDown, on_grid),
            bind(Key::Code(KeyCode::Char('j')), Action::ScopeDown, on_grid),
        ],
    },
    Row {
        keys: "Space",
        help: "toggle the scope under the cursor",
        binds: &[hinted(
            Key::Code(KeyCode::Char(' ')),
            Action::ToggleScope,
            on_grid,
            &[hint(4, "Space", "toggle", always)],
        )],
    },
    COPY,
];
const APP_TYPE: &[Row] = &[LIST];
/// Step 4's URL fields: a field holding its preset's value unchanged answers c and p as the
/// screens before do; typing starts with any other key, or with e.
const URLS: &[Row] = &[
    LIST,
    Row {
        keys: "c  p",
        help: "copy / print; in a field that holds a preset's value too",
        binds: &[
            hinted(
                Key::Char('c'),
                Action::Copy,
                outside_field_or_on_preset_value,
                &[hint(5, "c", "copy", |m| {
                    on_preset_value(m) || offers_copy(m)
                })],
            ),
            bind(
                Key::Char('p'),
                Action::Print,
                outside_field_or_on_preset_value,
            ),
        ],
    },
    Row {
        keys: "e",
        help: "edit a preset's value: c and p type from then on",
        binds: &[hinted(
            Key::Char('e'),
            Action::EditPreset,
            on_preset_value,
            &[hint(6, "e", "edit", always)],
        )],
    },
    Row {
        keys: "Ctrl-Y",
        help: "copy the value of a field being edited",
        binds: &[hinted(
            Key::Ctrl('y'),
            Action::Copy,
            always,
            &[hint(5, "Ctrl-Y", "copy", |m| {
                in_field(m) && !on_preset_value(m) && offers_copy(m)
            })],
        )],
    },
    FIELD,
];
const CREDENTIALS: &[Row] = &[REVEAL, COPY, FIELD];
const AUTHORIZE: &[Row] = &[
    Row {
        keys: "c  p",
        help: "copy / print the link",
        binds: &[
            hinted(
                Key::Char('c'),
                Action::Copy,
                outside_field,
                &[
                    hint(3, "c", "copy link", on_link),
                    hint(3, "c", "copy", on_ssh_line),
                ],
            ),
            hinted(
                Key::Char('p'),
                Action::Print,
                outside_field,
                &[
                    hint(4, "p", "print link", on_link),
                    hint(4, "p", "print", on_ssh_line),
                ],
            ),
        ],
    },
    Row {
        keys: "o",
        help: "open the link in a browser (a display, not over SSH)",
        binds: &[hinted(
            Key::Char('o'),
            Action::OpenBrowser,
            outside_field,
            &[hint(5, "o", "open", |m| on_link(m) && m.can_open_browser)],
        )],
    },
    Row {
        keys: "a",
        help: "approve as the sandbox user (sandbox only)",
        binds: &[hinted(
            Key::Char('a'),
            Action::Approve,
            |m| outside_field(m) && m.sandbox,
            &[hint(6, "a", "approve (sandbox)", |m| {
                on_link(m) && m.auth.pending.is_some()
            })],
        )],
    },
    Row {
        keys: "n",
        help: "a new link (new state and PKCE verifier)",
        binds: &[hinted(
            Key::Char('n'),
            Action::NewLink,
            outside_field,
            &[hint(7, "n", "new link", on_link)],
        )],
    },
    Row {
        keys: "s",
        help: "save again after a failed save (the token is kept)",
        binds: &[hinted(
            Key::Char('s'),
            Action::SaveAgain,
            |m| outside_field(m) && failed_save(m),
            &[hint(1, "s", "save again", always)],
        )],
    },
    Row {
        keys: "Tab",
        help: "to the field for the redirected address",
        binds: &[hinted(
            Key::Code(KeyCode::Tab),
            Action::NextFocus,
            always,
            &[
                hint(8, "Tab", "type the address", on_link),
                hint(8, "Tab", "to the link", on_ssh_line),
                hint(8, "Tab", "next", on_paste_field),
            ],
        )],
    },
    Row {
        keys: "Enter",
        help: "use the address typed there",
        binds: &[hinted(
            Key::Code(KeyCode::Enter),
            Action::Continue,
            always,
            &[hint(3, "Enter", "use the address", on_paste_field)],
        )],
    },
    Row {
        keys: "Esc",
        help: "back; while X is asked, cancel",
        binds: &[
            hinted(
                Key::Code(KeyCode::Esc),
                Action::Cancel,
                exchanging,
                &[hint(2, "Esc", "cancel", always)],
            ),
            hinted(
                Key::Code(KeyCode::Esc),
                Action::Back,
                |m| !exchanging(m),
                &[hint(2, "Esc", "back", always)],
            ),
        ],
    },
];
const DONE: &[Row] = &[
    Row {
        keys: "Tab  ↑ ↓",
        help: "next / previous value",
        binds: &[
            hinted(
                Key::Code(KeyCode::Tab),
                Action::NextFocus,
                always,
                &[hint(3, "Tab", "next value", always)],
            ),
            bind(Key::Code(KeyCode::Down), Action::NextFocus, always),
            bind(Key::Char('j'), Action::NextFocus, always),
            bind(Key::Code(KeyCode::BackTab), Action::PrevFocus, always),
            bind(Key::Code(KeyCode::Up), Action::PrevFocus, always),
            bind(Key::Char('k'), Action::PrevFocus, always),
        ],
    },
    Row {
        keys: "c  p",
        help: "copy / print the value marked ›",
        binds: &[
            hinted(
                Key::Char('c'),
                Action::Copy,
                always,
                &[hint(5, "c", "copy", always)],
            ),
            bind(Key::Char('y'), Action::Copy, always),
            bind(Key::Ctrl('y'), Action::Copy, always),
            bind(Key::Char('p'), Action::Print, always),
        ],
    },
    REVEAL,
    Row {
        keys: "Enter  q",
        help: "quit",
        binds: &[
            hinted(
                Key::Code(KeyCode::Enter),
                Action::Quit,
                always,
                &[hint(1, "Enter", "quit", always)],
            ),
            bind(Key::Char('q'), Action::Quit, always),
        ],
    },
];
/// What Done lists of the keys that work everywhere.
const DONE_ALWAYS: &[Row] = &[SCROLL, HELP];
const MENU: &[Row] = &[
    Row {
        keys: "↑ ↓  1-9",
        help: "choose",
        binds: &[
            hinted(
                Key::Code(KeyCode::Up),
                Action::ListUp,
                always,
                &[hint(1, "↑↓", "choose", always)],
            ),
            bind(Key::Code(KeyCode::Char('k')), Action::ListUp, always),
            bind(Key::Code(KeyCode::Down), Action::ListDown, always),
            bind(Key::Code(KeyCode::Char('j')), Action::ListDown, always),
            bind(Key::Digit, Action::Pick(0), always),
        ],
    },
    Row {
        keys: "Enter",
        help: "go",
        binds: &[hinted(
            Key::Code(KeyCode::Enter),
            Action::Choose,
            always,
            &[hint(2, "Enter", "go", always)],
        )],
    },
];
/// What the menu lists of the keys that work everywhere (it does not scroll).
const MENU_ALWAYS: &[Row] = &[HELP, QUIT, INTERRUPT, SUSPEND];

// The overlays: any key answers them.

const HELP_SHOWN: &[Row] = &[Row {
    keys: "any key",
    help: "closes this help",
    binds: &[bind(Key::Any, Action::Close, always)],
}];
const PLAIN_SHOWN: &[Row] = &[Row {
    keys: "Enter  Esc  q",
    help: "back to the wizard",
    binds: &[
        bind(Key::Code(KeyCode::Enter), Action::Close, always),
        bind(Key::Code(KeyCode::Esc), Action::Close, always),
        bind(Key::Char('q'), Action::Close, always),
    ],
}];
const CONFIRM_QUIT: &[Row] = &[
    Row {
        keys: "y  q",
        help: "quit",
        binds: &[
            bind(Key::Char('y'), Action::Yes, always),
            bind(Key::Char('Y'), Action::Yes, always),
            bind(Key::Char('q'), Action::Yes, always),
        ],
    },
    Row {
        keys: "n",
        help: "stay (any other key too)",
        binds: &[bind(Key::Any, Action::No, always)],
    },
];
const CONFIRM_REPLACE: &[Row] = &[
    Row {
        keys: "y",
        help: "replace the profile when the login succeeds",
        binds: &[
            bind(Key::Char('y'), Action::Yes, always),
            bind(Key::Char('Y'), Action::Yes, always),
        ],
    },
    Row {
        keys: "n",
        help: "keep it (any other key too)",
        binds: &[bind(Key::Any, Action::No, always)],
    },
];

/// A screen's table: the parts its help lists, in the help's order, and the parts that work
/// there too without being listed (keys another screen's help explains, or that only repeat
/// what the listed ones say). A key goes to the first binding that takes it and applies.
pub struct Table {
    pub listed: &'static [&'static [Row]],
    pub unlisted: &'static [&'static [Row]],
}

/// The table of a screen: a step, or the start menu.
pub fn table(step: Step, on_menu: bool) -> Table {
    let (listed, unlisted): (&'static [&'static [Row]], &'static [&'static [Row]]) = if on_menu {
        (&[MENU, MENU_ALWAYS], &[])
    } else {
        match step {
            Step::CreateApp => (&[MOVE, CREATE_APP, ALWAYS], &[STEP_KEYS]),
            Step::Permissions => (&[MOVE, PERMISSIONS, ALWAYS], &[STEP_KEYS]),
            Step::AppType => (&[MOVE, APP_TYPE, ALWAYS], &[STEP_KEYS]),
            Step::Urls => (&[MOVE, URLS, ALWAYS], &[STEP_KEYS]),
            Step::Credentials => (&[MOVE, CREDENTIALS, ALWAYS], &[STEP_KEYS]),
            Step::Authorize => (&[AUTHORIZE, ALWAYS], &[MOVE, STEP_KEYS]),
            Step::Done => (&[DONE, DONE_ALWAYS], &[]),
        }
    };
    Table { listed, unlisted }
}

impl Table {
    fn listed_rows(&self) -> impl Iterator<Item = &'static Row> {
        self.listed.iter().flat_map(|part| part.iter())
    }

    /// Every row, in the order a key looks for its binding.
    pub fn rows(&self) -> impl Iterator<Item = &'static Row> {
        self.listed
            .iter()
            .chain(self.unlisted)
            .flat_map(|part| part.iter())
    }
}

/// The rows a key is read through now: the overlay's, or the screen's.
fn current(m: &Model) -> Vec<&'static Row> {
    let overlay: Option<&'static [Row]> = match m.overlay {
        Some(Overlay::Help) => Some(HELP_SHOWN),
        Some(Overlay::Plain) => Some(PLAIN_SHOWN),
        Some(Overlay::ConfirmQuit) => Some(CONFIRM_QUIT),
        Some(Overlay::ConfirmReplace) => Some(CONFIRM_REPLACE),
        None => None,
    };
    let rest: Vec<&'static Row> = match overlay {
        Some(rows) => rows.iter().collect(),
        None => table(m.step, m.menu.is_some()).rows().collect(),
    };
    GLOBAL.iter().chain(rest).collect()
}

/// What a key does now, if anything: the first binding of the current table that takes it
/// and applies. `None`: the focused text field takes it, or nothing does.
pub fn action_for(m: &Model, key: &KeyEvent) -> Option<Action> {
    current(m)
        .into_iter()
        .flat_map(|row| row.binds)
        .find(|b| b.key.matches(key) && (b.when)(m))
        .map(|b| b.action(key))
}

/// The keys of the screen shown: what the help overlay lists (and the README's key table
/// holds).
pub fn help(step: Step, on_menu: bool) -> Vec<KeyHelp> {
    table(step, on_menu)
        .listed_rows()
        .map(|r| (r.keys, r.help))
        .collect()
}

/// One key the footer offers: the key and its words, and the binding it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Offer {
    pub key: &'static str,
    pub what: &'static str,
    pub bind: &'static Bind,
}

/// The keys that work right now, most useful first, from the rows the screen's help lists.
pub fn offers(m: &Model) -> Vec<Offer> {
    let mut v: Vec<(u8, Offer)> = table(m.step, m.menu.is_some())
        .listed_rows()
        .flat_map(|row| row.binds)
        .filter(|b| (b.when)(m))
        .flat_map(|b| {
            b.hints.iter().filter(|h| (h.when)(m)).map(move |h| {
                (
                    h.order,
                    Offer {
                        key: h.key,
                        what: h.what,
                        bind: b,
                    },
                )
            })
        })
        .collect();
    v.sort_by_key(|(order, _)| *order);
    v.into_iter().map(|(_, o)| o).collect()
}

/// The footer: the keys that work right now and their words.
pub fn footer(m: &Model) -> Vec<(&'static str, &'static str)> {
    offers(m).into_iter().map(|o| (o.key, o.what)).collect()
}

/// Every screen's keys, by where they work: the README's key table.
pub fn reference() -> Vec<(&'static str, Vec<KeyHelp>)> {
    let rows = |part: &[Row]| part.iter().map(|r| (r.keys, r.help)).collect();
    vec![
        ("steps 1-5", rows(MOVE)),
        ("1 · Create the app", rows(CREATE_APP)),
        ("2 · Permissions", rows(PERMISSIONS)),
        ("3 · App type", rows(APP_TYPE)),
        ("4 · URLs", rows(URLS)),
        ("5 · Credentials", rows(CREDENTIALS)),
        ("6 · Authorize", rows(AUTHORIZE)),
        ("7 · Done", rows(DONE)),
        ("start menu", rows(MENU)),
        ("everywhere", rows(ALWAYS)),
    ]
}
