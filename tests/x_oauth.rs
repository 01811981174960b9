//! The OAuth 2.0 client against the built-in X emulator over real HTTP on 127.0.0.1.

use std::time::Duration;

use xconnect::app::AppConfig;
use xconnect::sandbox::{Sandbox, SandboxApp};
use xconnect::secret::Secret;
use xconnect::x::oauth;
use xconnect::x::{users, Endpoints, XError};

const CALLBACK: &str = "https://app.latenode.com/redirected/index.html";

fn app(id: &str, secret: Option<&str>) -> AppConfig {
    AppConfig {
        client_id: id.into(),
        client_secret: secret.map(Secret::new),
        callback_url: CALLBACK.into(),
        scopes: ["tweet.read", "users.read", "offline.access"]
            .map(String::from)
            .to_vec(),
        ..AppConfig::default()
    }
}

fn endpoints(s: &Sandbox) -> Endpoints {
    Endpoints::new(&s.base_url(), &s.base_url()).expect("sandbox endpoints")
}

fn code_of(redirect: &str) -> Secret {
    let u = url::Url::parse(redirect).expect("redirect URL");
    let code = u
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    Secret::new(code)
}

#[tokio::test(flavor = "current_thread")]
async fn public_client_full_flow_and_rotation() {
    let s = Sandbox::start().await.expect("sandbox");
    s.register_app(SandboxApp::public("native-id", [CALLBACK]));
    let (a, e) = (app("native-id", None), endpoints(&s));
    let http = oauth::http_client().expect("client");
    let p = oauth::authorization(&a, &e).expect("auth url");
    assert!(p.url.contains("code_challenge_method=S256"));
    assert!(p.url.contains("scope=tweet.read+users.read+offline.access"));
    let redirect = s.approve(&p.url).await.expect("approve");
    let t = oauth::exchange(&http, &a, &e, &code_of(&redirect), &p.verifier)
        .await
        .expect("exchange");
    assert_eq!(t.expires_in, Some(Duration::from_secs(7200)));
    assert!(t.scope.contains("offline.access"));
    let me = users::me(&http, &e, &t.access_token).await.expect("me");
    assert_eq!(me.username, "sandbox_user");
    let old = t.refresh_token.expect("refresh token with offline.access");
    let t2 = oauth::refresh(&http, &a, &e, &old).await.expect("refresh");
    assert_ne!(t2.refresh_token.as_ref(), Some(&old));
    let again = oauth::refresh(&http, &a, &e, &old).await.unwrap_err();
    assert!(matches!(again, XError::GrantInvalid(_)), "{again:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn confidential_client_and_its_mistakes() {
    let s = Sandbox::start().await.expect("sandbox");
    let secret = "s".repeat(50);
    s.register_app(SandboxApp::confidential("web-id", &secret, [CALLBACK]));
    let e = endpoints(&s);
    let http = oauth::http_client().expect("client");
    // Right secret.
    let a = app("web-id", Some(&secret));
    let p = oauth::authorization(&a, &e).expect("url");
    let r = s.approve(&p.url).await.expect("approve");
    assert!(oauth::exchange(&http, &a, &e, &code_of(&r), &p.verifier)
        .await
        .is_ok());
    // Wrong secret.
    let bad = app("web-id", Some("wrong"));
    let p = oauth::authorization(&bad, &e).expect("url");
    let r = s.approve(&p.url).await.expect("approve");
    let err = oauth::exchange(&http, &bad, &e, &code_of(&r), &p.verifier)
        .await
        .unwrap_err();
    assert_eq!(err, XError::ClientAuth { confidential: true });
    // Native App chosen here, Web App in the portal.
    let native = app("web-id", None);
    let p = oauth::authorization(&native, &e).expect("url");
    let r = s.approve(&p.url).await.expect("approve");
    let err = oauth::exchange(&http, &native, &e, &code_of(&r), &p.verifier)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        XError::ClientAuth {
            confidential: false
        }
    );
    assert!(err.to_string().contains("Native App in the portal"));
}

#[tokio::test(flavor = "current_thread")]
async fn expired_reused_and_mismatched_codes() {
    let s = Sandbox::start().await.expect("sandbox");
    s.register_app(SandboxApp::public("id", [CALLBACK]));
    let (a, e) = (app("id", None), endpoints(&s));
    let http = oauth::http_client().expect("client");
    let p = oauth::authorization(&a, &e).expect("url");
    let code = code_of(&s.approve(&p.url).await.expect("approve"));
    s.advance_clock(Duration::from_secs(31));
    let err = oauth::exchange(&http, &a, &e, &code, &p.verifier)
        .await
        .unwrap_err();
    assert_eq!(err, XError::CodeInvalid);
    assert!(err.to_string().contains("30 seconds"));

    let p2 = oauth::authorization(&a, &e).expect("url");
    let code = code_of(&s.approve(&p2.url).await.expect("approve"));
    let err = oauth::exchange(&http, &a, &e, &code, &p.verifier)
        .await
        .unwrap_err();
    assert_eq!(err, XError::VerifierMismatch);
    oauth::exchange(&http, &a, &e, &code, &p2.verifier)
        .await
        .expect("right verifier");
    let err = oauth::exchange(&http, &a, &e, &code, &p2.verifier)
        .await
        .unwrap_err();
    assert_eq!(err, XError::CodeInvalid, "a code works once");
}

#[tokio::test(flavor = "current_thread")]
async fn not_enrolled_and_unreachable() {
    let s = Sandbox::start().await.expect("sandbox");
    let mut reg = SandboxApp::public("id", [CALLBACK]);
    reg.enrolled = false;
    s.register_app(reg);
    let (a, e) = (app("id", None), endpoints(&s));
    let http = oauth::http_client().expect("client");
    let p = oauth::authorization(&a, &e).expect("url");
    let code = code_of(&s.approve(&p.url).await.expect("approve"));
    let t = oauth::exchange(&http, &a, &e, &code, &p.verifier)
        .await
        .expect("login works");
    let err = users::me(&http, &e, &t.access_token).await.unwrap_err();
    assert_eq!(err, XError::NotEnrolled);
    assert!(err.to_string().contains("Project"));

    // Nothing listens on port 1.
    let dead = Endpoints::new("http://127.0.0.1:1", "http://127.0.0.1:1").expect("endpoints");
    let err = oauth::exchange(&http, &a, &dead, &code, &p.verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, XError::Network(_)), "{err:?}");
    assert!(err.to_string().starts_with("Cannot reach X"));
}

#[tokio::test(flavor = "current_thread")]
async fn a_different_redirect_uri_at_exchange_is_refused() {
    let s = Sandbox::start().await.expect("sandbox");
    let other = "https://example.com/other";
    s.register_app(SandboxApp::public("id", [CALLBACK, other]));
    let (a, e) = (app("id", None), endpoints(&s));
    let http = oauth::http_client().expect("client");
    let p = oauth::authorization(&a, &e).expect("url");
    let code = code_of(&s.approve(&p.url).await.expect("approve"));
    let moved = AppConfig {
        callback_url: other.into(),
        ..a
    };
    let err = oauth::exchange(&http, &moved, &e, &code, &p.verifier)
        .await
        .unwrap_err();
    assert_eq!(err, XError::RedirectMismatch);
}
