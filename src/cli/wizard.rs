//! The wizard's start (terminal checks, the start menu's profiles, resume) and end (the exit
//! code every way out gives, the session kept).

use std::process::ExitCode;
use std::sync::Arc;

use crossterm::event::EventStream;
use futures::StreamExt;
use ratatui::Terminal;

use xconnect::backend::CompactBackend;
use xconnect::clipboard::{ClipEnv, Clipboard};
use xconnect::commands::{exit, Failure};
use xconnect::driver::{self, Exit};
use xconnect::services::Services;
use xconnect::store::file::Store;
use xconnect::theme::Theme;
use xconnect::wizard::Model;
use xconnect::{browser, terminal};

use super::args::Global;
use super::sandbox::endpoints;

pub(crate) async fn wizard(g: &Global, fresh: bool, sandbox: bool) -> Result<ExitCode, Failure> {
    use std::io::IsTerminal;
    // A shared store that cannot be reached is said before the wizard takes the screen, with
    // its exit code (5: try again later).
    // The one connection the wizard then uses for every check and save.
    let mut shared = None;
    if let Some(url) = xconnect::store::store_setting(g.store.as_deref()) {
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            shared = Some(xconnect::store::connect(url, &g.env).await?);
        }
    }
    wizard_inner(g, fresh, sandbox, shared)
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e))
}

async fn wizard_inner(
    g: &Global,
    fresh: bool,
    sandbox: bool,
    shared: Option<xconnect::store::PgStore>,
) -> Result<ExitCode, String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(
            "the wizard needs a terminal; for scripts use: xconnect login --no-tui --client-id ID"
                .into(),
        );
    }
    if g.env.text("TERM").is_some_and(|t| t == "dumb") {
        return Err(
            "this terminal (TERM=dumb) cannot show the wizard; use: xconnect login --no-tui --client-id ID"
                .into(),
        );
    }
    let (endpoints, sandbox) = endpoints(g, sandbox).await?;
    let shutdown = shutdown_signal().map_err(|e| e.to_string())?;
    // Quiet: the wizard owns the screen (no note on stderr while it waits for a lock).
    let store = Store::resolve(g.config_dir.clone()).map(Store::quiet);
    // The start menu offers to log in again to any saved profile. Their names are read here,
    // the profiles themselves after the first frame.
    let store_label = shared.as_ref().map(|pg| pg.url().label().to_string());
    let store_address = shared.as_ref().map(|pg| pg.url().redacted().to_string());
    let names = match (&shared, &store) {
        (Some(pg), _) => pg.names().await.map_err(|e| e.to_string())?,
        (None, Ok(s)) => s.names().unwrap_or_default(),
        (None, Err(_)) => Vec::new(),
    };
    let saved: Vec<(String, Option<xconnect::profile::Profile>)> =
        names.into_iter().map(|name| (name, None)).collect();
    let session_dir = xconnect::session::dir(g.config_dir.as_deref(), &g.env);
    let resume = match &session_dir {
        Some(d) if fresh => {
            xconnect::session::clear(d);
            None
        }
        // Said before the wizard takes the screen, with what to do.
        Some(d) => xconnect::session::load(d)?,
        None => None,
    };
    // A setup resumes where it began (the sandbox or X, files or the store), or the first
    // screen says how to resume it there; its file is kept for that.
    let mut start_note = None;
    let resume =
        resume.and_then(
            |s| match s.elsewhere(sandbox.is_some(), store_label.as_deref()) {
                Some(note) => {
                    start_note = Some(note);
                    None
                }
                None => Some(s),
            },
        );
    let mut services = Services::new(
        // A copy stays in the clipboard after xconnect ends: a helper serves it.
        Clipboard::new(ClipEnv::from_env(&g.env))
            .served_after_exit(std::env::current_exe().ok(), &g.env),
        store,
    );
    if let Some(pg) = shared {
        services = services.with_store(Box::new(pg));
    }
    services.session = session_dir.map(xconnect::session::Writer::new);
    services.browser = browser::can_open(&g.env);
    if let Some(s) = &sandbox {
        services = services.with_sandbox(Arc::clone(s));
    }
    terminal::install_panic_hook();
    let guard = terminal::enter().map_err(|e| e.to_string())?;
    // Only the changed cells, in as few bytes as possible and one write per frame.
    let mut term = Terminal::new(
        CompactBackend::new(std::io::stdout()).ascii(!xconnect::text::utf8_locale(&g.env)),
    )
    .map_err(|e| e.to_string())?;
    let size = term.size().map_err(|e| e.to_string())?;
    let mut model = Model::new(Theme::from_env(&g.env), (size.width, size.height))
        .with_clock(xconnect::timefmt::now())
        .with_start(resume, saved);
    model.store_label = store_label;
    model.store_address = store_address;
    if let Some(note) = start_note {
        model.set_status(xconnect::wizard::model::StatusKind::Info, note);
    }
    model.timeout_secs = xconnect::x::oauth::request_timeout().as_secs();
    model.sandbox = sandbox.is_some();
    model.endpoints = endpoints;
    model.can_open_browser = browser::can_open(&g.env);
    model.over_ssh = browser::over_ssh(&g.env);
    model.ssh_target = browser::ssh_target(&g.env);
    let result = driver::run(
        &mut term,
        &mut driver::Stdout,
        &services,
        // The key reader (a thread) starts when the driver first asks for a key, after the
        // first frame is out; keys typed before then wait in the terminal.
        Box::pin(futures::stream::once(async { EventStream::new() }).flatten()),
        shutdown,
        &mut model,
    )
    .await;
    drop(guard);
    let exit = result.map_err(|e| e.to_string());
    // Every way out keeps the same: where the setup was, with what was typed (no secret).
    if let (Some(w), Some(session)) = (&services.session, model.resumable()) {
        w.save(session);
    }
    let code = match &exit {
        Err(_) => ExitCode::FAILURE,
        // 128 + the signal's number, as a shell reports it (SIGHUP 129, SIGTERM 143).
        Ok(Exit::Signal(n)) => ExitCode::from(u8::try_from(128 + n).unwrap_or(exit::INTERRUPTED)),
        Ok(_) if model.interrupted => ExitCode::from(exit::INTERRUPTED),
        Ok(_) => {
            if let Some(o) = &model.outcome {
                let path = o.path.display().to_string();
                println!("Profile saved: {}", xconnect::text::terminal(&path));
                // The Done screen's hand-off, on the normal screen (the secret masked).
                let mut err = xconnect::text::TerminalWriter::new(std::io::stderr());
                xconnect::login::cli::finished(
                    &o.profile,
                    model.credentials.profile.value(),
                    &mut err,
                );
            }
            ExitCode::SUCCESS
        }
    };
    // Everything asked of the session writer is on disk before the program ends.
    if let Some(w) = &services.session {
        w.finish();
    }
    exit.map(|_| code)
}

/// Resolves on SIGTERM, SIGHUP (the SSH link dropped) or SIGINT, with the signal's number.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = i32>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => libc::SIGTERM,
            _ = hup.recv() => libc::SIGHUP,
            _ = int.recv() => libc::SIGINT,
        }
    })
}
