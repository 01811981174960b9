//! End-to-end tests: a raw HTTP/1.1 client on a TCP socket against a running
//! emulator.

use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

const CB: &str = "http://127.0.0.1:8765/callback";
const PUBLIC_ID: &str = "cHVibGljLWNsaWVudC1pZC0xMjM6MTpjaQ";
const CONF_ID: &str = "Y29uZmlkZW50aWFsLWNsaWVudC0xOjE6Y2k";
const CONF_SECRET: &str = "s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-ab";
const ALL_SCOPES: &str = "tweet.read users.read offline.access";

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn raw(sb: &Sandbox, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(sb.local_addr()).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    out
}

fn parse_reply(bytes: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(": ").unwrap();
            (n.to_string(), v.to_string())
        })
        .collect();
    let reply = Reply {
        status,
        headers,
        body: body.to_string(),
    };
    assert_eq!(
        reply.header("content-length"),
        Some(body.len().to_string().as_str())
    );
    assert_eq!(reply.header("connection"), Some("close"));
    reply
}

async fn get(sb: &Sandbox, target: &str, bearer: Option<&str>) -> Reply {
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\n{auth}\r\n",
        sb.local_addr()
    );
    parse_reply(&raw(sb, req.as_bytes()).await)
}

async fn post(
    sb: &Sandbox,
    path: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let auth = basic
        .map(|(id, secret)| {
            format!(
                "Authorization: Basic {}\r\n",
                STANDARD.encode(format!("{id}:{secret}"))
            )
        })
        .unwrap_or_default();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        sb.local_addr(),
        body.len()
    );
    parse_reply(&raw(sb, req.as_bytes()).await)
}

fn pkce() -> (String, String) {
    let verifier = super::ids::client_secret() + "abcdefghij";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn authorize_url(
    sb: &Sandbox,
    client_id: &str,
    redirect: &str,
    scope: &str,
    state: &str,
    challenge: &str,
) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect),
            ("scope", scope),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    format!("{}?{query}", sb.authorize_endpoint())
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn sandbox() -> Sandbox {
    let sb = Sandbox::start().await.unwrap();
    sb.register_app(SandboxApp::public(PUBLIC_ID, [CB]));
    sb.register_app(SandboxApp::confidential(
        CONF_ID,
        CONF_SECRET,
        [CB, "https://example.com/cb?team=7"],
    ));
    sb
}

/// Authorizes in-process and returns (code, verifier).
async fn code_for(sb: &Sandbox, client_id: &str, scope: &str) -> (String, String) {
    let (verifier, challenge) = pkce();
    let url = authorize_url(sb, client_id, CB, scope, "st", &challenge);
    let redirect = sb.approve(&url).await.unwrap();
    (query_param(&redirect, "code").unwrap(), verifier)
}

async fn exchange_public(sb: &Sandbox, code: &str, verifier: &str) -> Reply {
    post(
        sb,
        TOKEN_PATH,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CB),
            ("code_verifier", verifier),
            ("client_id", PUBLIC_ID),
        ],
        None,
    )
    .await
}

fn assert_oauth_error(reply: &Reply, status: u16, error: &str, description: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json(),
        serde_json::json!({"error": error, "error_description": description})
    );
}

