//! The clap definitions: every flag, command and help text. Completions and the man page are
//! generated from these too.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use xconnect::commands;
use xconnect::x::AppType;

/// Connect X (Twitter) to your automation: set up an X app for OAuth 2.0, log in with
/// PKCE, and save a profile that scripts use afterwards.
///
/// With no command, the setup wizard starts.
#[derive(Parser, Debug)]
#[command(version, about, after_long_help = after_help())]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) wizard: WizardFlags,
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The flags of the wizard itself (the program run with no command).
#[derive(Args, Debug)]
pub(crate) struct WizardFlags {
    /// Start the wizard over, forgetting an interrupted setup.
    #[arg(long)]
    pub(crate) fresh: bool,
    /// Use the built-in X emulator on 127.0.0.1: try everything without an X account (for
    /// login: xconnect login --sandbox).
    #[arg(long)]
    pub(crate) sandbox: bool,
}

/// The command line as read, and the whole clap command when it was made.
pub(crate) struct Parsed {
    pub(crate) cli: Cli,
    pub(crate) matches: clap::ArgMatches,
    /// Made only when the run is not the wizard's alone (see [`parse`]).
    pub(crate) command: Option<clap::Command>,
}

/// Reads the command line. The wizard's flags and the global options are tried first on
/// their own: that is what most runs are (`xconnect`, `xconnect --sandbox`), and it makes
/// none of the commands before the first frame. Anything they do not take (a command,
/// --help, --version, a mistake) is read by the whole command line, which answers as always.
pub(crate) fn parse(args: Vec<std::ffi::OsString>) -> Parsed {
    use clap::FromArgMatches;
    let alone = <Global as Args>::augment_args(<WizardFlags as Args>::augment_args(
        clap::Command::new("xconnect").disable_help_flag(true),
    ));
    if let Ok(matches) = alone.try_get_matches_from(&args) {
        if let (Ok(wizard), Ok(global)) = (
            WizardFlags::from_arg_matches(&matches),
            Global::from_arg_matches(&matches),
        ) {
            let cli = Cli {
                wizard,
                global,
                command: None,
            };
            return Parsed {
                cli,
                matches,
                command: None,
            };
        }
    }
    let mut command = command();
    let matches = command
        .try_get_matches_from_mut(args)
        .unwrap_or_else(|e| e.exit());
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    Parsed {
        cli,
        matches,
        command: Some(command),
    }
}

/// The end of `--help` and of the man page: the exit-status table, then the environment.
fn after_help() -> String {
    format!("{}\n{ENVIRONMENT}", xconnect::commands::exit::help_text())
}

const ENVIRONMENT: &str = "\
Environment:
  XCONNECT_CONFIG_DIR, XCONNECT_AUTH_BASE, XCONNECT_API_BASE, XCONNECT_STORE  as their flags
  XCONNECT_CLIENT_SECRET  a Web App's Client Secret, for login
  XCONNECT_TIMEOUT        seconds a call to X may take, 1 to 600 (default 20)
  XCONNECT_STATE_DIR      where an interrupted setup is kept
  PGPASSWORD, PGPASSFILE  the shared store's password
  NO_COLOR                no colours in the wizard";

/// The heading the options every command takes are listed under in `--help`.
const GLOBAL: &str = "Global options";

/// The command line as clap reads it, with the global options left out of the help of the
/// commands they mean nothing to (they are still accepted there, as before any command).
pub(crate) fn command() -> clap::Command {
    const X_HOSTS: &[&str] = &["auth_base", "api_base"];
    const ALL: &[&str] = &["auth_base", "api_base", "store", "config_dir"];
    let cmd = <Cli as clap::CommandFactory>::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    // A command that has an argument of a global's name gets no copy of the global: these
    // are the same arguments, hidden.
    let hidden = |names: &'static [&'static str]| {
        let globals = globals.clone();
        move |mut sc: clap::Command| {
            for a in globals
                .iter()
                .filter(|a| names.contains(&a.get_id().as_str()))
            {
                sc = sc.arg(a.clone().hide(true));
            }
            sc
        }
    };
    cmd.mut_subcommand("completions", hidden(ALL))
        .mut_subcommand("man", hidden(ALL))
        .mut_subcommand("remove", hidden(X_HOSTS))
        .mut_subcommand("default", hidden(X_HOSTS))
        .mut_subcommand("profiles", hidden(X_HOSTS))
}

