//! Step 6: authorize. Every way in at once, whichever finishes first wins: a pasted redirect
//! (used at once, X's code lives 30 s), the loopback listener, or, in the sandbox, approving
//! as the sandbox user. Then the exchange, the proof (`/2/users/me`) and the save.

use ratatui::text::{Line, Span};
use url::Url;

use super::focus::{self, ssh_hint};
use super::shared::{render_field, render_intro, render_outro};
use crate::callback::parse_redirect;
use crate::login::flow;
use crate::secret::Secret;
use crate::wizard::model::{
    Cmd, Focus, Model, Msg, Outcome, Overlay, Phase, SaveFailure, StatusKind, Step,
};
use crate::wizard::widgets::body::Body;

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];
const LABEL_W: usize = 14;

/// A new attempt: fresh link, fresh listener; anything of the last one is stopped.
pub fn start(m: &mut Model) -> Vec<Cmd> {
    m.auth.op += 1;
    m.auth.phase = Phase::Preparing;
    m.auth.pending = None;
    m.auth.listener = None;
    m.auth.tokens = None;
    m.auth.account = None;
    m.auth.paste.set("");
    vec![
        Cmd::CancelAuth,
        Cmd::PrepareAuth {
            op: m.auth.op,
            settings: m.settings(),
        },
    ]
}

fn spinner(m: &Model) -> &'static str {
    SPINNER[m.auth.spinner % SPINNER.len()]
}

pub fn render(m: &Model, body: &mut Body) {
    let t = body.theme;
    let words = crate::guide::guide().step(m.step.id());
    let intro = if ssh_hint(m).is_some() {
        &words.intro_forward
    } else if focus::link_port_here(m).is_some() {
        &words.intro_here
    } else if flow_is_loopback(m) && !matches!(m.auth.listener, Some(Err(_))) {
        &words.intro_loopback
    } else {
        &words.intro
    };
    if intro.is_empty() {
        render_intro(m, body);
    } else {
        body.text(intro, ratatui::style::Style::new());
    }
    body.blank();
    let start = body.lines.len();
    let focused = m.focus == Focus::AuthUrl;
    match &m.auth.pending {
        None => body.text(&format!("  {} Preparing the link…", spinner(m)), t.dim()),
        Some(p) => {
            let room = usize::from(body.width).saturating_sub(3);
            let shown: String = if p.url.chars().count() > room {
                let mut s: String = p.url.chars().take(room.saturating_sub(1)).collect();
                s.push('…');
                s
            } else {
                p.url.clone()
            };
            let marker = if focused { "› " } else { "  " };
            body.push(Line::from(vec![
                Span::raw(marker),
                Span::styled(shown, t.value()),
            ]));
        }
    }
    if focused {
        body.focus_from(start);
    }
    render_outro(m, body);
    body.blank();
    render_field(
        m,
        body,
        &[],
        Focus::RedirectPaste,
        "Redirected URL",
        LABEL_W,
        &m.auth.paste,
        // A pasted redirect is used at once, never entered at X: it keeps its row.
        true,
    );
    phase_line(m, body);
    listener_lines(m, body);
    if m.sandbox {
        let style = t.warning();
        body.prefixed(
            "  ",
            "Sandbox: a approves as the sandbox user, as a browser would.",
            style,
        );
    }
}

fn phase_line(m: &Model, body: &mut Body) {
    let t = body.theme;
    let pad = " ".repeat(LABEL_W + 3);
    // The countdown: every call to X gives up after the time-out.
    let left = m.timeout_secs.saturating_sub(u64::from(m.auth.waited / 4));
    let running = match &m.auth.phase {
        Phase::Exchanging => {
            format!("Exchanging the code with X… gives up in {left} s (Esc cancels)")
        }
        Phase::Verifying => format!("Checking the token (GET /2/users/me)… gives up in {left} s"),
        Phase::Saving => "Saving the profile…".to_string(),
        Phase::Failed(msg) => {
            let style = t.error();
            body.prefixed(&format!("{pad}✗ "), msg, style);
            return;
        }
        Phase::Preparing | Phase::Waiting => return,
    };
    body.prefixed(&format!("{pad}{} ", spinner(m)), &running, t.title());
}

