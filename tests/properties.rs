//! Properties of everything that reads text from outside: pasted redirects, URLs,
//! credentials, profile names, profile files and pastes. Each holds for any input, not just
//! the examples in the unit tests.

use std::path::{Component, PathBuf};

use proptest::prelude::*;
use unicode_width::UnicodeWidthChar;
use url::Url;
use xconnect::callback::{parse_redirect, CallbackError, MAX_INPUT};
use xconnect::profile::{self, check_name, Profile, MAX_NAME_LEN};
use xconnect::sanitize::clean_paste;
use xconnect::store::file::Store;
use xconnect::text;
use xconnect::validate::{check_client_id, check_client_secret, check_url, is_loopback_host};

const CALLBACKS: [&str; 4] = [
    "https://app.latenode.com/redirected/index.html",
    "http://127.0.0.1:8080/callback",
    "http://[::1]:1/",
    "com.example.app://cb/path",
];

/// Callbacks a redirect can be rebuilt from (the custom scheme has its own tests).
const ROUND_TRIP_CALLBACKS: [&str; 4] = [
    "https://app.latenode.com/redirected/index.html",
    "http://127.0.0.1:8080/callback",
    "http://localhost:3000/cb",
    "https://example.com/oauth/x/",
];

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

/// Characters that carry meaning in addresses and escapes, to be mixed into inputs.
const PIECES: &[&str] = &[
    "https://",
    "http://",
    "app.latenode.com",
    "/redirected/index.html",
    "127.0.0.1:8080",
    "[::1]",
    "localhost",
    "?",
    "#",
    "&",
    "=",
    ";",
    "code",
    "state",
    "error",
    "error_description",
    "access_denied",
    "%",
    "%2",
    "%25",
    "%26",
    "%3D",
    "%00",
    "%ff",
    "%e2%82",
    "+",
    " ",
    "\t",
    "\n",
    "\"",
    "'",
    "<",
    ">",
    "\u{201c}",
    "\u{201d}",
    "\u{1b}[31m",
    "\u{0}",
    "\u{7f}",
    "\u{9b}",
    "\u{202e}",
    "é",
    "🎉",
    "..",
    "/",
    "\\",
    ":",
];

/// Arbitrary text, text built from meaningful pieces, and very long text.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.concat()),
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(PIECES).prop_map(str::to_string),
                "[a-zA-Z0-9%=&?#._~-]{0,12}",
            ],
            0..60
        )
        .prop_map(|v| v.concat()),
        // Mostly C0, DEL, C1 and Latin-1: every control character comes up often.
        prop::collection::vec(
            prop_oneof![3 => prop::char::range('\u{0}', '\u{ff}'), 1 => any::<char>()],
            0..80
        )
        .prop_map(|v| v.into_iter().collect()),
        (any::<String>(), 1usize..3000).prop_map(|(s, n)| cut(&s.repeat(n), 20 * 1024)),
        ("[ -~]{1,40}", MAX_INPUT - 64..MAX_INPUT + 64)
            .prop_map(|(s, len)| cut(&format!("code={}&state=", s.repeat(len)), len)),
    ]
}

/// `s` shortened to at most `max` bytes, on a character boundary.
fn cut(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// An unreserved-characters value: it goes into an address as it is.
fn url_safe() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~-]{1,80}"
}