#[tokio::test]
async fn public_client_happy_path() {
    let sb = sandbox().await;
    let (verifier, challenge) = pkce();
    let url = authorize_url(&sb, PUBLIC_ID, CB, ALL_SCOPES, "state-123", &challenge);
    let redirect = sb.approve(&url).await.unwrap();
    assert!(redirect.starts_with(&format!("{CB}?code=")), "{redirect}");
    assert_eq!(
        query_param(&redirect, "state").as_deref(),
        Some("state-123")
    );
    let code = query_param(&redirect, "code").unwrap();
    assert!(code.len() >= 80);

    let reply = exchange_public(&sb, &code, &verifier).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 7200);
    assert_eq!(body["scope"], ALL_SCOPES);
    let access = body["access_token"].as_str().unwrap();
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 80));

    let me = get(&sb, USERS_ME_PATH, Some(access)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.header("content-type"), Some("application/json"));
    assert_eq!(
        me.json(),
        serde_json::json!({"data": {"id": "1600000000000000001", "name": "Sandbox User", "username": "sandbox_user"}})
    );
    assert_eq!(me.header("x-rate-limit-limit"), Some("75"));
    assert_eq!(me.header("x-rate-limit-remaining"), Some("74"));

    let stats = sb.stats();
    assert_eq!(stats.authorize_requests, 1);
    assert_eq!(stats.approvals, 1);
    assert_eq!(stats.token_requests, 1);
    assert_eq!(stats.code_exchanges, 1);
    assert_eq!(stats.users_me_calls, 1);
}

#[tokio::test]
async fn confidential_client_through_the_browser_pages() {
    let sb = sandbox().await;
    let redirect_uri = "https://example.com/cb?team=7";
    let (verifier, challenge) = pkce();
    let url = authorize_url(
        &sb,
        CONF_ID,
        redirect_uri,
        "tweet.read users.read",
        "a b&c",
        &challenge,
    );
    let target = url.strip_prefix(&sb.base_url()).unwrap();

    let page = get(&sb, target, None).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.body.contains("wants to access your X account"));
    assert!(page.body.contains(CONF_ID));
    assert!(page.body.contains("(tweet.read)") && page.body.contains("(users.read)"));
    assert!(page.body.contains("@sandbox_user"));
    assert!(page.body.contains(&format!("action=\"{DECIDE_PATH}\"")));
    assert!(page
        .body
        .contains("value=\"authorize\">Authorize app</button>"));
    assert!(page.body.contains("value=\"cancel\">Cancel</button>"));
    assert!(!page.body.contains("<script"));
    let request_id = page
        .body
        .split("name=\"request_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();

    let decided = post(
        &sb,
        DECIDE_PATH,
        &[("request_id", &request_id), ("decision", "authorize")],
        None,
    )
    .await;
    assert_eq!(decided.status, 302);
    let location = decided.header("location").unwrap().to_string();
    assert!(
        location.starts_with("https://example.com/cb?team=7&code="),
        "{location}"
    );
    assert_eq!(query_param(&location, "team").as_deref(), Some("7"));
    assert_eq!(query_param(&location, "state").as_deref(), Some("a b&c"));
    let code = query_param(&location, "code").unwrap();

    // The pending request is used up.
    let again = post(
        &sb,
        DECIDE_PATH,
        &[("request_id", &request_id), ("decision", "authorize")],
        None,
    )
    .await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains(ERROR_TEXT));

    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.as_str()),
    ];
    let reply = post(&sb, TOKEN_PATH, &form, Some((CONF_ID, CONF_SECRET))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["scope"], "tweet.read users.read");
    assert!(
        body.get("refresh_token").is_none(),
        "no offline.access, no refresh token"
    );
    let me = get(&sb, USERS_ME_PATH, body["access_token"].as_str()).await;
    assert_eq!(me.status, 200);
}

