//! OAuth 2.0 Authorization Code + PKCE against X: the authorization URL, and the forms sent to
//! X's token endpoint (code exchange, refresh) and revocation endpoint. Client authentication
//! follows the app type: confidential → HTTP Basic with id and secret; public → `client_id` in
//! the body. The answers are read by [`super::answer`], over [`super::http`].
//!
//! The forms are sent with reqwest, not through the `oauth2` crate: its token type refuses the
//! odd `expires_in` values X has sent (reaching the JSON took a stand-in `TokenResponse`), its
//! revocation refuses an `http` URL (the sandbox's), and every call had to pass through an
//! adapter anyway for the time-out, the 64 KiB cap and 429/5xx. What it did beyond that is the
//! few lines of forms below, and PKCE (RFC 7636: 32 random bytes, S256).

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use url::Url;

use super::answer::{self, Grant};
use super::error::TokenRequest;
use super::http::ANSWER_GRACE;
use super::{Endpoints, XError};
use crate::app::AppConfig;
use crate::secret::Secret;

// What callers have always found here.
pub use super::answer::{Answer, Tokens, DEFAULT_LIFETIME, MAX_LIFETIME};
pub(crate) use super::http::quote;
pub use super::http::{
    http_client, kept_if_arrived, rate_limit_reset, read_body, read_capped, request_timeout,
    timeout_setting, transport, HttpFailure, CONNECT_TIMEOUT, MAX_ANSWER, REQUEST_TIMEOUT,
};

/// One authorization attempt: the URL to open, and what its answer is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub url: String,
    pub state: String,
    pub verifier: Secret,
}

/// The app as X's endpoints see it, with its URLs checked.
struct Client<'a> {
    app: &'a AppConfig,
    authorize: Url,
    token: Url,
}

fn client<'a>(app: &'a AppConfig, endpoints: &Endpoints) -> Result<Client<'a>, XError> {
    let bad = |what: &str, e: url::ParseError| XError::BadResponse(format!("{what}: {e}"));
    let authorize = Url::parse(&endpoints.authorize()).map_err(|e| bad("authorize URL", e))?;
    let token = Url::parse(&endpoints.token()).map_err(|e| bad("token URL", e))?;
    Url::parse(&app.callback_url).map_err(|e| bad("callback URL", e))?;
    Ok(Client {
        app,
        authorize,
        token,
    })
}

/// A new attempt: fresh PKCE (S256) verifier and a random `state`, and the authorization link
/// with them, made by the `oauth2` crate (32 random bytes for the verifier: 43 characters,
/// the least RFC 7636 allows; 16 for `state`).
pub fn authorization(app: &AppConfig, endpoints: &Endpoints) -> Result<Pending, XError> {
    let Client { authorize, .. } = client(app, endpoints)?;
    let redirect = oauth2::RedirectUrl::new(app.callback_url.clone())
        .map_err(|e| XError::BadResponse(format!("callback URL: {e}")))?;
    let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
    let (url, state) =
        oauth2::basic::BasicClient::new(oauth2::ClientId::new(app.client_id.clone()))
            .set_auth_uri(oauth2::AuthUrl::from_url(authorize))
            .set_redirect_uri(redirect)
            .authorize_url(oauth2::CsrfToken::new_random)
            .add_scopes(app.scopes.iter().map(|s| oauth2::Scope::new(s.clone())))
            .set_pkce_challenge(challenge)
            .url();
    Ok(Pending {
        url: url.to_string(),
        state: state.secret().clone(),
        verifier: Secret::new(verifier.secret().clone()),
    })
}

