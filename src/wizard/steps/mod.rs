//! One file per screen: what it draws, what its own keys do, and what it checks before the
//! wizard moves on; `focus` says which widgets take the focus (and changes screens), `shared` is
//! what the screens draw with. The screens use `focus` and `shared`, never this file, so
//! nothing here goes round in a circle.

pub mod app_type;
pub mod authorize;
pub mod create_app;
pub mod credentials;
pub mod done;
pub mod focus;
pub mod permissions;
pub mod shared;
pub mod urls;

use super::model::{Cmd, Focus, Model, Step};
use super::widgets::body::Body;
use crate::validate::Check;

/// To Authorize: a new attempt starts (link, listener) as the screen opens.
pub fn go_authorize(m: &mut Model) -> Vec<Cmd> {
    focus::enter(m, Step::Authorize);
    authorize::start(m)
}

/// Draws the current screen's body.
pub fn render(m: &Model, body: &mut Body) {
    match m.step {
        Step::CreateApp => create_app::render(m, body),
        Step::Permissions => permissions::render(m, body),
        Step::AppType => app_type::render(m, body),
        Step::Urls => urls::render(m, body),
        Step::Credentials => credentials::render(m, body),
        Step::Authorize => authorize::render(m, body),
        Step::Done => done::render(m, body),
    }
}

/// The list that has the focus, if one does: (the item chosen, how many there are).
pub fn list(m: &Model) -> Option<(usize, usize)> {
    match m.focus {
        Focus::Place => Some((m.place, crate::guide::guide().place.len())),
        Focus::Level => Some(permissions::level_list(m)),
        Focus::AppType => Some(app_type::list(m)),
        Focus::Preset => Some((m.urls.preset, crate::presets::presets().len())),
        _ => None,
    }
}

/// Chooses item `i` of the focused list, as its screen does (a level brings its scopes, a
/// preset its values); the item already chosen changes nothing.
pub fn choose(m: &mut Model, i: usize) {
    if list(m).is_some_and(|(now, _)| now == i) {
        return;
    }
    match m.focus {
        Focus::Place => create_app::choose(m, i),
        Focus::Level => permissions::choose_level(m, i),
        Focus::AppType => app_type::choose(m, i),
        Focus::Preset => urls::choose(m, i),
        _ => {}
    }
}

/// Called after a text field changed.
pub fn on_edit(m: &mut Model) {
    if m.step == Step::Urls {
        urls::on_edit(m);
    }
}

/// What the screen's fields hold that is wrong (errors) or odd (warnings), by widget.
pub fn checks(m: &Model) -> Vec<(Focus, Check)> {
    match m.step {
        Step::Permissions => permissions::checks(m),
        Step::Urls => urls::checks(m),
        Step::Credentials => credentials::checks(m),
        _ => Vec::new(),
    }
}

/// The value the focused widget offers to copy or print: (what it is, the text).
pub fn copy_target(m: &Model) -> Option<(String, String)> {
    let v = |what: &str, text: &str| Some((what.to_string(), text.to_string()));
    match m.focus {
        Focus::Place | Focus::PortalUrl => {
            let place = crate::guide::guide().place(m.place);
            v(&format!("{} address", place.label), &place.url)
        }
        Focus::Scopes | Focus::Level => v("Scopes", &m.permissions.scopes.join(" ")),
        Focus::Callback => v("Callback URL", m.urls.callback.value()),
        Focus::Website => v("Website URL", m.urls.website.value()),
        Focus::ClientId => v("Client ID", m.credentials.client_id.value()),
        Focus::Secret if m.credentials.reveal => v("Client Secret", m.credentials.secret.value()),
        Focus::AuthUrl | Focus::RedirectPaste => m
            .auth
            .pending
            .as_ref()
            .and_then(|p| v("Authorization link", &p.url)),
        Focus::SshHint => focus::ssh_hint(m).map(|h| ("SSH command".to_string(), h)),
        Focus::HandoffClientId => m
            .outcome
            .as_ref()
            .and_then(|o| v("Client ID", &o.profile.app.client_id)),
        // Copying does not show it: the secret goes to the service's form unseen.
        Focus::HandoffSecret => m
            .outcome
            .as_ref()
            .and_then(|o| o.profile.app.client_secret.as_deref())
            .and_then(|s| v("Client Secret", s)),
        Focus::ProfilePath => m
            .outcome
            .as_ref()
            .and_then(|o| v("Profile path", &o.path.display().to_string())),
        _ => None,
    }
    .filter(|(_, text)| !text.is_empty())
}

/// Whether the focused widget offers a copy key: when it holds a value, and in the text
/// fields always (an empty one says so), so the keys shown do not change as a field fills.
pub fn offers_copy(m: &Model) -> bool {
    matches!(m.focus, Focus::Callback | Focus::Website | Focus::ClientId)
        || copy_target(m).is_some()
}
