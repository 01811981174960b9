//! `completions` and `man`: shell completions and the man page, both generated from the one
//! clap definition of the command line, so neither can drift from `--help`.

use std::io::{self, Write};

/// The completion script for `shell` (bash, zsh, fish, elvish, powershell).
pub fn completions(
    mut cmd: clap::Command,
    shell: clap_complete::Shell,
    out: &mut dyn Write,
) -> io::Result<()> {
    let name = cmd.get_name().to_string();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut buf);
    let script = String::from_utf8_lossy(&buf);
    let script = match shell {
        clap_complete::Shell::Bash => bash_with_profiles(&script),
        clap_complete::Shell::Zsh => zsh_with_profiles(&script),
        clap_complete::Shell::Fish => fish_with_profiles(&script),
        _ => script.into_owned(),
    };
    out.write_all(script.as_bytes())?;
    out.flush()
}

/// The commands whose NAME is a profile.
const NAMED: [&str; 7] = [
    "token", "show", "refresh", "revoke", "remove", "default", "doctor",
];

/// The profile names, asked of xconnect itself quietly (nothing on the screen when there is
/// no profile or the store cannot be reached).
const LIST: &str = "xconnect profiles --names 2>/dev/null";

/// bash: a function in front of the generated one that offers profile names after
/// `--profile` and for the NAME of the commands about a profile (only names there: no files,
/// no flags unless one is being typed); everything else is the generated completion's.
fn bash_with_profiles(script: &str) -> String {
    let named = NAMED.join("|");
    let front = format!(
        r#"
# Profile names: for --profile NAME, and for NAME of {list_of}.
_xconnect_profiles() {{
    local names
    names="$({LIST})"
    COMPREPLY=( $(compgen -W "${{names}}" -- "$1") )
    compopt +o default +o bashdefault 2>/dev/null
    return 0
}}

_xconnect_with_profiles() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="" sub="" positional=0 i word
    if (( COMP_CWORD > 0 )); then
        prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    fi
    if [[ "${{prev}}" == "--profile" ]]; then
        _xconnect_profiles "${{cur}}"
        return 0
    fi
    for (( i = 1; i < COMP_CWORD; i++ )); do
        word="${{COMP_WORDS[i]}}"
        case "${{word}}" in
            --profile|--config-dir|--auth-base|--api-base|--store) (( i++ )); continue ;;
            -*) continue ;;
        esac
        if [[ -z "${{sub}}" ]]; then
            sub="${{word}}"
        else
            (( positional++ ))
        fi
    done
    case "${{sub}}" in
        {named})
            if [[ "${{cur}}" != -* ]] && (( positional == 0 )); then
                _xconnect_profiles "${{cur}}"
                return 0
            fi
            ;;
    esac
    _xconnect "$@"
}}
"#,
        list_of = NAMED.join(", "),
    );
    let mut out = script.replace(
        "complete -F _xconnect ",
        "complete -F _xconnect_with_profiles ",
    );
    out.push_str(&front);
    out
}