/// Any printable value (letters of every script, symbols, spaces); percent-encoded by the test.
fn printable() -> impl Strategy<Value = String> {
    "\\PC{1,60}"
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A redirect address: the callback with `code` and `state` (in either order), and maybe
/// other parameters before, between and after them.
fn address(
    callback: &str,
    code: &str,
    state: &str,
    state_first: bool,
    extra: &[(String, String)],
) -> String {
    let mut params = vec![format!("code={code}"), format!("state={state}")];
    if state_first {
        params.reverse();
    }
    for (i, (k, v)) in extra.iter().enumerate() {
        let at = (i * 2) % (params.len() + 1);
        params.insert(at, format!("{k}={}", encode(v)));
    }
    format!("{callback}?{}", params.join("&"))
}

/// Extra parameters, named so they never collide with code, state or error.
fn extras() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("x[a-z_]{0,8}", "\\PC{0,20}"), 0..4)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_redirect_never_panics_and_its_messages_are_safe(
        input in hostile_text(),
        state in prop_oneof![Just(String::new()), url_safe()],
    ) {
        for cb in CALLBACKS {
            let cb = Url::parse(cb).expect("callback");
            match parse_redirect(&input, &cb, &state) {
                Ok(r) => {
                    // Accepted only with the very state this attempt sent, and a code.
                    prop_assert!(!state.is_empty());
                    prop_assert_eq!(&r.state, &state);
                    prop_assert!(!r.code.is_empty());
                }
                Err(e) => {
                    let text = e.to_string();
                    prop_assert!(!has_control(&text), "{:?}", text);
                    prop_assert!(text.chars().count() < 1000, "{}", text.len());
                    if input.len() > MAX_INPUT {
                        prop_assert_eq!(e, CallbackError::TooLong { len: input.len() });
                    }
                }
            }
        }
    }

    #[test]
    fn a_url_safe_code_and_state_come_back_exactly(
        cb in prop::sample::select(&ROUND_TRIP_CALLBACKS[..]),
        code in url_safe(),
        state in url_safe(),
        state_first in any::<bool>(),
        extra in extras(),
    ) {
        let callback = Url::parse(cb).expect("callback");
        let full = address(cb, &code, &state, state_first, &extra);
        let r = parse_redirect(&full, &callback, &state).expect("the whole address");
        prop_assert_eq!((&r.code, &r.state), (&code, &state));
        // The query alone, as some people copy it.
        let query = full.split_once('?').expect("query").1;
        let r = parse_redirect(query, &callback, &state).expect("the query alone");
        prop_assert_eq!((&r.code, &r.state), (&code, &state));
        // Wrapped by the terminal and pasted with the line break.
        let (head, tail) = full.split_at(full.len() / 2);
        let r = parse_redirect(&format!("{head}\n{tail}\n"), &callback, &state)
            .expect("a wrapped address");
        prop_assert_eq!((&r.code, &r.state), (&code, &state));
    }

    #[test]
    fn a_percent_encoded_code_and_state_come_back_exactly(
        cb in prop::sample::select(&ROUND_TRIP_CALLBACKS[..]),
        code in printable(),
        state in printable(),
        state_first in any::<bool>(),
        extra in extras(),
    ) {
        let callback = Url::parse(cb).expect("callback");
        let full = address(cb, &encode(&code), &encode(&state), state_first, &extra);
        let r = parse_redirect(&full, &callback, &state).expect("the whole address");
        prop_assert_eq!((&r.code, &r.state), (&code, &state));
        let query = full.split_once('?').expect("query").1;
        let r = parse_redirect(&format!("?{query}"), &callback, &state).expect("?query");
        prop_assert_eq!((&r.code, &r.state), (&code, &state));
        // Any other state is refused, whatever it looks like.
        let other = format!("{state}x");
        prop_assert_eq!(
            parse_redirect(&full, &callback, &other).unwrap_err(),
            CallbackError::StateMismatch
        );
    }

    #[test]
    fn check_url_accepts_only_https_or_loopback_http_without_fragment_or_spaces(
        value in prop_oneof![
            hostile_text(),
            (
                prop::sample::select(&["https://", "http://", "HTTPS://", "ftp://", "javascript:", "", "//"][..]),
                prop::sample::select(&[
                    "app.latenode.com", "127.0.0.1", "127.9.9.9", "localhost", "LOCALHOST",
                    "[::1]", "[::2]", "example.com", "0.0.0.0", "localhost.evil.com",
                    "127.0.0.1.nip.io", "user:pw@example.com", "", "xn--bcher-kva.example",
                ][..]),
                prop::sample::select(&["", ":8080", ":0", ":65536", ":x"][..]),
                "[/a-zA-Z0-9%?=&#. \t\u{7}é-]{0,30}",
            )
                .prop_map(|(s, h, p, rest)| format!("{s}{h}{p}{rest}")),
        ],
    ) {
        if let Ok(url) = check_url(&value) {
            let loopback_http = url.scheme() == "http" && is_loopback_host(&url);
            prop_assert!(url.scheme() == "https" || loopback_http, "{}", url);
            prop_assert!(url.host().is_some(), "{}", url);
            prop_assert!(url.fragment().is_none(), "{}", url);
            prop_assert!(!value.contains('#'), "{:?}", value);
            prop_assert!(!value.chars().any(char::is_whitespace), "{:?}", value);
            prop_assert!(!has_control(&value), "{:?}", value);
            prop_assert!(!url.as_str().chars().any(char::is_whitespace), "{}", url);
            prop_assert!(url.username().is_empty() && url.password().is_none(), "{}", url);
        }
    }

    #[test]
    fn credentials_with_spaces_or_control_characters_are_refused(
        value in hostile_text(),
        bad in prop::sample::select(&[
            ' ', '\t', '\n', '\r', '\u{0}', '\u{1}', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}',
            '\u{85}', '\u{9b}', '\u{9f}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2028}',
            '\u{2029}', '\u{205f}', '\u{3000}',
        ][..]),
        at in any::<prop::sample::Index>(),
    ) {
        for check in [check_client_id, check_client_secret] {
            // Never panics on anything; accepts (perhaps with a warning) exactly the
            // non-empty values without spaces or control characters.
            let verdict = check(&value);
            let clean = !value.is_empty()
                && !value.chars().any(|c| c.is_whitespace() || c.is_control());
            prop_assert_eq!(!verdict.is_error(), clean, "{:?}: {:?}", value, verdict);
            if let Some(m) = verdict.message() {
                prop_assert!(!has_control(m), "{:?}", m);
            }
            // The same value with a space or control character anywhere is refused.
            let chars: Vec<char> = value.chars().collect();
            let i = at.index(chars.len() + 1);
            let mut spoiled: String = chars[..i].iter().collect();
            spoiled.push(bad);
            spoiled.extend(&chars[i..]);
            prop_assert!(check(&spoiled).is_error(), "{:?}", spoiled);
        }
    }

    #[test]
    fn accepted_profile_names_are_plain_and_stay_in_the_profiles_dir(
        name in prop_oneof![
            hostile_text(),
            "[A-Za-z0-9_-]{1,70}",
            "[A-Za-z0-9_./\\\\-]{0,10}",
            prop::sample::select(&["..", ".", "nul", "NUL", "con", "com1", "lpt9", "-", "--x", "a/b", "../x", "/etc/passwd", "a\u{0}b", "é"][..]).prop_map(str::to_string),
        ],
    ) {
        let root = PathBuf::from("/home/u/.config/xconnect");
        let store = Store::at(root.clone());
        match check_name(&name) {
            Ok(()) => {
                prop_assert!((1..=MAX_NAME_LEN).contains(&name.len()), "{:?}", name);
                prop_assert!(
                    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                    "{:?}", name
                );
                prop_assert!(!name.starts_with('-'), "{:?}", name);
                let path = store.path(&name).expect("an accepted name has a path");
                let dir = store.profiles_dir();
                prop_assert_eq!(path.parent(), Some(dir.as_path()));
                prop_assert!(path.starts_with(&root));
                let file = format!("{name}.toml");
                prop_assert_eq!(path.file_name().and_then(|f| f.to_str()), Some(file.as_str()));
                prop_assert!(path.components().all(|c| matches!(c, Component::RootDir | Component::Normal(_))));
            }
            Err(e) => {
                prop_assert!(!has_control(&e), "{:?}", e);
                prop_assert!(store.path(&name).is_err());
            }
        }
    }

    #[test]
    fn every_plain_name_is_accepted(name in "[A-Za-z0-9_][A-Za-z0-9_-]{0,63}") {
        let reserved = ["con", "prn", "aux", "nul"].iter().any(|r| r.eq_ignore_ascii_case(&name))
            || (name.len() == 4
                && ["com", "lpt"].iter().any(|p| name[..3].eq_ignore_ascii_case(p))
                && matches!(name.as_bytes()[3], b'1'..=b'9'));
        prop_assert_eq!(check_name(&name).is_ok(), !reserved, "{:?}", name);
    }

    #[test]
    fn from_toml_never_panics_on_arbitrary_text(text in hostile_text()) {
        if let Err(e) = Profile::from_toml(&text) {
            let message = e.to_string();
            prop_assert!(!has_control(&message), "{:?}", message);
        }
    }

}

