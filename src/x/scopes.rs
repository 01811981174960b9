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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
}
