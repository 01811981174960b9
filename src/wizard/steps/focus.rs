//! Which widgets take the focus on each screen, in Tab order, and the one way to change
//! screens (the focus goes to the first of them).

use url::Url;

use super::{credentials, done};
use crate::callback::ssh_forward_hint;
use crate::wizard::model::{Focus, Model, Step};

/// The focusable widgets of the current screen, in Tab order.
pub fn focusables(m: &Model) -> Vec<Focus> {
    match m.step {
        Step::CreateApp => vec![Focus::Place, Focus::PortalUrl],
        Step::Permissions => vec![Focus::Level, Focus::Scopes],
        Step::AppType => vec![Focus::AppType],
        Step::Urls => vec![Focus::Preset, Focus::Callback, Focus::Website],
        Step::Credentials => credentials::focusables(m),
        Step::Authorize => {
            let mut v = vec![Focus::AuthUrl, Focus::RedirectPaste];
            if ssh_hint(m).is_some() {
                v.push(Focus::SshHint);
            }
            v
        }
        Step::Done => done::focusables(m),
    }
}

/// The one way to change screens: every step change goes through here, so each starts the
/// same way — the focus on its first widget, no error shown before Enter is tried, no
/// warning taken as seen, no scroll, the Client Secret hidden again.
pub fn enter(m: &mut Model, step: Step) {
    m.step = step;
    m.focus = focusables(m).first().copied().unwrap_or(Focus::Nothing);
    m.tried = false;
    m.warned = false;
    m.typing = false;
    m.scroll = None;
    m.credentials.reveal = false;
}

/// Authorize, over SSH: the command that forwards, from the person's own computer, every port
/// on this machine the browser must reach: the link's when it is here (the sandbox's
/// emulator), and the callback's while the listener waits on it. A value to copy, so it takes
/// the focus when shown.
pub fn ssh_hint(m: &Model) -> Option<String> {
    if !m.over_ssh {
        return None;
    }
    let callback = Url::parse(m.urls.callback.value())
        .ok()
        .filter(|_| matches!(m.auth.listener, Some(Ok(_))));
    let link: Vec<u16> = link_port_here(m).into_iter().collect();
    ssh_forward_hint(callback.as_ref(), &link, m.ssh_target.as_deref())
}

/// The port of the authorization link's host when that host is this machine (the sandbox's
/// emulator on 127.0.0.1): a browser elsewhere reaches it only through a forward.
pub fn link_port_here(m: &Model) -> Option<u16> {
    let base = &m.endpoints.auth_base;
    crate::validate::is_loopback_host(base)
        .then(|| base.port_or_known_default())
        .flatten()
}
