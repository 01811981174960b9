//! The browser side: `GET /i/oauth2/authorize` (checks, consent page) and
//! `POST /i/oauth2/authorize/decide` (Authorize / Cancel → redirect).
//! `Sandbox::approve` / `deny` run the very same two steps in-process.

use super::pages::{self, ConsentView};
use super::scopes;
use super::state::{Pending, Shared, State, PENDING_LIFETIME};
use super::{RejectReason, SandboxError};
use crate::loopback::{Request, Response};

pub const AUTHORIZE_PATH: &str = "/i/oauth2/authorize";
pub const DECIDE_PATH: &str = "/i/oauth2/authorize/decide";

/// Longest `state` X accepts.
pub const MAX_STATE_LEN: usize = 500;

fn reject(reason: RejectReason, detail: impl Into<String>) -> SandboxError {
    SandboxError {
        reason,
        detail: detail.into(),
    }
}

/// The one value of a parameter; giving it twice is refused (emulator choice).
fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, SandboxError> {
    let mut found = pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(reject(
            RejectReason::Malformed,
            format!("the parameter {name} was given more than once"),
        ));
    }
    Ok(first)
}

fn is_base64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A callback URL the emulator is willing to redirect to.
fn redirect_uri_is_usable(uri: &str) -> Result<(), String> {
    if uri.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err("the callback URL contains spaces or control characters".into());
    }
    if uri.contains('#') {
        return Err("the callback URL contains a fragment (#)".into());
    }
    let parsed =
        url::Url::parse(uri).map_err(|e| format!("the callback URL is not a URL ({e})"))?;
    if matches!(parsed.scheme(), "javascript" | "data" | "file") {
        return Err(format!(
            "callback URLs with the scheme {}: are not allowed",
            parsed.scheme()
        ));
    }
    Ok(())
}

/// Everything a valid authorize request carries.
struct Checked {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: String,
    code_challenge: String,
}

