//! Step 4: the Callback URI / Redirect URL and the Website URL, from a preset or typed.

use super::shared::{fields_beside, render_field, render_intro, render_outro, value_column};
use crate::presets::presets;
use crate::validate::{check_url, is_loopback_host, Check};
use crate::wizard::model::{Cmd, Focus, Model, StatusKind, Step};
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
        .map(|p| (&*p.label, &*p.description))
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
    if let Some((taken, free)) = m.urls.offered.filter(|(_, f)| loopback_port(m) == Some(*f)) {
        let style = body.theme.dim();
        let pad = " ".repeat(value_column(LABEL_W, beside) + 2);
        body.prefixed(
            &pad,
            &format!("Port {taken} is in use on this machine: this callback uses port {free}, which is free."),
            style,
        );
    }
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
        m.urls.callback.set(&p.callback_on(m.urls.port));
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
        Focus::Callback => p.matches(m.urls.callback.value()),
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
    let port = all.iter().find_map(|p| p.port_in(cb));
    m.urls.preset = all
        .iter()
        .position(|p| !p.is_custom() && p.matches(cb) && p.website_url == web)
        .or_else(|| all.iter().position(|p| p.is_custom()))
        .unwrap_or(m.urls.preset);
    if let Some(port) = port {
        m.urls.port = port;
    }
}

/// The loopback preset's port, while it is chosen.
fn loopback_port(m: &Model) -> Option<u16> {
    let p = presets().get(m.urls.preset)?;
    p.port_in(m.urls.callback.value())
}

/// After every message: before Authorize, while the loopback preset is chosen, its port is
/// checked once (the driver tries it): not while the callback is being edited, where each key
/// makes another port, but as soon as it is left; not again for a port already found taken.
pub fn check_port(m: &mut Model) -> Option<Cmd> {
    let editing = m.step == Step::Urls && m.focus == Focus::Callback;
    if m.menu.is_some() || editing || !matches!(m.step, Step::Urls | Step::Credentials) {
        return None;
    }
    let port = loopback_port(m)?;
    // A port found taken and typed back after the offer is the person's choice: kept.
    if m.urls.asked == Some(port) || m.urls.offered.is_some_and(|(taken, _)| taken == port) {
        return None;
    }
    m.urls.asked = Some(port);
    Some(Cmd::CheckPort { port })
}

/// The driver's answer: a taken port is replaced by the free one it found, and the status
/// line says so plainly, with the callback to enter at X. An answer about a port no longer
/// chosen changes nothing.
pub fn port_checked(m: &mut Model, port: u16, instead: Option<u16>) {
    let (Some(free), Some(now)) = (instead, loopback_port(m)) else {
        return;
    };
    if now != port || !matches!(m.step, Step::Urls | Step::Credentials) {
        return;
    }
    let Some(p) = presets().get(m.urls.preset) else {
        return;
    };
    let callback = p.callback_on(free);
    m.urls.callback.set(&callback);
    m.urls.port = free;
    m.urls.asked = Some(free);
    m.urls.offered = Some((port, free));
    let back = if m.step == Step::Urls {
        "e on the field edits the port"
    } else {
        "Esc goes back to step 4 to change it"
    };
    m.set_status(
        StatusKind::Warn,
        format!(
            "Port {port} is in use here, so the callback now uses port {free}, which is free: enter {callback} at X ({back})."
        ),
    );
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
