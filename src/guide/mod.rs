//! The words of every screen, from `assets/guide.toml`. They are written there, and built into
//! the binary as Rust (`src/guide/words.rs`, made from the TOML by [`rust_source`]; a test
//! holds the two together): the first frame reads them without parsing TOML, which was an
//! eighth of the instructions before it.

use std::sync::OnceLock;

use serde::Deserialize;

mod words;

/// A text of the guide: borrowed from the binary when built in (`words.rs`), owned when
/// parsed from TOML.
pub type Text = std::borrow::Cow<'static, str>;

/// The guide as written.
pub const GUIDE_TOML: &str = include_str!("../../assets/guide.toml");

/// The texts of one wizard screen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StepText {
    pub id: Text,
    pub title: Text,
    pub short: Text,
    pub intro: Text,
    /// The intro when the callback is on this machine and listened on (a browser there
    /// finishes by itself).
    #[serde(default)]
    pub intro_loopback: Text,
    /// The intro when the link itself is on this machine (the sandbox) and no forward helps.
    #[serde(default)]
    pub intro_here: Text,
    /// The intro when an SSH forward (drawn below) makes this machine's ports reachable.
    #[serde(default)]
    pub intro_forward: Text,
    #[serde(default)]
    pub lines: Vec<Text>,
    #[serde(default)]
    pub warning: Text,
    #[serde(default)]
    pub note: Text,
}

/// The words of the hand-off: the app's values going into the service's own login form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HandoffText {
    pub latenode_title: Text,
    pub latenode_intro: Text,
    /// After a login that proved the app's settings (no scope left out, a Client ID that is
    /// not an OAuth 1.0a key, not the sandbox).
    pub latenode_proved: Text,
    pub latenode_after: Text,
    pub other_title: Text,
    pub other_intro: Text,
    pub other_after: Text,
    pub native_secret: Text,
    /// For a Native App: what to do when the form insists on a Client Secret.
    pub native_insists: Text,
    /// After a login in the sandbox: whose values these are.
    pub sandbox: Text,
    /// After a login that proved less (`{why}`).
    pub not_proved: Text,
    /// Under a confidential app's Client Secret: shown once, and where a lost one is remade.
    #[serde(default)]
    pub secret_once: Text,
}

/// A place where X makes apps, with its own address, steps and names for the pages the
/// later screens mention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Place {
    pub id: Text,
    pub label: Text,
    pub description: Text,
    pub url: Text,
    /// Where App permissions, Type of App and the URLs are set.
    pub auth_settings: Text,
    /// Where the Client ID and Client Secret are shown (and a lost secret regenerated).
    pub keys: Text,
    #[serde(default)]
    pub lines: Vec<Text>,
}

