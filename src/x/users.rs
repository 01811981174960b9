//! `GET /2/users/me`: the proof that a token works, and whose it is.

use serde::Deserialize;

use super::http::{quote, rate_limit_reset, read_body, transport, HttpFailure};
use super::{Endpoints, XError};
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub name: String,
}

#[derive(Deserialize)]
struct Me {
    data: Account,
}

#[derive(Deserialize, Default)]
struct Problem {
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    reason: String,
}

pub async fn me(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    access_token: &Secret,
) -> Result<Account, XError> {
    let response = http
        .get(endpoints.users_me())
        .bearer_auth(access_token.expose())
        .send()
        .await
        .map_err(|e| transport(&e))?;
    let status = response.status().as_u16();
    let reset = rate_limit_reset(response.headers());
    let body = read_body(response)
        .await
        .map_err(HttpFailure::into_xerror)?;
    let problem = || serde_json::from_slice::<Problem>(&body).unwrap_or_default();
    match status {
        // What X says is shown on screen: no control characters reach the terminal.
        200 => serde_json::from_slice::<Me>(&body)
            .map(|m| Account {
                id: super::error::clean(&m.data.id),
                username: super::error::clean(&m.data.username),
                name: super::error::clean(&m.data.name),
            })
            .map_err(|e| XError::BadResponse(format!("/2/users/me: {e}"))),
        401 => Err(XError::Unauthorized),
        403 => {
            let p = problem();
            if p.reason == "client-not-enrolled" {
                Err(XError::NotEnrolled)
            } else {
                let text = if p.detail.is_empty() {
                    p.title
                } else {
                    p.detail
                };
                Err(XError::Forbidden(quote(
                    text.as_bytes(),
                    &[access_token.expose()],
                )))
            }
        }
        429 => Err(XError::RateLimited { reset }),
        s => Err(XError::Status {
            status: s,
            detail: quote(problem().title.as_bytes(), &[access_token.expose()]),
        }),
    }
}
