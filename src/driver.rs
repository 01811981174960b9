//! The one place with I/O for the wizard: it owns the terminal, turns terminal events into
//! messages, runs the commands `update` returns on tokio tasks, feeds their results back over
//! one channel, and draws after each message. No fixed tick: with no input it sleeps.
//!
//! It is generic over the ratatui backend, the event stream and the [`Host`], so tests drive
//! the whole app on `TestBackend` with scripted events.

use std::future::Future;
use std::io;
use std::sync::Arc;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::AppConfig;
use crate::login::flow;
use crate::services::Services;
use crate::wizard::model::{Overlay, SaveFailure, StatusKind};
use crate::wizard::{update, view, Cmd, Model, Msg};
use crate::x::Endpoints;

/// What the driver needs from the real terminal besides drawing.
pub trait Host {
    /// Raw bytes for the terminal itself (an OSC 52 clipboard sequence).
    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Leave the wizard's screen and print a value alone.
    fn show_plain(&mut self, title: &str, text: &str) -> io::Result<()>;
    /// Come back to the wizard's screen.
    fn end_plain(&mut self) -> io::Result<()>;
    /// Ctrl-Z: hand the terminal back and stop until the shell resumes us.
    fn suspend(&mut self) -> io::Result<()> {
        Ok(())
    }
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
    fn suspend(&mut self) -> io::Result<()> {
        crate::terminal::suspend()
    }
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The person quit.
    Quit,
    /// A signal (SIGTERM, SIGHUP, SIGINT: its number) asked us to stop.
    Signal(i32),
    /// The event stream ended (stdin closed; or a test's script ran out).
    EventsEnded,
}

pub use crate::input::to_msg;

/// Everything on screen is gone (a print, a suspend): the next draw repaints it all. (Not
/// `Terminal::clear`, which asks the terminal for its cursor position.)
fn repaint_all<B: Backend>(terminal: &mut Terminal<B>) -> io::Result<()> {
    let size = terminal
        .size()
        .map_err(|e| io::Error::other(e.to_string()))?;
    terminal
        .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
        .map_err(|e| io::Error::other(e.to_string()))
}

fn draw<B: Backend>(terminal: &mut Terminal<B>, model: &Model) -> io::Result<()> {
    terminal
        .draw(|f| view(model, f))
        .map(|_| ())
        .map_err(|e| io::Error::other(e.to_string()))
}

/// What tasks send back: a message (with bytes for the terminal, for OSC 52), or word that
/// a task ended (finished or cancelled).
enum Back {
    Msg(Msg, Option<Vec<u8>>),
    Done,
}

/// Held by a task for as long as it runs; dropping it (at the end, or on abort) says so.
struct Running(mpsc::UnboundedSender<Back>);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.send(Back::Done);
    }
}

/// Spinner frames while something runs: at most 4 wake-ups a second, none otherwise.
const TICK: std::time::Duration = std::time::Duration::from_millis(250);