proptest! {
    // Each case writes and reads whole profiles: fewer cases keep the file quick.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn from_toml_never_panics_on_a_cut_or_damaged_profile(
        p in profiles(),
        at in any::<prop::sample::Index>(),
        junk in prop_oneof![Just(String::new()), any::<String>(), prop::sample::select(&["\"", "[", "]", "=", "\n", "'''", "\\", "\u{0}"][..]).prop_map(str::to_string)],
    ) {
        let text = p.to_toml().expect("to_toml");
        let mut end = at.index(text.len() + 1);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        for damaged in [text[..end].to_string(), format!("{}{junk}{}", &text[..end], &text[end..])] {
            match Profile::from_toml(&damaged) {
                Ok(read) => {
                    // A cut that still reads keeps every required table whole, and a copy
                    // that is not its chain's owner never reads as one.
                    prop_assert_eq!(read.version, p.version);
                    prop_assert_eq!(read.is_owner(), p.is_owner());
                }
                Err(e) => prop_assert!(!has_control(&e.to_string()), "{:?}", e.to_string()),
            }
        }
    }

    #[test]
    fn to_toml_then_from_toml_gives_the_same_profile(p in profiles()) {
        let text = p.to_toml().expect("to_toml");
        let back = Profile::from_toml(&text).expect("from_toml");
        prop_assert_eq!(back, p);
    }

    #[test]
    fn clean_paste_leaves_no_control_characters(input in hostile_text()) {
        let out = clean_paste(&input);
        prop_assert!(!out.contains('\u{1b}'), "{:?}", out);
        prop_assert!(!has_control(&out), "{:?}", out);
        prop_assert!(
            !out.chars().any(|c| matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')),
            "{:?}", out
        );
        prop_assert_eq!(out.trim(), out.as_str());
        // Cleaning is done once and for all.
        prop_assert_eq!(clean_paste(&out), out);
    }

    #[test]
    fn every_text_helper_hides_nothing(input in hostile_text(), width in 0usize..120) {
        let cleaned = text::clean(&input);
        prop_assert!(!cleaned.chars().any(text::is_hidden), "{:?}", cleaned);
        prop_assert_eq!(text::clean(&cleaned), cleaned.clone());
        let short = text::clean_short(&input, 50);
        prop_assert!(short.chars().count() <= 51, "{:?}", short);
        prop_assert!(!short.chars().any(text::is_hidden), "{:?}", short);
        let escaped = text::escape(&input, 300);
        prop_assert!(!escaped.chars().any(text::is_hidden), "{:?}", escaped);
        let html = text::escape_html(&input);
        prop_assert!(!html.contains(['<', '>', '"', '\'']), "{:?}", html);
        let fitted = text::fit(&cleaned, width);
        let columns: usize = fitted.chars().map(|c| c.width().unwrap_or(0)).sum();
        prop_assert!(columns <= width, "{:?} is wider than {}", fitted, width);
        prop_assert!(cleaned.starts_with(fitted.trim_end_matches('…')));
    }
}