#[tokio::test]
async fn client_authentication() {
    let sb = sandbox().await;
    let (code, verifier) = code_for(&sb, CONF_ID, ALL_SCOPES).await;
    let form = |extra: Option<(&'static str, &'static str)>| {
        let mut f = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.clone()),
            ("redirect_uri", CB.to_string()),
            ("code_verifier", verifier.clone()),
        ];
        if let Some((k, v)) = extra {
            f.push((k, v.to_string()));
        }
        f
    };
    let send = |f: Vec<(&'static str, String)>, basic: Option<(&'static str, &'static str)>| {
        let sb = &sb;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(sb, TOKEN_PATH, &pairs, basic).await
        }
    };

    // Confidential app without Basic, with the secret in the body, with a wrong secret.
    for (f, basic) in [
        (form(Some(("client_id", CONF_ID))), None),
        (form(Some(("client_secret", CONF_SECRET))), None),
        (form(None), Some((CONF_ID, "wrong"))),
        (form(None), Some(("unknown-client", "x"))),
        (
            form(Some(("client_id", PUBLIC_ID))),
            Some((CONF_ID, CONF_SECRET)),
        ),
    ] {
        let reply = send(f, basic).await;
        assert_oauth_error(&reply, 401, "unauthorized_client", MISSING_AUTH_HEADER);
    }
    // Public app: unknown client id in the body.
    let reply = send(form(Some(("client_id", "nope"))), None).await;
    assert_oauth_error(&reply, 401, "unauthorized_client", MISSING_AUTH_HEADER);

    // The code survived the failed attempts; Basic with RFC 6749 form-encoding works.
    let sb2 = &sb;
    sb2.register_app(SandboxApp::confidential("id:with+odd", "p@ss word", [CB]));
    let (code2, verifier2) = code_for(&sb, "id:with+odd", ALL_SCOPES).await;
    let reply = post(
        &sb,
        TOKEN_PATH,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code2),
            ("redirect_uri", CB),
            ("code_verifier", &verifier2),
        ],
        Some(("id%3Awith%2Bodd", "p%40ss+word")),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = send(form(None), Some((CONF_ID, CONF_SECRET))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(sb.stats().token_errors, 6);
}

#[tokio::test]
async fn public_client_with_a_basic_header_is_accepted() {
    let sb = sandbox().await;
    let (code, verifier) = code_for(&sb, PUBLIC_ID, ALL_SCOPES).await;
    let reply = post(
        &sb,
        TOKEN_PATH,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", &verifier),
        ],
        Some((PUBLIC_ID, "whatever")),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn code_exchange_errors() {
    let sb = sandbox().await;
    let (code, verifier) = code_for(&sb, PUBLIC_ID, ALL_SCOPES).await;
    let ex = |code: &str, redirect: &str, verifier: Option<&str>| {
        let mut f = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", redirect.to_string()),
            ("client_id", PUBLIC_ID.to_string()),
        ];
        if let Some(v) = verifier {
            f.push(("code_verifier", v.to_string()));
        }
        let sb = &sb;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(sb, TOKEN_PATH, &pairs, None).await
        }
    };

    let r = ex("bm90LWEtY29kZQ", CB, Some(&verifier)).await;
    assert_oauth_error(&r, 400, "invalid_request", INVALID_CODE);
    let r = ex(&code, CB, None).await;
    assert_oauth_error(&r, 400, "invalid_request", MISSING_VERIFIER);
    let r = ex(
        &code,
        CB,
        Some("a-different-verifier-a-different-verifier-x"),
    )
    .await;
    assert_oauth_error(&r, 400, "invalid_request", VERIFIER_MISMATCH);
    let r = ex(&code, "http://127.0.0.1:8765/callback/", Some(&verifier)).await;
    assert_oauth_error(&r, 400, "invalid_request", REDIRECT_MISMATCH);
    let r = ex(&code, "", Some(&verifier)).await;
    assert_oauth_error(
        &r,
        400,
        "invalid_request",
        "Missing required parameter [redirect_uri].",
    );
    let r = ex("", CB, Some(&verifier)).await;
    assert_oauth_error(
        &r,
        400,
        "invalid_request",
        "Missing required parameter [code].",
    );

    // A code is bound to the client that asked for it.
    let (conf_code, conf_verifier) = code_for(&sb, CONF_ID, ALL_SCOPES).await;
    let r = ex(&conf_code, CB, Some(&conf_verifier)).await;
    assert_oauth_error(&r, 400, "invalid_request", INVALID_CODE);

    let r = post(&sb, TOKEN_PATH, &[("client_id", PUBLIC_ID)], None).await;
    assert_oauth_error(
        &r,
        400,
        "invalid_request",
        "Missing required parameter [grant_type].",
    );
    let r = post(
        &sb,
        TOKEN_PATH,
        &[("client_id", PUBLIC_ID), ("grant_type", "password")],
        None,
    )
    .await;
    assert_oauth_error(
        &r,
        400,
        "invalid_request",
        "Value passed for the grant type was invalid.",
    );

    // None of the failures used the code up.
    let r = ex(&code, CB, Some(&verifier)).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn codes_expire_after_30_seconds() {
    let sb = sandbox().await;
    let (code, verifier) = code_for(&sb, PUBLIC_ID, ALL_SCOPES).await;
    sb.advance_clock(Duration::from_secs(29));
    assert_eq!(exchange_public(&sb, &code, &verifier).await.status, 200);

    let (code, verifier) = code_for(&sb, PUBLIC_ID, ALL_SCOPES).await;
    sb.advance_clock(Duration::from_secs(31));
    let r = exchange_public(&sb, &code, &verifier).await;
    assert_oauth_error(&r, 400, "invalid_request", INVALID_CODE);
}

