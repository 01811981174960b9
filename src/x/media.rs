//! X's v2 chunked media upload, as data: what a file is (from its first bytes, never its
//! name), X's size limits and categories, how a file is cut into `append` segments, the
//! `initialize` body and the answers (`data` with `processing_info`). The requests themselves
//! are sent by `commands::media`.
//!
//! The protocol: `POST /2/media/upload/initialize` (`media_type`, `total_bytes`,
//! `media_category`) → `data.id`; `POST /2/media/upload/{id}/append` (multipart: `media`,
//! `segment_index` 0…999) per chunk; `POST /2/media/upload/{id}/finalize`; then, for video and
//! GIFs, `GET /2/media/upload?command=STATUS&media_id=ID` after `check_after_secs` until the
//! state is `succeeded` or `failed`.

use serde_json::Value;

pub const INITIALIZE_PATH: &str = "/2/media/upload/initialize";
/// `GET` with `command=STATUS&media_id=ID`.
pub const STATUS_PATH: &str = "/2/media/upload";

/// `/2/media/upload/{id}/append`.
pub fn append_path(id: &str) -> String {
    format!("/2/media/upload/{id}/append")
}

/// `/2/media/upload/{id}/finalize`.
pub fn finalize_path(id: &str) -> String {
    format!("/2/media/upload/{id}/finalize")
}

/// The size of each `append` (as X's own CLI sends them).
pub const CHUNK: u64 = 4 << 20;
/// X numbers segments 0 to 999.
pub const MAX_SEGMENTS: u64 = 1000;
/// How many first bytes [`sniff`] looks at.
pub const SNIFF_BYTES: usize = 512;

/// What X counts a file as: limits, categories and the mix a post may carry differ by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Image,
    Gif,
    Video,
}

impl Kind {
    /// X's largest file of this kind: image 5 MB, GIF 15 MB, video 512 MB.
    pub fn limit(self) -> u64 {
        match self {
            Kind::Image => 5 << 20,
            Kind::Gif => 15 << 20,
            Kind::Video => 512 << 20,
        }
    }

    /// The limit as X's documentation writes it.
    pub fn limit_words(self) -> &'static str {
        match self {
            Kind::Image => "5 MB",
            Kind::Gif => "15 MB",
            Kind::Video => "512 MB",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Gif => "GIF",
            Kind::Video => "video",
        }
    }

    /// The category for a post, when none is given.
    pub fn default_category(self) -> Category {
        match self {
            Kind::Image => Category::TweetImage,
            Kind::Gif => Category::TweetGif,
            Kind::Video => Category::TweetVideo,
        }
    }
}

/// A file's type as X is told it (`media_type`) and what X counts it as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType {
    pub mime: &'static str,
    pub kind: Kind,
}

/// The type of a file from its first bytes ([`SNIFF_BYTES`] are enough): the images X takes
/// (JPEG, PNG, WEBP), GIF, and video (MP4, QuickTime). Anything else is refused with what it
/// looks like, when that is known.
pub fn sniff(head: &[u8]) -> Result<MediaType, String> {
    let found = infer::get(head);
    let (mime, kind) = match found.map(|t| t.mime_type()) {
        Some("image/jpeg") => ("image/jpeg", Kind::Image),
        Some("image/png") => ("image/png", Kind::Image),
        Some("image/webp") => ("image/webp", Kind::Image),
        Some("image/gif") => ("image/gif", Kind::Gif),
        Some("video/mp4") => ("video/mp4", Kind::Video),
        Some("video/quicktime") => ("video/quicktime", Kind::Video),
        Some(other) => {
            return Err(format!(
                "it looks like {other}, which X does not take: X takes JPEG, PNG and WEBP images, GIFs, and MP4 or MOV videos"
            ))
        }
        None => {
            return Err(
                "its content is not a type X takes (JPEG, PNG, WEBP, GIF, MP4, MOV); the type is read from the file's first bytes, not its name".to_string(),
            )
        }
    };
    Ok(MediaType { mime, kind })
}

/// Checks a file's size against X's limit for its kind, before anything is sent.
pub fn check_size(kind: Kind, bytes: u64) -> Result<(), String> {
    if bytes == 0 {
        return Err("the file is empty".to_string());
    }
    if bytes > kind.limit() {
        return Err(format!(
            "the file is {}, over X's limit for {} of {} ({} bytes)",
            size_words(bytes),
            plural(kind),
            kind.limit_words(),
            kind.limit()
        ));
    }
    Ok(())
}

