//! `xconnect post [TEXT] [--media FILE]… [--reply-to ID]`: what X would refuse is refused
//! before anything is sent (empty text without media, text over 280 as X counts it, a mix of
//! media a post cannot carry, a file X does not take); then the media are uploaded (see
//! [`super::media`]) and the post made. X's refusals that a script meets most get words of
//! their own: a duplicate, a missing scope, a reply where the account was not summoned.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

use super::media::{check, missing_scope, upload};
use super::progress::Progress;
use super::send::{refused, Answer, Session};
use super::{exit, Failure};
use crate::store::{Found, ProfileStore};
use crate::x::media::is_id;
use crate::x::post::{check_mix, check_text};

pub const TWEETS_PATH: &str = "/2/tweets";

/// What to post.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub text: String,
    pub media: Vec<PathBuf>,
    /// Media uploaded before (`xconnect media upload`).
    pub media_ids: Vec<String>,
    pub reply_to: Option<String>,
    /// `--wait`: a rate limit is waited for.
    pub wait: Option<super::send::Wait>,
}

/// The post made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub id: String,
    pub url: String,
    pub text: String,
    pub media_ids: Vec<String>,
    pub reply_to: Option<String>,
}

impl Posted {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "url": self.url,
            "text": self.text,
            "media_ids": self.media_ids,
            "in_reply_to_tweet_id": self.reply_to,
        })
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::new(exit::USAGE, message)
}

/// The post's body.
pub fn body(text: &str, media_ids: &[String], reply_to: Option<&str>) -> Value {
    // Media alone: X takes a post without text.
    let mut b = if text.is_empty() && !media_ids.is_empty() {
        json!({})
    } else {
        json!({ "text": text })
    };
    if !media_ids.is_empty() {
        b["media"] = json!({ "media_ids": media_ids });
    }
    if let Some(id) = reply_to {
        b["reply"] = json!({ "in_reply_to_tweet_id": id });
    }
    b
}

/// The post's address: `https://x.com/USERNAME/status/ID` (`i/web` when the profile does
/// not know its account).
pub fn address(username: Option<&str>, id: &str) -> String {
    let who = username
        .filter(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .unwrap_or("i/web");
    format!("https://x.com/{who}/status/{id}")
}

/// X's refusal of a post, in words of its own for what a script meets most.
fn post_refused(session: &Session<'_>, a: &Answer) -> Failure {
    let body = String::from_utf8_lossy(&a.body);
    let name = session.name();
    if a.status == 403 && body.contains("duplicate content") {
        return Failure::new(
            exit::FAILURE,
            "X refused the post as a duplicate: this account posted the same text recently. Change the text (a time or a counter is enough) and post again.",
        );
    }
    if a.status == 403
        && (body.contains("not been mentioned or otherwise engaged")
            || body.contains("Reply to this conversation is not allowed"))
    {
        return Failure::new(
            exit::FAILURE,
            "X refused the reply: since February 2026 a program may reply only where it was summoned (the post mentions this account, or its author engaged it first), or to its own posts. Post without --reply-to, or mention the account instead.",
        );
    }
    if a.status == 403 && body.contains("deleted or not visible") {
        return Failure::new(
            exit::FAILURE,
            "X refused the reply: the post given to --reply-to is deleted or not visible to this account.",
        );
    }
    if a.status == 403 && (!session.has_scope("tweet.write") || body.contains("not permitted")) {
        return missing_scope(name, &["tweet.write"], "post");
    }
    refused(a)
}

/// Makes the post for profile `name`.
pub async fn run(
    store: &mut dyn ProfileStore,
    name: &str,
    first: Found,
    api_override: Option<&str>,
    req: &Request,
    warn: &mut (dyn Write + Send),
    progress: &Arc<dyn Progress>,
) -> Result<Posted, Failure> {
    // Everything X would refuse, before anything is sent.
    let has_media = !req.media.is_empty() || !req.media_ids.is_empty();
    check_text(&req.text, has_media).map_err(usage)?;
    for id in req.media_ids.iter().chain(&req.reply_to) {
        if !is_id(id) {
            return Err(usage(format!(
                "{:?} is not an id of X's (digits)",
                crate::text::escape(id, 40)
            )));
        }
    }
    let files = req
        .media
        .iter()
        .map(|p| check(p))
        .collect::<Result<Vec<_>, _>>()?;
    let kinds: Vec<_> = files.iter().map(|f| f.media.kind).collect();
    check_mix(&kinds).map_err(usage)?;
    if files.len() + req.media_ids.len() > 4 {
        return Err(usage("a post carries at most 4 media"));
    }

    let mut session = Session::open(store, name, first, api_override, warn).await?;
    session.wait = req.wait;
    // The scopes the login was granted, as X said them: a missing one is said before
    // anything is uploaded.
    let granted = session
        .profile
        .token
        .as_ref()
        .is_some_and(|t| !t.scope.trim().is_empty());
    if granted {
        let mut needed = vec!["tweet.write"];
        if !files.is_empty() {
            needed.push("media.write");
        }
        let missing: Vec<&str> = needed
            .into_iter()
            .filter(|s| !session.has_scope(s))
            .collect();
        if !missing.is_empty() {
            let what = if files.is_empty() {
                "post"
            } else {
                "post media"
            };
            return Err(missing_scope(name, &missing, what));
        }
    }

    let mut media_ids = Vec::new();
    for file in &files {
        let (up, _) = upload(&mut session, warn, file, None, progress).await?;
        media_ids.push(up.id);
    }
    media_ids.extend(req.media_ids.iter().cloned());

    let url = session.url(TWEETS_PATH)?;
    let b = body(&req.text, &media_ids, req.reply_to.as_deref());
    let a = session
        .send(warn, |http| Ok(http.post(url.clone()).json(&b)))
        .await?;
    if !a.is_success() {
        return Err(post_refused(&session, &a));
    }
    let v: Value = serde_json::from_slice(&a.body)
        .map_err(|_| Failure::new(exit::FAILURE, "X's answer to the post is not JSON"))?;
    let id = v
        .pointer("/data/id")
        .and_then(Value::as_str)
        .filter(|id| is_id(id))
        .ok_or_else(|| Failure::new(exit::FAILURE, "X's answer to the post has no id"))?
        .to_string();
    let username = session
        .profile
        .account
        .as_ref()
        .map(|a| a.username.as_str());
    Ok(Posted {
        url: address(username, &id),
        id,
        text: req.text.clone(),
        media_ids,
        reply_to: req.reply_to.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_media_and_the_reply_only_when_given() {
        assert_eq!(body("hi", &[], None), json!({"text": "hi"}));
        assert_eq!(
            body("", &["1".into(), "2".into()], Some("9")),
            json!({"media": {"media_ids": ["1", "2"]}, "reply": {"in_reply_to_tweet_id": "9"}})
        );
    }

    #[test]
    fn the_address_names_the_account_or_falls_back() {
        assert_eq!(
            address(Some("sandbox_user"), "18"),
            "https://x.com/sandbox_user/status/18"
        );
        assert_eq!(address(None, "18"), "https://x.com/i/web/status/18");
        assert_eq!(
            address(Some("a/../b"), "18"),
            "https://x.com/i/web/status/18"
        );
    }
}
