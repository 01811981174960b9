//! Which handler answers which request.

use super::api;
use super::authorize::{self, AUTHORIZE_PATH, DECIDE_PATH};
use super::pages;
use super::state::Shared;
use super::token::{self, REVOKE_PATH, TOKEN_PATH};
use super::users::{self, USERS_ME_PATH};
use crate::loopback::{Request, Response};

pub(crate) fn handle(shared: &Shared, req: &Request) -> Response {
    match (req.method.as_str(), req.path()) {
        ("GET", AUTHORIZE_PATH) => authorize::handle_authorize(shared, req),
        ("POST", DECIDE_PATH) => authorize::handle_decide(shared, req),
        ("POST", TOKEN_PATH) => token::handle_token(shared, req),
        ("POST", REVOKE_PATH) => token::handle_revoke(shared, req),
        ("GET", USERS_ME_PATH) => users::handle_users_me(shared, req),
        ("GET", "/") => Response::html(200, pages::index_page(AUTHORIZE_PATH)),
        _ => api::route(shared, req).unwrap_or_else(api::no_such_page),
    }
}