fn plural(kind: Kind) -> &'static str {
    match kind {
        Kind::Image => "images",
        Kind::Gif => "GIFs",
        Kind::Video => "videos",
    }
}

/// "12.3 MB" (MiB, as X's limits are counted), "269.1 KB" under 1 MiB, bytes under 1 KiB.
pub fn size_words(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} bytes"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / (1u64 << 20) as f64),
    }
}

/// X's `media_category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    TweetImage,
    TweetGif,
    TweetVideo,
    AmplifyVideo,
    DmImage,
    DmGif,
    DmVideo,
    Subtitles,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::TweetImage,
        Category::TweetGif,
        Category::TweetVideo,
        Category::AmplifyVideo,
        Category::DmImage,
        Category::DmGif,
        Category::DmVideo,
        Category::Subtitles,
    ];

    /// X's word.
    pub fn name(self) -> &'static str {
        match self {
            Category::TweetImage => "tweet_image",
            Category::TweetGif => "tweet_gif",
            Category::TweetVideo => "tweet_video",
            Category::AmplifyVideo => "amplify_video",
            Category::DmImage => "dm_image",
            Category::DmGif => "dm_gif",
            Category::DmVideo => "dm_video",
            Category::Subtitles => "subtitles",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The kind of file the category is for (`None`: subtitles, which xconnect does not send).
    pub fn kind(self) -> Option<Kind> {
        match self {
            Category::TweetImage | Category::DmImage => Some(Kind::Image),
            Category::TweetGif | Category::DmGif => Some(Kind::Gif),
            Category::TweetVideo | Category::AmplifyVideo | Category::DmVideo => Some(Kind::Video),
            Category::Subtitles => None,
        }
    }
}

/// The category to send: the one given, when it fits the file, or the kind's own.
pub fn category_for(kind: Kind, given: Option<Category>) -> Result<Category, String> {
    let Some(c) = given else {
        return Ok(kind.default_category());
    };
    match c.kind() {
        Some(k) if k == kind => Ok(c),
        // A GIF may go as an image (a still first frame), as X allows.
        Some(Kind::Image) if kind == Kind::Gif => Ok(c),
        Some(_) => {
            let fits: Vec<&str> = Category::ALL
                .into_iter()
                .filter(|o| o.kind() == Some(kind))
                .map(Category::name)
                .collect();
            Err(format!(
                "--category {} is for another kind of file; this one is {} {}: give {}",
                c.name(),
                article(kind),
                kind.word(),
                fits.join(", ")
            ))
        }
        None => Err(
            "--category subtitles: xconnect uploads images, GIFs and videos, not subtitle files"
                .to_string(),
        ),
    }
}

fn article(kind: Kind) -> &'static str {
    match kind {
        Kind::Image => "an",
        Kind::Gif | Kind::Video => "a",
    }
}

/// The body of `initialize`.
pub fn initialize_body(media: MediaType, total_bytes: u64, category: Category) -> Value {
    serde_json::json!({
        "media_type": media.mime,
        "total_bytes": total_bytes,
        "media_category": category.name(),
    })
}

/// One `append`: its `segment_index`, and where its bytes are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub index: u32,
    pub offset: u64,
    pub len: u64,
}

/// The segments of a file of `total` bytes, cut every `chunk` bytes (the last one shorter).
/// `Err` when that makes more than X's 1000 segments.
pub fn segments(total: u64, chunk: u64) -> Result<Vec<Segment>, String> {
    let chunk = chunk.max(1);
    let count = total.div_ceil(chunk);
    if count > MAX_SEGMENTS {
        return Err(format!(
            "{} in pieces of {} would be {count} segments; X takes at most {MAX_SEGMENTS}",
            size_words(total),
            size_words(chunk)
        ));
    }
    Ok((0..count)
        .map(|i| Segment {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            offset: i * chunk,
            len: chunk.min(total - i * chunk),
        })
        .collect())
}

/// Where X's processing of an upload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Pending,
    InProgress,
    Succeeded,
    /// X's reason, cleaned.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processing {
    pub state: State,
    pub check_after_secs: Option<u64>,
    pub progress_percent: Option<u8>,
}

/// X's `data` for an upload (initialize, finalize, STATUS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: String,
    pub media_key: Option<String>,
    pub expires_after_secs: Option<u64>,
    /// `None`: nothing to wait for (images).
    pub processing: Option<Processing>,
}

