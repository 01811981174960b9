//! X's v2 chunked media upload, emulated: `initialize`, `append` (multipart, `segment_index`),
//! `finalize` and `STATUS`, with X's size and segment checks, `media.write` required, media
//! ids that expire, and for video and GIFs a processing that goes from `pending` to
//! `in_progress` to `succeeded` over a few seconds of the emulator's clock, or to `failed` for
//! a file that is not what its type says. Only the first bytes of an upload are kept (to check
//! its type) and the length of each segment: an upload of any size costs the emulator little.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde_json::{json, Value};

use super::api::{self, Endpoint};
use super::state::{Grant, Shared, State};
use crate::loopback::{Request, Response};
use crate::x::media::{Category, Kind};

/// Every path of the upload starts so.
pub const UPLOAD_PREFIX: &str = "/2/media/upload";
/// The largest `append` request the emulator reads (a 4 MiB chunk and its multipart framing
/// fit many times over).
pub const MAX_APPEND_REQUEST: usize = 8 << 20;
/// The largest segment X takes.
pub const MAX_SEGMENT: usize = 5 << 20;
/// A media id can be used for a day (`expires_after_secs`).
pub const MEDIA_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Video and GIFs: `pending` this long after `finalize`…
pub const PENDING_FOR: Duration = Duration::from_secs(1);
/// …then `in_progress` until this long after it, then `succeeded`.
pub const PROCESSING_FOR: Duration = Duration::from_secs(3);
/// At most this many uploads are remembered; the oldest go first.
const MAX_UPLOADS: usize = 10_000;
/// X's ids count milliseconds from here (2010-11-04).
const X_EPOCH_MS: u64 = 1_288_834_974_657;
/// The first bytes kept of each upload.
const HEAD: usize = 64;

/// One upload, from `initialize` on.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub id: String,
    pub media_key: String,
    client_id: String,
    pub user_id: String,
    media_type: String,
    pub kind: Kind,
    total: u64,
    /// segment_index → its length.
    segments: BTreeMap<u32, u64>,
    head: Vec<u8>,
    created: Duration,
    finalized: Option<Duration>,
    /// Whether the content is what `media_type` says (known at `finalize`).
    sound: bool,
    /// Processed at `finalize` (a knob for measuring the upload alone).
    instant: bool,
}

/// Where an upload is, at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Pending,
    InProgress(u8),
    Succeeded,
    Failed,
}

impl Upload {
    fn expires(&self) -> Duration {
        self.created.saturating_add(MEDIA_LIFETIME)
    }

    /// Images are done at `finalize`; video and GIFs take [`PROCESSING_FOR`].
    pub(crate) fn stage(&self, now: Duration) -> Option<Stage> {
        let at = self.finalized?;
        let waited = now.saturating_sub(at);
        if self.kind == Kind::Image || (self.instant && self.sound) {
            return Some(Stage::Succeeded);
        }
        Some(if waited < PENDING_FOR {
            Stage::Pending
        } else if !self.sound {
            Stage::Failed
        } else if waited < PROCESSING_FOR {
            let done = (waited - PENDING_FOR).as_millis() * 100
                / (PROCESSING_FOR - PENDING_FOR).as_millis().max(1);
            Stage::InProgress(u8::try_from(done.min(99)).unwrap_or(99))
        } else {
            Stage::Succeeded
        })
    }

    fn processing_info(&self, now: Duration) -> Option<Value> {
        if self.kind == Kind::Image {
            return None;
        }
        Some(match self.stage(now)? {
            Stage::Pending => json!({"state": "pending", "check_after_secs": 1}),
            Stage::InProgress(p) => {
                json!({"state": "in_progress", "check_after_secs": 1, "progress_percent": p})
            }
            Stage::Succeeded => json!({"state": "succeeded", "progress_percent": 100}),
            Stage::Failed => json!({
                "state": "failed",
                "progress_percent": 100,
                "error": {
                    "code": 1,
                    "name": "InvalidMedia",
                    "message": "Invalid or Unsupported media, Reason: UnsupportedMedia.",
                },
            }),
        })
    }
}

