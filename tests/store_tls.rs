//! The shared store's TLS against servers that must never get the password: one that refuses
//! TLS and asks for the password in clear text (PostgreSQL's AuthenticationCleartextPassword),
//! and one whose certificate is self-signed for another name. Each is a few lines of the wire
//! protocol on a `TcpListener` thread that records what arrives.
//!
//! "A host that is not this machine" is this machine under its own host name (from
//! /proc/sys/kernel/hostname, resolved by /etc/hosts): the default sslmode is decided on the
//! name written, as libpq decides, never on the address it resolves to.

use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use xconnect::store::{PasswordSources, PgStore, StoreUrl};

const SECRET: &str = "Hostile-never-gets-this-9";
/// The SSLRequest's code (1234 5679).
const SSL_REQUEST: u32 = 80_877_103;

/// What a hostile server saw, over all its connections.
#[derive(Debug, Default, Clone)]
struct Seen {
    /// Connections accepted, and those the server is done with.
    accepted: usize,
    finished: usize,
    ssl_requests: usize,
    /// Start-up messages read (in clear, or inside TLS once the handshake ended).
    startups: usize,
    /// The PasswordMessages' text.
    passwords: Vec<String>,
    /// TLS handshakes that did not end (the client refused the certificate).
    tls_failures: usize,
}

struct Hostile {
    port: u16,
    seen: Arc<Mutex<Seen>>,
}