/// Reads X's answer; `Err` says what is missing, without quoting it.
pub fn parse_upload(body: &[u8]) -> Result<Upload, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|_| "X's answer is not JSON".to_string())?;
    let data = v
        .get("data")
        .ok_or_else(|| "X's answer has no data".to_string())?;
    let id = match data.get("id").or_else(|| data.get("media_id_string")) {
        Some(Value::String(s)) if is_id(s) => s.clone(),
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        _ => return Err("X's answer has no media id".to_string()),
    };
    let media_key = data
        .get("media_key")
        .and_then(Value::as_str)
        .filter(|k| k.len() <= 64 && crate::text::is_visible_ascii(k))
        .map(str::to_string);
    let expires_after_secs = data.get("expires_after_secs").and_then(Value::as_u64);
    let processing = match data.get("processing_info") {
        None | Some(Value::Null) => None,
        Some(p) => Some(parse_processing(p)?),
    };
    Ok(Upload {
        id,
        media_key,
        expires_after_secs,
        processing,
    })
}

fn parse_processing(p: &Value) -> Result<Processing, String> {
    let state = match p.get("state").and_then(Value::as_str) {
        Some("pending") => State::Pending,
        Some("in_progress") => State::InProgress,
        Some("succeeded") => State::Succeeded,
        Some("failed") => State::Failed(failure_reason(p)),
        Some(other) => {
            return Err(format!(
                "X's processing state {:?} is not one xconnect knows",
                crate::text::clean_short(other, 40)
            ))
        }
        None => return Err("X's processing_info has no state".to_string()),
    };
    Ok(Processing {
        state,
        check_after_secs: p.get("check_after_secs").and_then(Value::as_u64),
        progress_percent: p
            .get("progress_percent")
            .and_then(Value::as_u64)
            .map(|n| n.min(100) as u8),
    })
}

/// `processing_info.error`: its `message` (and `name`), cleaned.
fn failure_reason(p: &Value) -> String {
    let e = p.get("error");
    let s = |k: &str| {
        e.and_then(|e| e.get(k))
            .and_then(Value::as_str)
            .map(|t| crate::text::clean_short(t, 300))
            .filter(|t| !t.is_empty())
    };
    match (s("name"), s("message")) {
        (Some(n), Some(m)) => format!("{n}: {m}"),
        (None, Some(m)) => m,
        (Some(n), None) => n,
        (None, None) => "X gave no reason".to_string(),
    }
}