/// The uploads, and the knob that makes `append` fail.
#[derive(Debug)]
pub(crate) struct Media {
    pub uploads: HashMap<String, Upload>,
    next_id: u64,
    /// The next this many `append` requests answer 503 (set by tests).
    pub fail_appends: u32,
    /// Video and GIFs are processed at `finalize` (set by the upload benchmark).
    pub instant_processing: bool,
}

impl Default for Media {
    fn default() -> Self {
        Media {
            uploads: HashMap::new(),
            next_id: 1_870_000_000_000_000_001,
            fail_appends: 0,
            instant_processing: false,
        }
    }
}

impl Media {
    fn prune(&mut self, now: Duration) {
        self.uploads.retain(|_, u| u.expires() > now);
        while self.uploads.len() >= MAX_UPLOADS {
            let oldest = self
                .uploads
                .values()
                .min_by_key(|u| u.created)
                .map(|u| u.id.clone());
            match oldest {
                Some(id) => self.uploads.remove(&id),
                None => break,
            };
        }
    }

    /// A live upload of this user and app.
    pub(crate) fn mine(&self, id: &str, grant: &Grant, now: Duration) -> Option<&Upload> {
        self.uploads.get(id).filter(|u| {
            u.user_id == grant.user.id && u.client_id == grant.client_id && u.expires() > now
        })
    }
}

fn invalid(parameter: &str, message: &str) -> Response {
    Response::problem_json(
        400,
        &json!({
            "errors": [{"parameters": {parameter: []}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        }),
    )
}

fn unknown_media(id: &str) -> Response {
    invalid(
        "id",
        &format!("The media id {id} was not found or has expired."),
    )
}

/// The kind of file a `media_type` names.
fn kind_of(media_type: &str) -> Option<Kind> {
    match media_type {
        "image/jpeg" | "image/png" | "image/webp" | "image/bmp" | "image/pjpeg" | "image/tiff" => {
            Some(Kind::Image)
        }
        "image/gif" => Some(Kind::Gif),
        "video/mp4" | "video/quicktime" | "video/webm" => Some(Kind::Video),
        _ => None,
    }
}

/// Whether an upload's first bytes are what its `media_type` says: for MP4 and QuickTime an
/// `ftyp` box followed by another box, for the others the type's signature.
fn is_what_it_says(media_type: &str, head: &[u8]) -> bool {
    match media_type {
        "video/mp4" | "video/quicktime" => {
            let size = |at: usize| {
                head.get(at..at + 4)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(u32::from_be_bytes)
                    .map(|n| n as usize)
            };
            let Some(first) = size(0) else {
                return false;
            };
            let box_type = |at: usize| head.get(at + 4..at + 8);
            (8..=HEAD - 8).contains(&first)
                && box_type(0) == Some(b"ftyp")
                && size(first).is_some_and(|n| n == 0 || n >= 8)
                && box_type(first).is_some_and(|t| {
                    [&b"moov"[..], b"mdat", b"free", b"skip", b"wide", b"uuid"].contains(&t)
                })
        }
        other => infer::get(head).is_some_and(|t| t.mime_type() == other),
    }
}

/// `POST /2/media/upload/initialize`.
fn initialize(state: &mut State, req: &Request, grant: &Grant) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return invalid("body", "The request body is not valid JSON.");
    };
    let Some(media_type) = body.get("media_type").and_then(Value::as_str) else {
        return invalid("media_type", "$.media_type: is missing but it is required");
    };
    let Some(kind) = kind_of(media_type) else {
        return invalid(
            "media_type",
            &format!("$.media_type: {media_type} is not a supported media type"),
        );
    };
    let total = match body.get("total_bytes").and_then(Value::as_u64) {
        Some(n) if n > 0 => n,
        _ => return invalid("total_bytes", "$.total_bytes: must be a positive integer"),
    };
    let category = match body.get("media_category").and_then(Value::as_str) {
        None => kind.default_category(),
        Some(c) => match Category::from_name(c) {
            Some(c) => c,
            None => {
                return invalid(
                    "media_category",
                    &format!("$.media_category: {c} is not a valid media category"),
                )
            }
        },
    };
    // The limit of the category's kind (an image category for a GIF: the image limit).
    let limit = category.kind().unwrap_or(kind).limit().min(kind.limit());
    if total > limit {
        return invalid("total_bytes", &format!("File size exceeds {limit} bytes."));
    }
    let now = state.now();
    // Ids made as X makes them (time in milliseconds since X's epoch, shifted), so an id is
    // not made twice by emulators in two processes sharing a state folder.
    let millis = u64::try_from(state.clock.unix(now).as_millis()).unwrap_or(u64::MAX);
    let snowflake = millis.saturating_sub(X_EPOCH_MS).min(1 << 40) << 22;
    let media = &mut state.media;
    media.prune(now);
    media.next_id = media.next_id.max(snowflake);
    let id = media.next_id.to_string();
    media.next_id = media.next_id.saturating_add(1);
    let prefix = match kind {
        Kind::Image => "3",
        Kind::Gif => "16",
        Kind::Video => "7",
    };
    let upload = Upload {
        id: id.clone(),
        media_key: format!("{prefix}_{id}"),
        client_id: grant.client_id.clone(),
        user_id: grant.user.id.clone(),
        media_type: media_type.to_string(),
        kind,
        total,
        segments: BTreeMap::new(),
        head: Vec::new(),
        created: now,
        finalized: None,
        sound: false,
        instant: false,
    };
    let key = upload.media_key.clone();
    media.uploads.insert(id.clone(), upload);
    Response::json(
        200,
        &json!({"data": {"id": id, "media_key": key, "expires_after_secs": MEDIA_LIFETIME.as_secs()}}),
    )
}

