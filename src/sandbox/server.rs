//! The emulator's server: every connection served by [`crate::loopback`], one request each.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use super::routes;
use super::state::Shared;
use crate::loopback::{self, Limits, Options};

/// After answering, how long to keep reading (and discarding) what the client still sends,
/// so the kernel does not reset the connection under a response the client has not read yet.
const LINGER: Duration = Duration::from_secs(2);

/// Runs until the task is aborted; aborting it also ends every connection task. Accept
/// errors (out of file descriptors and the like) are waited out, never the end.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let options = Options {
        linger: Some(LINGER),
        limits: Limits {
            // A media upload's `append` carries a chunk of the file.
            large_bodies: Some((
                super::media::UPLOAD_PREFIX,
                super::media::MAX_APPEND_REQUEST,
            )),
            ..Limits::default()
        },
        ..Options::default()
    };
    let _ = loopback::serve::<Infallible, _, _>(&[listener], options, move |request| {
        let shared = Arc::clone(&shared);
        async move {
            let latency = shared.lock().latency.get(request.path()).copied();
            if let Some(latency) = latency {
                tokio::time::sleep(latency).await;
            }
            let answer = routes::handle(&shared, &request);
            // X's `Date` is X's clock: the emulator's follows its own (`advance_clock`).
            let date = shared.lock().http_date();
            (answer.with_header("Date", date), None)
        }
    })
    .await;
}