impl Client<'_> {
    /// A form for the token endpoint, with the app's authentication: a confidential app's id
    /// and secret in HTTP Basic, each form-encoded first (RFC 6749 2.3.1); a public app's id in
    /// the form. The grant's fields come first, then `client_id`, then `redirect_uri` when the
    /// grant needs it.
    fn token_request<'s>(
        &'s self,
        http: &reqwest::Client,
        mut form: Vec<(&'s str, &'s str)>,
        grant: Grant,
    ) -> Result<reqwest::Request, HttpFailure> {
        let mut request = http
            .post(self.token.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        match &self.app.client_secret {
            Some(secret) => {
                let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
                let (id, secret): (String, String) =
                    (encode(&self.app.client_id), encode(secret.expose()));
                let credential = STANDARD.encode(format!("{id}:{secret}"));
                request = request.header(
                    reqwest::header::AUTHORIZATION,
                    format!("Basic {credential}"),
                );
            }
            None => form.push(("client_id", &self.app.client_id)),
        }
        if grant == Grant::Code {
            form.push(("redirect_uri", &self.app.callback_url));
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .build()
            .map_err(|e| HttpFailure::Build(e.to_string()))
    }

    /// Sends a form to the token endpoint and reads X's answer.
    async fn token_call(
        &self,
        http: &reqwest::Client,
        form: Vec<(&str, &str)>,
        grant: Grant,
    ) -> Result<Answer, XError> {
        let request = self
            .token_request(http, form, grant)
            .map_err(HttpFailure::into_xerror)?;
        let limit = request_timeout();
        let (status, body) =
            kept_if_arrived(limit, send_and_read(http, request, limit + ANSWER_GRACE))
                .await
                .map_err(HttpFailure::into_xerror)?;
        if status != reqwest::StatusCode::OK {
            // Only an OAuth error comes back as anything but 200 (see `send_and_read`).
            return match answer::oauth_error(&body) {
                Some(Ok(e)) => Err(XError::from_oauth(
                    &e.error,
                    e.description.as_deref(),
                    self.app.client_secret.is_some(),
                    match grant {
                        Grant::Code => TokenRequest::Code,
                        Grant::Refresh => TokenRequest::Refresh,
                    },
                )),
                Some(Err(e)) => Err(e),
                None => Err(XError::Status {
                    status: status.as_u16(),
                    detail: String::new(),
                }),
            };
        }
        answer::read(&body, grant)
    }
}

/// Sends a token-endpoint request and reads its answer: 429, 5xx, a redirect and anything
/// but 200 that is not an OAuth error are failures that keep their status; a 200 must be
/// JSON. `backstop` replaces the client's time-out, which [`kept_if_arrived`] enforces
/// instead.
async fn send_and_read(
    http: &reqwest::Client,
    mut request: reqwest::Request,
    backstop: Duration,
) -> Result<(reqwest::StatusCode, Vec<u8>), HttpFailure> {
    let secrets = sent_secrets(&request);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    *request.timeout_mut() = Some(backstop + Duration::from_secs(1));
    let response = http
        .execute(request)
        .await
        .map_err(HttpFailure::Transport)?;
    let status = response.status();
    let headers = response.headers().clone();
    if status.as_u16() == 429 || status.is_server_error() {
        let reset = rate_limit_reset(&headers);
        // The status says it all; a body too large to read is not quoted.
        let body = read_body(response).await.unwrap_or_default();
        return Err(HttpFailure::Status {
            status: status.as_u16(),
            reset,
            detail: quote(&body, &secrets),
        });
    }
    if status.is_redirection() {
        // Never followed: the code or refresh token would go wherever the redirect points.
        let to = headers
            .get(reqwest::header::LOCATION)
            .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
        return Err(HttpFailure::Status {
            status: status.as_u16(),
            reset: None,
            detail: to.map_or_else(String::new, |to| {
                format!("a redirect to {}", quote(to.as_bytes(), &secrets))
            }),
        });
    }
    let body = read_body(response).await?;
    if status != reqwest::StatusCode::OK && answer::oauth_error(&body).is_none() {
        // Not X's OAuth error (a proxy's page, a wrong host): say the status, not "unreadable".
        return Err(HttpFailure::Status {
            status: status.as_u16(),
            reset: None,
            detail: quote(&body, &secrets),
        });
    }
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if status == reqwest::StatusCode::OK {
        // The body decides, not the header: JSON is read whatever it is labelled, and
        // anything else is named by its label and size, never quoted (it may hold tokens).
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
            return Err(HttpFailure::Unreadable(answer::unreadable(
                &e,
                ".",
                &body,
                content_type.as_deref(),
            )));
        }
    }
    Ok((status, body))
}

/// What a request carries that must never be printed: the form's code, verifier, tokens and
/// secret (as sent and percent-encoded), and the `Authorization` header's credentials.
fn sent_secrets(request: &reqwest::Request) -> Vec<String> {
    const SECRET_FIELDS: [&str; 5] = [
        "code",
        "code_verifier",
        "refresh_token",
        "client_secret",
        "token",
    ];
    let mut out = Vec::new();
    let body = request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .unwrap_or_default();
    for (k, v) in url::form_urlencoded::parse(body) {
        if SECRET_FIELDS.contains(&k.as_ref()) {
            out.push(url::form_urlencoded::byte_serialize(v.as_bytes()).collect());
            out.push(v.into_owned());
        }
    }
    if let Some(auth) = request
        .headers()
        .get(reqwest::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        out.extend(super::http::credential_secrets(auth));
    }
    out
}