/// One part of a `multipart/form-data` body: its name and its bytes.
struct Part<'a> {
    name: String,
    data: &'a [u8],
}

/// The parts of a `multipart/form-data` body (RFC 7578), or why it is not one.
fn multipart<'a>(content_type: Option<&str>, body: &'a [u8]) -> Result<Vec<Part<'a>>, String> {
    let ct = content_type.unwrap_or("");
    if !ct
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err("The request must be multipart/form-data.".to_string());
    }
    let boundary = ct
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"'))
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or_else(|| "The multipart body has no boundary.".to_string())?;
    let open = format!("--{boundary}");
    let between = format!("\r\n--{boundary}");
    let malformed = || "The multipart body is malformed.".to_string();
    let mut rest = body.strip_prefix(open.as_bytes()).ok_or_else(malformed)?;
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or_else(malformed)?;
        let head_end = memchr::memmem::find(rest, b"\r\n\r\n").ok_or_else(malformed)?;
        let head = String::from_utf8_lossy(&rest[..head_end]);
        let name = head
            .split("\r\n")
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
            .and_then(|(_, v)| {
                v.split(';')
                    .filter_map(|p| p.trim().split_once('='))
                    .find(|(k, _)| k.trim() == "name")
                    .map(|(_, n)| n.trim().trim_matches('"').to_string())
            })
            .ok_or_else(malformed)?;
        rest = &rest[head_end + 4..];
        let end = memchr::memmem::find(rest, between.as_bytes()).ok_or_else(malformed)?;
        parts.push(Part {
            name,
            data: &rest[..end],
        });
        if parts.len() > 16 {
            return Err(malformed());
        }
        rest = &rest[end + between.len()..];
    }
}

