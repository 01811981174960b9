//! Snapshots of every screen at 80×24 (and the too-small screen), as a person sees them.
//! New or changed snapshots are reviewed and committed; CI never writes them.

mod common;

use common::*;
use crossterm::event::KeyCode;
use xconnect::wizard::Msg;

fn snap(name: &str, m: &xconnect::wizard::Model) {
    let t = draw(m);
    insta::assert_snapshot!(name, t.backend());
}

#[test]
fn step1_create_app() {
    snap("step1_create_app", &model());
}

#[test]
fn step2_permissions() {
    let mut m = model();
    send(&mut m, [enter()]);
    snap("step2_permissions", &m);
    send(&mut m, [key(KeyCode::Tab), key(KeyCode::Down), ch(' ')]);
    snap("step2_permissions_scopes_focused", &m);
}

#[test]
fn step3_app_type() {
    let mut m = model();
    send(&mut m, [enter(), enter()]);
    snap("step3_app_type", &m);
}

#[test]
fn step4_urls() {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter()]);
    snap("step4_urls_latenode", &m);
    send(&mut m, [key(KeyCode::Tab), ctrl('u')]);
    type_text(&mut m, "http://example.com/callback");
    send(&mut m, [enter()]);
    snap("step4_urls_invalid", &m);
}

#[test]
fn step5_credentials() {
    let mut m = at_credentials();
    snap("step5_credentials_empty", &m);
    send(&mut m, [enter()]);
    snap("step5_credentials_refused", &m);
    send(&mut m, [Msg::Paste("abcdefghijklmnopqrstuvwxy".into())]);
    snap("step5_credentials_api_key_warning", &m);
}

#[test]
fn step5_credentials_confidential() {
    let mut m = model();
    send(&mut m, [enter(), enter(), ch('2'), enter(), enter()]);
    type_text(&mut m, CLIENT_ID);
    send(&mut m, [key(KeyCode::Tab), Msg::Paste("S".repeat(50))]);
    snap("step5_credentials_confidential_masked", &m);
}

#[test]
fn step6_summary() {
    let mut m = at_credentials();
    type_text(&mut m, CLIENT_ID);
    send(&mut m, [enter()]);
    snap("step6_summary", &m);
}

#[test]
fn overlays() {
    let mut m = model();
    send(&mut m, [ch('?')]);
    snap("overlay_help", &m);
    let mut m = model();
    send(&mut m, [enter(), ch('1'), ch('q')]);
    snap("overlay_confirm_quit", &m);
}

#[test]
fn too_small_and_back() {
    let mut m = model();
    send(&mut m, [Msg::Resize(59, 19)]);
    snap("too_small", &m);
    send(&mut m, [Msg::Resize(80, 24)]);
    snap("step1_create_app", &m);
}

#[test]
fn smallest_supported_size_scrolls_instead_of_clipping() {
    let mut m = model();
    send(&mut m, [Msg::Resize(60, 20), enter()]);
    snap("step2_permissions_60x20", &m);
}
