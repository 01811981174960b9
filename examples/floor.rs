//! The floor for the first frame: the least any Rust TUI does before it shows something, the
//! way xconnect must start too: a current-thread tokio runtime, crossterm's raw mode, the
//! alternate screen, one line drawn, then waiting for a key (any key ends it).
//!
//!     cargo build --release --example floor
//!
//! `cargo run --release --example measure` runs it beside xconnect in the same
//! pseudo-terminal harness, alternating the two, and prints the ratio of their medians.

use std::io::Write;

use crossterm::event::{Event, EventStream};
use crossterm::{cursor, execute, style, terminal};
use futures::StreamExt;

fn main() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        terminal::enable_raw_mode()?;
        let mut out = std::io::stdout();
        execute!(
            out,
            terminal::EnterAlternateScreen,
            cursor::MoveTo(0, 0),
            style::Print(" floor   Step 1 of 7")
        )?;
        out.flush()?;
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            if matches!(event, Ok(Event::Key(_)) | Err(_)) {
                break;
            }
        }
        execute!(out, terminal::LeaveAlternateScreen)?;
        terminal::disable_raw_mode()
    })
}
