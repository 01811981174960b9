//! X's OAuth 2.0 scopes and the portal's permission levels that imply them.

/// Every scope X documents, in the order the wizard shows them.
pub const ALL_SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.read",
    "users.email",
    "follows.read",
    "follows.write",
    "like.read",
    "like.write",
    "list.read",
    "list.write",
    "bookmark.read",
    "bookmark.write",
    "mute.read",
    "mute.write",
    "block.read",
    "block.write",
    "space.read",
    "media.write",
    "dm.read",
    "dm.write",
    "offline.access",
];

/// Keeps access after the 2-hour access token expires (X then returns a refresh token).
pub const OFFLINE_ACCESS: &str = "offline.access";

/// `GET /2/users/me`, the proof that a token works, needs both.
pub const NEEDED_FOR_PROOF: [&str; 2] = ["tweet.read", "users.read"];

const READ: &[&str] = &[
    "tweet.read",
    "users.read",
    "follows.read",
    "like.read",
    "list.read",
    "bookmark.read",
    "mute.read",
    "block.read",
    "space.read",
];
const WRITE: &[&str] = &[
    "tweet.write",
    "follows.write",
    "like.write",
    "list.write",
    "bookmark.write",
    "mute.write",
    "block.write",
    "media.write",
];
const DM: &[&str] = &["dm.read", "dm.write"];

/// The portal's "App permissions" level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Permission {
    Read,
    #[default]
    ReadWrite,
    ReadWriteDm,
}

impl Permission {
    pub const ALL: [Permission; 3] = [
        Permission::Read,
        Permission::ReadWrite,
        Permission::ReadWriteDm,
    ];

    /// The words the portal uses.
    pub fn label(self) -> &'static str {
        match self {
            Permission::Read => "Read",
            Permission::ReadWrite => "Read and write",
            Permission::ReadWriteDm => "Read and write and Direct message",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Permission::Read => "read posts, profiles, lists",
            Permission::ReadWrite => "also post, like, follow; suggested",
            Permission::ReadWriteDm => "also read and send Direct Messages",
        }
    }

    /// The command-line name (`--permissions`).
    pub fn flag(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::ReadWrite => "read-write",
            Permission::ReadWriteDm => "read-write-dm",
        }
    }

    /// The scopes this level implies, `offline.access` included.
    pub fn scopes(self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = READ.to_vec();
        if self != Permission::Read {
            v.extend_from_slice(WRITE);
        }
        if self == Permission::ReadWriteDm {
            v.extend_from_slice(DM);
        }
        v.push(OFFLINE_ACCESS);
        v
    }
}

impl Permission {
    /// The lowest "App permissions" level under which X grants this scope: Direct Message
    /// scopes need the DM level, the other `*.write` scopes Read and write, the rest Read.
    pub fn needed_for(scope: &str) -> Permission {
        if DM.contains(&scope) {
            Permission::ReadWriteDm
        } else if scope.ends_with(".write") {
            Permission::ReadWrite
        } else {
            Permission::Read
        }
    }

    /// Whether X grants `scope` to an app whose portal permissions are `self`.
    pub fn allows(self, scope: &str) -> bool {
        Permission::needed_for(scope) <= self
    }
}

/// The scopes among `scopes` that an app whose App permissions are `level` is never granted,
/// said with the two ways out; `None` when the level grants them all.
pub fn above_level<S: AsRef<str>>(level: Permission, scopes: &[S]) -> Option<String> {
    let above: Vec<&str> = scopes
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| !level.allows(s))
        .collect();
    let needed = above.iter().map(|s| Permission::needed_for(s)).max()?;
    Some(format!(
        "App permissions \"{}\" never grant {}: X leaves {} out. Set App permissions to \"{}\" (in the portal and here), or leave {} out.",
        level.label(),
        above.join(", "),
        if above.len() == 1 { "it" } else { "them" },
        needed.label(),
        if above.len() == 1 { "it" } else { "them" },
    ))
}

/// What X granted, compared with what the login asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCheck {
    /// Asked for but not granted, in the order asked.
    pub missing: Vec<String>,
    /// The token answer carried a refresh token.
    pub refresh_token: bool,
    /// `offline.access` was asked for.
    pub offline_asked: bool,
    /// What the login asked for.
    pub asked: Vec<String>,
}

