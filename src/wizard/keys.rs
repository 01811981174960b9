//! Key names, and the key reference of each screen shown by the help overlay (and listed in
//! the README).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::Step;

/// One line of the key reference: the keys, and what they do.
pub type KeyHelp = (&'static str, &'static str);

/// Moving through the wizard, on every step screen.
const MOVE: &[KeyHelp] = &[
    ("Enter  Ctrl-N", "continue (when the screen is complete)"),
    ("Esc  Ctrl-P  b", "back (b outside a text field)"),
    ("Tab  Shift-Tab", "next / previous field"),
];

/// Leaving and looking around, everywhere.
const ALWAYS: &[KeyHelp] = &[
    ("PgUp  PgDn", "scroll a long screen"),
    ("?  F1", "this help (F1 in a text field)"),
    ("q", "quit (asks first if you entered something)"),
    ("Ctrl-C", "quit at once, from anywhere"),
    ("Ctrl-Z", "suspend to the shell; fg comes back"),
];

const COPY: KeyHelp = ("c  Ctrl-Y", "copy the focused value (Ctrl-Y in a field)");
const PRINT: KeyHelp = ("p", "print the focused value alone, to select it");
const LIST: KeyHelp = ("↑ ↓  j k  1-9", "choose in the list");
const FIELD: KeyHelp = ("In a field", "← → Home End, Ctrl-A/E, Ctrl-U/K/W delete");

const PERMISSIONS: &[KeyHelp] = &[
    LIST,
    ("← →  h l", "move in the scope grid"),
    ("Space", "toggle the scope under the cursor"),
    COPY,
];
const CREATE_APP: &[KeyHelp] = &[LIST, COPY, PRINT];
const APP_TYPE: &[KeyHelp] = &[LIST];
/// Step 4's URL fields: a field holding its preset's value unchanged answers c and p as the
/// screens before do ([`on_preset_value`]); typing starts with any other key, or with e.
const URLS: &[KeyHelp] = &[
    LIST,
    (
        "c  p",
        "copy / print; in a field that holds a preset's value too",
    ),
    ("e", "edit a preset's value: c and p type from then on"),
    ("Ctrl-Y", "copy the value of a field being edited"),
    FIELD,
];
const CREDENTIALS: &[KeyHelp] = &[("Ctrl-R", "show / hide the Client Secret"), COPY, FIELD];
const AUTHORIZE: &[KeyHelp] = &[
    ("c  p", "copy / print the link"),
    ("o", "open the link in a browser (a display, not over SSH)"),
    ("a", "approve as the sandbox user (sandbox only)"),
    ("n", "a new link (new state and PKCE verifier)"),
    ("s", "save again after a failed save (the token is kept)"),
    ("Tab", "to the field for the redirected address"),
    ("Enter", "use the address typed there"),
    ("Esc", "back; while X is asked, cancel"),
];
const DONE: &[KeyHelp] = &[
    ("Tab  ↑ ↓", "next / previous value"),
    ("c  p", "copy / print the value marked ›"),
    ("Ctrl-R", "show / hide the Client Secret"),
    ("Enter  q", "quit"),
];
const MENU: &[KeyHelp] = &[("↑ ↓  1-9", "choose"), ("Enter", "go")];

/// The keys of the screen shown: what the help overlay lists (and the README's key table
/// holds, checked by a test).
pub fn help(step: Step, on_menu: bool) -> Vec<KeyHelp> {
    if on_menu {
        return [MENU, &ALWAYS[1..]].concat();
    }
    let (own, moves): (&[KeyHelp], &[KeyHelp]) = match step {
        Step::CreateApp => (CREATE_APP, MOVE),
        Step::Permissions => (PERMISSIONS, MOVE),
        Step::AppType => (APP_TYPE, MOVE),
        Step::Urls => (URLS, MOVE),
        Step::Credentials => (CREDENTIALS, MOVE),
        Step::Authorize => (AUTHORIZE, &MOVE[..0]),
        Step::Done => (DONE, &MOVE[..0]),
    };
    let always: &[KeyHelp] = if step == Step::Done {
        &ALWAYS[..2]
    } else {
        ALWAYS
    };
    [moves, own, always].concat()
}

/// Every screen's keys, by where they work: the README's key table.
pub fn reference() -> Vec<(&'static str, &'static [KeyHelp])> {
    vec![
        ("steps 1-5", MOVE),
        ("1 · Create the app", CREATE_APP),
        ("2 · Permissions", PERMISSIONS),
        ("3 · App type", APP_TYPE),
        ("4 · URLs", URLS),
        ("5 · Credentials", CREDENTIALS),
        ("6 · Authorize", AUTHORIZE),
        ("7 · Done", DONE),
        ("start menu", MENU),
        ("everywhere", ALWAYS),
    ]
}

/// What a key does in a URL field that holds its preset's value unchanged (and was not opened
/// for editing with e).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPresetValue {
    /// c: copy the value, as on the other screens.
    Copy,
    /// p: print the value alone.
    Print,
    /// e: start editing; c and p type from then on (until the focus leaves the field).
    Edit,
}

/// The rule for a URL field holding its preset's value: c copies, p prints, e edits; any
/// other key (`None`) edits the field as usual, and the changed value is no preset's any more.
pub fn on_preset_value(key: &KeyEvent) -> Option<OnPresetValue> {
    match plain(key)? {
        'c' => Some(OnPresetValue::Copy),
        'p' => Some(OnPresetValue::Print),
        'e' => Some(OnPresetValue::Edit),
        _ => None,
    }
}

pub fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

/// A plain character key, without Ctrl or Alt.
pub fn plain(key: &KeyEvent) -> Option<char> {
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
