//! `profiles`: one line per profile, the default marked; or JSON.

use serde::Serialize;

use crate::profile::Profile;
use crate::store::{ProfileStore, StoreError};
use crate::timefmt;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub default: bool,
    pub username: Option<String>,
    pub app_type: Option<String>,
    pub scopes: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<time::OffsetDateTime>,
    pub verified: Option<bool>,
    pub needs_reauth: bool,
    /// Why the file cannot be read, when it cannot.
    pub error: Option<String>,
}

/// One row per profile, the default marked. A default marker on this machine that cannot be
/// read is said on `warn` and the rows are listed without a default.
pub async fn rows(
    store: &dyn ProfileStore,
    warn: &mut dyn std::io::Write,
) -> Result<Vec<Row>, StoreError> {
    let default = match store.default_name().await {
        Ok(d) => d,
        Err(StoreError::File(e)) => {
            let _ = writeln!(warn, "warning: {e}");
            None
        }
        Err(e) => return Err(e),
    };
    Ok(store
        .list()
        .await?
        .into_iter()
        .map(|(name, listed)| {
            let is_default = default.as_deref() == Some(name.as_str());
            match listed {
                Ok(profile) => row(name, is_default, &profile),
                Err(why) => unreadable(name, is_default, why),
            }
        })
        .collect())
}

/// The rows as pretty JSON, ready for a terminal (hidden characters as JSON escapes: still
/// JSON, the same values).
pub fn json(rows: &[Row]) -> Result<String, String> {
    let text = serde_json::to_string_pretty(rows).map_err(|e| e.to_string())?;
    Ok(crate::text::json_for_terminal(&text))
}

/// A profile that cannot be read: its name, and why.
fn unreadable(name: String, default: bool, why: String) -> Row {
    Row {
        name,
        default,
        username: None,
        app_type: None,
        scopes: None,
        expires_at: None,
        verified: None,
        needs_reauth: false,
        error: Some(why),
    }
}

fn row(name: String, default: bool, p: &Profile) -> Row {
    let account = p.account.as_ref();
    Row {
        name,
        default,
        username: account
            .filter(|a| !a.username.is_empty())
            .map(|a| a.username.clone()),
        app_type: Some(p.app.app_type.as_str().to_string()),
        scopes: p
            .token
            .as_ref()
            .map(|t| t.scope.clone())
            .or_else(|| Some(p.app.scopes.join(" "))),
        expires_at: p.token.as_ref().map(|t| t.expires_at),
        verified: account.map(|a| a.verified),
        needs_reauth: p.status.as_ref().is_some_and(|s| s.needs_reauth) || p.token.is_none(),
        error: None,
    }
}

/// What `profiles` says (on stderr) when there are none.
pub const EMPTY: &str =
    "No profiles yet. Set one up with the wizard (xconnect) or with: xconnect login --client-id ID\n";

/// The table for people. Scopes are cut to fit 100 columns; `--json` has them whole. Every
/// cell shows its hidden characters (a line break too) as `\u{…}` (see [`crate::text`]).
pub fn table(rows: &[Row]) -> String {
    if rows.is_empty() {
        return EMPTY.into();
    }
    let now = timefmt::now();
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let expires = if r.error.is_some() {
                String::new()
            } else if r.needs_reauth {
                "needs login".into()
            } else {
                r.expires_at
                    .map(|t| {
                        let s = (t - now).whole_seconds();
                        if s < 0 {
                            format!("expired {}", timefmt::relative(s))
                        } else {
                            timefmt::relative(s)
                        }
                    })
                    .unwrap_or_else(|| "?".into())
            };
            let cell = |s: &str| crate::text::escape(s, usize::MAX);
            [
                format!("{} {}", if r.default { "*" } else { " " }, cell(&r.name)),
                r.username.as_ref().map_or_else(
                    || "-".into(),
                    |u| format!("@{}", crate::text::clean_short(u, 40)),
                ),
                cell(r.app_type.as_deref().unwrap_or_default()),
                expires,
                match r.verified {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => String::new(),
                },
                match &r.error {
                    Some(e) => format!("cannot read: {}", cell(e)),
                    None => crate::text::clean(r.scopes.as_deref().unwrap_or_default()),
                },
            ]
        })
        .collect();
    let head = ["  NAME", "ACCOUNT", "TYPE", "EXPIRES", "VERIFIED", "SCOPES"];
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for c in &cells {
        for (i, v) in c.iter().enumerate().take(5) {
            widths[i] = widths[i].max(v.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: [&str; 6]| {
        let mut l = String::new();
        for (i, v) in cols.iter().enumerate().take(5) {
            l.push_str(&format!("{v:<w$}  ", w = widths[i]));
        }
        let room = 100usize.saturating_sub(l.chars().count()).max(20);
        l.push_str(&crate::text::fit(cols[5], room));
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(head);
    for c in &cells {
        line([&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]);
    }
    out.push_str("\n* default profile\n");
    out
}