#[derive(Args, Debug, Clone)]
pub(crate) struct Global {
    /// Where profiles are kept [default: the system's config dir for xconnect].
    #[arg(long, global = true, env = "XCONNECT_CONFIG_DIR", value_name = "DIR", help_heading = GLOBAL)]
    pub(crate) config_dir: Option<PathBuf>,
    /// The browser host (authorize page) [default: https://x.com].
    #[arg(long, global = true, env = "XCONNECT_AUTH_BASE", value_name = "URL", help_heading = GLOBAL)]
    pub(crate) auth_base: Option<String>,
    /// The API host (token, revoke, users/me) [default: https://api.x.com].
    #[arg(long, global = true, env = "XCONNECT_API_BASE", value_name = "URL", help_heading = GLOBAL)]
    pub(crate) api_base: Option<String>,
    /// Keep profiles in a shared PostgreSQL store instead of this machine's files, for several
    /// machines using one X account: postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full
    /// (password from PGPASSWORD or ~/.pgpass).
    #[arg(
        long,
        global = true,
        env = "XCONNECT_STORE",
        hide_env_values = true,
        value_name = "URL",
        help_heading = GLOBAL
    )]
    pub(crate) store: Option<String>,
    /// The environment as it was at start (read once, here, and passed down).
    #[arg(skip)]
    pub(crate) env: xconnect::settings::Env,
    /// Where `--auth-base`/`--api-base` came from (the flag or its variable), for messages.
    #[arg(skip)]
    pub(crate) auth_source: Option<xconnect::x::endpoints::Source>,
    #[arg(skip)]
    pub(crate) api_source: Option<xconnect::x::endpoints::Source>,
}

