//! `show`: a profile as its file says, with secrets masked unless `--reveal`.

use crate::profile::Profile;
use crate::secret::Secret;

/// The profile with its client secret and tokens cut to their last 4 characters.
pub fn masked(p: &Profile) -> Profile {
    let mask = |s: &String| Secret::new(s.clone()).hint();
    let mut m = p.clone();
    if let Some(s) = &m.app.client_secret {
        m.app.client_secret = Some(mask(s));
    }
    if let Some(t) = m.token.as_mut() {
        t.access_token = mask(&t.access_token);
        t.refresh_token = t.refresh_token.as_ref().map(mask);
    }
    m
}

/// The profile as TOML, headed by where it lives (its file, or the shared store). Ready for a
/// terminal: hidden characters are TOML escapes in the values (still TOML, the same values)
/// and `\u{…}` in the heading (see [`crate::text`]).
pub fn text(p: &Profile, place: &str, reveal: bool) -> Result<String, String> {
    let shown = if reveal { p.clone() } else { masked(p) };
    let mut out = format!("# {}\n", crate::text::escape(place, usize::MAX));
    if !reveal {
        out.push_str("# secrets masked: --reveal shows them\n");
    }
    out.push_str(&crate::text::toml_for_terminal(&shown.to_toml()?));
    Ok(out)
}

/// The profile as pretty JSON, secrets masked unless `reveal`, ready for a terminal (hidden
/// characters as JSON escapes: still JSON, the same values).
pub fn json(p: &Profile, reveal: bool) -> Result<String, String> {
    let shown = if reveal { p.clone() } else { masked(p) };
    let text = serde_json::to_string_pretty(&shown).map_err(|e| e.to_string())?;
    Ok(crate::text::json_for_terminal(&text))
}
