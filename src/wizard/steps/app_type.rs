//! Step 3: the type of app, public (Native App) or confidential (Web App, Bot).

use crossterm::event::{KeyCode, KeyEvent};

use super::{render_intro, render_outro};
use crate::wizard::model::{Focus, Model};
use crate::wizard::widgets::body::Body;
use crate::wizard::widgets::choice_list;
use crate::x::AppType;

pub fn render(m: &Model, body: &mut Body) {
    render_intro(m, body);
    body.blank();
    let items: Vec<(&str, &str)> = AppType::ALL
        .iter()
        .map(|t| (t.label(), t.consequence()))
        .collect();
    choice_list::render(
        body,
        &items,
        index(m.app_type),
        m.focus == Focus::AppType,
        true,
    );
    render_outro(m, body);
}

fn index(t: AppType) -> usize {
    AppType::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

pub fn on_key(m: &mut Model, key: KeyEvent) -> bool {
    let now = index(m.app_type);
    let next = match key.code {
        KeyCode::Up | KeyCode::Char('k') => choice_list::step(now, 2, -1),
        KeyCode::Down | KeyCode::Char('j') => choice_list::step(now, 2, 1),
        KeyCode::Char(c) => match choice_list::by_digit(c, 2) {
            Some(i) => i,
            None => return false,
        },
        _ => return false,
    };
    if next != now {
        m.app_type = AppType::ALL[next];
        m.touched = true;
    }
    true
}
