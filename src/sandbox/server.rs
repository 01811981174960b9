//! The accept loop: one task per connection, one request per connection.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::routes;
use super::state::Shared;
use crate::http::{read_request, Limits};

/// After answering, how long to keep reading (and discarding) what the client
/// still sends, so the kernel does not reset the connection under a response
/// the client has not read yet.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 256 * 1024;

/// Runs until the task is aborted; aborting it also ends every connection task
/// (they live in the `JoinSet` it owns).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        match listener.accept().await {
            Ok((stream, _peer)) => {
                connections.spawn(handle_connection(stream, Arc::clone(&shared)));
            }
            // Out of file descriptors and the like: wait instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn handle_connection(mut stream: TcpStream, shared: Arc<Shared>) {
    let response = match read_request(&mut stream, &Limits::default()).await {
        Ok(request) => {
            let latency = shared.lock().latency.get(request.path()).copied();
            if let Some(latency) = latency {
                tokio::time::sleep(latency).await;
            }
            routes::handle(&shared, &request)
        }
        Err(error) => match error.response() {
            Some(response) => response,
            None => return,
        },
    };
    if response.write_to(&mut stream).await.is_err() {
        return;
    }
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(LINGER, async {
        let mut total = 0;
        while total < LINGER_BYTES {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    })
    .await;
}
