//! The shared store against a real PostgreSQL (started by the test, see `common::pg`) and the
//! X emulator: schema, round trips, the file store's rules, passwords that never show, the
//! faults that must say "try again later", and many machines refreshing one token at once.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::pg::{logged_in, PgServer, PW_PASSWORD, PW_USER};
use xconnect::commands::{exit, refresh, Failure};
use xconnect::profile::Profile;
use xconnect::sandbox::Sandbox;
use xconnect::store::{PasswordSources, PgStore, StoreError, StoreUrl, Update, SCHEMA_VERSION};

const CALLBACK: &str = "https://app.latenode.com/redirected/index.html";
const CLIENT_ID: &str = "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ";

/// The exit code a command gives this store failure.
fn code_of(e: &StoreError) -> u8 {
    Failure::from(e.clone()).code
}

fn url(text: &str) -> StoreUrl {
    StoreUrl::parse(text, &PasswordSources::default()).expect("store url")
}

async fn connect(text: &str) -> PgStore {
    PgStore::connect(&url(text)).await.expect("connect")
}

fn expired(mut p: Profile) -> Profile {
    if let Some(t) = p.token.as_mut() {
        t.expires_at = time::macros::datetime!(2020-01-01 00:00 UTC);
    }
    p
}

fn access(p: &Profile) -> String {
    p.token.as_ref().expect("token").access_token.clone()
}

fn refresh_token(p: &Profile) -> String {
    p.token
        .as_ref()
        .and_then(|t| t.refresh_token.clone())
        .expect("refresh token")
}

