//! Step 2: the permission level, and the OAuth 2.0 scopes it implies.

use ratatui::text::{Line, Span};

use super::shared::{render_check, render_intro, render_outro, shown_check};
use crate::validate::Check;
use crate::wizard::model::{Focus, Model, Permissions, StatusKind};
use crate::wizard::widgets::body::Body;
use crate::wizard::widgets::choice_list;
use crate::x::scopes::{ALL_SCOPES, NEEDED_FOR_PROOF, OFFLINE_ACCESS};
use crate::x::Permission;

/// Width of one cell of the scope grid: marker, box, the longest scope name, a gap.
const CELL: u16 = 26;

/// How many scope columns fit in `width`; the keys move by this many on ↑/↓.
pub fn columns(width: u16) -> usize {
    usize::from((width / CELL).clamp(1, 4))
}

pub fn render(m: &Model, body: &mut Body) {
    render_intro(m, body);
    body.blank();
    let items: Vec<(&str, &str)> = Permission::ALL
        .iter()
        .map(|p| (p.label(), p.description()))
        .collect();
    let chosen = level_index(m.permissions.level);
    choice_list::render(body, &items, chosen, m.focus == Focus::Level, false);
    body.blank();
    let hint = if m.focus == Focus::Scopes {
        "Scopes (arrows move, Space toggles):"
    } else {
        "Scopes this grants (Tab, then Space adjusts):"
    };
    body.text(hint, body.theme.title());
    grid(m, body);
    let style = body.theme.dim();
    body.prefixed(
        "  ",
        "offline.access keeps access after 2 hours (X adds a refresh token).",
        style,
    );
    let check = shown_check(m, &checks(m), Focus::Scopes, false);
    render_check(body, check, 2);
    render_outro(m, body);
}

fn grid(m: &Model, body: &mut Body) {
    let cols = columns(body.width);
    let theme = body.theme;
    let focused = m.focus == Focus::Scopes;
    let start = body.lines.len();
    for row in ALL_SCOPES.chunks(cols).enumerate() {
        let (r, names) = row;
        let mut spans = Vec::new();
        for (c, name) in names.iter().enumerate() {
            let i = r * cols + c;
            let here = focused && i == m.permissions.cursor;
            let mark = if m.permissions.has(name) {
                "[x]"
            } else {
                "[ ]"
            };
            let cell = format!("{}{mark} {name}", if here { "›" } else { " " });
            let style = if here {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            let pad = usize::from(CELL).saturating_sub(cell.chars().count());
            spans.push(Span::styled(cell, style));
            spans.push(Span::raw(" ".repeat(pad)));
        }
        body.push(Line::from(spans));
        if here_row(focused, m.permissions.cursor, r, cols) {
            body.focus = Some((body.lines.len() - 1, body.lines.len() - 1));
        }
    }
    if focused && body.focus.is_none() {
        body.focus_from(start);
    }
}

fn here_row(focused: bool, cursor: usize, row: usize, cols: usize) -> bool {
    focused && cursor / cols == row
}

fn level_index(level: Permission) -> usize {
    Permission::ALL
        .iter()
        .position(|l| *l == level)
        .unwrap_or(1)
}

/// The list of levels: (the one chosen, how many).
pub fn level_list(m: &Model) -> (usize, usize) {
    (level_index(m.permissions.level), Permission::ALL.len())
}

/// Chooses a level: its scopes replace the chosen ones (and the status line says so when
/// they had been changed by hand).
pub fn choose_level(m: &mut Model, i: usize) {
    let Some(level) = Permission::ALL.get(i).copied() else {
        return;
    };
    let customised = m.permissions != Permissions::for_level(m.permissions.level);
    m.permissions = Permissions::for_level(level);
    m.touched = true;
    if customised {
        m.set_status(
            StatusKind::Info,
            format!("Scopes reset to those of \"{}\".", level.label()),
        );
    }
}

/// Moves the grid's cursor `across` cells and `down` rows (as many columns as the screen
/// shows); a move off the grid stays where it is.
pub fn move_cursor(m: &mut Model, across: isize, down: isize) {
    let cols = columns(m.size.0.saturating_sub(2)) as isize;
    let c = m.permissions.cursor as isize + across + down * cols;
    if (0..ALL_SCOPES.len() as isize).contains(&c) {
        m.permissions.cursor = c as usize;
    }
}

/// Toggles the scope under the grid's cursor.
pub fn toggle(m: &mut Model) {
    if let Some(s) = ALL_SCOPES.get(m.permissions.cursor) {
        m.permissions.toggle(s);
        m.touched = true;
        m.warned = false;
    }
}

pub fn checks(m: &Model) -> Vec<(Focus, Check)> {
    let p = &m.permissions;
    let check = if p.scopes.is_empty() {
        Check::Error("Choose at least one scope (Space toggles).".into())
    } else if !p.has(OFFLINE_ACCESS) {
        Check::Warn(
            "Without offline.access the token stops working after 2 hours and cannot be refreshed."
                .into(),
        )
    } else if let Some(warning) = crate::x::scopes::above_level(p.level, &p.scopes) {
        Check::Warn(warning)
    } else if let Some(missing) = NEEDED_FOR_PROOF.iter().find(|s| !p.has(s)) {
        Check::Warn(format!(
            "Without {missing} xconnect cannot check which account logged in (GET /2/users/me)."
        ))
    } else {
        Check::Ok
    };
    vec![(Focus::Scopes, check)]
}
