//! Step 7: done. Who logged in, what was granted (and what X left out), until when, where the
//! profile is, what to run next, and the guide's last step: the app's values for the
//! service's own authorization form, each one a key away from the clipboard.

use super::shared::render_outro;
use crate::handoff::{Handoff, Proof};
use crate::wizard::model::{Focus, Model};
use crate::wizard::widgets::body::Body;

const LABEL_W: usize = 14;

/// Where the example `curl` goes: X's API (a sandbox token is for xconnect's own commands).
const API: &str = "https://api.x.com";

/// The values to copy, in Tab order: the profile's path first, so the first frame shows the
/// screen from its top (the outcome of the login), then the hand-off's values.
pub fn focusables(m: &Model) -> Vec<Focus> {
    let Some(o) = &m.outcome else {
        return vec![Focus::Nothing];
    };
    let mut v = vec![Focus::ProfilePath, Focus::HandoffClientId];
    if o.profile.app.client_secret.is_some() {
        v.push(Focus::HandoffSecret);
    }
    v
}

/// A labelled value; "›" marks the focused one (and the view keeps it in sight).
fn value_row(body: &mut Body, focus: Option<bool>, label: &str, value: &str) {
    let start = body.lines.len();
    let marker = match focus {
        Some(true) => "›",
        _ => " ",
    };
    let style = body.theme.value();
    body.labelled(&format!("{marker} {label:<LABEL_W$} "), value, style);
    if focus == Some(true) {
        body.focus_from(start);
    }
}

pub fn render(m: &Model, body: &mut Body) {
    let t = body.theme;
    let Some(o) = &m.outcome else {
        body.text("Nothing was saved.", t.warning());
        return;
    };
    let p = &o.profile;
    match &p.account {
        Some(a) if a.verified => {
            body.prefixed(
                "✓ ",
                &format!("Connected to X as @{} ({}).", a.username, a.name),
                t.ok(),
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
    // A file is private to its owner; a profile in the shared store has no file mode.
    let path = if o.path.is_absolute() {
        format!("{}  (mode 0600)", o.path.display())
    } else {
        o.path.display().to_string()
    };
    value_row(body, Some(m.focus == Focus::ProfilePath), "Profile", &path);
    if let Some(address) = &m.store_address {
        value_row(body, None, "Store", address);
    }
    let check = p.scope_check();
    if let Some(tok) = &p.token {
        // A full grant is a count (the file and `xconnect show` list them); a short one is
        // listed, and the warning below names what is missing.
        let scopes = match &check {
            Some(c) if c.is_complete() => {
                format!("all {} asked for, offline.access included", c.asked.len())
            }
            _ => tok.scope.clone(),
        };
        value_row(body, None, "Scopes", &scopes);
        let secs = (tok.expires_at - m.clock).whole_seconds();
        let mut expiry = format!(
            "{} ({})",
            crate::timefmt::rfc3339(tok.expires_at),
            crate::timefmt::relative(secs)
        );
        if tok.refresh_token.is_some() {
            expiry.push_str("; renewed by itself");
        }
        value_row(body, None, "Token expires", &expiry);
    }
    let name = m.credentials.profile.value();
    for problem in check.map(|c| c.problems(name)).unwrap_or_default() {
        body.warning(&problem);
    }
    body.blank();
    body.text(
        "Next, in scripts (the token is refreshed when needed):",
        t.title(),
    );
    let value = t.value();
    // A profile in the shared store is found only with the store's address set (shown
    // above, whole; here it would make the commands too wide to copy).
    let run = if m.store_address.is_some() {
        "XCONNECT_STORE=… xconnect"
    } else {
        "xconnect"
    };
    body.command(
        "  ",
        &format!("{run} api /2/users/me --profile {name}"),
        value,
    );
    body.command(
        "  ",
        &format!("curl -H \"Authorization: Bearer $({run} token {name})\" {API}/2/users/me"),
        value,
    );
    if m.store_address.is_some() {
        body.prefixed(
            "  ",
            "The profile is in the shared store: commands find it only with XCONNECT_STORE set to the Store address above (… stands for it) or with --store. The address's password is never shown (*** where it held one): PGPASSWORD or ~/.pgpass supply it.",
            t.dim(),
        );
    }
    body.blank();
    handoff(m, &Handoff::for_profile(p, name), body);
    if m.sandbox {
        body.blank();
        body.warning(
            "Sandbox profile: xconnect token, api, refresh and revoke start the built-in emulator again (its state is kept), so you can try them all; log in to X for real for your scripts.",
        );
    }
    render_outro(m, body);
}

/// The guide's last step, with the values the service's form asks for.
fn handoff(m: &Model, h: &Handoff, body: &mut Body) {
    let t = body.theme;
    body.text(&format!("{}: {}", h.title, h.intro), t.title());
    value_row(
        body,
        Some(m.focus == Focus::HandoffClientId),
        "Client ID",
        &h.client_id,
    );
    match &h.client_secret {
        Some(s) => {
            let shown = if m.credentials.reveal {
                s.expose().to_string()
            } else {
                format!("{}  (Ctrl-R shows it; c copies it unseen)", s.hint())
            };
            value_row(
                body,
                Some(m.focus == Focus::HandoffSecret),
                "Client Secret",
                &shown,
            );
        }
        None => value_row(body, None, "Client Secret", &h.no_secret),
    }
    for (label, v) in &h.extra {
        value_row(body, None, label, v);
    }
    match h.proof {
        Proof::Proved if !h.proof_words.is_empty() => body.text(&h.proof_words, t.dim()),
        Proof::Proved => {}
        _ => body.warning(&h.proof_words),
    }
    let style = t.dim();
    body.text(&h.after, style);
    if let Some((words, cmd)) = &h.insists {
        body.text(words, style);
        body.command("  ", cmd, t.value());
    }
}
