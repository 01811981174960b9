//! X's OAuth 2.0 scope names and what the consent page says about each.

/// Every scope X knows, with a short description for the consent page.
pub const SCOPES: &[(&str, &str)] = &[
    ("tweet.read", "All the posts you can view, including posts from protected accounts."),
    ("tweet.write", "Post and repost for you."),
    ("tweet.moderate.write", "Hide and unhide replies to your posts."),
    ("users.read", "Any account you can view, including protected accounts."),
    ("users.email", "Your email address."),
    ("follows.read", "People who follow you and people who you follow."),
    ("follows.write", "Follow and unfollow people for you."),
    ("offline.access", "Stay connected to your account until you revoke access."),
    ("space.read", "All the Spaces you can view."),
    ("mute.read", "Accounts you've muted."),
    ("mute.write", "Mute and unmute accounts for you."),
    ("like.read", "Posts you've liked and likes you can view."),
    ("like.write", "Like and un-like posts for you."),
    ("list.read", "Lists, list members, and list followers of lists you've created or are a member of, including private lists."),
    ("list.write", "Create and manage lists for you."),
    ("block.read", "Accounts you've blocked."),
    ("block.write", "Block and unblock accounts for you."),
    ("bookmark.read", "Get bookmarked posts from an authenticated user."),
    ("bookmark.write", "Bookmark and remove bookmarks from posts."),
    ("dm.read", "All your Direct Messages."),
    ("dm.write", "Send and manage Direct Messages for you."),
    ("media.write", "Upload media for you."),
    ("timeline.read", "Your home timeline."),
    ("broadcast.read", "Broadcasts you can view."),
    ("broadcast.write", "Create and manage broadcasts for you."),
];

/// `/2/users/me` needs both of these.
pub const USERS_ME_SCOPES: &[&str] = &["tweet.read", "users.read"];

pub fn is_known(scope: &str) -> bool {
    SCOPES.iter().any(|(name, _)| *name == scope)
}

pub fn description(scope: &str) -> &'static str {
    SCOPES
        .iter()
        .find(|(name, _)| *name == scope)
        .map(|(_, d)| *d)
        .unwrap_or("")
}
