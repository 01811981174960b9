//! Step 7: done. Who logged in, what was granted, until when, where the profile is, and what
//! to run next.

use super::render_outro;
use crate::wizard::model::Model;
use crate::wizard::widgets::body::Body;

const LABEL_W: usize = 14;

pub fn render(m: &Model, body: &mut Body) {
    let t = body.theme;
    let Some(o) = &m.outcome else {
        body.text("Nothing was saved.", t.warning());
        return;
    };
    let p = &o.profile;
    match &p.account {
        Some(a) if a.verified => {
            let style = t.ok();
            body.prefixed(
                "✓ ",
                &format!("Connected to X as @{} ({}).", a.username, a.name),
                style,
            );
        }
        _ => {
            body.warning(
                "The login worked and the tokens are saved, but X refused to say whose they are (profile marked unverified).",
            );
            if let Some(note) = p.account.as_ref().and_then(|a| a.note.as_deref()) {
                body.prefixed("  ", note, t.warning());
            }
        }
    }
    body.blank();
    let value = t.value();
    let mut row = |label: &str, v: &str| {
        body.prefixed(&format!("  {label:<LABEL_W$} "), v, value);
    };
    row("Profile", &o.path.display().to_string());
    row("", "readable by you only (mode 0600)");
    if let Some(tok) = &p.token {
        row("Scopes", &tok.scope);
        let expiry = crate::timefmt::parse_rfc3339(&tok.expires_at)
            .map(|at| {
                let secs = (at - crate::timefmt::now()).whole_seconds();
                format!("{} ({})", tok.expires_at, crate::timefmt::relative(secs))
            })
            .unwrap_or_else(|| tok.expires_at.clone());
        row("Token expires", &expiry);
        row(
            "Refresh token",
            if tok.refresh_token.is_some() {
                "saved: access continues after expiry (offline.access)"
            } else {
                "none: without offline.access, log in again after expiry"
            },
        );
    }
    body.blank();
    let name = m.credentials.profile.value();
    body.text(
        "Next: scripts get a valid token (refreshed when needed) with",
        t.title(),
    );
    body.push(ratatui::text::Line::styled(
        format!("  curl -H \"Authorization: Bearer $(xconnect token {name})\" …"),
        value,
    ));
    let style = t.dim();
    body.text(
        "xconnect profiles lists them; xconnect show, refresh and revoke manage them.",
        style,
    );
    if m.sandbox {
        body.blank();
        body.warning(
            "Sandbox profile: it points at the built-in emulator, which stops with this program. Use it to look around; log in to X for real to use it in scripts.",
        );
    }
    render_outro(m, body);
}