pub async fn run<B, H, E, S>(
    terminal: &mut Terminal<B>,
    host: &mut H,
    services: &Services,
    mut events: E,
    shutdown: S,
    model: &mut Model,
) -> io::Result<Exit>
where
    B: Backend,
    H: Host,
    E: Stream<Item = io::Result<Event>> + Unpin,
    S: Future<Output = i32>,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Back>();
    let mut tasks = Tasks {
        tx,
        running: 0,
        auth: Vec::new(),
    };
    let mut events_open = true;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(shutdown);
    draw(terminal, model)?;
    for cmd in crate::wizard::update::init(model) {
        if let Some(now) = effects::run(cmd, services, &model.endpoints, &mut tasks) {
            tasks.sender().send(now);
        }
    }
    // Drawn only once nothing else is waiting: a burst of keys (a laggy SSH link, a paste
    // without bracketed paste) is handled whole and then drawn once, not once per key.
    let mut dirty = false;
    loop {
        if !events_open && tasks.running == 0 {
            if dirty && model.overlay != Some(Overlay::Plain) {
                draw(terminal, model)?;
            }
            tasks.cancel_auth();
            return Ok(Exit::EventsEnded);
        }
        // A long burst of input (a paste, a held key) must not starve the tasks whose
        // answers this loop waits for: give way once tokio's cooperative budget is spent.
        tokio::task::consume_budget().await;
        let busy = model.busy();
        // In this order: a signal, then the tasks' answers (rare, and a code lives 30 s),
        // then input, then the spinner, and last the frame, when nothing else is ready.
        let msgs = tokio::select! {
            biased;
            signal = &mut shutdown => {
                tasks.cancel_auth();
                return Ok(Exit::Signal(signal));
            }
            Some(back) = rx.recv() => match back {
                Back::Done => {
                    tasks.running = tasks.running.saturating_sub(1);
                    continue;
                }
                Back::Msg(msg, raw) => {
                    if let Some(bytes) = raw {
                        // A failed write only means the copy did not reach the terminal.
                        let _ = host.write_raw(&bytes);
                    }
                    vec![msg]
                }
            },
            ev = events.next(), if events_open => {
                let mut batch = match ev {
                    Some(Ok(ev)) => vec![ev],
                    Some(Err(e)) => return Err(e),
                    None => {
                        events_open = false;
                        continue;
                    }
                };
                // Everything already queued comes along: a burst is read whole, and a run of
                // text in it is a paste (see `input::batch`). Polled with this task's waker,
                // so nothing is missed when the queue is empty. A batch that ends in text
                // waits a moment for the rest of a burst the terminal split over reads.
                'burst: while events_open && batch.len() < crate::input::MAX_BATCH {
                    match futures::poll!(events.next()) {
                        std::task::Poll::Ready(Some(Ok(ev))) => batch.push(ev),
                        std::task::Poll::Ready(Some(Err(e))) => return Err(e),
                        std::task::Poll::Ready(None) => events_open = false,
                        std::task::Poll::Pending if crate::input::may_go_on(&batch) => {
                            match tokio::time::timeout(crate::input::BURST_GAP, events.next())
                                .await
                            {
                                Ok(Some(Ok(ev))) => batch.push(ev),
                                Ok(Some(Err(e))) => return Err(e),
                                Ok(None) => events_open = false,
                                Err(_) => break 'burst,
                            }
                        }
                        std::task::Poll::Pending => break,
                    }
                }
                crate::input::batch(batch)
            },
            _ = tick.tick(), if busy => vec![Msg::Tick],
            () = std::future::ready(()), if dirty => {
                if model.overlay != Some(Overlay::Plain) {
                    draw(terminal, model)?;
                }
                dirty = false;
                continue;
            }
        };
        for msg in msgs {
            if let Msg::Resize(..) = msg {
                terminal
                    .autoresize()
                    .map_err(|e| io::Error::other(e.to_string()))?;
            }
            // Messages that commands answer at once (a profile check, a new link) are handled
            // before the next event, so no key can overtake them.
            let mut queue = vec![msg];
            while let Some(msg) = queue.pop() {
                for cmd in update(model, msg) {
                    match cmd {
                        Cmd::Quit => {
                            tasks.cancel_auth();
                            return Ok(Exit::Quit);
                        }
                        Cmd::ShowPlain { title, text } => host.show_plain(&title, &text)?,
                        Cmd::Suspend => {
                            // Back from the shell: the screen is someone else's.
                            host.suspend()?;
                            repaint_all(terminal)?;
                        }
                        Cmd::EndPlain => {
                            host.end_plain()?;
                            repaint_all(terminal)?;
                        }
                        cmd => {
                            if let Some(now) =
                                effects::run(cmd, services, &model.endpoints, &mut tasks)
                            {
                                queue.push(now);
                            }
                        }
                    }
                }
            }
            if model.quit {
                tasks.cancel_auth();
                return Ok(Exit::Quit);
            }
        }
        dirty = true;
    }
}

