//! The socket's sending side: frames written and counted, and the pacing rule that finds a
//! client that stops taking frames by what it has not answered, whatever the kernel buffers.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use kefu_core::protocol::ServerFrame;

/// A client that does not take a frame within this time is cut off.
pub(super) const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// The socket's sending half. It counts the bytes written so that a client that stops taking
/// frames is found by what it has not answered (see [`Pacing`]), whatever the kernel's socket
/// buffers hold: with large buffers, writes never block and a stalled client would otherwise
/// go unnoticed for tens of megabytes.
pub(super) struct Sink {
    pub(super) inner: SplitSink<WebSocket, WsMessage>,
    pub(super) written: u64,
}

impl Sink {
    pub(super) fn count(&mut self, message: &WsMessage) {
        if let WsMessage::Text(t) = message {
            self.written += t.len() as u64;
        }
    }

    pub(super) async fn feed(&mut self, message: WsMessage) -> Result<(), axum::Error> {
        self.count(&message);
        self.inner.feed(message).await
    }

    pub(super) async fn send(&mut self, message: WsMessage) -> Result<(), axum::Error> {
        self.count(&message);
        self.inner.send(message).await
    }

    pub(super) async fn flush(&mut self) -> Result<(), axum::Error> {
        self.inner.flush().await
    }
}

/// A ping goes out after this many bytes since the last answered one.
pub(super) const PING_EVERY: u64 = 256 * 1024;
/// Bytes written after an unanswered ping before the client counts as stalled: a client that
/// reads answers pings (browsers and WebSocket libraries do it by themselves), one that does
/// not read cannot.
pub(super) const MAX_UNANSWERED: u64 = 4 * 1024 * 1024;
/// Staff consoles follow whole inboxes and take bursts of a batch's frames at once.
pub(super) const STAFF_MAX_UNANSWERED: u64 = 16 * 1024 * 1024;

/// Which of this connection's bytes the client has shown it took: a ping carries the count of
/// bytes written before it, and its pong proves the client read that far.
pub(super) struct Pacing {
    /// The byte count carried by the ping waiting for its pong.
    waiting: Option<u64>,
    /// The byte count of the last answered ping.
    answered: u64,
    limit: u64,
}

impl Pacing {
    pub(super) fn new(staff: bool) -> Pacing {
        Pacing {
            waiting: None,
            answered: 0,
            limit: if staff {
                STAFF_MAX_UNANSWERED
            } else {
                MAX_UNANSWERED
            },
        }
    }

    /// After a flush: false when the client has let too much go unanswered (cut it off);
    /// otherwise sends a ping when one is due.
    pub(super) async fn check(&mut self, sink: &mut Sink) -> Result<bool, Ended> {
        match self.waiting {
            Some(at) if sink.written - at > self.limit => Ok(false),
            Some(_) => Ok(true),
            None if sink.written - self.answered >= PING_EVERY => {
                let at = sink.written;
                self.waiting = Some(at);
                timed(sink.send(WsMessage::Ping(at.to_be_bytes().to_vec().into()))).await?;
                Ok(true)
            }
            None => Ok(true),
        }
    }

    pub(super) fn pong(&mut self, payload: &[u8]) {
        if let Ok(bytes) = <[u8; 8]>::try_from(payload)
            && self.waiting == Some(u64::from_be_bytes(bytes))
        {
            self.answered = u64::from_be_bytes(bytes);
            self.waiting = None;
        }
    }
}

/// Why a connection ended before the client closed it (logged at debug level).
#[derive(Debug, thiserror::Error)]
pub(super) enum Ended {
    #[error("client too slow")]
    TooSlow,
    #[error(transparent)]
    Socket(#[from] axum::Error),
    #[error(transparent)]
    Service(#[from] kefu_service::Error),
    #[error(transparent)]
    App(#[from] crate::error::AppError),
}

pub(super) async fn put(sink: &mut Sink, frame: &ServerFrame) -> Result<(), Ended> {
    put_json(sink, &frame.to_json()).await
}

pub(super) async fn put_json(sink: &mut Sink, json: &str) -> Result<(), Ended> {
    timed(sink.send(WsMessage::Text(json.into()))).await
}

/// A write to the client, which must finish within [`SEND_TIMEOUT`].
pub(super) async fn timed(
    write: impl std::future::Future<Output = Result<(), axum::Error>>,
) -> Result<(), Ended> {
    match tokio::time::timeout(SEND_TIMEOUT, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(Ended::TooSlow),
    }
}

/// Queues a frame without flushing (several frames then go out in one write).
pub(super) async fn feed(sink: &mut Sink, frame: &ServerFrame) -> Result<(), Ended> {
    feed_json(sink, &frame.to_json()).await
}

pub(super) async fn feed_json(sink: &mut Sink, json: &str) -> Result<(), Ended> {
    timed(sink.feed(WsMessage::Text(json.into()))).await
}

pub(super) async fn flush(sink: &mut Sink) -> Result<(), Ended> {
    timed(sink.flush()).await
}

pub(super) async fn close(sink: &mut Sink, code: u16, reason: &'static str) {
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        sink.send(WsMessage::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))),
    )
    .await;
}
