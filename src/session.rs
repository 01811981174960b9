//! The interrupted-session file: where the wizard was, so the next start can offer to resume
//! after an SSH link dropped or the process was killed. Everything but secrets; mode 0600 in
//! the state dir; removed once the profile is saved.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};

use serde::{Deserialize, Serialize};

use crate::x::AppType;

const FILE: &str = "session.toml";
pub const CURRENT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub version: u32,
    /// The step's id, as in `assets/guide.toml`.
    pub step: String,
    pub scopes: Vec<String>,
    /// `native` or `web`, as in a profile file.
    pub app_type: AppType,
    pub callback_url: String,
    pub website_url: String,
    pub client_id: String,
    pub profile: String,
    /// Where the app is made ("portal" or "console"); older files have none: the portal.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    /// Begun in the sandbox (the built-in X emulator): resumed there only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sandbox: bool,
    /// Begun with the shared profile store, named `host:port/database` (never its password);
    /// empty for this machine's files. Resumed with that store only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub store: String,
}

impl Session {
    /// Where this setup began, when that is not where this run is (`sandbox`, and the store's
    /// label or `None` for files): what to run to resume it there. `None` when it can be
    /// resumed here.
    pub fn elsewhere(&self, sandbox: bool, store: Option<&str>) -> Option<String> {
        let here = store.unwrap_or("");
        let place = match (self.sandbox, self.store.as_str()) {
            (true, "") => "in the sandbox (the built-in X emulator)".to_string(),
            (true, s) => format!("in the sandbox with the profile store {s}"),
            (false, "") => "against X, with this machine's profile files".to_string(),
            (false, s) => format!("against X, with the profile store {s}"),
        };
        if self.sandbox == sandbox && self.store == here {
            return None;
        }
        let mut run = String::from("xconnect");
        if self.sandbox {
            run.push_str(" --sandbox");
        }
        let store = if self.store.is_empty() {
            if store.is_some() {
                " without --store or XCONNECT_STORE"
            } else {
                ""
            }
        } else {
            " with --store (or XCONNECT_STORE) set to that store"
        };
        Some(format!(
            "The last setup began {place} and stopped half way; to resume it there, run: {run}{store}"
        ))
    }
}

/// The variable that names the state folder.
pub const STATE_DIR_ENV: &str = "XCONNECT_STATE_DIR";

