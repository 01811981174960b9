//! Catching X's OAuth 2.0 redirect (`?code=…&state=…`, or `?error=…&state=…`) after the
//! person clicks "Authorize app": [`parse_redirect`] reads what they paste, and
//! [`Listener`] catches the redirect by itself when the callback URL is a loopback
//! `http://127.0.0.1:PORT/…`, `http://[::1]:PORT/…` or `http://localhost:PORT/…` address.

pub mod listener;
mod page;
pub mod parse;

pub use listener::{free_instead, is_loopback_callback, ssh_forward_hint, Listener};
pub use parse::{parse_redirect, CallbackError, Redirect, MAX_INPUT};
