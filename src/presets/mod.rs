//! Callback / Website URL presets, written in `assets/presets.toml` and built into the binary
//! as Rust (`src/presets/list.rs`, made from the TOML by [`rust_source`]; a test holds the two
//! together): the first frame parses no TOML.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::guide::Text;

mod list;

/// The presets as written.
pub const PRESETS_TOML: &str = include_str!("../../assets/presets.toml");

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Preset {
    pub id: Text,
    pub label: Text,
    pub description: Text,
    pub callback_url: Text,
    pub website_url: Text,
    #[serde(default)]
    pub port: Option<u16>,
    /// Said under the Website URL while it holds this preset's value.
    #[serde(default)]
    pub website_note: Text,
}

impl Preset {
    /// The callback URL with `{port}` filled in.
    pub fn callback(&self) -> String {
        match self.port {
            Some(p) => self.callback_url.replace("{port}", &p.to_string()),
            None => self.callback_url.to_string(),
        }
    }

    /// The callback URL on `port` (for a preset with `{port}`; any other has one value).
    pub fn callback_on(&self, port: u16) -> String {
        match self.port {
            Some(_) => self.callback_url.replace("{port}", &port.to_string()),
            None => self.callback_url.to_string(),
        }
    }

    /// The port of `callback` when it is this preset's callback on some port (a preset with
    /// `{port}`): a port of one's own keeps the preset.
    pub fn port_in(&self, callback: &str) -> Option<u16> {
        self.port?;
        let (before, after) = self.callback_url.split_once("{port}")?;
        let digits = callback.strip_prefix(before)?.strip_suffix(after)?;
        if digits.is_empty()
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        digits.parse().ok()
    }

    /// `callback` is this preset's (on any port, for a preset with `{port}`).
    pub fn matches(&self, callback: &str) -> bool {
        callback == self.callback() || self.port_in(callback).is_some()
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

/// The presets shipped in the binary, made once.
pub fn presets() -> &'static [Preset] {
    static PRESETS: OnceLock<Vec<Preset>> = OnceLock::new();
    PRESETS.get_or_init(list::presets)
}

/// The Rust that builds `presets` (what `src/presets/list.rs` holds).
pub fn rust_source(presets: &[Preset]) -> String {
    let mut out = String::from(
        "//! Made from `assets/presets.toml` by `xconnect::presets::rust_source`; do not edit: change\n\
         //! the TOML, then run `XCONNECT_WRITE_GUIDE=1 cargo test --test guide_words`.\n\n\
         use crate::presets::Preset;\n\n\
         #[rustfmt::skip]\n\
         pub(crate) fn presets() -> Vec<Preset> {\n    vec![\n",
    );
    for p in presets {
        out.push_str(&format!(
            "        Preset {{ id: {:?}.into(), label: {:?}.into(), description: {:?}.into(), callback_url: {:?}.into(), website_url: {:?}.into(), port: {:?}, website_note: {:?}.into() }},\n",
            p.id, p.label, p.description, p.callback_url, p.website_url, p.port, p.website_note
        ));
    }
    out.push_str("    ]\n}\n");
    out
}

/// The port of the preset with `{port}` (the loopback preset's own, 8765).
pub fn loopback_port() -> u16 {
    presets().iter().find_map(|p| p.port).unwrap_or(8765)
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

    #[test]
    fn the_loopback_preset_takes_any_port() {
        let p = parse(PRESETS_TOML).expect("presets");
        assert_eq!(p[1].callback_on(9000), "http://127.0.0.1:9000/callback");
        assert_eq!(p[1].port_in("http://127.0.0.1:9000/callback"), Some(9000));
        assert!(p[1].matches("http://127.0.0.1:8765/callback"));
        for not in [
            "http://127.0.0.1:/callback",
            "http://127.0.0.1:09000/callback",
            "http://127.0.0.1:70000/callback",
            "http://127.0.0.1:0/callback",
            "http://127.0.0.1:80a/callback",
            "http://127.0.0.1:9000/callback/",
        ] {
            assert!(!p[1].matches(not), "{not}");
        }
        assert_eq!(p[0].port_in(&p[0].callback()), None);
        assert!(p[0].matches(&p[0].callback()));
    }
}
