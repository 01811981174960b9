//! Runs the real binary in a pseudo-terminal and reads its screen through a VT100 parser.

use std::io::{Read, Write};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

pub struct Pty {
    /// Config and state dir of this run, unless the test gave one: never the real ones.
    _home: tempfile::TempDir,
    pub parser: vt100::Parser,
    /// Every byte the program wrote.
    pub raw: Vec<u8>,
    rx: Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
}

/// How long a step may take before the test gives up (a hang, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(20);

impl Pty {
    pub fn spawn(args: &[&str], envs: &[(&str, &str)]) -> Pty {
        Pty::spawn_sized(args, envs, (80, 24))
    }

    /// [`Pty::spawn`] in a terminal of (columns, rows).
    pub fn spawn_sized(args: &[&str], envs: &[(&str, &str)], (cols, rows): (u16, u16)) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_xconnect"));
        cmd.args(args);
        for k in [
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "TMUX",
            "STY",
            "SSH_CONNECTION",
            "SSH_CLIENT",
            "SSH_TTY",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("TERM", "xterm-256color");
        let home = tempfile::tempdir().expect("tempdir");
        cmd.env("XCONNECT_CONFIG_DIR", home.path());
        cmd.env_remove("XCONNECT_STATE_DIR");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn xconnect");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty {
            _home: home,
            parser: vt100::Parser::new(rows, cols, 0),
            raw: Vec::new(),
            rx,
            writer,
            child,
            master: pair.master,
        }
    }

    /// The window becomes (columns, rows), as a terminal's resize does (SIGWINCH).
    pub fn resize(&mut self, (cols, rows): (u16, u16)) {
        self.parser.screen_mut().set_size(rows, cols);
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize");
    }

    fn pump(&mut self, wait: Duration) -> bool {
        match self.rx.recv_timeout(wait) {
            Ok(bytes) => {
                self.parser.process(&bytes);
                self.raw.extend_from_slice(&bytes);
                true
            }
            Err(_) => false,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Reads output until the screen shows `text`; panics with the screen if it never does.
    pub fn wait_for(&mut self, text: &str) {
        let start = Instant::now();
        while !self.screen().contains(text) {
            if start.elapsed() > PATIENCE {
                panic!("never saw {text:?}; screen:\n{}", self.screen());
            }
            self.pump(Duration::from_millis(100));
        }
    }

    /// Reads until nothing came for `quiet`; returns the number of bytes read.
    pub fn settle(&mut self, quiet: Duration) -> usize {
        let before = self.raw.len();
        while self.pump(quiet) {}
        self.raw.len() - before
    }

    /// Sends a key and returns how many bytes the program wrote in answer: everything until
    /// it has been quiet for a while. Call it when the program is quiet (after [`Pty::settle`]
    /// or another `key_bytes`).
    pub fn key_bytes(&mut self, key: &[u8]) -> usize {
        // A frame goes out in one write: once its first bytes are here, the rest follows at
        // once.
        const QUIET: Duration = Duration::from_millis(100);
        let before = self.raw.len();
        self.send(key);
        self.pump(PATIENCE);
        self.settle(QUIET);
        self.raw.len() - before
    }

    /// CPU time the program used so far, in clock ticks (utime + stime of /proc/PID/stat).
    pub fn cpu_ticks(&self) -> u64 {
        let pid = self.child.process_id().expect("pid");
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
        // The fields after the command name, which is in parentheses and may hold spaces.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).expect("stat format");
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15; `rest` starts at field 3.
        let field = |i: usize| fields[i].parse::<u64>().expect("a number");
        field(11) + field(12)
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Sends `bytes` from another thread, all at once as a fast link or a paste without
    /// bracketed paste would: a program that stops reading cannot block the test. Later
    /// `send`s go nowhere.
    pub fn send_detached(&mut self, bytes: Vec<u8>) {
        let mut writer = std::mem::replace(&mut self.writer, Box::new(std::io::sink()));
        std::thread::spawn(move || {
            let _ = writer.write_all(&bytes);
            let _ = writer.flush();
        });
    }

    /// Waits for the program to exit and reads all it wrote; returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        self.wait_exit_within(PATIENCE)
    }

    /// The same with another bound (a hang, not a timing: a debug build on a busy machine
    /// works through ten thousand keys in seconds).
    pub fn wait_exit_within(&mut self, patience: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Everything it wrote, to the end: the reader stops when the terminal closes,
                // however busy the machine is (a quiet spell is no proof of the end).
                let end = Instant::now() + PATIENCE;
                while let Ok(bytes) = self
                    .rx
                    .recv_timeout(end.saturating_duration_since(Instant::now()))
                {
                    self.parser.process(&bytes);
                    self.raw.extend_from_slice(&bytes);
                }
                return status.exit_code();
            }
            if start.elapsed() > patience {
                let _ = self.child.kill();
                panic!("xconnect did not exit; screen:\n{}", self.screen());
            }
            self.pump(Duration::from_millis(50));
        }
    }

    pub fn signal(&mut self, sig: i32) {
        let pid = self.child.process_id().expect("pid") as i32;
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(pid, sig);
        }
    }

    /// True when the pty is back in cooked mode (echo and line editing on).
    pub fn cooked(&self) -> bool {
        let fd = self.master.as_raw_fd().expect("master fd");
        // SAFETY: tcgetattr fills a zeroed termios for a valid fd.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            libc::tcgetattr(fd, &mut t) == 0
                && t.c_lflag & libc::ICANON != 0
                && t.c_lflag & libc::ECHO != 0
        }
    }

    /// The terminal left the alternate screen and bracketed paste after it last entered them.
    pub fn assert_restored(&self) {
        let raw = String::from_utf8_lossy(&self.raw);
        let entered = raw
            .rfind("\u{1b}[?1049h")
            .expect("entered the alternate screen");
        let left = raw
            .rfind("\u{1b}[?1049l")
            .expect("left the alternate screen");
        assert!(
            left > entered,
            "left the alternate screen last; the end of what was written: {:?}",
            &raw[raw.len().saturating_sub(400)..]
        );
        let paste_on = raw.rfind("\u{1b}[?2004h").expect("bracketed paste on");
        let paste_off = raw.rfind("\u{1b}[?2004l").expect("bracketed paste off");
        assert!(paste_off > paste_on, "bracketed paste off last");
        assert!(!self.parser.screen().alternate_screen());
        assert!(!self.parser.screen().hide_cursor(), "cursor shown again");
        assert!(self.cooked(), "raw mode was turned off");
    }
}