/// Where the session file lives: `XCONNECT_STATE_DIR`; else `<config dir>/state` when a config
/// dir was given (so a test or a second setup never touches the real one); else the system's
/// state dir for xconnect (`~/.local/state/xconnect` on Linux).
pub fn dir(config_dir: Option<&Path>, env: &crate::settings::Env) -> Option<PathBuf> {
    if let Some(d) = env.get(STATE_DIR_ENV).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(c) = config_dir {
        return Some(c.join("state"));
    }
    let dirs = directories::ProjectDirs::from("", "", "xconnect")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// The most a session file may hold: a few URLs, an ID and a list of scopes.
const MAX_BYTES: u64 = 64 << 10;

/// The saved session, if there is a readable one of this version (a file that is not one, or
/// of another version, is no session). An error, saying what to do, when something other than
/// a small regular file is where the session file should be: a FIFO, a device, a symbolic
/// link, a large file (never waited on, followed or read whole; see [`crate::fsread`]).
pub fn load(dir: &Path) -> Result<Option<Session>, String> {
    let path = dir.join(FILE);
    let bytes = match crate::fsread::read_bounded(&path, MAX_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => {
            return Err(format!(
            "the interrupted setup's file {} {e}; remove it, or start over with: xconnect --fresh",
            crate::text::escape(&path.to_string_lossy(), 300)
        ))
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(None);
    };
    let Ok(s) = toml::from_str::<Session>(text) else {
        return Ok(None);
    };
    Ok((s.version == CURRENT_VERSION).then_some(s))
}

pub fn save(dir: &Path, session: &Session) -> Result<(), String> {
    let text = toml::to_string(session).map_err(|e| e.to_string())?;
    crate::store::file::write_private(dir, FILE, text.as_bytes()).map(|_| ())
}

/// Forgets the session (the profile was saved, or `--fresh`). A missing file is fine.
pub fn clear(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(FILE));
}

/// Writes sessions on one background thread, in the order asked: the event loop never waits
/// for a disk (each write is `fsync`ed), and an older step never lands after a newer one.
pub struct Writer {
    dir: PathBuf,
    tx: Mutex<Option<mpsc::Sender<Option<Session>>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Writer {
    /// Nothing starts until the first write.
    pub fn new(dir: PathBuf) -> Self {
        Writer {
            dir,
            tx: Mutex::new(None),
            thread: Mutex::new(None),
        }
    }

    /// `Some`: save it; `None`: forget the session.
    fn send(&self, job: Option<Session>) {
        let Ok(mut tx) = self.tx.lock() else {
            return;
        };
        let tx = tx.get_or_insert_with(|| {
            let (tx, rx) = mpsc::channel::<Option<Session>>();
            let dir = self.dir.clone();
            let handle = std::thread::spawn(move || {
                for job in rx {
                    match job {
                        // A session that cannot be kept only loses the resume offer.
                        Some(s) => {
                            let _ = save(&dir, &s);
                        }
                        None => clear(&dir),
                    }
                }
            });
            if let Ok(mut t) = self.thread.lock() {
                *t = Some(handle);
            }
            tx
        });
        let _ = tx.send(job);
    }

    pub fn save(&self, session: Session) {
        self.send(Some(session));
    }

    pub fn clear(&self) {
        self.send(None);
    }

    /// Waits until everything asked is written (before the program ends).
    pub fn finish(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        let handle = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_setup_resumes_only_where_it_began() {
        let mut s = Session {
            version: CURRENT_VERSION,
            step: "urls".into(),
            scopes: Vec::new(),
            app_type: AppType::Native,
            callback_url: String::new(),
            website_url: String::new(),
            client_id: String::new(),
            profile: "default".into(),
            place: String::new(),
            sandbox: true,
            store: String::new(),
        };
        assert_eq!(s.elsewhere(true, None), None);
        let note = s.elsewhere(false, None).expect("not here");
        assert!(note.contains("in the sandbox"), "{note}");
        assert!(note.ends_with("run: xconnect --sandbox"), "{note}");
        s.sandbox = false;
        let note = s.elsewhere(true, None).expect("not here");
        assert!(note.contains("against X"), "{note}");
        assert!(note.ends_with("run: xconnect"), "{note}");
        s.store = "db.internal:5432/xc".into();
        assert_eq!(s.elsewhere(false, Some("db.internal:5432/xc")), None);
        let note = s.elsewhere(false, None).expect("not here");
        assert!(note.contains("db.internal:5432/xc"), "{note}");
        assert!(note.contains("--store"), "{note}");
        s.store.clear();
        let note = s
            .elsewhere(false, Some("db.internal:5432/xc"))
            .expect("not here");
        assert!(note.contains("without --store"), "{note}");
        // An older file, with neither: a setup against X with files.
        let old: Session = toml::from_str(
            "version = 1\nstep = \"urls\"\nscopes = []\napp_type = \"native\"\ncallback_url = \"\"\nwebsite_url = \"\"\nclient_id = \"\"\nprofile = \"default\"\n",
        )
        .expect("old session");
        assert_eq!(old.elsewhere(false, None), None);
    }

    #[test]
    fn round_trip_private_and_cleared() {
        let d = tempfile::tempdir().expect("tempdir");
        let dir = d.path().join("state");
        let s = Session {
            version: CURRENT_VERSION,
            step: "urls".into(),
            scopes: vec!["tweet.read".into()],
            app_type: AppType::Native,
            callback_url: "https://a.example/cb".into(),
            website_url: "https://a.example".into(),
            client_id: "id".into(),
            profile: "default".into(),
            place: "console".into(),
            sandbox: true,
            store: "db.internal:5432/xc".into(),
        };
        save(&dir, &s).expect("save");
        let mode = std::fs::metadata(dir.join(FILE))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load(&dir), Ok(Some(s)));
        clear(&dir);
        assert_eq!(load(&dir), Ok(None));
        std::fs::write(dir.join(FILE), "garbage [").expect("write");
        assert_eq!(load(&dir), Ok(None), "a broken file is no session");
    }

    #[test]
    fn a_session_file_that_is_not_a_small_file_is_refused_with_advice() {
        let d = tempfile::tempdir().expect("tempdir");
        let path = d.path().join(FILE);
        std::fs::write(&path, vec![b'#'; (MAX_BYTES + 1) as usize]).expect("write");
        let e = load(d.path()).expect_err("too large");
        assert!(e.contains("is larger than 64 KiB"), "{e}");
        assert!(e.ends_with("start over with: xconnect --fresh"), "{e}");
        std::fs::remove_file(&path).expect("remove");
        std::os::unix::fs::symlink("/dev/zero", &path).expect("symlink");
        let e = load(d.path()).expect_err("a link");
        assert!(e.contains("is a symbolic link"), "{e}");
    }

    #[test]
    fn a_session_file_written_before_still_reads() {
        let d = tempfile::tempdir().expect("tempdir");
        // As the wizard wrote it when the app type was kept as a string.
        let text = r#"version = 1
step = "credentials"
scopes = ["tweet.read", "users.read", "offline.access"]
app_type = "web"
callback_url = "https://app.latenode.com/redirected/index.html"
website_url = "https://example.com"
client_id = "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ"
profile = "bot"
"#;
        std::fs::write(d.path().join(FILE), text).expect("write");
        let s = load(d.path())
            .expect("readable")
            .expect("the old file reads");
        assert_eq!(s.app_type, AppType::Web);
        assert_eq!(s.profile, "bot");
        assert_eq!(
            toml::to_string(&s).expect("toml"),
            text,
            "and is written the same"
        );
        let native = text.replace("\"web\"", "\"native\"");
        std::fs::write(d.path().join(FILE), native).expect("write");
        assert_eq!(
            load(d.path()).map(|s| s.map(|s| s.app_type)),
            Ok(Some(AppType::Native))
        );
    }

    #[test]
    fn the_writer_keeps_the_order_asked() {
        let d = tempfile::tempdir().expect("tempdir");
        let w = Writer::new(d.path().to_path_buf());
        let mut s = Session {
            version: CURRENT_VERSION,
            step: String::new(),
            scopes: Vec::new(),
            app_type: AppType::Native,
            callback_url: String::new(),
            website_url: String::new(),
            client_id: String::new(),
            profile: "default".into(),
            place: String::new(),
            sandbox: false,
            store: String::new(),
        };
        for step in ["permissions", "app_type", "urls", "credentials"] {
            s.step = step.into();
            w.save(s.clone());
        }
        w.finish();
        assert_eq!(
            load(d.path()).map(|s| s.map(|s| s.step)),
            Ok(Some("credentials".into()))
        );
        w.clear();
        w.finish();
        assert_eq!(load(d.path()), Ok(None));
    }
}
