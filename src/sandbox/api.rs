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
    /// `initialize`, `append` and `finalize`.
    MediaUpload,
    /// `GET /2/media/upload?command=STATUS`.
    MediaStatus,
}

impl Endpoint {
    /// X's documented budget per 15-minute window for a user token.
    pub fn default_limit(self) -> u32 {
        match self {
            Endpoint::UsersMe => 75,
            Endpoint::PostTweet => 100,
            Endpoint::DeleteTweet => 50,
            Endpoint::UserTweets => 900,
            Endpoint::MediaUpload => 500,
            Endpoint::MediaStatus => 1000,
        }
    }

    /// The scopes X requires of a user token for this endpoint.
    fn scopes(self) -> &'static [&'static str] {
        match self {
            Endpoint::UsersMe | Endpoint::UserTweets => &["tweet.read", "users.read"],
            Endpoint::PostTweet | Endpoint::DeleteTweet => {
                &["tweet.read", "tweet.write", "users.read"]
            }
            Endpoint::MediaUpload | Endpoint::MediaStatus => &["media.write"],
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
    pub(crate) exceeded: bool,
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
        self.with_headers(r)
    }

    /// `r` with the rate-limit headers.
    pub(crate) fn with_headers(self, r: Response) -> Response {
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
pub(crate) fn guarded(
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
    if let Some(r) = plan_refusal(&mut state) {
        state.stats.plan_refusals += 1;
        // The rate-limit headers still show room: a cap is not a rate limit.
        return metered.with_headers(r);
    }
    if metered.exceeded {
        state.stats.rate_limited += 1;
    }
    metered.answer(|| handler(&mut state, &grant))
}

/// What X answers when the plan stops a call: a reached usage cap (429 with its problem
/// type, the body X sends: xdevplatform/xdk#25), or no pay-per-use credits left (402; X's
/// exact words for it are not known, the status is); else the call is paid for.
pub(crate) fn plan_refusal(state: &mut State) -> Option<Response> {
    if let Some((period, scope)) = &state.usage_cap {
        return Some(Response::problem_json(
            429,
            &json!({
                "title": "UsageCapExceeded",
                "detail": format!("Usage cap exceeded: {period} {} cap", scope.to_lowercase()),
                "period": period,
                "scope": scope,
                "type": "https://api.twitter.com/2/problems/usage-capped",
            }),
        ));
    }
    match &mut state.credits {
        Some(0) => Some(problem(
            402,
            "CreditsDepleted",
            "https://api.twitter.com/2/problems/credits-depleted",
            "Your enrolled account does not have any credits to fulfill this request.",
        )),
        Some(left) => {
            *left -= 1;
            None
        }
        None => None,
    }
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
        let media_ids: Option<Vec<String>> = match body.get("media") {
            None => None,
            Some(m) => match m.get("media_ids").and_then(|v| v.as_array()) {
                Some(ids) if ids.iter().all(|i| i.is_string()) => Some(
                    ids.iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect(),
                ),
                _ => {
                    return invalid_request(
                        "media.media_ids",
                        "$.media.media_ids: is missing but it is required",
                    )
                }
            },
        };
        let text = match body.get("text") {
            Some(t) => match t.as_str() {
                Some(t) => t,
                None => return invalid_request("text", "$.text: must be a string"),
            },
            None if media_ids.is_some() => "",
            None => return invalid_request("text", "$.text: is missing but it is required"),
        };
        if text.trim().is_empty() && media_ids.is_none() {
            return invalid_request("text", "$.text: must not be empty");
        }
        if crate::x::post::weighted_length(text) > crate::x::post::MAX_WEIGHT {
            return problem(
                403,
                "Forbidden",
                "about:blank",
                "Your Tweet text is too long.",
            );
        }
        let media_keys = match &media_ids {
            Some(ids) => match super::media::attach(state, grant, ids) {
                Ok(keys) => keys,
                Err(r) => return r,
            },
            None => Vec::new(),
        };
        let reply_to = match body.get("reply") {
            None => None,
            Some(r) => match r.get("in_reply_to_tweet_id").and_then(|v| v.as_str()) {
                Some(id) => Some(id.to_string()),
                None => {
                    return invalid_request(
                        "reply.in_reply_to_tweet_id",
                        "$.reply.in_reply_to_tweet_id: is missing but it is required",
                    )
                }
            },
        };
        if let Some(parent) = &reply_to {
            if let Some(refusal) = reply_refusal(state, grant, parent) {
                return refusal;
            }
        }
        let author = grant.user.id.clone();
        if !text.trim().is_empty()
            && state
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
        let id = state.new_post(&author, text, media_keys, reply_to);
        Response::json(
            201,
            &json!({"data": {"id": id, "edit_history_tweet_ids": [id], "text": text}}),
        )
    })
}

/// X's words when a reply may not be made: the post is gone, or (since 2026-02-23) the
/// replier was not summoned: the post is neither the replier's own nor mentions them.
pub const REPLY_NOT_ALLOWED: &str = "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.";

fn reply_refusal(state: &State, grant: &Grant, parent: &str) -> Option<Response> {
    let Some(p) = state.tweets.iter().find(|t| t.id == parent) else {
        return Some(problem(
            403,
            "Forbidden",
            "about:blank",
            "You attempted to reply to a Tweet that is deleted or not visible to you.",
        ));
    };
    let mention = format!("@{}", grant.user.username.to_ascii_lowercase());
    let summoned = p.author_id == grant.user.id
        || p.text
            .to_ascii_lowercase()
            .split(|c: char| c.is_whitespace() || ",.:;!?()".contains(c))
            .any(|w| w == mention);
    (!summoned).then(|| problem(403, "Forbidden", "about:blank", REPLY_NOT_ALLOWED))
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
        let fields = param("tweet.fields").unwrap_or("");
        let asked = |f: &str| fields.split(',').any(|x| x.trim() == f);
        let shown = |t: &Tweet| {
            let mut v = json!({"id": t.id, "text": t.text, "edit_history_tweet_ids": [t.id]});
            if asked("attachments") && !t.media_keys.is_empty() {
                v["attachments"] = json!({"media_keys": t.media_keys});
            }
            if let Some(parent) = &t.in_reply_to {
                if asked("referenced_tweets") {
                    v["referenced_tweets"] = json!([{"type": "replied_to", "id": parent}]);
                }
                if asked("in_reply_to_user_id") {
                    let to = state.tweets.iter().find(|p| &p.id == parent);
                    if let Some(p) = to {
                        v["in_reply_to_user_id"] = json!(p.author_id);
                    }
                }
            }
            v
        };
        let mut body = json!({"meta": meta});
        if !page.is_empty() {
            body["data"] = json!(page.iter().map(|t| shown(t)).collect::<Vec<_>>());
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
        _ if path.starts_with(super::media::UPLOAD_PREFIX) => super::media::route(shared, req),
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
