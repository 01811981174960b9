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
    /// The scopes granted (or, before any login, asked for), one per item.
    pub scopes: Option<Vec<String>>,
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
        scopes: Some(match &p.token {
            Some(t) => t.scope.split_whitespace().map(String::from).collect(),
            None => p.app.scopes.clone(),
        }),
        expires_at: p.token.as_ref().map(|t| t.expires_at),
        verified: account.map(|a| a.verified),
        needs_reauth: p.status.as_ref().is_some_and(|s| s.needs_reauth) || p.token.is_none(),
        error: None,
    }
}

/// What `profiles` says (on stderr) when there are none.
pub const EMPTY: &str =
    "No profiles yet. Set one up with the wizard (xconnect) or with: xconnect login --client-id ID\n";

/// What `profiles` says on stderr about the store: `place` is the store's " in the profile
/// store …" (empty for this machine's files), `listed` whether it holds any profile, `local`
/// the profile files of this machine (looked at only in store mode, where they are not used).
pub fn store_note(place: &str, listed: bool, local: &[String]) -> String {
    if place.is_empty() {
        return if listed { String::new() } else { EMPTY.into() };
    }
    let mut out = String::new();
    if !listed {
        out.push_str(&format!(
            "No profiles yet{place}. Set one up there with the wizard (xconnect) or with: xconnect login --client-id ID\n"
        ));
    }
    if let Some(first) = local.first() {
        let shown: Vec<String> = local.iter().map(|n| crate::text::escape(n, 64)).collect();
        out.push_str(&format!(
            "This machine has profile files that the store does not hold (the store is used while XCONNECT_STORE or --store is set): {}. Move one into the store with: xconnect store push {}\n",
            shown.join(", "),
            crate::text::escape(first, 64)
        ));
    }
    out
}

/// The names of the profiles, one per line (for scripts and shell completion).
pub fn names(rows: &[Row]) -> String {
    rows.iter()
        .map(|r| format!("{}\n", crate::text::escape(&r.name, usize::MAX)))
        .collect()
}

/// What is said under the table on a terminal, when a profile is the default.
pub const LEGEND: &str = "* default profile\n";

/// The narrowest the SCOPES column gets on a terminal before the scopes go on lines of their
/// own below each row.
const MIN_SCOPES_WIDTH: usize = 24;

/// The table. `width` is the terminal's: the table fits it, the scopes wrapping within their
/// column (or below each row when the terminal is narrow); `None` (a pipe) writes every row
/// on one line, whole. `--json` has the same values. Every cell shows its hidden characters
/// (a line break too) as `\u{…}` (see [`crate::text`]).
pub fn table(rows: &[Row], width: Option<usize>) -> String {
    if rows.is_empty() {
        return String::new();
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
                    None => r
                        .scopes
                        .iter()
                        .flatten()
                        .map(|s| crate::text::clean(s))
                        .collect::<Vec<_>>()
                        .join(" "),
                },
            ]
        })
        .collect();
    let head = ["  NAME", "ACCOUNT", "TYPE", "EXPIRES", "VERIFIED", "SCOPES"];
    let mut widths: Vec<usize> = head.iter().map(|h| shown_width(h)).collect();
    for c in &cells {
        for (i, v) in c.iter().enumerate().take(5) {
            widths[i] = widths[i].max(shown_width(v));
        }
    }
    let left: usize = widths.iter().map(|w| w + 2).sum();
    // A terminal narrower than the columns without the scopes: one block per profile.
    if let Some(w) = width.filter(|w| left.saturating_sub(2) > *w) {
        return blocks(&head, &cells, w);
    }
    // On a terminal: the room the scopes have beside the other columns, or none (below).
    let room = width.map(|w| w.saturating_sub(left));
    let below = room.is_some_and(|r| r < MIN_SCOPES_WIDTH);
    let mut out = String::new();
    let mut line = |cols: [&str; 6], is_head: bool| {
        let mut l = String::new();
        for (i, v) in cols.iter().enumerate().take(5) {
            let pad = widths[i].saturating_sub(shown_width(v));
            l.push_str(v);
            l.push_str(&" ".repeat(pad + 2));
        }
        match (room, below) {
            (None, _) => {
                l.push_str(cols[5]);
                out.push_str(l.trim_end());
                out.push('\n');
            }
            (Some(_), true) => {
                out.push_str(l.trim_end());
                out.push('\n');
                if !is_head {
                    let w = width.unwrap_or(80).saturating_sub(4).max(1);
                    for part in crate::text::wrap(cols[5], w) {
                        out.push_str(&format!("    {part}\n"));
                    }
                }
            }
            (Some(r), false) => {
                let mut parts = crate::text::wrap(cols[5], r).into_iter();
                l.push_str(&parts.next().unwrap_or_default());
                out.push_str(l.trim_end());
                out.push('\n');
                for part in parts {
                    out.push_str(&format!("{}{part}\n", " ".repeat(left)));
                }
            }
        }
    };
    line(head, true);
    for c in &cells {
        line([&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]], false);
    }
    out
}

/// The table for a terminal too narrow for its columns: each profile's name on a line, then
/// its other cells as `LABEL value` and its scopes, each wrapped to `width` under an indent.
fn blocks(head: &[&str; 6], cells: &[[String; 6]], width: usize) -> String {
    let mut out = String::new();
    let room = width.saturating_sub(4).max(1);
    for c in cells {
        out.push_str(&c[0]);
        out.push('\n');
        let about: Vec<String> = (1..5)
            .filter(|i| !c[*i].is_empty())
            .map(|i| format!("{} {}", head[i].to_lowercase(), c[i]))
            .collect();
        for part in crate::text::wrap(&about.join(", "), room) {
            out.push_str(&format!("    {part}\n"));
        }
        for part in crate::text::wrap(&c[5], room) {
            out.push_str(&format!("    {part}\n"));
        }
    }
    out
}

/// Columns a cell takes on a terminal.
fn shown_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}
