//! The README's test command, `tests/run`: on a machine without the tools the tests use, it
//! installs them (Debian's packages, as root or with sudo) and then runs `cargo test` with its
//! arguments. Run here with stand-ins for `apt-get`, `sudo`, `id` and `cargo` that write down
//! what they were asked, and a PATH without strace, Xvfb, xclip or tmux.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A folder for PATH holding the shell's basics and stand-ins that log their arguments.
fn fake_path(dir: &Path, uid: &str, with_sudo: bool) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    for tool in ["bash", "env", "dirname", "ls"] {
        let real = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .expect("a basic tool");
        std::os::unix::fs::symlink(real, bin.join(tool)).expect("link");
    }
    let log = dir.join("log");
    let mut stand_ins = vec![
        (
            "apt-get",
            format!("echo \"apt-get $*\" >> {}", log.display()),
        ),
        ("cargo", format!("echo \"cargo $*\" >> {}", log.display())),
        ("id", format!("echo {uid}")),
    ];
    if with_sudo {
        stand_ins.push((
            "sudo",
            format!("echo \"sudo $1\" >> {}; \"$@\"", log.display()),
        ));
    }
    for (name, body) in stand_ins {
        let path = bin.join(name);
        std::fs::write(&path, format!("#!{}/bash\n{body}\n", bin.display())).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    bin
}

fn run(dir: &Path, bin: &Path) -> (std::process::Output, String) {
    let out = Command::new(bin.join("bash"))
        .arg(root().join("tests/run"))
        .args(["--test", "some_test"])
        .env_clear()
        .env("PATH", bin)
        .output()
        .expect("run tests/run");
    let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    (out, log)
}

#[test]
fn the_readme_s_test_command_is_tests_run() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let first_block = readme.split("```").nth(1).expect("a code block");
    assert!(
        first_block.lines().any(|l| l.starts_with("tests/run ")),
        "the README's first screen gives tests/run: {first_block}"
    );
    let mode = std::fs::metadata(root().join("tests/run"))
        .expect("tests/run")
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "tests/run is executable");
    let ci = std::fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    assert!(ci.contains("\ntests/run"), ".ci/run calls tests/run");
}

#[test]
fn as_root_it_installs_what_is_missing_then_runs_cargo_test() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = fake_path(dir.path(), "0", false);
    let (out, log) = run(dir.path(), &bin);
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<&str> = log.lines().collect();
    let install = lines
        .iter()
        .position(|l| l.starts_with("apt-get install"))
        .expect("apt-get install was run");
    for package in ["strace", "xvfb", "xclip", "tmux"] {
        assert!(lines[install].contains(package), "{package} in {log}");
    }
    let cargo = lines
        .iter()
        .position(|l| *l == "cargo test --test some_test")
        .expect("cargo test with the arguments given");
    assert!(install < cargo, "installed first: {log}");
}

#[test]
fn as_a_user_it_installs_with_sudo_or_says_what_to_install() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = fake_path(dir.path(), "1000", true);
    let (out, log) = run(dir.path(), &bin);
    assert!(out.status.success(), "{out:?}");
    assert!(log.contains("sudo env"), "apt-get through sudo: {log}");
    assert!(log.contains("cargo test --test some_test"), "{log}");

    let dir = tempfile::tempdir().expect("tempdir");
    let bin = fake_path(dir.path(), "1000", false);
    let (out, log) = run(dir.path(), &bin);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("run as root, or install them: apt-get install strace xvfb xclip tmux"),
        "{err}"
    );
    assert!(
        !log.contains("cargo"),
        "no tests run without their tools: {log}"
    );
}
