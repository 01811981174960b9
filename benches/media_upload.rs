//! `xconnect media upload` against the floor: the real binary uploads a 200 MB video (and, to
//! compare, a 4 MB one) to the X emulator running in this process, and the child's peak
//! resident set (getrusage's ru_maxrss, through wait4) is printed; the file is read chunk by
//! chunk, so the two peaks should be close. Then the same 200 MB goes up as `curl` sends it —
//! the same 4 MiB chunks (cut beforehand, not timed), `initialize`, every `append` in one curl
//! process on one connection (`--next`), `finalize` — alternating with xconnect, and the
//! ratio of the medians is printed. The emulator processes video at `finalize` here, so both
//! measure the transfer, not a processing wait. A measurement, not a test: nothing here
//! asserts a time or a size. Run with `cargo bench --bench media_upload` (CI builds it only:
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

/// One upload by xconnect: (seconds, peak RSS in KiB).
fn xconnect_upload(w: &World, path: &std::path::Path) -> (f64, i64) {
    let file = path.to_str().expect("path");
    let started = std::time::Instant::now();
    let (code, stdout, peak_kib) = run_measured(w, &["media", "upload", file]);
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(code, 0, "xconnect media upload failed");
    assert!(!stdout.trim().is_empty(), "a media id");
    (secs, peak_kib)
}

fn upload(w: &World, size: u64) -> i64 {
    let path = w.dir.path().join(format!("video-{}.mp4", size / MB));
    media::write_mp4(&path, size);
    let (secs, peak_kib) = xconnect_upload(w, &path);
    println!(
        "media upload of {:>3} MB: peak RSS {:.1} MiB, {:.2} s",
        size / MB,
        peak_kib as f64 / 1024.0,
        secs
    );
    let _ = std::fs::remove_file(&path);
    peak_kib
}

/// The same upload as curl makes it: `initialize`, every chunk in one curl process on one
/// connection, `finalize`. Seconds.
fn curl_upload(base: &str, token: &str, chunks: &[std::path::PathBuf], total: u64) -> f64 {
    let auth = format!("Authorization: Bearer {token}");
    let started = std::time::Instant::now();
    let init = Command::new("curl")
        .args([
            "-sS",
            "-X",
            "POST",
            "-H",
            &auth,
            "-H",
            "Content-Type: application/json",
        ])
        .arg("--data")
        .arg(format!(
            r#"{{"media_type":"video/mp4","total_bytes":{total},"media_category":"tweet_video"}}"#
        ))
        .arg(format!("{base}/2/media/upload/initialize"))
        .output()
        .expect("curl");
    let answer: serde_json::Value = serde_json::from_slice(&init.stdout).expect("initialize");
    let id = answer["data"]["id"].as_str().expect("an id").to_string();
    let mut append = Command::new("curl");
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            append.arg("--next");
        }
        append
            .args(["-sS", "-o", "/dev/null", "-H", &auth])
            .arg("-F")
            .arg(format!(
                "media=@{};type=application/octet-stream",
                chunk.display()
            ))
            .arg("-F")
            .arg(format!("segment_index={i}"))
            .arg(format!("{base}/2/media/upload/{id}/append"));
    }
    assert!(append.status().expect("curl").success(), "curl append");
    let fin = Command::new("curl")
        .args(["-sS", "-X", "POST", "-H", &auth])
        .arg(format!("{base}/2/media/upload/{id}/finalize"))
        .output()
        .expect("curl");
    let done: serde_json::Value = serde_json::from_slice(&fin.stdout).expect("finalize");
    assert_eq!(
        done["data"]["processing_info"]["state"], "succeeded",
        "{done}"
    );
    started.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// xconnect and curl, alternating, on one 200 MB file: the ratio of the medians.
fn against_curl(w: &World) {
    let size = 200 * MB;
    let path = w.dir.path().join("video-curl.mp4");
    media::write_mp4(&path, size);
    let bytes = std::fs::read(&path).expect("read");
    let chunks: Vec<std::path::PathBuf> = bytes
        .chunks(4 * MB as usize)
        .enumerate()
        .map(|(i, c)| {
            let p = w.dir.path().join(format!("chunk-{i:03}"));
            std::fs::write(&p, c).expect("chunk");
            p
        })
        .collect();
    drop(bytes);
    let token = w.run(&["token"]).stdout.trim().to_string();
    let base = w.sandbox.base_url();
    // (The peak memory is the one printed above: a child's peak here would count this
    // process's pages shared at fork, which grew with the emulator's buffers.)
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        ours.push(xconnect_upload(w, &path).0);
        theirs.push(curl_upload(&base, &token, &chunks, size));
    }
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "200 MB, medians of 5 alternating: xconnect {ours:.2} s, curl {theirs:.2} s: {:.2}x (goal <= 1.5x)",
        ours / theirs
    );
    for c in chunks {
        let _ = std::fs::remove_file(c);
    }
    let _ = std::fs::remove_file(&path);
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful: run only
    // when asked to measure.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let w = World::new();
    w.logged_in("default");
    w.sandbox.process_at_once(true);
    // Eleven 200 MB uploads are some 560 calls: more than X's 500 a window.
    w.sandbox
        .set_rate_limit(xconnect::sandbox::api::Endpoint::MediaUpload, 100_000);
    let small = upload(&w, 4 * MB);
    let large = upload(&w, 200 * MB);
    println!(
        "peak RSS, 200 MB upload minus 4 MB upload: {:.1} MiB",
        (large - small) as f64 / 1024.0
    );
    against_curl(&w);
}
