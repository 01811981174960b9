//! Text an attacker would like a terminal to obey, and the check that none of it reached one.

/// An OSC 52 clipboard write, an 8-bit CSI (U+009B) clearing the screen, DEL, a right-to-left
/// override, zero-width and isolate characters, a byte-order mark, NEL (U+0085), the Arabic
/// letter mark.
pub const HOSTILE: &str =
    "a\u{1b}]52;c;QUFBQQ==\u{7}b\u{9b}2J\u{7f}c\u{202e}d\u{200b}e\u{2066}f\u{feff}g\u{85}h\u{61c}";

/// Every character of `text` that must never reach a terminal raw (a line break and the
/// terminal's own carriage return aside): an independent list, not the one under test.
pub fn raw_hidden(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c < ' ' && c != '\n' && c != '\r')
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || matches!(
                    c,
                    '\u{61c}'
                        | '\u{200b}'..='\u{200f}'
                        | '\u{202a}'..='\u{202e}'
                        | '\u{2060}'..='\u{2069}'
                        | '\u{feff}'
                )
        })
        .collect()
}

pub fn assert_no_raw_hidden(what: &str, text: &str) {
    let found = raw_hidden(text);
    assert!(found.is_empty(), "{what} printed {found:?} raw:\n{text:?}");
}
