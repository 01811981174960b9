//! The one way xconnect reads a file: bounded, never through a symbolic link, never waiting on
//! a FIFO or a device, and only from a regular file.
//!
//! The file is opened with `O_NOFOLLOW | O_NONBLOCK | O_NOCTTY` (and `O_CLOEXEC`, as Rust
//! always does): a link is refused at the open, a FIFO opens at once instead of waiting for a
//! writer, and a terminal never becomes the controlling one. What was opened is then checked
//! with `fstat` (not the path again): anything but a regular file is refused unread. At most
//! `max + 1` bytes are read, so a file larger than `max`, or one that grows while it is read,
//! is refused without being held.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Flags for opening a file that may not be what it should: never through a symbolic link,
/// never waiting on a FIFO put in its place, never taking a terminal as the controlling one.
pub const NO_SURPRISES: i32 = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY;

/// Why a file was not read: what follows the path in a message ("is a FIFO, not a regular
/// file").
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("does not exist")]
    NotFound,
    /// A symbolic link: not followed.
    #[error("is a symbolic link, which xconnect does not follow here")]
    Link,
    /// Something other than a regular file; the words say what ("a FIFO", "a folder").
    #[error("is {0}, not a regular file")]
    NotAFile(&'static str),
    /// Larger than the bound: `len` is the size the file says it has, or the bytes read
    /// (the bound and one) when it grew.
    #[error("is larger than {}", size(*.max))]
    TooLarge { len: u64, max: u64 },
    /// The file could not be "opened", "inspected" or "read".
    #[error("could not be {stage}: {error}")]
    Io {
        stage: &'static str,
        error: io::Error,
    },
}

impl ReadError {
    /// Whether there was simply no file.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound)
    }
}

/// "64 KiB", "1 MiB", "300 bytes".
fn size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Whether a link at `path` is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Refused: the file is xconnect's own, in its own folder.
    Refuse,
    /// Followed: a file the person names or keeps where another program looks for it too
    /// (PostgreSQL's password file), which may well be a link.
    Follow,
}

/// The bytes of the regular file at `path` (not a link), at most `max` of them.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    read_with(path, max, Links::Refuse).map(|(bytes, _)| bytes)
}

/// [`read_bounded`], with the file's metadata (from the open file) and a choice about links.
pub fn read_with(path: &Path, max: u64, links: Links) -> Result<(Vec<u8>, Metadata), ReadError> {
    let (file, meta) = open_regular(path, links)?;
    if meta.len() > max {
        return Err(ReadError::TooLarge {
            len: meta.len(),
            max,
        });
    }
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| ReadError::Io {
            stage: "read",
            error,
        })?;
    let len = bytes.len() as u64;
    if len > max {
        return Err(ReadError::TooLarge { len, max });
    }
    Ok((bytes, meta))
}

/// Checks that `path` is a regular file (not a link) without reading it; `Ok` when there is
/// nothing there at all.
pub fn check_regular(path: &Path) -> Result<(), ReadError> {
    match open_regular(path, Links::Refuse) {
        Ok(_) | Err(ReadError::NotFound) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Opens `path` for reading as [`NO_SURPRISES`] says, and refuses what is not a regular file.
fn open_regular(path: &Path, links: Links) -> Result<(File, Metadata), ReadError> {
    let flags = match links {
        Links::Refuse => NO_SURPRISES,
        Links::Follow => NO_SURPRISES & !libc::O_NOFOLLOW,
    };
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(open_error)?;
    let meta = file.metadata().map_err(|error| ReadError::Io {
        stage: "inspected",
        error,
    })?;
    regular(&meta)?;
    Ok((file, meta))
}

/// Why an open with [`NO_SURPRISES`] failed.
pub fn open_error(error: io::Error) -> ReadError {
    match (error.kind(), error.raw_os_error()) {
        (io::ErrorKind::NotFound, _) => ReadError::NotFound,
        (_, Some(libc::ELOOP)) => ReadError::Link,
        // A device without a driver, a socket.
        (_, Some(libc::ENXIO | libc::ENODEV | libc::EOPNOTSUPP)) => {
            ReadError::NotAFile("a device or a socket")
        }
        _ => ReadError::Io {
            stage: "opened",
            error,
        },
    }
}

/// `Ok` for a regular file; otherwise what it is.
pub fn regular(meta: &Metadata) -> Result<(), ReadError> {
    let kind = meta.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "something else"
    };
    Err(ReadError::NotAFile(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkfifo(path: &Path) {
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            path,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .expect("mkfifo");
    }

    #[test]
    fn only_a_regular_file_within_the_bound_is_read() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path();
        let file = dir.join("file");
        std::fs::write(&file, b"hello").expect("write");
        assert_eq!(read_bounded(&file, 5).expect("read"), b"hello");
        let e = read_bounded(&file, 4).expect_err("too large");
        assert!(matches!(e, ReadError::TooLarge { len: 5, max: 4 }), "{e:?}");
        assert_eq!(e.to_string(), "is larger than 4 bytes");
        assert!(read_bounded(&dir.join("none"), 5)
            .expect_err("missing")
            .is_not_found());
        check_regular(&dir.join("none")).expect("nothing there is fine");

        let fifo = dir.join("fifo");
        mkfifo(&fifo);
        let e = read_bounded(&fifo, 5).expect_err("fifo");
        assert_eq!(e.to_string(), "is a FIFO, not a regular file");
        assert!(check_regular(&fifo).is_err());

        let zero = dir.join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
        assert!(matches!(read_bounded(&zero, 5), Err(ReadError::Link)));
        assert!(matches!(
            read_with(&zero, 5, Links::Follow),
            Err(ReadError::NotAFile("a device"))
        ));
        let linked = dir.join("linked");
        std::os::unix::fs::symlink(&file, &linked).expect("symlink");
        assert!(matches!(read_bounded(&linked, 5), Err(ReadError::Link)));
        assert_eq!(
            read_with(&linked, 5, Links::Follow).expect("followed").0,
            b"hello"
        );
        assert!(matches!(
            read_bounded(dir, 5),
            Err(ReadError::NotAFile("a folder"))
        ));
    }
}
