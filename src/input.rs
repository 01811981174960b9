//! Terminal input as the wizard takes it. Keys that arrive together are read together (the
//! driver drains what is queued before it draws), and a run of printable characters among them
//! is text, not keys: a terminal without bracketed paste, or a paste through a program that
//! strips its markers, delivers a URL as a burst of key presses, and `p`, `n`, `a` or `q` in it
//! must not act as commands.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::wizard::Msg;

/// The fewest printable characters arriving in one read that are taken as a paste. People do
/// not type eight different characters within one read of the terminal.
pub const PASTE_RUN: usize = 8;

/// Events drained in one go at most, so a flood cannot hold the screen for long.
pub const MAX_BATCH: usize = 4096;

/// How long a batch that ends in a printable character waits for more. A burst written at
/// once (a paste without bracketed paste) reaches the program split over several reads of
/// the terminal, milliseconds apart; taken read by read, its first letters would act as keys
/// (`p` prints, `c` copies). Far shorter than the time between two typed keys.
pub const BURST_GAP: std::time::Duration = std::time::Duration::from_millis(25);

/// Whether the events read so far may be the start of a burst that goes on: the last one is
/// a printable character (see [`BURST_GAP`]).
pub fn may_go_on(events: &[Event]) -> bool {
    matches!(events.last(), Some(Event::Key(k)) if printable(k).is_some())
}

/// A printable character typed with no modifier but Shift.
fn printable(k: &KeyEvent) -> Option<char> {
    match k.code {
        KeyCode::Char(c)
            if k.kind != KeyEventKind::Release
                && (k.modifiers - KeyModifiers::SHIFT).is_empty()
                && !c.is_control() =>
        {
            Some(c)
        }
        _ => None,
    }
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

/// The messages for events that arrived together: a run of at least [`PASTE_RUN`] printable
/// characters that are not all the same (a held key repeats one) becomes one paste; anything
/// else stays as it came.
pub fn batch(events: Vec<Event>) -> Vec<Msg> {
    let mut out = Vec::new();
    let mut run: Vec<KeyEvent> = Vec::new();
    let flush = |run: &mut Vec<KeyEvent>, out: &mut Vec<Msg>| {
        let text: String = run.iter().filter_map(printable).collect();
        let varied = text.chars().any(|c| !text.starts_with(c));
        if run.len() >= PASTE_RUN && varied {
            out.push(Msg::Paste(text));
        } else {
            out.extend(run.iter().map(|k| Msg::Key(*k)));
        }
        run.clear();
    };
    for e in events {
        match e {
            Event::Key(k) if printable(&k).is_some() => run.push(k),
            other => {
                flush(&mut run, &mut out);
                out.extend(to_msg(other));
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<Event> {
        s.chars()
            .map(|c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
            .collect()
    }

    fn enter() -> Event {
        Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
    }

    #[test]
    fn a_burst_of_text_is_a_paste() {
        let mut events = chars("https://app.latenode.com/redirected/index.html?state=S&code=c");
        events.push(enter());
        let msgs = batch(events);
        assert_eq!(
            msgs[0],
            Msg::Paste("https://app.latenode.com/redirected/index.html?state=S&code=c".into())
        );
        assert!(matches!(msgs[1], Msg::Key(k) if k.code == KeyCode::Enter));
        assert_eq!(msgs.len(), 2);
    }

    #[test]
    fn keys_stay_keys() {
        // A few typed characters, a held key, and control keys are not a paste.
        for events in [chars("pna"), chars("jjjjjjjjjjjj"), chars("1234567")] {
            let n = events.len();
            let msgs = batch(events);
            assert_eq!(msgs.len(), n);
            assert!(msgs.iter().all(|m| matches!(m, Msg::Key(_))));
        }
        let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        let mut events = chars("abcd");
        events.push(ctrl_c);
        events.extend(chars("efgh"));
        assert!(batch(events).iter().all(|m| matches!(m, Msg::Key(_))));
    }

    #[test]
    fn shifted_letters_are_text_and_resizes_pass() {
        let mut events = vec![Event::Resize(80, 24)];
        events.extend("AbCdEfGh".chars().map(|c| {
            let m = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            Event::Key(KeyEvent::new(KeyCode::Char(c), m))
        }));
        assert_eq!(
            batch(events),
            vec![Msg::Resize(80, 24), Msg::Paste("AbCdEfGh".into())]
        );
    }
}
