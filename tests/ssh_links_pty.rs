//! Every link that points at this machine (`http://127.0.0.1:PORT/…`) comes with the `ssh -L`
//! forward that makes it reachable from the person's own computer when xconnect runs over
//! SSH, or says it works on this machine only; no screen mentions a forward it does not show.

mod common;

use common::pty::Pty;

/// An SSH session from 203.0.113.9 to this machine's port 2222, as sshd sets it.
const SSH: [(&str, &str); 2] = [
    ("SSH_CONNECTION", "203.0.113.9 50000 198.51.100.7 2222"),
    ("USER", "alice"),
];

/// The wizard of a fresh config dir, walked to Authorize with the default Latenode preset.
fn at_authorize(args: &[&str], env: &[(&str, &str)], cfg: &str) -> Pty {
    let mut all = vec![("XCONNECT_CONFIG_DIR", cfg)];
    all.extend_from_slice(env);
    let mut p = Pty::spawn(args, &all);
    p.wait_for("Step 1 of 7");
    for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7", "Step 5 of 7"] {
        p.send(b"\r");
        p.wait_for(next);
    }
    p.send(format!("\x1b[200~{}\x1b[201~", common::CLIENT_ID).as_bytes());
    p.wait_for(common::CLIENT_ID);
    p.send(b"\r");
    p.wait_for("Step 6 of 7 · Authorize");
    p.wait_for("http://127.0.0.1:");
    p
}

/// The port of the first `http://127.0.0.1:PORT` on the screen.
fn link_port(screen: &str) -> u16 {
    let at = screen.find("http://127.0.0.1:").expect("a link here") + "http://127.0.0.1:".len();
    screen[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a port")
}

/// The screen's words, lines joined (a long intro wraps).
fn words(p: &Pty) -> String {
    p.screen().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn over_ssh_the_sandbox_s_link_comes_with_its_forward() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().to_str().expect("utf-8 path");
    let mut p = at_authorize(&["--sandbox", "--fresh"], &SSH, cfg);
    let port = link_port(&p.screen());
    p.wait_for(&format!(
        "ssh -L {port}:127.0.0.1:{port} -p 2222 alice@198.51.100.7"
    ));
    let w = words(&p);
    assert!(!w.contains("any machine"), "{w}");
    assert!(w.contains("SSH forward below"), "{w}");
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
    p.assert_restored();
}

#[test]
fn without_ssh_the_sandbox_s_link_says_this_machine_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().to_str().expect("utf-8 path");
    let mut p = at_authorize(&["--sandbox", "--fresh"], &[], cfg);
    p.wait_for("a approve (sandbox)");
    let w = words(&p);
    assert!(w.contains("this machine only"), "{w}");
    assert!(!w.contains("any machine"), "{w}");
    assert!(!w.contains("forward below"), "{w}");
    assert!(!w.contains("ssh -L"), "{w}");
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
}

#[test]
fn a_loopback_callback_that_cannot_be_listened_on_promises_no_forward() {
    // The port is taken: the wizard cannot listen, and there is no SSH here.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().to_str().expect("utf-8 path");
    let mut p = Pty::spawn(&["--fresh"], &[("XCONNECT_CONFIG_DIR", cfg)]);
    p.wait_for("Step 1 of 7");
    for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7"] {
        p.send(b"\r");
        p.wait_for(next);
    }
    // Custom, with a callback on the taken port (and a page of its own: the loopback
    // preset's would make it that preset, which offers a free port instead).
    p.send(b"3");
    p.wait_for("(•) 3. Custom");
    p.send(b"\t\x15");
    p.send(format!("\x1b[200~http://127.0.0.1:{port}/callback\x1b[201~").as_bytes());
    p.send(b"\t\x15");
    p.send(b"\x1b[200~https://example.org\x1b[201~");
    p.wait_for("https://example.org");
    p.send(b"\r");
    p.wait_for("Step 5 of 7");
    p.send(format!("\x1b[200~{}\x1b[201~", common::CLIENT_ID).as_bytes());
    p.wait_for(common::CLIENT_ID);
    p.send(b"\r");
    p.wait_for("Step 6 of 7 · Authorize");
    p.wait_for("Not listening for the redirect");
    let w = words(&p);
    assert!(!w.contains("forward below"), "{w}");
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 130);
    drop(taken);
}
