//! Step 5: the OAuth 2.0 Client ID, and the Client Secret for a confidential app.

use super::shared::{fields_beside, render_field, render_intro, render_outro, say, value_column};
use crate::validate::{check_client_id, check_client_secret, Check};
use crate::wizard::model::{Focus, Model};
use crate::wizard::widgets::body::Body;

const LABEL_W: usize = 13;

pub fn focusables(m: &Model) -> Vec<Focus> {
    if m.app_type.is_confidential() {
        vec![Focus::ClientId, Focus::Secret, Focus::ProfileName]
    } else {
        vec![Focus::ClientId, Focus::ProfileName]
    }
}

pub fn render(m: &Model, body: &mut Body) {
    let checks = checks(m);
    render_intro(m, body);
    body.blank();
    let c = &m.credentials;
    let mut fields = vec![&c.client_id, &c.profile];
    if m.app_type.is_confidential() {
        fields.push(&c.secret);
    }
    let beside = fields_beside(body, LABEL_W, &fields);
    let column = " ".repeat(value_column(LABEL_W, beside));
    render_field(
        m,
        body,
        &checks,
        Focus::ClientId,
        "Client ID",
        LABEL_W,
        &c.client_id,
        beside,
    );
    if m.app_type.is_confidential() {
        render_field(
            m,
            body,
            &checks,
            Focus::Secret,
            "Client Secret",
            LABEL_W,
            &c.secret,
            beside,
        );
        let hint = if c.reveal {
            "Ctrl-R hides the secret again."
        } else {
            "The secret is masked: Ctrl-R shows it."
        };
        let style = body.theme.dim();
        body.prefixed(&column, hint, style);
        // X shows a Client Secret once.
        let words = &crate::guide::guide().handoff;
        body.prefixed(&column, &say(m, &words.secret_once), style);
    } else {
        let style = body.theme.dim();
        body.prefixed(
            &format!("  {:<LABEL_W$} ", "Client Secret"),
            "not needed: a Native App (public client) uses PKCE alone. Esc goes back to change the app type.",
            style,
        );
    }
    body.blank();
    render_field(
        m,
        body,
        &checks,
        Focus::ProfileName,
        "Profile name",
        LABEL_W,
        &c.profile,
        beside,
    );
    if m.sandbox {
        body.blank();
        let style = body.theme.warning();
        body.prefixed(
            "  ",
            "Sandbox: no X account is used. Any Client ID works (the sandbox registers the app as described); for a Web App any secret works too.",
            style,
        );
    }
    render_outro(m, body);
}

pub fn checks(m: &Model) -> Vec<(Focus, Check)> {
    let mut v = vec![(
        Focus::ClientId,
        check_client_id(m.credentials.client_id.value()),
    )];
    if m.app_type.is_confidential() {
        v.push((
            Focus::Secret,
            check_client_secret(m.credentials.secret.value()),
        ));
    }
    v.push((
        Focus::ProfileName,
        match crate::profile::check_name(m.credentials.profile.value()) {
            Ok(()) => Check::Ok,
            Err(e) => Check::Error(e),
        },
    ));
    v
}