/// Exchanges an authorization code (valid 30 s, once) for tokens.
pub async fn exchange(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    code: &Secret,
    verifier: &Secret,
) -> Result<Tokens, XError> {
    exchange_answer(http, app, endpoints, code, verifier)
        .await
        .map(|a| a.tokens)
}

/// [`exchange`], with what was repaired in X's answer.
pub async fn exchange_answer(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    code: &Secret,
    verifier: &Secret,
) -> Result<Answer, XError> {
    let form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("code_verifier", verifier.expose()),
    ];
    client(app, endpoints)?
        .token_call(http, form, Grant::Code)
        .await
}

/// Trades a refresh token for new tokens. X rotates refresh tokens: the one passed in stops
/// working, so the result must be saved before anything else.
pub async fn refresh(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    refresh_token: &Secret,
) -> Result<Tokens, XError> {
    refresh_answer(http, app, endpoints, refresh_token)
        .await
        .map(|a| a.tokens)
}

/// [`refresh`], with what was repaired in X's answer. An answer with a new refresh token is
/// never refused (see [`answer`]); its access token may then be empty.
pub async fn refresh_answer(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    refresh_token: &Secret,
) -> Result<Answer, XError> {
    let form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose()),
    ];
    client(app, endpoints)?
        .token_call(http, form, Grant::Refresh)
        .await
}

