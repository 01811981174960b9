//! Putting the terminal into the wizard's mode and, on every way out, back again:
//! normal exit, error, panic, Ctrl-C and signals.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute, terminal};

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Raw mode, alternate screen, bracketed paste. Restored when the guard drops.
pub struct Guard(());

pub fn enter() -> io::Result<Guard> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableBracketedPaste) {
        restore();
        return Err(e);
    }
    Ok(Guard(()))
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves the alternate screen blank, with the cursor at its top: a terminal that shrinks it
/// back to the size it was entered at before leaving (tmux does, after a resize) would
/// otherwise push the wizard's lines above the cursor into the shell's history.
fn leave_alternate(out: &mut impl Write) -> io::Result<()> {
    execute!(
        out,
        terminal::Clear(terminal::ClearType::All),
        cursor::MoveTo(0, 0),
        LeaveAlternateScreen
    )
}

/// Puts the terminal back. Safe to call more than once and from a panic hook; errors are
/// ignored because the terminal may already be gone (SSH dropped).
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(out, DisableBracketedPaste);
        let _ = leave_alternate(&mut out);
        let _ = execute!(out, cursor::Show);
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// Ctrl-Z: gives the terminal back as it was, stops this process the way a shell expects
/// (SIGTSTP, as the terminal itself would have sent it outside raw mode), and takes the
/// terminal again when the shell resumes it (`fg`). The caller redraws the whole screen.
pub fn suspend() -> io::Result<()> {
    restore();
    rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::TSTP)?;
    // Here again after SIGCONT.
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)
}

/// Restores the terminal before the default panic message is printed, so it is readable.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Leaves the alternate screen and prints a value alone, without any box characters, so the
/// mouse can select it as one clean string. Raw mode stays on: Enter comes back as a key.
pub fn show_plain(title: &str, text: &str) -> io::Result<()> {
    let mut out = io::stdout();
    // Alone on a clear screen: an earlier print does not stay above this one.
    leave_alternate(&mut out)?;
    execute!(
        out,
        cursor::Show,
        terminal::Clear(terminal::ClearType::All),
        cursor::MoveTo(0, 0)
    )?;
    write!(
        out,
        "{title}:\r\n\r\n{text}\r\n\r\nPress Enter to return to xconnect.\r\n"
    )?;
    out.flush()
}

/// Back from [`show_plain`]: the printed value is cleared from the normal screen first, so
/// that what the wizard leaves there at its end is only its own last words (such as "Profile
/// saved: …"), not an old link and "Press Enter to return to xconnect.".
pub fn end_plain() -> io::Result<()> {
    let mut out = io::stdout();
    execute!(
        out,
        terminal::Clear(terminal::ClearType::All),
        cursor::MoveTo(0, 0),
        EnterAlternateScreen
    )
}

/// Writes raw bytes (an OSC 52 sequence) to the terminal.
pub fn write_raw(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout();
    out.write_all(bytes)?;
    out.flush()
}
