//! One exit-status table: `--help`, the man page and the README say what
//! `xconnect::commands::exit::TABLE` says, and nothing else.

use std::process::Command;

use xconnect::commands::exit;

#[test]
fn the_readme_s_exit_table_is_the_one_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("| code | meaning |")
        .expect("the README has its exit table");
    let table: String = readme[start..]
        .lines()
        .take_while(|l| l.starts_with('|'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        table,
        exit::readme_table(),
        "the README's exit table differs from commands::exit::TABLE; it should read:\n{}",
        exit::readme_table()
    );
}

#[test]
fn help_and_the_man_page_give_the_one_table() {
    let help = Command::new(env!("CARGO_BIN_EXE_xconnect"))
        .arg("--help")
        .output()
        .expect("xconnect --help");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains(&exit::help_text()), "{help}");
    let man = Command::new(env!("CARGO_BIN_EXE_xconnect"))
        .arg("man")
        .output()
        .expect("xconnect man");
    let man = String::from_utf8_lossy(&man.stdout);
    for m in exit::TABLE {
        assert!(
            man.contains(&m.help.replace('-', "\\-")) || man.contains(m.help),
            "the man page lacks {}: {}",
            m.code,
            m.help
        );
    }
}
