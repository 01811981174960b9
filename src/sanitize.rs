//! Cleaning of pasted text: no control characters or escape sequences ever reach a field
//! (or the terminal, when the field is drawn). The work is done by [`crate::text`].

/// Removes escape sequences, control and hidden characters; line breaks and tabs become
/// spaces, then the result is trimmed: a value copied from a web page often carries a
/// trailing newline or spaces.
pub fn clean_paste(input: &str) -> String {
    crate::text::clean(input)
}

/// True when the text holds a character that must never be part of a credential or URL.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}
