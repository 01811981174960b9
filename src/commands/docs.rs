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
    out.write_all(&buf)?;
    out.flush()
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
