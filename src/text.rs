//! The one place that makes text from outside (a paste, X's answers, a profile file) safe to
//! show: cleaned for the terminal, escaped for a message that must show what is there,
//! escaped for HTML, and cut to a width with "…".
//!
//! One list says which characters hide what a text is ([`is_hidden`]); every helper here
//! uses it, so a character cannot be removed in one place and printed in another.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Characters that hide what a text is or rearrange how it shows: C0, DEL and C1 controls;
/// the soft hyphen; zero-width spaces and joiners; bidirectional marks, embeddings,
/// overrides and isolates; line and paragraph separators; the word joiner and invisible
/// operators; Hangul fillers; the byte-order mark; interlinear annotation marks; musical
/// formatting marks and tag characters (invisible, and able to carry hidden text).
///
/// This is the one terminal rule: no character it names reaches a terminal raw. [`clean`]
/// removes them, [`escape`] and [`terminal`] show them as `\u{…}`, [`json_for_terminal`] and
/// [`toml_for_terminal`] write them as their syntax's escapes.
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
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0000}'..='\u{e007f}'
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
            push_shown(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Text bound for a terminal (a table, a message, a command's output): every hidden character
/// but the line feed that ends a line becomes `\u{…}`, everything else stays. What has nothing
/// hidden comes back as it is, and once is enough.
pub fn terminal(text: &str) -> String {
    if !has_hidden_but_lines(text) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c != '\n' && is_hidden(c) {
            push_shown(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// JSON text as serde_json writes it, for a terminal: every hidden character becomes a JSON
/// escape (`\u009b`, a surrogate pair past U+FFFF), so the text is still JSON and means the
/// same. (serde_json escapes C0 controls itself, but not DEL, C1, bidirectional or zero-width
/// characters; outside strings it writes only spaces and line feeds.)
pub fn json_for_terminal(json: &str) -> String {
    if !has_hidden_but_lines(json) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c != '\n' && is_hidden(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// TOML text (as the toml crate writes it), for a terminal: every hidden character inside a
/// string becomes a TOML escape (`\u009B`), and a literal string that holds one is written as
/// a basic string, so the text is still TOML and means the same. Outside strings (a comment)
/// hidden characters are shown as [`terminal`] shows them.
pub fn toml_for_terminal(toml: &str) -> String {
    if !has_hidden_but_lines(toml) {
        return toml.to_string();
    }
    let mut out = String::with_capacity(toml.len() + 64);
    let mut rest = toml;
    while let Some(c) = rest.chars().next() {
        rest = if let Some(s) = rest.strip_prefix("\"\"\"") {
            toml_basic(s, "\"\"\"", &mut out)
        } else if let Some(s) = rest.strip_prefix('"') {
            toml_basic(s, "\"", &mut out)
        } else if let Some(s) = rest.strip_prefix("'''") {
            toml_literal(s, "'''", &mut out)
        } else if let Some(s) = rest.strip_prefix('\'') {
            toml_literal(s, "'", &mut out)
        } else if c == '#' {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push_str(&terminal(&rest[..end]));
            &rest[end..]
        } else {
            if c != '\n' && is_hidden(c) {
                push_shown(&mut out, c);
            } else {
                out.push(c);
            }
            &rest[c.len_utf8()..]
        };
    }
    out
}

/// Whether `text` holds a hidden character other than a line feed.
fn has_hidden_but_lines(text: &str) -> bool {
    text.chars().any(|c| c != '\n' && is_hidden(c))
}

/// `\u{1b}`: how a message shows a hidden character.
fn push_shown(out: &mut String, c: char) {
    out.push_str(&format!("\\u{{{:x}}}", c as u32));
}

/// A TOML escape for one character.
fn push_toml_escape(out: &mut String, c: char) {
    let n = c as u32;
    if n <= 0xffff {
        out.push_str(&format!("\\u{n:04X}"));
    } else {
        out.push_str(&format!("\\U{n:08X}"));
    }
}

/// The rest of a basic string after its opening `close`: copied with its escapes, hidden
/// characters escaped; returns what follows the string.
fn toml_basic<'a>(s: &'a str, close: &str, out: &mut String) -> &'a str {
    out.push_str(close);
    let multi = close.len() == 3;
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                out.push('\\');
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '"' if s[i..].starts_with(close) => {
                // A multi-line string may end with one or two quotes of its own before `"""`.
                let quotes = if multi {
                    s[i..].bytes().take_while(|b| *b == b'"').count()
                } else {
                    1
                };
                out.push_str(&s[i..i + quotes]);
                return &s[i + quotes..];
            }
            '\n' if multi => out.push('\n'),
            c if is_hidden(c) => push_toml_escape(out, c),
            c => out.push(c),
        }
    }
    ""
}

/// The rest of a literal string after its opening `close`: as it is when nothing in it is
/// hidden, else as a basic string with escapes; returns what follows the string.
fn toml_literal<'a>(s: &'a str, close: &str, out: &mut String) -> &'a str {
    let multi = close.len() == 3;
    let (end, closing) = match s.find(close) {
        Some(at) if multi => {
            let quotes = s[at..].bytes().take_while(|b| *b == b'\'').count();
            (at + quotes - 3, 3)
        }
        Some(at) => (at, 1),
        None => (s.len(), 0),
    };
    let content = &s[..end];
    let after = &s[end + closing..];
    if !has_hidden_but_lines(content) {
        out.push_str(close);
        out.push_str(content);
        out.push_str(&close[..closing]);
        return after;
    }
    // A newline right after the opening delimiter is not part of a multi-line string.
    let content = if multi {
        content
            .strip_prefix('\n')
            .or_else(|| content.strip_prefix("\r\n"))
            .unwrap_or(content)
    } else {
        content
    };
    out.push('"');
    for c in content.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if is_hidden(c) => push_toml_escape(out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    after
}

/// A writer bound for a terminal (the commands' stderr): what goes through it is shown as
/// [`terminal`] shows it. A character split between two writes waits for its end; bytes that
/// are not UTF-8 become U+FFFD.
pub struct TerminalWriter<W: std::io::Write> {
    inner: W,
    /// The start of a character whose end has not come yet (at most 3 bytes).
    pending: Vec<u8>,
}

impl<W: std::io::Write> TerminalWriter<W> {
    pub fn new(inner: W) -> Self {
        TerminalWriter {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: std::io::Write> std::io::Write for TerminalWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let mut out = String::new();
        let mut start = 0;
        loop {
            match std::str::from_utf8(&self.pending[start..]) {
                Ok(s) => {
                    out.push_str(&terminal(s));
                    start = self.pending.len();
                    break;
                }
                Err(e) => {
                    let good = start + e.valid_up_to();
                    // Valid up to `good`: nothing is replaced.
                    out.push_str(&terminal(&String::from_utf8_lossy(
                        &self.pending[start..good],
                    )));
                    match e.error_len() {
                        Some(n) => {
                            out.push('\u{fffd}');
                            start = good + n;
                        }
                        None => {
                            start = good;
                            break;
                        }
                    }
                }
            }
        }
        self.pending.drain(..start);
        self.inner.write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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
///
/// Not unicode-truncate (in the tree through ratatui), as measured with its 2.0.1:
/// `"لاxyz"` cut to 3 columns panics in a debug build (its `debug_assert_eq!` on the width:
/// unicode-width 0.2 gives lam + alef one column, the sum of their graphemes two; the crate's
/// issue 40, still open in 3.0.0), and it counts graphemes where every other helper here counts
/// characters: `"👍🏽xyz"` cut to 3 columns comes out 5 wide by this module's measure.
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

/// One line redrawn in place on a terminal (a progress bar on stderr): a carriage return, the
/// text [`clean`]ed and cut to one column less than `width` (the cursor stays on the line),
/// then the rest of the line erased (CSI K). The two controls are this program's own.
pub fn status_line(text: &str, width: usize) -> String {
    format!("\r{}\u{1b}[K", fit(&clean(text), width.saturating_sub(1)))
}

/// At most `max_chars` characters, then "…".
fn cut_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Greedy word wrap by display width; words longer than a line are split.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut row_w = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = word.width();
        if row_w > 0 && row_w + 1 + w <= width {
            row.push(' ');
            row.push_str(word);
            row_w += 1 + w;
            continue;
        }
        if row_w > 0 {
            rows.push(std::mem::take(&mut row));
        }
        let (mut rest, mut rest_w) = (word, w);
        while rest_w > width {
            let cut = fitting_head(rest, width);
            rows.push(rest[..cut].to_string());
            rest = &rest[cut..];
            rest_w = rest.width();
        }
        row.push_str(rest);
        row_w = rest_w;
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(row);
    }
    rows
}

/// Where to cut `word` so that its head is as wide as fits in `width`: at least one character,
/// so that wrapping always goes on (a character wider than the row gets a row of its own).
fn fitting_head(word: &str, width: usize) -> usize {
    if is_printable_ascii(word) {
        return width.clamp(1, word.len());
    }
    let mut ends = word
        .char_indices()
        .map(|(i, _)| i)
        .skip(1)
        .chain(std::iter::once(word.len()));
    let mut cut = ends.next().unwrap_or(word.len());
    for end in ends {
        if word[..end].width() > width {
            break;
        }
        cut = end;
    }
    cut
}

/// Printable ASCII (0x20..=0x7E, the space too): one character, one grapheme, one cell each.
pub fn is_printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
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

/// Where a value goes when it does not fit beside its label: on the row under it, this many
/// columns in (see [`beside`]).
pub const BELOW: usize = 4;

/// The one rule for a label and its value on a screen: side by side when the label's `head`
/// columns and the value's `value` columns fit in `width`; else the label goes above its
/// value, so a value to copy is shown whole rather than cut.
pub fn beside(head: usize, value: usize, width: u16) -> bool {
    head + value <= usize::from(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_and_splits_long_ones() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("a  b", 10), vec!["a b"]);
    }

    /// Words whose width is more than the sum of their characters' (an emoji with its
    /// presentation selector) or a character wider than the row: wrapping still ends, and
    /// nothing is lost.
    #[test]
    fn any_word_is_wrapped_to_an_end() {
        let cases = [
            ("\u{2764}\u{fe0f}".repeat(30), 40),
            ("\u{2764}\u{fe0f}".to_string(), 1),
            ("日本語".to_string(), 1),
            ("ab 日本語 cd".to_string(), 3),
        ];
        for (text, width) in cases {
            let (tx, rx) = std::sync::mpsc::channel();
            let t = text.clone();
            std::thread::spawn(move || tx.send(wrap(&t, width)));
            let rows = rx
                .recv_timeout(std::time::Duration::from_secs(5))
                .unwrap_or_else(|_| panic!("wrap({text:?}, {width}) does not end"));
            let kept: String = rows.concat().split(' ').collect();
            assert_eq!(kept, text.replace(' ', ""), "{text:?} at {width}: {rows:?}");
        }
    }

    #[test]
    fn words_wrap_whole_and_long_ones_are_cut_not_lost() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh x", 3), ["abc", "def", "gh", "x"]);
        assert_eq!(wrap("", 5), [""]);
    }

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
    fn the_rule_names_every_control_bidi_and_zero_width_character() {
        let controls = ('\u{0}'..='\u{1f}')
            .chain(['\u{7f}'])
            .chain('\u{80}'..='\u{9f}');
        let bidi = ['\u{61c}', '\u{200e}', '\u{200f}']
            .into_iter()
            .chain('\u{202a}'..='\u{202e}')
            .chain('\u{2066}'..='\u{2069}');
        let zero_width = [
            '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{180e}',
        ];
        for c in controls.chain(bidi).chain(zero_width).chain(['\u{e0041}']) {
            assert!(is_hidden(c), "U+{:04X}", c as u32);
        }
        for c in ['a', ' ', '~', 'é', '日', '🎉', '…', '\u{a0}'] {
            assert!(!is_hidden(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn each_syntax_escapes_in_its_own_way() {
        assert_eq!(
            terminal("a\u{9b}2J\nb\u{202e}"),
            r"a\u{9b}2J
b\u{202e}"
        );
        assert_eq!(terminal("plain\ntext"), "plain\ntext");
        assert_eq!(
            json_for_terminal("{\n  \"k\u{202e}\": \"\u{7f}\u{e0041}\"\n}"),
            "{\n  \"k\\u202e\": \"\\u007f\\udb40\\udc41\"\n}"
        );
        assert_eq!(
            toml_for_terminal("a = \"x\u{9b}\"\nb = 'q\"\u{85}\\'\nc = '''\nl\u{200b}\n'''\n"),
            "a = \"x\\u009B\"\nb = \"q\\\"\\u0085\\\\\"\nc = \"l\\u200B\\n\"\n"
        );
        assert_eq!(toml_for_terminal("a = 'x\"y'\n"), "a = 'x\"y'\n");
    }

    #[test]
    fn the_terminal_writer_escapes_across_writes() {
        use std::io::Write;
        let mut w = TerminalWriter::new(Vec::new());
        let text = "é\u{202e}\n\u{1b}[2J";
        for byte in text.as_bytes() {
            w.write_all(&[*byte]).expect("write");
        }
        w.write_all(b"\xff!").expect("write");
        let word = "\u{9b}x";
        writeln!(w, "warning: {word}").expect("write");
        assert_eq!(
            String::from_utf8(w.inner).expect("utf8"),
            "é\\u{202e}\n\\u{1b}[2J\u{fffd}!warning: \\u{9b}x\n"
        );
    }

    #[test]
    fn escape_html_covers_quotes() {
        assert_eq!(
            escape_html("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn a_status_line_is_cleaned_cut_and_erases_the_rest() {
        assert_eq!(status_line("up 10%", 80), "\rup 10%\u{1b}[K");
        let hostile = status_line("a\u{1b}]52;c;AAAA\u{7}b\rc\u{202e}", 80);
        assert_eq!(hostile, "\rab c\u{1b}[K");
        assert_eq!(status_line("abcdef", 5), "\rabc…\u{1b}[K");
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
pub fn utf8_locale(env: &crate::settings::Env) -> bool {
    let var = |k: &str| env.text(k);
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

/// [`ascii_text`] when the locale is not UTF-8 (see [`utf8_locale`]), the text as it is
/// otherwise.
pub fn for_locale(text: String, utf8: bool) -> String {
    if utf8 {
        text
    } else {
        ascii_text(&text)
    }
}

#[cfg(test)]
mod charset_tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> crate::settings::Env {
        crate::settings::Env::new(pairs.iter().copied())
    }

    #[test]
    fn the_locale_decides_the_marks() {
        assert!(utf8_locale(&env(&[])));
        assert!(utf8_locale(&env(&[("LANG", "en_US.UTF-8")])));
        assert!(utf8_locale(&env(&[("LC_ALL", "C.utf8"), ("LANG", "C")])));
        assert!(!utf8_locale(&env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(!utf8_locale(&env(&[("LANG", "POSIX")])));
        assert!(!utf8_locale(&env(&[("LC_CTYPE", "de_DE.ISO-8859-1")])));
        assert!(utf8_locale(&env(&[("LC_ALL", ""), ("LANG", "C.UTF-8")])));
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