/// A profile with no token at X behind it (for tests that never call X).
fn offline_profile(tag: &str) -> Profile {
    let text = format!(
        r#"version = 1

[app]
client_id = "{CLIENT_ID}"
app_type = "native"
callback_url = "{CALLBACK}"
website_url = "https://example.com"
scopes = ["tweet.read", "users.read", "offline.access"]

[account]
id = "1"
username = "user_{tag}"
name = "User {tag}"
verified = true

[token]
access_token = "access-{tag}"
refresh_token = "refresh-{tag}"
token_type = "bearer"
scope = "tweet.read users.read offline.access"
expires_at = "2099-01-01T00:00:00Z"
"#
    );
    Profile::from_toml(&text).expect("profile")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_is_created_once_and_versioned_even_when_many_start_at_once() {
    let pg = PgServer::shared();
    let db = pg.database();
    let text = pg.url(&db);
    // Eight processes' worth of first connections at the same moment, on an empty database.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let text = text.clone();
            tokio::spawn(async move { PgStore::connect(&url(&text)).await.map(|_| ()) })
        })
        .collect();
    for t in tasks {
        t.await
            .expect("task")
            .expect("every first connection works");
    }
    assert_eq!(
        pg.psql(&db, "SELECT version FROM xconnect_schema"),
        SCHEMA_VERSION.to_string()
    );
    assert_eq!(pg.psql(&db, "SELECT count(*) FROM xconnect_schema"), "1");
    let store = connect(&text).await;
    let status = store.status().await.expect("status");
    assert_eq!(status.schema_version, SCHEMA_VERSION);
    assert_eq!(status.profiles, 0);
    assert!(!status.tls, "sslmode=disable");

    // A schema written by a newer xconnect is refused, not touched.
    pg.psql(&db, "UPDATE xconnect_schema SET version = 99");
    let err = PgStore::connect(&url(&text)).await.unwrap_err();
    assert_eq!(code_of(&err), exit::FAILURE);
    assert!(err.to_string().contains("newer xconnect"), "{err}");
    assert_eq!(pg.psql(&db, "SELECT version FROM xconnect_schema"), "99");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_round_trip_with_the_file_format_and_keep_the_file_rules() {
    let pg = PgServer::shared();
    let mut store = connect(&pg.fresh_url()).await;
    let work = offline_profile("work");

    let saved = store.save("work", &work, false).await.expect("save");
    assert_eq!(saved.profile, work);
    assert_eq!((saved.generation, saved.revision), (1, 1));
    // The stored text is byte for byte what a profile file holds.
    assert_eq!(
        store.text("work").await.expect("text"),
        work.to_toml().expect("toml")
    );
    assert_eq!(store.load("work").await.expect("load").profile, work);

    // Like the file store: no silent replacement without force.
    let other = offline_profile("other");
    let err = store.save("work", &other, false).await.unwrap_err();
    assert!(matches!(err, StoreError::Exists { .. }), "{err:?}");
    assert_eq!(store.load("work").await.expect("load").profile, work);
    let replaced = store.save("work", &other, true).await.expect("force");
    assert_eq!((replaced.generation, replaced.revision), (2, 2));
    assert_eq!(store.load("work").await.expect("load").profile, other);

    // Names are checked as for files.
    assert!(matches!(
        store.load("../etc").await.unwrap_err(),
        StoreError::Name(_)
    ));
    let err = store.load("ghost").await.unwrap_err();
    assert_eq!(code_of(&err), exit::NO_SUCH_PROFILE);
    assert!(
        err.to_string().contains("no profile named \"ghost\""),
        "{err}"
    );

    // Default: the only profile; then none of two; "default" by name; then the one set.
    assert_eq!(
        store.default_name().await.expect("d").as_deref(),
        Some("work")
    );
    store.save("alpha", &work, false).await.expect("save");
    assert_eq!(store.default_name().await.expect("d"), None);
    store.save("default", &work, false).await.expect("save");
    assert_eq!(
        store.default_name().await.expect("d").as_deref(),
        Some("default")
    );
    store.set_default("alpha").await.expect("set");
    store.set_default("work").await.expect("set again");
    assert_eq!(
        store.default_name().await.expect("d").as_deref(),
        Some("work")
    );
    let err = store.set_default("ghost").await.unwrap_err();
    assert_eq!(code_of(&err), exit::NO_SUCH_PROFILE);
    assert_eq!(
        store.default_name().await.expect("d").as_deref(),
        Some("work")
    );

    let names: Vec<String> = store
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|(n, r)| {
            r.expect("readable");
            n
        })
        .collect();
    assert_eq!(names, ["alpha", "default", "work"]);

    // Removing the default clears it; removing twice says so.
    store.remove("work").await.expect("remove");
    assert_eq!(
        store.default_name().await.expect("d").as_deref(),
        Some("default")
    );
    assert_eq!(
        code_of(&store.remove("work").await.unwrap_err()),
        exit::NO_SUCH_PROFILE
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_is_not_a_profile_is_reported_not_used() {
    let pg = PgServer::shared();
    let db = pg.database();
    let store = connect(&pg.url(&db)).await;
    store
        .save("ok", &offline_profile("ok"), false)
        .await
        .expect("save");
    pg.psql(
        &db,
        "INSERT INTO xconnect_profiles (name, profile) VALUES ('bad', 'version = 1\n[app\naccess_token = \"SECRET-in-row\"')",
    );
    let err = store.load("bad").await.unwrap_err();
    assert_eq!(code_of(&err), exit::BAD_PROFILE);
    assert!(!err.to_string().contains("SECRET-in-row"), "{err}");
    let listed = store.list().await.expect("list");
    assert_eq!(listed.len(), 2);
    assert!(listed[0].1.is_err() && listed[1].1.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_from_the_url_pgpassword_or_pgpass_and_never_in_a_message() {
    let pg = PgServer::shared();
    let db = pg.database();
    let base = format!(
        "postgres://{PW_USER}@127.0.0.1:{}/{db}?sslmode=disable",
        pg.port
    );

    // No password: the server refuses, and says so without anything secret.
    let err = PgStore::connect(&url(&base)).await.unwrap_err();
    assert_eq!(code_of(&err), exit::FAILURE, "{err}");
    assert!(
        err.to_string()
            .contains(&format!("127.0.0.1:{}/{db}", pg.port)),
        "{err}"
    );

    // From the URL.
    let with = format!(
        "postgres://{PW_USER}:{PW_PASSWORD}@127.0.0.1:{}/{db}?sslmode=disable",
        pg.port
    );
    let store = PgStore::connect(&url(&with))
        .await
        .expect("password in the URL");
    assert_eq!(store.status().await.expect("status").user, PW_USER);
    assert!(!format!("{store:?}").contains(PW_PASSWORD));
    assert!(!store.url().redacted().contains(PW_PASSWORD));

    // From PGPASSWORD.
    let env = PasswordSources {
        env: Some(PW_PASSWORD.into()),
        ..PasswordSources::default()
    };
    let u = StoreUrl::parse(&base, &env).expect("url");
    PgStore::connect(&u).await.expect("PGPASSWORD");

    // From a password file (0600; others' files are ignored, as libpq does).
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("pgpass");
    std::fs::write(
        &file,
        format!("127.0.0.1:{}:{db}:{PW_USER}:{PW_PASSWORD}\n", pg.port),
    )
    .expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let sources = PasswordSources {
        file: Some(file),
        ..PasswordSources::default()
    };
    let u = StoreUrl::parse(&base, &sources).expect("url");
    PgStore::connect(&u).await.expect("pgpass");

    // A wrong password: refused, exit 1, and neither password shows.
    let wrong = format!(
        "postgres://{PW_USER}:not-{PW_PASSWORD}@127.0.0.1:{}/{db}?sslmode=disable",
        pg.port
    );
    let err = PgStore::connect(&url(&wrong)).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(PW_PASSWORD), "{shown}");
    assert!(shown.contains("password authentication failed"), "{shown}");
    assert_eq!(code_of(&err), exit::FAILURE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unix_socket_works_too() {
    let pg = PgServer::shared();
    let db = pg.database();
    let store = connect(&pg.socket_url(&db)).await;
    store
        .save("sock", &offline_profile("sock"), false)
        .await
        .expect("save");
    assert!(store
        .url()
        .label()
        .starts_with(&pg.dir.display().to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_is_try_again_later_naming_the_store() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let text = format!("postgres://app:{PW_PASSWORD}@127.0.0.1:{port}/xc?sslmode=disable");
    let err = PgStore::connect(&url(&text)).await.unwrap_err();
    let failure = Failure::from(err.clone());
    assert_eq!(failure.code, exit::UNAVAILABLE, "{failure}");
    assert!(
        failure.message.contains(&format!("127.0.0.1:{port}/xc")),
        "{failure}"
    );
    assert!(failure.message.contains("try again later"), "{failure}");
    assert!(!format!("{failure:?} {err:?}").contains(PW_PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_and_a_stopped_server_are_try_again_later() {
    let mut pg = PgServer::start();
    let db = pg.database();
    let store = connect(&pg.url(&db)).await;
    store
        .save("p", &offline_profile("p"), false)
        .await
        .expect("save");
    // The server ends this session (as a failover or an administrator would).
    pg.psql(
        "postgres",
        &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"),
    );
    let err = store.load("p").await.unwrap_err();
    assert_eq!(code_of(&err), exit::UNAVAILABLE, "{err}");
    assert!(err
        .to_string()
        .contains(&format!("127.0.0.1:{}/{db}", pg.port)));

    // The whole server gone.
    let store = connect(&pg.url(&db)).await;
    pg.stop();
    let err = store.load("p").await.unwrap_err();
    assert_eq!(code_of(&err), exit::UNAVAILABLE, "{err}");
    let err = PgStore::connect(&url(&pg.url(&db))).await.unwrap_err();
    assert_eq!(code_of(&err), exit::UNAVAILABLE, "{err}");
    // And back: the row is as it was.
    pg.start_again();
    let store = connect(&pg.url(&db)).await;
    assert_eq!(
        store.load("p").await.expect("load").profile,
        offline_profile("p")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_too_long_is_try_again_later() {
    let pg = PgServer::shared();
    let db = pg.database();
    let mut holder = connect(&pg.url(&db)).await;
    holder
        .save("p", &offline_profile("p"), false)
        .await
        .expect("save");
    let (held_tx, held_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    let holding = tokio::spawn(async move {
        holder
            .update_locked::<(), _, _>("p", |_, _| async move {
                let _ = held_tx.send(());
                let _ = release_rx.await;
                Update::Keep
            })
            .await
            .map(|r| r.is_ok())
    });
    held_rx.await.expect("held");
    // A waiter whose X time-out makes the lock time-out short.
    let mut waiter = PgStore::connect_with(&url(&pg.url(&db)), Duration::ZERO)
        .await
        .expect("connect");
    waiter
        .set_timeouts(Duration::from_millis(300), Duration::from_secs(5))
        .await
        .expect("timeouts");
    let started = std::time::Instant::now();
    let err = waiter
        .update_locked::<(), _, _>("p", |_, _| async { Update::Keep })
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(code_of(&err), exit::UNAVAILABLE, "{err}");
    assert!(err.to_string().contains("locked by another"), "{err}");
    // Reading never waits for the lock.
    assert_eq!(
        waiter.load("p").await.expect("read").profile,
        offline_profile("p")
    );
    let _ = release_tx.send(());
    assert!(holding.await.expect("task").expect("holder"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_holder_loses_its_session_and_cannot_write_late() {
    let pg = PgServer::shared();
    let db = pg.database();
    let mut holder = connect(&pg.url(&db)).await;
    holder
        .save("p", &offline_profile("before"), false)
        .await
        .expect("save");
    holder
        .set_timeouts(Duration::from_secs(10), Duration::from_millis(500))
        .await
        .expect("timeouts");
    // The holder "pauses" past the idle time-out with the row locked, then tries to write.
    let err = holder
        .update_locked::<(), _, _>("p", |_, _| async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Update::Write(offline_profile("late"))
        })
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), exit::UNAVAILABLE, "{err}");
    let other = connect(&pg.url(&db)).await;
    assert_eq!(
        other.load("p").await.expect("load").profile,
        offline_profile("before"),
        "the late write did not land"
    );
}

/// A holder stalled past its lease with the row locked (a stopped process): the server ends
/// its session and another machine takes the row. Right before it would send the refresh
/// token to X, the holder checks its lease, finds it gone, and sends nothing: the other
/// machine's refresh is the only one X sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_holder_checks_its_lease_before_sending_and_finds_it_gone() {
    let pg = PgServer::shared();
    let db = pg.database();
    let mut holder = connect(&pg.url(&db)).await;
    holder
        .save("p", &offline_profile("before"), false)
        .await
        .expect("save");
    holder
        .set_timeouts(Duration::from_secs(10), Duration::from_millis(500))
        .await
        .expect("timeouts");
    // Not stalled: the lease holds.
    let checked = holder
        .update_locked::<(), _, _>("p", |_, lease| async move {
            assert!(lease.check().await.is_ok(), "a live holder keeps its lease");
            Update::Keep
        })
        .await;
    assert!(checked.is_ok());

    let other_url = pg.url(&db);
    let lease_held = Arc::new(std::sync::Mutex::new(None));
    let seen = Arc::clone(&lease_held);
    let stalled = holder.update_locked::<(), _, _>("p", |_, lease| async move {
        // Another machine waits for the row meanwhile, and gets it once the lease is gone.
        let other = tokio::spawn(async move {
            let mut store = connect(&other_url).await;
            store
                .update_locked::<(), _, _>("p", |_, _| async {
                    Update::Write(offline_profile("refreshed elsewhere"))
                })
                .await
        });
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let _ = other.await;
        let held = lease.check().await.is_ok();
        *seen.lock().expect("seen") = Some(held);
        if held {
            Update::Write(offline_profile("sent with the old refresh token"))
        } else {
            Update::Keep
        }
    });
    assert!(
        stalled.await.is_err(),
        "the stalled holder's session is gone"
    );
    assert_eq!(
        *lease_held.lock().expect("seen"),
        Some(false),
        "it sent nothing"
    );
    let store = connect(&pg.url(&db)).await;
    assert_eq!(
        store.load("p").await.expect("load").profile,
        offline_profile("refreshed elsewhere")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_waits_for_a_refresh_holding_the_row_and_then_stands() {
    let pg = PgServer::shared();
    let db = pg.database();
    let mut refresher = connect(&pg.url(&db)).await;
    refresher
        .save("p", &offline_profile("first-login"), false)
        .await
        .expect("save");
    let (held_tx, held_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    let refreshing = tokio::spawn(async move {
        refresher
            .update_locked::<(), _, _>("p", |_, _| async move {
                let _ = held_tx.send(());
                let _ = release_rx.await;
                Update::Write(offline_profile("refreshed"))
            })
            .await
    });
    held_rx.await.expect("held");
    let login_url = pg.url(&db);
    let login = tokio::spawn(async move {
        let store = connect(&login_url).await;
        store
            .save("p", &offline_profile("second-login"), true)
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!login.is_finished(), "the login waits for the row lock");
    let _ = release_tx.send(());
    let refreshed = refreshing.await.expect("task").expect("store").expect("ok");
    assert_eq!(refreshed.generation, 1);
    let login = login.await.expect("task").expect("login");
    assert_eq!(login.generation, 2);
    let store = connect(&pg.url(&db)).await;
    let now = store.load("p").await.expect("load");
    assert_eq!(
        now.profile,
        offline_profile("second-login"),
        "the login stands"
    );
    assert_eq!((now.generation, now.revision), (2, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_machines_refresh_an_expiring_token_once_and_all_get_it() {
    let pg = PgServer::shared();
    let db = pg.database();
    let sandbox = Sandbox::start().await.expect("sandbox");
    let profile = logged_in(&sandbox).await;
    let first_refresh = refresh_token(&profile);
    {
        let store = connect(&pg.url(&db)).await;
        store
            .save("shared", &expired(profile), false)
            .await
            .expect("save");
    }
    let text = Arc::new(pg.url(&db));
    for round in 1..=3u64 {
        let generation = {
            let store = connect(&text).await;
            store.load("shared").await.expect("load").generation
        };
        let barrier = Arc::new(tokio::sync::Barrier::new(20));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (text, barrier) = (Arc::clone(&text), Arc::clone(&barrier));
                tokio::spawn(async move {
                    let mut store = connect(&text).await;
                    barrier.wait().await;
                    refresh::fresh(&mut store, "shared", None, false, &mut std::io::sink()).await
                })
            })
            .collect();
        let mut tokens = Vec::new();
        let mut refreshed = 0;
        for t in tasks {
            let fresh = t.await.expect("task").expect("a token");
            refreshed += usize::from(fresh.refreshed);
            tokens.push(access(&fresh.profile));
        }
        assert_eq!(
            sandbox.stats().refreshes,
            round,
            "round {round}: one refresh at X"
        );
        assert_eq!(refreshed, 1, "round {round}");
        tokens.dedup();
        assert_eq!(tokens.len(), 1, "round {round}: all got the same token");
        let store = connect(&text).await;
        let now = store.load("shared").await.expect("load");
        assert_eq!(
            access(&now.profile),
            tokens[0],
            "the printed token is the stored one"
        );
        assert_ne!(
            refresh_token(&now.profile),
            first_refresh,
            "rotated and saved"
        );
        assert_eq!(now.generation, generation, "a refresh is not a login");
        // Expire it again for the next round (as time would).
        store
            .save("shared", &expired(now.profile), true)
            .await
            .expect("expire");
    }
    assert_eq!(
        sandbox.stats().token_errors,
        0,
        "no refresh token was replayed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_token_is_read_without_x_and_a_dead_grant_is_marked() {
    let pg = PgServer::shared();
    let sandbox = Sandbox::start().await.expect("sandbox");
    let profile = logged_in(&sandbox).await;
    let mut store = connect(&pg.fresh_url()).await;
    store.save("p", &profile, false).await.expect("save");
    let fresh = refresh::fresh(&mut store, "p", None, false, &mut std::io::sink())
        .await
        .expect("fresh");
    assert!(!fresh.refreshed);
    assert_eq!(access(&fresh.profile), access(&profile));
    assert_eq!(sandbox.stats().refreshes, 0);

    // --force refreshes a fresh token.
    let forced = refresh::fresh(&mut store, "p", None, true, &mut std::io::sink())
        .await
        .expect("forced");
    assert!(forced.refreshed);
    assert_eq!(sandbox.stats().refreshes, 1);

    // A refresh token X no longer takes: exit 4, and the row says a new login is needed.
    let mut dead = expired(forced.profile);
    if let Some(t) = dead.token.as_mut() {
        t.refresh_token = Some("not-a-token-x-knows".into());
    }
    store.save("p", &dead, true).await.expect("save");
    let err = refresh::fresh(&mut store, "p", None, false, &mut std::io::sink())
        .await
        .unwrap_err();
    assert_eq!(err.code, exit::NEEDS_REAUTH, "{err}");
    let row = store.load("p").await.expect("load");
    assert!(row.profile.status.as_ref().is_some_and(|s| s.needs_reauth));
    // And the next run says so without calling X.
    let before = sandbox.stats().token_requests;
    let err = refresh::fresh(&mut store, "p", None, false, &mut std::io::sink())
        .await
        .unwrap_err();
    assert_eq!(err.code, exit::NEEDS_REAUTH);
    assert_eq!(sandbox.stats().token_requests, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_checks_what_it_promises() {
    let pg = PgServer::shared();
    let db = pg.database();
    let ca = pg.ca();
    let ca = ca.display();
    let at =
        |host: &str, query: &str| format!("postgres://postgres@{host}:{}/{db}?{query}", pg.port);
    let tls_of = |text: String| async move {
        let store = PgStore::connect(&url(&text)).await?;
        Ok::<bool, StoreError>(store.status().await?.tls)
    };
    // Encrypted without checks (libpq's require and prefer), plain with disable.
    assert!(tls_of(at("127.0.0.1", "sslmode=require"))
        .await
        .expect("require"));
    assert!(tls_of(at("127.0.0.1", "sslmode=prefer"))
        .await
        .expect("prefer"));
    assert!(!tls_of(at("127.0.0.1", "sslmode=disable"))
        .await
        .expect("disable"));
    // verify-ca: the chain must lead to the given CA; the name is not checked.
    let q = format!("sslmode=verify-ca&sslrootcert={ca}");
    assert!(tls_of(at("127.0.0.1", &q)).await.expect("verify-ca"));
    // verify-full: the certificate names localhost only.
    let q = format!("sslmode=verify-full&sslrootcert={ca}");
    assert!(tls_of(at("localhost", &q))
        .await
        .expect("verify-full by name"));
    let err = tls_of(at("127.0.0.1", &q)).await.unwrap_err();
    assert_eq!(code_of(&err), exit::FAILURE, "{err}");
    assert!(err.to_string().contains("TLS"), "{err}");
    // A certificate from a CA nobody trusts: public roots (the default) refuse it.
    let err = tls_of(at("localhost", "sslmode=verify-full"))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), exit::FAILURE, "{err}");
    let err = tls_of(at("localhost", "sslmode=verify-full&sslrootcert=system"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    // require with a root file checks the chain (libpq's rule), not the name.
    let q = format!("sslmode=require&sslrootcert={ca}");
    assert!(tls_of(at("127.0.0.1", &q))
        .await
        .expect("require with a CA"));
    let q = "sslmode=require&sslrootcert=/nonexistent/ca.crt";
    let err = tls_of(at("127.0.0.1", q)).await.unwrap_err();
    assert!(err.to_string().contains("sslrootcert"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_hosts_hostaddr_and_target_session_attrs_are_kept() {
    let pg = PgServer::shared();
    let db = pg.database();
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    // The first host does not answer: the next one is used.
    let store = connect(&format!(
        "postgres://postgres@127.0.0.1:{dead},127.0.0.1:{}/{db}?sslmode=disable",
        pg.port
    ))
    .await;
    assert!(!store.status().await.expect("status").tls);
    // The socket folder, then TCP.
    let dir = pg.dir.to_string_lossy().replace('/', "%2F");
    connect(&format!(
        "postgres://postgres@{dir}:{},127.0.0.1:{dead}/{db}",
        pg.port
    ))
    .await;
    // hostaddr is where the connection goes; the host's name is what the certificate must
    // name (it names localhost).
    let ca = pg.ca();
    let store = connect(&format!(
        "postgres://postgres@/{db}?host=localhost&hostaddr=127.0.0.1&port={}&sslmode=verify-full&sslrootcert={}",
        pg.port,
        ca.display()
    ))
    .await;
    assert!(store.status().await.expect("status").tls);
    // target_session_attrs: this server allows writes.
    connect(&format!(
        "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable&target_session_attrs=read-write",
        pg.port
    ))
    .await;
    let err = PgStore::connect(&url(&format!(
        "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable&target_session_attrs=read-only",
        pg.port
    )))
    .await
    .unwrap_err();
    assert_eq!(code_of(&err), exit::UNAVAILABLE, "{err}");
    assert!(err.to_string().contains("not read-only"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_role_security_md_recommends_can_do_everything_but_change_the_schema() {
    let pg = PgServer::shared();
    let db = pg.database();
    // The owner makes the tables once (any first command does).
    drop(connect(&pg.url(&db)).await);
    let role = format!("app_{db}");
    for sql in [
        format!("CREATE ROLE {role} LOGIN PASSWORD 'role-pw'"),
        format!("GRANT CONNECT ON DATABASE {db} TO {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON xconnect_profiles TO {role}"),
        format!("GRANT SELECT ON xconnect_schema TO {role}"),
        "REVOKE ALL ON xconnect_profiles FROM PUBLIC".to_string(),
    ] {
        pg.psql(&db, &sql);
    }
    let as_role = format!(
        "postgres://{role}:role-pw@127.0.0.1:{}/{db}?sslmode=disable",
        pg.port
    );
    // 127.0.0.1 is trusted for roles other than the password one: the role is what matters.
    let mut store = connect(&as_role).await;
    assert_eq!(store.status().await.expect("status").user, role);
    store
        .save("p", &offline_profile("p"), false)
        .await
        .expect("insert");
    store
        .update_locked::<(), _, _>("p", |_, _| async { Update::Write(offline_profile("q")) })
        .await
        .expect("lock and update")
        .expect("written");
    store.set_default("p").await.expect("default");
    assert_eq!(store.list().await.expect("list").len(), 1);
    store.remove("p").await.expect("delete");
    // It cannot change the schema: a migration it would need is refused with advice.
    pg.psql(&db, "UPDATE xconnect_schema SET version = 0");
    let err = PgStore::connect(&url(&as_role)).await.unwrap_err();
    assert!(err.to_string().contains("as the tables' owner"), "{err}");
    pg.psql(
        &db,
        &format!("UPDATE xconnect_schema SET version = {SCHEMA_VERSION}"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_saves_into_the_store_and_asks_before_replacing() {
    use xconnect::login::flow::{persist, PersistError};
    let pg = PgServer::shared();
    let text = pg.fresh_url();
    let mut profiles = connect(&text).await;
    let place = persist(&mut profiles, "wiz", &offline_profile("w"), false)
        .await
        .expect("saved");
    assert!(
        place.starts_with("wiz in the profile store 127.0.0.1:"),
        "{place}"
    );
    let store = connect(&text).await;
    assert_eq!(
        store.load("wiz").await.expect("row").profile,
        offline_profile("w")
    );
    assert!(matches!(
        persist(&mut profiles, "wiz", &offline_profile("x"), false).await,
        Err(PersistError::Exists(name)) if name == "wiz"
    ));
    persist(&mut profiles, "wiz", &offline_profile("x"), true)
        .await
        .expect("replaced after yes");
    assert_eq!(
        store.load("wiz").await.expect("row").profile,
        offline_profile("x")
    );
}