impl ScopeCheck {
    /// `granted` is the token answer's space-separated `scope`.
    pub fn new(asked: &[String], granted: &str, refresh_token: bool) -> ScopeCheck {
        let granted: Vec<&str> = granted.split_whitespace().collect();
        ScopeCheck {
            missing: asked
                .iter()
                .filter(|a| !granted.contains(&a.as_str()))
                .cloned()
                .collect(),
            refresh_token,
            offline_asked: asked.iter().any(|a| a == OFFLINE_ACCESS),
            asked: asked.to_vec(),
        }
    }

    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.refresh_token
    }

    /// One sentence per problem, each with the fix, for the profile `profile`.
    pub fn problems(&self, profile: &str) -> Vec<String> {
        let again = format!("then log in again: xconnect login --profile {profile}");
        let mut out = Vec::new();
        let governed: Vec<&str> = self
            .missing
            .iter()
            .map(String::as_str)
            .filter(|s| *s != OFFLINE_ACCESS)
            .collect();
        if !governed.is_empty() {
            let level = governed
                .iter()
                .map(|s| Permission::needed_for(s))
                .max()
                .unwrap_or(Permission::Read);
            let fix = if level == Permission::Read {
                format!("check the app's User authentication settings in the portal, Save, {again}")
            } else {
                format!(
                    "set App permissions to {} in User authentication settings, Save, {again}",
                    level.label()
                )
            };
            out.push(format!(
                "X granted fewer scopes than asked: missing {}. To fix: {fix}.",
                governed.join(", ")
            ));
        }
        if !self.refresh_token {
            let why = if !self.offline_asked {
                "offline.access was not asked for".to_string()
            } else if self.missing.iter().any(|s| s == OFFLINE_ACCESS) {
                "X did not grant offline.access".to_string()
            } else {
                "X sent none".to_string()
            };
            out.push(format!(
                "No refresh token ({why}): the profile stops working when the access token expires, 2 hours after the login. To keep access, {}.",
                if self.offline_asked {
                    again
                } else {
                    format!(
                        "log in again with offline.access among the scopes: xconnect login --profile {profile} --scopes \"{} {OFFLINE_ACCESS}\"",
                        self.asked.join(" ")
                    )
                }
            ));
        }
        out
    }
}

/// True when X knows this scope name.
pub fn is_known(scope: &str) -> bool {
    ALL_SCOPES.contains(&scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_nest_and_keep_offline_access() {
        let r = Permission::Read.scopes();
        let rw = Permission::ReadWrite.scopes();
        let dm = Permission::ReadWriteDm.scopes();
        assert!(r.iter().all(|s| rw.contains(s)));
        assert!(rw.iter().all(|s| dm.contains(s)));
        assert!(!r.contains(&"tweet.write") && rw.contains(&"tweet.write"));
        assert!(!rw.contains(&"dm.read") && dm.contains(&"dm.write"));
        for l in Permission::ALL {
            let s = l.scopes();
            assert!(s.contains(&OFFLINE_ACCESS));
            assert!(NEEDED_FOR_PROOF.iter().all(|n| s.contains(n)));
            assert!(s.iter().all(|x| is_known(x)));
        }
    }

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_scope_needs_its_permission_level() {
        assert_eq!(Permission::needed_for("tweet.read"), Permission::Read);
        assert_eq!(Permission::needed_for("offline.access"), Permission::Read);
        assert_eq!(Permission::needed_for("tweet.write"), Permission::ReadWrite);
        assert_eq!(Permission::needed_for("dm.read"), Permission::ReadWriteDm);
        for l in Permission::ALL {
            assert!(l.scopes().iter().all(|s| l.allows(s)), "{l:?}");
        }
        assert!(!Permission::Read.allows("like.write"));
        assert!(!Permission::ReadWrite.allows("dm.write"));
    }

    #[test]
    fn a_full_grant_has_no_problems() {
        let asked = owned(&Permission::ReadWrite.scopes());
        let c = ScopeCheck::new(&asked, &asked.join(" "), true);
        assert!(c.is_complete());
        assert!(c.problems("p").is_empty());
    }

    #[test]
    fn missing_write_scopes_name_the_portal_fix() {
        let asked = owned(&["tweet.read", "tweet.write", "users.read", "offline.access"]);
        let c = ScopeCheck::new(&asked, "tweet.read users.read offline.access", true);
        assert_eq!(c.missing, ["tweet.write"]);
        let p = c.problems("bot");
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0],
            "X granted fewer scopes than asked: missing tweet.write. To fix: set App permissions to Read and write in User authentication settings, Save, then log in again: xconnect login --profile bot."
        );
        let dm = ScopeCheck::new(&owned(&["dm.read", "tweet.write"]), "", true);
        assert!(dm.problems("p")[0].contains("Read and write and Direct message"));
    }

    #[test]
    fn no_refresh_token_says_two_hours() {
        let asked = owned(&["tweet.read", "users.read", "offline.access"]);
        let c = ScopeCheck::new(&asked, "tweet.read users.read", false);
        let p = c.problems("p");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("X did not grant offline.access"), "{}", p[0]);
        assert!(p[0].contains("2 hours"), "{}", p[0]);
        let unasked = ScopeCheck::new(&owned(&["tweet.read"]), "tweet.read", false);
        assert!(unasked.missing.is_empty());
        assert!(unasked.problems("p")[0].contains("offline.access was not asked for"));
    }
}