/// The tasks the driver started.
pub struct Tasks {
    tx: mpsc::UnboundedSender<Back>,
    /// Tasks that will end by themselves (copy, exchange, save…). Tests wait for them.
    running: usize,
    /// The authorization's tasks (listener, exchange): cancelled together.
    auth: Vec<tokio::task::JoinHandle<()>>,
}

impl Tasks {
    /// Runs `work` on a task; its message comes back over the channel.
    pub fn spawn<F>(&mut self, auth: bool, work: F)
    where
        F: Future<Output = Option<Msg>> + Send + 'static,
    {
        self.running += 1;
        let tx = self.tx.clone();
        let running = Running(tx.clone());
        let handle = tokio::spawn(async move {
            let _running = running;
            if let Some(msg) = work.await {
                let _ = tx.send(Back::Msg(msg, None));
            }
        });
        if auth {
            self.auth.retain(|h| !h.is_finished());
            self.auth.push(handle);
        }
    }

    /// A task that runs until cancelled (the loopback listener); tests do not wait for it.
    pub fn spawn_listener<F>(&mut self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.auth.push(tokio::spawn(work));
    }

    pub fn sender(&self) -> Sender {
        Sender(self.tx.clone())
    }

    fn send_copy(&mut self, work: impl Future<Output = (Msg, Option<Vec<u8>>)> + Send + 'static) {
        self.running += 1;
        let tx = self.tx.clone();
        let running = Running(tx.clone());
        tokio::spawn(async move {
            let _running = running;
            let (msg, raw) = work.await;
            let _ = tx.send(Back::Msg(msg, raw));
        });
    }

    pub fn cancel_auth(&mut self) {
        for h in self.auth.drain(..) {
            h.abort();
        }
    }
}

/// Lets a long-running task (the listener) send messages.
#[derive(Clone)]
pub struct Sender(mpsc::UnboundedSender<Back>);

impl Sender {
    pub fn send(&self, msg: Msg) {
        let _ = self.0.send(Back::Msg(msg, None));
    }
}

mod effects {
    //! How each command runs.
    use super::*;

