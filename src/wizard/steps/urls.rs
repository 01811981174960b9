//! Step 4: the Callback URI / Redirect URL and the Website URL, from a preset or typed.

use super::shared::{fields_beside, render_field, render_intro, render_outro, value_column};
use crate::presets::presets;
use crate::validate::{check_url, is_loopback_host, Check};
use crate::wizard::model::{Focus, Model};
use crate::wizard::widgets::body::Body;
use crate::wizard::widgets::choice_list;

pub const CALLBACK_LABEL: &str = "Callback URI / Redirect URL";
pub const WEBSITE_LABEL: &str = "Website URL";
const LABEL_W: usize = 28;

pub fn render(m: &Model, body: &mut Body) {
    let checks = checks(m);
    render_intro(m, body);
    body.blank();
    let items: Vec<(&str, &str)> = presets()
        .iter()
        .map(|p| (p.label.as_str(), p.description.as_str()))
        .collect();
    choice_list::render(body, &items, m.urls.preset, m.focus == Focus::Preset, false);
    body.blank();
    let beside = fields_beside(body, LABEL_W, &[&m.urls.callback, &m.urls.website]);
    render_field(
        m,
        body,
        &checks,
        Focus::Callback,
        CALLBACK_LABEL,
        LABEL_W,
        &m.urls.callback,
        beside,
    );
    render_field(
        m,
        body,
        &checks,
        Focus::Website,
        WEBSITE_LABEL,
        LABEL_W,
        &m.urls.website,
        beside,
    );
    if let Some(p) = presets().get(m.urls.preset) {
        if !p.website_note.is_empty() && m.urls.website.value() == p.website_url {
            let style = body.theme.dim();
            let pad = " ".repeat(value_column(LABEL_W, beside) + 2);
            body.prefixed(&pad, &p.website_note, style);
        }
    }
    render_outro(m, body);
}

/// Chooses a preset: its values fill both fields; "Custom" keeps what they hold.
pub fn choose(m: &mut Model, index: usize) {
    let Some(p) = presets().get(index) else {
        return;
    };
    let leaving_custom = presets().get(m.urls.preset).is_some_and(|c| c.is_custom());
    if leaving_custom && !p.is_custom() {
        // Typed text is never lost: it comes back when Custom is chosen again.
        m.urls.custom = Some((
            m.urls.callback.value().to_string(),
            m.urls.website.value().to_string(),
        ));
    }
    m.urls.preset = index;
    m.touched = true;
    m.warned = false;
    if !p.is_custom() {
        m.urls.callback.set(&p.callback());
        m.urls.website.set(&p.website_url);
    } else if let Some((callback, website)) = &m.urls.custom {
        m.urls.callback.set(callback);
        m.urls.website.set(website);
    }
}

/// The focused URL field holds the chosen preset's value, unchanged, and e has not opened it
/// for editing: c and p act on the value (the `c  p` and `e` rows of step 4 in `wizard::keymap`).
pub fn holds_preset_value(m: &Model) -> bool {
    // In a URL field, `typing` is set by e (and by a change that leaves the preset).
    if m.typing {
        return false;
    }
    let Some(p) = presets().get(m.urls.preset).filter(|p| !p.is_custom()) else {
        return false;
    };
    match m.focus {
        Focus::Callback => m.urls.callback.value() == p.callback(),
        Focus::Website => m.urls.website.value() == p.website_url,
        _ => false,
    }
}

/// A callback that differs from a preset's only where X's exact match bites (a trailing
/// slash, http for https, localhost for 127.0.0.1): the warning names the difference.
fn near_miss(callback: &str) -> Option<String> {
    presets()
        .iter()
        .filter(|p| !p.is_custom())
        .find_map(|p| {
            let want = p.callback();
            if callback == want {
                return None;
            }
            let what = if callback.trim_end_matches('/') == want.trim_end_matches('/') {
                if callback.ends_with('/') {
                    "has no trailing /"
                } else {
                    "ends with /"
                }
            } else if callback.replacen("http://", "https://", 1) == want
                || callback.replacen("https://", "http://", 1) == want
            {
                "starts differently (http and https are different addresses to X)"
            } else if callback.replacen("localhost", "127.0.0.1", 1) == want {
                "uses 127.0.0.1, not localhost"
            } else if callback.starts_with(&want) {
                "is followed by extra text here"
            } else {
                return None;
            };
            Some(format!(
                "{}'s callback {what}: X matches byte for byte, so the portal must hold exactly this value.",
                p.label
            ))
        })
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
    let cb = m.urls.callback.value();
    let callback = match (check_url(cb), near_miss(cb)) {
        (Err(e), _) => Check::Error(e),
        (Ok(_), Some(warning)) => Check::Warn(warning),
        (Ok(u), None) if u.host_str() == Some("localhost") => Check::Warn(
            "X's docs use 127.0.0.1 rather than localhost; whichever you pick, the portal must hold exactly the same."
                .into(),
        ),
        (Ok(_), None) => Check::Ok,
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
