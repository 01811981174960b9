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
