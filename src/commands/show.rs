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

/// The profile as TOML, headed by where it lives (its file, or the shared store).
pub fn text(p: &Profile, place: &str, reveal: bool) -> Result<String, String> {
    let shown = if reveal { p.clone() } else { masked(p) };
    let mut out = format!("# {place}\n");
    if !reveal {
        out.push_str("# secrets masked: --reveal shows them\n");
    }
    out.push_str(&shown.to_toml()?);
    Ok(out)
}
