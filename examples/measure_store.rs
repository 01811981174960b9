//! Measures `xconnect token` (the release binary, one process per call, as a script runs it)
//! with the file store and with the shared store (a PostgreSQL this program starts on
//! 127.0.0.1, as the tests do), against the in-process X emulator:
//!
//! - one client at a time, and 20 processes at once;
//! - a fresh token (read, no lock), and an expiring one (refreshed under the lock: one
//!   process refreshes, the others wait for it and read the new token).
//!
//! Prints the median and the 99th percentile of each process's wall time, spawn to exit, the
//! two stores alternating within each figure, and the ratio of their medians.
//!
//!     cargo build --release --bin xconnect && cargo run --release --example measure_store
//!
//! With `--hold` it prepares both stores, prints the two commands to run by hand (under a
//! profiler, say) and waits for Enter.
//!
//! Needs PostgreSQL's binaries (`/usr/lib/postgresql/*/bin`); as root it runs them as the
//! `postgres` user.

#[path = "../tests/common/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use xconnect::profile::Profile;
use xconnect::sandbox::Sandbox;
use xconnect::store::file::Store;
use xconnect::store::{PasswordSources, PgStore, StoreUrl, Update};

/// Calls per figure: sequential runs, or rounds of 20 at once.
const SEQUENTIAL: usize = 60;
const ROUNDS: usize = 5;
const AT_ONCE: usize = 20;

fn main() {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/xconnect");
    assert!(
        bin.is_file(),
        "build the release binary first: cargo build --release --bin xconnect"
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = rt.block_on(Sandbox::start()).expect("sandbox");
    let server = pg::PgServer::start();
    let url = server.fresh_url();
    let store_url = StoreUrl::parse(&url, &PasswordSources::default()).expect("url");
    let mut pgstore = rt.block_on(PgStore::connect(&store_url)).expect("connect");
    // Two logins, two grants: one copy of a grant in two places would break its chain (the
    // very thing the shared store prevents).
    let profile = rt.block_on(pg::logged_in(&sandbox));
    rt.block_on(pgstore.save("default", &profile, true))
        .expect("save to the store");
    let dir = tempfile::tempdir().expect("tmp");
    let files = Store::at(dir.path().to_path_buf());
    files
        .save("default", &rt.block_on(pg::logged_in(&sandbox)), true)
        .expect("save the file");

    let run = |shared: bool, n: usize| -> Vec<f64> {
        let where_ = if shared { "shared store" } else { "file store" };
        let children: Vec<(Instant, std::process::Child)> = (0..n)
            .map(|_| {
                let mut c = Command::new(&bin);
                c.arg("token")
                    .arg("--config-dir")
                    .arg(dir.path())
                    .env_remove("XCONNECT_API_BASE")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped());
                if shared {
                    c.env("XCONNECT_STORE", &url);
                } else {
                    c.env_remove("XCONNECT_STORE");
                }
                (Instant::now(), c.spawn().expect("spawn"))
            })
            .collect();
        children
            .into_iter()
            .map(|(t, c)| {
                let out = c.wait_with_output().expect("wait");
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                assert!(
                    out.status.success(),
                    "token failed in the {where_}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                ms
            })
            .collect()
    };
    let expire = |shared: bool, pgstore: &mut PgStore| {
        if shared {
            rt.block_on(async {
                let mut p = pgstore.load("default").await.expect("load").profile;
                expire_token(&mut p);
                pgstore
                    .update_locked::<(), _, _>("default", |_, _| async move { Update::Write(p) })
                    .await
                    .expect("store")
                    .expect("write");
            });
        } else {
            let mut p = files.load("default").expect("load").profile;
            expire_token(&mut p);
            files.save("default", &p, true).expect("save");
        }
    };
    if std::env::args().any(|a| a == "--hold") {
        // For a profiler: both stores ready, the commands printed, until Enter.
        println!(
            "file store:   xconnect token --config-dir {}",
            dir.path().display()
        );
        println!(
            "shared store: XCONNECT_STORE='{url}' xconnect token --config-dir {}",
            dir.path().display()
        );
        println!("press Enter to stop");
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        return;
    }
    let refreshes = sandbox.stats().refreshes;
    // Warm the page cache and the server.
    run(false, 3);
    run(true, 3);
    // Each figure alternates the two stores (file, store, file, store…): whatever else the
    // machine does falls on both alike, and the ratio of the medians is what is compared.
    let mut figures: Vec<(&str, [Vec<f64>; 2])> = Vec::new();
    let mut both = |case: &'static str, rounds: usize, n: usize, expiring: bool| {
        let mut got = [Vec::new(), Vec::new()];
        for _ in 0..rounds {
            for (i, shared) in [false, true].into_iter().enumerate() {
                if expiring {
                    expire(shared, &mut pgstore);
                }
                got[i].extend(run(shared, n));
            }
        }
        figures.push((case, got));
    };
    both("fresh token, 1 client", SEQUENTIAL, 1, false);
    both("fresh token, 20 at once", ROUNDS, AT_ONCE, false);
    both("expiring token, 1 client", SEQUENTIAL, 1, true);
    both("expiring token, 20 at once", ROUNDS, AT_ONCE, true);
    assert_eq!(
        sandbox.stats().refreshes - refreshes,
        2 * (SEQUENTIAL + ROUNDS) as u64,
        "one refresh per expiry in each store"
    );
    println!("| case | file store, median (p99) | shared store, median (p99) | shared / file |");
    println!("|---|---|---|---|");
    for (case, [mut file, mut shared]) in figures {
        file.sort_by(f64::total_cmp);
        shared.sort_by(f64::total_cmp);
        let (f, s) = (percentile(&file, 50.0), percentile(&shared, 50.0));
        println!(
            "| {case} | {f:.1} ms ({:.1}) | {s:.1} ms ({:.1}) | {:.2}× |",
            percentile(&file, 99.0),
            percentile(&shared, 99.0),
            s / f
        );
    }
    drop(server);
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn expire_token(p: &mut Profile) {
    if let Some(t) = p.token.as_mut() {
        t.expires_at = time::macros::datetime!(2020-01-01 00:00 UTC);
    }
}
