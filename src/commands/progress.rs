//! What an upload shows while it runs: nothing ([`Quiet`], for scripts), or one line on a
//! terminal's stderr redrawn in place ([`Bar`]): the bytes sent, then X's processing percent.
//! The line goes through [`crate::text::status_line`] (cleaned, cut to the width).

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::x::media::size_words;

/// Told about an upload as it goes. Shared with the body of each `append` as it is read.
pub trait Progress: Send + Sync {
    /// A file starts: its name (as shown) and size.
    fn start(&self, _label: &str, _total: u64) {}
    /// `n` more bytes were read into a request.
    fn sent(&self, _n: u64) {}
    /// A chunk is sent again: the bytes before it are what has been sent.
    fn rewind(&self, _to: u64) {}
    /// X is processing: its percent when it says one.
    fn processing(&self, _percent: Option<u8>) {}
    /// The file is done (uploaded and processed).
    fn finish(&self) {}
}

/// Shows nothing.
pub struct Quiet;

impl Progress for Quiet {}

/// Between two redraws at least this much time passes (the last one always shows).
const REDRAW: Duration = Duration::from_millis(100);

#[derive(Default)]
struct BarState {
    label: String,
    total: u64,
    sent: u64,
    processing: Option<Option<u8>>,
    drawn: Option<Instant>,
}

/// A progress line on stderr; made only when stderr is a terminal.
pub struct Bar {
    state: Mutex<BarState>,
    width: fn() -> usize,
    /// The locale takes UTF-8 (else the bar is drawn in ASCII).
    utf8: bool,
}

impl Bar {
    /// `width` says the terminal's columns when asked (it may change while uploading).
    pub fn new(width: fn() -> usize, utf8: bool) -> Bar {
        Bar {
            state: Mutex::new(BarState::default()),
            width,
            utf8,
        }
    }

    fn with(&self, f: impl FnOnce(&mut BarState) -> bool) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let force = f(&mut s);
        let due = s.drawn.is_none_or(|at| at.elapsed() >= REDRAW);
        if force || due {
            s.drawn = Some(Instant::now());
            let line = crate::text::status_line(&line(&s, (self.width)()), (self.width)());
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(crate::text::for_locale(line, self.utf8).as_bytes());
            let _ = err.flush();
        }
    }
}

/// `chart.png [=========>          ]  45%  9.0 MB of 20.0 MB`, or `processing 40%`.
fn line(s: &BarState, width: usize) -> String {
    let percent = match s.processing {
        Some(p) => u64::from(p.unwrap_or(0)),
        None if s.total == 0 => 100,
        None => s.sent.min(s.total) * 100 / s.total,
    };
    let what = match s.processing {
        Some(Some(100)) => "processed by X".to_string(),
        Some(_) => "X is processing".to_string(),
        None => format!(
            "{} of {}",
            size_words(s.sent.min(s.total)),
            size_words(s.total)
        ),
    };
    let label = crate::text::fit(&crate::text::clean(&s.label), 24);
    let fixed = label.chars().count() + what.len() + 12;
    let cells = width.saturating_sub(fixed).clamp(10, 40);
    let full = usize::try_from(percent).unwrap_or(100) * cells / 100;
    let mut bar = "=".repeat(full);
    if full < cells {
        bar.push('>');
        bar.push_str(&" ".repeat(cells - full - 1));
    }
    format!("{label} [{bar}] {percent:>3}% {what}")
}

impl Progress for Bar {
    fn start(&self, label: &str, total: u64) {
        self.with(|s| {
            *s = BarState {
                label: label.to_string(),
                total,
                ..BarState::default()
            };
            true
        });
    }

    fn sent(&self, n: u64) {
        self.with(|s| {
            s.sent = s.sent.saturating_add(n);
            s.sent >= s.total
        });
    }

    fn rewind(&self, to: u64) {
        self.with(|s| {
            s.sent = to;
            true
        });
    }

    fn processing(&self, percent: Option<u8>) {
        self.with(|s| {
            s.processing = Some(percent);
            true
        });
    }

    fn finish(&self) {
        self.with(|s| {
            s.sent = s.total;
            if s.processing.is_some() {
                s.processing = Some(Some(100));
            }
            true
        });
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_bytes_then_processing() {
        let mut s = BarState {
            label: "clip.mp4".into(),
            total: 20 << 20,
            sent: 9 << 20,
            ..BarState::default()
        };
        let l = line(&s, 80);
        assert!(l.starts_with("clip.mp4 ["), "{l}");
        assert!(l.ends_with("]  45% 9.0 MB of 20.0 MB"), "{l}");
        assert!(l.chars().count() < 80, "{l}");
        s.processing = Some(Some(40));
        assert!(line(&s, 80).ends_with("]  40% X is processing"));
        s.processing = Some(Some(100));
        assert!(line(&s, 80).ends_with("] 100% processed by X"));
        s.label = "a\u{1b}[2Jvery-long-name-of-a-screenshot-file.png".into();
        let l = line(&s, 80);
        assert!(!l.contains('\u{1b}') && l.contains('…'), "{l}");
    }
}
