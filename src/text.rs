//! The one place that makes text from outside (a paste, X's answers, a profile file) safe to
//! show: cleaned for the terminal, escaped for a message that must show what is there,
//! escaped for HTML, and cut to a width with "…".
//!
//! One list says which characters hide what a text is ([`is_hidden`]); every helper here
//! uses it, so a character cannot be removed in one place and printed in another.

use unicode_width::UnicodeWidthChar;

/// Characters that hide what a text is or rearrange how it shows: C0, DEL and C1 controls;
/// the soft hyphen; zero-width spaces and joiners; bidirectional marks, embeddings,
/// overrides and isolates; line and paragraph separators; the word joiner and invisible
/// operators; Hangul fillers; the byte-order mark; interlinear annotation marks.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{61c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{3164}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Text for one line of the terminal: escape sequences (CSI, OSC, DCS, SOS/PM/APC and
/// two-byte ESC sequences) and hidden characters removed, line breaks and tabs made spaces,
/// the ends trimmed.
pub fn clean(input: &str) -> String {
    let mut out = String::with_capacity(input.len().min(4096));
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 string introducers (8-bit forms of DCS, SOS, OSC, PM, APC) and CSI.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if is_hidden(c) => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// [`clean`], then at most `max_chars` characters (then "…"): for X's words in a message.
pub fn clean_short(input: &str, max_chars: usize) -> String {
    cut_chars(&clean(input), max_chars)
}

/// Text that a message must show as it is (a pasted address, a path): hidden characters
/// become `\u{…}`, everything else stays; at most `max_chars` characters (then "…").
pub fn escape(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(2)));
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes text for HTML element content and (single- or double-quoted) attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Cuts clean text to `width` terminal columns: when it is wider, as much as fits before a
/// final "…". Wide characters (CJK, most emoji) count two columns.
pub fn fit(text: &str, width: usize) -> String {
    let columns = |c: char| c.width().unwrap_or(0);
    if text.chars().map(columns).sum::<usize>() <= width {
        return text.to_string();
    }
    let room = width.saturating_sub(1);
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        let w = columns(c);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// At most `max_chars` characters, then "…".
fn cut_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Whether a token can be printed as it is: not empty, and only visible ASCII (0x21..=0x7E),
/// so it can neither move the cursor nor split a header line.
pub fn is_visible_ascii(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_sequences_and_hidden_characters() {
        assert_eq!(clean("  abc\n"), "abc");
        assert_eq!(clean("a\u{1b}[31mb\u{1b}[0mc"), "abc");
        assert_eq!(clean("x\u{1b}]52;c;ZXZpbA==\u{7}y"), "xy");
        assert_eq!(clean("x\u{1b}]0;title\u{1b}\\y"), "xy");
        assert_eq!(clean("a\u{7}b\u{0}c\u{7f}d"), "abcd");
        assert_eq!(clean("a\u{9b}2Jb"), "ab");
        assert_eq!(clean("id\u{200b}\u{202e}x\u{2066}\u{feff}\u{3164}"), "idx");
        assert_eq!(clean("a\tb\u{2028}c"), "a b c");
        assert_eq!(clean("\u{1b}"), "");
        assert_eq!(clean("é ü 日本 🎉"), "é ü 日本 🎉");
        assert_eq!(clean("ab\u{1b}[12"), "ab");
        assert_eq!(clean("ab\u{1b}]52;c;AAAA"), "ab");
    }

    #[test]
    fn clean_short_cuts_by_characters() {
        assert_eq!(clean_short("abcdef", 3), "abc…");
        assert_eq!(clean_short("abc", 3), "abc");
        assert_eq!(clean_short("ééé\u{1b}[2Jé", 3), "ééé…");
    }

    #[test]
    fn escape_shows_what_is_hidden() {
        assert_eq!(escape("a\u{1b}[2Jb", 10), "a\\u{1b}[2Jb");
        assert_eq!(escape("rtl\u{202e}txt", 10), "rtl\\u{202e}txt");
        assert_eq!(escape("abcdef", 3), "abc…");
        assert_eq!(escape("\u{ad}", 3), "\\u{ad}");
    }

    #[test]
    fn escape_html_covers_quotes() {
        assert_eq!(
            escape_html("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn fit_counts_columns() {
        assert_eq!(fit("abcdef", 6), "abcdef");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("日本語テキスト", 6), "日本…");
        assert_eq!(fit("日本語", 6), "日本語");
        assert_eq!(fit("abc", 1), "…");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn visible_ascii_only() {
        assert!(is_visible_ascii("AAAA-._~+/=0"));
        for bad in ["", "a b", "a\u{1b}[2J", "a\nb", "é", "a\u{7f}", "a\u{200b}"] {
            assert!(!is_visible_ascii(bad), "{bad:?}");
        }
    }
}

/// Whether the terminal's character set can show the wizard's marks (✓ ▸ › • ─ …): the
/// locale (`LC_ALL`, else `LC_CTYPE`, else `LANG`) names UTF-8, or names nothing at all (most
/// terminals today). `C`, `POSIX` or another charset get plain ASCII.
pub fn utf8_locale(var: impl Fn(&str) -> Option<String>) -> bool {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .into_iter()
        .find_map(|k| var(k).filter(|v| !v.is_empty()));
    match locale {
        None => true,
        Some(l) => {
            let l = l.to_ascii_lowercase();
            l.contains("utf-8") || l.contains("utf8")
        }
    }
}

/// The ASCII stand-in for one of the marks the wizard draws, one column for one column.
fn ascii_mark(c: char) -> Option<char> {
    Some(match c {
        '✓' => 'v',
        '✗' => 'x',
        '▸' | '›' | '→' => '>',
        '←' => '<',
        '↑' => '^',
        '↓' => 'v',
        '•' => '*',
        '·' => '.',
        '─' | '━' => '-',
        '│' => '|',
        '┌' | '┐' | '└' | '┘' | '├' | '┤' => '+',
        '…' => '~',
        '◐' | '◓' | '◑' | '◒' => '*',
        _ => return None,
    })
}

/// One terminal cell in ASCII: a mark becomes its stand-in, any other character outside
/// ASCII becomes `?` (as many as the columns it took).
pub fn ascii_cell(symbol: &str) -> std::borrow::Cow<'_, str> {
    if symbol.is_ascii() {
        return std::borrow::Cow::Borrowed(symbol);
    }
    let mut out = String::new();
    for c in symbol.chars() {
        match ascii_mark(c) {
            Some(a) => out.push(a),
            None if c.is_ascii() => out.push(c),
            None => out.push_str(&"?".repeat(c.width().unwrap_or(0))),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text for a terminal without UTF-8: the marks as ASCII ("…" as "...", "•" as "*"); other
/// characters are data (a name, a path) and stay as they are.
pub fn ascii_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '…' => "...".to_string(),
            c => ascii_mark(c).unwrap_or(c).to_string(),
        })
        .collect()
}

/// [`ascii_text`] when the locale is not UTF-8, the text as it is otherwise.
pub fn for_locale(text: String) -> String {
    if utf8_locale(|k| std::env::var(k).ok()) {
        text
    } else {
        ascii_text(&text)
    }
}

#[cfg(test)]
mod charset_tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_locale_decides_the_marks() {
        assert!(utf8_locale(env(&[])));
        assert!(utf8_locale(env(&[("LANG", "en_US.UTF-8")])));
        assert!(utf8_locale(env(&[("LC_ALL", "C.utf8"), ("LANG", "C")])));
        assert!(!utf8_locale(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(!utf8_locale(env(&[("LANG", "POSIX")])));
        assert!(!utf8_locale(env(&[("LC_CTYPE", "de_DE.ISO-8859-1")])));
        assert!(utf8_locale(env(&[("LC_ALL", ""), ("LANG", "C.UTF-8")])));
    }

    #[test]
    fn marks_become_ascii_column_for_column() {
        assert_eq!(ascii_cell("✓"), "v");
        assert_eq!(ascii_cell("a"), "a");
        assert_eq!(ascii_cell("…"), "~");
        assert_eq!(ascii_cell("日"), "??");
        assert_eq!(ascii_text("✓ done › next…"), "v done > next...");
        assert_eq!(ascii_text("••••ab José"), "****ab José");
    }
}
