//! `xconnect`: the command line. With no command it starts the wizard.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use crossterm::event::EventStream;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use xconnect::clipboard::{ClipEnv, Clipboard};
use xconnect::driver::{self, Exit};
use xconnect::login::cli::Request;
use xconnect::profile::Store;
use xconnect::sandbox::Sandbox;
use xconnect::secret::Secret;
use xconnect::services::Services;
use xconnect::theme::Theme;
use xconnect::wizard::Model;
use xconnect::x::{AppType, Endpoints, Permission};
use xconnect::{browser, terminal};

/// Connect X (Twitter) to your automation: set up an X app for OAuth 2.0, log in with
/// PKCE, and save a profile that scripts use afterwards.
///
/// With no command, the setup wizard starts.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// Use the built-in X emulator on 127.0.0.1: try everything without an X account.
    #[arg(long, global = true)]
    sandbox: bool,
    /// Where profiles are kept [default: the system's config dir for xconnect].
    #[arg(long, global = true, env = "XCONNECT_CONFIG_DIR", value_name = "DIR")]
    config_dir: Option<PathBuf>,
    /// The browser host (authorize page) [default: https://x.com].
    #[arg(long, global = true, env = "XCONNECT_AUTH_BASE", value_name = "URL")]
    auth_base: Option<String>,
    /// The API host (token, revoke, users/me) [default: https://api.x.com].
    #[arg(long, global = true, env = "XCONNECT_API_BASE", value_name = "URL")]
    api_base: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Log in without the wizard: prints the link on stderr, reads the redirected address
    /// from stdin (or catches it on a loopback callback), saves the profile and prints its
    /// path. The Client Secret of a Web App comes from XCONNECT_CLIENT_SECRET.
    Login(LoginArgs),
}

#[derive(Args, Debug)]
struct LoginArgs {
    /// No wizard: plain text on stderr, input from stdin (works with pipes).
    #[arg(long)]
    no_tui: bool,
    /// The profile to save (letters, digits, - and _).
    #[arg(long, default_value = "default")]
    profile: String,
    /// The app's OAuth 2.0 Client ID.
    #[arg(long)]
    client_id: String,
    /// The portal's Type of App.
    #[arg(long, value_enum, default_value_t = AppTypeArg::Native)]
    app_type: AppTypeArg,
    /// The portal's App permissions; picks the scopes.
    #[arg(long, value_enum, default_value_t = PermissionArg::ReadWrite)]
    permissions: PermissionArg,
    /// Exact scopes, space separated (instead of --permissions).
    #[arg(long)]
    scopes: Option<String>,
    /// The Callback URI / Redirect URL, exactly as in the portal.
    #[arg(long, default_value = "https://app.latenode.com/redirected/index.html")]
    callback_url: String,
    /// The Website URL (stored in the profile for reference).
    #[arg(long)]
    website_url: Option<String>,
    /// Replace an existing profile of that name.
    #[arg(long)]
    force: bool,
    /// Seconds to wait for the redirected address.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    wait: u64,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum AppTypeArg {
    Native,
    Web,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum PermissionArg {
    Read,
    ReadWrite,
    ReadWriteDm,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            None => wizard(&cli.global).await,
            Some(Command::Login(args)) => login(&cli.global, args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xconnect: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The endpoints and, in sandbox mode, the running emulator.
async fn endpoints(g: &Global) -> Result<(Endpoints, Option<Arc<Sandbox>>), String> {
    if g.sandbox {
        let s = Sandbox::start()
            .await
            .map_err(|e| format!("cannot start the sandbox: {e}"))?;
        let base = s.base_url();
        return Ok((Endpoints::new(&base, &base)?, Some(Arc::new(s))));
    }
    let e = Endpoints::with_overrides(g.auth_base.as_deref(), g.api_base.as_deref())?;
    Ok((e, None))
}

async fn login(g: &Global, a: LoginArgs) -> Result<ExitCode, String> {
    let _ = a.no_tui;
    let (endpoints, sandbox) = endpoints(g).await?;
    let store = Store::resolve(g.config_dir.clone())?;
    let req = Request {
        profile: a.profile,
        client_id: a.client_id,
        client_secret: std::env::var("XCONNECT_CLIENT_SECRET")
            .ok()
            .filter(|s| !s.is_empty())
            .map(Secret::new),
        app_type: match a.app_type {
            AppTypeArg::Native => AppType::Native,
            AppTypeArg::Web => AppType::Web,
        },
        permissions: match a.permissions {
            PermissionArg::Read => Permission::Read,
            PermissionArg::ReadWrite => Permission::ReadWrite,
            PermissionArg::ReadWriteDm => Permission::ReadWriteDm,
        },
        scopes: a.scopes,
        callback_url: a.callback_url,
        website_url: a.website_url,
        force: a.force,
        wait: Duration::from_secs(a.wait),
        interactive: std::io::IsTerminal::is_terminal(&std::io::stdin()),
    };
    if sandbox.is_some() {
        eprintln!("Sandbox: the built-in X emulator answers; no X account is used.");
    }
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let mut stderr = std::io::stderr();
    let path =
        xconnect::login::cli::run(&req, &endpoints, &store, sandbox, stdin, &mut stderr).await?;
    println!("{}", path.display());
    Ok(ExitCode::SUCCESS)
}

async fn wizard(g: &Global) -> Result<ExitCode, String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(
            "the wizard needs a terminal; for scripts use: xconnect login --no-tui --client-id ID"
                .into(),
        );
    }
    let (endpoints, sandbox) = endpoints(g).await?;
    let shutdown = shutdown_signal().map_err(|e| e.to_string())?;
    let mut services = Services::new(
        Clipboard::new(ClipEnv::from_env()),
        Store::resolve(g.config_dir.clone()),
    );
    if let Some(s) = &sandbox {
        services = services.with_sandbox(Arc::clone(s));
    }
    terminal::install_panic_hook();
    let guard = terminal::enter().map_err(|e| e.to_string())?;
    let mut term =
        Terminal::new(CrosstermBackend::new(std::io::stdout())).map_err(|e| e.to_string())?;
    let size = term.size().map_err(|e| e.to_string())?;
    let mut model = Model::new(Theme::from_env(), (size.width, size.height));
    model.sandbox = sandbox.is_some();
    model.endpoints = endpoints;
    model.can_open_browser = browser::can_open();
    model.over_ssh = browser::over_ssh();
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
    match result.map_err(|e| e.to_string())? {
        Exit::Signal => Ok(ExitCode::from(130)),
        _ => {
            if let Some(o) = &model.outcome {
                println!("Profile saved: {}", o.path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
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
