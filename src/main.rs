//! `xconnect`: the command line. With no command it starts the wizard.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use crossterm::event::EventStream;
use ratatui::Terminal;

use xconnect::backend::CompactBackend;
use xconnect::clipboard::{ClipEnv, Clipboard};
use xconnect::commands::{self, exit, Failure};
use xconnect::driver::{self, Exit};
use xconnect::login::cli::Request;
use xconnect::profile::Store;
use xconnect::sandbox::Sandbox;
use xconnect::secret::Secret;
use xconnect::services::Services;
use xconnect::store::Profiles;
use xconnect::theme::Theme;
use xconnect::wizard::Model;
use xconnect::x::{AppType, Endpoints, Permission};
use xconnect::{browser, terminal};

/// Connect X (Twitter) to your automation: set up an X app for OAuth 2.0, log in with
/// PKCE, and save a profile that scripts use afterwards.
///
/// With no command, the setup wizard starts.
#[derive(Parser, Debug)]
#[command(version, about, after_long_help = AFTER_HELP)]
struct Cli {
    /// Start the wizard over, forgetting an interrupted setup.
    #[arg(long)]
    fresh: bool,
    /// Use the built-in X emulator on 127.0.0.1: try everything without an X account (for
    /// login: xconnect login --sandbox).
    #[arg(long)]
    sandbox: bool,
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

/// The end of `--help` and of the man page.
const AFTER_HELP: &str = "\
Exit status:
  0    ok
  1    anything else: bad input, a file that cannot be written, X refused
  2    wrong flags; XCONNECT_TIMEOUT not whole seconds from 1 to 600; remove without --yes and no terminal
  3    no such profile
  4    needs a new login: the refresh token is dead or revoked, or the profile holds no token
  5    X or the shared store unavailable, or a profile locked too long: try again later
  6    the profile is corrupt, empty or from a newer xconnect
  130  Ctrl-C; 128 + the signal's number when a signal ends the wizard

Environment:
  XCONNECT_CONFIG_DIR, XCONNECT_AUTH_BASE, XCONNECT_API_BASE, XCONNECT_STORE  as their flags
  XCONNECT_CLIENT_SECRET  a Web App's Client Secret, for login
  XCONNECT_TIMEOUT        seconds a call to X may take, 1 to 600 (default 20)
  XCONNECT_STATE_DIR      where an interrupted setup is kept
  PGPASSWORD, PGPASSFILE  the shared store's password
  NO_COLOR                no colours in the wizard";

#[derive(Args, Debug, Clone)]
struct Global {
    /// Where profiles are kept [default: the system's config dir for xconnect].
    #[arg(long, global = true, env = "XCONNECT_CONFIG_DIR", value_name = "DIR")]
    config_dir: Option<PathBuf>,
    /// The browser host (authorize page) [default: https://x.com].
    #[arg(long, global = true, env = "XCONNECT_AUTH_BASE", value_name = "URL")]
    auth_base: Option<String>,
    /// The API host (token, revoke, users/me) [default: https://api.x.com].
    #[arg(long, global = true, env = "XCONNECT_API_BASE", value_name = "URL")]
    api_base: Option<String>,
    /// Keep profiles in a shared PostgreSQL store instead of this machine's files, for several
    /// machines using one X account: postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full
    /// (password from PGPASSWORD or ~/.pgpass).
    #[arg(
        long,
        global = true,
        env = "XCONNECT_STORE",
        hide_env_values = true,
        value_name = "URL"
    )]
    store: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Log in without the wizard: prints the link on stderr, reads the redirected address
    /// from stdin (or catches it on a loopback callback), saves the profile and prints its
    /// path. The Client Secret of a Web App comes from XCONNECT_CLIENT_SECRET.
    Login(LoginArgs),
    /// Print a valid access token and nothing else (refreshed first when it expires within
    /// 60 s): curl -H "Authorization: Bearer $(xconnect token)" …
    Token {
        /// The profile [default: the default profile].
        name: Option<String>,
        /// Print {"access_token", "token_type", "expires_at"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Call X's API with a profile's token: xconnect api /2/users/me. The answer's body goes
    /// to stdout (pretty JSON on a terminal, as received in a pipe); X's error on stderr.
    Api(ApiArgs),
    /// Refresh the token now and say the new expiry.
    Refresh {
        /// The profile [default: the default profile].
        name: Option<String>,
        /// Print {"profile", "expires_at", "refreshed"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the profiles: name, account, app type, expiry, verified, scopes.
    Profiles {
        /// Print every profile's fields as a JSON array (scopes whole, errors named).
        #[arg(long)]
        json: bool,
    },
    /// Show a profile, secrets masked (last 4 characters).
    Show {
        /// The profile [default: the default profile].
        name: Option<String>,
        /// Show the secrets in full.
        #[arg(long)]
        reveal: bool,
        /// Print the profile as JSON (secrets masked unless --reveal).
        #[arg(long)]
        json: bool,
    },
    /// Make NAME the default profile.
    Default {
        /// The profile to use when a command names none.
        name: String,
    },
    /// Revoke the tokens at X and remove them from the profile (its app settings stay, for
    /// xconnect login --profile NAME).
    Revoke {
        /// The profile [default: the default profile].
        name: Option<String>,
    },
    /// Delete a profile (its file, or its row in the shared store).
    Remove {
        /// The profile to delete.
        name: String,
        /// Do not ask (required without a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// The shared store (--store or XCONNECT_STORE): move profiles in and out, check it.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Print a completion script for a shell: xconnect completions bash >
    /// ~/.local/share/bash-completion/completions/xconnect
    Completions {
        /// The shell the script is for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): xconnect man > xconnect.1
    #[command(hide = true)]
    Man,
}

#[derive(Subcommand, Debug)]
enum StoreCommand {
    /// Check the connection and the schema.
    Status,
    /// Move a profile file of this machine into the store; the file is then removed, so the
    /// old copy can never refresh (X would end the grant).
    Push {
        name: String,
        /// Replace a profile of that name in the store.
        #[arg(long)]
        force: bool,
    },
    /// Move a profile from the store back to a file of this machine (for one machine only);
    /// it leaves the store, so only one copy ever refreshes.
    Pull {
        name: String,
        /// Replace a profile file of that name.
        #[arg(long)]
        force: bool,
        /// Keep the profile in the store too (read-only use: only one copy may ever refresh).
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Args, Debug)]
struct LoginArgs {
    /// No wizard: plain text on stderr, input from stdin (works with pipes).
    #[arg(long)]
    no_tui: bool,
    /// Log in at the built-in X emulator on 127.0.0.1: try everything without an X account.
    #[arg(long)]
    sandbox: bool,
    /// The profile to save (letters, digits, - and _).
    #[arg(long, default_value = "default")]
    profile: String,
    /// The app's OAuth 2.0 Client ID [default: the saved profile's, to log in again].
    #[arg(long)]
    client_id: Option<String>,
    /// The portal's Type of App [default: native, or the saved profile's].
    #[arg(long, value_enum)]
    app_type: Option<AppTypeArg>,
    /// The portal's App permissions; picks the scopes.
    #[arg(long, value_enum, default_value_t = PermissionArg::ReadWrite)]
    permissions: PermissionArg,
    /// Exact scopes, space separated (instead of --permissions).
    #[arg(long)]
    scopes: Option<String>,
    /// The Callback URI / Redirect URL, exactly as in the portal [default: the Latenode one,
    /// or the saved profile's].
    #[arg(long)]
    callback_url: Option<String>,
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

#[derive(Args, Debug)]
struct ApiArgs {
    /// The path under X's API host, e.g. /2/users/me or /2/tweets. A full URL must name the
    /// profile's own API host: the token is never sent anywhere else.
    path: String,
    /// The profile [default: the default profile].
    #[arg(long)]
    profile: Option<String>,
    /// The HTTP method [default: GET, or POST with --input].
    #[arg(short = 'X', long, value_name = "METHOD")]
    method: Option<String>,
    /// A field: a JSON body's string for POST, PUT and PATCH, a query parameter otherwise.
    #[arg(short = 'f', long = "field", value_name = "KEY=VALUE")]
    fields: Vec<String>,
    /// A typed field: numbers, true, false and null keep their JSON type.
    #[arg(short = 'F', long = "typed-field", value_name = "KEY=VALUE")]
    typed_fields: Vec<String>,
    /// Send this file as the JSON body (- reads stdin).
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Follow meta.next_token, printing each page (one JSON line per page in a pipe).
    #[arg(long)]
    paginate: bool,
    /// With --paginate: stop after this many pages (each page is one call against the rate
    /// limit).
    #[arg(long, default_value_t = commands::api::DEFAULT_MAX_PAGES, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    max_pages: u32,
    /// Print the status line and headers before the body.
    #[arg(short = 'i', long)]
    include: bool,
}

/// Reads `--input`: a file, or stdin for `-`, at most the size an API body can be.
fn read_input(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let limit = commands::api::MAX_ANSWER_BYTES as u64;
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure::new(exit::FAILURE, format!("--input {}: {e}", path.display())))?;
    if bytes.len() as u64 > limit {
        return Err(Failure::new(
            exit::FAILURE,
            format!(
                "--input {}: larger than {} MiB",
                path.display(),
                limit >> 20
            ),
        ));
    }
    Ok(bytes)
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
    // Generated from the same definitions as --help; they need no runtime and no settings.
    let docs = match &cli.command {
        Some(Command::Completions { shell }) => Some(commands::docs::completions(
            <Cli as clap::CommandFactory>::command(),
            *shell,
            &mut std::io::stdout(),
        )),
        Some(Command::Man) => Some(commands::docs::man(
            <Cli as clap::CommandFactory>::command(),
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
    let mut cli = cli;
    if let Some(cmd) = &mut cli.command {
        let misplaced = if cli.fresh {
            Some("--fresh is for the wizard (xconnect --fresh), not for a command")
        } else if let (Command::Login(a), true) = (&mut *cmd, cli.sandbox) {
            a.sandbox = true;
            None
        } else if cli.sandbox {
            Some("--sandbox is for the wizard (xconnect --sandbox) and login (xconnect login --sandbox); commands on a sandbox profile start the sandbox by themselves")
        } else {
            None
        };
        if let Some(message) = misplaced {
            <Cli as clap::CommandFactory>::command()
                .error(clap::error::ErrorKind::ArgumentConflict, message)
                .exit();
        }
    }
    // A time-out that cannot be used is said, not silently replaced by the default.
    if let Err(e) = xconnect::x::oauth::timeout_setting() {
        eprintln!("xconnect: {e}");
        return ExitCode::from(exit::USAGE);
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
            None => wizard(&cli.global, cli.fresh, cli.sandbox).await,
            Some(Command::Login(args)) => login(&cli.global, args).await,
            Some(cmd) => after_setup(&cli.global, cmd).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xconnect: {e}");
            ExitCode::from(e.code)
        }
    }
}

/// The commands scripts use once a profile exists.
async fn after_setup(g: &Global, cmd: Command) -> Result<ExitCode, Failure> {
    if let Command::Store(action) = cmd {
        return store_command(g, action).await;
    }
    let mut store = Profiles::open(g.config_dir.clone(), g.store.as_deref()).await?;
    let mut stderr = std::io::stderr();
    match cmd {
        Command::Token { name, json } => {
            let name = store.pick(name.as_deref()).await?;
            let (_sandbox, api) = sandbox_for(g, &store, &name).await?;
            let api = api.as_deref();
            let fresh =
                commands::refresh::fresh_in(&mut store, &name, api, false, &mut stderr).await?;
            let Some(t) = fresh.profile.token else {
                return Err(Failure::reauth(&name, "it holds no token"));
            };
            if json {
                let v = serde_json::json!({
                    "access_token": t.access_token,
                    "token_type": t.token_type,
                    "expires_at": t.expires_at,
                });
                println!("{v}");
            } else {
                println!("{}", t.access_token);
            }
        }
        Command::Api(a) => {
            let name = store.pick(a.profile.as_deref()).await?;
            let (_sandbox, api) = sandbox_for(g, &store, &name).await?;
            let api = api.as_deref();
            let input = a.input.as_deref().map(read_input).transpose()?;
            let call = commands::api::Call {
                method: a.method,
                path: a.path,
                fields: a.fields,
                typed_fields: a.typed_fields,
                input,
                paginate: a.paginate,
                max_pages: a.max_pages,
                include: a.include,
            };
            let mut stdout = std::io::stdout();
            let mut output = commands::api::Output {
                out: &mut stdout,
                err: &mut stderr,
                terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            };
            commands::api::run(&mut store, &name, api, &call, &mut output).await?;
        }
        Command::Refresh { name, json } => {
            let name = store.pick(name.as_deref()).await?;
            let (_sandbox, api) = sandbox_for(g, &store, &name).await?;
            let api = api.as_deref();
            let fresh =
                commands::refresh::fresh_in(&mut store, &name, api, true, &mut stderr).await?;
            let expires = fresh
                .profile
                .token
                .map(|t| t.expires_at)
                .unwrap_or_default();
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "profile": name, "expires_at": expires, "refreshed": fresh.refreshed })
                );
            } else {
                let rel = xconnect::timefmt::parse_rfc3339(&expires)
                    .map(|t| {
                        xconnect::timefmt::relative((t - xconnect::timefmt::now()).whole_seconds())
                    })
                    .unwrap_or_default();
                let how = if fresh.refreshed {
                    "Refreshed"
                } else {
                    "Already refreshed by another process"
                };
                println!("{how} {name}: the access token expires {expires} ({rel}).");
            }
        }
        Command::Profiles { json } => {
            let rows = match &store {
                Profiles::Files(s) => commands::list::rows(s),
                Profiles::Shared(pg) => commands::list::rows_shared(pg).await?,
            };
            if json {
                let text = serde_json::to_string_pretty(&rows)
                    .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?;
                println!("{text}");
            } else {
                if rows.is_empty() {
                    // Talk, not data: a script reading the table gets no lines.
                    eprint!("{}", commands::list::EMPTY);
                } else {
                    print!(
                        "{}",
                        xconnect::text::for_locale(commands::list::table(&rows))
                    );
                }
            }
        }
        Command::Show { name, reveal, json } => {
            let name = store.pick(name.as_deref()).await?;
            let (profile, place) = store.load(&name, &mut stderr).await?;
            if let Some(check) = profile.scope_check() {
                for problem in check.problems(&name) {
                    eprintln!("warning: {problem}");
                }
            }
            if json {
                let shown = if reveal {
                    profile.clone()
                } else {
                    commands::show::masked(&profile)
                };
                let text = serde_json::to_string_pretty(&shown)
                    .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?;
                println!("{text}");
            } else {
                let text = commands::show::text(&profile, &place, reveal)
                    .map_err(|e| Failure::new(exit::FAILURE, e))?;
                print!("{}", xconnect::text::for_locale(text));
            }
        }
        Command::Default { name } => {
            // A missing profile exits 3, a corrupt one 6: the default is left as it was.
            match &mut store {
                Profiles::Files(s) => s.set_default(&name)?,
                Profiles::Shared(pg) => pg.set_default(&name).await?,
            }
            eprintln!("{name} is now the default profile.");
        }
        Command::Revoke { name } => {
            let name = store.pick(name.as_deref()).await?;
            let (_sandbox, api) = sandbox_for(g, &store, &name).await?;
            let api = api.as_deref();
            match &mut store {
                Profiles::Files(s) => {
                    commands::revoke::revoke(s, &name, api, &mut stderr).await?;
                }
                Profiles::Shared(pg) => {
                    commands::revoke::revoke_shared(pg, &name, api, &mut stderr).await?
                }
            }
            eprintln!("Revoked the tokens of {name} at X and removed them from the profile. Log in again with: xconnect login --profile {name}");
        }
        Command::Remove { name, yes } => {
            let store = match store {
                Profiles::Files(s) => s,
                Profiles::Shared(pg) => {
                    if !pg.exists(&name).await? {
                        return Err(xconnect::store::StoreError::not_found(pg.url(), &name).into());
                    }
                    let place = format!("{name} in the profile store {}", pg.url().label());
                    if !yes {
                        confirm_removal(&name, &format!("Delete the profile {place}?"))?;
                    }
                    pg.remove(&name).await?;
                    eprintln!("Removed {place}.");
                    return Ok(ExitCode::SUCCESS);
                }
            };
            // Not read first: a corrupt, oversized or unreadable profile is removed too.
            let path = store
                .path(&name)
                .map_err(|e| Failure::new(exit::FAILURE, e))?;
            if !store.exists(&name) {
                return Err(xconnect::profile::LoadError::NotFound { name, path }.into());
            }
            if !yes {
                confirm_removal(
                    &name,
                    &format!("Delete the profile {name} ({})?", path.display()),
                )?;
            }
            let path = store.remove(&name)?;
            eprintln!("Removed {}.", path.display());
        }
        Command::Login(_) | Command::Store(_) | Command::Completions { .. } | Command::Man => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// `xconnect store status|push|pull`: needs `--store`/`XCONNECT_STORE`.
async fn store_command(g: &Global, action: StoreCommand) -> Result<ExitCode, Failure> {
    let Some(text) = xconnect::store::store_setting(g.store.as_deref()) else {
        return Err(Failure::new(
            exit::USAGE,
            "xconnect store needs the shared store's address: --store postgres://USER@HOST/DATABASE or XCONNECT_STORE",
        ));
    };
    let mut pg = xconnect::store::connect(text).await?;
    let files = || Store::resolve(g.config_dir.clone()).map_err(|e| Failure::new(exit::FAILURE, e));
    match action {
        StoreCommand::Status => print!("{}", commands::store::status(&pg).await?),
        StoreCommand::Push { name, force } => {
            eprintln!(
                "{}",
                commands::store::push(&files()?, &pg, &name, force).await?
            )
        }
        StoreCommand::Pull { name, force, keep } => {
            eprintln!(
                "{}",
                commands::store::pull(&files()?, &mut pg, &name, force, keep).await?
            )
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `remove` asks first; without a terminal to ask on (a pipe, CI) it refuses without asking:
/// `--yes` is then required (a usage error, exit 2).
fn confirm_removal(name: &str, question: &str) -> Result<(), Failure> {
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

/// The built-in X emulator, remembering what it did in the state folder (beside an
/// interrupted setup), so that a sandbox profile keeps working in later processes.
async fn start_sandbox(g: &Global) -> Result<Sandbox, String> {
    let started = match xconnect::session::dir(g.config_dir.as_deref()) {
        Some(dir) => Sandbox::start_persistent(&dir).await,
        // No home folder known: an emulator for this process only.
        None => Sandbox::start().await,
    };
    started.map_err(|e| format!("cannot start the sandbox: {e}"))
}

/// For a command on a sandbox profile (`[endpoints] sandbox = true`): the emulator, started
/// again, and its address for the API host. `--api-base`/`XCONNECT_API_BASE` still wins; any
/// other profile gets the flag's value alone. A profile that cannot be read is left to the
/// command, which says why.
async fn sandbox_for(
    g: &Global,
    store: &Profiles,
    name: &str,
) -> Result<(Option<Sandbox>, Option<String>), Failure> {
    if g.api_base.is_some() {
        return Ok((None, g.api_base.clone()));
    }
    let is_sandbox = match store.load(name, &mut std::io::sink()).await {
        Ok((profile, _)) => profile.endpoints.is_some_and(|e| e.sandbox),
        Err(_) => false,
    };
    if !is_sandbox {
        return Ok((None, None));
    }
    let sandbox = start_sandbox(g)
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e))?;
    let base = sandbox.base_url();
    Ok((Some(sandbox), Some(base)))
}

/// The endpoints and, in sandbox mode, the running emulator.
async fn endpoints(g: &Global, sandbox: bool) -> Result<(Endpoints, Option<Arc<Sandbox>>), String> {
    if sandbox {
        let s = start_sandbox(g).await?;
        return Ok((Endpoints::sandbox(&s.base_url())?, Some(Arc::new(s))));
    }
    let e = Endpoints::with_overrides(g.auth_base.as_deref(), g.api_base.as_deref())?;
    Ok((e, None))
}

async fn login(g: &Global, a: LoginArgs) -> Result<ExitCode, Failure> {
    let _ = a.no_tui;
    let fail = |e: String| Failure::new(exit::FAILURE, e);
    let mut store = Profiles::open(g.config_dir.clone(), g.store.as_deref()).await?;
    // Logging in again to a saved profile: its app settings are reused.
    let saved = if a.client_id.is_none() {
        let mut stderr = std::io::stderr();
        Some(
            store
                .load(&a.profile, &mut stderr)
                .await
                .map_err(|e| {
                    if e.code == exit::NO_SUCH_PROFILE {
                        Failure::new(
                            e.code,
                            format!(
                                "no profile named {:?} to log in to again ({}); for a new one pass the app's Client ID: \"xconnect login --profile {} --client-id ID\" (or run the wizard, \"xconnect\"); \"xconnect profiles\" lists the saved ones",
                                a.profile,
                                store.place(&a.profile),
                                a.profile
                            ),
                        )
                    } else {
                        e
                    }
                })?
                .0,
        )
    } else {
        None
    };
    // Logging in again to a sandbox profile happens in the sandbox, whatever the flags say
    // about X's hosts.
    let in_sandbox = a.sandbox
        || saved
            .as_ref()
            .and_then(|p| p.endpoints.as_ref())
            .is_some_and(|e| e.sandbox);
    let (endpoints, sandbox) = endpoints(g, in_sandbox).await.map_err(fail)?;
    let app = saved.as_ref().map(|p| &p.app);
    let req = Request {
        profile: a.profile,
        client_id: a
            .client_id
            .or_else(|| app.map(|a| a.client_id.clone()))
            .unwrap_or_default(),
        client_secret: std::env::var("XCONNECT_CLIENT_SECRET")
            .ok()
            .filter(|s| !s.is_empty())
            .or_else(|| app.and_then(|a| a.client_secret.clone()))
            .map(Secret::new),
        app_type: match (a.app_type, app.map(|a| a.app_type)) {
            (Some(AppTypeArg::Web), _) | (None, Some(xconnect::profile::AppType::Web)) => {
                AppType::Web
            }
            _ => AppType::Native,
        },
        permissions: match a.permissions {
            PermissionArg::Read => Permission::Read,
            PermissionArg::ReadWrite => Permission::ReadWrite,
            PermissionArg::ReadWriteDm => Permission::ReadWriteDm,
        },
        scopes: a.scopes.or_else(|| app.map(|a| a.scopes.join(" "))),
        callback_url: a
            .callback_url
            .or_else(|| app.map(|a| a.callback_url.clone()))
            .unwrap_or_else(|| "https://app.latenode.com/redirected/index.html".into()),
        website_url: a
            .website_url
            .or_else(|| app.map(|a| a.website_url.clone()).filter(|w| !w.is_empty())),
        // Logging in again replaces the profile it came from: that is the point.
        force: a.force || saved.is_some(),
        wait: Duration::from_secs(a.wait),
        interactive: std::io::IsTerminal::is_terminal(&std::io::stdin()),
    };
    if sandbox.is_some() {
        eprintln!("Sandbox: the built-in X emulator answers; no X account is used.");
    }
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let mut stderr = std::io::stderr();
    // Errors keep their exit codes: X's and the shared store's faults 5, a refused login 1.
    let place =
        xconnect::login::cli::run(&req, &endpoints, &mut store, sandbox, stdin, &mut stderr)
            .await?;
    println!("{place}");
    Ok(ExitCode::SUCCESS)
}

async fn wizard(g: &Global, fresh: bool, sandbox: bool) -> Result<ExitCode, Failure> {
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
    // A few small files (or rows): the start menu offers to log in again to any of them.
    let saved: Vec<(String, xconnect::profile::Profile)> = match (shared, &store) {
        // With a shared store, an unreachable one is said before the wizard starts.
        (Some(url), _) => xconnect::store::connect(url)
            .await
            .map_err(|f| f.message)?
            .list()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|(name, s)| s.ok().map(|s| (name, s.profile)))
            .collect(),
        (None, Ok(s)) => s
            .list()
            .into_iter()
            .filter_map(|(name, l)| l.ok().map(|l| (name, l.profile)))
            .collect(),
        (None, Err(_)) => Vec::new(),
    };
    let session_dir = xconnect::session::dir(g.config_dir.as_deref());
    let resume = match &session_dir {
        Some(d) if fresh => {
            xconnect::session::clear(d);
            None
        }
        Some(d) => xconnect::session::load(d),
        None => None,
    };
    let mut services = Services::new(Clipboard::new(ClipEnv::from_env()), store);
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
    let mut model =
        Model::new(Theme::from_env(), (size.width, size.height)).with_start(resume, saved);
    model.timeout_secs = xconnect::x::oauth::request_timeout().as_secs();
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
    let exit = result.map_err(|e| e.to_string());
    // Every way out keeps the same: where the setup was, with what was typed (no secret).
    if let (Some(w), Some(session)) = (&services.session, model.resumable()) {
        w.save(session);
    }
    let code = match &exit {
        Err(_) => ExitCode::FAILURE,
        // 128 + the signal's number, as a shell reports it (SIGHUP 129, SIGTERM 143).
        Ok(Exit::Signal(n)) => ExitCode::from(u8::try_from(128 + n).unwrap_or(130)),
        Ok(_) if model.interrupted => ExitCode::from(130),
        Ok(_) => {
            if let Some(o) = &model.outcome {
                println!("Profile saved: {}", o.path.display());
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
