//! A [`Session`] (the wizard's state without secrets, made by [`Model::session`]) back into
//! the wizard, and a saved profile's settings into its fields.

use super::model::{Model, Step};
use super::steps::{focus, urls};
use crate::session::Session;
use crate::x::scopes::ALL_SCOPES;
use crate::x::{AppType, Permission};

/// The step a session resumes at: where it stopped, but never past Credentials (a secret is
/// not kept, and a new authorization link is needed anyway).
pub fn step_of(s: &Session) -> Step {
    let stopped = Step::ALL
        .into_iter()
        .find(|st| st.id() == s.step)
        .unwrap_or(Step::CreateApp);
    if stopped.index() > Step::Credentials.index() {
        Step::Credentials
    } else {
        stopped
    }
}

/// What resuming brings back, in words for the menu: the step, and what is filled in.
pub fn restores(s: &Session) -> String {
    let step = step_of(s);
    let title = &crate::guide::guide().step(step.id()).title;
    let stopped_later = Step::ALL
        .into_iter()
        .find(|st| st.id() == s.step)
        .is_some_and(|st| st.index() > step.index());
    let mut what = format!("step {} · {title}", step.index() + 1);
    if !s.client_id.is_empty() {
        what.push_str(", Client ID filled in");
    }
    if s.app_type.is_confidential() {
        what.push_str("; the Client Secret is asked again");
    }
    if stopped_later {
        what.push_str("; Enter makes a new link");
    }
    what
}

/// The app's settings as the wizard's fields hold them (no secret).
pub struct AppFields<'a> {
    pub scopes: &'a [String],
    pub app_type: AppType,
    pub callback_url: &'a str,
    pub website_url: &'a str,
    pub client_id: &'a str,
    pub profile: &'a str,
}

/// Fills the wizard's fields, as if typed: a resumed session and a saved profile both use it.
/// The permission level is the one whose scopes are exactly these, else the lowest that
/// grants them all.
pub fn fill(m: &mut Model, f: &AppFields<'_>) {
    let scopes: Vec<&'static str> = ALL_SCOPES
        .iter()
        .copied()
        .filter(|x| f.scopes.iter().any(|y| y == x))
        .collect();
    m.permissions.level = Permission::ALL
        .into_iter()
        .find(|l| {
            let implied = l.scopes();
            implied.len() == scopes.len() && implied.iter().all(|x| scopes.contains(x))
        })
        .unwrap_or_else(|| {
            scopes
                .iter()
                .map(|s| Permission::needed_for(s))
                .max()
                .unwrap_or_default()
        });
    if !scopes.is_empty() {
        m.permissions.scopes = scopes;
    }
    m.app_type = f.app_type;
    m.urls.callback.set(f.callback_url);
    m.urls.website.set(f.website_url);
    urls::on_edit(m);
    m.credentials.client_id.set(f.client_id);
    if !f.profile.is_empty() {
        m.credentials.profile.set(f.profile);
    }
    m.touched = true;
}

/// Puts a session's values back, as if typed, and goes to its step.
pub fn apply(m: &mut Model, s: &Session) {
    fill(
        m,
        &AppFields {
            scopes: &s.scopes,
            app_type: s.app_type,
            callback_url: &s.callback_url,
            website_url: &s.website_url,
            client_id: &s.client_id,
            profile: &s.profile,
        },
    );
    m.place = crate::guide::guide()
        .place
        .iter()
        .position(|p| p.id == s.place)
        .unwrap_or(0);
    focus::enter(m, step_of(s));
}
