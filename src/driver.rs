//! The one place with I/O for the wizard: it owns the terminal, turns terminal events into
//! messages, runs the commands `update` returns on tokio tasks, feeds their results back over
//! one channel, and draws after each message. No fixed tick: with no input it sleeps.
//!
//! It is generic over the ratatui backend, the event stream and the [`Host`], so tests drive
//! the whole app on `TestBackend` with scripted events.

use std::future::Future;
use std::io;
use std::sync::Arc;

use crossterm::event::{Event, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::clipboard::Clipboard;
use crate::wizard::model::Overlay;
use crate::wizard::{update, view, Cmd, Model, Msg};

/// What the driver needs from the real terminal besides drawing.
pub trait Host {
    /// Raw bytes for the terminal itself (an OSC 52 clipboard sequence).
    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Leave the wizard's screen and print a value alone.
    fn show_plain(&mut self, title: &str, text: &str) -> io::Result<()>;
    /// Come back to the wizard's screen.
    fn end_plain(&mut self) -> io::Result<()>;
}

/// The real terminal on stdout.
pub struct Stdout;

impl Host for Stdout {
    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        crate::terminal::write_raw(bytes)
    }
    fn show_plain(&mut self, title: &str, text: &str) -> io::Result<()> {
        crate::terminal::show_plain(title, text)
    }
    fn end_plain(&mut self) -> io::Result<()> {
        crate::terminal::end_plain()
    }
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The person quit.
    Quit,
    /// A signal (SIGTERM, SIGHUP, SIGINT) asked us to stop.
    Signal,
    /// The event stream ended (stdin closed; or a test's script ran out).
    EventsEnded,
}

/// Maps a terminal event to a message; `None` for events the wizard ignores (no redraw).
pub fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

fn draw<B: Backend>(terminal: &mut Terminal<B>, model: &Model) -> io::Result<()> {
    terminal
        .draw(|f| view(model, f))
        .map(|_| ())
        .map_err(|e| io::Error::other(e.to_string()))
}

pub async fn run<B, H, E, S>(
    terminal: &mut Terminal<B>,
    host: &mut H,
    clipboard: Arc<Clipboard>,
    mut events: E,
    shutdown: S,
    model: &mut Model,
) -> io::Result<Exit>
where
    B: Backend,
    H: Host,
    E: Stream<Item = io::Result<Event>> + Unpin,
    S: Future<Output = ()>,
{
    // Results of commands, with bytes for the terminal that only the driver may write.
    let (tx, mut rx) = mpsc::unbounded_channel::<(Msg, Option<Vec<u8>>)>();
    let mut pending = 0usize;
    let mut events_open = true;
    tokio::pin!(shutdown);
    draw(terminal, model)?;
    loop {
        if !events_open && pending == 0 {
            return Ok(Exit::EventsEnded);
        }
        let msg = tokio::select! {
            ev = events.next(), if events_open => match ev {
                Some(Ok(ev)) => match to_msg(ev) {
                    Some(m) => m,
                    None => continue,
                },
                Some(Err(e)) => return Err(e),
                None => {
                    events_open = false;
                    continue;
                }
            },
            Some((msg, raw)) = rx.recv() => {
                pending = pending.saturating_sub(1);
                if let Some(bytes) = raw {
                    // A failed write only means the copy did not reach the terminal.
                    let _ = host.write_raw(&bytes);
                }
                msg
            }
            () = &mut shutdown => return Ok(Exit::Signal),
        };
        if let Msg::Resize(..) = msg {
            terminal
                .autoresize()
                .map_err(|e| io::Error::other(e.to_string()))?;
        }
        for cmd in update(model, msg) {
            match cmd {
                Cmd::Quit => return Ok(Exit::Quit),
                Cmd::Copy { what, text } => {
                    pending += 1;
                    let tx = tx.clone();
                    let clipboard = Arc::clone(&clipboard);
                    tokio::spawn(async move {
                        let (result, raw) = match clipboard.copy(text).await {
                            Ok(c) => (Ok(c.delivery), c.terminal_bytes),
                            Err(e) => (Err(e), None),
                        };
                        let _ = tx.send((Msg::Copied { what, result }, raw));
                    });
                }
                Cmd::ShowPlain { title, text } => host.show_plain(&title, &text)?,
                Cmd::EndPlain => {
                    host.end_plain()?;
                    // Everything on screen is gone: the next draw repaints it all. (Not
                    // `Terminal::clear`, which asks the terminal for its cursor position.)
                    let size = terminal
                        .size()
                        .map_err(|e| io::Error::other(e.to_string()))?;
                    terminal
                        .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
                        .map_err(|e| io::Error::other(e.to_string()))?;
                }
            }
        }
        if model.quit {
            return Ok(Exit::Quit);
        }
        if model.overlay != Some(Overlay::Plain) {
            draw(terminal, model)?;
        }
    }
}
