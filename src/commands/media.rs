//! `xconnect media upload FILE`: X's v2 chunked upload (see [`crate::x::media`]) with the
//! profile's token. The file is checked first (its type from its content, its size against
//! X's limit); each 4 MiB chunk is read from the file as it is sent (memory stays flat
//! whatever the size); a chunk that fails for a network reason or X's trouble (5xx) is sent
//! again with a growing pause, a bounded number of times, without starting over; X's
//! processing of video and GIFs is waited for as X asks (`check_after_secs`), for a bounded
//! time.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt as _;
use tokio::io::AsyncReadExt as _;

use super::progress::Progress;
use super::send::{refused, Answer, Session};
use super::{exit, Failure};
use crate::x::media::{self as xm, Category, MediaType, State, Upload};

/// How many times one chunk is tried in all.
pub const APPEND_TRIES: u32 = 5;
/// The pause before the second try; it doubles for each try after.
pub const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// A chunk's request may take this long (X's default time-out is for small answers, and a
/// 4 MiB chunk over a slow line takes longer), or `XCONNECT_TIMEOUT` when that is longer.
pub const APPEND_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest X's processing is waited for.
pub const MAX_PROCESSING_WAIT: Duration = Duration::from_secs(15 * 60);
/// The pause between two STATUS calls, whatever `check_after_secs` says: at least 1 s, at
/// most 30 s.
const POLL_MIN: u64 = 1;
const POLL_MAX: u64 = 30;
/// Bytes read from the file at a time into a request's body.
const READ_PIECE: usize = 64 * 1024;

/// A file checked for X: where it is, its type (from its content), its size.
#[derive(Debug, Clone)]
pub struct Checked {
    pub path: PathBuf,
    pub media: MediaType,
    pub size: u64,
}

impl Checked {
    /// The name shown in messages and on the progress line.
    pub fn label(&self) -> String {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string());
        crate::text::escape(&name, 80)
    }
}

fn shown(path: &Path) -> String {
    crate::text::escape(&path.display().to_string(), 200)
}

/// Checks a file before anything is sent: a regular file, of a type X takes, within X's limit
/// for that type. Reads only its first bytes.
pub fn check(path: &Path) -> Result<Checked, Failure> {
    let fail = |why: String| Failure::new(exit::FAILURE, format!("{}: {why}", shown(path)));
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".to_string()));
    }
    let mut head = Vec::with_capacity(xm::SNIFF_BYTES);
    file.take(xm::SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| fail(e.to_string()))?;
    let media = xm::sniff(&head).map_err(fail)?;
    xm::check_size(media.kind, meta.len()).map_err(fail)?;
    Ok(Checked {
        path: path.to_path_buf(),
        media,
        size: meta.len(),
    })
}

/// What a scope that was not granted means, and its fix.
pub fn missing_scope(name: &str, scopes: &[&str], what: &str) -> Failure {
    let list = scopes.join(" and ");
    Failure::new(
        exit::NEEDS_REAUTH,
        format!(
            "profile {name:?} cannot {what}: its login was not granted {list}. In the developer portal set the app's App permissions (User authentication settings) to \"Read and write\", then log in again with: xconnect login --profile {name}"
        ),
    )
}

/// X's refusal of an upload step, with the scope's own message when `media.write` is what
/// is missing.
fn upload_refused(session: &Session<'_>, a: &Answer) -> Failure {
    let body = String::from_utf8_lossy(&a.body);
    if a.status == 403
        && (!session.has_scope("media.write")
            || body.contains("media.write")
            || body.contains("not permitted"))
    {
        return missing_scope(session.name(), &["media.write"], "upload media");
    }
    refused(a)
}

fn unreadable(why: String) -> Failure {
    Failure::new(exit::FAILURE, format!("X's answer to the upload: {why}"))
}

/// Whether a failed try is worth another: no answer (network, time-out) or X's trouble.
fn worth_again(result: &Result<Answer, Failure>) -> bool {
    match result {
        Ok(a) => a.status >= 500,
        Err(f) => f.code == exit::UNAVAILABLE,
    }
}

/// One `append`: the segment's bytes streamed from the file, counted as they are read.
fn append_request(
    http: &reqwest::Client,
    url: &url::Url,
    file: &Checked,
    seg: xm::Segment,
    progress: &Arc<dyn Progress>,
) -> Result<reqwest::RequestBuilder, Failure> {
    let fail =
        |e: std::io::Error| Failure::new(exit::FAILURE, format!("{}: {e}", shown(&file.path)));
    let mut f = std::fs::File::open(&file.path).map_err(fail)?;
    f.seek(SeekFrom::Start(seg.offset)).map_err(fail)?;
    let reader = tokio::fs::File::from_std(f).take(seg.len);
    let counter = Arc::clone(progress);
    let stream = tokio_util::io::ReaderStream::with_capacity(reader, READ_PIECE)
        .inspect_ok(move |piece| counter.sent(piece.len() as u64));
    let part =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), seg.len)
            .file_name("media")
            .mime_str("application/octet-stream")
            .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?;
    let form = reqwest::multipart::Form::new()
        .text("segment_index", seg.index.to_string())
        .part("media", part);
    let timeout = APPEND_TIMEOUT.max(crate::x::http::request_timeout());
    Ok(http.post(url.clone()).timeout(timeout).multipart(form))
}

