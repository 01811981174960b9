//! A secret value (client secret, token, code verifier, authorization code) whose `Debug` and
//! `Display` never show it: it cannot leak into an error, a log, a panic or a snapshot.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The last four characters, for `show` and similar: enough to tell two secrets apart.
    pub fn hint(&self) -> String {
        let n = self.0.chars().count();
        if n <= 8 {
            return "••••".into();
        }
        let tail: String = self.0.chars().skip(n - 4).collect();
        format!("••••{tail}")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…redacted…)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("…redacted…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("very-secret-value-1234");
        assert!(!format!("{s:?} {s}").contains("very"));
        assert_eq!(s.hint(), "••••1234");
        assert_eq!(Secret::new("short").hint(), "••••");
        assert_eq!(s.expose(), "very-secret-value-1234");
    }
}
