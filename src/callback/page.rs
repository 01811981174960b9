//! The small pages the loopback listener answers the browser with: plain HTML, no script,
//! nothing loaded from elsewhere, never cached.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::loopback::Response;

/// The page's only style. The policy names its hash: nothing else inline may apply, and no
/// script, frame, form or outside source is allowed at all.
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}";

fn csp() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// What the browser is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Page {
    /// The code arrived; the terminal takes over.
    Authorized,
    /// `error=access_denied`: the person clicked Cancel.
    Denied,
    /// Any other `error=…` from X (the text is shown escaped).
    ProviderError(String),
    /// The callback path, but the state belongs to another login attempt (a stale tab).
    OtherAttempt,
    /// The callback path with the right state but unusable parameters (the text is shown escaped).
    Unusable(String),
    NotFound,
    MethodNotAllowed,
}

impl Page {
    pub(crate) fn response(&self) -> Response {
        let (status, title, message) = match self {
            Page::Authorized => (
                200,
                "Authorized",
                "Authorized. You can close this tab and return to the terminal.".to_string(),
            ),
            Page::Denied => (
                200,
                "Access not given",
                "Access was not given. Return to the terminal to try again.".to_string(),
            ),
            Page::ProviderError(error) => (
                200,
                "X reported an error",
                format!(
                    "X sent back the error \u{201c}{}\u{201d} instead of a code. Return to the terminal to see what to do.",
                    escape_html(error)
                ),
            ),
            Page::OtherAttempt => (
                400,
                "Another login attempt",
                "This page belongs to another login attempt. Return to the terminal and open the link it shows now."
                    .to_string(),
            ),
            Page::Unusable(why) => (400, "Not usable", escape_html(why)),
            Page::NotFound => (404, "Not found", "Nothing here.".to_string()),
            Page::MethodNotAllowed => (
                405,
                "Method not allowed",
                "Only GET is answered here.".to_string(),
            ),
        };
        let body = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"referrer\" content=\"no-referrer\">\
             <title>xconnect: {title}</title>\
             <style>{STYLE}</style>\
             </head><body><h1>{title}</h1><p>{message}</p></body></html>\n"
        );
        let mut response = Response::html(status, body)
            .with_header("Cache-Control", "no-store")
            .with_header("Content-Security-Policy", csp())
            .with_header("Referrer-Policy", "no-referrer")
            .with_header("X-Content-Type-Options", "nosniff");
        if status == 405 {
            response = response.with_header("Allow", "GET");
        }
        response
    }
}

pub(crate) use crate::text::escape_html;

#[cfg(test)]
mod tests {
    use super::*;

    fn body(page: &Page) -> String {
        String::from_utf8(page.response().body).unwrap()
    }

    #[test]
    fn pages_say_what_happened() {
        assert!(body(&Page::Authorized)
            .contains("Authorized. You can close this tab and return to the terminal."));
        assert!(body(&Page::Denied)
            .contains("Access was not given. Return to the terminal to try again."));
        assert_eq!(Page::NotFound.response().status, 404);
        assert_eq!(Page::OtherAttempt.response().status, 400);
        assert_eq!(
            Page::MethodNotAllowed.response().header("Allow"),
            Some("GET")
        );
    }

    #[test]
    fn pages_are_not_cached_and_load_nothing() {
        for page in [
            Page::Authorized,
            Page::Denied,
            Page::ProviderError("x".into()),
            Page::OtherAttempt,
            Page::Unusable("y".into()),
            Page::NotFound,
            Page::MethodNotAllowed,
        ] {
            let r = page.response();
            assert_eq!(r.header("Cache-Control"), Some("no-store"));
            assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
            let b = body(&page);
            assert!(!b.contains("<script"));
            assert!(!b.contains("src="));
            assert!(!b.contains("href="));
            // The policy allows exactly the page's own style, by its hash.
            let csp = r.header("Content-Security-Policy").unwrap();
            let style = b
                .split("<style>")
                .nth(1)
                .unwrap()
                .split("</style>")
                .next()
                .unwrap();
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style));
            assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
            assert!(csp.starts_with("default-src 'none';"), "{csp}");
        }
    }

    #[test]
    fn echoed_text_is_escaped() {
        let b = body(&Page::ProviderError(
            "<script>alert('x')</script>&\"".into(),
        ));
        assert!(!b.contains("<script>"));
        assert!(b.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
        let b = body(&Page::Unusable("<b>".into()));
        assert!(b.contains("&lt;b&gt;"));
    }
}