    /// Starts the command; returns its answer when it has one at once.
    pub fn run(
        cmd: Cmd,
        services: &Services,
        endpoints: &Endpoints,
        tasks: &mut Tasks,
    ) -> Option<Msg> {
        match cmd {
            Cmd::Copy { what, text } => {
                let clipboard = Arc::clone(&services.clipboard);
                tasks.send_copy(async move {
                    let (result, raw) = match clipboard.copy(text).await {
                        Ok(c) => (Ok(c.delivery), c.terminal_bytes),
                        Err(e) => (Err(e), None),
                    };
                    (Msg::Copied { what, result }, raw)
                });
            }
            Cmd::CheckProfile { name } => {
                // This machine's files answer at once: the step's next key already knows.
                let now = services
                    .store
                    .as_ref()
                    .ok()
                    .and_then(|s| s.try_lock().ok().and_then(|s| s.exists_at_once(&name)));
                if let Some(exists) = now {
                    return Some(Msg::ProfileChecked { name, exists });
                }
                let store = services.store.clone();
                tasks.spawn(false, async move {
                    let exists = match store {
                        // The save says what is wrong with the store.
                        Ok(s) => s.lock().await.exists(&name).await.unwrap_or(false),
                        Err(_) => false,
                    };
                    Some(Msg::ProfileChecked { name, exists })
                });
            }
            // One bind and its close: answered at once, before the next key.
            Cmd::CheckPort { port } => {
                return Some(Msg::PortChecked {
                    port,
                    instead: crate::callback::free_instead(port),
                })
            }
            Cmd::PrepareAuth { op, settings } => {
                return Some(prepare(op, &settings, services, endpoints, tasks))
            }
            Cmd::Exchange {
                op,
                settings,
                code,
                verifier,
            } => {
                let http = services.http();
                let endpoints = endpoints.clone();
                tasks.spawn(true, async move {
                    let result = match http.get() {
                        Ok(c) => flow::exchange(&c, &settings, &endpoints, &code, &verifier).await,
                        Err(e) => Err(e),
                    };
                    Some(Msg::Exchanged { op, result })
                });
            }
            Cmd::Verify { op, access_token } => {
                let http = services.http();
                let endpoints = endpoints.clone();
                tasks.spawn(false, async move {
                    let result = match http.get() {
                        Ok(c) => flow::prove(&c, &endpoints, &access_token).await,
                        Err(e) => Err(e),
                    };
                    Some(Msg::Verified {
                        op,
                        result,
                        at: crate::timefmt::now(),
                    })
                });
            }
            Cmd::Save {
                op,
                name,
                profile,
                overwrite,
            } => {
                let store = services.store.clone();
                tasks.spawn(false, async move {
                    let result = match store {
                        Err(e) => Err(SaveFailure::Other(e)),
                        Ok(store) => {
                            let mut store = store.lock().await;
                            flow::persist(&mut **store, &name, &profile, overwrite)
                                .await
                                .map(std::path::PathBuf::from)
                                .map_err(|e| match e {
                                    flow::PersistError::Exists(_) => SaveFailure::Exists,
                                    e => SaveFailure::Other(e.to_string()),
                                })
                        }
                    };
                    Some(Msg::Saved { op, result })
                });
            }
            Cmd::SandboxApprove { op, url } => {
                let sandbox = services.sandbox.clone()?;
                tasks.spawn(true, async move {
                    Some(match sandbox.approve(&url).await {
                        Ok(url) => Msg::Redirected { op, url },
                        Err(e) => {
                            Msg::Notice(StatusKind::Error, format!("The sandbox refused: {e}"))
                        }
                    })
                });
            }
            Cmd::OpenBrowser { url } => {
                let allowed = services.browser;
                tasks.spawn(false, async move {
                    Some(Msg::BrowserOpened(
                        crate::browser::open(&url, allowed).await,
                    ))
                });
            }
            Cmd::CancelAuth => tasks.cancel_auth(),
            // One writer thread, in order: the loop never waits for the disk.
            Cmd::SaveSession(session) => {
                if let Some(w) = &services.session {
                    w.save(*session);
                }
            }
            Cmd::ClearSession => {
                if let Some(w) = &services.session {
                    w.clear();
                }
            }
            Cmd::ReadProfiles(names) => {
                let store = services.store.clone();
                tasks.spawn(false, async move {
                    let store = store.ok()?;
                    let store = store.lock().await;
                    let mut read = Vec::with_capacity(names.len());
                    for n in names {
                        let p = store.load(&n).await.ok().map(|f| f.profile);
                        read.push((n, p));
                    }
                    Some(Msg::ProfilesRead(read))
                });
            }
            Cmd::Quit | Cmd::ShowPlain { .. } | Cmd::EndPlain | Cmd::Suspend => {}
        }
        None
    }

    /// A new link (answered at once) and, for a loopback callback, its listener.
    fn prepare(
        op: u64,
        settings: &AppConfig,
        services: &Services,
        endpoints: &Endpoints,
        tasks: &mut Tasks,
    ) -> Msg {
        let pending = flow::start(settings, endpoints, services.sandbox.as_deref());
        let state = pending.as_ref().map(|p| p.state.clone()).ok();
        let ready = Msg::AuthReady {
            op,
            result: pending.map_err(|e| e.to_string()),
        };
        let (Some(state), Some(callback)) = (state, flow::loopback(settings)) else {
            return ready;
        };
        let tx = tasks.sender();
        tasks.spawn_listener(async move {
            match flow::listen(&callback).await {
                Err(e) => tx.send(Msg::Listening {
                    op,
                    result: Err(format!("cannot listen on {callback}: {e}")),
                }),
                Ok(listener) => {
                    tx.send(Msg::Listening {
                        op,
                        result: Ok(callback.to_string()),
                    });
                    if let Ok(url) = listener.next(&state).await {
                        tx.send(Msg::Redirected { op, url });
                    }
                }
            }
        });
        ready
    }
}
