//! The commands scripts use after setup (`token`, `api`, `refresh`, `profiles`, `show`,
//! `default`, `revoke`, `remove`, `store`): dispatch, and what each prints where (data on
//! stdout, talk on stderr). Everything printed goes through `xconnect::text`'s one rule:
//! stderr through its `TerminalWriter`, data through `terminal`, JSON through
//! `json_for_terminal` (`api` into a pipe alone keeps X's bytes as they came).

use std::io::Write;
use std::process::ExitCode;

use xconnect::commands::{self, exit, Failure};
use xconnect::store::file::Store;
use xconnect::text::{json_for_terminal, terminal, TerminalWriter};

use super::args::{Command, Global, MediaCommand, StoreCommand};
use super::prompt::confirm_removal;
use super::sandbox::{sandbox_for, sandbox_for_profile};

/// The commands scripts use once a profile exists.
pub(crate) async fn after_setup(g: &Global, cmd: Command) -> Result<ExitCode, Failure> {
    if let Command::Store(action) = cmd {
        return store_command(g, action).await;
    }
    if let Command::Doctor {
        name,
        profile,
        json,
        refresh,
    } = cmd
    {
        return doctor(g, name.or(profile), json, refresh).await;
    }
    let mut store = xconnect::store::open(g.config_dir.clone(), g.store.as_deref(), &g.env).await?;
    let store = &mut *store;
    let mut stderr = TerminalWriter::new(std::io::stderr());
    match cmd {
        Command::Token {
            name,
            profile,
            json,
        } => {
            // One read: the profile picked, loaded, and handed on.
            let (name, first) = store.pick_and_load(name.or(profile).as_deref()).await?;
            let (_sandbox, api) = sandbox_for_profile(g, &first.profile).await?;
            let api = api.as_deref();
            let fresh =
                commands::refresh::fresh_from(store, &name, first, api, false, &mut stderr).await?;
            let Some(t) = fresh.profile.token else {
                return Err(Failure::reauth(&name, "it holds no token"));
            };
            if json {
                let v = serde_json::json!({
                    "access_token": t.access_token,
                    "token_type": t.token_type,
                    "expires_at": xconnect::timefmt::rfc3339(t.expires_at),
                });
                println!("{}", json_for_terminal(&v.to_string()));
            } else {
                println!("{}", terminal(&t.access_token));
            }
        }
        Command::Api(a) => {
            let (name, first) = store.pick_and_load(a.profile.as_deref()).await?;
            let (_sandbox, api) = sandbox_for_profile(g, &first.profile).await?;
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
                wait: a.wait.policy(),
                jq: a.jq,
                slurp: a.slurp,
                headers: a.headers,
                verbose: a.verbose,
            };
            let mut stdout = std::io::stdout();
            let mut output = commands::api::Output {
                out: &mut stdout,
                err: &mut stderr,
                terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            };
            commands::api::run(store, &name, first, api, &call, &mut output).await?;
        }
        Command::Media(MediaCommand::Upload(a)) => {
            let (name, first) = store.pick_and_load(a.profile.as_deref()).await?;
            let (_sandbox, api) = sandbox_for_profile(g, &first.profile).await?;
            let file = commands::media::check(&a.file)?;
            let progress = progress_for_stderr(g);
            let mut session =
                commands::send::Session::open(store, &name, first, api.as_deref(), &mut stderr)
                    .await?;
            session.wait = a.wait.policy();
            let category = a.category.map(Into::into);
            let (upload, answer) =
                commands::media::upload(&mut session, &mut stderr, &file, category, &progress)
                    .await?;
            if a.json {
                let text = String::from_utf8_lossy(&answer);
                println!("{}", json_for_terminal(text.trim_end()));
            } else {
                println!("{}", terminal(&upload.id));
            }
        }
        Command::Post(a) => {
            let (name, first) = store.pick_and_load(a.profile.as_deref()).await?;
            let (_sandbox, api) = sandbox_for_profile(g, &first.profile).await?;
            let text = match a.text.as_deref() {
                Some("-") => read_text()?,
                Some(t) => t.to_string(),
                None if std::io::IsTerminal::is_terminal(&std::io::stdin()) => String::new(),
                None => read_text()?,
            };
            let request = commands::post::Request {
                text,
                media: a.media,
                media_ids: a.media_ids,
                reply_to: a.reply_to,
                wait: a.wait.policy(),
            };
            let progress = progress_for_stderr(g);
            let posted = commands::post::run(
                store,
                &name,
                first,
                api.as_deref(),
                &request,
                &mut stderr,
                &progress,
            )
            .await?;
            if a.json {
                println!("{}", json_for_terminal(&posted.json().to_string()));
            } else {
                println!("{}", terminal(&posted.id));
                let _ = writeln!(stderr, "{}", posted.url);
            }
        }
        Command::Refresh {
            name,
            profile,
            json,
        } => {
            let (name, first) = store.pick_and_load(name.or(profile).as_deref()).await?;
            let (_sandbox, api) = sandbox_for_profile(g, &first.profile).await?;
            let api = api.as_deref();
            let fresh =
                commands::refresh::fresh_from(store, &name, first, api, true, &mut stderr).await?;
            let at = fresh.profile.token.map(|t| t.expires_at);
            let expires = at.map(xconnect::timefmt::rfc3339).unwrap_or_default();
            if json {
                let v = serde_json::json!({ "profile": name, "expires_at": expires, "refreshed": fresh.refreshed });
                println!("{}", json_for_terminal(&v.to_string()));
            } else {
                let rel = at
                    .map(|t| {
                        xconnect::timefmt::relative((t - xconnect::timefmt::now()).whole_seconds())
                    })
                    .unwrap_or_default();
                let how = if fresh.refreshed {
                    "Refreshed"
                } else {
                    "Already refreshed by another process"
                };
                println!(
                    "{}",
                    terminal(&format!(
                        "{how} {name}: the access token expires {expires} ({rel})."
                    ))
                );
            }
        }
        Command::Profiles { json, names } => {
            let rows = commands::list::rows(store, &mut stderr).await?;
            if json {
                let text =
                    commands::list::json(&rows).map_err(|e| Failure::new(exit::FAILURE, e))?;
                println!("{text}");
            } else if names {
                print!("{}", commands::list::names(&rows));
            } else if !rows.is_empty() {
                let width = std::io::IsTerminal::is_terminal(&std::io::stdout()).then(|| {
                    crossterm::terminal::size()
                        .map(|(w, _)| usize::from(w))
                        .unwrap_or(80)
                });
                let table = terminal(&commands::list::table(&rows, width));
                print!("{}", xconnect::text::for_locale(table, utf8(g)));
                // The legend is for a person reading the table, not for a script.
                if width.is_some() && rows.iter().any(|r| r.default) {
                    let _ = std::io::stdout().flush();
                    let legend =
                        xconnect::text::for_locale(commands::list::LEGEND.to_string(), utf8(g));
                    let _ = write!(stderr, "\n{legend}");
                }
            }
            if !names {
                // Talk, not data: a script reading the table gets no lines.
                let local = local_profiles_beside_the_store(g, &rows);
                let note =
                    commands::list::store_note(&store.where_suffix(), !rows.is_empty(), &local);
                let _ = write!(stderr, "{note}");
            }
        }
        Command::Show {
            name,
            profile,
            reveal,
            json,
        } => {
            let (name, found) = store.pick_and_load(name.or(profile).as_deref()).await?;
            for w in &found.warnings {
                let _ = writeln!(stderr, "warning: {w}");
            }
            let (profile, place) = (found.profile, found.place);
            if let Some(check) = profile.scope_check() {
                for problem in check.problems(&name) {
                    let _ = writeln!(stderr, "warning: {problem}");
                }
            }
            if json {
                let text = commands::show::json(&profile, reveal)
                    .map_err(|e| Failure::new(exit::FAILURE, e))?;
                println!("{text}");
            } else {
                let text = commands::show::text(&profile, &place, reveal)
                    .map_err(|e| Failure::new(exit::FAILURE, e))?;
                print!("{}", xconnect::text::for_locale(terminal(&text), utf8(g)));
            }
        }
        Command::Default { name, profile } => {
            let name = named(name, profile)?;
            // A missing profile exits 3, a corrupt one 6: the default is left as it was.
            store.set_default(&name).await?;
            let _ = writeln!(stderr, "{name} is now the default profile.");
        }
        Command::Revoke { name, profile } => {
            let name = store.pick(name.or(profile).as_deref()).await?;
            let (_sandbox, api) = sandbox_for(g, store, &name).await?;
            let api = api.as_deref();
            commands::revoke::revoke(store, &name, api, &mut stderr).await?;
            let _ = writeln!(stderr, "Revoked the tokens of {name} at X and removed them from the profile. Log in again with: xconnect login --profile {name}");
        }
        Command::Remove { name, profile, yes } => {
            let name = named(name, profile)?;
            // Not read first: a corrupt, oversized or unreadable profile is removed too.
            if !store.exists(&name).await? {
                return Err(store.missing(&name).into());
            }
            if !yes {
                confirm_removal(
                    &name,
                    &format!("Delete the profile {}?", store.about(&name)),
                )?;
            }
            let removed = store.remove(&name).await?;
            let _ = writeln!(stderr, "Removed {removed}.");
        }
        Command::Login(_)
        | Command::Store(_)
        | Command::Doctor { .. }
        | Command::Completions { .. }
        | Command::Man => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// The profile a command that needs one was given, as NAME or `--profile NAME` (clap
/// makes sure of one of them).
fn named(name: Option<String>, profile: Option<String>) -> Result<String, Failure> {
    name.or(profile)
        .ok_or_else(|| Failure::new(exit::USAGE, "name the profile: NAME or --profile NAME"))
}

/// `xconnect doctor`: the checks on stdout (lines, or JSON), a count on stderr; exit 1 when
/// one failed. A store that cannot be opened is the first failed check.
async fn doctor(
    g: &Global,
    name: Option<String>,
    json: bool,
    refresh: bool,
) -> Result<ExitCode, Failure> {
    use xconnect::checkup::Check;
    let checks = match xconnect::store::open(g.config_dir.clone(), g.store.as_deref(), &g.env).await
    {
        Ok(mut store) => {
            let store = &mut *store;
            let name = store.pick(name.as_deref()).await?;
            let (_sandbox, api) = sandbox_for(g, store, &name).await?;
            commands::doctor::run(store, &name, api.as_deref(), refresh).await
        }
        Err(e) => vec![Check::fail(
            "store",
            Failure::from(e).message,
            "check the address (--store or XCONNECT_STORE), the network, and that the server runs",
        )],
    };
    if json {
        let text = commands::doctor::json(&checks).map_err(|e| Failure::new(exit::FAILURE, e))?;
        println!("{text}");
    } else {
        let text = terminal(&commands::doctor::text(&checks));
        print!("{}", xconnect::text::for_locale(text, utf8(g)));
    }
    let mut stderr = TerminalWriter::new(std::io::stderr());
    let _ = writeln!(stderr, "{}", commands::doctor::summary(&checks));
    Ok(if commands::doctor::failed(&checks) {
        ExitCode::from(exit::FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

/// `xconnect store status|push|pull`: needs `--store`/`XCONNECT_STORE`.
async fn store_command(g: &Global, action: StoreCommand) -> Result<ExitCode, Failure> {
    let Some(text) = xconnect::store::store_setting(g.store.as_deref()) else {
        return Err(Failure::new(
            exit::USAGE,
            "xconnect store needs the shared store's address: --store postgres://USER@HOST/DATABASE or XCONNECT_STORE",
        ));
    };
    let mut pg = xconnect::store::connect(text, &g.env).await?;
    let files = || Store::resolve(g.config_dir.clone()).map_err(|e| Failure::new(exit::FAILURE, e));
    let mut stderr = TerminalWriter::new(std::io::stderr());
    match action {
        StoreCommand::Status => print!("{}", terminal(&commands::store::status(&pg).await?)),
        StoreCommand::Push { name, force } => {
            let said = commands::store::push(&files()?, &mut pg, &name, force).await?;
            let _ = writeln!(stderr, "{said}");
        }
        StoreCommand::Pull { name, force, keep } => {
            let said = commands::store::pull(&files()?, &mut pg, &name, force, keep).await?;
            let _ = writeln!(stderr, "{said}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// In store mode, the names of this machine's profile files that the store does not hold
/// (they are not used while the store is set); nothing otherwise.
fn local_profiles_beside_the_store(g: &Global, rows: &[commands::list::Row]) -> Vec<String> {
    if xconnect::store::store_setting(g.store.as_deref()).is_none() {
        return Vec::new();
    }
    let Ok(files) = Store::resolve(g.config_dir.clone()) else {
        return Vec::new();
    };
    files
        .names()
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !rows.iter().any(|r| &r.name == n))
        .collect()
}

/// An upload's progress line on stderr when it is a terminal; nothing otherwise.
fn progress_for_stderr(g: &Global) -> std::sync::Arc<dyn commands::progress::Progress> {
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let width = || {
            crossterm::terminal::size()
                .map(|(w, _)| usize::from(w))
                .unwrap_or(80)
        };
        std::sync::Arc::new(commands::progress::Bar::new(width, utf8(g)))
    } else {
        std::sync::Arc::new(commands::progress::Quiet)
    }
}

/// The most read of a post's text on stdin: far more than 280 characters, far less than
/// anything that is not a post.
const MAX_TEXT_BYTES: u64 = 64 * 1024;

/// A post's text from stdin, without the line break that ends it.
fn read_text() -> Result<String, Failure> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::new(exit::FAILURE, format!("reading the text from stdin: {e}")))?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "the text on stdin is larger than {} KiB",
                MAX_TEXT_BYTES >> 10
            ),
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::new(exit::USAGE, "the text on stdin is not UTF-8"))?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    Ok(text.strip_suffix('\r').unwrap_or(text).to_string())
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

/// Whether the locale takes UTF-8 (else the marks printed are ASCII).
fn utf8(g: &Global) -> bool {
    xconnect::text::utf8_locale(&g.env)
}
