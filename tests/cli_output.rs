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