#[tokio::test]
async fn code_reuse_is_refused_and_revokes_its_tokens() {
    let sb = sandbox().await;
    let (code, verifier) = code_for(&sb, PUBLIC_ID, ALL_SCOPES).await;
    let first = exchange_public(&sb, &code, &verifier).await.json();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(get(&sb, USERS_ME_PATH, Some(access)).await.status, 200);

    let r = exchange_public(&sb, &code, &verifier).await;
    assert_oauth_error(&r, 400, "invalid_request", INVALID_CODE);
    assert_eq!(get(&sb, USERS_ME_PATH, Some(access)).await.status, 401);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_access_tokens_expire() {
    let sb = sandbox().await;
    let (code, verifier) = code_for(&sb, CONF_ID, ALL_SCOPES).await;
    let first = post(
        &sb,
        TOKEN_PATH,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", &verifier),
        ],
        Some((CONF_ID, CONF_SECRET)),
    )
    .await
    .json();
    let access1 = first["access_token"].as_str().unwrap().to_string();
    let refresh1 = first["refresh_token"].as_str().unwrap().to_string();

    sb.advance_clock(Duration::from_secs(7200));
    assert_eq!(get(&sb, USERS_ME_PATH, Some(&access1)).await.status, 401);

    let refresh = |token: &str, basic: Option<(&'static str, &'static str)>| {
        let form = [
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", token.to_string()),
        ];
        let sb = &sb;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(sb, TOKEN_PATH, &pairs, basic).await
        }
    };
    // Same client authentication rule on refresh.
    let r = refresh(&refresh1, None).await;
    assert_oauth_error(&r, 401, "unauthorized_client", MISSING_AUTH_HEADER);

    let second = refresh(&refresh1, Some((CONF_ID, CONF_SECRET))).await;
    assert_eq!(second.status, 200, "{}", second.body);
    let second = second.json();
    assert_eq!(second["scope"], ALL_SCOPES);
    let access2 = second["access_token"].as_str().unwrap().to_string();
    let refresh2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(access2, access1);
    assert_ne!(refresh2, refresh1);
    assert_eq!(get(&sb, USERS_ME_PATH, Some(&access2)).await.status, 200);

    let r = refresh(&refresh1, Some((CONF_ID, CONF_SECRET))).await;
    assert_oauth_error(&r, 400, "invalid_request", INVALID_TOKEN);
    let r = refresh("garbage", Some((CONF_ID, CONF_SECRET))).await;
    assert_oauth_error(&r, 400, "invalid_request", INVALID_TOKEN);
    let r = refresh("", Some((CONF_ID, CONF_SECRET))).await;
    assert_oauth_error(
        &r,
        400,
        "invalid_request",
        "Missing required parameter [refresh_token].",
    );
    // Another app cannot use it.
    let r = post(
        &sb,
        TOKEN_PATH,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
            ("client_id", PUBLIC_ID),
        ],
        None,
    )
    .await;
    assert_oauth_error(&r, 400, "invalid_request", INVALID_TOKEN);

    let third = refresh(&refresh2, Some((CONF_ID, CONF_SECRET))).await;
    assert_eq!(third.status, 200);
    assert_eq!(sb.stats().refreshes, 2);
}

