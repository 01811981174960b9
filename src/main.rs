//! `xconnect`: the command line. With no arguments it starts the wizard.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use crossterm::event::EventStream;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use xconnect::clipboard::{ClipEnv, Clipboard};
use xconnect::driver::{self, Exit};
use xconnect::terminal;
use xconnect::theme::Theme;
use xconnect::wizard::Model;

/// Connect X (Twitter) to your automation: set up an X app for OAuth 2.0, step by step.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {}

fn main() -> ExitCode {
    let _cli = Cli::parse();
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
    match runtime.block_on(wizard()) {
        Ok(Exit::Signal) => ExitCode::from(130),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xconnect: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn wizard() -> std::io::Result<Exit> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(std::io::Error::other(
            "the wizard needs a terminal (stdin and stdout must be a TTY)",
        ));
    }
    let shutdown = shutdown_signal()?;
    terminal::install_panic_hook();
    let guard = terminal::enter()?;
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let size = term.size()?;
    let mut model = Model::new(Theme::from_env(), (size.width, size.height));
    let clipboard = Arc::new(Clipboard::new(ClipEnv::from_env()));
    let result = driver::run(
        &mut term,
        &mut driver::Stdout,
        clipboard,
        EventStream::new(),
        shutdown,
        &mut model,
    )
    .await;
    drop(guard);
    result
}

/// Resolves on SIGTERM, SIGHUP (the SSH link dropped) or SIGINT.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
        }
    })
}
