//! Cleaning of pasted text: no control characters or escape sequences ever reach a field
//! (or the terminal, when the field is drawn).

/// Removes escape sequences (CSI, OSC, DCS, SOS/PM/APC and two-byte ESC sequences), C0 and C1
/// control characters and DEL. Line breaks and tabs become spaces, then the result is trimmed:
/// a value copied from a web page often carries a trailing newline or spaces.
pub fn clean_paste(input: &str) -> String {
    let mut out = String::with_capacity(input.len().min(4096));
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 string introducers (8-bit forms of DCS, SOS, OSC, PM, APC) and CSI.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            // Zero-width and bidirectional controls hide what a value really is.
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            '\u{feff}' => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => skip_string(chars),
        // Two-byte sequences (ESC c, ESC 7, …) and intermediates (ESC ( B): skip the rest.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while let Some(&n) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&n) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes, then one final byte in 0x40..=0x7e.
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS/…: up to BEL or ST (ESC \ or 0x9c).
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// True when the text holds a character that must never be part of a credential or URL.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_sequences_and_controls() {
        assert_eq!(clean_paste("  abc\n"), "abc");
        assert_eq!(clean_paste("a\u{1b}[31mb\u{1b}[0mc"), "abc");
        assert_eq!(clean_paste("x\u{1b}]52;c;ZXZpbA==\u{7}y"), "xy");
        assert_eq!(clean_paste("x\u{1b}]0;title\u{1b}\\y"), "xy");
        assert_eq!(clean_paste("a\u{7}b\u{0}c\u{7f}d"), "abcd");
        assert_eq!(clean_paste("a\u{9b}2Jb"), "ab");
        assert_eq!(clean_paste("id\u{200b}\u{202e}x"), "idx");
        assert_eq!(clean_paste("a\tb"), "a b");
        assert_eq!(clean_paste("\u{1b}"), "");
        assert_eq!(clean_paste("é ü"), "é ü");
    }

    #[test]
    fn unterminated_sequences_end_quietly() {
        assert_eq!(clean_paste("ab\u{1b}[12"), "ab");
        assert_eq!(clean_paste("ab\u{1b}]52;c;AAAA"), "ab");
    }
}
