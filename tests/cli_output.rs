//! The command line as a script and a person meet it: what goes to stdout and what to
//! stderr, exit codes, the advice each message gives, the order of listings, completions and
//! the man page. Each runs the real binary.

mod common;

use common::cli::*;

/// Copies the profile `from` to `to` (the same login under another name).
fn copy_profile(w: &World, from: &str, to: &str) {
    std::fs::copy(w.profile(from), w.profile(to)).expect("copy profile");
}

/// The profile names in `profiles`' table, in their order.
fn listed(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let l = l.strip_prefix("* ").or_else(|| l.strip_prefix("  "))?;
            Some(l.split_whitespace().next()?.to_string())
        })
        .collect()
}

#[test]
fn profiles_are_listed_in_natural_order() {
    let w = World::new();
    w.logged_in("p1");
    for name in [
        "p10", "p2", "p9", "p11", "P3", "p02x", "alpha", "beta-1", "beta-10", "beta-2",
    ] {
        copy_profile(&w, "p1", name);
    }
    let e = w.run(&["profiles"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(
        listed(&e.stdout),
        ["alpha", "beta-1", "beta-2", "beta-10", "p1", "p2", "p02x", "P3", "p9", "p10", "p11"],
        "{}",
        e.stdout
    );
    let j: serde_json::Value =
        serde_json::from_str(&w.run(&["profiles", "--json"]).stdout).expect("json");
    let names: Vec<&str> = j
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names[..5], ["alpha", "beta-1", "beta-2", "beta-10", "p1"]);
}

/// The deepest nesting of parentheses in `text`.
fn paren_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[test]
fn a_missing_profile_points_to_commands_that_work_for_it() {
    let w = World::new();
    w.logged_in("work");
    for args in [
        &["token", "nope"][..],
        &["refresh", "nope"],
        &["show", "nope"],
        &["revoke", "nope"],
        &["default", "nope"],
        &["remove", "nope", "--yes"],
        &["api", "/2/users/me", "--profile", "nope"],
    ] {
        let e = w.run(args);
        assert_eq!(e.code, 3, "{args:?}: {}", e.stderr);
        assert!(e.stdout.is_empty(), "{args:?}: {}", e.stdout);
        assert!(
            e.stderr.contains("xconnect profiles")
                && e.stderr
                    .contains("xconnect login --profile nope --client-id ID"),
            "{args:?}: {}",
            e.stderr
        );
        assert!(
            !e.stderr.contains("\"xconnect login --profile nope\""),
            "{args:?}: no advice that fails the same way: {}",
            e.stderr
        );
    }
    // Logging in again needs a profile to log in to: it says what to pass instead.
    let mut l = w.login(&["--profile", "nope"], &[]);
    assert!(l.try_link().is_none(), "no link without a Client ID");
    let e = l.end();
    assert_eq!(e.code, 3, "{}", e.stderr);
    assert!(
        e.stderr
            .contains("xconnect login --profile nope --client-id ID"),
        "{}",
        e.stderr
    );
    assert_eq!(e.stderr.matches("--client-id").count(), 1, "{}", e.stderr);

    // The advice works.
    assert_eq!(w.run(&["profiles"]).code, 0);
    let mut l = w.login(&["--profile", "nope", "--client-id", ID], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    assert_eq!(l.end().code, 0);
    assert_eq!(w.run(&["token", "nope"]).code, 0);
}

#[test]
fn without_a_default_profile_the_advice_names_real_profiles() {
    let w = World::new();
    let e = w.run(&["token"]);
    assert_eq!(e.code, 3, "{}", e.stderr);
    assert!(
        !e.stderr.contains("xconnect default"),
        "no profile to make the default: {}",
        e.stderr
    );
    assert!(
        e.stderr.contains("xconnect login --client-id ID"),
        "{}",
        e.stderr
    );

    w.logged_in("a");
    w.logged_in("b");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 3, "{}", e.stderr);
    assert!(!e.stderr.contains("NAME"), "{}", e.stderr);
    assert!(e.stderr.contains("xconnect default a"), "{}", e.stderr);
    assert_eq!(w.run(&["default", "a"]).code, 0);
    assert_eq!(w.run(&["token"]).code, 0);
}

#[test]
fn a_dead_refresh_token_says_once_which_login_fixes_it() {
    use xconnect::secret::Secret;
    use xconnect::x::{oauth, Endpoints};
    let w = World::new();
    w.logged_in("bot");
    // Someone else used (and so rotated away) the saved refresh token.
    let e = Endpoints::new(&w.sandbox.base_url(), &w.sandbox.base_url()).expect("endpoints");
    let app = xconnect::app::AppConfig {
        client_id: ID.into(),
        callback_url: CALLBACK.into(),
        ..Default::default()
    };
    let saved = w.read("bot")["token"]["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string();
    w.rt.block_on(async {
        let http = oauth::http_client().expect("client");
        oauth::refresh(&http, &app, &e, &Secret::new(saved))
            .await
            .expect("stolen refresh")
    });
    w.expire("bot");
    // Once from X's answer, once from the mark left in the profile.
    for _ in 0..2 {
        let e = w.run(&["token", "bot"]);
        assert_eq!(e.code, 4, "{}", e.stderr);
        assert_eq!(e.stderr.lines().count(), 1, "{}", e.stderr);
        assert!(!e.stderr.contains("NAME"), "{}", e.stderr);
        assert!(paren_depth(&e.stderr) <= 1, "{}", e.stderr);
        assert_eq!(
            e.stderr.matches("xconnect login").count(),
            1,
            "said once: {}",
            e.stderr
        );
        assert_eq!(
            e.stderr.to_lowercase().matches("log in again").count(),
            1,
            "said once: {}",
            e.stderr
        );
        assert!(
            e.stderr.contains("xconnect login --profile bot"),
            "{}",
            e.stderr
        );
    }
    // The advice works: the saved app is reused.
    let mut l = w.login(&["--profile", "bot"], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    assert_eq!(l.end().code, 0);
    assert_eq!(w.run(&["token", "bot"]).code, 0);
}

#[test]
fn talk_goes_to_stderr_and_data_to_stdout() {
    let w = World::new();
    let e = w.run(&["profiles"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stdout.is_empty(), "no data: {}", e.stdout);
    assert!(e.stderr.contains("No profiles yet"), "{}", e.stderr);
    let e = w.run(&["profiles", "--json"]);
    assert_eq!(e.stdout.trim(), "[]");

    w.logged_in("a");
    w.logged_in("b");
    for (args, says) in [
        (&["default", "b"][..], "b is now the default profile"),
        (&["revoke", "b"], "Revoked the tokens of b"),
        (&["remove", "b", "--yes"], "Removed"),
    ] {
        let e = w.run(args);
        assert_eq!(e.code, 0, "{args:?}: {}", e.stderr);
        assert!(e.stdout.is_empty(), "{args:?}: {}", e.stdout);
        assert!(e.stderr.contains(says), "{args:?}: {}", e.stderr);
    }
}

#[test]
fn remove_without_a_terminal_refuses_without_asking() {
    let w = World::new();
    w.logged_in("a");
    let e = w.run(&["remove", "a"]);
    assert_eq!(e.code, 2, "a usage error: {}", e.stderr);
    assert!(!e.stderr.contains("[y/N]"), "no question: {}", e.stderr);
    assert!(
        e.stderr.contains("no terminal") && e.stderr.contains("--yes"),
        "{}",
        e.stderr
    );
    assert!(w.profile("a").exists());
}

#[test]
fn a_bad_xconnect_timeout_is_refused_not_ignored() {
    let w = World::new();
    w.logged_in("a");
    for bad in ["0", "601", "abc", "-5", "1.5", "99999999999999999999"] {
        for args in [&["token"][..], &["profiles"]] {
            let e = w.run_env(args, &[("XCONNECT_TIMEOUT", bad)]);
            assert_eq!(e.code, 2, "{bad} {args:?}: {}", e.stderr);
            assert!(e.stdout.is_empty(), "{}", e.stdout);
            assert!(
                e.stderr.contains("XCONNECT_TIMEOUT") && e.stderr.contains("1 to 600"),
                "{bad}: {}",
                e.stderr
            );
        }
    }
    for good in ["1", "600", " 30 ", ""] {
        let e = w.run_env(&["token"], &[("XCONNECT_TIMEOUT", good)]);
        assert_eq!(e.code, 0, "{good:?}: {}", e.stderr);
    }
}

#[test]
fn sandbox_is_offered_only_where_it_means_something() {
    let w = World::new();
    for cmd in [
        "remove", "default", "profiles", "show", "store", "token", "api", "refresh", "revoke",
    ] {
        let e = w.run(&[cmd, "--help"]);
        assert_eq!(e.code, 0, "{cmd}: {}", e.stderr);
        assert!(!e.stdout.contains("--sandbox"), "{cmd}: {}", e.stdout);
    }
    for args in [&["--help"][..], &["login", "--help"]] {
        let e = w.run(args);
        assert!(e.stdout.contains("--sandbox"), "{args:?}: {}", e.stdout);
    }
    for args in [
        &["remove", "a", "--sandbox"][..],
        &["default", "a", "--sandbox"],
        &["--sandbox", "profiles"],
        &["profiles", "--sandbox"],
    ] {
        let e = w.run(args);
        assert_eq!(e.code, 2, "{args:?}: {}", e.stderr);
    }
}

#[test]
fn every_name_and_json_has_help_text() {
    let w = World::new();
    for cmd in [
        "token", "refresh", "show", "revoke", "default", "remove", "profiles",
    ] {
        let help = w.run(&[cmd, "--help"]).stdout;
        for line in help.lines() {
            let t = line.trim_start();
            if t.starts_with("[NAME]") || t.starts_with("<NAME>") || t.starts_with("--json") {
                let text = t.split_once(char::is_whitespace).map(|(_, r)| r.trim());
                assert!(
                    text.is_some_and(|r| !r.is_empty()),
                    "{cmd}: {line:?} has no help text:\n{help}"
                );
            }
        }
    }
}

/// Every command a person types (the hidden `man` aside).
const SUBCOMMANDS: [&str; 11] = [
    "login",
    "token",
    "api",
    "refresh",
    "profiles",
    "show",
    "default",
    "revoke",
    "remove",
    "store",
    "completions",
];

#[test]
fn completions_for_bash_zsh_and_fish() {
    let w = World::new();
    let e = w.run(&["completions", "bash"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    for cmd in SUBCOMMANDS {
        assert!(e.stdout.contains(cmd), "bash completion lacks {cmd}");
    }
    assert!(e.stdout.contains("--client-id") && e.stdout.contains("--json"));
    let script = w.dir.path().join("xconnect.bash");
    std::fs::write(&script, &e.stdout).expect("write");
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash");
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    for shell in ["zsh", "fish"] {
        let e = w.run(&["completions", shell]);
        assert_eq!(e.code, 0, "{shell}: {}", e.stderr);
        assert!(e.stdout.contains("xconnect") && e.stdout.contains("profiles"));
    }
    assert_eq!(w.run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn the_man_page_comes_from_the_same_definitions() {
    let w = World::new();
    let e = w.run(&["man"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stdout.contains(".TH xconnect 1"), "a page of section 1");
    for cmd in SUBCOMMANDS {
        let heading = format!(".SH \"XCONNECT {}\"", cmd.to_uppercase());
        assert!(e.stdout.contains(&heading), "the man page lacks {heading}");
        assert!(
            e.stdout.contains(&format!("\\fBxconnect {cmd}\\fR")),
            "the list of commands lacks {cmd}"
        );
    }
    for heading in [
        ".SH \"EXIT STATUS\"",
        ".SH \"ENVIRONMENT\"",
        ".SH \"XCONNECT STORE PUSH\"",
    ] {
        assert!(e.stdout.contains(heading), "the man page lacks {heading}");
    }
    assert!(e.stdout.is_ascii(), "troff reads it in any locale");
    // Each command's own options are there too, not only its name.
    for option in [
        "\\-\\-client\\-id",
        "\\-\\-reveal",
        "\\-\\-max\\-pages",
        "\\-\\-keep",
    ] {
        assert!(e.stdout.contains(option), "the man page lacks {option}");
    }
    assert!(e.stdout.contains("XCONNECT_TIMEOUT") || e.stdout.contains("XCONNECT_STORE"));
    let help = w.run(&["--help"]).stdout;
    assert!(
        !help.contains("\n  man "),
        "man is not offered in --help: {help}"
    );
}

/// The scopes of the first profile, as `profiles --json` gives them (an array, or before it
/// was one, a string).
fn scopes_of(w: &World) -> Vec<String> {
    let j: serde_json::Value =
        serde_json::from_str(&w.run(&["profiles", "--json"]).stdout).expect("json");
    match &j[0]["scopes"] {
        serde_json::Value::String(s) => s.split_whitespace().map(String::from).collect(),
        _ => json_scopes(w),
    }
}

/// The scopes `profiles --json` gives for the first profile, one string each.
fn json_scopes(w: &World) -> Vec<String> {
    let j: serde_json::Value =
        serde_json::from_str(&w.run(&["profiles", "--json"]).stdout).expect("json");
    j[0]["scopes"]
        .as_array()
        .unwrap_or_else(|| panic!("scopes as an array: {j}"))
        .iter()
        .map(|s| s.as_str().expect("a scope is a string").to_string())
        .collect()
}

#[test]
fn profiles_json_has_the_scopes_as_an_array() {
    let w = World::new();
    w.logged_in("bot");
    let scopes = json_scopes(&w);
    assert!(
        scopes.iter().any(|s| s == "offline.access") && scopes.len() > 3,
        "{scopes:?}"
    );
}

#[test]
fn profiles_in_a_pipe_are_whole_and_carry_no_legend() {
    let w = World::new();
    w.logged_in("bot");
    let scopes = scopes_of(&w).join(" ");
    let e = w.run(&["profiles"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(!e.stdout.contains('…'), "nothing cut: {}", e.stdout);
    assert!(e.stdout.contains(&scopes), "scopes whole: {}", e.stdout);
    assert!(
        !e.stdout.contains("default profile"),
        "no legend among the data: {}",
        e.stdout
    );
    assert_eq!(
        e.stdout.lines().count(),
        2,
        "a head and a row: {}",
        e.stdout
    );
}

#[test]
fn profiles_on_a_terminal_fit_its_width() {
    let w = World::new();
    w.logged_in("bot");
    w.logged_in("a-much-longer-profile-name");
    let scopes = scopes_of(&w);
    let dir = w.dir.path().to_string_lossy().into_owned();
    for (cols, rows) in [(80u16, 24u16), (60, 20)] {
        let mut pty = common::pty::Pty::spawn_sized(
            &["profiles"],
            &[("XCONNECT_CONFIG_DIR", dir.as_str())],
            (cols, rows),
        );
        assert_eq!(pty.wait_exit(), 0, "{}", pty.screen());
        let raw = String::from_utf8_lossy(&pty.raw).into_owned();
        for line in raw.split("\r\n") {
            assert!(
                line.chars().count() <= usize::from(cols),
                "{cols} columns: a line wraps: {line:?}\n{raw}"
            );
        }
        let words: Vec<&str> = raw.split_whitespace().collect();
        for s in &scopes {
            assert!(
                words.contains(&s.as_str()),
                "{cols} columns: {s} shown whole:\n{raw}"
            );
        }
    }
}

/// One rule: every command about a profile takes `--profile NAME`; those whose subject is a
/// profile take it as NAME too, and both at once must agree.
#[test]
fn every_command_about_a_profile_takes_profile_name() {
    let w = World::new();
    w.logged_in("a");
    w.logged_in("b");
    for args in [
        &["token", "--profile", "a"][..],
        &["show", "--profile", "a"],
        &["refresh", "--profile", "a"],
        &["api", "/2/users/me", "--profile", "a"],
        &["default", "--profile", "a"],
        &["revoke", "--profile", "b"],
        &["remove", "--profile", "b", "--yes"],
    ] {
        let e = w.run(args);
        assert_eq!(e.code, 0, "{args:?}: {}", e.stderr);
    }
    assert!(!w.profile("b").exists(), "remove --profile b removed b");
    let e = w.run(&["token", "a", "--profile", "b"]);
    assert_eq!(e.code, 2, "NAME and --profile at once: {}", e.stderr);
    for cmd in [
        "token", "show", "refresh", "revoke", "default", "remove", "api",
    ] {
        let help = w.run(&[cmd, "--help"]).stdout;
        assert!(help.contains("--profile <NAME>"), "{cmd}: {help}");
    }
}

#[test]
fn without_a_default_the_advice_fits_every_command() {
    let w = World::new();
    w.logged_in("a");
    w.logged_in("b");
    for args in [&["api", "/2/users/me"][..], &["token"], &["post", "hi"]] {
        let e = w.run(args);
        assert_eq!(e.code, 3, "{args:?}: {}", e.stderr);
        assert!(!e.stderr.contains("name one"), "{args:?}: {}", e.stderr);
        assert!(
            e.stderr.contains("--profile a") && e.stderr.contains("xconnect default a"),
            "{args:?}: {}",
            e.stderr
        );
    }
}

/// The part of `--help` under `Options:` (up to the next heading).
fn own_options(help: &str) -> &str {
    let start = help.find("\nOptions:\n").map_or(0, |i| i + 1);
    let rest = &help[start..];
    let end = rest[1..].find("\n\n").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

#[test]
fn help_lists_only_the_options_that_mean_something_there() {
    let w = World::new();
    let help = w.run(&["completions", "--help"]).stdout;
    for flag in ["--auth-base", "--api-base", "--store", "--config-dir"] {
        assert!(
            !help.contains(flag),
            "completions --help lists {flag}:\n{help}"
        );
    }
    let help = w.run(&["remove", "--help"]).stdout;
    for flag in ["--auth-base", "--api-base"] {
        assert!(!help.contains(flag), "remove --help lists {flag}:\n{help}");
    }
    let help = w.run(&["api", "--help"]).stdout;
    let own = own_options(&help);
    assert!(
        own.contains("--paginate") && own.contains("--profile"),
        "{help}"
    );
    for global in ["--config-dir", "--api-base", "--store"] {
        assert!(
            !own.contains(global),
            "{global} among api's own options:\n{help}"
        );
        assert!(help.contains(global), "{global} still said apart:\n{help}");
    }
    assert!(help.contains("Global options:"), "{help}");
}

/// What bash completes for the words typed so far (the last one being completed), with the
/// script `completions bash` prints loaded, and the test's profiles.
fn bash_completes(w: &World, words: &[&str]) -> Vec<String> {
    let script = w.dir.path().join("xconnect.bash");
    let e = w.run(&["completions", "bash"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    std::fs::write(&script, &e.stdout).expect("write");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_xconnect"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let line =
        format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; \
         f=$(complete -p xconnect | sed -E 's/.*-F ([^ ]+).*/\\1/'); \
         $f xconnect '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words.get(words.len().wrapping_sub(2)).copied().unwrap_or(""),
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &line])
        .env("PATH", path)
        .env("XCONNECT_CONFIG_DIR", w.dir.path())
        .current_dir(w.dir.path())
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn completions_offer_profile_names() {
    let w = World::new();
    w.logged_in("alpha");
    w.logged_in("beta");
    for words in [
        &["xconnect", "token", ""][..],
        &["xconnect", "show", ""],
        &["xconnect", "refresh", ""],
        &["xconnect", "revoke", ""],
        &["xconnect", "remove", ""],
        &["xconnect", "default", ""],
        &["xconnect", "api", "--profile", ""],
        &["xconnect", "post", "--profile", ""],
        &["xconnect", "login", "--profile", ""],
        &["xconnect", "token", "--json", ""],
    ] {
        let got = bash_completes(&w, words);
        assert_eq!(got, ["alpha", "beta"], "{words:?}");
    }
    assert_eq!(bash_completes(&w, &["xconnect", "show", "al"]), ["alpha"]);
    // Flags still complete where a flag is typed.
    assert!(bash_completes(&w, &["xconnect", "token", "--j"]).contains(&"--json".to_string()));
    // zsh and fish call the same quiet listing for the same places.
    for shell in ["zsh", "fish"] {
        let script = w.run(&["completions", shell]).stdout;
        assert!(
            script.contains("profiles --names"),
            "{shell} lists the profiles:\n{script}"
        );
    }
    let fish = w.run(&["completions", "fish"]).stdout;
    for cmd in ["token", "show", "refresh", "revoke", "remove", "default"] {
        assert!(
            fish.lines().any(
                |l| l.contains(&format!("__fish_xconnect_using_subcommand {cmd}\""))
                    && l.contains("__fish_xconnect_profiles")
            ),
            "fish: {cmd}"
        );
    }
    let zsh = w.run(&["completions", "zsh"]).stdout;
    assert!(!zsh.contains(":NAME:_default"), "{zsh}");
    let names = w.run(&["profiles", "--names"]);
    assert_eq!(names.stdout, "alpha\nbeta\n", "{}", names.stderr);
}

/// Each command in `--help` is described by its own words, and its own `--help` opens with
/// them: a flattened group of flags (such as `--wait`) lends its options, never its doc
/// comment, to the commands that take it.
#[test]
fn each_command_is_described_by_its_own_words() {
    let w = World::new();
    let help = w.run(&["--help"]).stdout;
    let listed: Vec<(String, String)> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let (name, about) = l.trim_start().split_once(char::is_whitespace)?;
            Some((name.to_string(), about.trim().to_string()))
        })
        .filter(|(name, _)| name != "help")
        .collect();
    assert!(listed.len() >= 12, "the commands in --help: {help}");
    for (i, (name, about)) in listed.iter().enumerate() {
        for (other, theirs) in &listed[i + 1..] {
            assert_ne!(about, theirs, "{name} and {other} are described alike");
        }
        let own = w.run(&[name.as_str(), "--help"]).stdout;
        let words = about.trim_end_matches('.');
        assert!(
            own.starts_with(words),
            "`{name} --help` does not open with {words:?}:\n{own}"
        );
    }
}
