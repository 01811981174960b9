//! The wizard's start (terminal checks, the start menu's profiles, resume) and end (the exit
//! code every way out gives, the session kept).

use std::process::ExitCode;
use std::sync::Arc;

use crossterm::event::EventStream;
use ratatui::Terminal;

use xconnect::backend::CompactBackend;
use xconnect::clipboard::{ClipEnv, Clipboard};
use xconnect::commands::{exit, Failure};
use xconnect::driver::{self, Exit};
use xconnect::profile::Store;
use xconnect::services::Services;
use xconnect::theme::Theme;
use xconnect::wizard::Model;
use xconnect::{browser, terminal};

use super::args::Global;
use super::sandbox::endpoints;

pub(crate) async fn wizard(g: &Global, fresh: bool, sandbox: bool) -> Result<ExitCode, Failure> {
    use std::io::IsTerminal;
    // A shared store that cannot be reached is said before the wizard takes the screen, with
    // its exit code (5: try again later).
    if let Some(url) = xconnect::store::store_setting(g.store.as_deref()) {
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            xconnect::store::connect(url).await?;
        }
    }
    wizard_inner(g, fresh, sandbox)
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e))
}

async fn wizard_inner(g: &Global, fresh: bool, sandbox: bool) -> Result<ExitCode, String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(
            "the wizard needs a terminal; for scripts use: xconnect login --no-tui --client-id ID"
                .into(),
        );
    }
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        return Err(
            "this terminal (TERM=dumb) cannot show the wizard; use: xconnect login --no-tui --client-id ID"
                .into(),
        );
    }
    let (endpoints, sandbox) = endpoints(g, sandbox).await?;
    let shutdown = shutdown_signal().map_err(|e| e.to_string())?;
    // Quiet: the wizard owns the screen (no note on stderr while it waits for a lock).
    let store = Store::resolve(g.config_dir.clone()).map(Store::quiet);
    let shared = xconnect::store::store_setting(g.store.as_deref());
    // The start menu offers to log in again to any saved profile. Files are named here and
    // read after the first frame; the shared store's rows come in one query.
    let mut store_label = None;
    let saved: Vec<(String, Option<xconnect::profile::Profile>)> = match (shared, &store) {
        // With a shared store, an unreachable one is said before the wizard starts.
        (Some(url), _) => {
            let pg = xconnect::store::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            store_label = Some(pg.url().label().to_string());
            pg.list()
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter_map(|(name, s)| s.ok().map(|s| (name, Some(s.profile))))
                .collect()
        }
        (None, Ok(s)) => s
            .names()
            .unwrap_or_default()
            .into_iter()
            .map(|name| (name, None))
            .collect(),
        (None, Err(_)) => Vec::new(),
    };
    let session_dir = xconnect::session::dir(g.config_dir.as_deref());
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
        Clipboard::new(ClipEnv::from_env()).served_after_exit(std::env::current_exe().ok()),
        store,
    );
    if let Some(url) = shared {
        services = services.with_shared_store(url);
    }
    services.session = session_dir.map(xconnect::session::Writer::new);
    if let Some(s) = &sandbox {
        services = services.with_sandbox(Arc::clone(s));
    }
    terminal::install_panic_hook();
    let guard = terminal::enter().map_err(|e| e.to_string())?;
    // Only the changed cells, in as few bytes as possible and one write per frame.
    let mut term = Terminal::new(
        CompactBackend::new(std::io::stdout())
            .ascii(!xconnect::text::utf8_locale(|k| std::env::var(k).ok())),
    )
    .map_err(|e| e.to_string())?;
    let size = term.size().map_err(|e| e.to_string())?;
    let mut model = Model::new(Theme::from_env(), (size.width, size.height))
        .with_clock(xconnect::timefmt::now())
        .with_start(resume, saved);
    model.store_label = store_label;
    if let Some(note) = start_note {
        model.set_status(xconnect::wizard::model::StatusKind::Info, note);
    }
    model.timeout_secs = xconnect::x::oauth::request_timeout().as_secs();
    model.sandbox = sandbox.is_some();
    model.endpoints = endpoints;
    model.can_open_browser = browser::can_open();
    model.over_ssh = browser::over_ssh();
    model.ssh_target = browser::ssh_target(|k| std::env::var(k).ok());
    let result = driver::run(
        &mut term,
        &mut driver::Stdout,
        &services,
        EventStream::new(),
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
