//! The wizard's words and URL presets are written in `assets/guide.toml` and
//! `assets/presets.toml` and built into the binary as Rust (`src/guide/words.rs`,
//! `src/presets/list.rs`, so that the first frame parses no TOML): each pair says the same.
//! After changing a TOML: `XCONNECT_WRITE_GUIDE=1 cargo test --test guide_words`.

use xconnect::guide::{guide, parse, rust_source, GUIDE_TOML};

#[test]
fn the_built_in_words_are_the_guide_s_words() {
    let written = parse(GUIDE_TOML).expect("assets/guide.toml parses");
    let source = rust_source(&written);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/guide/words.rs");
    if std::env::var_os("XCONNECT_WRITE_GUIDE").is_some() {
        std::fs::write(path, &source).expect("write src/guide/words.rs");
    }
    let built_in = std::fs::read_to_string(path).expect("src/guide/words.rs");
    assert!(
        built_in == source,
        "src/guide/words.rs is not what assets/guide.toml says: run XCONNECT_WRITE_GUIDE=1 cargo test --test guide_words"
    );
    assert_eq!(
        guide(),
        &written,
        "the words the binary uses are the TOML's"
    );
}

#[test]
fn the_built_in_presets_are_the_toml_s_presets() {
    use xconnect::presets::{self, PRESETS_TOML};
    let written = presets::parse(PRESETS_TOML).expect("assets/presets.toml parses");
    let source = presets::rust_source(&written);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/presets/list.rs");
    if std::env::var_os("XCONNECT_WRITE_GUIDE").is_some() {
        std::fs::write(path, &source).expect("write src/presets/list.rs");
    }
    let built_in = std::fs::read_to_string(path).expect("src/presets/list.rs");
    assert!(
        built_in == source,
        "src/presets/list.rs is not what assets/presets.toml says: run XCONNECT_WRITE_GUIDE=1 cargo test --test guide_words"
    );
    assert_eq!(
        presets::presets(),
        &written[..],
        "the presets the binary uses are the TOML's"
    );
}
