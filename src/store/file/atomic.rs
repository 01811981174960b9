//! Atomic writes and what a killed one leaves: a new temporary file in the same folder,
//! written and flushed, renamed over the target; a temporary file that a killed process left
//! complete is promoted under the profile's lock, and one left incomplete is swept.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::{Store, MAX_PROFILE_BYTES};
use crate::profile::{parse_bytes, show_path};

/// Writes a private file (mode 0600) atomically into `dir`, which is created with mode 0700
/// when missing. Used for files that live beside the profiles (the interrupted-session file).
pub fn write_private(dir: &Path, file_name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", show_path(dir)))?;
    sweep_stale_temps(dir, |t| t == file_name, Keep::Nothing);
    write_atomic(dir, file_name, bytes, Replace::Yes).map_err(|e| match e {
        WriteError::Exists(p) => format!("{} exists", show_path(&p)),
        WriteError::Io(e) => e,
    })
}

/// Flushes a folder's entries (a rename or removal in it) to disk.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir)?.sync_all() {
        // Some file systems cannot sync a folder; there is nothing more to do.
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        other => other,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Replace {
    Yes,
    No,
}

pub(super) enum WriteError {
    Exists(PathBuf),
    Io(String),
}

/// The first 8 bytes of the SHA-256 of `bytes`, in hex: what a temporary file's name says
/// it holds once complete.
fn short_sum(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `dir/file_name` atomically with mode 0600: a new temporary file in `dir`
/// (`.<file_name>.tmp-<pid>-<checksum>-<random>`, created exclusively with mode 0600),
/// written and flushed, then renamed over the target (with `Replace::No`, moved only if the
/// target does not exist), then the folder is flushed.
///
/// `tempfile` makes and names the file and removes it on any failure before the rename.
pub(super) fn write_atomic(
    dir: &Path,
    file_name: &str,
    bytes: &[u8],
    replace: Replace,
) -> Result<PathBuf, WriteError> {
    let target = dir.join(file_name);
    let io = |what: &str, path: &Path, e: io::Error| {
        WriteError::Io(format!("cannot {what} {}: {e}", show_path(path)))
    };
    let mut temp = private_temp(dir, file_name, &short_sum(bytes))?;
    temp.write_all(bytes)
        .map_err(|e| io("write", temp.path(), e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| io("flush to disk", temp.path(), e))?;
    // From here the temporary file is complete: a process killed now leaves it for the next
    // one to promote (see `Store::recover`).
    let moved = match replace {
        Replace::Yes => temp.persist(&target),
        Replace::No => temp.persist_noclobber(&target),
    };
    if let Err(e) = moved {
        if replace == Replace::No && e.error.kind() == io::ErrorKind::AlreadyExists {
            return Err(WriteError::Exists(target));
        }
        return Err(WriteError::Io(format!(
            "cannot move {} to {}: {}",
            show_path(e.file.path()),
            show_path(&target),
            e.error
        )));
    }
    sync_dir(dir).map_err(|e| {
        WriteError::Io(format!(
            "wrote {} but could not flush its folder to disk: {e}",
            show_path(&target)
        ))
    })?;
    Ok(target)
}

/// What a save needs on disk, taken before the answer it will hold is asked for: X rotates the
/// refresh token when it answers, so a save that fails after that (a full disk) loses the only
/// token that works. A temporary file named with the all-zero checksum (incomplete to any
/// sweep), `size` bytes allocated and flushed; [`write_reserved`] writes into those bytes.
/// Dropped unused, it is removed.
#[derive(Debug)]
pub struct Reservation {
    temp: tempfile::NamedTempFile,
}

/// The checksum in a reservation's name: matches no content, so a reservation left by a
/// killed process is swept as incomplete.
const NO_SUM: &str = "0000000000000000";

/// A new temporary file in `dir` for `file_name`, named `.<file_name>.tmp-<pid>-<sum>-<random>`
/// (see [`parse_temp_name`]), created exclusively with mode exactly 0600 (the umask may have
/// narrowed it).
fn private_temp(
    dir: &Path,
    file_name: &str,
    sum: &str,
) -> Result<tempfile::NamedTempFile, WriteError> {
    let io = |what: &str, path: &Path, e: io::Error| {
        WriteError::Io(format!("cannot {what} {}: {e}", show_path(path)))
    };
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}.tmp-{}-{sum}-", std::process::id()))
        .rand_bytes(12)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| io("create a temporary file in", dir, e))?;
    temp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| io("set the mode of", temp.path(), e))?;
    Ok(temp)
}

