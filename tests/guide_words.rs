//! The wizard's words and URL presets are written in `assets/guide.toml` and
//! `assets/presets.toml` and built into the binary as Rust (`src/guide/words.rs`,
//! `src/presets/list.rs`, so that the first frame parses no TOML): each pair says the same.
//! After changing a TOML: `XCONNECT_WRITE_GUIDE=1 cargo test --test guide_words`.

use xconnect::guide::{self, GUIDE_TOML};
use xconnect::presets::{self, PRESETS_TOML};

/// The Rust file at `path` (under the crate) is `source`, made from `toml`; written anew
/// first when asked.
fn holds(path: &str, source: &str, toml: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("XCONNECT_WRITE_GUIDE").is_some() {
        std::fs::write(&path, source).expect("write the built-in Rust");
    }
    let built_in = std::fs::read_to_string(&path).expect("the built-in Rust");
    assert!(
        built_in == source,
        "{} is not what {toml} says: run XCONNECT_WRITE_GUIDE=1 cargo test --test guide_words",
        path.display()
    );
}

#[test]
fn the_built_in_words_are_the_guide_s_words() {
    let written = guide::parse(GUIDE_TOML).expect("assets/guide.toml parses");
    holds(
        "src/guide/words.rs",
        &guide::rust_source(&written),
        "assets/guide.toml",
    );
    assert_eq!(
        guide::guide(),
        &written,
        "the words the binary uses are the TOML's"
    );
}

#[test]
fn the_built_in_presets_are_the_toml_s_presets() {
    let written = presets::parse(PRESETS_TOML).expect("assets/presets.toml parses");
    holds(
        "src/presets/list.rs",
        &presets::rust_source(&written),
        "assets/presets.toml",
    );
    assert_eq!(
        presets::presets(),
        &written[..],
        "the presets the binary uses are the TOML's"
    );
}
