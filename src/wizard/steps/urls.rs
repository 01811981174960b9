//! Step 4: the Callback URI / Redirect URL and the Website URL, from a preset or typed.

use crossterm::event::KeyEvent;

use super::{render_field, render_intro, render_outro};
use crate::presets::presets;
use crate::validate::{check_url, is_loopback_host, Check};
use crate::wizard::model::{Focus, Model};
use crate::wizard::widgets::body::Body;
use crate::wizard::widgets::choice_list;

pub const CALLBACK_LABEL: &str = "Callback URI / Redirect URL";
pub const WEBSITE_LABEL: &str = "Website URL";
const LABEL_W: usize = 28;

pub fn render(m: &Model, body: &mut Body) {
    render_intro(m, body);
    body.blank();
    let items: Vec<(&str, &str)> = presets()
        .iter()
        .map(|p| (p.label.as_str(), p.description.as_str()))
        .collect();
    choice_list::render(body, &items, m.urls.preset, m.focus == Focus::Preset, false);
    body.blank();
    render_field(
        m,
        body,
        Focus::Callback,
        CALLBACK_LABEL,
        LABEL_W,
        &m.urls.callback,
        true,
    );
    render_field(
        m,
        body,
        Focus::Website,
        WEBSITE_LABEL,
        LABEL_W,
        &m.urls.website,
        true,
    );
    render_outro(m, body);
}

pub fn on_key(m: &mut Model, key: KeyEvent) -> bool {
    if m.focus != Focus::Preset {
        return false;
    }
    let len = presets().len();
    let now = m.urls.preset;
    let Some(next) = choice_list::on_key(now, len, &key) else {
        return false;
    };
    if next != now {
        choose(m, next);
    }
    true
}

/// Chooses a preset: its values fill both fields; "Custom" keeps what they hold.
pub fn choose(m: &mut Model, index: usize) {
    let Some(p) = presets().get(index) else {
        return;
    };
    m.urls.preset = index;
    m.touched = true;
    m.warned = false;
    if !p.is_custom() {
        m.urls.callback.set(&p.callback());
        m.urls.website.set(&p.website_url);
    }
}

/// Editing a field by hand makes the choice "Custom", unless it still matches a preset.
pub fn on_edit(m: &mut Model) {
    let cb = m.urls.callback.value();
    let web = m.urls.website.value();
    let all = presets();
    m.urls.preset = all
        .iter()
        .position(|p| !p.is_custom() && p.callback() == cb && p.website_url == web)
        .or_else(|| all.iter().position(|p| p.is_custom()))
        .unwrap_or(m.urls.preset);
}

pub fn checks(m: &Model) -> Vec<(Focus, Check)> {
    let callback = match check_url(m.urls.callback.value()) {
        Err(e) => Check::Error(e),
        Ok(u) if u.host_str() == Some("localhost") => Check::Warn(
            "X's docs use 127.0.0.1 rather than localhost; whichever you pick, the portal must hold exactly the same."
                .into(),
        ),
        Ok(u) if u.path() == "/" && !m.urls.callback.value().ends_with('/') => Check::Ok,
        Ok(_) => Check::Ok,
    };
    let website = match check_url(m.urls.website.value()) {
        Err(e) => Check::Error(e),
        Ok(u) if is_loopback_host(&u) => Check::Warn(
            "X may refuse a Website URL on this machine; any public page of yours will do.".into(),
        ),
        Ok(_) => Check::Ok,
    };
    vec![(Focus::Callback, callback), (Focus::Website, website)]
}
