//! The HTML the browser host serves: consent page, error page, index.
//! Plain HTML and a little CSS; no scripts.

use super::scopes;
use super::SandboxUser;

/// X's error page title and text, word for word.
pub const ERROR_TITLE: &str = "Something went wrong";
pub const ERROR_TEXT: &str = "You weren't able to give access to the App.";

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    crate::text::escape_html(s)
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f7f9f9;color:#0f1419;margin:0}\
main{max-width:30rem;margin:2rem auto;background:#fff;border:1px solid #cfd9de;border-radius:16px;padding:1.5rem}\
h1{font-size:1.4rem;margin:.2rem 0 1rem}\
.banner{background:#fff4d6;border:1px solid #f2c94c;border-radius:8px;padding:.5rem .75rem;font-size:.85rem;margin-bottom:1rem}\
ul{padding-left:1.2rem}li{margin:.35rem 0}code{font-size:.85rem;word-break:break-all}\
.muted{color:#536471;font-size:.85rem}\
.buttons{display:flex;flex-direction:column;gap:.6rem;margin-top:1.2rem}\
button{font-size:1rem;font-weight:700;border-radius:999px;padding:.7rem;cursor:pointer}\
.allow{background:#0f1419;color:#fff;border:1px solid #0f1419}\
.cancel{background:#fff;color:#0f1419;border:1px solid #cfd9de}";

const BANNER: &str = "<div class=\"banner\">X sandbox: this page imitates X's authorization page. Nothing here talks to X.</div>";

fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{BANNER}\n{body}\n</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// What the consent page shows.
pub struct ConsentView<'a> {
    pub pending_id: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub user: &'a SandboxUser,
    pub decide_path: &'a str,
}

pub fn consent_page(v: &ConsentView<'_>) -> String {
    let items: String = v
        .scopes
        .iter()
        .map(|s| {
            format!(
                "<li><strong>{}</strong> <span class=\"muted\">({})</span></li>\n",
                escape(scopes::description(s)),
                escape(s)
            )
        })
        .collect();
    let body = format!(
        "<h1>Sandbox App wants to access your X account.</h1>\n\
         <p class=\"muted\">Client ID <code>{client_id}</code></p>\n\
         <p>Signed in as <strong>{name}</strong> @{username}</p>\n\
         <p>This App will be able to:</p>\n<ul>\n{items}</ul>\n\
         <p class=\"muted\">After you answer you will be sent to <code>{redirect}</code></p>\n\
         <form method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"request_id\" value=\"{pending}\">\n\
         <div class=\"buttons\">\n\
         <button class=\"allow\" type=\"submit\" name=\"decision\" value=\"authorize\">Authorize app</button>\n\
         <button class=\"cancel\" type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\n\
         </div>\n</form>",
        client_id = escape(v.client_id),
        name = escape(&v.user.name),
        username = escape(&v.user.username),
        redirect = escape(v.redirect_uri),
        action = escape(v.decide_path),
        pending = escape(v.pending_id),
    );
    document("Authorize App / X", &body)
}

/// X's "Something went wrong" page. `note` is the emulator's explanation of
/// which check failed; X itself gives none.
pub fn error_page(note: &str) -> String {
    let body = format!(
        "<h1>{ERROR_TITLE}</h1>\n<p>{ERROR_TEXT}</p>\n\
         <p class=\"muted\">Sandbox note: {}</p>",
        escape(note)
    );
    document(&format!("{ERROR_TITLE} / X"), &body)
}

/// A tiny landing page for `/`.
pub fn index_page(authorize_path: &str) -> String {
    let body = format!(
        "<h1>X sandbox</h1>\n<p>An emulator of X's OAuth 2.0 endpoints.</p>\n\
         <p class=\"muted\">Authorize: <code>{}</code><br>Token: <code>/2/oauth2/token</code><br>\
         Revoke: <code>/2/oauth2/revoke</code><br>Who am I: <code>/2/users/me</code></p>",
        escape(authorize_path)
    );
    document("X sandbox", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn error_page_has_x_text_and_escaped_note() {
        let page = error_page("bad <uri>");
        assert!(page.contains("Something went wrong"));
        assert!(page.contains("You weren't able to give access to the App."));
        assert!(page.contains("bad &lt;uri&gt;"));
        assert!(!page.contains("<script"));
    }
}