/// The callback is on this machine: the browser must be here too, or reach it through SSH.
fn flow_is_loopback(m: &Model) -> bool {
    flow::loopback(&m.settings()).is_some()
}

fn listener_lines(m: &Model, body: &mut Body) {
    let t = body.theme;
    match &m.auth.listener {
        Some(Ok(addr)) => {
            body.blank();
            let style = t.ok();
            body.prefixed(
                "  ◉ ",
                &format!("Listening on {addr}: when the browser reaches it, the login finishes by itself."),
                style,
            );
        }
        Some(Err(e)) => {
            body.blank();
            body.warning(&format!(
                "Not listening for the redirect ({e}). Paste the address instead."
            ));
        }
        None => {}
    }
    forward_lines(m, body);
}

/// Over SSH, the forward that makes this machine's link and listener reachable from the
/// person's own computer (see `focus::ssh_hint`): copied whole, and shown whole.
fn forward_lines(m: &Model, body: &mut Body) {
    let Some(hint) = ssh_hint(m) else {
        return;
    };
    let t = body.theme;
    if !matches!(m.auth.listener, Some(Ok(_))) {
        body.blank();
    }
    let style = t.dim();
    body.prefixed(
        "    ",
        "Browser on your own computer? Run this there first, then open the link:",
        style,
    );
    let start = body.lines.len();
    let focused = m.focus == Focus::SshHint;
    let marker = if focused { "  › " } else { "    " };
    body.command(marker, &hint, t.value());
    if focused {
        body.focus_from(start);
    }
}

/// A paste on this screen is a redirect, whatever has the focus: it is used at once.
pub fn on_paste(m: &mut Model, text: &str) -> Vec<Cmd> {
    let clean = crate::sanitize::clean_paste(text);
    m.auth.paste.set(
        &clean
            .chars()
            .take(crate::wizard::widgets::text_field::MAX_FIELD_CHARS)
            .collect::<String>(),
    );
    try_redirect(m, text)
}

/// Parses a redirect (pasted, typed + Enter, or caught by the listener) and exchanges its code.
pub fn try_redirect(m: &mut Model, text: &str) -> Vec<Cmd> {
    match m.auth.phase {
        Phase::Waiting | Phase::Failed(_) => {}
        Phase::Preparing => {
            m.set_status(StatusKind::Info, "The link is not ready yet: one moment.");
            return Vec::new();
        }
        _ => {
            m.set_status(StatusKind::Info, "A login is already running.");
            return Vec::new();
        }
    }
    let Some(p) = m.auth.pending.clone() else {
        return Vec::new();
    };
    let callback = match Url::parse(m.urls.callback.value()) {
        Ok(u) => u,
        Err(e) => {
            m.auth.phase = Phase::Failed(format!(
                "The callback URL is not valid ({e}). Go back to step 4."
            ));
            return Vec::new();
        }
    };
    match parse_redirect(text, &callback, &p.state) {
        Ok(r) => {
            m.auth.phase = Phase::Exchanging;
            m.auth.waited = 0;
            vec![Cmd::Exchange {
                op: m.auth.op,
                settings: m.settings(),
                code: Secret::new(r.code),
                verifier: p.verifier.clone(),
            }]
        }
        Err(e) => {
            m.auth.phase = Phase::Failed(e.to_string());
            Vec::new()
        }
    }
}