#[tokio::test]
async fn users_me_errors() {
    let sb = sandbox().await;
    let unauthorized = serde_json::json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"});
    for bearer in [None, Some("not-a-token")] {
        let r = get(&sb, USERS_ME_PATH, bearer).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        assert_eq!(r.json(), unauthorized);
    }

    // users.read without tweet.read
    let (code, verifier) = code_for(&sb, PUBLIC_ID, "users.read").await;
    let tokens = exchange_public(&sb, &code, &verifier).await.json();
    let r = get(&sb, USERS_ME_PATH, tokens["access_token"].as_str()).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let body = r.json();
    assert_eq!(body["title"], "Forbidden");
    assert!(body["detail"].as_str().unwrap().contains("tweet.read"));
    assert!(!body["detail"].as_str().unwrap().contains("users.read"));

    // An app outside a Project.
    sb.register_app(SandboxApp {
        enrolled: false,
        ..SandboxApp::public(PUBLIC_ID, [CB])
    });
    let (code, verifier) = code_for(&sb, PUBLIC_ID, ALL_SCOPES).await;
    let tokens = exchange_public(&sb, &code, &verifier).await;
    assert_eq!(tokens.status, 200, "login itself works");
    let r = get(&sb, USERS_ME_PATH, tokens.json()["access_token"].as_str()).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        serde_json::json!({
            "title": "Client Forbidden",
            "type": "https://api.twitter.com/2/problems/client-forbidden",
            "reason": "client-not-enrolled",
            "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
            "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
            "required_enrollment": "Appropriate Level of API Access"
        })
    );
    assert_eq!(sb.stats().users_me_calls, 4);
}

#[tokio::test]
async fn users_me_rate_limit() {
    let sb = sandbox().await;
    let (code, verifier) = code_for(&sb, PUBLIC_ID, ALL_SCOPES).await;
    let tokens = exchange_public(&sb, &code, &verifier).await.json();
    let access = tokens["access_token"].as_str().unwrap();
    for _ in 0..75 {
        assert_eq!(get(&sb, USERS_ME_PATH, Some(access)).await.status, 200);
    }
    let r = get(&sb, USERS_ME_PATH, Some(access)).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("x-rate-limit-remaining"), Some("0"));
    assert!(
        r.header("x-rate-limit-reset")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 1_600_000_000
    );
    sb.advance_clock(Duration::from_secs(15 * 60));
    assert_eq!(get(&sb, USERS_ME_PATH, Some(access)).await.status, 200);
}