/// Uploads a checked file: initialize, append every chunk, finalize, then wait for X's
/// processing. Returns X's last answer about it (read, and as sent).
pub async fn upload(
    session: &mut Session<'_>,
    warn: &mut (dyn Write + Send),
    file: &Checked,
    category: Option<Category>,
    progress: &Arc<dyn Progress>,
) -> Result<(Upload, Vec<u8>), Failure> {
    let category =
        xm::category_for(file.media.kind, category).map_err(|e| Failure::new(exit::USAGE, e))?;
    let segments =
        xm::segments(file.size, xm::CHUNK).map_err(|e| Failure::new(exit::FAILURE, e))?;
    progress.start(&file.label(), file.size);

    let url = session.url(xm::INITIALIZE_PATH)?;
    let body = xm::initialize_body(file.media, file.size, category);
    let a = session
        .send(warn, |http| Ok(http.post(url.clone()).json(&body)))
        .await?;
    if !a.is_success() {
        return Err(upload_refused(session, &a));
    }
    let id = xm::parse_upload(&a.body).map_err(unreadable)?.id;

    let url = session.url(&xm::append_path(&id))?;
    for seg in segments {
        let mut tries = 0;
        loop {
            tries += 1;
            progress.rewind(seg.offset);
            let result = session
                .send(warn, |http| append_request(http, &url, file, seg, progress))
                .await;
            if tries < APPEND_TRIES && worth_again(&result) {
                tokio::time::sleep(FIRST_PAUSE * 2u32.pow(tries - 1)).await;
                continue;
            }
            let a = result?;
            if !a.is_success() {
                return Err(upload_refused(session, &a));
            }
            break;
        }
    }

    let url = session.url(&xm::finalize_path(&id))?;
    let a = session
        .send(warn, |http| Ok(http.post(url.clone())))
        .await?;
    if !a.is_success() {
        return Err(upload_refused(session, &a));
    }
    let mut last = a.body;
    let mut up = xm::parse_upload(&last).map_err(unreadable)?;

    let deadline = tokio::time::Instant::now() + MAX_PROCESSING_WAIT;
    let mut status_url = session.url(xm::STATUS_PATH)?;
    status_url
        .query_pairs_mut()
        .append_pair("command", "STATUS")
        .append_pair("media_id", &id);
    while let Some(p) = &up.processing {
        match &p.state {
            State::Succeeded => break,
            State::Failed(reason) => {
                return Err(Failure::new(
                    exit::FAILURE,
                    format!(
                        "X could not process {} (media id {id}): {reason}",
                        file.label()
                    ),
                ))
            }
            State::Pending | State::InProgress => {}
        }
        progress.processing(p.progress_percent);
        let pause = p
            .check_after_secs
            .unwrap_or(POLL_MIN)
            .clamp(POLL_MIN, POLL_MAX);
        let next = tokio::time::Instant::now() + Duration::from_secs(pause);
        if next > deadline {
            return Err(Failure::new(
                exit::UNAVAILABLE,
                format!(
                    "X is still processing {} (media id {id}) after {} minutes; look again later with: xconnect api '/2/media/upload?command=STATUS&media_id={id}'",
                    file.label(),
                    MAX_PROCESSING_WAIT.as_secs() / 60
                ),
            ));
        }
        tokio::time::sleep_until(next).await;
        let a = session
            .send(warn, |http| Ok(http.get(status_url.clone())))
            .await?;
        if !a.is_success() {
            return Err(upload_refused(session, &a));
        }
        up = xm::parse_upload(&a.body).map_err(unreadable)?;
        last = a.body;
    }
    progress.finish();
    Ok((up, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16) -> Answer {
        Answer {
            status,
            reason: String::new(),
            version: String::new(),
            headers: reqwest::header::HeaderMap::new(),
            body: Vec::new(),
        }
    }

    #[test]
    fn a_chunk_is_tried_again_for_the_network_and_x_s_trouble_only() {
        assert!(worth_again(&Ok(answer(503))));
        assert!(worth_again(&Ok(answer(500))));
        assert!(worth_again(&Err(Failure::new(
            exit::UNAVAILABLE,
            "no route"
        ))));
        assert!(!worth_again(&Ok(answer(200))));
        assert!(!worth_again(&Ok(answer(400))));
        assert!(
            !worth_again(&Ok(answer(429))),
            "a rate limit waits for its reset"
        );
        assert!(!worth_again(&Err(Failure::new(
            exit::NEEDS_REAUTH,
            "login"
        ))));
        // Five tries, pauses 0.5, 1, 2 and 4 s: under 8 s in all.
        let pauses: Duration = (1..APPEND_TRIES)
            .map(|t| FIRST_PAUSE * 2u32.pow(t - 1))
            .sum();
        assert_eq!(pauses, Duration::from_millis(7500));
    }

    #[test]
    fn files_are_checked_before_anything_is_sent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let png = dir.path().join("shot.bin");
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
        bytes.resize(2000, 0);
        std::fs::write(&png, &bytes).expect("write");
        let c = check(&png).expect("png");
        assert_eq!(c.media.mime, "image/png");
        assert_eq!(c.size, 2000);
        let e = check(dir.path()).expect_err("a folder");
        assert!(e.message.contains("not a regular file"), "{}", e.message);
        let e = check(&dir.path().join("missing.png")).expect_err("missing");
        assert_eq!(e.code, exit::FAILURE);
    }
}