fn check(state: &State, pairs: &[(String, String)]) -> Result<Checked, SandboxError> {
    let client_id = single(pairs, "client_id")?.unwrap_or("");
    if client_id.is_empty() {
        return Err(reject(RejectReason::UnknownClient, "client_id is missing"));
    }
    let app = state.apps.get(client_id).ok_or_else(|| {
        reject(
            RejectReason::UnknownClient,
            format!("no app has the Client ID {client_id:?}"),
        )
    })?;

    let redirect_uri = single(pairs, "redirect_uri")?.unwrap_or("");
    if redirect_uri.is_empty() {
        return Err(reject(RejectReason::RedirectUri, "redirect_uri is missing"));
    }
    if !app.callback_urls.iter().any(|u| u == redirect_uri) {
        return Err(reject(
            RejectReason::RedirectUri,
            format!(
                "the redirect_uri \"{redirect_uri}\" is not one of this app's callback URLs (they must match exactly): {}",
                app.callback_urls
                    .iter()
                    .map(|u| format!("\"{u}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    redirect_uri_is_usable(redirect_uri).map_err(|d| reject(RejectReason::RedirectUri, d))?;

    match single(pairs, "response_type")? {
        Some("code") => {}
        other => {
            return Err(reject(
                RejectReason::Malformed,
                format!("response_type must be \"code\", got {other:?}"),
            ))
        }
    }

    let scope = single(pairs, "scope")?.unwrap_or("");
    let mut granted: Vec<String> = Vec::new();
    for name in scope.split([' ', '\t']).filter(|s| !s.is_empty()) {
        if !scopes::is_known(name) {
            return Err(reject(
                RejectReason::Scope,
                format!("unknown scope {name:?}"),
            ));
        }
        if !granted.iter().any(|g| g == name) {
            granted.push(name.to_string());
        }
    }
    if granted.is_empty() {
        return Err(reject(RejectReason::Scope, "scope is missing or empty"));
    }
    // The portal's App permissions bound what the consent grants: an app set to Read gets
    // no write scopes, whatever the link asked for.
    granted.retain(|s| app.permission.allows(s));

    let st = single(pairs, "state")?.unwrap_or("");
    if st.is_empty() {
        return Err(reject(RejectReason::State, "state is missing"));
    }
    if st.chars().count() > MAX_STATE_LEN {
        return Err(reject(
            RejectReason::State,
            format!("state is longer than {MAX_STATE_LEN} characters"),
        ));
    }

    match single(pairs, "code_challenge_method")? {
        Some("S256") => {}
        Some("plain") => {
            return Err(reject(
                RejectReason::Pkce,
                "code_challenge_method=plain is not accepted by this sandbox; use S256",
            ))
        }
        other => {
            return Err(reject(
                RejectReason::Pkce,
                format!("code_challenge_method must be S256, got {other:?}"),
            ))
        }
    }
    let challenge = single(pairs, "code_challenge")?.unwrap_or("");
    if challenge.len() != 43 || !is_base64url(challenge) {
        return Err(reject(
            RejectReason::Pkce,
            "code_challenge must be the 43-character base64url SHA-256 of the code verifier",
        ));
    }

    Ok(Checked {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        scopes: granted,
        state: st.to_string(),
        code_challenge: challenge.to_string(),
    })
}

/// Checks an authorize request and, when valid, records it as awaiting the
/// user's answer. Returns the pending id and the consent page.
pub(crate) fn begin(
    state: &mut State,
    pairs: &[(String, String)],
) -> Result<(String, String), SandboxError> {
    state.prune();
    let checked = match check(state, pairs) {
        Ok(c) => c,
        Err(e) => {
            state.stats.authorize_errors += 1;
            return Err(e);
        }
    };
    state.stats.authorize_requests += 1;
    let pending_id = super::ids::pending_request_id();
    let page = pages::consent_page(&ConsentView {
        pending_id: &pending_id,
        client_id: &checked.client_id,
        redirect_uri: &checked.redirect_uri,
        scopes: &checked.scopes,
        user: &state.user,
        decide_path: DECIDE_PATH,
    });
    let created = state.now();
    state.add_pending(
        pending_id.clone(),
        Pending {
            client_id: checked.client_id,
            redirect_uri: checked.redirect_uri,
            scopes: checked.scopes,
            state: checked.state,
            code_challenge: checked.code_challenge,
            created,
        },
    );
    Ok((pending_id, page))
}

/// The user's answer to a pending request: the URL the browser is sent to.
pub(crate) fn decide(
    state: &mut State,
    pending_id: &str,
    allow: bool,
) -> Result<String, SandboxError> {
    state.prune();
    let pending = state.pending.remove(pending_id).ok_or_else(|| {
        reject(
            RejectReason::RequestExpired,
            format!(
                "this authorization request is unknown, already answered, or older than {} minutes",
                PENDING_LIFETIME.as_secs() / 60
            ),
        )
    })?;
    if !allow {
        state.stats.denials += 1;
        return Ok(redirect_with(
            &pending.redirect_uri,
            &[("error", "access_denied"), ("state", &pending.state)],
        ));
    }
    state.stats.approvals += 1;
    let redirect_uri = pending.redirect_uri.clone();
    let st = pending.state.clone();
    let code = state.new_code(pending);
    Ok(redirect_with(
        &redirect_uri,
        &[("code", &code), ("state", &st)],
    ))
}

/// Appends query parameters to a callback URL, keeping its own query (and a
/// fragment, if one slipped through) intact.
pub fn redirect_with(uri: &str, params: &[(&str, &str)]) -> String {
    let (base, fragment) = match uri.find('#') {
        Some(i) => uri.split_at(i),
        None => (uri, ""),
    };
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let mut out = base.to_string();
    if !out.contains('?') {
        out.push('?');
    } else if !out.ends_with('?') && !out.ends_with('&') {
        out.push('&');
    }
    out.push_str(&encoded);
    out.push_str(fragment);
    out
}

/// `approve` / `deny`: the sandbox user opens `authorize_url` and answers.
pub(crate) fn answer_in_process(
    shared: &Shared,
    authorize_url: &str,
    allow: bool,
) -> Result<String, SandboxError> {
    let parsed = url::Url::parse(authorize_url)
        .or_else(|_| url::Url::parse("http://sandbox.invalid")?.join(authorize_url))
        .map_err(|e| reject(RejectReason::Malformed, format!("not a URL: {e}")))?;
    if parsed.path() != AUTHORIZE_PATH {
        return Err(reject(
            RejectReason::Malformed,
            format!(
                "not an authorize URL: the path is {:?}, expected {AUTHORIZE_PATH:?}",
                parsed.path()
            ),
        ));
    }
    let pairs = crate::loopback::parse_form(parsed.query().unwrap_or("").as_bytes());
    let mut state = shared.lock();
    let (pending_id, _page) = begin(&mut state, &pairs)?;
    decide(&mut state, &pending_id, allow)
}

pub(crate) fn handle_authorize(shared: &Shared, req: &Request) -> Response {
    let pairs = req.query_pairs();
    let result = begin(&mut shared.lock(), &pairs);
    match result {
        Ok((_, page)) => Response::html(200, page),
        Err(e) => error_response(&e),
    }
}

pub(crate) fn handle_decide(shared: &Shared, req: &Request) -> Response {
    let form = req.form();
    let decision = (|| {
        let id = single(&form, "request_id")?.unwrap_or("");
        let allow = match single(&form, "decision")? {
            Some("authorize") => true,
            Some("cancel") => false,
            other => {
                return Err(reject(
                    RejectReason::Malformed,
                    format!("decision must be authorize or cancel, got {other:?}"),
                ))
            }
        };
        decide(&mut shared.lock(), id, allow)
    })();
    match decision {
        Ok(location) => Response::redirect(&location),
        Err(e) => error_response(&e),
    }
}

fn error_response(e: &SandboxError) -> Response {
    Response::html(400, pages::error_page(&e.detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_keeps_existing_query() {
        let p = [("code", "a b"), ("state", "s&t")];
        assert_eq!(
            redirect_with("http://h/cb", &p),
            "http://h/cb?code=a+b&state=s%26t"
        );
        assert_eq!(
            redirect_with("https://h/cb?x=1&y=%2F", &p),
            "https://h/cb?x=1&y=%2F&code=a+b&state=s%26t"
        );
        assert_eq!(
            redirect_with("https://h/cb?", &p),
            "https://h/cb?code=a+b&state=s%26t"
        );
        assert_eq!(
            redirect_with("https://h/cb?x=1&", &p),
            "https://h/cb?x=1&code=a+b&state=s%26t"
        );
        assert_eq!(
            redirect_with("myapp://cb/x#f", &p),
            "myapp://cb/x?code=a+b&state=s%26t#f"
        );
    }

    #[test]
    fn usable_redirect_uris() {
        assert!(redirect_uri_is_usable("http://127.0.0.1:8080/callback").is_ok());
        assert!(redirect_uri_is_usable("com.example.app://oauth/callback").is_ok());
        assert!(redirect_uri_is_usable("javascript:alert(1)").is_err());
        assert!(redirect_uri_is_usable("file:///etc/passwd").is_err());
        assert!(redirect_uri_is_usable("http://h/cb#frag").is_err());
        assert!(redirect_uri_is_usable("http://h/c b").is_err());
    }
}
