//! Glyphs that stay in their cell. In some terminal fonts (xterm with DejaVu Sans Mono) an em
//! dash draws a pixel into the next cell, and since only changed cells are redrawn, that pixel
//! stays after the screen changes. Nothing the wizard draws uses one: the screens' words
//! (assets/guide.toml, assets/presets.toml) and every reviewed screen (tests/snapshots).

use std::path::Path;

const EM_DASH: char = '\u{2014}';

fn lines_with_em_dash(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| l.contains(EM_DASH))
        .map(|l| format!("{}: {l}", path.display()))
        .collect()
}

#[test]
fn no_em_dash_in_anything_drawn() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for asset in ["assets/guide.toml", "assets/presets.toml"] {
        found.extend(lines_with_em_dash(&root.join(asset)));
    }
    let snapshots = std::fs::read_dir(root.join("tests/snapshots")).expect("tests/snapshots");
    for entry in snapshots.flatten() {
        if entry.path().extension().is_some_and(|e| e == "snap") {
            found.extend(lines_with_em_dash(&entry.path()));
        }
    }
    assert!(
        found.is_empty(),
        "use an en dash (–) or a hyphen instead:\n{}",
        found.join("\n")
    );
}