#[tokio::test]
async fn revoke() {
    let sb = sandbox().await;
    let issue = |scope: &'static str| {
        let sb = &sb;
        async move {
            let (code, verifier) = code_for(sb, PUBLIC_ID, scope).await;
            exchange_public(sb, &code, &verifier).await.json()
        }
    };

    // Revoking the access token ends the grant, refresh token included.
    let t = issue(ALL_SCOPES).await;
    let access = t["access_token"].as_str().unwrap();
    let refresh = t["refresh_token"].as_str().unwrap();
    let r = post(
        &sb,
        REVOKE_PATH,
        &[
            ("token", access),
            ("token_type_hint", "access_token"),
            ("client_id", PUBLIC_ID),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"revoked": true}));
    assert_eq!(get(&sb, USERS_ME_PATH, Some(access)).await.status, 401);
    let r = post(
        &sb,
        TOKEN_PATH,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", PUBLIC_ID),
        ],
        None,
    )
    .await;
    assert_oauth_error(&r, 400, "invalid_request", INVALID_TOKEN);

    // Revoking the refresh token ends the access token too.
    let t = issue(ALL_SCOPES).await;
    let r = post(
        &sb,
        REVOKE_PATH,
        &[
            ("token", t["refresh_token"].as_str().unwrap()),
            ("client_id", PUBLIC_ID),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        get(&sb, USERS_ME_PATH, t["access_token"].as_str())
            .await
            .status,
        401
    );

    // Unknown token: still revoked:true. Missing token: 400. Bad client: 401.
    let r = post(
        &sb,
        REVOKE_PATH,
        &[("token", "nope"), ("client_id", PUBLIC_ID)],
        None,
    )
    .await;
    assert_eq!(r.json(), serde_json::json!({"revoked": true}));
    let r = post(&sb, REVOKE_PATH, &[("client_id", PUBLIC_ID)], None).await;
    assert_oauth_error(
        &r,
        400,
        "invalid_request",
        "Missing required parameter [token].",
    );
    let r = post(
        &sb,
        REVOKE_PATH,
        &[("token", "x"), ("client_id", CONF_ID)],
        None,
    )
    .await;
    assert_oauth_error(&r, 401, "unauthorized_client", MISSING_AUTH_HEADER);

    // Another app's revoke does nothing to this app's tokens.
    let t = issue(ALL_SCOPES).await;
    let r = post(
        &sb,
        REVOKE_PATH,
        &[("token", t["access_token"].as_str().unwrap())],
        Some((CONF_ID, CONF_SECRET)),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        get(&sb, USERS_ME_PATH, t["access_token"].as_str())
            .await
            .status,
        200
    );
    assert_eq!(sb.stats().revocations, 4);
}

