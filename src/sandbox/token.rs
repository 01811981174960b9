//! The API side of OAuth: `POST /2/oauth2/token` and `POST /2/oauth2/revoke`,
//! including client authentication.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::state::{IssuedTokens, Shared, State, ACCESS_LIFETIME, CODE_LIFETIME};
use crate::loopback::{Request, Response};

pub const TOKEN_PATH: &str = "/2/oauth2/token";
pub const REVOKE_PATH: &str = "/2/oauth2/revoke";

pub use crate::x::texts::{
    INVALID_CODE, INVALID_TOKEN, MISSING_AUTH_HEADER, MISSING_VERIFIER, REDIRECT_MISMATCH,
    VERIFIER_MISMATCH,
};

fn no_store(r: Response) -> Response {
    r.with_header("Cache-Control", "no-store")
        .with_header("Pragma", "no-cache")
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    no_store(Response::json(
        status,
        &json!({ "error": error, "error_description": description }),
    ))
}

fn invalid_request(description: &str) -> Response {
    oauth_error(400, "invalid_request", description)
}

fn missing(param: &str) -> Response {
    invalid_request(&format!("Missing required parameter [{param}]."))
}

fn unauthorized_client() -> Response {
    oauth_error(401, "unauthorized_client", MISSING_AUTH_HEADER)
}

/// First non-empty value of a form field.
fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Form-urlencoding decode (`%XX`, `+` → space). RFC 6749 §2.3.1 has clients
/// encode the id and secret this way before Basic-encoding them; xconnect's
/// token requests do (`x::oauth`).
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `Authorization: Basic …` as (raw id, raw secret), if present and decodable.
fn basic_credentials(req: &Request) -> Option<(String, String)> {
    let value = req.header("authorization")?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let rest = rest.trim();
    let decoded = STANDARD
        .decode(rest)
        .or_else(|_| STANDARD_NO_PAD.decode(rest))
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Identifies the calling app.
///
/// - Confidential app (has a secret): needs `Authorization: Basic` with the
///   right secret; otherwise 401 `unauthorized_client` / "Missing valid
///   authorization header" (a `client_secret` in the body does not count).
/// - Public app: `client_id` in the body. Emulator choice: a Basic header is
///   accepted too and its secret ignored (reports say X does not object).
/// - Unknown client, or a body `client_id` contradicting the header: the same 401.
fn authenticate(
    state: &State,
    req: &Request,
    form: &[(String, String)],
) -> Result<String, Response> {
    let body_id = field(form, "client_id");
    match basic_credentials(req) {
        Some((raw_id, raw_secret)) => {
            let (id, app) = [raw_id.clone(), form_decode(&raw_id)]
                .into_iter()
                .find_map(|id| state.apps.get(&id).map(|app| (id, app)))
                .ok_or_else(unauthorized_client)?;
            if body_id.is_some_and(|b| b != id) {
                return Err(unauthorized_client());
            }
            if let Some(secret) = &app.client_secret {
                if *secret != raw_secret && *secret != form_decode(&raw_secret) {
                    return Err(unauthorized_client());
                }
            }
            Ok(id)
        }
        None => {
            let id = body_id.ok_or_else(unauthorized_client)?;
            let app = state.apps.get(id).ok_or_else(unauthorized_client)?;
            if app.client_secret.is_some() {
                return Err(unauthorized_client());
            }
            Ok(id.to_string())
        }
    }
}

#[derive(Serialize)]
struct TokenResponse<'a> {
    token_type: &'static str,
    expires_in: u64,
    access_token: &'a str,
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
}

