//! Running the real binary as a script would (pipes, no terminal) against an in-test X
//! emulator.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use xconnect::sandbox::{Sandbox, SandboxApp};

pub const CALLBACK: &str = "https://app.latenode.com/redirected/index.html";
pub const ID: &str = "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ";

/// The longest any one run of the binary may take before the test fails (and kills it).
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// The `state` of an authorization link.
pub fn state_of(link: &str) -> String {
    url::Url::parse(link)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state")
}

/// Waits for the child to end, at most [`RUN_LIMIT`]; past it, kills it and fails the test.
pub fn wait_bounded(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + RUN_LIMIT;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("xconnect did not end within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads a pipe to its end on another thread.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_string(&mut text);
        }
        text
    })
}

pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub sandbox: Sandbox,
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn new() -> World {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = rt.block_on(Sandbox::start()).expect("sandbox");
        // The portal: a Native App with the Latenode callback, unless a test says otherwise.
        sandbox.register_app(SandboxApp::public(ID, [CALLBACK]));
        World {
            rt,
            sandbox,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn profile(&self, name: &str) -> std::path::PathBuf {
        self.dir
            .path()
            .join("profiles")
            .join(format!("{name}.toml"))
    }

    /// Starts `xconnect login --no-tui` with these extra arguments and environment.
    pub fn login(&self, args: &[&str], env: &[(&str, &str)]) -> Login {
        self.login_at(&self.sandbox.base_url(), args, env)
    }

    /// The same, against another server (`base` serves both hosts).
    pub fn login_at(&self, base: &str, args: &[&str], env: &[(&str, &str)]) -> Login {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xconnect"));
        cmd.args(["login", "--no-tui", "--config-dir"])
            .arg(self.dir.path())
            .args(["--auth-base", base, "--api-base", base])
            .args(args)
            .env_remove("XCONNECT_CLIENT_SECRET")
            .env_remove("XCONNECT_CONFIG_DIR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        Login::spawn(cmd)
    }
}

pub struct Login {
    pub child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

pub struct Ended {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Login {
    /// Starts `cmd` (an `xconnect login --no-tui …`) with piped stdin, stdout and stderr.
    pub fn spawn(mut cmd: Command) -> Login {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn xconnect");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Login {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// The authorization link printed alone on its line.
    pub fn link(&mut self) -> String {
        self.try_link()
            .unwrap_or_else(|| panic!("no link; stderr: {:?}", self.seen))
    }

    /// The authorization link, or `None` when stderr ends without one (the login stopped
    /// first). Waits at most 20 s for each line.
    pub fn try_link(&mut self) -> Option<String> {
        loop {
            let line = match self.lines.recv_timeout(Duration::from_secs(20)) {
                Ok(line) => line,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
                Err(e) => panic!("no link ({e}); stderr so far: {:?}", self.seen),
            };
            self.seen.push(line.clone());
            if line.starts_with("http") {
                assert_eq!(line.trim(), line, "the link is alone on its line");
                return Some(line);
            }
        }
    }

    pub fn type_line(&mut self, text: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{text}").expect("write stdin");
        stdin.flush().expect("flush");
    }

    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    pub fn end(mut self) -> Ended {
        self.close_stdin();
        self.finish()
    }

    /// Waits for the end with stdin still open (a person's terminal, or `sleep 60 |`): the
    /// login must end by itself, within `patience`; past it the test fails. Returns what it
    /// printed and how long the wait took.
    pub fn end_with_stdin_open(mut self, patience: Duration) -> (Ended, Duration) {
        let start = Instant::now();
        loop {
            if self.child.try_wait().expect("wait").is_some() {
                break;
            }
            if start.elapsed() > patience {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "xconnect did not end within {patience:?} with stdin open; stderr: {:?}",
                    self.seen
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let took = start.elapsed();
        (self.finish(), took)
    }

    fn finish(mut self) -> Ended {
        let stdout = drain(self.child.stdout.take());
        let status = wait_bounded(&mut self.child);
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(l);
        }
        Ended {
            code: status.code().unwrap_or(-1),
            stdout: stdout.join().expect("stdout"),
            stderr: self.seen.join("\n"),
        }
    }
}

pub fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

pub fn assert_failed(e: &Ended, says: &str) {
    assert_ne!(e.code, 0, "should fail; stderr: {}", e.stderr);
    assert!(
        e.stderr.contains(says),
        "stderr lacks {says:?}:\n{}",
        e.stderr
    );
    assert!(e.stdout.is_empty(), "nothing on stdout: {}", e.stdout);
}

impl World {
    /// A finished native login into profile `name`.
    pub fn logged_in(&self, name: &str) {
        let mut l = self.login(&["--client-id", ID, "--profile", name], &[]);
        let link = l.link();
        let redirect = self
            .rt
            .block_on(self.sandbox.approve(&link))
            .expect("approve");
        l.type_line(&redirect);
        let e = l.end();
        assert_eq!(e.code, 0, "{}", e.stderr);
    }

    /// Runs `xconnect ARGS` to its end with the test's config dir.
    pub fn run(&self, args: &[&str]) -> Ended {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Ended {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xconnect"));
        cmd.args(args)
            .arg("--config-dir")
            .arg(self.dir.path())
            .env_remove("XCONNECT_API_BASE")
            .env_remove("XCONNECT_CONFIG_DIR")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run xconnect");
        let (stdout, stderr) = (drain(child.stdout.take()), drain(child.stderr.take()));
        let status = wait_bounded(&mut child);
        Ended {
            code: status.code().unwrap_or(-1),
            stdout: stdout.join().expect("stdout"),
            stderr: stderr.join().expect("stderr"),
        }
    }

    /// The profile file as TOML.
    pub fn read(&self, name: &str) -> toml::Value {
        toml::from_str(&std::fs::read_to_string(self.profile(name)).expect("read profile"))
            .expect("toml")
    }

    /// Makes the saved access token look expired (the file says so; X still takes it).
    pub fn expire(&self, name: &str) {
        let path = self.profile(name);
        let text = std::fs::read_to_string(&path).expect("read");
        let out: Vec<String> = text
            .lines()
            .map(|l| {
                if l.starts_with("expires_at = ") {
                    "expires_at = \"2020-01-01T00:00:00Z\"".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(&path, out.join("\n") + "\n").expect("write");
    }
}
