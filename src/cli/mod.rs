//! The command line, a room for each thing it holds: [`args`] the clap definitions (flags,
//! commands, help), [`run`] the commands used after setup and their output, [`login`]
//! `xconnect login` (its flags merged with a saved profile), [`sandbox`] when and where the
//! built-in X emulator runs for a command, [`wizard`] the wizard's start and end, and
//! [`prompt`] the questions asked on the terminal.

pub(crate) mod args;
pub(crate) mod login;
pub(crate) mod prompt;
pub(crate) mod run;
pub(crate) mod sandbox;
pub(crate) mod wizard;

use xconnect::x::endpoints::Source;

/// Where a global flag's value came from: the flag itself or its environment variable (as
/// clap tells it), `None` when it was not given. Global flags reach the innermost command's
/// matches, so those are asked first.
pub(crate) fn source_of(
    matches: &clap::ArgMatches,
    id: &str,
    flag: &'static str,
    env: &'static str,
) -> Option<Source> {
    let mut m = matches;
    let mut found = m.value_source(id);
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
        found = m.value_source(id).or(found);
    }
    match found? {
        clap::parser::ValueSource::EnvVariable => Some(Source::Env(env)),
        _ => Some(Source::Flag(flag)),
    }
}