impl Place {
    /// The words of a screen with this place's names filled in.
    pub fn words(&self, text: &str) -> String {
        text.replace("{auth_settings}", &self.auth_settings)
            .replace("{keys}", &self.keys)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Guide {
    pub step: Vec<StepText>,
    #[serde(default)]
    pub handoff: HandoffText,
    #[serde(default)]
    pub place: Vec<Place>,
}

impl Guide {
    /// The place at `index` (the first, the portal, when there is no such place).
    pub fn place(&self, index: usize) -> &Place {
        static NONE: OnceLock<Place> = OnceLock::new();
        self.place
            .get(index)
            .or_else(|| self.place.first())
            .unwrap_or_else(|| NONE.get_or_init(Place::default))
    }

    /// The texts of the screen with this id. The ids are checked by a test, so a missing one is
    /// a build mistake; it still degrades to an empty screen rather than a panic.
    pub fn step(&self, id: &str) -> &StepText {
        static EMPTY: OnceLock<StepText> = OnceLock::new();
        self.step.iter().find(|s| s.id == id).unwrap_or_else(|| {
            EMPTY.get_or_init(|| StepText {
                id: Text::Borrowed(""),
                title: Text::Owned(id.to_string()),
                short: Text::Owned(id.to_string()),
                intro: Text::Borrowed(""),
                intro_loopback: Text::Borrowed(""),
                intro_here: Text::Borrowed(""),
                intro_forward: Text::Borrowed(""),
                lines: Vec::new(),
                warning: Text::Borrowed(""),
                note: Text::Borrowed(""),
            })
        })
    }
}

/// Parses an embedded guide; exposed for the test that proves the shipped one parses.
pub fn parse(text: &str) -> Result<Guide, toml::de::Error> {
    toml::from_str(text)
}

/// The guide shipped in the binary, made once.
pub fn guide() -> &'static Guide {
    static GUIDE: OnceLock<Guide> = OnceLock::new();
    GUIDE.get_or_init(words::guide)
}

/// `src/guide/words.rs` as made from `g`: a function that builds the same [`Guide`].
pub fn rust_source(g: &Guide) -> String {
    fn text(s: &str) -> String {
        format!("{s:?}.into()")
    }
    fn texts(v: &[Text]) -> String {
        let items: Vec<String> = v.iter().map(|s| text(s)).collect();
        format!("vec![{}]", items.join(", "))
    }
    let mut out = String::from(
        "//! Made from `assets/guide.toml` by `xconnect::guide::rust_source`; do not edit: change the TOML,\n\
         //! then run `XCONNECT_WRITE_GUIDE=1 cargo test --test guide_words`.\n\n\
         use crate::guide::{Guide, HandoffText, Place, StepText};\n\n\
         #[rustfmt::skip]\n\
         pub(crate) fn guide() -> Guide {\n    Guide {\n        step: vec![\n",
    );
    for st in &g.step {
        out.push_str(&format!(
            "            StepText {{ id: {}, title: {}, short: {}, intro: {}, intro_loopback: {}, intro_here: {}, intro_forward: {}, lines: {}, warning: {}, note: {} }},\n",
            text(&st.id),
            text(&st.title),
            text(&st.short),
            text(&st.intro),
            text(&st.intro_loopback),
            text(&st.intro_here),
            text(&st.intro_forward),
            texts(&st.lines),
            text(&st.warning),
            text(&st.note)
        ));
    }
    let h = &g.handoff;
    out.push_str(&format!(
        "        ],\n        handoff: HandoffText {{ latenode_title: {}, latenode_intro: {}, latenode_proved: {}, latenode_after: {}, other_title: {}, other_intro: {}, other_after: {}, native_secret: {}, native_insists: {}, sandbox: {}, not_proved: {}, secret_once: {} }},\n        place: vec![\n",
        text(&h.latenode_title),
        text(&h.latenode_intro),
        text(&h.latenode_proved),
        text(&h.latenode_after),
        text(&h.other_title),
        text(&h.other_intro),
        text(&h.other_after),
        text(&h.native_secret),
        text(&h.native_insists),
        text(&h.sandbox),
        text(&h.not_proved),
        text(&h.secret_once)
    ));
    for p in &g.place {
        out.push_str(&format!(
            "            Place {{ id: {}, label: {}, description: {}, url: {}, auth_settings: {}, keys: {}, lines: {} }},\n",
            text(&p.id),
            text(&p.label),
            text(&p.description),
            text(&p.url),
            text(&p.auth_settings),
            text(&p.keys),
            texts(&p.lines)
        ));
    }
    out.push_str("        ],\n    }\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_guide_parses_and_names_every_screen() {
        let g = parse(GUIDE_TOML).expect("assets/guide.toml must parse");
        for step in crate::wizard::Step::ALL {
            let id = step.id();
            assert!(g.step.iter().any(|s| s.id == id), "guide lacks step {id}");
        }
        assert!(g.step("create_app").warning.contains("OAuth 1.0a"));
        let ids: Vec<&str> = g.place.iter().map(|p| &*p.id).collect();
        assert_eq!(
            ids,
            ["portal", "console"],
            "the portal first, as the guide has it"
        );
        for p in &g.place {
            assert!(
                p.url.starts_with("https://") && !p.lines.is_empty(),
                "{}",
                p.id
            );
        }
        // Every placeholder in the steps' words is one a place fills.
        for s in &g.step {
            for text in [&s.intro, &s.warning, &s.note] {
                let filled = g.place(0).words(text);
                assert!(!filled.contains('{'), "{}: {filled}", s.id);
            }
        }
        assert!(g.handoff.latenode_intro.contains("X (Twitter)"));
        assert!(!g.handoff.native_secret.is_empty());
    }

    /// The words as shown, with each place's names filled in: no "its the …" (a possessive
    /// before a name that has its own article), no two parentheses in a row, no word twice.
    #[test]
    fn filled_words_read_as_sentences() {
        let g = parse(GUIDE_TOML).expect("assets/guide.toml must parse");
        let h = &g.handoff;
        for place in &g.place {
            let mut texts: Vec<&str> = vec![
                &h.secret_once,
                &h.native_secret,
                &h.native_insists,
                &h.sandbox,
                &h.not_proved,
            ];
            for s in &g.step {
                texts.extend([
                    &*s.intro,
                    &s.intro_loopback,
                    &s.intro_here,
                    &s.intro_forward,
                    &s.warning,
                    &s.note,
                ]);
                texts.extend(s.lines.iter().map(|l| &**l));
            }
            texts.extend(place.lines.iter().map(|l| &**l));
            for text in texts {
                let filled = place.words(text);
                let lower = filled.to_lowercase();
                assert!(!lower.contains("its the "), "{}: {filled}", place.id);
                assert!(!filled.contains(") ("), "{}: {filled}", place.id);
                let words: Vec<&str> = lower.split_whitespace().collect();
                for pair in words.windows(2) {
                    assert!(pair[0] != pair[1], "{}: {filled}", place.id);
                }
            }
        }
    }
}
