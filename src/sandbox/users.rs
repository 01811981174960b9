//! `GET /2/users/me`.

use serde_json::json;

use super::api::{authorized, unauthorized, Endpoint, Metered};
use super::scopes::USERS_ME_SCOPES;
use super::state::Shared;
use crate::loopback::{Request, Response};

pub const USERS_ME_PATH: &str = "/2/users/me";

/// X's `client-not-enrolled` detail, word for word.
pub const CLIENT_NOT_ENROLLED_DETAIL: &str = "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.";

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

/// Order of checks: token (401), app enrolment (403 client-not-enrolled),
/// scopes (403), rate limit (429).
pub(crate) fn handle_users_me(shared: &Shared, req: &Request) -> Response {
    let mut state = shared.lock();
    state.prune();
    state.stats.users_me_calls += 1;
    let grant = match authorized(&state, req) {
        Ok(g) => g,
        Err(r) => return r,
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
    let metered = Metered::count(&mut state, Endpoint::UsersMe, &grant);
    if let Some(r) = super::api::plan_refusal(&mut state) {
        state.stats.plan_refusals += 1;
        return metered.with_headers(r);
    }
    if metered.exceeded {
        state.stats.rate_limited += 1;
    }
    metered.answer(|| {
        Response::json(
            200,
            &json!({"data": {"id": grant.user.id, "name": grant.user.name, "username": grant.user.username}}),
        )
    })
}
