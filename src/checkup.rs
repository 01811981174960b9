//! One finding of `xconnect doctor`: what was checked, whether it passed, what was found and
//! the fix. Made by the doctor (`commands::doctor`) and by each profile store for what only it
//! knows (see [`crate::store::ProfileStore::checks`]).

use serde::Serialize;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// `✓`: nothing to do.
    Pass,
    /// `✗`: this breaks the connection, or will; the doctor then exits 1.
    Fail,
    /// `!`: works now, but something is worth knowing (little room left, a scope posting
    /// needs); the exit stays 0.
    Warn,
}

impl Status {
    /// The mark a person reads (ASCII stand-ins come from [`crate::text::for_locale`]).
    pub fn mark(self) -> char {
        match self {
            Status::Pass => '✓',
            Status::Fail => '✗',
            Status::Warn => '!',
        }
    }
}

/// One check: `check` is its short name (stable, for scripts), `detail` what was found,
/// `fix` what to do (none for a pass).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub fn pass(check: &'static str, detail: impl Into<String>) -> Check {
        Check {
            check,
            status: Status::Pass,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn fail(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            check,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()).filter(|f: &String| !f.is_empty()),
        }
    }

    pub fn warn(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            status: Status::Warn,
            ..Check::fail(check, detail, fix)
        }
    }

    /// One line: the mark, the check, what was found, and the fix after `→`. Cleaned for a
    /// terminal (see [`crate::text::clean`]), marks as they are.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{} {}: {}",
            self.status.mark(),
            self.check,
            crate::text::clean(&self.detail)
        );
        if let Some(fix) = &self.fix {
            line.push_str(" → ");
            line.push_str(&crate::text::clean(fix));
        }
        line
    }
}
