//! A real PostgreSQL for the tests: the Debian package's binaries (`/usr/lib/postgresql/*/bin`),
//! a cluster in a temporary folder, listening on 127.0.0.1 on a free port and on a Unix socket
//! in that folder. PostgreSQL refuses to run as root: as root (CI), `initdb` and `pg_ctl` run as
//! the `postgres` system user in a folder it owns.
//!
//! One server per test binary ([`PgServer::shared`], stopped when the binary exits, or by a
//! watchdog if it is killed), one database per test ([`PgServer::database`]). A test that stops
//! or breaks its server starts its own ([`PgServer::start`], stopped on drop).
//!
//! Nothing is skipped: without PostgreSQL the test fails and says how to install it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The role with a password (SCRAM) that the password tests use, over TCP only.
pub const PW_USER: &str = "pwuser";
pub const PW_PASSWORD: &str = "Pa55-w0rd-that-never-shows";
/// A second password role (SCRAM, TCP only) whose password a test sets as it needs
/// (`ALTER ROLE`), for passwords of every kind of character.
pub const ANY_USER: &str = "pwany";

pub struct PgServer {
    pub port: u16,
    /// The folder holding the data folder, the log and the socket.
    pub dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    stopped: bool,
    _tmp: Option<tempfile::TempDir>,
}

static SHARED: OnceLock<PgServer> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(1);

/// `/usr/lib/postgresql/<newest>/bin`, or a failing test that says what to install.
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): the shared-store \
             tests need a real server; install it with: apt-get install -y postgresql \
             (.ci/run does this)"
        ),
    }
}

fn is_root() -> bool {
    // SAFETY: a plain system call with no arguments.
    unsafe { libc::geteuid() == 0 }
}