/// The results of the commands of this step. Results of an older attempt, or that arrive
/// in another phase (after a cancel), are ignored.
pub fn on_msg(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    let op = m.auth.op;
    match msg {
        Msg::AuthReady { op: o, result } if o == op => match result {
            Ok(p) => {
                m.auth.pending = Some(p);
                m.auth.phase = Phase::Waiting;
            }
            Err(e) => m.auth.phase = Phase::Failed(e),
        },
        Msg::Listening { op: o, result } if o == op => m.auth.listener = Some(result),
        Msg::Redirected { op: o, url } if o == op => {
            m.set_status(StatusKind::Ok, "The redirect arrived.");
            return try_redirect(m, &url);
        }
        Msg::Exchanged { op: o, result } if o == op && m.auth.phase == Phase::Exchanging => {
            match result {
                Ok(t) => {
                    let access_token = t.access_token.clone();
                    m.auth.tokens = Some(t);
                    m.auth.phase = Phase::Verifying;
                    m.auth.waited = 0;
                    // One callback only: the listener is done.
                    m.auth.listener = None;
                    return vec![Cmd::CancelAuth, Cmd::Verify { op, access_token }];
                }
                Err(e) => m.auth.phase = Phase::Failed(e.to_string()),
            }
        }
        Msg::Verified { op: o, result, at } if o == op && m.auth.phase == Phase::Verifying => {
            m.auth.account = Some(result);
            m.clock = at;
            return save(m, false);
        }
        Msg::Saved { op: o, result } if o == op && m.auth.phase == Phase::Saving => match result {
            Ok(path) => {
                if let Some(profile) = saved_profile(m) {
                    m.outcome = Some(Outcome { path, profile });
                }
                focus::enter(m, Step::Done);
                m.status = None;
            }
            Err(SaveFailure::Exists) => {
                m.auth.phase = Phase::Failed(
                    "Not saved yet: a profile of that name appeared meanwhile.".into(),
                );
                m.overlay = Some(Overlay::ConfirmReplace);
            }
            Err(SaveFailure::Other(e)) => {
                m.auth.phase = Phase::Failed(format!(
                    "The login worked but the profile could not be saved: {e}. Fix that, then press s to save again."
                ));
            }
        },
        Msg::BrowserOpened(Err(e)) => m.set_status(
            StatusKind::Warn,
            format!("Could not open a browser ({e}). Copy the link instead."),
        ),
        Msg::Notice(kind, text) => m.set_status(kind, text),
        Msg::BrowserOpened(Ok(())) => m.set_status(StatusKind::Ok, "Opened the link in a browser."),
        _ => {}
    }
    Vec::new()
}

fn saved_profile(m: &Model) -> Option<crate::profile::Profile> {
    let tokens = m.auth.tokens.as_ref()?;
    let account = m.auth.account.as_ref()?;
    Some(flow::profile(
        &m.settings(),
        tokens,
        account,
        &m.endpoints,
        m.clock,
    ))
}

/// Saves the profile; `overwrite` only after the person said yes.
pub fn save(m: &mut Model, overwrite: bool) -> Vec<Cmd> {
    let Some(profile) = saved_profile(m) else {
        return Vec::new();
    };
    let name = m.credentials.profile.value().to_string();
    let overwrite = overwrite || m.credentials.replace.as_deref() == Some(name.as_str());
    m.auth.phase = Phase::Saving;
    vec![Cmd::Save {
        op: m.auth.op,
        name,
        profile: Box::new(profile),
        overwrite,
    }]
}

/// Esc while X is asked for the token: stop asking.
pub fn cancel(m: &mut Model) -> Vec<Cmd> {
    m.auth.phase = Phase::Waiting;
    m.set_status(
        StatusKind::Info,
        "Cancelled. Paste a new redirect to try again.",
    );
    vec![Cmd::CancelAuth]
}

/// The link, when it is made; else the status line says to wait.
fn link(m: &mut Model) -> Option<String> {
    let url = m.auth.pending.as_ref().map(|p| p.url.clone());
    if url.is_none() {
        m.set_status(StatusKind::Info, "The link is not ready yet: one moment.");
    }
    url
}

/// o: the link in a browser, where one can be opened.
pub fn open_browser(m: &mut Model) -> Vec<Cmd> {
    let Some(url) = link(m) else {
        return Vec::new();
    };
    if !m.can_open_browser {
        m.set_status(
            StatusKind::Info,
            "No browser here (SSH or no display): copy the link (c) or print it (p) and open it on your computer.",
        );
        return Vec::new();
    }
    vec![Cmd::OpenBrowser { url }]
}

/// a, in the sandbox: approve the link as the sandbox user, as a browser would.
pub fn approve(m: &mut Model) -> Vec<Cmd> {
    match link(m) {
        Some(url) => vec![Cmd::SandboxApprove { op: m.auth.op, url }],
        None => Vec::new(),
    }
}

/// n: a new link (new state and PKCE verifier); an address from the old one is refused.
pub fn new_link(m: &mut Model) -> Vec<Cmd> {
    let cmds = start(m);
    m.set_status(
        StatusKind::Ok,
        "A new link is made (new state and PKCE verifier): an address from the old one is refused.",
    );
    cmds
}