/// Which token `revoke` is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// Revokes a token at X (`POST /2/oauth2/revoke`, form `token` and `token_type_hint`), with
/// the same client authentication as the token endpoint.
pub async fn revoke(
    http: &reqwest::Client,
    app: &AppConfig,
    endpoints: &Endpoints,
    token: &Secret,
    kind: TokenKind,
) -> Result<(), XError> {
    let hint = match kind {
        TokenKind::Access => "access_token",
        TokenKind::Refresh => "refresh_token",
    };
    let mut form = vec![("token", token.expose()), ("token_type_hint", hint)];
    let mut request = http.post(endpoints.revoke());
    match &app.client_secret {
        Some(secret) => request = request.basic_auth(&app.client_id, Some(secret.expose())),
        None => form.push(("client_id", app.client_id.as_str())),
    }
    let response = request
        .form(&form)
        .send()
        .await
        .map_err(|e| transport(&e))?;
    let status = response.status();
    let reset = rate_limit_reset(response.headers());
    if status.is_success() {
        // Nothing in the body matters: it is not read.
        return Ok(());
    }
    let body = read_body(response)
        .await
        .map_err(HttpFailure::into_xerror)?;
    if status.as_u16() == 429 {
        return Err(XError::RateLimited { reset });
    }
    if status.is_server_error() {
        return Err(XError::Status {
            status: status.as_u16(),
            detail: String::new(),
        });
    }
    #[derive(serde::Deserialize)]
    struct OAuthError {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    match serde_json::from_slice::<OAuthError>(&body) {
        Ok(e) => Err(XError::from_oauth(
            &e.error,
            e.error_description.as_deref(),
            app.client_secret.is_some(),
            TokenRequest::Refresh,
        )),
        Err(_) => Err(XError::Status {
            status: status.as_u16(),
            detail: quote(
                &body,
                &[
                    token.expose(),
                    app.client_secret.as_ref().map_or("", |s| s.expose()),
                ],
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The S256 challenge for a PKCE verifier (RFC 7636 4.2).
    fn challenge(verifier: &str) -> String {
        oauth2::PkceCodeChallenge::from_code_verifier_sha256(&oauth2::PkceCodeVerifier::new(
            verifier.to_string(),
        ))
        .as_str()
        .to_string()
    }

    #[test]
    fn pkce_is_s256_of_a_random_verifier() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let endpoints = Endpoints::new("https://x.com", "https://api.x.com").expect("endpoints");
        let (a, b) = (
            authorization(&app(None), &endpoints).expect("a"),
            authorization(&app(None), &endpoints).expect("b"),
        );
        assert_eq!(a.verifier.expose().len(), 43);
        assert_ne!(a.verifier.expose(), b.verifier.expose());
        assert_eq!(a.state.len(), 22);
        assert_ne!(a.state, b.state);
    }

    fn app(secret: Option<&str>) -> AppConfig {
        AppConfig {
            client_id: "my id".into(),
            client_secret: secret.map(Secret::new),
            app_type: if secret.is_some() {
                crate::x::AppType::Web
            } else {
                crate::x::AppType::Native
            },
            callback_url: "http://127.0.0.1:8080/callback".into(),
            website_url: String::new(),
            scopes: vec!["tweet.read".into(), "offline.access".into()],
            permission: Default::default(),
        }
    }

    fn sent(secret: Option<&str>, grant: Grant) -> (String, Option<String>) {
        let app = app(secret);
        let endpoints = Endpoints::new("https://x.com", "https://api.x.com").expect("endpoints");
        let form = match grant {
            Grant::Code => vec![
                ("grant_type", "authorization_code"),
                ("code", "C"),
                ("code_verifier", "V"),
            ],
            Grant::Refresh => vec![("grant_type", "refresh_token"), ("refresh_token", "R")],
        };
        let request = client(&app, &endpoints)
            .expect("client")
            .token_request(&reqwest::Client::new(), form, grant)
            .expect("request");
        assert_eq!(request.url().as_str(), "https://api.x.com/2/oauth2/token");
        assert_eq!(request.headers()["accept"], "application/json");
        assert_eq!(
            request.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        let body = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .expect("a body");
        let auth = request
            .headers()
            .get("authorization")
            .map(|v| v.to_str().expect("ascii").to_string());
        (String::from_utf8(body.to_vec()).expect("utf-8"), auth)
    }

    #[test]
    fn the_forms_authenticate_the_app_by_its_type() {
        let (body, auth) = sent(None, Grant::Code);
        assert_eq!(
            body,
            "grant_type=authorization_code&code=C&code_verifier=V&client_id=my+id\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback"
        );
        assert_eq!(auth, None);
        let (body, auth) = sent(Some("s3cr+t/"), Grant::Refresh);
        assert_eq!(body, "grant_type=refresh_token&refresh_token=R");
        // RFC 6749 2.3.1: id and secret form-encoded, then Basic.
        assert_eq!(
            auth.as_deref(),
            Some(format!("Basic {}", STANDARD.encode("my+id:s3cr%2Bt%2F")).as_str())
        );
        let (body, _) = sent(None, Grant::Refresh);
        assert_eq!(
            body,
            "grant_type=refresh_token&refresh_token=R&client_id=my+id"
        );
    }

    #[test]
    fn the_authorization_url_asks_for_code_with_s256() {
        let app = app(None);
        let endpoints = Endpoints::new("https://x.com", "https://api.x.com").expect("endpoints");
        let p = authorization(&app, &endpoints).expect("pending");
        let url = Url::parse(&p.url).expect("a URL");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let want = [
            ("response_type", "code"),
            ("client_id", "my id"),
            ("state", p.state.as_str()),
            ("code_challenge", challenge(p.verifier.expose()).as_str()),
            ("code_challenge_method", "S256"),
            ("redirect_uri", "http://127.0.0.1:8080/callback"),
            ("scope", "tweet.read offline.access"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(pairs, want);
        assert!(p
            .url
            .starts_with("https://x.com/i/oauth2/authorize?response_type=code&"));
    }

    #[test]
    fn quoted_answers_lose_every_secret_sent() {
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode("my-id:s3cr%2Ft");
        let found = super::super::http::credential_secrets(&format!("Basic {basic}"));
        assert!(found.contains(&"s3cr/t".to_string()), "{found:?}");
        assert!(found.contains(&basic), "{found:?}");
        assert_eq!(
            super::super::http::credential_secrets("Bearer AT-1234"),
            ["AT-1234"]
        );
        let request = reqwest::Client::new()
            .post("http://127.0.0.1/2/oauth2/token")
            .header("authorization", format!("Basic {basic}"))
            .body(&b"grant_type=refresh_token&refresh_token=RT%2B1234&client_id=my-id"[..])
            .build()
            .expect("request");
        let secrets = sent_secrets(&request);
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let echoed = format!(
            "bad: grant_type=refresh_token&refresh_token=RT%2B1234 (RT+1234) \x1b[2J s3cr/t {basic}"
        );
        let quoted = quote(echoed.as_bytes(), &secrets);
        assert_eq!(
            quoted,
            "bad: grant_type=refresh_token&refresh_token=… (…)  … …"
        );
        assert_eq!(
            super::super::http::redact("abcdef", &["abc", "abcdef", "ab"]),
            "…",
            "longest first"
        );
        assert_eq!(quote("x".repeat(500).as_bytes(), &[]).chars().count(), 201);
    }
}