/// zsh: `--profile` and the NAME of the commands about a profile complete with a function
/// that lists the profiles.
fn zsh_with_profiles(script: &str) -> String {
    let mut out = String::with_capacity(script.len() + 512);
    let mut section = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .filter(|n| {
                n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
        {
            section = name.to_string();
        }
        let mut line = line.to_string();
        if line.contains("--profile=[") {
            line = line.replace(":NAME:_default'", ":NAME:_xconnect_profiles'");
        }
        if NAMED.contains(&section.as_str())
            && (trimmed.starts_with("'::name -- ") || trimmed.starts_with("':name -- "))
        {
            line = line.replace(":_default'", ":_xconnect_profiles'");
        }
        out.push_str(&line);
        out.push('\n');
        if trimmed == "autoload -U is-at-least" {
            out.push_str(&format!(
                "\n# Profile names: for --profile NAME, and for NAME of {}.\n_xconnect_profiles() {{\n    local -a names\n    names=(${{(f)\"$({LIST})\"}})\n    compadd -a names\n}}\n",
                NAMED.join(", ")
            ));
        }
    }
    out
}

/// fish: the same, with a function that lists the profiles.
fn fish_with_profiles(script: &str) -> String {
    let mut out = format!(
        "# Profile names: for --profile NAME, and for NAME of {}.\nfunction __fish_xconnect_profiles\n    {LIST}\nend\n\n",
        NAMED.join(", ")
    );
    for line in script.lines() {
        if line.contains(" -l profile ") && line.ends_with(" -r") {
            out.push_str(line);
            out.push_str(" -f -a \"(__fish_xconnect_profiles)\"\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    for cmd in NAMED {
        out.push_str(&format!(
            "complete -c xconnect -n \"__fish_xconnect_using_subcommand {cmd}\" -f -a \"(__fish_xconnect_profiles)\"\n"
        ));
    }
    out
}

/// One man page (section 1): the program, its options and its list of commands, then a section
/// per command (and per `store` action) with its synopsis, description and own options. The
/// options every command takes are said once, under the program.
pub fn man(mut cmd: clap::Command, out: &mut dyn Write) -> io::Result<()> {
    cmd.build();
    // The end of --help ("Exit status:", "Environment:") becomes sections of their own, last.
    let after = cmd
        .get_after_long_help()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut main = Vec::new();
    clap_mangen::Man::new(cmd.clone().after_long_help(None::<&str>)).render(&mut main)?;
    // The list of commands points to their sections on this page, not to pages of their own.
    let mut main = String::from_utf8_lossy(&main).into_owned();
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        main = main.replace(
            &format!("xconnect\\-{}(1)", name.replace('-', "\\-")),
            &format!("\\fBxconnect {name}\\fR"),
        );
    }
    let mut page = main.into_bytes();
    for sub in visible(&cmd) {
        command_section(sub, &mut page)?;
        for action in visible(sub) {
            command_section(action, &mut page)?;
        }
    }
    page.extend_from_slice(listed_sections(&after).as_bytes());
    out.write_all(ascii_roff(&String::from_utf8_lossy(&page)).as_bytes())?;
    out.flush()
}

/// `Heading:` blocks of `  TERM  text` lines, as `.SH HEADING` with a `.TP` per line.
fn listed_sections(text: &str) -> String {
    let mut out = String::new();
    for block in text.split("\n\n") {
        let mut lines = block.lines();
        let Some(heading) = lines.next().and_then(|h| h.trim().strip_suffix(':')) else {
            continue;
        };
        out.push_str(&format!(".SH \"{}\"\n", heading.to_uppercase()));
        for line in lines {
            let line = line.trim();
            let (term, text) = line.split_once("  ").unwrap_or((line, ""));
            out.push_str(&format!(
                ".TP\n{}\n{}\n",
                roff_text(term),
                roff_text(text.trim())
            ));
        }
    }
    out
}

/// Plain text for a roff line: backslashes and dashes escaped, no control character first.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// The page in ASCII: every other character as groff's `\[uXXXX]`, which troff reads whatever
/// the locale (a raw `…` is an "invalid input character" to it).
fn ascii_roff(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for c in page.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out
}

fn visible(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// `.SH "XCONNECT LOGIN"`, then the command's synopsis, description and options as subsections.
fn command_section(sub: &clap::Command, page: &mut Vec<u8>) -> io::Result<()> {
    let full = sub.get_bin_name().unwrap_or(sub.get_name()).to_string();
    let globals: Vec<clap::Id> = sub
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().clone())
        .collect();
    let mut own = sub.clone();
    for id in globals {
        own = own.mut_arg(id, |a| a.hide(true));
    }
    let man = clap_mangen::Man::new(own.clone());
    let mut body = Vec::new();
    man.render_synopsis_section(&mut body)?;
    man.render_description_section(&mut body)?;
    if own.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut body)?;
    }
    // Each render starts with the page's preamble (said once, at the top), then `.SH`.
    let body: String = String::from_utf8_lossy(&body)
        .lines()
        .filter(|l| !l.starts_with(".ie \\n(.g") && !l.starts_with(".el .ds Aq"))
        .map(|l| format!("{l}\n"))
        .collect();
    let body = body.replace("\n.SH ", "\n.SS ");
    let body = body
        .strip_prefix(".SH ")
        .map_or(body.clone(), |b| format!(".SS {b}"));
    writeln!(page, ".SH \"{}\"", full.to_uppercase())?;
    page.write_all(body.as_bytes())
}
