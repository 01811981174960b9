//! A profile name never leads a file outside the config dir: `login` with hostile
//! `--profile` values is refused with a clear line, before any link, and nothing appears
//! anywhere around the config dir.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::cli::*;

/// Every file and folder under `dir`, relative to it.
fn tree(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            out.insert(
                path.strip_prefix(root)
                    .expect("under root")
                    .display()
                    .to_string(),
            );
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &path, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn hostile_profile_names_are_refused_and_nothing_is_written_anywhere() {
    let w = World::new();
    // <outer>/l1/l2/cfg is the config dir, and the process runs in <outer>/l1/l2: a name that
    // climbs out of the profiles dir (or is taken relative to the current dir) lands in
    // <outer>, where it shows.
    let outer = tempfile::tempdir().expect("tempdir");
    let cwd = outer.path().join("l1/l2");
    std::fs::create_dir_all(&cwd).expect("dirs");
    std::fs::write(outer.path().join("l1/keep.txt"), "there before").expect("write");
    let config = cwd.join("cfg");
    let before = tree(outer.path());
    let long = "a".repeat(300);
    let names: [(&str, &str); 13] = [
        ("../x", "letters, digits, - and _ only (\"../x\" has \".\")"),
        ("../../../x", "letters, digits, - and _ only"),
        ("a/b", "letters, digits, - and _ only (\"a/b\" has \"/\")"),
        (
            "/etc/passwd",
            "letters, digits, - and _ only (\"/etc/passwd\" has \"/\")",
        ),
        ("..", "\"..\" is not a profile name (it means a folder)"),
        (".", "\".\" is not a profile name (it means a folder)"),
        (&long, "at most 64 characters"),
        ("nul", "\"nul\" is a reserved device name"),
        ("NUL", "\"NUL\" is a reserved device name"),
        ("", "cannot be empty"),
        ("-rf", "cannot start with \"-\""),
        ("x\\..\\y", "letters, digits, - and _ only"),
        ("a b", "letters, digits, - and _ only (\"a b\" has a space)"),
    ];
    for (name, says) in names {
        for with_client_id in [true, false] {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_xconnect"));
            let base = w.sandbox.base_url();
            cmd.current_dir(&cwd)
                .args([
                    "login",
                    "--no-tui",
                    "--auth-base",
                    &base,
                    "--api-base",
                    &base,
                ])
                .arg(format!("--profile={name}"))
                .env("XCONNECT_CONFIG_DIR", &config)
                .env_remove("XCONNECT_CLIENT_SECRET");
            if with_client_id {
                cmd.args(["--client-id", ID]);
            }
            let mut l = Login::spawn(cmd);
            let link = l.try_link();
            if let Some(link) = &link {
                // Had the name been taken, finish the login so a stray file would be written.
                let redirect = w.rt.block_on(w.sandbox.approve(link)).expect("approve");
                l.type_line(&redirect);
            }
            let e = l.end();
            let case = format!("--profile={name:?} (client id: {with_client_id})");
            assert!(link.is_none(), "{case}: refused before any link");
            assert_eq!(e.code, 1, "{case}: {}", e.stderr);
            assert!(e.stdout.is_empty(), "{case}: {}", e.stdout);
            assert_eq!(
                e.stderr.lines().count(),
                1,
                "{case}: one line: {}",
                e.stderr
            );
            assert!(e.stderr.starts_with("xconnect: "), "{case}: {}", e.stderr);
            if with_client_id {
                assert!(e.stderr.contains("--profile: "), "{case}: {}", e.stderr);
            }
            assert!(
                e.stderr.contains(says),
                "{case}: {says:?} missing: {}",
                e.stderr
            );
            assert!(
                [
                    "letters, digits, - and _",
                    "another profile name",
                    "start with a letter"
                ]
                .iter()
                .any(|hint| e.stderr.contains(hint)),
                "{case}: says what is allowed: {}",
                e.stderr
            );
            assert_eq!(tree(outer.path()), before, "{case}: nothing appeared");
            assert!(!Path::new("/etc/passwd.toml").exists(), "{case}");
        }
    }
    assert_eq!(w.sandbox.stats().code_exchanges, 0);
}
