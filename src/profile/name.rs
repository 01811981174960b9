//! Which profile names are allowed.
//!
//! A name becomes a file name (`<name>.toml`) and a command-line value, so it is
//! kept to characters that are safe in both: no separators, no dots, no leading
//! `-`, and none of the device names some systems reserve.

/// The longest name allowed, in characters.
pub const MAX_NAME_LEN: usize = 64;

/// Names that are devices on some systems, compared without case.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// How much of a rejected name a message repeats.
const SHOWN_CHARS: usize = 24;

/// Checks a profile name; the error says what is wrong and what is allowed.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!(
            "Profile names cannot be empty; use 1 to {MAX_NAME_LEN} letters, digits, - and _."
        ));
    }
    if name == "." || name == ".." {
        return Err(format!(
            "{name:?} is not a profile name (it means a folder); use letters, digits, - and _."
        ));
    }
    let count = name.chars().count();
    if count > MAX_NAME_LEN {
        return Err(format!(
            "Profile names are at most {MAX_NAME_LEN} characters ({} has {count}); use a shorter name of letters, digits, - and _.",
            shown(name)
        ));
    }
    if let Some(bad) = name.chars().find(|c| !is_allowed(*c)) {
        return Err(format!(
            "Profile names use letters, digits, - and _ only ({} has {}).",
            shown(name),
            describe(bad)
        ));
    }
    if name.starts_with('-') {
        return Err(format!(
            "Profile names cannot start with \"-\" ({} would look like an option); start with a letter, digit or _.",
            shown(name)
        ));
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(format!(
            "{} is a reserved device name on some systems; choose another profile name, such as \"{name}-1\".",
            shown(name)
        ));
    }
    Ok(())
}

/// The order profiles are listed in: natural order, so `p2` comes before `p10`. Runs of digits
/// compare by their value, the rest without case; names equal that way (`p2`, `p02`, `P2`)
/// fall back to plain byte order, so the order is total and the same everywhere.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (chunks(a), chunks(b));
    loop {
        let order = match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(p), Some(q)) => {
                let (pd, qd) = (is_digits(p), is_digits(q));
                if pd && qd {
                    let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                    p.len().cmp(&q.len()).then_with(|| p.cmp(q))
                } else if pd || qd {
                    p[..1]
                        .to_ascii_lowercase()
                        .cmp(&q[..1].to_ascii_lowercase())
                } else {
                    p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase())
                }
            }
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

/// Sorts profile names in [`natural_cmp`] order.
pub fn sort_natural(names: &mut [String]) {
    names.sort_by(|a, b| natural_cmp(a, b));
}

fn is_digits(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// The runs of digits and of other characters, in order (never empty).
fn chunks(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() != digit)
            .map_or(rest.len(), |(i, _)| i);
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        Some(chunk)
    })
}

fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The name quoted, escaped like a Rust string, and cut short if long.
fn shown(name: &str) -> String {
    if name.chars().count() > SHOWN_CHARS {
        let mut short: String = name.chars().take(SHOWN_CHARS).collect();
        short.push('…');
        format!("{short:?}")
    } else {
        format!("{name:?}")
    }
}

fn describe(c: char) -> String {
    if c == ' ' {
        "a space".to_string()
    } else {
        format!("{:?}", c.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_names() {
        let longest = "a".repeat(MAX_NAME_LEN);
        for name in [
            "default",
            "work",
            "x",
            "A",
            "0",
            "_private",
            "my-bot_2",
            "console",
            "com10",
            "nul_",
            "lpt",
            "a-",
            longest.as_str(),
        ] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }

    fn error(name: &str) -> String {
        match check_name(name) {
            Ok(()) => panic!("{name:?} was accepted"),
            Err(e) => {
                assert!(!e.chars().any(|c| c.is_control()), "{e:?}");
                e
            }
        }
    }

    #[test]
    fn bad_names_get_clear_messages() {
        assert_eq!(
            error("a/b"),
            "Profile names use letters, digits, - and _ only (\"a/b\" has \"/\")."
        );
        assert_eq!(
            error("../x"),
            "Profile names use letters, digits, - and _ only (\"../x\" has \".\")."
        );
        assert!(error("").contains("cannot be empty"));
        assert!(error("").contains("letters, digits, - and _"));

        let long = "a".repeat(300);
        let e = error(&long);
        assert!(e.contains("at most 64 characters"), "{e}");
        assert!(e.contains("has 300"), "{e}");
        assert!(e.len() < 200, "the whole name is not repeated: {e}");

        for reserved in ["nul", "NUL", "Con", "prn", "aux", "com1", "COM9", "lpt5"] {
            let e = error(reserved);
            assert!(e.contains("reserved"), "{e}");
            assert!(e.contains("choose another"), "{e}");
        }
        for dots in [".", ".."] {
            let e = error(dots);
            assert!(e.contains("not a profile name"), "{e}");
        }

        let e = error("-x");
        assert!(e.contains("cannot start with \"-\""), "{e}");
        assert!(error("--help").contains("option"));

        assert!(error("my bot").contains("has a space"));
        assert!(error("café").contains("has \"é\""));
        assert!(error("a.toml").contains("has \".\""));
        assert!(error("a\\b").contains("has \"\\\\\""));
    }

    #[test]
    fn natural_order_puts_p2_before_p10() {
        let mut names: Vec<String> = [
            "p10", "p2", "p1", "P3", "p02", "p2", "alpha", "Beta", "beta-10", "beta-2", "a0", "_x",
            "-", "9", "10", "p",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        sort_natural(&mut names);
        assert_eq!(
            names,
            [
                "-", "9", "10", "_x", "a0", "alpha", "Beta", "beta-2", "beta-10", "p", "p1", "p02",
                "p2", "p2", "P3", "p10"
            ]
        );
        // A total order: swapping the arguments reverses it; only equal names compare equal.
        for a in &names {
            for b in &names {
                assert_eq!(natural_cmp(a, b), natural_cmp(b, a).reverse(), "{a} {b}");
                assert_eq!(natural_cmp(a, b).is_eq(), a == b, "{a} {b}");
            }
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        let e = error("a\u{1b}[2Jb");
        assert!(e.contains("\\u{1b}"), "{e}");
        let e = error("line\nbreak");
        assert!(e.contains("\\n"), "{e}");
        let e = error("tab\there");
        assert!(e.contains("\\t"), "{e}");
        let e = error("null\0byte");
        assert!(e.contains("\\0"), "{e}");
        let e = error("rtl\u{202e}txt");
        assert!(e.contains("\\u{202e}"), "{e}");
        let long = format!("{}\u{7}", "a".repeat(100));
        let e = error(&long);
        assert!(!e.contains('\u{7}'), "{e}");
    }
}