#[tokio::test]
async fn authorize_errors_show_x_error_page() {
    let sb = sandbox().await;
    let (_, challenge) = pkce();
    let long_state = "s".repeat(501);
    let ok_state = "s".repeat(500);
    let cases: Vec<(String, RejectReason)> = vec![
        (
            authorize_url(&sb, "unknown", CB, ALL_SCOPES, "s", &challenge),
            RejectReason::UnknownClient,
        ),
        (
            authorize_url(&sb, "", CB, ALL_SCOPES, "s", &challenge),
            RejectReason::UnknownClient,
        ),
        (
            authorize_url(
                &sb,
                PUBLIC_ID,
                "http://127.0.0.1:8765/callback/",
                ALL_SCOPES,
                "s",
                &challenge,
            ),
            RejectReason::RedirectUri,
        ),
        (
            authorize_url(
                &sb,
                PUBLIC_ID,
                "http://localhost:8765/callback",
                ALL_SCOPES,
                "s",
                &challenge,
            ),
            RejectReason::RedirectUri,
        ),
        (
            authorize_url(&sb, PUBLIC_ID, CB, "tweet.read users.reed", "s", &challenge),
            RejectReason::Scope,
        ),
        (
            authorize_url(&sb, PUBLIC_ID, CB, "", "s", &challenge),
            RejectReason::Scope,
        ),
        (
            authorize_url(&sb, PUBLIC_ID, CB, ALL_SCOPES, &long_state, &challenge),
            RejectReason::State,
        ),
        (
            authorize_url(&sb, PUBLIC_ID, CB, ALL_SCOPES, "", &challenge),
            RejectReason::State,
        ),
        (
            authorize_url(&sb, PUBLIC_ID, CB, ALL_SCOPES, "s", "short"),
            RejectReason::Pkce,
        ),
        (
            authorize_url(&sb, PUBLIC_ID, CB, ALL_SCOPES, "s", &challenge).replace("S256", "plain"),
            RejectReason::Pkce,
        ),
        (
            authorize_url(&sb, PUBLIC_ID, CB, ALL_SCOPES, "s", &challenge)
                .replace("&code_challenge_method=S256", ""),
            RejectReason::Pkce,
        ),
        (
            authorize_url(&sb, PUBLIC_ID, CB, ALL_SCOPES, "s", &challenge)
                .replace("response_type=code", "response_type=token"),
            RejectReason::Malformed,
        ),
        (
            format!("{}/somewhere/else", sb.base_url()),
            RejectReason::Malformed,
        ),
    ];
    for (url, reason) in &cases {
        let err = sb.approve(url).await.unwrap_err();
        assert_eq!(err.reason, *reason, "{url}: {err}");
        assert_eq!(
            err.page_text(),
            "Something went wrong — You weren't able to give access to the App."
        );
        if *reason != RejectReason::Malformed || url.contains(AUTHORIZE_PATH) {
            let page = get(&sb, url.strip_prefix(&sb.base_url()).unwrap(), None).await;
            assert_eq!(page.status, 400, "{url}");
            assert!(page.body.contains("Something went wrong"));
            assert!(page
                .body
                .contains("You weren't able to give access to the App."));
        }
    }
    let ok = authorize_url(&sb, PUBLIC_ID, CB, ALL_SCOPES, &ok_state, &challenge);
    assert!(sb.approve(&ok).await.is_ok());
    assert_eq!(sb.stats().authorize_errors, 2 * (cases.len() as u64 - 1));
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let sb = sandbox().await;
    sb.register_app(SandboxApp::public("q", ["http://127.0.0.1:9/cb?keep=1"]));
    let (_, challenge) = pkce();
    let url = authorize_url(
        &sb,
        "q",
        "http://127.0.0.1:9/cb?keep=1",
        ALL_SCOPES,
        "xyz",
        &challenge,
    );
    let redirect = sb.deny(&url).await.unwrap();
    assert_eq!(
        redirect,
        "http://127.0.0.1:9/cb?keep=1&error=access_denied&state=xyz"
    );

    // Same through the pages.
    let page = get(&sb, url.strip_prefix(&sb.base_url()).unwrap(), None).await;
    let request_id = page
        .body
        .split("name=\"request_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = post(
        &sb,
        DECIDE_PATH,
        &[("request_id", &request_id), ("decision", "cancel")],
        None,
    )
    .await;
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some("http://127.0.0.1:9/cb?keep=1&error=access_denied&state=xyz")
    );
    let r = post(
        &sb,
        DECIDE_PATH,
        &[("request_id", "nope"), ("decision", "cancel")],
        None,
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(sb.stats().denials, 2);
}