/// X's ids are digits.
pub fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first bytes of an MP4: an `ftyp` box (isom) and the head of an `mdat` box.
    pub(crate) fn mp4_head() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&24u32.to_be_bytes());
        b.extend_from_slice(b"ftypisom");
        b.extend_from_slice(&512u32.to_be_bytes());
        b.extend_from_slice(b"isommp41");
        b.extend_from_slice(&1000u32.to_be_bytes());
        b.extend_from_slice(b"mdat");
        b.resize(64, 0);
        b
    }

    #[test]
    fn the_type_comes_from_the_content_not_the_name() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
        assert_eq!(
            sniff(png),
            Ok(MediaType {
                mime: "image/png",
                kind: Kind::Image
            })
        );
        let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01";
        assert_eq!(sniff(jpeg).map(|m| m.mime), Ok("image/jpeg"));
        assert_eq!(
            sniff(b"GIF89a\x01\0\x01\0\0\0\0").map(|m| m.kind),
            Ok(Kind::Gif)
        );
        assert_eq!(
            sniff(b"RIFF\x24\0\0\0WEBPVP8 ").map(|m| m.mime),
            Ok("image/webp")
        );
        assert_eq!(
            sniff(&mp4_head()),
            Ok(MediaType {
                mime: "video/mp4",
                kind: Kind::Video
            })
        );
        // A PDF, a text file, nothing at all: refused, with the reason.
        let pdf = sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n").expect_err("pdf");
        assert!(pdf.contains("application/pdf"), "{pdf}");
        let text = sniff(b"hello, this is not a picture").expect_err("text");
        assert!(text.contains("first bytes"), "{text}");
        assert!(sniff(b"").is_err());
    }

    #[test]
    fn sizes_are_checked_against_the_kind_s_limit() {
        assert!(check_size(Kind::Image, 5 << 20).is_ok());
        let e = check_size(Kind::Image, (5 << 20) + 1).expect_err("over");
        assert!(e.contains("X's limit for images of 5 MB"), "{e}");
        assert!(check_size(Kind::Gif, 15 << 20).is_ok());
        assert!(check_size(Kind::Gif, 16 << 20)
            .expect_err("gif")
            .contains("15 MB"));
        assert!(check_size(Kind::Video, 512 << 20).is_ok());
        assert!(check_size(Kind::Video, 600 << 20)
            .expect_err("video")
            .contains("600.0 MB, over X's limit for videos of 512 MB"));
        assert!(check_size(Kind::Image, 0)
            .expect_err("empty")
            .contains("empty"));
        assert_eq!(size_words(1023), "1023 bytes");
        assert_eq!(size_words(275_579), "269.1 KB");
        assert_eq!(size_words(20 << 20), "20.0 MB");
    }

    #[test]
    fn categories_follow_the_kind_unless_given() {
        assert_eq!(category_for(Kind::Image, None), Ok(Category::TweetImage));
        assert_eq!(category_for(Kind::Gif, None), Ok(Category::TweetGif));
        assert_eq!(category_for(Kind::Video, None), Ok(Category::TweetVideo));
        assert_eq!(
            category_for(Kind::Video, Some(Category::AmplifyVideo)),
            Ok(Category::AmplifyVideo)
        );
        assert_eq!(
            category_for(Kind::Gif, Some(Category::TweetImage)),
            Ok(Category::TweetImage)
        );
        let e = category_for(Kind::Video, Some(Category::TweetImage)).expect_err("mismatch");
        assert!(
            e.contains("give tweet_video, amplify_video, dm_video"),
            "{e}"
        );
        assert!(category_for(Kind::Image, Some(Category::Subtitles)).is_err());
        for c in Category::ALL {
            assert_eq!(Category::from_name(c.name()), Some(c));
        }
    }

    #[test]
    fn files_are_cut_into_numbered_segments() {
        let s = segments(10 * CHUNK + 5, CHUNK).expect("ok");
        assert_eq!(s.len(), 11);
        assert_eq!(
            s[0],
            Segment {
                index: 0,
                offset: 0,
                len: CHUNK
            }
        );
        assert_eq!(
            s[10],
            Segment {
                index: 10,
                offset: 10 * CHUNK,
                len: 5
            }
        );
        assert_eq!(s.iter().map(|s| s.len).sum::<u64>(), 10 * CHUNK + 5);
        assert_eq!(segments(CHUNK, CHUNK).expect("one").len(), 1);
        assert_eq!(segments(1, CHUNK).expect("one")[0].len, 1);
        assert!(segments(0, CHUNK).expect("none").is_empty());
        // 512 MB in 4 MiB pieces is 128 segments; 1001 pieces are refused.
        assert_eq!(segments(512 << 20, CHUNK).expect("video").len(), 128);
        assert!(segments(1001, 1).expect_err("too many").contains("1000"));
    }

    #[test]
    fn answers_are_read_with_their_processing_state() {
        let init = br#"{"data":{"id":"1880028106020515840","media_key":"13_1880028106020515840","expires_after_secs":86400}}"#;
        let u = parse_upload(init).expect("init");
        assert_eq!(u.id, "1880028106020515840");
        assert_eq!(u.media_key.as_deref(), Some("13_1880028106020515840"));
        assert_eq!(u.expires_after_secs, Some(86400));
        assert_eq!(u.processing, None);

        let pending = br#"{"data":{"id":"1","processing_info":{"state":"in_progress","check_after_secs":2,"progress_percent":40}}}"#;
        assert_eq!(
            parse_upload(pending).expect("p").processing,
            Some(Processing {
                state: State::InProgress,
                check_after_secs: Some(2),
                progress_percent: Some(40)
            })
        );
        let failed = "{\"data\":{\"id\":\"1\",\"processing_info\":{\"state\":\"failed\",\"error\":{\"code\":1,\"name\":\"InvalidMedia\",\"message\":\"Unsupported \\u001b[31mvideo\"}}}}";
        assert_eq!(
            parse_upload(failed.as_bytes())
                .expect("f")
                .processing
                .map(|p| p.state),
            Some(State::Failed("InvalidMedia: Unsupported video".to_string()))
        );
        assert!(parse_upload(br#"{"data":{"id":"abc"}}"#).is_err());
        assert!(parse_upload(b"<html>").is_err());
        assert!(parse_upload(br#"{"data":{"id":"1","processing_info":{"state":"odd"}}}"#).is_err());
    }
}
