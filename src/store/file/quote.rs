//! Paths in advice the user may paste into a shell.

use std::path::Path;

use crate::profile::show_path;

/// The path as one shell word, quoted only when it needs to be.
pub(super) fn shell_word(path: &Path) -> String {
    let text = show_path(path);
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_only_when_needed() {
        assert_eq!(
            shell_word(Path::new("/home/u/.config/xconnect/profiles/work.toml")),
            "/home/u/.config/xconnect/profiles/work.toml"
        );
        assert_eq!(shell_word(Path::new("/a b/x")), "'/a b/x'");
        assert_eq!(shell_word(Path::new("/it's")), r"'/it'\''s'");
        assert_eq!(shell_word(Path::new("/$HOME;rm")), "'/$HOME;rm'");
        assert_eq!(shell_word(Path::new("")), "''");
    }
}
