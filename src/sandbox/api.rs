//! The slice of X's v2 API the emulator serves besides `/2/users/me`: posting, deleting and
//! listing posts, with X's rate-limit headers. Enough to try `xconnect api` offline.

use serde_json::json;

use super::state::{Grant, Shared, State, Tweet};
use crate::loopback::{Request, Response};

pub const TWEETS_PATH: &str = "/2/tweets";

/// One rate-limited endpoint, as X counts them (per user and app, per 15 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    UsersMe,
    PostTweet,
    DeleteTweet,
    UserTweets,
}

impl Endpoint {
    /// X's documented budget per 15-minute window for a user token.
    pub fn default_limit(self) -> u32 {
        match self {
            Endpoint::UsersMe => 75,
            Endpoint::PostTweet => 100,
            Endpoint::DeleteTweet => 50,
            Endpoint::UserTweets => 900,
        }
    }

    /// The scopes X requires of a user token for this endpoint.
    fn scopes(self) -> &'static [&'static str] {
        match self {
            Endpoint::UsersMe | Endpoint::UserTweets => &["tweet.read", "users.read"],
            Endpoint::PostTweet | Endpoint::DeleteTweet => {
                &["tweet.read", "tweet.write", "users.read"]
            }
        }
    }
}

/// X's 401 for a missing, unknown or expired bearer token.
pub(crate) fn unauthorized() -> Response {
    Response::problem_json(
        401,
        &json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}),
    )
}