// Each command's arguments are made when that command is used (or shown in help): the wizard,
// which most runs start, builds none of them.
#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub(crate) enum Command {
    /// Log in without the wizard: prints the link on stderr, reads the redirected address
    /// from stdin (or catches it on a loopback callback), saves the profile and prints its
    /// path. The Client Secret of a Web App comes from XCONNECT_CLIENT_SECRET.
    Login(LoginArgs),
    /// Print a valid access token and nothing else (refreshed first when it expires within
    /// 60 s): curl -H "Authorization: Bearer $(xconnect token)" …
    Token {
        /// The profile [default: the default profile].
        #[arg(value_name = "NAME")]
        name: Option<String>,
        /// The same as NAME (give one or the other).
        #[arg(long = "profile", value_name = "NAME", conflicts_with = "name")]
        profile: Option<String>,
        /// Print {"access_token", "token_type", "expires_at"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Call X's API with a profile's token: xconnect api /2/users/me. The answer's body goes
    /// to stdout (pretty JSON on a terminal, as received in a pipe); X's error on stderr.
    Api(ApiArgs),
    /// Upload media to X and print its media id: xconnect media upload chart.png
    #[command(subcommand)]
    Media(MediaCommand),
    /// Post to X, with media if given: xconnect post "Deployed v1.2" --media chart.png. Prints
    /// the post's id on stdout and its address on stderr.
    #[command(after_long_help = post_help())]
    Post(PostArgs),
    /// Refresh the token now and say the new expiry.
    Refresh {
        /// The profile [default: the default profile].
        #[arg(value_name = "NAME")]
        name: Option<String>,
        /// The same as NAME (give one or the other).
        #[arg(long = "profile", value_name = "NAME", conflicts_with = "name")]
        profile: Option<String>,
        /// Print {"profile", "expires_at", "refreshed"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check everything that can break the profile's X connection, in order, one line each:
    /// ✓ passed, ✗ failed (with the fix), ! worth knowing. Exits 0 when no check fails (a !
    /// does not count), 1 when one does.
    #[command(after_long_help = doctor_help())]
    Doctor {
        /// The profile [default: the default profile].
        #[arg(value_name = "NAME")]
        name: Option<String>,
        /// The same as NAME (give one or the other).
        #[arg(long = "profile", value_name = "NAME", conflicts_with = "name")]
        profile: Option<String>,
        /// Print a JSON array of {"check", "status" (pass, fail, warn), "detail", "fix"}.
        #[arg(long)]
        json: bool,
        /// Refresh the token even when it is fresh: proves the refresh token and the client
        /// authentication at X (the rotated refresh token is saved).
        #[arg(long)]
        refresh: bool,
    },
    /// List the profiles: name, account, app type, expiry, verified, scopes.
    Profiles {
        /// Print every profile's fields as a JSON array (scopes as an array, errors named).
        #[arg(long, conflicts_with = "names")]
        json: bool,
        /// Print only the names, one per line (for scripts and shell completion).
        #[arg(long)]
        names: bool,
    },
    /// Show a profile, secrets masked (last 4 characters).
    Show {
        /// The profile [default: the default profile].
        #[arg(value_name = "NAME")]
        name: Option<String>,
        /// The same as NAME (give one or the other).
        #[arg(long = "profile", value_name = "NAME", conflicts_with = "name")]
        profile: Option<String>,
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
        #[arg(value_name = "NAME", required_unless_present = "profile")]
        name: Option<String>,
        /// The same as NAME (give one or the other).
        #[arg(long = "profile", value_name = "NAME", conflicts_with = "name")]
        profile: Option<String>,
    },
    /// Revoke the tokens at X and remove them from the profile (its app settings stay, for
    /// xconnect login --profile NAME).
    Revoke {
        /// The profile [default: the default profile].
        #[arg(value_name = "NAME")]
        name: Option<String>,
        /// The same as NAME (give one or the other).
        #[arg(long = "profile", value_name = "NAME", conflicts_with = "name")]
        profile: Option<String>,
    },
    /// Delete a profile (its file, or its row in the shared store).
    Remove {
        /// The profile to delete.
        #[arg(value_name = "NAME", required_unless_present = "profile")]
        name: Option<String>,
        /// The same as NAME (give one or the other).
        #[arg(long = "profile", value_name = "NAME", conflicts_with = "name")]
        profile: Option<String>,
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
pub(crate) enum StoreCommand {
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
pub(crate) struct LoginArgs {
    /// No wizard: plain text on stderr, input from stdin (works with pipes).
    #[arg(long)]
    pub(crate) no_tui: bool,
    /// Log in at the built-in X emulator on 127.0.0.1: try everything without an X account.
    #[arg(long)]
    pub(crate) sandbox: bool,
    /// The profile to save, or to log in to again (letters, digits, - and _).
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub(crate) profile: String,
    /// The app's OAuth 2.0 Client ID [default: the saved profile's, to log in again].
    #[arg(long)]
    pub(crate) client_id: Option<String>,
    /// The portal's Type of App [default: native, or the saved profile's].
    #[arg(long, value_enum)]
    pub(crate) app_type: Option<AppType>,
    /// The portal's App permissions; picks the scopes [default: read-write, or what --scopes
    /// needs]. With --scopes, a scope above them is refused (X would leave it out).
    #[arg(long, value_enum)]
    pub(crate) permissions: Option<PermissionArg>,
    /// Exact scopes, space separated (instead of the ones --permissions picks).
    #[arg(long)]
    pub(crate) scopes: Option<String>,
    /// The Callback URI / Redirect URL, exactly as in the portal [default: the Latenode one,
    /// or the saved profile's].
    #[arg(long)]
    pub(crate) callback_url: Option<String>,
    /// The Website URL (stored in the profile for reference).
    #[arg(long)]
    pub(crate) website_url: Option<String>,
    /// Replace an existing profile of that name.
    #[arg(long)]
    pub(crate) force: bool,
    /// Seconds to wait for the redirected address.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub(crate) wait: u64,
}

#[derive(Args, Debug)]
pub(crate) struct ApiArgs {
    /// The path under X's API host, e.g. /2/users/me or /2/tweets. A full URL must name the
    /// profile's own API host: the token is never sent anywhere else.
    pub(crate) path: String,
    /// The profile [default: the default profile].
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The HTTP method [default: GET, or POST with --input].
    #[arg(short = 'X', long, value_name = "METHOD")]
    pub(crate) method: Option<String>,
    /// A field: a JSON body's string for POST, PUT and PATCH, a query parameter otherwise.
    /// Fields without -X mean POST (as in gh api), except with --paginate.
    #[arg(short = 'f', long = "field", value_name = "KEY=VALUE")]
    pub(crate) fields: Vec<String>,
    /// A typed field: numbers, true, false and null keep their JSON type.
    #[arg(short = 'F', long = "typed-field", value_name = "KEY=VALUE")]
    pub(crate) typed_fields: Vec<String>,
    /// Send this file as the JSON body (- reads stdin).
    #[arg(long, value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
    /// Follow meta.next_token, printing each page (one JSON line per page in a pipe).
    #[arg(long)]
    pub(crate) paginate: bool,
    /// With --paginate: stop after this many pages (each page is one call against the rate
    /// limit).
    #[arg(long, default_value_t = commands::api::DEFAULT_MAX_PAGES, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_pages: u32,
    /// Print the status line and headers before the body.
    #[arg(short = 'i', long)]
    pub(crate) include: bool,
    /// Print what a jq filter makes of each answer (each page), as gh api --jq does:
    /// strings as text, the rest as compact JSON, a result a line. No jq binary needed.
    #[arg(short = 'q', long, value_name = "EXPR")]
    pub(crate) jq: Option<String>,
    /// With --paginate: print one JSON array of every page (after the last), instead of a
    /// page at a time.
    #[arg(long, requires = "paginate")]
    pub(crate) slurp: bool,
    /// Send this header too ('Name: value'; repeatable). Never Authorization or Host: the
    /// token and the profile's API host are xconnect's to send.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// Show the request and X's answer (status and headers) on stderr, the token masked.
    #[arg(long)]
    pub(crate) verbose: bool,
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

// `--wait` and `--wait-max`, for the commands that call X's API. (A plain comment: a doc
// comment here would become the about of each command it is flattened into.)
#[derive(Args, Debug, Clone, Copy)]
pub(crate) struct WaitArgs {
    /// When X's rate limit is spent, wait for its reset (a countdown on stderr) and send once
    /// more. A usage cap or an empty credit balance is never waited for (exit 7).
    #[arg(long)]
    pub(crate) wait: bool,
    /// With --wait: the longest wait, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 900,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub(crate) wait_max: u64,
}

impl WaitArgs {
    /// The wait policy, when --wait is given.
    pub(crate) fn policy(self) -> Option<xconnect::commands::send::Wait> {
        self.wait.then(|| xconnect::commands::send::Wait {
            max: std::time::Duration::from_secs(self.wait_max),
            countdown: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        })
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum MediaCommand {
    /// Upload an image, GIF or video with X's chunked upload and print its media id alone
    /// (for post --media-id, or xconnect api). The type is read from the file's content;
    /// X's limits are checked first (image 5 MB, GIF 15 MB, video 512 MB). Video and GIFs
    /// are waited for until X has processed them. A progress line shows on stderr when it
    /// is a terminal.
    Upload(MediaUploadArgs),
}

#[derive(Args, Debug)]
pub(crate) struct MediaUploadArgs {
    /// The file: JPEG, PNG, WEBP, GIF, MP4 or MOV.
    pub(crate) file: PathBuf,
    /// X's media_category [default: tweet_image, tweet_gif or tweet_video by the file's type].
    #[arg(long, value_enum)]
    pub(crate) category: Option<CategoryArg>,
    /// The profile [default: the default profile].
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Print X's whole answer (id, media_key, processing_info) as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// X's media categories.
#[derive(ValueEnum, Debug, Clone, Copy)]
#[value(rename_all = "snake_case")]
pub(crate) enum CategoryArg {
    TweetImage,
    TweetGif,
    TweetVideo,
    AmplifyVideo,
    DmImage,
    DmGif,
    DmVideo,
}

impl From<CategoryArg> for xconnect::x::media::Category {
    fn from(c: CategoryArg) -> Self {
        use xconnect::x::media::Category;
        match c {
            CategoryArg::TweetImage => Category::TweetImage,
            CategoryArg::TweetGif => Category::TweetGif,
            CategoryArg::TweetVideo => Category::TweetVideo,
            CategoryArg::AmplifyVideo => Category::AmplifyVideo,
            CategoryArg::DmImage => Category::DmImage,
            CategoryArg::DmGif => Category::DmGif,
            CategoryArg::DmVideo => Category::DmVideo,
        }
    }
}

/// The end of `doctor --help`: the checks, in order.
fn doctor_help() -> &'static str {
    "Checks, in order: the store's own (the shared store reachable, its TLS, its schema; the profile's lock or row not held now), the profile reads and is private (mode, owner, folder), it owns its token chain, it has a refresh token (offline.access), the token is fresh or refreshes (the rotated one saved), the app type against the client authentication X takes, /2/users/me answers, this machine's clock against X's Date, the scopes granted against asked and against what posting (tweet.write) and media (media.write) need, the rate limit's room left, and the plan's usage cap or credits. Only /2/users/me is called, once.\n\nWithout a UTF-8 locale the marks are v, x and !."
}

/// The end of `post --help`: what is refused before sending, how the text is counted.
fn post_help() -> String {
    format!(
        "Refused before anything is sent: no text and no media; text over 280 as X counts it; more than 4 images, or a GIF or video with anything else.\n\n{}\n\nSince February 2026 X lets a program reply only where it was summoned (the post mentions the account, or its author engaged it first) or to its own posts.\n\nAn incident update with a screenshot:\n  xconnect post \"Incident 42: resolved at $(date -u +%H:%M) UTC\" --media status.png",
        xconnect::x::post::COUNTING_NOTE
    )
}

#[derive(Args, Debug)]
pub(crate) struct PostArgs {
    /// The text [default: read from stdin when it is not a terminal; - reads stdin].
    pub(crate) text: Option<String>,
    /// Upload and attach a file (up to 4 images, or 1 GIF, or 1 video).
    #[arg(long = "media", value_name = "FILE")]
    pub(crate) media: Vec<PathBuf>,
    /// Attach media uploaded before (xconnect media upload).
    #[arg(long = "media-id", value_name = "ID")]
    pub(crate) media_ids: Vec<String>,
    /// Reply to this post (see below: only where the account was summoned).
    #[arg(long, value_name = "ID")]
    pub(crate) reply_to: Option<String>,
    /// The profile [default: the default profile].
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Print {"id", "url", "text", "media_ids", "in_reply_to_tweet_id"} as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub(crate) enum PermissionArg {
    Read,
    ReadWrite,
    ReadWriteDm,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::FromArgMatches;

    /// The wizard's flags and the global options read alone give what the whole command line
    /// gives for the same arguments: the same values, from the same sources.
    #[test]
    fn the_wizard_s_flags_read_alone_are_read_as_the_whole_reads_them() {
        let flags: [&[&str]; 9] = [
            &["--fresh"],
            &["--sandbox"],
            &["--config-dir", "/tmp/x y"],
            &["--config-dir=/tmp/z"],
            &["--store", "postgres://u@h:5/db"],
            &["--auth-base", "http://127.0.0.1:1"],
            &["--api-base=http://127.0.0.1:2"],
            &["--sandbox", "--fresh"],
            &[],
        ];
        for a in flags {
            for b in flags {
                let args: Vec<std::ffi::OsString> = std::iter::once("xconnect")
                    .chain(a.iter().copied())
                    .chain(b.iter().copied())
                    .map(Into::into)
                    .collect();
                let whole = command().try_get_matches_from(&args);
                let Ok(whole) = whole else {
                    // Given twice: the whole refuses it, and so must the part alone.
                    let alone = <Global as Args>::augment_args(
                        <WizardFlags as Args>::augment_args(clap::Command::new("xconnect")),
                    )
                    .try_get_matches_from(&args);
                    assert!(alone.is_err(), "{args:?}");
                    continue;
                };
                let parsed = parse(args.clone());
                assert!(parsed.command.is_none(), "{args:?} was not read alone");
                let cli = Cli::from_arg_matches(&whole).expect("the whole reads it");
                assert_eq!(format!("{:?}", parsed.cli), format!("{cli:?}"), "{args:?}");
                for id in [
                    "fresh",
                    "sandbox",
                    "config_dir",
                    "auth_base",
                    "api_base",
                    "store",
                ] {
                    assert_eq!(
                        parsed.matches.value_source(id),
                        whole.value_source(id),
                        "{id} in {args:?}"
                    );
                }
            }
        }
        let parsed = parse(vec!["xconnect".into(), "token".into()]);
        assert!(parsed.command.is_some() && parsed.cli.command.is_some());
    }
}
