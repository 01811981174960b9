//! The wire under the tests' fake servers: one request read from a socket, answers written as
//! bytes. A fake X must make faults a real server never would (a flood, silence, an answer to
//! a TLS hello), so these servers own their sockets; httparse reads the head.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
pub use xconnect::loopback::{reason_phrase, Limits, Request, Response};

/// Why a request could not be read.
#[derive(Debug)]
pub enum WireError {
    /// The peer closed the connection (or it broke) before a whole request arrived.
    Closed,
    /// With the answer to send.
    Refused(u16),
}

impl WireError {
    /// The answer to send, if any.
    pub fn response(&self) -> Option<Response> {
        match self {
            WireError::Closed => None,
            WireError::Refused(status) => Some(Response::status_text(*status)),
        }
    }
}

/// Reads one request (a body only by `Content-Length`) within `limits`.
pub async fn read_request<R: AsyncRead + Unpin>(
    reader: &mut R,
    limits: &Limits,
) -> Result<Request, WireError> {
    tokio::time::timeout(limits.timeout, read(reader, limits))
        .await
        .unwrap_or(Err(WireError::Refused(408)))
}

async fn read<R: AsyncRead + Unpin>(reader: &mut R, limits: &Limits) -> Result<Request, WireError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut head = httparse::Request::new(&mut headers);
        match head.parse(&buf) {
            Ok(httparse::Status::Complete(used)) => {
                let request = Request {
                    method: head.method.unwrap_or("").to_string(),
                    target: head.path.unwrap_or("").to_string(),
                    headers: head
                        .headers
                        .iter()
                        .map(|h| {
                            let value = String::from_utf8_lossy(h.value).into_owned();
                            (h.name.to_string(), value)
                        })
                        .collect(),
                    body: Vec::new(),
                };
                return read_body(reader, request, buf.split_off(used), limits).await;
            }
            Ok(httparse::Status::Partial) if buf.len() > limits.max_head => {
                return Err(WireError::Refused(431))
            }
            Ok(httparse::Status::Partial) => {}
            Err(_) => return Err(WireError::Refused(400)),
        }
        let n = reader
            .read(&mut chunk)
            .await
            .map_err(|_| WireError::Closed)?;
        if n == 0 {
            return Err(WireError::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn read_body<R: AsyncRead + Unpin>(
    reader: &mut R,
    mut request: Request,
    mut body: Vec<u8>,
    limits: &Limits,
) -> Result<Request, WireError> {
    let length = match request.header("content-length") {
        None => 0,
        Some(n) => n
            .trim()
            .parse::<usize>()
            .map_err(|_| WireError::Refused(400))?,
    };
    if length > limits.max_body {
        return Err(WireError::Refused(413));
    }
    let mut chunk = [0u8; 4096];
    while body.len() < length {
        let n = reader
            .read(&mut chunk)
            .await
            .map_err(|_| WireError::Closed)?;
        if n == 0 {
            return Err(WireError::Closed);
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    request.body = body;
    Ok(request)
}

/// The bytes of an answer: `Content-Length` and `Connection: close` always.
pub fn to_bytes(response: &Response) -> Vec<u8> {
    let status = response.status;
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    for (name, value) in &response.headers {
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    let mut out = head.into_bytes();
    out.extend_from_slice(&response.body);
    out
}

/// Writing an answer to a socket.
pub trait WriteTo {
    fn write_to<W: AsyncWrite + Unpin + Send>(
        &self,
        writer: &mut W,
    ) -> impl std::future::Future<Output = io::Result<()>> + Send;
}

impl WriteTo for Response {
    async fn write_to<W: AsyncWrite + Unpin + Send>(&self, writer: &mut W) -> io::Result<()> {
        writer.write_all(&to_bytes(self)).await?;
        writer.flush().await
    }
}
