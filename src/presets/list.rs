//! Made from `assets/presets.toml` by `xconnect::presets::rust_source`; do not edit: change
//! the TOML, then run `XCONNECT_WRITE_GUIDE=1 cargo test --test guide_words`.

use crate::presets::Preset;

#[rustfmt::skip]
pub(crate) fn presets() -> Vec<Preset> {
    vec![
        Preset { id: "latenode".into(), label: "Latenode".into(), description: "Connect X to a Latenode scenario.".into(), callback_url: "https://app.latenode.com/redirected/index.html".into(), website_url: "https://app.latenode.com/connections".into(), port: None, website_note: "".into() },
        Preset { id: "loopback".into(), label: "This machine (loopback)".into(), description: "caught here by xconnect (or via ssh -L)".into(), callback_url: "http://127.0.0.1:{port}/callback".into(), website_url: "https://example.com".into(), port: Some(8765), website_note: "A placeholder: X asks for a Website URL but the login does not use it; any page of yours will do.".into() },
        Preset { id: "custom".into(), label: "Custom".into(), description: "Your own callback URL; edit both fields.".into(), callback_url: "".into(), website_url: "".into(), port: None, website_note: "".into() },
    ]
}
