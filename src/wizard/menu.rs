//! The start menu, shown when profiles exist: set up a new app, log in again to a saved
//! profile (straight to Authorize with its settings), or quit.

use super::model::{Cmd, Entry, Menu, Model, StatusKind, Step};
use super::resume;
use super::steps::{self, focus};
use super::widgets::body::Body;
use super::widgets::choice_list;
use crate::profile::Profile;

/// One line about a profile: account, app type, token state.
pub fn describe(p: &Profile, now: time::OffsetDateTime) -> String {
    let who = p
        .account
        .as_ref()
        .filter(|a| !a.username.is_empty())
        .map_or_else(
            || "unverified".to_string(),
            |a| format!("@{}", crate::text::clean_short(&a.username, 40)),
        );
    let state = if p.status.as_ref().is_some_and(|s| s.needs_reauth) {
        "needs a new login".to_string()
    } else {
        match p.token.as_ref().map(|t| t.expires_at) {
            None => "no token (revoked)".to_string(),
            Some(at) => {
                let s = (at - now).whole_seconds();
                if s < 0 && p.token.as_ref().is_some_and(|t| t.refresh_token.is_some()) {
                    "token refreshable".to_string()
                } else if s < 0 {
                    "token expired".to_string()
                } else {
                    format!("token expires {}", crate::timefmt::relative(s))
                }
            }
        }
    };
    format!("{who} · {} · {state}", p.app.app_type.as_str())
}

/// Entries drawn at most: the list shows a window around the cursor, so a frame costs the
/// same with ten profiles or ten thousand.
fn window(menu: &Menu, rows: usize) -> (usize, usize) {
    let len = menu.entries().len();
    let rows = rows.max(3).min(len);
    let top = menu
        .cursor
        .saturating_sub(rows / 2)
        .min(len.saturating_sub(rows));
    (top, top + rows)
}

pub fn render(
    menu: &Menu,
    store: Option<&str>,
    rows: usize,
    now: time::OffsetDateTime,
    body: &mut Body,
) {
    let intro = match (&menu.resume, store) {
        (Some(_), _) => "The last setup stopped half way. What would you like to do?".to_string(),
        (None, Some(store)) => {
            format!("Profiles are saved in the profile store {store}. What would you like to do?")
        }
        (None, None) => {
            "Profiles are saved on this machine. What would you like to do?".to_string()
        }
    };
    body.text(&intro, ratatui::style::Style::new());
    body.blank();
    let entries = menu.entries();
    // Room for the intro, the "more" lines and the hint under the list.
    let (top, end) = window(menu, rows.saturating_sub(7));
    let labels: Vec<(String, String)> = entries[top..end]
        .iter()
        .map(|e| match e {
            Entry::Resume => (
                "Resume where it stopped".to_string(),
                menu.resume
                    .as_ref()
                    .map(resume::restores)
                    .unwrap_or_default(),
            ),
            Entry::New => (
                "Set up a new app".to_string(),
                "the whole wizard, step by step".to_string(),
            ),
            Entry::Profile(i) => menu.profiles.get(*i).map_or_else(
                || (String::new(), String::new()),
                |(name, p)| {
                    (
                        format!("Log in again: {name}"),
                        match p {
                            Some(p) => describe(p, now),
                            None if menu.read => {
                                "could not be read (xconnect profiles says why)".to_string()
                            }
                            None => "…".to_string(),
                        },
                    )
                },
            ),
            Entry::Quit => ("Quit".to_string(), String::new()),
        })
        .collect();
    let items: Vec<(&str, &str)> = labels
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let style = body.theme.dim();
    if top > 0 {
        body.text(&format!("  ↑ {top} more"), style);
    }
    choice_list::render_from(body, &items, top, menu.cursor, true, false, entries.len());
    if end < entries.len() {
        body.text(&format!("  ↓ {} more", entries.len() - end), style);
    }
    if !menu.profiles.is_empty() {
        body.blank();
        body.text(
            "Logging in again reuses the saved app settings (Client ID, app type, callback URL, scopes) and replaces the profile's tokens.",
            style,
        );
    }
}

/// Enter: does what the chosen line says.
pub fn choose(m: &mut Model) -> Vec<Cmd> {
    let Some(menu) = m.menu.take() else {
        return Vec::new();
    };
    let entry = menu
        .entries()
        .get(menu.cursor)
        .copied()
        .unwrap_or(Entry::Quit);
    // The menu stays reachable: Esc on the first step comes back to it.
    let back = Menu {
        resume: None,
        cursor: 0,
        ..menu.clone()
    };
    match entry {
        Entry::Resume => {
            if let Some(s) = &menu.resume {
                resume::apply(m, s);
            }
            m.menu_back = Some(back);
            if m.app_type.is_confidential() {
                m.set_status(
                    StatusKind::Info,
                    "Resumed. The Client Secret is never kept: paste it again.",
                );
            } else {
                m.set_status(StatusKind::Info, "Resumed with everything you entered.");
            }
            Vec::new()
        }
        Entry::New => {
            focus::enter(m, Step::CreateApp);
            m.menu_back = Some(back);
            vec![Cmd::ClearSession]
        }
        Entry::Profile(i) => {
            let Some((name, Some(profile))) = menu.profiles.get(i).cloned() else {
                m.menu = Some(menu);
                m.set_status(
                    StatusKind::Info,
                    "That profile is still being read, or could not be read (see: xconnect profiles).",
                );
                return Vec::new();
            };
            let sandboxed = profile.endpoints.as_ref().is_some_and(|e| e.sandbox);
            if sandboxed != m.sandbox {
                // X and the emulator do not know each other's apps: say which way in works.
                m.menu = Some(menu);
                let how = if sandboxed {
                    format!("{name} is a sandbox profile: log in again with xconnect --sandbox, or xconnect login --profile {name}.")
                } else {
                    format!("{name} is a profile at X: log in again without --sandbox.")
                };
                m.set_status(StatusKind::Info, how);
                return Vec::new();
            }
            m.menu_back = Some(back);
            load_settings(m, &name, &profile);
            steps::go_authorize(m)
        }
        Entry::Quit => {
            m.quit = true;
            vec![Cmd::Quit]
        }
    }
}

/// Fills the wizard with a saved profile's settings, as if typed.
pub fn load_settings(m: &mut Model, name: &str, p: &Profile) {
    let a = &p.app;
    resume::fill(
        m,
        &resume::AppFields {
            scopes: &a.scopes,
            app_type: a.app_type,
            callback_url: &a.callback_url,
            website_url: &a.website_url,
            client_id: &a.client_id,
            profile: name,
        },
    );
    m.credentials
        .secret
        .set(a.client_secret.as_deref().unwrap_or(""));
    // Logging in again replaces this very profile: no question to ask.
    m.credentials.replace = Some(name.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_edited_username_is_shown_clean() {
        let p = Profile::from_toml(
            r#"version = 1

[app]
client_id = "Y2xpZW50LWlk"
app_type = "native"
callback_url = "http://127.0.0.1:8765/callback"
website_url = "https://example.com"
scopes = ["tweet.read"]

[account]
id = "1"
username = "me\u001B]0;pwned\u0007\u202Etxt"
name = "Me"
verified = true
"#,
        )
        .expect("profile");
        let line = describe(&p, crate::timefmt::now());
        assert!(line.starts_with("@metxt · native"), "{line:?}");
    }
}