/// `POST /2/media/upload/{id}/append`.
fn append(state: &mut State, req: &Request, grant: &Grant, id: &str) -> Response {
    if state.media.fail_appends > 0 {
        state.media.fail_appends -= 1;
        return Response::problem_json(
            503,
            &json!({"title": "Service Unavailable", "type": "about:blank", "status": 503, "detail": "Service Unavailable"}),
        );
    }
    let parts = match multipart(req.header("content-type"), &req.body) {
        Ok(p) => p,
        Err(e) => return invalid("media", &e),
    };
    let field = |n: &str| parts.iter().find(|p| p.name == n).map(|p| p.data);
    let index = match field("segment_index")
        .and_then(|b| std::str::from_utf8(b).ok())
        .map(|s| s.trim().parse::<u32>())
    {
        Some(Ok(i)) if i <= 999 => i,
        _ => {
            return invalid(
                "segment_index",
                "The segment_index must be an integer from 0 to 999.",
            )
        }
    };
    let Some(data) = field("media") else {
        return invalid("media", "$.media: is missing but it is required");
    };
    if data.len() > MAX_SEGMENT {
        return invalid(
            "media",
            &format!("A segment may be at most {MAX_SEGMENT} bytes."),
        );
    }
    let now = state.now();
    if state.media.mine(id, grant, now).is_none() {
        return unknown_media(id);
    }
    let Some(upload) = state.media.uploads.get_mut(id) else {
        return unknown_media(id);
    };
    if upload.finalized.is_some() {
        return invalid("id", "The media has already been finalized.");
    }
    let others: u64 = upload
        .segments
        .iter()
        .filter(|(i, _)| **i != index)
        .map(|(_, n)| *n)
        .sum();
    if others.saturating_add(data.len() as u64) > upload.total {
        return invalid(
            "media",
            "The segments add up to more than the total_bytes given at initialize.",
        );
    }
    upload.segments.insert(index, data.len() as u64);
    if index == 0 {
        upload.head = data[..data.len().min(HEAD)].to_vec();
    }
    let expires = state.clock.unix(upload.expires()).as_secs();
    Response::json(200, &json!({"data": {"expires_at": expires}}))
}

/// `POST /2/media/upload/{id}/finalize`.
fn finalize(state: &mut State, grant: &Grant, id: &str) -> Response {
    let now = state.now();
    if state.media.mine(id, grant, now).is_none() {
        return unknown_media(id);
    }
    let Some(upload) = state.media.uploads.get_mut(id) else {
        return unknown_media(id);
    };
    if upload.finalized.is_none() {
        let contiguous = upload
            .segments
            .keys()
            .enumerate()
            .all(|(n, i)| n as u64 == u64::from(*i));
        let sum: u64 = upload.segments.values().sum();
        if !contiguous || sum != upload.total {
            return invalid("id", "Segments do not add up to provided total file size.");
        }
        upload.sound = is_what_it_says(&upload.media_type, &upload.head);
        upload.instant = state.media.instant_processing;
        if upload.kind == Kind::Image && !upload.sound {
            return invalid(
                "id",
                &format!(
                    "InvalidMedia: the file is not a valid {}.",
                    upload.media_type
                ),
            );
        }
        upload.finalized = Some(now);
    }
    Response::json(200, &json!({"data": data_of(upload, now)}))
}

fn data_of(u: &Upload, now: Duration) -> Value {
    let mut data = json!({
        "id": u.id,
        "media_key": u.media_key,
        "size": u.total,
        "expires_after_secs": u.expires().saturating_sub(now).as_secs(),
    });
    if let Some(p) = u.processing_info(now) {
        data["processing_info"] = p;
    }
    data
}

/// `GET /2/media/upload?command=STATUS&media_id=ID`.
fn status(state: &mut State, req: &Request, grant: &Grant) -> Response {
    let q = req.query_pairs();
    let param = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if param("command") != Some("STATUS") {
        return invalid("command", "The command query parameter must be STATUS.");
    }
    let Some(id) = param("media_id") else {
        return invalid("media_id", "The media_id query parameter is required.");
    };
    let now = state.now();
    match state.media.mine(id, grant, now) {
        Some(u) if u.finalized.is_some() => Response::json(200, &json!({"data": data_of(u, now)})),
        Some(_) => invalid("media_id", "The media has not been finalized."),
        None => unknown_media(id),
    }
}

