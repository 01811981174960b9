//! Callback / Website URL presets, from `assets/presets.toml`, embedded at build time.

use std::sync::OnceLock;

use serde::Deserialize;

const PRESETS_TOML: &str = include_str!("../assets/presets.toml");

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Preset {
    pub id: String,
    pub label: String,
    pub description: String,
    pub callback_url: String,
    pub website_url: String,
    #[serde(default)]
    pub port: Option<u16>,
    /// Said under the Website URL while it holds this preset's value.
    #[serde(default)]
    pub website_note: String,
}

impl Preset {
    /// The callback URL with `{port}` filled in.
    pub fn callback(&self) -> String {
        match self.port {
            Some(p) => self.callback_url.replace("{port}", &p.to_string()),
            None => self.callback_url.clone(),
        }
    }

    /// The custom preset has empty values: choosing it keeps what the fields hold.
    pub fn is_custom(&self) -> bool {
        self.callback_url.is_empty()
    }
}

#[derive(Debug, Deserialize)]
struct PresetFile {
    preset: Vec<Preset>,
}

pub fn parse(text: &str) -> Result<Vec<Preset>, toml::de::Error> {
    toml::from_str::<PresetFile>(text).map(|f| f.preset)
}

/// The presets shipped in the binary, parsed once.
pub fn presets() -> &'static [Preset] {
    static PRESETS: OnceLock<Vec<Preset>> = OnceLock::new();
    PRESETS.get_or_init(|| parse(PRESETS_TOML).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_presets_parse_latenode_first() {
        let p = parse(PRESETS_TOML).expect("assets/presets.toml must parse");
        assert_eq!(p[0].id, "latenode");
        assert_eq!(
            p[0].callback(),
            "https://app.latenode.com/redirected/index.html"
        );
        assert_eq!(p[0].website_url, "https://app.latenode.com/connections");
        assert_eq!(p[1].callback(), "http://127.0.0.1:8765/callback");
        assert!(p.last().is_some_and(Preset::is_custom));
    }
}