fn token_response(t: &IssuedTokens) -> Response {
    let body = TokenResponse {
        token_type: "bearer",
        expires_in: ACCESS_LIFETIME.as_secs(),
        access_token: &t.access_token,
        scope: &t.scope,
        refresh_token: t.refresh_token.as_deref(),
    };
    let value = serde_json::to_value(&body).unwrap_or_default();
    no_store(Response::json(200, &value))
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn exchange_code(
    state: &mut State,
    client_id: &str,
    form: &[(String, String)],
) -> Result<IssuedTokens, Response> {
    let code = field(form, "code").ok_or_else(|| missing("code"))?;
    let redirect_uri = field(form, "redirect_uri").ok_or_else(|| missing("redirect_uri"))?;
    let verifier = field(form, "code_verifier").ok_or_else(|| invalid_request(MISSING_VERIFIER))?;

    let now = state.now();
    let entry = match state.codes.get(code) {
        Some(e) if e.client_id == client_id => e.clone(),
        _ => return Err(invalid_request(INVALID_CODE)),
    };
    if let Some(grant) = entry.redeemed {
        // A replayed code: the tokens it produced are revoked (RFC 6749 §4.1.2).
        state.revoke_grant(grant);
        return Err(invalid_request(INVALID_CODE));
    }
    if now.saturating_sub(entry.issued) >= CODE_LIFETIME {
        return Err(invalid_request(INVALID_CODE));
    }
    if entry.redirect_uri != redirect_uri {
        return Err(invalid_request(REDIRECT_MISMATCH));
    }
    if s256(verifier) != entry.code_challenge {
        return Err(invalid_request(VERIFIER_MISMATCH));
    }
    let grant = state.new_grant(client_id, entry.user.clone(), entry.scopes.clone());
    if let Some(e) = state.codes.get_mut(code) {
        e.redeemed = Some(grant);
    }
    state
        .issue_tokens(grant)
        .ok_or_else(|| invalid_request(INVALID_CODE))
}

fn refresh(
    state: &mut State,
    client_id: &str,
    form: &[(String, String)],
) -> Result<IssuedTokens, Response> {
    let token = field(form, "refresh_token").ok_or_else(|| missing("refresh_token"))?;
    let now = state.now();
    let grant = match state.refresh_tokens.get(token) {
        Some(t) if t.expires > now => t.grant,
        _ => {
            if state.rotated_out.contains(token) {
                // A refresh token that a refresh already rotated out: the chain was broken.
                state.stats.replays += 1;
            }
            return Err(invalid_request(INVALID_TOKEN));
        }
    };
    if state.grants.get(&grant).map(|g| g.client_id.as_str()) != Some(client_id) {
        return Err(invalid_request(INVALID_TOKEN));
    }
    // Rotation: the refresh token just used stops working.
    state.refresh_tokens.remove(token);
    state.rotated_out.insert(token.to_string());
    state
        .issue_tokens(grant)
        .ok_or_else(|| invalid_request(INVALID_TOKEN))
}

pub(crate) fn handle_token(shared: &Shared, req: &Request) -> Response {
    let form = req.form();
    let mut state = shared.lock();
    state.prune();
    state.stats.token_requests += 1;
    let result = (|| {
        let client_id = authenticate(&state, req, &form)?;
        match field(&form, "grant_type") {
            Some("authorization_code") => {
                let t = exchange_code(&mut state, &client_id, &form)?;
                state.stats.code_exchanges += 1;
                Ok(t)
            }
            Some("refresh_token") => {
                let t = refresh(&mut state, &client_id, &form)?;
                state.stats.refreshes += 1;
                Ok(t)
            }
            Some(_) => Err(invalid_request(
                "Value passed for the grant type was invalid.",
            )),
            None => Err(missing("grant_type")),
        }
    })();
    match result {
        Ok(tokens) => token_response(&tokens),
        Err(response) => {
            state.stats.token_errors += 1;
            response
        }
    }
}

/// Revoking either token of a grant ends the whole grant. Unknown tokens and
/// tokens of other apps are answered `{"revoked":true}` and left alone (RFC 7009).
pub(crate) fn handle_revoke(shared: &Shared, req: &Request) -> Response {
    let form = req.form();
    let mut state = shared.lock();
    state.prune();
    let client_id = match authenticate(&state, req, &form) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Some(token) = field(&form, "token") else {
        return missing("token");
    };
    let grant = state
        .access_tokens
        .get(token)
        .or_else(|| state.refresh_tokens.get(token))
        .map(|t| t.grant);
    if let Some(grant) = grant {
        if state.grants.get(&grant).map(|g| g.client_id.as_str()) == Some(client_id.as_str()) {
            state.revoke_grant(grant);
        }
    }
    state.stats.revocations += 1;
    no_store(Response::json(200, &json!({ "revoked": true })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        assert_eq!(form_decode("a%2Bb+c%3A"), "a+b c:");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("plain-_.~"), "plain-_.~");
    }

    #[test]
    fn s256_matches_rfc_7636_example() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