#[tokio::test]
async fn pending_consent_expires() {
    let sb = sandbox().await;
    let (_, challenge) = pkce();
    let url = authorize_url(&sb, PUBLIC_ID, CB, ALL_SCOPES, "s", &challenge);
    let page = get(&sb, url.strip_prefix(&sb.base_url()).unwrap(), None).await;
    let request_id = page
        .body
        .split("name=\"request_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    sb.advance_clock(Duration::from_secs(601));
    let r = post(
        &sb,
        DECIDE_PATH,
        &[("request_id", &request_id), ("decision", "authorize")],
        None,
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn malformed_requests_never_stop_the_server() {
    let sb = sandbox().await;
    let garbage = parse_reply(&raw(&sb, b"\x00\x01garbage\r\n\r\n").await);
    assert_eq!(garbage.status, 400);
    let bad_version = parse_reply(&raw(&sb, b"GET / HTTP/9\r\n\r\n").await);
    assert_eq!(bad_version.status, 400);

    let mut huge = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 20 * 1024));
    huge.extend_from_slice(b"\r\n\r\n");
    assert_eq!(parse_reply(&raw(&sb, &huge).await).status, 431);

    let mut big_body =
        format!("POST {TOKEN_PATH} HTTP/1.1\r\nContent-Length: 70000\r\n\r\n").into_bytes();
    big_body.extend(std::iter::repeat_n(b'a', 70000));
    assert_eq!(parse_reply(&raw(&sb, &big_body).await).status, 413);

    let chunked = raw(
        &sb,
        b"POST /2/oauth2/token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    )
    .await;
    assert_eq!(parse_reply(&chunked).status, 400);

    // Half a request, then hang up: dropped quietly.
    {
        let mut s = TcpStream::connect(sb.local_addr()).await.unwrap();
        s.write_all(b"POST /2/oauth2/token HTTP/1.1\r\nContent-Length: 50\r\n\r\nabc")
            .await
            .unwrap();
    }
    // A silent connection held open while others are served.
    let _idle = TcpStream::connect(sb.local_addr()).await.unwrap();

    let weird = get(&sb, "/i/oauth2/authorize?%FF%FE=%00&&&==", None).await;
    assert_eq!(weird.status, 400);
    let body_on_users_me = parse_reply(
        &raw(
            &sb,
            b"GET /2/users/me HTTP/1.1\r\nAuthorization: Bearer\r\n\r\n",
        )
        .await,
    );
    assert_eq!(body_on_users_me.status, 401);

    let nf = get(&sb, "/nope", None).await;
    assert_eq!(nf.status, 404);
    assert_eq!(
        nf.json()["errors"][0]["message"],
        "Sorry, that page does not exist"
    );
    assert_eq!(get(&sb, TOKEN_PATH, None).await.status, 404);

    let index = get(&sb, "/", None).await;
    assert_eq!(index.status, 200);
}

#[tokio::test]
async fn shutdown_releases_the_port() {
    let sb = Sandbox::start().await.unwrap();
    let addr = sb.local_addr();
    assert!(sb.base_url().starts_with("http://127.0.0.1:"));
    sb.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());

    let sb = Sandbox::start().await.unwrap();
    let addr = sb.local_addr();
    drop(sb);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn set_user_and_generated_apps() {
    let sb = Sandbox::start().await.unwrap();
    let app = SandboxApp::generate(true, [CB]);
    assert_eq!(app.client_id.len(), 34);
    assert_eq!(app.client_secret.as_ref().map(String::len), Some(50));
    sb.register_app(app.clone());
    sb.set_user(SandboxUser {
        id: "42".into(),
        username: "someone".into(),
        name: "Some <One>".into(),
    });
    let (code, verifier) = code_for(&sb, &app.client_id, ALL_SCOPES).await;
    let secret = app.client_secret.clone().unwrap();
    let t = post(
        &sb,
        TOKEN_PATH,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", &verifier),
        ],
        Some((&app.client_id, &secret)),
    )
    .await
    .json();
    let me = get(&sb, USERS_ME_PATH, t["access_token"].as_str())
        .await
        .json();
    assert_eq!(me["data"]["username"], "someone");
    assert_eq!(me["data"]["name"], "Some <One>");
}

/// X's `Date` header is its clock: the emulator's follows its own, moved by `advance_clock`,
/// so a machine's clock can be compared with it (`xconnect doctor`).
#[tokio::test]
async fn the_date_header_follows_the_emulator_s_clock() {
    use time::format_description::well_known::Rfc2822;
    let sb = Sandbox::start().await.unwrap();
    let date = |r: &Reply| {
        let d = r
            .header("date")
            .expect("a Date header")
            .replace("GMT", "+0000");
        time::OffsetDateTime::parse(&d, &Rfc2822).expect("an HTTP date")
    };
    let now = time::OffsetDateTime::now_utc();
    let before = date(&get(&sb, "/", None).await);
    assert!(
        (before - now).whole_seconds().abs() <= 2,
        "{before} vs {now}"
    );
    sb.advance_clock(Duration::from_secs(3600));
    let after = date(&get(&sb, "/", None).await);
    let moved = (after - before).whole_seconds();
    assert!((3599..=3602).contains(&moved), "moved {moved} s");
}
