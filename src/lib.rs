//! xconnect: a keyboard-driven terminal wizard that connects X (Twitter) to an automation
//! with OAuth 2.0 (Authorization Code + PKCE).
//!
//! The wizard is a pure state machine ([`wizard::update`]) drawn by a pure view
//! ([`wizard::view`]); [`driver`] owns the terminal and runs the effects it asks for.

pub mod app;
pub mod backend;
pub mod browser;
pub mod callback;
pub mod checkup;
pub mod clipboard;
pub mod commands;
pub mod driver;
pub mod fsread;
pub mod guide;
pub mod handoff;
pub mod input;
pub mod login;
pub mod loopback;
pub mod presets;
pub mod profile;
pub mod sandbox;
pub mod sanitize;
pub mod secret;
pub mod services;
pub mod session;
pub mod settings;
pub mod store;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod timefmt;
pub mod validate;
pub mod wizard;
pub mod x;
