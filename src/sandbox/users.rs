//! `GET /2/users/me`.

use serde_json::json;

use super::scopes::USERS_ME_SCOPES;
use super::state::{Shared, USERS_ME_LIMIT, USERS_ME_WINDOW};
use crate::http::{Request, Response};

pub const USERS_ME_PATH: &str = "/2/users/me";

/// X's `client-not-enrolled` detail, word for word.
pub const CLIENT_NOT_ENROLLED_DETAIL: &str = "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.";

fn unauthorized() -> Response {
    Response::problem_json(
        401,
        &json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}),
    )
}

fn client_not_enrolled() -> Response {
    Response::problem_json(
        403,
        &json!({
            "title": "Client Forbidden",
            "type": "https://api.twitter.com/2/problems/client-forbidden",
            "reason": "client-not-enrolled",
            "detail": CLIENT_NOT_ENROLLED_DETAIL,
            "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
            "required_enrollment": "Appropriate Level of API Access",
        }),
    )
}

fn missing_scopes(missing: &[&str]) -> Response {
    Response::problem_json(
        403,
        &json!({
            "title": "Forbidden",
            "type": "about:blank",
            "status": 403,
            "detail": format!("Missing required OAuth 2.0 scopes: {}", missing.join(" ")),
        }),
    )
}

fn bearer(req: &Request) -> Option<&str> {
    let (scheme, token) = req.header("authorization")?.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Order of checks: token (401), app enrolment (403 client-not-enrolled),
/// scopes (403), rate limit (429).
pub(crate) fn handle_users_me(shared: &Shared, req: &Request) -> Response {
    let mut state = shared.lock();
    state.prune();
    state.stats.users_me_calls += 1;
    let Some(token) = bearer(req) else {
        return unauthorized();
    };
    let Some(grant) = state.grant_for_access_token(token).cloned() else {
        return unauthorized();
    };
    let Some(app) = state.apps.get(&grant.client_id) else {
        return unauthorized();
    };
    if !app.enrolled {
        return client_not_enrolled();
    }
    let missing: Vec<&str> = USERS_ME_SCOPES
        .iter()
        .copied()
        .filter(|s| !grant.scopes.iter().any(|g| g == s))
        .collect();
    if !missing.is_empty() {
        return missing_scopes(&missing);
    }

    let now = state.now();
    let key = (grant.client_id.clone(), grant.user.id.clone());
    let window = state.users_me_windows.entry(key).or_insert((now, 0));
    if now.saturating_sub(window.0) >= USERS_ME_WINDOW {
        *window = (now, 0);
    }
    window.1 = window.1.saturating_add(1);
    let (start, used) = *window;
    let reset = state
        .clock
        .unix(start + USERS_ME_WINDOW)
        .as_secs()
        .to_string();
    let remaining = USERS_ME_LIMIT.saturating_sub(used).to_string();
    let response = if used > USERS_ME_LIMIT {
        Response::problem_json(
            429,
            &json!({"title": "Too Many Requests", "type": "about:blank", "status": 429, "detail": "Too Many Requests"}),
        )
    } else {
        Response::json(
            200,
            &json!({"data": {"id": grant.user.id, "name": grant.user.name, "username": grant.user.username}}),
        )
    };
    response
        .with_header("x-rate-limit-limit", USERS_ME_LIMIT.to_string())
        .with_header("x-rate-limit-remaining", remaining)
        .with_header("x-rate-limit-reset", reset)
}