/// Printable text of any script, as a person (or X) might put in a field.
fn field() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

fn profiles() -> impl Strategy<Value = Profile> {
    let app = (
        any::<bool>(),
        field(),
        field(),
        field(),
        field(),
        prop::collection::vec(field(), 0..5),
    )
        .prop_map(
            |(web, client_id, secret, callback_url, website_url, scopes)| profile::AppSettings {
                client_id,
                client_secret: web.then_some(secret),
                app_type: if web {
                    profile::AppType::Web
                } else {
                    profile::AppType::Native
                },
                callback_url,
                website_url,
                scopes,
            },
        );
    let account = prop::option::of(
        (
            field(),
            field(),
            field(),
            any::<bool>(),
            prop::option::of(field()),
        )
            .prop_map(|(id, username, name, verified, note)| profile::Account {
                id,
                username,
                name,
                verified,
                note,
            }),
    );
    let token = prop::option::of(
        (
            field(),
            prop::option::of(field()),
            field(),
            field(),
            // 1970 to 2200, whole seconds.
            0i64..7_258_118_400,
        )
            .prop_map(|(access_token, refresh_token, token_type, scope, unix)| {
                profile::Token {
                    access_token,
                    refresh_token,
                    token_type,
                    scope,
                    expires_at: time::OffsetDateTime::from_unix_timestamp(unix).expect("time"),
                }
            }),
    );
    let endpoints = prop::option::of((field(), field(), any::<bool>()).prop_map(
        |(auth_base, api_base, sandbox)| profile::Endpoints {
            auth_base,
            api_base,
            sandbox,
        },
    ));
    let status = prop::option::of((any::<bool>(), field()).prop_map(|(needs_reauth, reason)| {
        profile::Status {
            needs_reauth,
            reason,
        }
    }));
    // A copy that is not its chain's owner, and where a copy came from.
    let moved = prop::option::of((any::<bool>(), any::<bool>(), field(), field()).prop_map(
        |(store, kept, place, id)| profile::Moved {
            to: if store {
                profile::MovedTo::Store
            } else {
                profile::MovedTo::File
            },
            place,
            id,
            state: if kept {
                profile::MoveState::Kept
            } else {
                profile::MoveState::Moving
            },
            at: time::macros::datetime!(2026-12-01 10:00:00 UTC),
        },
    ));
    let origin = prop::option::of((field(), field()).prop_map(|(id, from)| profile::Origin {
        id,
        from,
        at: time::macros::datetime!(2026-12-01 10:00:01 UTC),
    }));
    (app, account, token, endpoints, status, moved, origin).prop_map(
        |(app, account, token, endpoints, status, moved, origin)| {
            let mut p = Profile {
                version: profile::CURRENT_VERSION,
                app,
                account,
                token,
                endpoints,
                status,
                moved: None,
                origin,
            };
            if let Some(m) = moved {
                p.mark_moved(m);
            }
            p
        },
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn text_for_a_terminal_shows_every_hidden_character_escaped(input in hostile_text()) {
        let out = text::terminal(&input);
        prop_assert!(!out.chars().any(|c| text::is_hidden(c) && c != '\n'), "{:?}", out);
        // Lines stay lines, text with nothing hidden is left as it is, and once is enough.
        prop_assert_eq!(out.matches('\n').count(), input.matches('\n').count());
        if !input.chars().any(|c| text::is_hidden(c) && c != '\n') {
            prop_assert_eq!(&out, &input);
        }
        prop_assert_eq!(text::terminal(&out), out.clone());
    }

    #[test]
    fn json_for_a_terminal_is_the_same_json(
        key in hostile_text(),
        value in hostile_text(),
        item in hostile_text(),
    ) {
        let mut v = serde_json::json!({ "value": value, "list": [item, 1, null] });
        v[key.as_str()] = serde_json::json!({ "nested": key.clone() });
        for json in [
            serde_json::to_string(&v).expect("json"),
            serde_json::to_string_pretty(&v).expect("json"),
        ] {
            let out = text::json_for_terminal(&json);
            prop_assert!(!out.chars().any(|c| text::is_hidden(c) && c != '\n'), "{:?}", out);
            let back: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
            prop_assert_eq!(&back, &v);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn toml_for_a_terminal_is_the_same_profile(
        p in profiles(),
        a in hostile_text(),
        b in hostile_text(),
        c in prop_oneof![hostile_text(), Just("quote \" and back\\slash \u{202e}".to_string()), Just("multi\nline \u{9b}'''".to_string())],
    ) {
        let mut p = p;
        p.app.website_url = a;
        p.app.scopes.push(b.clone());
        if let Some(account) = p.account.as_mut() {
            account.username = b;
            account.name = c.clone();
        }
        if let Some(status) = p.status.as_mut() {
            status.reason = c;
        }
        let Ok(toml) = p.to_toml() else {
            return Ok(());
        };
        let out = text::toml_for_terminal(&toml);
        prop_assert!(!out.chars().any(|c| text::is_hidden(c) && c != '\n'), "{:?}", out);
        let back = Profile::from_toml(&out).expect("still TOML");
        prop_assert_eq!(back, p);
    }
}

// The wizard's own line drawing (straight into the cells for one-cell characters) leaves the
// buffer exactly as ratatui's grapheme-by-grapheme rendering does.
mod line_drawing {
    use super::config;
    use proptest::prelude::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::{Alignment, Rect};
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::{Line, Span};
    use ratatui::widgets::Widget;
    use xconnect::wizard::widgets::line_drawing::draw_line;

    fn line_style() -> impl Strategy<Value = Style> {
        (0u8..4, 0u8..3, any::<bool>()).prop_map(|(fg, bg, bold)| {
            let mut s = Style::new();
            if fg > 0 {
                s = s.fg(Color::Indexed(fg));
            }
            if bg > 0 {
                s = s.bg(Color::Indexed(bg + 10));
            }
            if bold {
                s = s.add_modifier(Modifier::BOLD);
            }
            s
        })
    }

    /// Text mostly plain, sometimes with wide, combining, zero-width or control characters.
    fn line_content() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[ -~]{0,30}",
            1 => "[ -~─✓▸·é\u{301}日本\u{200b}\t\u{25fd}\u{2705}]{0,20}",
        ]
    }

    fn styled_line() -> impl Strategy<Value = Line<'static>> {
        (
            prop::collection::vec((line_content(), line_style()), 0..5),
            line_style(),
            prop_oneof![
                Just(None),
                Just(Some(Alignment::Left)),
                Just(Some(Alignment::Center)),
                Just(Some(Alignment::Right)),
            ],
        )
            .prop_map(|(spans, s, alignment)| {
                let mut l = Line::from(
                    spans
                        .into_iter()
                        .map(|(c, st)| Span::styled(c, st))
                        .collect::<Vec<_>>(),
                )
                .style(s);
                l.alignment = alignment;
                l
            })
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn a_line_is_drawn_as_ratatui_draws_it(l in styled_line(), x in 0u16..12, w in 0u16..60, y in 0u16..4) {
            let screen = Rect::new(0, 0, 40, 3);
            let mut theirs = Buffer::empty(screen);
            let mut ours = Buffer::empty(screen);
            // Something there already, as on a screen drawn before.
            for b in [&mut theirs, &mut ours] {
                b.set_string(0, 0, "x".repeat(40), Style::new().fg(Color::Red));
            }
            let area = Rect::new(x, y, w, 1);
            (&l).render(area, &mut theirs);
            draw_line(&l, area, &mut ours);
            prop_assert_eq!(ours, theirs);
        }
    }
}
