//! Peak memory of `xconnect media upload`: the real binary uploads a 200 MB video (and, to
//! compare, a 4 MB one) to the X emulator running in this process, and the child's peak
//! resident set (getrusage's ru_maxrss, through wait4) is printed. The file is read chunk by
//! chunk, so the two peaks should be close. A measurement, not a test: nothing here asserts a
//! time or a size. Run with `cargo bench --bench media_upload` (CI builds it only:
//! `cargo bench --no-run`).

#[allow(dead_code)]
#[path = "../tests/common/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "../tests/common/media.rs"]
mod media;

use std::process::{Command, Stdio};

use cli::World;

const MB: u64 = 1 << 20;

/// Runs `xconnect ARGS`, waits for it with wait4 and returns (exit code, stdout, peak RSS in
/// KiB). The child is reaped by wait4 itself, for its rusage.
#[allow(clippy::zombie_processes)]
fn run_measured(w: &World, args: &[&str]) -> (i32, String, i64) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_xconnect"))
        .args(args)
        .arg("--config-dir")
        .arg(w.dir.path())
        .env_remove("XCONNECT_API_BASE")
        .env_remove("XCONNECT_CONFIG_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn xconnect");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, with pointers to live locals.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, reader.join().expect("stdout"), usage.ru_maxrss)
}

fn upload(w: &World, size: u64) -> i64 {
    let path = w.dir.path().join(format!("video-{}.mp4", size / MB));
    media::write_mp4(&path, size);
    let file = path.to_str().expect("path");
    let started = std::time::Instant::now();
    let (code, stdout, peak_kib) = run_measured(w, &["media", "upload", file]);
    assert_eq!(code, 0, "xconnect media upload failed");
    println!(
        "media upload of {:>3} MB: media id {}, peak RSS {:.1} MiB, {:.1} s",
        size / MB,
        stdout.trim(),
        peak_kib as f64 / 1024.0,
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_file(&path);
    peak_kib
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful: run only
    // when asked to measure.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let w = World::new();
    w.logged_in("default");
    let small = upload(&w, 4 * MB);
    let large = upload(&w, 200 * MB);
    println!(
        "peak RSS, 200 MB upload minus 4 MB upload: {:.1} MiB",
        (large - small) as f64 / 1024.0
    );
}
