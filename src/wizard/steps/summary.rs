//! The last screen for now: everything entered, secrets masked.

use super::{render_intro, render_outro};
use crate::wizard::model::Model;
use crate::wizard::widgets::body::Body;

const LABEL_W: usize = 15;

/// A secret as the screen shows it: never the value, only its length.
pub fn masked(secret: &str) -> String {
    format!("•••••••• ({} characters)", secret.chars().count())
}

pub fn render(m: &Model, body: &mut Body) {
    render_intro(m, body);
    body.blank();
    let value = body.theme.value();
    let secret = if m.app_type.is_confidential() {
        masked(m.credentials.secret.value())
    } else {
        "none: public client (PKCE)".to_string()
    };
    let rows = [
        ("Permissions", m.permissions.level.label().to_string()),
        ("Scopes", m.permissions.scopes.join(" ")),
        ("App type", m.app_type.label().to_string()),
        ("Callback URL", m.urls.callback.value().to_string()),
        ("Website URL", m.urls.website.value().to_string()),
        ("Client ID", m.credentials.client_id.value().to_string()),
        ("Client Secret", secret),
    ];
    for (label, v) in rows {
        body.prefixed(&format!("  {label:<LABEL_W$} "), &v, value);
    }
    render_outro(m, body);
}
