//! Criterion benchmarks: drawing every screen at 80×24, the update function on a key, and
//! the redirect parser. Run with `cargo bench --bench wizard`.
//!
//! The models are built the way the wizard builds them: through `update` with messages.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use url::Url;

use xconnect::callback::parse_redirect;
use xconnect::profile::{AppSettings, AppType, Profile};
use xconnect::secret::Secret;
use xconnect::theme::Theme;
use xconnect::wizard::{update, view, Model, Msg};
use xconnect::x::oauth::{Pending, Tokens};
use xconnect::x::users::Account;

const CLIENT_ID: &str = "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ";
const CALLBACK: &str = "https://app.latenode.com/redirected/index.html";
const REDIRECT: &str =
    "https://app.latenode.com/redirected/index.html?state=STATE&code=VGNibzFWSGxyNE9mM2xXeGRa";

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn enter() -> Msg {
    key(KeyCode::Enter)
}

fn send(m: &mut Model, msgs: impl IntoIterator<Item = Msg>) {
    for msg in msgs {
        update(m, msg);
    }
}

fn model() -> Model {
    Model::new(
        Theme::from_env(&xconnect::settings::Env::default()),
        (80, 24),
    )
}

/// Step `n` (1-based, 1..=5) with the defaults.
fn at_step(n: usize) -> Model {
    let mut m = model();
    send(&mut m, std::iter::repeat_with(enter).take(n - 1));
    m
}

fn at_authorize() -> Model {
    let mut m = at_step(5);
    send(&mut m, CLIENT_ID.chars().map(|c| key(KeyCode::Char(c))));
    send(
        &mut m,
        [
            enter(),
            Msg::ProfileChecked {
                name: "default".into(),
                exists: false,
            },
        ],
    );
    let op = m.auth.op;
    send(
        &mut m,
        [Msg::AuthReady {
            op,
            result: Ok(Pending {
                url: format!(
                    "https://x.com/i/oauth2/authorize?response_type=code&client_id={CLIENT_ID}\
                     &state=STATE&code_challenge=CHALLENGE&code_challenge_method=S256"
                ),
                state: "STATE".into(),
                verifier: Secret::new("VERIFIER"),
            }),
        }],
    );
    m
}

fn at_done() -> Model {
    let mut m = at_authorize();
    send(&mut m, [Msg::Paste(REDIRECT.into())]);
    let op = m.auth.op;
    send(
        &mut m,
        [
            Msg::Exchanged {
                op,
                result: Ok(Tokens {
                    access_token: Secret::new("ACCESS"),
                    refresh_token: Some(Secret::new("REFRESH")),
                    token_type: "bearer".into(),
                    scope: "tweet.read users.read offline.access".into(),
                    expires_in: Some(Duration::from_secs(7200)),
                }),
            },
            Msg::Verified {
                op,
                result: Ok(Account {
                    id: "1".into(),
                    username: "sandbox_user".into(),
                    name: "Sandbox User".into(),
                }),
                at: xconnect::timefmt::now(),
            },
            Msg::Saved {
                op,
                result: Ok("/home/me/.config/xconnect/profiles/default.toml".into()),
            },
        ],
    );
    m
}

fn with_menu() -> Model {
    let saved = Profile {
        version: 1,
        app: AppSettings {
            client_id: CLIENT_ID.into(),
            client_secret: None,
            app_type: AppType::Native,
            callback_url: "http://127.0.0.1:8765/callback".into(),
            website_url: "https://example.com".into(),
            scopes: ["tweet.read", "users.read", "offline.access"]
                .map(String::from)
                .to_vec(),
        },
        account: None,
        token: None,
        endpoints: None,
        status: None,
        moved: None,
        origin: None,
    };
    model().with_profiles(vec![("default".into(), saved)])
}

fn screens() -> Vec<(&'static str, Model)> {
    vec![
        ("menu", with_menu()),
        ("1_create_app", at_step(1)),
        ("2_permissions", at_step(2)),
        ("3_app_type", at_step(3)),
        ("4_urls", at_step(4)),
        ("5_credentials", at_step(5)),
        ("6_authorize", at_authorize()),
        ("7_done", at_done()),
    ]
}

fn configure() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
}

/// A whole frame: the view, and the buffer diff against the previous frame. Each iteration
/// starts from an empty screen, so every cell is new (the worst case: a step change).
fn render(c: &mut Criterion) {
    let mut g = c.benchmark_group("render_80x24");
    for (name, m) in screens() {
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                || Terminal::new(TestBackend::new(80, 24)).expect("test terminal"),
                |t| {
                    t.draw(|f| view(black_box(&m), f)).expect("draw");
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// What one key costs: `update`, then the frame it causes (only changed cells are written).
fn update_on_key(c: &mut Criterion) {
    let mut g = c.benchmark_group("update");
    let perms = at_step(2);
    g.bench_function("permissions_down", |b| {
        b.iter_batched_ref(
            || perms.clone(),
            |m| update(m, black_box(key(KeyCode::Down))),
            BatchSize::SmallInput,
        )
    });
    let creds = at_step(5);
    g.bench_function("client_id_char", |b| {
        b.iter_batched_ref(
            || creds.clone(),
            |m| update(m, black_box(key(KeyCode::Char('x')))),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("permissions_down_and_redraw", |b| {
        b.iter_batched_ref(
            || {
                let mut t = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
                t.draw(|f| view(&perms, f)).expect("draw");
                (perms.clone(), t)
            },
            |(m, t)| {
                update(m, black_box(key(KeyCode::Down)));
                t.draw(|f| view(m, f)).expect("draw");
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn redirect_parser(c: &mut Criterion) {
    let callback = Url::parse(CALLBACK).expect("callback URL");
    let mut g = c.benchmark_group("parse_redirect");
    g.bench_function("full_url", |b| {
        b.iter(|| parse_redirect(black_box(REDIRECT), &callback, "STATE"))
    });
    g.bench_function("query_only", |b| {
        b.iter(|| {
            parse_redirect(
                black_box("code=VGNibzFWSGxyNE9mM2xXeGRa&state=STATE"),
                &callback,
                "STATE",
            )
        })
    });
    g.bench_function("wrong_state", |b| {
        b.iter(|| parse_redirect(black_box(REDIRECT), &callback, "OTHER"))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = configure();
    targets = render, update_on_key, redirect_parser
}
criterion_main!(benches);
