//! Step 3: the type of app, public (Native App) or confidential (Web App, Bot).

use crossterm::event::KeyEvent;

use super::shared::{render_intro, render_outro};
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
    let Some(next) = choice_list::on_key(now, AppType::ALL.len(), &key) else {
        return false;
    };
    if next != now {
        m.app_type = AppType::ALL[next];
        m.touched = true;
    }
    true
}