/// The uid and gid of the `postgres` system user.
fn postgres_ids() -> (u32, u32) {
    let name = std::ffi::CString::new("postgres").expect("name");
    // SAFETY: getpwnam returns a pointer into static storage or null; read at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !pw.is_null(),
        "running as root, the tests start PostgreSQL as the \"postgres\" system user, which \
         does not exist here; the postgresql package creates it (apt-get install -y postgresql)"
    );
    // SAFETY: pw is not null (checked above).
    unsafe { ((*pw).pw_uid, (*pw).pw_gid) }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl PgServer {
    /// The server this test binary shares.
    pub fn shared() -> &'static PgServer {
        SHARED.get_or_init(|| {
            let mut server = PgServer::start();
            server.stop_at_exit();
            server
        })
    }

    /// A server of the test's own, stopped when dropped.
    pub fn start() -> PgServer {
        let bin = bin_dir();
        let as_postgres = is_root();
        let tmp = tempfile::Builder::new()
            .prefix("xc-pg-")
            .tempdir()
            .expect("temp dir");
        let dir = tmp.path().to_path_buf();
        if as_postgres {
            let (uid, gid) = postgres_ids();
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown the server folder");
        }
        let mut server = PgServer {
            port: free_port(),
            dir,
            bin,
            as_postgres,
            stopped: false,
            _tmp: Some(tmp),
        };
        server.init();
        server.make_certificates();
        server.run_start();
        server.setup_roles();
        server
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn run(&self, mut c: Command, what: &str) {
        let out = c
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
        assert!(
            out.status.success(),
            "{what} failed ({}):\n{}\n{}\nlog: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
        );
    }

    fn init(&self) {
        let mut c = self.tool("initdb");
        c.arg("-D")
            .arg(self.data())
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync");
        self.run(c, "initdb");
        // TCP: the password role needs SCRAM; everyone else is trusted (a throwaway cluster on
        // 127.0.0.1).
        let hba = format!(
            "local all all trust\n\
             host all {PW_USER},{ANY_USER} 127.0.0.1/32 scram-sha-256\n\
             host all all 127.0.0.1/32 trust\n"
        );
        std::fs::write(self.data().join("pg_hba.conf"), hba).expect("pg_hba.conf");
    }

    /// The test CA (`ca.crt`, what `sslrootcert` names) and the server's certificate, which
    /// names `localhost` only: connecting to 127.0.0.1 with verify-full must then fail.
    fn make_certificates(&self) {
        let tls = self.dir.join("tls");
        std::fs::create_dir(&tls).expect("tls dir");
        std::fs::write(
            tls.join("server.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .expect("ext");
        let steps: [&[&str]; 3] = [
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-subj",
                "/CN=xconnect test CA",
            ],
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        ];
        for args in steps {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(&tls)
                .stdin(Stdio::null())
                .output()
                .expect("openssl (installed with PostgreSQL's ssl-cert package)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        use std::os::unix::fs::PermissionsExt;
        for f in ["server.key", "server.crt", "ca.crt"] {
            let path = tls.join(f);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
            if self.as_postgres {
                let (uid, gid) = postgres_ids();
                std::os::unix::fs::chown(&path, Some(uid), Some(gid)).expect("chown");
            }
        }
        if self.as_postgres {
            let (uid, gid) = postgres_ids();
            std::os::unix::fs::chown(&tls, Some(uid), Some(gid)).expect("chown");
        }
    }

    /// The CA that signed the server's certificate (for `sslrootcert`).
    pub fn ca(&self) -> PathBuf {
        self.dir.join("tls").join("ca.crt")
    }

    fn run_start(&mut self) {
        let tls = self.dir.join("tls");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
             -c max_connections=200 -c shared_buffers=32MB -c ssl=on \
             -c ssl_cert_file={} -c ssl_key_file={}",
            self.port,
            self.dir.display(),
            tls.join("server.crt").display(),
            tls.join("server.key").display()
        );
        let mut c = self.tool("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-o", &options, "-w", "-t", "60", "start"]);
        self.run(c, "pg_ctl start");
        self.stopped = false;
    }

    fn setup_roles(&self) {
        self.psql(
            "postgres",
            &format!("CREATE ROLE {PW_USER} LOGIN PASSWORD '{PW_PASSWORD}' CREATEDB"),
        );
        self.psql(
            "postgres",
            &format!("CREATE ROLE {ANY_USER} LOGIN PASSWORD 'not-set-yet'"),
        );
    }

    /// Runs SQL as the superuser over the Unix socket; panics with psql's output on failure.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let mut c = self.tool("psql");
        c.arg("-h")
            .arg(&self.dir)
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db])
            .args(["-v", "ON_ERROR_STOP=1", "-X", "-q", "-t", "-A", "-c", sql]);
        let out = c.stdin(Stdio::null()).output().expect("run psql");
        assert!(
            out.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A new, empty database for one test.
    pub fn database(&self) -> String {
        let n = NEXT_DB.fetch_add(1, Ordering::SeqCst);
        let name = format!("t{}_{n}", std::process::id());
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {name} OWNER {PW_USER}"),
        );
        name
    }

    /// `postgres://postgres@127.0.0.1:PORT/DB?sslmode=disable` (trusted, no password).
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// A fresh database and its URL.
    pub fn fresh_url(&self) -> String {
        self.url(&self.database())
    }

    /// The URL through the Unix socket in the server's folder.
    pub fn socket_url(&self, db: &str) -> String {
        let dir = self.dir.to_string_lossy().replace('/', "%2F");
        format!("postgres://postgres@{dir}:{}/{db}", self.port)
    }

    /// Stops the server at once (as a crash would); `start_again` brings it back.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        let mut c = self.tool("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = c.stdin(Stdio::null()).output();
        self.stopped = true;
    }

    pub fn start_again(&mut self) {
        self.run_start();
    }

    /// For the shared server: stop it when the test binary exits normally, and start a
    /// watchdog that stops it if the binary is killed.
    fn stop_at_exit(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.data();
        let stop = if self.as_postgres {
            format!(
                "runuser -u postgres -- {} -D {} -m immediate -w stop",
                pg_ctl.display(),
                data.display()
            )
        } else {
            format!(
                "{} -D {} -m immediate -w stop",
                pg_ctl.display(),
                data.display()
            )
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            dir = self.dir.display()
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        // The watchdog removes the folder after stopping the server.
        if let Some(tmp) = self._tmp.take() {
            let _ = tmp.keep();
        }
        let _ = STOP_COMMAND.set(stop);
        // SAFETY: registers a plain extern "C" function with no captured state.
        unsafe {
            libc::atexit(stop_shared);
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }
}

static STOP_COMMAND: OnceLock<String> = OnceLock::new();

extern "C" fn stop_shared() {
    if let Some(stop) = STOP_COMMAND.get() {
        let _ = Command::new("sh")
            .args(["-c", stop])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A profile as a finished login leaves it, with real tokens from the emulator: the one login
/// flow (`xconnect::login::flow`), the browser played by the emulator.
pub async fn logged_in(sandbox: &xconnect::sandbox::Sandbox) -> xconnect::profile::Profile {
    use xconnect::login::flow;
    let settings = xconnect::app::AppConfig {
        client_id: "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ".into(),
        client_secret: None,
        app_type: xconnect::x::AppType::Native,
        callback_url: "https://app.latenode.com/redirected/index.html".into(),
        website_url: "https://example.com".into(),
        scopes: ["tweet.read", "users.read", "offline.access"]
            .map(String::from)
            .to_vec(),
        permission: Default::default(),
    };
    let endpoints =
        xconnect::x::Endpoints::new(&sandbox.base_url(), &sandbox.base_url()).expect("endpoints");
    let pending = flow::start(&settings, &endpoints, Some(sandbox)).expect("link");
    let redirect = sandbox.approve(&pending.url).await.expect("approve");
    let code = url::Url::parse(&redirect)
        .expect("redirect")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let http = xconnect::x::oauth::http_client().expect("http");
    let code = xconnect::secret::Secret::new(code);
    let tokens = flow::exchange(&http, &settings, &endpoints, &code, &pending.verifier)
        .await
        .expect("exchange");
    let proof = flow::prove(&http, &endpoints, &tokens.access_token).await;
    flow::profile(
        &settings,
        &tokens,
        &proof,
        &endpoints,
        xconnect::timefmt::now(),
    )
}