/// Which upload handler answers, if any.
pub(crate) fn route(shared: &Shared, req: &Request) -> Option<Response> {
    let path = req.path();
    let rest = path.strip_prefix(UPLOAD_PREFIX)?;
    shared.lock().stats.media_requests += 1;
    let endpoint = if req.method == "GET" {
        Endpoint::MediaStatus
    } else {
        Endpoint::MediaUpload
    };
    let respond = |handler: &dyn Fn(&mut State, &Grant) -> Response| {
        api::guarded(shared, req, endpoint, |state, grant| handler(state, grant))
    };
    match (req.method.as_str(), rest) {
        ("GET", "") => Some(respond(&|s, g| status(s, req, g))),
        ("POST", "/initialize") => Some(respond(&|s, g| initialize(s, req, g))),
        ("POST", rest) => {
            let rest = rest.strip_prefix('/')?;
            let (id, command) = rest.split_once('/')?;
            if !crate::x::media::is_id(id) {
                return None;
            }
            match command {
                "append" => Some(respond(&|s, g| append(s, req, g, id))),
                "finalize" => Some(respond(&|s, g| finalize(s, g, id))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The media a post names (`media.media_ids`): X's words when one is unknown, not this
/// user's, expired or not processed yet, or when they are more than a post carries.
pub(crate) fn attach(
    state: &State,
    grant: &Grant,
    ids: &[String],
) -> Result<Vec<String>, Response> {
    let bad = || invalid("media.media_ids", "Your media IDs are invalid.");
    if ids.is_empty() || ids.len() > 4 {
        return Err(bad());
    }
    let now = state.now();
    let mut kinds = Vec::new();
    let mut keys = Vec::new();
    for id in ids {
        let u = state.media.mine(id, grant, now).ok_or_else(bad)?;
        if u.stage(now) != Some(Stage::Succeeded) {
            return Err(bad());
        }
        kinds.push(u.kind);
        keys.push(u.media_key.clone());
    }
    if crate::x::post::check_mix(&kinds).is_err() {
        return Err(bad());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::super::{Sandbox, SandboxUser};
    use super::*;

    /// A token of the signed-in user with these scopes.
    fn token(sb: &Sandbox, scopes: &[&str]) -> String {
        let mut state = sb.shared.lock();
        let user = state.user.clone();
        let scopes = scopes.iter().map(|s| s.to_string()).collect();
        let g = state.new_grant("client", user, scopes);
        state.issue_tokens(g).expect("tokens").access_token
    }

    const ALL: &[&str] = &["tweet.read", "tweet.write", "users.read", "media.write"];

    fn png(len: usize) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
        b.resize(len, 7);
        b
    }

    fn mp4(len: usize) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&24u32.to_be_bytes());
        b.extend_from_slice(b"ftypisom\0\0\x02\0isommp41");
        b.extend_from_slice(&((len - 24) as u32).to_be_bytes());
        b.extend_from_slice(b"mdat");
        b.resize(len, 1);
        b
    }

    struct Client {
        http: reqwest::Client,
        base: String,
        token: String,
    }

    impl Client {
        fn new(sb: &Sandbox, token: String) -> Client {
            Client {
                http: reqwest::Client::new(),
                base: sb.base_url(),
                token,
            }
        }

        async fn json(&self, rb: reqwest::RequestBuilder) -> (u16, Value) {
            let r = rb.bearer_auth(&self.token).send().await.expect("send");
            let status = r.status().as_u16();
            let body = r.bytes().await.expect("body");
            (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
        }

        async fn post(&self, path: &str, body: Value) -> (u16, Value) {
            let rb = self.http.post(format!("{}{path}", self.base)).json(&body);
            self.json(rb).await
        }

        async fn initialize(&self, media_type: &str, total: usize) -> (u16, Value) {
            let body = json!({"media_type": media_type, "total_bytes": total});
            self.post("/2/media/upload/initialize", body).await
        }

        async fn append(&self, id: &str, index: u32, bytes: &[u8]) -> (u16, Value) {
            let form = reqwest::multipart::Form::new()
                .text("segment_index", index.to_string())
                .part("media", reqwest::multipart::Part::bytes(bytes.to_vec()));
            let url = format!("{}/2/media/upload/{id}/append", self.base);
            self.json(self.http.post(url).multipart(form)).await
        }

        async fn finalize(&self, id: &str) -> (u16, Value) {
            let url = format!("{}/2/media/upload/{id}/finalize", self.base);
            self.json(self.http.post(url)).await
        }

        async fn status(&self, id: &str) -> (u16, Value) {
            let url = format!("{}/2/media/upload?command=STATUS&media_id={id}", self.base);
            self.json(self.http.get(url)).await
        }

        /// initialize, append in pieces of `chunk`, finalize: the media id.
        async fn upload(&self, media_type: &str, bytes: &[u8], chunk: usize) -> (String, Value) {
            let (s, v) = self.initialize(media_type, bytes.len()).await;
            assert_eq!(s, 200, "{v}");
            let id = v["data"]["id"].as_str().expect("id").to_string();
            for (i, piece) in bytes.chunks(chunk).enumerate() {
                let (s, v) = self.append(&id, i as u32, piece).await;
                assert_eq!(s, 200, "{v}");
            }
            let (s, v) = self.finalize(&id).await;
            assert_eq!(s, 200, "{v}");
            (id, v)
        }
    }

    #[tokio::test]
    async fn an_image_goes_up_in_segments_and_a_post_carries_it() {
        let sb = Sandbox::start().await.expect("sandbox");
        let c = Client::new(&sb, token(&sb, ALL));
        let (id, done) = c.upload("image/png", &png(10_000), 4096).await;
        assert_eq!(done["data"]["id"], id.as_str());
        assert!(done["data"].get("processing_info").is_none(), "{done}");
        let (s, v) = c
            .post(
                "/2/tweets",
                json!({"text": "chart", "media": {"media_ids": [id]}}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let posts = sb.posts();
        assert_eq!(posts[0].media_keys, [format!("3_{id}")]);
        // Visible in the user's posts when asked for.
        let me = SandboxUser::default().id;
        let url = format!("{}/2/users/{me}/tweets?tweet.fields=attachments", c.base);
        let (s, v) = c.json(c.http.get(url)).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(
            v["data"][0]["attachments"]["media_keys"][0],
            format!("3_{id}")
        );
        assert_eq!(sb.stats().media_requests, 5);
    }

    #[tokio::test]
    async fn video_is_processed_over_a_few_seconds_of_the_clock() {
        let sb = Sandbox::start().await.expect("sandbox");
        let c = Client::new(&sb, token(&sb, ALL));
        let (id, done) = c.upload("video/mp4", &mp4(9000), 4000).await;
        let info = &done["data"]["processing_info"];
        assert_eq!(info["state"], "pending", "{done}");
        assert_eq!(info["check_after_secs"], 1);
        // Not yet processed: a post cannot carry it.
        let post = json!({"text": "clip", "media": {"media_ids": [id]}});
        let (s, v) = c.post("/2/tweets", post.clone()).await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(v["errors"][0]["message"], "Your media IDs are invalid.");
        sb.advance_clock(Duration::from_millis(2000));
        let (_, v) = c.status(&id).await;
        assert_eq!(v["data"]["processing_info"]["state"], "in_progress", "{v}");
        let p = v["data"]["processing_info"]["progress_percent"]
            .as_u64()
            .expect("percent");
        assert!((1..100).contains(&p), "{p}");
        sb.advance_clock(Duration::from_millis(1500));
        let (_, v) = c.status(&id).await;
        assert_eq!(v["data"]["processing_info"]["state"], "succeeded", "{v}");
        let (s, v) = c.post("/2/tweets", post).await;
        assert_eq!(s, 201, "{v}");
    }

    #[tokio::test]
    async fn a_video_that_is_not_one_fails_with_x_s_reason() {
        let sb = Sandbox::start().await.expect("sandbox");
        let c = Client::new(&sb, token(&sb, ALL));
        let mut bad = mp4(5000);
        bad[24..32].copy_from_slice(b"\xff\xff\xff\xffjunk");
        let (id, _) = c.upload("video/mp4", &bad, 5000).await;
        sb.advance_clock(Duration::from_secs(5));
        let (_, v) = c.status(&id).await;
        let info = &v["data"]["processing_info"];
        assert_eq!(info["state"], "failed", "{v}");
        assert_eq!(info["error"]["name"], "InvalidMedia");
        // An image that is not one is refused at finalize.
        let (s, v) = c.initialize("image/png", 100).await;
        assert_eq!(s, 200);
        let id = v["data"]["id"].as_str().expect("id").to_string();
        c.append(&id, 0, &[b'x'; 100]).await;
        let (s, v) = c.finalize(&id).await;
        assert_eq!(s, 400, "{v}");
    }

    #[tokio::test]
    async fn sizes_segments_scope_expiry_and_a_failing_append() {
        let sb = Sandbox::start().await.expect("sandbox");
        let c = Client::new(&sb, token(&sb, ALL));
        // X's limits by kind.
        let (s, v) = c.initialize("image/png", (5 << 20) + 1).await;
        assert_eq!(s, 400);
        assert_eq!(
            v["errors"][0]["message"],
            "File size exceeds 5242880 bytes."
        );
        assert_eq!(c.initialize("video/mp4", 512 << 20).await.0, 200);
        assert_eq!(c.initialize("application/pdf", 10).await.0, 400);
        // Segments that do not add up; an index out of range.
        let (_, v) = c.initialize("image/png", 200).await;
        let id = v["data"]["id"].as_str().expect("id").to_string();
        assert_eq!(c.append(&id, 1000, &png(100)).await.0, 400);
        assert_eq!(c.append(&id, 0, &png(100)).await.0, 200);
        let (s, v) = c.finalize(&id).await;
        assert_eq!(s, 400);
        assert_eq!(
            v["errors"][0]["message"],
            "Segments do not add up to provided total file size."
        );
        assert_eq!(c.append(&id, 1, &png(150)).await.0, 400, "over total_bytes");
        // The knob: the next append answers 503, the one after works (same segment again).
        sb.fail_appends(1);
        assert_eq!(c.append(&id, 1, &png(100)).await.0, 503);
        assert_eq!(c.append(&id, 1, &png(100)).await.0, 200);
        assert_eq!(c.finalize(&id).await.0, 200);
        // Ids expire after a day.
        sb.advance_clock(MEDIA_LIFETIME);
        let later = Client::new(&sb, token(&sb, ALL));
        let (s, v) = later.status(&id).await;
        assert_eq!(s, 400, "{v}");
        // Without media.write: X's 403.
        let read_write = Client::new(
            &sb,
            token(&sb, &["tweet.read", "tweet.write", "users.read"]),
        );
        let (s, v) = read_write.initialize("image/png", 100).await;
        assert_eq!(s, 403, "{v}");
        assert!(
            v["detail"]
                .as_str()
                .expect("detail")
                .contains("media.write"),
            "{v}"
        );
    }

    #[tokio::test]
    async fn replies_only_where_summoned() {
        let sb = Sandbox::start().await.expect("sandbox");
        let c = Client::new(&sb, token(&sb, ALL));
        let stranger = sb.add_tweet_by("42", "nobody asked");
        let summoned = sb.add_tweet_by("42", "@Sandbox_User what do you think?");
        let reply =
            |to: &str, text: &str| json!({"text": text, "reply": {"in_reply_to_tweet_id": to}});
        let (s, v) = c.post("/2/tweets", reply(&stranger, "hi")).await;
        assert_eq!(s, 403, "{v}");
        assert_eq!(v["detail"], api::REPLY_NOT_ALLOWED);
        let (s, v) = c.post("/2/tweets", reply(&summoned, "hi")).await;
        assert_eq!(s, 201, "{v}");
        let own = sb.add_tweet("mine");
        assert_eq!(c.post("/2/tweets", reply(&own, "and more")).await.0, 201);
        assert_eq!(c.post("/2/tweets", reply("1234", "gone")).await.0, 403);
        let posts = sb.posts();
        assert_eq!(posts[2].in_reply_to.as_deref(), Some(summoned.as_str()));
        assert_eq!(posts[4].in_reply_to.as_deref(), Some(own.as_str()));
    }

    #[test]
    fn multipart_bodies_are_read_as_reqwest_writes_them() {
        let body = b"--b1\r\nContent-Disposition: form-data; name=\"segment_index\"\r\n\r\n3\r\n--b1\r\nContent-Disposition: form-data; name=\"media\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\r\n--b\x01\r\n--b1--\r\n";
        let parts = multipart(Some("multipart/form-data; boundary=b1"), body).expect("parts");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "segment_index");
        assert_eq!(parts[0].data, b"3");
        assert_eq!(parts[1].data, b"\x00\r\n--b\x01");
        assert!(multipart(Some("application/json"), body).is_err());
        assert!(multipart(Some("multipart/form-data; boundary=zz"), body).is_err());
        assert!(multipart(Some("multipart/form-data; boundary=b1"), b"--b1\r\nx").is_err());
    }
}
