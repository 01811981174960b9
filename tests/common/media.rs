//! Media files made in the tests: the first bytes of each type (what X's and xconnect's
//! sniffing read), then filler. Written piece by piece, so a large one costs no memory.

use std::io::Write;
use std::path::Path;

/// A PNG signature and IHDR chunk.
pub const PNG_HEAD: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa";
/// A GIF89a header and logical screen.
pub const GIF_HEAD: &[u8] = b"GIF89a\x10\0\x10\0\x80\0\0";

/// The head of an MP4 of `len` bytes: an `ftyp` box (isom, mp41) and an `mdat` box holding
/// the rest.
pub fn mp4_head(len: u64) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&24u32.to_be_bytes());
    b.extend_from_slice(b"ftypisom");
    b.extend_from_slice(&0x200u32.to_be_bytes());
    b.extend_from_slice(b"isommp41");
    let rest = u32::try_from(len.saturating_sub(24)).unwrap_or(1);
    b.extend_from_slice(&rest.to_be_bytes());
    b.extend_from_slice(b"mdat");
    b
}

/// An MP4 whose `ftyp` is right but whose next box is not a box: sniffed as a video, refused
/// by X's processing.
pub fn broken_mp4_head(len: u64) -> Vec<u8> {
    let mut b = mp4_head(len);
    b[24..32].copy_from_slice(b"\xff\xff\xff\xffjunk");
    b
}

/// Writes `head`, then filler up to `len` bytes.
pub fn write_file(path: &Path, head: &[u8], len: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    f.write_all(head).expect("write");
    let filler = [0x5au8; 64 * 1024];
    let mut left = len.saturating_sub(head.len() as u64);
    while left > 0 {
        let n = left.min(filler.len() as u64) as usize;
        f.write_all(&filler[..n]).expect("write");
        left -= n as u64;
    }
    f.flush().expect("flush");
}

pub fn write_png(path: &Path, len: u64) {
    write_file(path, PNG_HEAD, len);
}

pub fn write_gif(path: &Path, len: u64) {
    write_file(path, GIF_HEAD, len);
}

pub fn write_mp4(path: &Path, len: u64) {
    write_file(path, &mp4_head(len), len);
}
