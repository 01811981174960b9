//! Several "machines" (config folders that share nothing but the store) against one
//! PostgreSQL and the X emulator, and what the store tests ask of the store directly.

use std::process::{Command, Stdio};

use super::cli::*;
use xconnect::secret::Secret;
use xconnect::store::{PasswordSources, PgStore, StoreUrl};
use xconnect::x::{oauth, Endpoints};

/// One machine: its own config folder, the shared store.
pub struct Machine {
    pub dir: tempfile::TempDir,
}

impl Machine {
    pub fn new() -> Machine {
        Machine {
            dir: tempfile::tempdir().expect("tmp"),
        }
    }

    pub fn command(&self, store: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_xconnect"));
        c.args(args)
            .arg("--config-dir")
            .arg(self.dir.path())
            .env("XCONNECT_STORE", store)
            .env_remove("XCONNECT_API_BASE")
            .env_remove("XCONNECT_CONFIG_DIR")
            .env_remove("PGPASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    pub fn run(&self, store: &str, args: &[&str]) -> Ended {
        let out = self.command(store, args).output().expect("run xconnect");
        Ended {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// No profile file was written on this machine.
    pub fn has_no_profile_files(&self) -> bool {
        std::fs::read_dir(self.dir.path().join("profiles"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .all(|e| !e.file_name().to_string_lossy().ends_with(".toml"))
            })
            .unwrap_or(true)
    }
}

pub fn pg_store(w: &World, url: &str) -> PgStore {
    let url = StoreUrl::parse(url, &PasswordSources::default()).expect("url");
    w.rt.block_on(PgStore::connect(&url)).expect("connect")
}

pub fn expire(w: &World, url: &str, name: &str) {
    let mut store = pg_store(w, url);
    w.rt.block_on(async {
        let mut p = store.load(name).await.expect("load").profile;
        if let Some(t) = p.token.as_mut() {
            t.expires_at = time::macros::datetime!(2020-01-01 00:00 UTC);
        }
        // Straight to the row, as time passing would: no new generation.
        store
            .update_locked::<(), _, _>(
                name,
                |_, _| async move { xconnect::store::Update::Write(p) },
            )
            .await
            .expect("store")
            .expect("write");
    });
}

pub fn row(w: &World, url: &str, name: &str) -> xconnect::store::Stored {
    w.rt.block_on(pg_store(w, url).load(name)).expect("row")
}

/// Does X take this access token?
pub fn works(w: &World, token: &str) -> bool {
    let e = Endpoints::new(&w.sandbox.base_url(), &w.sandbox.base_url()).expect("endpoints");
    w.rt.block_on(async {
        let http = oauth::http_client().expect("client");
        xconnect::x::users::me(&http, &e, &Secret::new(token))
            .await
            .is_ok()
    })
}

/// A native login saved into the store as `name` (from the World's own folder).
pub fn login_into_store(w: &World, url: &str, name: &str, extra: &[&str]) -> Ended {
    let mut args = vec!["--client-id", ID, "--profile", name];
    args.extend_from_slice(extra);
    let mut l = w.login(&args, &[("XCONNECT_STORE", url)]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    l.end()
}
