//! Questions asked on the terminal, and what happens without one.

use xconnect::commands::{exit, Failure};

/// `remove` asks first; without a terminal to ask on (a pipe, CI) it refuses without asking:
/// `--yes` is then required (a usage error, exit 2).
pub(crate) fn confirm_removal(name: &str, question: &str) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Failure::new(
            exit::USAGE,
            format!("not removed: there is no terminal to confirm on; pass --yes to remove {name}"),
        ));
    }
    if confirm(question) {
        Ok(())
    } else {
        Err(Failure::new(
            exit::FAILURE,
            format!("{name} was not removed"),
        ))
    }
}

/// Asks on the terminal.
fn confirm(question: &str) -> bool {
    use std::io::{BufRead, Write};
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes")
}
