//! The whole app on a test terminal: the real driver, scripted terminal events, and the
//! clipboard chain as it runs with no display and no tmux (OSC 52).

mod common;

use std::io;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use xconnect::clipboard::{osc52, ClipEnv, Clipboard};
use xconnect::driver::{run, Exit, Host};
use xconnect::services::Services;
use xconnect::store::file::Store;
use xconnect::wizard::Step;

#[derive(Default)]
struct Recorder {
    raw: Vec<u8>,
    plain: Vec<(String, String)>,
    ended_plain: usize,
}

impl Host for Recorder {
    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.raw.extend_from_slice(bytes);
        Ok(())
    }
    fn show_plain(&mut self, title: &str, text: &str) -> io::Result<()> {
        self.plain.push((title.into(), text.into()));
        Ok(())
    }
    fn end_plain(&mut self) -> io::Result<()> {
        self.ended_plain += 1;
        Ok(())
    }
}

fn services(dir: &std::path::Path) -> Services {
    Services::new(
        Clipboard::new(ClipEnv::default()),
        Ok(Store::at(dir.to_path_buf())),
    )
}

fn k(code: KeyCode) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn c(ch: char) -> io::Result<Event> {
    k(KeyCode::Char(ch))
}

async fn drive(
    events: Vec<io::Result<Event>>,
) -> (
    xconnect::wizard::Model,
    Recorder,
    Exit,
    Terminal<TestBackend>,
) {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let mut model = common::model();
    let mut host = Recorder::default();
    let dir = tempfile::tempdir().expect("tempdir");
    let services = services(dir.path());
    let exit = run(
        &mut terminal,
        &mut host,
        &services,
        futures::stream::iter(events),
        std::future::pending(),
        &mut model,
    )
    .await
    .expect("run");
    (model, host, exit, terminal)
}

#[tokio::test(flavor = "current_thread")]
async fn walks_all_screens_with_a_bracketed_paste() {
    let events = vec![
        k(KeyCode::Enter),
        k(KeyCode::Enter),
        k(KeyCode::Enter),
        k(KeyCode::Enter),
        Ok(Event::Paste(format!("\u{1b}[2J{}\n", common::CLIENT_ID))),
        k(KeyCode::Enter),
    ];
    let (model, _, exit, terminal) = drive(events).await;
    assert_eq!(exit, Exit::EventsEnded);
    assert_eq!(model.step, Step::Authorize);
    assert_eq!(model.credentials.client_id.value(), common::CLIENT_ID);
    let screen = format!("{}", terminal.backend());
    assert!(screen.contains("Step 6 of 7 · Authorize"), "{screen}");
    assert!(screen.contains("client_id="), "the link is ready: {screen}");
}

#[tokio::test(flavor = "current_thread")]
async fn copy_without_display_sends_osc52_through_the_driver() {
    let (model, host, _, terminal) = drive(vec![c('c')]).await;
    assert_eq!(host.raw, osc52(xconnect::x::PORTAL_URL, ClipEnv::default()));
    let status = model.status.expect("status").text;
    assert!(
        status.contains("sent to your terminal's clipboard"),
        "{status}"
    );
    assert!(format!("{}", terminal.backend()).contains("sent to your terminal's clipboard"));
}

#[tokio::test(flavor = "current_thread")]
async fn print_leaves_the_screen_and_enter_comes_back() {
    let (model, host, _, _) = drive(vec![c('p'), c('x'), k(KeyCode::Enter)]).await;
    assert_eq!(
        host.plain,
        vec![(
            "Developer Portal address".to_string(),
            xconnect::x::PORTAL_URL.to_string()
        )]
    );
    assert_eq!(host.ended_plain, 1);
    assert_eq!(model.step, Step::CreateApp);
    assert_eq!(model.overlay, None);
}

#[tokio::test(flavor = "current_thread")]
async fn ctrl_c_ends_the_loop_and_a_signal_does_too() {
    let ctrl_c = Ok(Event::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    let (_, _, exit, _) = drive(vec![k(KeyCode::Enter), ctrl_c, k(KeyCode::Enter)]).await;
    assert_eq!(exit, Exit::Quit);

    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let mut model = common::model();
    let exit = run(
        &mut terminal,
        &mut Recorder::default(),
        &services(&std::env::temp_dir().join("xconnect-flow-unused")),
        futures::stream::pending(),
        async { libc::SIGHUP },
        &mut model,
    )
    .await
    .expect("run");
    assert_eq!(exit, Exit::Signal(libc::SIGHUP));
}

/// Resizes the test terminal, sends the matching event, and returns what is on screen.
async fn resize(
    terminal: &mut Terminal<TestBackend>,
    model: &mut xconnect::wizard::Model,
    w: u16,
    h: u16,
) -> String {
    terminal.backend_mut().resize(w, h);
    let events = futures::stream::iter(vec![Ok(Event::Resize(w, h))]);
    run(
        terminal,
        &mut Recorder::default(),
        &services(&std::env::temp_dir().join("xconnect-flow-unused")),
        events,
        std::future::pending(),
        model,
    )
    .await
    .expect("run");
    format!("{}", terminal.backend())
}

#[tokio::test(flavor = "current_thread")]
async fn resize_below_the_minimum_and_back() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let mut model = common::model();
    let small = resize(&mut terminal, &mut model, 50, 15).await;
    assert!(small.contains("Terminal too small: 50×15"));
    let back = resize(&mut terminal, &mut model, 80, 24).await;
    assert!(back.contains("Step 1 of 7"));
}

#[tokio::test(flavor = "current_thread")]
async fn an_unbracketed_paste_on_authorize_is_text_not_commands() {
    let mut events = vec![
        k(KeyCode::Enter),
        k(KeyCode::Enter),
        k(KeyCode::Enter),
        k(KeyCode::Enter),
        Ok(Event::Paste(common::CLIENT_ID.into())),
        k(KeyCode::Enter),
    ];
    // The redirected address typed by a terminal without bracketed paste: `p`, `n`, `a` and
    // `q` in it must not print, make a new link, approve or quit.
    let url = "https://app.latenode.com/redirected/index.html?state=other&code=pnaq";
    events.extend(url.chars().map(c));
    let (model, host, exit, _) = drive(events).await;
    assert_eq!(exit, Exit::EventsEnded, "not quit by the q in it");
    assert_eq!(model.step, Step::Authorize);
    assert!(host.plain.is_empty(), "p did not print: {:?}", host.plain);
    assert_eq!(
        model.auth.paste.value(),
        url,
        "it went into the redirect field"
    );
    assert!(
        matches!(&model.auth.phase, xconnect::wizard::model::Phase::Failed(e) if e.contains("another login attempt")),
        "and was tried: {:?}",
        model.auth.phase
    );
}