/// Reserves `size` bytes for the next save of `dir/file_name` (see [`Reservation`]).
pub(super) fn reserve(dir: &Path, file_name: &str, size: u64) -> Result<Reservation, WriteError> {
    let io = |what: &str, path: &Path, e: io::Error| {
        WriteError::Io(format!("cannot {what} {}: {e}", show_path(path)))
    };
    let temp = private_temp(dir, file_name, NO_SUM)?;
    let allocated =
        rustix::fs::fallocate(temp.as_file(), rustix::fs::FallocateFlags::empty(), 0, size);
    match allocated {
        Ok(()) => {}
        // A file system that cannot allocate ahead: zeros take the space instead.
        Err(rustix::io::Errno::OPNOTSUPP | rustix::io::Errno::NOSYS) => {
            let zeros = vec![0u8; usize::try_from(size).unwrap_or(usize::MAX).min(1 << 20)];
            temp.as_file()
                .write_all_at(&zeros, 0)
                .map_err(|e| io("reserve space in", temp.path(), e))?;
        }
        Err(e) => return Err(io("reserve space in", temp.path(), e.into())),
    }
    temp.as_file()
        .sync_all()
        .map_err(|e| io("flush to disk", temp.path(), e))?;
    Ok(Reservation { temp })
}

/// Writes `dir/file_name` atomically into the space `reserved` holds: the bytes go into the
/// reserved file (no new block is needed while they fit), it is flushed, linked under the
/// name that carries their checksum (so that a process killed from here leaves a complete
/// file the next one promotes), and that name is renamed over the target.
pub(super) fn write_reserved(
    reserved: Reservation,
    dir: &Path,
    file_name: &str,
    bytes: &[u8],
) -> Result<PathBuf, WriteError> {
    let target = dir.join(file_name);
    let temp = reserved.temp;
    let io = |what: &str, path: &Path, e: io::Error| {
        WriteError::Io(format!("cannot {what} {}: {e}", show_path(path)))
    };
    let file = temp.as_file();
    file.set_len(bytes.len() as u64)
        .map_err(|e| io("write", temp.path(), e))?;
    file.write_all_at(bytes, 0)
        .map_err(|e| io("write", temp.path(), e))?;
    file.sync_all()
        .map_err(|e| io("flush to disk", temp.path(), e))?;
    let random: String = temp
        .path()
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.rsplit('-').next())
        .unwrap_or("r")
        .to_string();
    let complete = dir.join(format!(
        ".{file_name}.tmp-{}-{}-{random}",
        std::process::id(),
        short_sum(bytes)
    ));
    fs::hard_link(temp.path(), &complete).map_err(|e| io("link", &complete, e))?;
    drop(temp);
    if let Err(e) = fs::rename(&complete, &target) {
        let _ = fs::remove_file(&complete);
        return Err(WriteError::Io(format!(
            "cannot move {} to {}: {e}",
            show_path(&complete),
            show_path(&target)
        )));
    }
    sync_dir(dir).map_err(|e| {
        WriteError::Io(format!(
            "wrote {} but could not flush its folder to disk: {e}",
            show_path(&target)
        ))
    })?;
    Ok(target)
}

/// A temporary file's name, taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TempName<'a> {
    /// The file it was to become, e.g. `work.toml`.
    target: &'a str,
    pid: libc::pid_t,
    /// What the complete file's checksum is ([`short_sum`]); `None` in the names of older
    /// versions, whose leftovers are never taken as complete.
    sum: Option<[u8; 8]>,
}

