//! Step 3: the type of app, public (Native App) or confidential (Web App, Bot).

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

/// The list of app types: (the one chosen, how many).
pub fn list(m: &Model) -> (usize, usize) {
    (index(m.app_type), AppType::ALL.len())
}

pub fn choose(m: &mut Model, i: usize) {
    if let Some(t) = AppType::ALL.get(i) {
        m.app_type = *t;
        m.touched = true;
    }
}