/// X's 404 for a path it does not have.
pub(crate) fn no_such_page() -> Response {
    Response::json(
        404,
        &json!({"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}),
    )
}

fn problem(status: u16, title: &str, kind: &str, detail: &str) -> Response {
    Response::problem_json(
        status,
        &json!({"title": title, "type": kind, "status": status, "detail": detail}),
    )
}

fn invalid_request(parameter: &str, message: &str) -> Response {
    Response::problem_json(
        400,
        &json!({
            "errors": [{"parameters": {parameter: []}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
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

/// The grant behind the request's bearer token, or X's 401.
pub(crate) fn authorized(state: &State, req: &Request) -> Result<Grant, Response> {
    bearer(req)
        .and_then(|t| state.grant_for_access_token(t))
        .cloned()
        .ok_or_else(unauthorized)
}

/// Counts one call against the endpoint's window: `Err(429)` when the budget is spent. The
/// headers go on whatever the handler answers.
pub(crate) struct Metered {
    headers: [(&'static str, String); 3],
    exceeded: bool,
}

impl Metered {
    pub(crate) fn count(state: &mut State, endpoint: Endpoint, grant: &Grant) -> Metered {
        let (limit, used, reset) = state.count_call(endpoint, grant);
        Metered {
            headers: [
                ("x-rate-limit-limit", limit.to_string()),
                (
                    "x-rate-limit-remaining",
                    limit.saturating_sub(used).to_string(),
                ),
                ("x-rate-limit-reset", reset.to_string()),
            ],
            exceeded: used > limit,
        }
    }

    /// The handler's answer, or X's 429 when the budget is spent; with the headers.
    pub(crate) fn answer(self, handler: impl FnOnce() -> Response) -> Response {
        let r = if self.exceeded {
            problem(429, "Too Many Requests", "about:blank", "Too Many Requests")
        } else {
            handler()
        };
        self.headers
            .into_iter()
            .fold(r, |r, (name, value)| r.with_header(name, value))
    }
}

/// The scope check X makes after the token: missing write scopes give X's well-known
/// "not permitted"; others name the scopes.
fn missing_scopes(endpoint: Endpoint, grant: &Grant) -> Option<Response> {
    let missing: Vec<&str> = endpoint
        .scopes()
        .iter()
        .copied()
        .filter(|s| !grant.scopes.iter().any(|g| g == s))
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(if missing.contains(&"tweet.write") {
        problem(
            403,
            "Forbidden",
            "about:blank",
            "You are not permitted to perform this action.",
        )
    } else {
        problem(
            403,
            "Forbidden",
            "about:blank",
            &format!("Missing required OAuth 2.0 scopes: {}", missing.join(" ")),
        )
    })
}

/// Token (401), scopes (403), rate limit (429), then the handler.
fn guarded(
    shared: &Shared,
    req: &Request,
    endpoint: Endpoint,
    handler: impl FnOnce(&mut State, &Grant) -> Response,
) -> Response {
    let mut state = shared.lock();
    state.prune();
    let grant = match authorized(&state, req) {
        Ok(g) => g,
        Err(r) => return r,
    };
    if let Some(r) = missing_scopes(endpoint, &grant) {
        return r;
    }
    let metered = Metered::count(&mut state, endpoint, &grant);
    metered.answer(|| handler(&mut state, &grant))
}

/// `POST /2/tweets` with `{"text": "…"}`.
pub(crate) fn post_tweet(shared: &Shared, req: &Request) -> Response {
    guarded(shared, req, Endpoint::PostTweet, |state, grant| {
        let body: serde_json::Value = match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(_) => {
                return problem(
                    400,
                    "Invalid Request",
                    "https://api.twitter.com/2/problems/invalid-request",
                    "The request body is not valid JSON.",
                )
            }
        };
        let Some(text) = body.get("text").and_then(|t| t.as_str()) else {
            return invalid_request("text", "$.text: is missing but it is required");
        };
        if text.trim().is_empty() {
            return invalid_request("text", "$.text: must not be empty");
        }
        if text.chars().count() > 280 {
            return problem(
                403,
                "Forbidden",
                "about:blank",
                "Your Tweet text is too long.",
            );
        }
        let author = grant.user.id.clone();
        if state
            .tweets
            .iter()
            .any(|t| t.author_id == author && t.text == text)
        {
            return problem(
                403,
                "Forbidden",
                "about:blank",
                "You are not allowed to create a Tweet with duplicate content.",
            );
        }
        let id = state.new_tweet(&author, text);
        Response::json(
            201,
            &json!({"data": {"id": id, "edit_history_tweet_ids": [id], "text": text}}),
        )
    })
}

/// `DELETE /2/tweets/:id`: only the author's own posts.
pub(crate) fn delete_tweet(shared: &Shared, req: &Request, id: &str) -> Response {
    guarded(shared, req, Endpoint::DeleteTweet, |state, grant| {
        let found = state
            .tweets
            .iter()
            .position(|t| t.id == id && t.author_id == grant.user.id);
        match found {
            Some(i) => {
                state.tweets.remove(i);
                Response::json(200, &json!({"data": {"deleted": true}}))
            }
            None => problem(
                404,
                "Not Found Error",
                "https://api.twitter.com/2/problems/resource-not-found",
                &format!("Could not find tweet with id: [{id}]."),
            ),
        }
    })
}

/// `GET /2/users/:id/tweets?max_results=N&pagination_token=T`: newest first, in pages.
pub(crate) fn user_tweets(shared: &Shared, req: &Request, user_id: &str) -> Response {
    guarded(shared, req, Endpoint::UserTweets, |state, _grant| {
        let q = req.query_pairs();
        let param = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let max = match param("max_results").map(str::parse::<usize>) {
            None => 10,
            Some(Ok(n)) if (5..=100).contains(&n) => n,
            Some(_) => {
                return invalid_request(
                    "max_results",
                    "The `max_results` query parameter value is not between 5 and 100",
                )
            }
        };
        let start = match param("pagination_token") {
            None => 0,
            Some(t) => match parse_page_token(t) {
                Some(n) => n,
                None => {
                    return invalid_request(
                        "pagination_token",
                        "The `pagination_token` query parameter value is not valid",
                    )
                }
            },
        };
        let mine: Vec<&Tweet> = state
            .tweets
            .iter()
            .rev()
            .filter(|t| t.author_id == user_id)
            .collect();
        let page: Vec<&Tweet> = mine.iter().skip(start).take(max).copied().collect();
        let mut meta = json!({"result_count": page.len()});
        if let (Some(first), Some(last)) = (page.first(), page.last()) {
            meta["newest_id"] = json!(first.id);
            meta["oldest_id"] = json!(last.id);
        }
        let next = start.saturating_add(page.len());
        if next < mine.len() {
            meta["next_token"] = json!(page_token(next));
        }
        let mut body = json!({"meta": meta});
        if !page.is_empty() {
            body["data"] = json!(page
                .iter()
                .map(|t| json!({"id": t.id, "text": t.text, "edit_history_tweet_ids": [t.id]}))
                .collect::<Vec<_>>());
        }
        Response::json(200, &body)
    })
}

/// X's tokens are opaque; the emulator's say where the next page starts.
fn page_token(offset: usize) -> String {
    format!("7140dibdnow9c7btw{offset:x}")
}

fn parse_page_token(t: &str) -> Option<usize> {
    usize::from_str_radix(t.strip_prefix("7140dibdnow9c7btw")?, 16).ok()
}

/// Which API handler answers, if any: `(method, path)` with ids in the path.
pub(crate) fn route(shared: &Shared, req: &Request) -> Option<Response> {
    let path = req.path();
    match req.method.as_str() {
        "POST" if path == TWEETS_PATH => Some(post_tweet(shared, req)),
        "DELETE" => {
            let id = path.strip_prefix("/2/tweets/")?;
            is_id(id).then(|| delete_tweet(shared, req, id))
        }
        "GET" => {
            let id = path.strip_prefix("/2/users/")?.strip_suffix("/tweets")?;
            is_id(id).then(|| user_tweets(shared, req, id))
        }
        _ => None,
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_refuse_others() {
        for n in [0, 1, 10, 12345] {
            assert_eq!(parse_page_token(&page_token(n)), Some(n));
        }
        assert_eq!(parse_page_token("abc"), None);
        assert_eq!(parse_page_token("7140dibdnow9c7btwzz"), None);
    }
}
