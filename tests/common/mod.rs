//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod authorize;
pub mod browser;
pub mod cli;
pub mod hostile;
pub mod machines;
pub mod media;
pub mod pg;
pub mod pty;
pub mod wire;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use xconnect::theme::Theme;
use xconnect::wizard::{update, view, Cmd, Model, Msg};

pub fn model() -> Model {
    Model::new(Theme::plain(), (80, 24))
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn enter() -> Msg {
    key(KeyCode::Enter)
}

/// Sends messages one by one and returns every command they produced, except the
/// session bookkeeping that follows every step change (see `send_all`).
pub fn send(m: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    send_all(m, msgs)
        .into_iter()
        .filter(|c| !matches!(c, Cmd::SaveSession(_)))
        .collect()
}

/// Every command, session bookkeeping included.
pub fn send_all(m: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    msgs.into_iter().flat_map(|msg| update(m, msg)).collect()
}

/// Types text key by key.
pub fn type_text(m: &mut Model, text: &str) -> Vec<Cmd> {
    send(m, text.chars().map(ch))
}

/// Draws the model on a test terminal of the model's size.
pub fn draw(m: &Model) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(m.size.0, m.size.1)).expect("test terminal");
    t.draw(|f| view(m, f)).expect("draw");
    t
}

/// The screen as plain text lines.
pub fn screen_text(m: &Model) -> String {
    let t = draw(m);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// A model walked to the Credentials step with the defaults.
pub fn at_credentials() -> Model {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter(), enter()]);
    m
}

pub const CLIENT_ID: &str = "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ";