impl Hostile {
    /// Answers the SSLRequest with `N`, or with `S` and a TLS handshake with `tls`; then reads
    /// the start-up message, asks for the password in clear text and records it.
    fn start(ip: IpAddr, tls: Option<Arc<rustls::ServerConfig>>) -> Hostile {
        let listener = TcpListener::bind((ip, 0)).expect("listen");
        let port = listener.local_addr().expect("address").port();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let record = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                note(&record, |s| s.accepted += 1);
                let record = Arc::clone(&record);
                let tls = tls.clone();
                std::thread::spawn(move || {
                    serve(stream, tls, &record);
                    note(&record, |s| s.finished += 1);
                });
            }
        });
        Hostile { port, seen }
    }

    /// What the server saw, once it is done with every connection it accepted.
    fn seen(&self) -> Seen {
        let start = std::time::Instant::now();
        loop {
            let seen = self.seen.lock().expect("seen").clone();
            if seen.finished == seen.accepted || start.elapsed() > Duration::from_secs(20) {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn note(seen: &Mutex<Seen>, f: impl FnOnce(&mut Seen)) {
    if let Ok(mut s) = seen.lock() {
        f(&mut s);
    }
}

/// A message without a type byte (SSLRequest, StartupMessage): its length, then its body.
fn untyped(s: &mut impl Read) -> Option<Vec<u8>> {
    let mut len = [0; 4];
    s.read_exact(&mut len).ok()?;
    let len = usize::try_from(u32::from_be_bytes(len)).ok()?;
    if !(8..=10_000).contains(&len) {
        return None;
    }
    let mut body = vec![0; len - 4];
    s.read_exact(&mut body).ok()?;
    Some(body)
}

/// A typed message: its type byte and body.
fn typed(s: &mut impl Read) -> Option<(u8, Vec<u8>)> {
    let mut kind = [0; 1];
    s.read_exact(&mut kind).ok()?;
    let body = untyped(s)?;
    Some((kind[0], body))
}

/// After the start-up message: AuthenticationCleartextPassword, then whatever `p` comes.
fn ask_password(s: &mut (impl Read + Write), seen: &Mutex<Seen>) {
    note(seen, |s| s.startups += 1);
    if s.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).is_err() || s.flush().is_err() {
        return;
    }
    if let Some((b'p', body)) = typed(s) {
        let text = String::from_utf8_lossy(&body)
            .trim_end_matches('\0')
            .to_string();
        note(seen, |s| s.passwords.push(text));
    }
}

fn serve(mut s: TcpStream, tls: Option<Arc<rustls::ServerConfig>>, seen: &Mutex<Seen>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
    let Some(first) = untyped(&mut s) else { return };
    let is_ssl_request = first == SSL_REQUEST.to_be_bytes();
    if !is_ssl_request {
        // No SSLRequest (sslmode=disable): this was the start-up message.
        return ask_password(&mut s, seen);
    }
    note(seen, |s| s.ssl_requests += 1);
    match tls {
        None => {
            if s.write_all(b"N").is_err() {
                return;
            }
            if untyped(&mut s).is_some() {
                ask_password(&mut s, seen);
            }
        }
        Some(config) => {
            if s.write_all(b"S").is_err() {
                return;
            }
            let Ok(mut conn) = rustls::ServerConnection::new(config) else {
                return;
            };
            let mut tls = rustls::Stream::new(&mut conn, &mut s);
            match untyped(&mut tls) {
                Some(_) => ask_password(&mut tls, seen),
                None => note(seen, |s| s.tls_failures += 1),
            }
        }
    }
}

/// This machine's own host name (not localhost, not an address) and an address it resolves
/// to, where a test server can listen.
fn this_machine_by_name() -> (String, IpAddr) {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("/proc/sys/kernel/hostname")
        .trim()
        .to_string();
    assert!(
        !name.is_empty()
            && !name.eq_ignore_ascii_case("localhost")
            && name.parse::<IpAddr>().is_err(),
        "this machine's host name ({name:?}) must be a name other than localhost"
    );
    let ip = (name.as_str(), 0)
        .to_socket_addrs()
        .unwrap_or_else(|e| {
            panic!("this machine's host name {name} does not resolve ({e}); add it to /etc/hosts")
        })
        .map(|a| a.ip())
        .find(IpAddr::is_ipv4)
        .unwrap_or_else(|| panic!("{name} has no IPv4 address"));
    (name, ip)
}

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

async fn connect(text: &str) -> Result<PgStore, String> {
    let url = StoreUrl::parse(text, &PasswordSources::default())?;
    PgStore::connect(&url).await.map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_refusing_tls_never_gets_the_password_of_a_store_on_another_machine() {
    let (name, ip) = this_machine_by_name();
    // No sslmode: verify-full, so nothing at all is sent after the server's N.
    let h = Hostile::start(ip, None);
    let err = connect(&format!("postgres://app:{SECRET}@{name}:{}/xc", h.port))
        .await
        .err()
        .unwrap_or_default();
    let seen = h.seen();
    assert!(seen.passwords.is_empty(), "{seen:?}");
    assert_eq!(seen.ssl_requests, 1, "{seen:?}");
    assert_eq!(seen.startups, 0, "nothing sent before TLS: {seen:?}");
    assert!(err.contains("TLS"), "{err}");

    // require: TLS or nothing.
    let h = Hostile::start(ip, None);
    let err = connect(&format!(
        "postgres://app:{SECRET}@{name}:{}/xc?sslmode=require",
        h.port
    ))
    .await
    .expect_err("no TLS, no connection");
    assert!(err.contains("TLS"), "{err}");
    let seen = h.seen();
    assert_eq!((seen.startups, seen.passwords.len()), (0, 0), "{seen:?}");

    // prefer goes on without TLS, but the password is not sent in clear text.
    let h = Hostile::start(ip, None);
    let err = connect(&format!(
        "postgres://app:{SECRET}@{name}:{}/xc?sslmode=prefer",
        h.port
    ))
    .await
    .expect_err("refused");
    assert!(
        err.contains("the server asked for the password in clear text without TLS"),
        "{err}"
    );
    assert!(!err.contains(SECRET), "{err}");
    let seen = h.seen();
    assert_eq!(seen.startups, 1, "{seen:?}");
    assert!(seen.passwords.is_empty(), "{seen:?}");

    // A store on this machine (127.0.0.1) keeps libpq's prefer: the same server gets the
    // password, as it did before (this also shows the server records a password that comes).
    for query in ["", "?sslmode=prefer"] {
        let h = Hostile::start(LOOPBACK, None);
        let _ = connect(&format!(
            "postgres://app:{SECRET}@127.0.0.1:{}/xc{query}",
            h.port
        ))
        .await;
        assert_eq!(h.seen().passwords, [SECRET], "{query}");
    }
}

/// A certificate and its key, self-signed for `name` only (not a CA).
fn self_signed(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", &format!("/CN={name}")])
        .args(["-addext", &format!("subjectAltName=DNS:{name}")])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdin(Stdio::null())
        .output()
        .expect("openssl (installed with PostgreSQL's ssl-cert package)");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

fn server_tls(cert: &Path, key: &Path) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .expect("cert")
        .collect::<Result<Vec<_>, _>>()
        .expect("cert");
    let key = PrivateKeyDer::from_pem_file(key).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    Arc::new(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_name_is_refused_before_anything_is_sent() {
    let (name, ip) = this_machine_by_name();
    let dir = tempfile::tempdir().expect("tmp");
    let (cert, key) = self_signed(dir.path(), "other.example");
    let tls = server_tls(&cert, &key);
    let cert = cert.display();

    // No sslmode (verify-full with the public roots), and verify-full trusting that very
    // certificate: its chain is then fine, its name is not.
    for query in [
        String::new(),
        format!("?sslmode=verify-full&sslrootcert={cert}"),
    ] {
        let h = Hostile::start(ip, Some(Arc::clone(&tls)));
        let err = connect(&format!(
            "postgres://app:{SECRET}@{name}:{}/xc{query}",
            h.port
        ))
        .await
        .expect_err("refused certificate");
        assert!(err.contains("TLS"), "{query}: {err}");
        let seen = h.seen();
        assert_eq!(seen.tls_failures, 1, "{query}: {seen:?}");
        assert_eq!(seen.startups, 0, "{query}: nothing sent: {seen:?}");
        assert!(seen.passwords.is_empty(), "{query}: {seen:?}");
    }

    // The server does read what comes once a certificate is accepted: verify-ca trusting it
    // checks the chain and not the name.
    let h = Hostile::start(ip, Some(Arc::clone(&tls)));
    let _ = connect(&format!(
        "postgres://app:{SECRET}@{name}:{}/xc?sslmode=verify-ca&sslrootcert={cert}",
        h.port
    ))
    .await;
    let seen = h.seen();
    assert_eq!((seen.tls_failures, seen.startups), (0, 1), "{seen:?}");
}

struct Ran {
    code: i32,
    stderr: String,
}

fn status(store: &str) -> Ran {
    let dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(env!("CARGO_BIN_EXE_xconnect"))
        .args(["store", "status", "--config-dir"])
        .arg(dir.path())
        .env("XCONNECT_STORE", store)
        .env("HOME", dir.path())
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE")
        .stdin(Stdio::null())
        .output()
        .expect("run xconnect");
    let ran = Ran {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !ran.stderr.contains(SECRET) && !String::from_utf8_lossy(&out.stdout).contains(SECRET),
        "{}",
        ran.stderr
    );
    ran
}

fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect()
}

#[test]
fn the_binary_warns_once_about_a_weak_sslmode_for_another_machine_and_keeps_the_password() {
    let (name, ip) = this_machine_by_name();

    // The default: no warning, nothing sent.
    let h = Hostile::start(ip, None);
    let ran = status(&format!("postgres://app:{SECRET}@{name}:{}/xc", h.port));
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(warnings(&ran.stderr).is_empty(), "{}", ran.stderr);
    assert!(
        ran.stderr.contains(&format!("{name}:{}/xc", h.port)),
        "{}",
        ran.stderr
    );
    assert_eq!(h.seen().startups, 0);

    for (mode, says) in [
        (
            "prefer",
            "the server asked for the password in clear text without TLS",
        ),
        ("require", "TLS"),
    ] {
        let h = Hostile::start(ip, None);
        let ran = status(&format!(
            "postgres://app:{SECRET}@{name}:{}/xc?sslmode={mode}",
            h.port
        ));
        assert_eq!(ran.code, 1, "{}", ran.stderr);
        let w = warnings(&ran.stderr);
        assert_eq!(w.len(), 1, "{}", ran.stderr);
        assert!(
            w[0].starts_with(&format!("warning: sslmode={mode} "))
                && w[0].contains(&format!("{name}:{}", h.port))
                && w[0].contains("not this machine")
                && w[0].contains("sslmode=verify-full"),
            "{}",
            w[0]
        );
        assert!(ran.stderr.contains(says), "{}", ran.stderr);
        assert!(h.seen().passwords.is_empty(), "{mode}: {:?}", h.seen());
    }

    // disable is what it says: warned, and the server gets what it asks for.
    let h = Hostile::start(ip, None);
    let ran = status(&format!(
        "postgres://app:{SECRET}@{name}:{}/xc?sslmode=disable",
        h.port
    ));
    let w = warnings(&ran.stderr);
    assert!(
        w.len() == 1 && w[0].starts_with("warning: sslmode=disable "),
        "{}",
        ran.stderr
    );
    assert_eq!(h.seen().passwords, [SECRET]);

    // This machine by address: no warning, libpq's prefer as before.
    let h = Hostile::start(LOOPBACK, None);
    let ran = status(&format!(
        "postgres://app:{SECRET}@127.0.0.1:{}/xc?sslmode=prefer",
        h.port
    ));
    assert!(warnings(&ran.stderr).is_empty(), "{}", ran.stderr);
    assert_eq!(h.seen().passwords, [SECRET]);
}
