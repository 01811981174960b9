//! `xconnect`: the command line. With no command it starts the wizard. What lives where:
//! see [`cli`].

mod cli;

use std::process::ExitCode;

use cli::args::Command;
use cli::{login::login, run::after_setup, wizard::wizard};
use xconnect::clipboard;
use xconnect::commands::{self, exit};
use xconnect::x::endpoints::{API_ENV, API_FLAG, AUTH_ENV, AUTH_FLAG};

fn main() -> ExitCode {
    // The helper that keeps a copied value in the clipboard after the wizard ends (see
    // xconnect::clipboard); not a command anyone types, so not in the help.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == clipboard::SERVE_ARG)
    {
        return match clipboard::serve_from_stdin() {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        };
    }
    // The whole command (when it was made) is kept for the errors below and dropped when the
    // program ends. Completions and the man page are made from a fresh one: the parse
    // reshapes the help command.
    let cli::args::Parsed {
        mut cli,
        matches,
        command,
    } = cli::args::parse(std::env::args_os().collect());
    // Where this run is, read once: everything below gets it from here.
    cli.global.env = xconnect::settings::Env::new(std::env::vars_os());
    cli.global.auth_source = cli::source_of(&matches, "auth_base", AUTH_FLAG, AUTH_ENV);
    cli.global.api_source = cli::source_of(&matches, "api_base", API_FLAG, API_ENV);
    // Generated from the same definitions as --help; they need no runtime and no settings.
    let docs = match &cli.command {
        Some(Command::Completions { shell }) => Some(commands::docs::completions(
            cli::args::command(),
            *shell,
            &mut std::io::stdout(),
        )),
        Some(Command::Man) => Some(commands::docs::man(
            cli::args::command(),
            &mut std::io::stdout(),
        )),
        _ => None,
    };
    match docs {
        Some(Ok(())) => return ExitCode::SUCCESS,
        Some(Err(e)) => {
            eprintln!("xconnect: cannot write: {e}");
            return ExitCode::FAILURE;
        }
        None => {}
    }
    // The wizard's own flags mean nothing to the other commands (the global ones, such as
    // --config-dir, may come before any command); `xconnect --sandbox login` is a sandbox login.
    if let Some(cmd) = &mut cli.command {
        let misplaced = if cli.wizard.fresh {
            Some("--fresh is for the wizard (xconnect --fresh), not for a command")
        } else if let (Command::Login(a), true) = (&mut *cmd, cli.wizard.sandbox) {
            a.sandbox = true;
            None
        } else if cli.wizard.sandbox {
            Some("--sandbox is for the wizard (xconnect --sandbox) and login (xconnect login --sandbox); commands on a sandbox profile start the sandbox by themselves")
        } else {
            None
        };
        if let Some(message) = misplaced {
            command
                .unwrap_or_else(cli::args::command)
                .error(clap::error::ErrorKind::ArgumentConflict, message)
                .exit();
        }
    }
    // A time-out that cannot be used is said, not silently replaced by the default.
    match xconnect::x::oauth::timeout_setting(&cli.global.env) {
        Ok(timeout) => xconnect::x::http::set_request_timeout(
            timeout.unwrap_or(xconnect::x::http::REQUEST_TIMEOUT),
        ),
        Err(e) => {
            eprintln!("xconnect: {e}");
            return ExitCode::from(exit::USAGE);
        }
    }
    // A base address that cannot be used is said once, here, naming the flag or the variable
    // it came from; below, the values are known to be usable.
    if let Err(e) = xconnect::x::Endpoints::from_sources(
        cli.global.auth_base.as_deref().zip(cli.global.auth_source),
        cli.global.api_base.as_deref().zip(cli.global.api_source),
    ) {
        eprintln!("xconnect: {}", xconnect::text::terminal(&e));
        return ExitCode::from(exit::FAILURE);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("xconnect: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            None => wizard(&cli.global, cli.wizard.fresh, cli.wizard.sandbox).await,
            Some(Command::Login(args)) => login(&cli.global, args).await,
            Some(cmd) => after_setup(&cli.global, cmd).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            // Messages quote what came from outside (a file, a row, X): one rule for the
            // terminal (see xconnect::text).
            eprintln!("xconnect: {}", xconnect::text::terminal(&e.message));
            ExitCode::from(e.code)
        }
    }
}