/// Reads `.<target>.tmp-<pid>-<16 hex digits>-<random letters and digits>`, or the older
/// `.<target>.tmp-<pid>-<16 hex digits>` (no checksum).
fn parse_temp_name(file_name: &str) -> Option<TempName<'_>> {
    let rest = file_name.strip_prefix('.')?;
    let (target, tail) = rest.rsplit_once(".tmp-")?;
    let (pid, tail) = tail.split_once('-')?;
    if target.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pid: libc::pid_t = pid.parse().ok().filter(|&p| p > 0)?;
    let hex16 = |s: &str| -> Option<[u8; 8]> {
        if s.len() != 16 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut out = [0u8; 8];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(out)
    };
    let sum = match tail.split_once('-') {
        None => {
            hex16(tail)?;
            None
        }
        Some((sum, random)) => {
            if random.is_empty()
                || random.len() > 32
                || !random.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return None;
            }
            Some(hex16(sum)?)
        }
    };
    Some(TempName { target, pid, sum })
}

fn process_is_gone(pid: libc::pid_t) -> bool {
    // Signal 0 only checks whether the process exists; a pid > 0 never names a group.
    rustix::process::Pid::from_raw(pid)
        .is_some_and(|pid| rustix::process::test_kill_process(pid) == Err(rustix::io::Errno::SRCH))
}

/// When the temporary file at `path` is complete (a regular file whose bytes match the
/// checksum in its name, and, for a profile, a valid one), the time it was written.
fn complete_temp(path: &Path, sum: Option<[u8; 8]>, profile: bool) -> Option<SystemTime> {
    let sum = sum?;
    let (bytes, meta) =
        crate::fsread::read_with(path, MAX_PROFILE_BYTES, crate::fsread::Links::Refuse).ok()?;
    if Sha256::digest(&bytes)[..8] != sum || (profile && parse_bytes(&bytes).is_err()) {
        return None;
    }
    meta.modified().ok()
}

/// What a sweep leaves of dead processes' temporary files.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Keep {
    /// Complete ones: they wait for their profile's lock, to be promoted.
    Complete,
    Nothing,
}

/// Removes temporary files that processes killed during a save left behind, for the targets
/// `ours` accepts.
pub(super) fn sweep_stale_temps(dir: &Path, ours: impl Fn(&str) -> bool, keep: Keep) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let Ok(file_name) = entry.file_name().into_string() else {
            continue;
        };
        let Some(temp) = parse_temp_name(&file_name) else {
            continue;
        };
        if !ours(temp.target)
            || !entry.file_type().is_ok_and(|t| t.is_file())
            || !process_is_gone(temp.pid)
        {
            continue;
        }
        let path = entry.path();
        if keep == Keep::Complete && complete_temp(&path, temp.sum, true).is_some() {
            continue;
        }
        let _ = fs::remove_file(path);
    }
}

impl Store {
    /// Under profile `name`'s lock: a temporary file that a process killed during a save left
    /// complete (checksum right, a valid profile) holds what that process meant to write,
    /// perhaps the only live refresh token. The newest such file is renamed over the profile
    /// when it is at least as new as the profile (or there is none); older and incomplete
    /// leftovers of dead processes are removed.
    pub(super) fn recover(&self, name: &str) {
        let dir = self.profiles_dir();
        let file_name = format!("{name}.toml");
        let Ok(entries) = fs::read_dir(&dir) else {
            return;
        };
        let mut complete: Vec<(SystemTime, PathBuf)> = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let Ok(entry_name) = entry.file_name().into_string() else {
                continue;
            };
            let Some(temp) = parse_temp_name(&entry_name) else {
                continue;
            };
            if temp.target != file_name || !process_is_gone(temp.pid) {
                continue;
            }
            let path = entry.path();
            match complete_temp(&path, temp.sum, true) {
                Some(modified) => complete.push((modified, path)),
                None => {
                    let _ = fs::remove_file(&path);
                }
            }
        }
        complete.sort();
        let Some((newest_time, newest)) = complete.pop() else {
            return;
        };
        for (_, older) in complete {
            let _ = fs::remove_file(older);
        }
        let target = dir.join(&file_name);
        let current = match fs::symlink_metadata(&target) {
            // Left as it is: reading and writing the profile refuse it with a message.
            Ok(meta) if !meta.is_file() => return,
            Ok(meta) => meta.modified().ok(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(_) => return,
        };
        if current.is_some_and(|t| t > newest_time) {
            let _ = fs::remove_file(&newest);
            return;
        }
        if fs::rename(&newest, &target).is_ok() {
            let _ = sync_dir(&dir);
            if !self.quiet {
                eprintln!(
                    "note: recovered {}: a save that was stopped before its end had written it completely",
                    show_path(&target)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::Purpose;
    use super::*;
    use crate::profile::samples::{native_minimal, web_full};
    use std::time::Duration;

    /// What a process killed after its temporary file was complete leaves behind.
    fn leave_temp(dir: &Path, file_name: &str, bytes: &[u8], pid: u32) -> PathBuf {
        let path = dir.join(format!(
            ".{file_name}.tmp-{pid}-{}-AbC123",
            short_sum(bytes)
        ));
        write_file(&path, bytes);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    fn set_age(path: &Path, seconds_ago: u64) {
        let when = SystemTime::now() - Duration::from_secs(seconds_ago);
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }

    #[test]
    fn stale_temp_files_of_dead_processes_are_swept() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        let dead = dead_pid();
        let live = std::process::id();
        let stale = format!(".work.toml.tmp-{dead}-0123456789abcdef");
        let stale_other = format!(".other.toml.tmp-{dead}-fedcba9876543210");
        let in_use = format!(".work.toml.tmp-{live}-0123456789abcdef");
        let not_ours = [
            format!(".work.toml.tmp-{dead}-short"),
            format!("work.toml.tmp-{dead}-0123456789abcdef"),
            format!(".notes.txt.tmp-{dead}-0123456789abcdef"),
            ".work.toml.tmp-0-0123456789abcdef".to_string(),
        ];
        for name in [&stale, &stale_other, &in_use].into_iter().chain(&not_ours) {
            write_file(&dir.join(name), b"partial");
        }
        store.save("work", &native_minimal(), false).unwrap();
        let left = dir_names(&dir);
        assert!(!left.contains(&stale), "{left:?}");
        assert!(!left.contains(&stale_other), "{left:?}");
        assert!(left.contains(&in_use), "{left:?}");
        for name in &not_ours {
            assert!(left.contains(name), "{left:?}");
        }

        // The default file's folder is swept the same way, for its own name only.
        let root_stale = format!(".default.tmp-{dead}-0123456789abcdef");
        let root_foreign = format!(".bashrc.tmp-{dead}-0123456789abcdef");
        write_file(&store.root().join(&root_stale), b"x");
        write_file(&store.root().join(&root_foreign), b"x");
        store.set_default("work").unwrap();
        let left = dir_names(store.root());
        assert!(!left.contains(&root_stale), "{left:?}");
        assert!(left.contains(&root_foreign), "{left:?}");
    }

    #[test]
    fn temp_names_are_parsed_strictly() {
        // The names older versions wrote: never complete.
        assert_eq!(
            parse_temp_name(".a.toml.tmp-42-0123456789abcdef"),
            Some(TempName {
                target: "a.toml",
                pid: 42,
                sum: None
            })
        );
        assert_eq!(
            parse_temp_name(".default.tmp-7-ffffffffffffffff"),
            Some(TempName {
                target: "default",
                pid: 7,
                sum: None
            })
        );
        // With the checksum of the complete file.
        assert_eq!(
            parse_temp_name(".a.toml.tmp-42-0123456789abcdef-Xy7k2Q"),
            Some(TempName {
                target: "a.toml",
                pid: 42,
                sum: Some([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef])
            })
        );
        for bad in [
            "a.toml.tmp-42-0123456789abcdef",
            "..tmp-42-0123456789abcdef",
            ".a.toml.tmp--0123456789abcdef",
            ".a.toml.tmp-0-0123456789abcdef",
            ".a.toml.tmp-+4-0123456789abcdef",
            ".a.toml.tmp-99999999999-0123456789abcdef",
            ".a.toml.tmp-42-0123456789ABCDEF",
            ".a.toml.tmp-42-0123",
            ".a.toml",
            ".a.toml.tmp-42-0123456789abcdef-",
            ".a.toml.tmp-42-0123456789abcdeg-abc",
            ".a.toml.tmp-42-0123456789abcdef-a.b",
            ".a.toml.tmp-42-0123456789abcde-abc",
        ] {
            assert_eq!(parse_temp_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn concurrent_saves_never_show_a_partial_file() {
        let (_tmp, store) = temp_store();
        store.save("busy", &native_minimal(), true).unwrap();
        let writers: Vec<_> = [native_minimal(), web_full()]
            .into_iter()
            .map(|profile| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        store.save("busy", &profile, true).unwrap();
                    }
                })
            })
            .collect();
        for _ in 0..50 {
            let profile = store.load("busy").unwrap().profile;
            assert!(profile == native_minimal() || profile == web_full());
        }
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(dir_names(&store.profiles_dir()), ["busy.toml"]);
    }

    #[test]
    fn a_complete_save_left_by_a_killed_process_is_promoted_under_the_lock() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        store.save("work", &native_minimal(), false).unwrap();
        set_age(&dir.join("work.toml"), 60);
        let newer = web_full().to_toml().unwrap();
        let temp = leave_temp(&dir, "work.toml", newer.as_bytes(), dead_pid());
        // Reading alone changes nothing.
        assert_eq!(store.load("work").unwrap().profile, native_minimal());
        assert!(temp.exists());

        let mut lock = store.lock("work", Purpose::Refresh).unwrap();
        assert!(!temp.exists());
        assert_eq!(lock.load().unwrap().profile, web_full());
        assert_eq!(mode_of(&dir.join("work.toml")), 0o600);
        drop(lock);
        assert_eq!(dir_names(&dir), ["work.toml"], "no lock file left either");

        // The first save of a profile, killed before its rename: there is no file to be newer.
        leave_temp(&dir, "fresh.toml", newer.as_bytes(), dead_pid());
        store.lock("fresh", Purpose::Refresh).unwrap();
        assert_eq!(store.load("fresh").unwrap().profile, web_full());
    }

    #[test]
    fn leftovers_that_are_incomplete_older_or_still_being_written_are_not_promoted() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        store.save("work", &native_minimal(), false).unwrap();
        let text = web_full().to_toml().unwrap();
        let dead = dead_pid();

        // Cut short: the checksum does not match. A valid profile that is only a prefix of
        // what was to be written (no [status], say) is caught the same way.
        let cut = &text.as_bytes()[..text.find("[status]").unwrap()];
        assert!(parse_bytes(cut).is_ok(), "the cut still reads as a profile");
        let short = dir.join(format!(
            ".work.toml.tmp-{dead}-{}-AbC123",
            short_sum(text.as_bytes())
        ));
        write_file(&short, cut);
        // Complete, but older than the profile (someone wrote the profile since).
        let older = leave_temp(&dir, "work.toml", text.as_bytes(), dead);
        fs::rename(
            &older,
            dir.join(format!(
                ".work.toml.tmp-{dead}-{}-Old111",
                short_sum(text.as_bytes())
            )),
        )
        .unwrap();
        let older = dir.join(format!(
            ".work.toml.tmp-{dead}-{}-Old111",
            short_sum(text.as_bytes())
        ));
        set_age(&older, 3600);
        // Complete, but its checksum is not a profile's.
        let junk = leave_temp(&dir, "work.toml", b"not = [a profile", dead);
        // Written by a live process: not ours to touch.
        let live = leave_temp(&dir, "work.toml", text.as_bytes(), std::process::id());
        // An older version's name: never taken as complete.
        let legacy = dir.join(format!(".work.toml.tmp-{dead}-0123456789abcdef"));
        write_file(&legacy, text.as_bytes());

        drop(store.lock("work", Purpose::Refresh).unwrap());
        assert_eq!(store.load("work").unwrap().profile, native_minimal());
        for gone in [&short, &older, &junk, &legacy] {
            assert!(!gone.exists(), "{gone:?}");
        }
        assert!(live.exists());
    }

    #[test]
    fn another_profiles_complete_leftover_waits_for_its_own_lock() {
        let (_tmp, store) = temp_store();
        let dir = store.profiles_dir();
        let text = web_full().to_toml().unwrap();
        let dead = dead_pid();
        let complete = leave_temp(&dir, "other.toml", text.as_bytes(), dead);
        let partial = dir.join(format!(".other.toml.tmp-{dead}-{}-AbC123", short_sum(b"x")));
        write_file(&partial, b"partial");

        store.save("work", &native_minimal(), false).unwrap();
        assert!(complete.exists(), "kept for the lock of \"other\"");
        assert!(!partial.exists(), "an incomplete one is swept by any save");
        drop(store.lock("other", Purpose::Save).unwrap());
        assert_eq!(store.load("other").unwrap().profile, web_full());
    }
}
