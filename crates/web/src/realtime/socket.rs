//! The WebSocket endpoint, `/ws`. See `docs/protocol.md` for the frames and their rules.

use kefu_core::error::ErrorCode;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures_util::{FutureExt, StreamExt};
use kefu_core::protocol::{self, ClientFrame, ServerFrame};
use kefu_core::sequence::{self, Delivery};
use kefu_service::chat::connection;

use crate::error::AppError;
use crate::state::AppState;
use kefu_service::chat::hub::{Interest, Outbound};
use kefu_service::chat::{Actor, publish_ephemeral, send_queued, visible};

use super::sink::{Ended, Pacing, Sink, close, feed, feed_json, flush, put};

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
const REPLAY_PAGE: i64 = 500;
const MAX_BAD_FRAMES: u32 = 20;
/// The most messages of one connection waiting for their commit; beyond it the connection's
/// next frames wait unread (back pressure on that client alone).
const MAX_PIPELINE: usize = 32;
/// The most queued frames written to a connection at once, before one flush.
const MAX_WRITE_BATCH: usize = 64;

/// Per conversation, the messages of this connection refused for load (`busy`) and not yet
/// taken, in the order they were sent. While there are any, only the first may be taken: the
/// others, and any new one, are refused too (and join the list), so shedding never reorders
/// what one client sent. The widget sends refused messages again in their order.
#[derive(Default)]
struct Held(Vec<(String, std::collections::VecDeque<String>)>);

/// The most refused messages remembered per conversation of one connection.
const MAX_HELD: usize = 256;

impl Held {
    /// Whether `cid` may be taken now; if not, it is remembered as refused.
    fn may_send(&mut self, conversation: &str, cid: &str) -> bool {
        let Some((_, list)) = self.0.iter_mut().find(|(c, _)| c == conversation) else {
            return true;
        };
        if list.front().is_some_and(|f| f == cid) {
            return true;
        }
        remember(list, cid);
        false
    }

    /// Records the outcome of sending `cid`: refused for load, or settled either way.
    fn settle(&mut self, conversation: &str, cid: &str, busy: bool) {
        let i = match self.0.iter().position(|(c, _)| c == conversation) {
            Some(i) => i,
            None if busy => {
                self.0.push((conversation.to_string(), Default::default()));
                self.0.len() - 1
            }
            None => return,
        };
        let list = &mut self.0[i].1;
        if busy {
            remember(list, cid);
        } else if list.front().is_some_and(|f| f == cid) {
            list.pop_front();
            if list.is_empty() {
                self.0.swap_remove(i);
            }
        }
    }
}

fn remember(list: &mut std::collections::VecDeque<String>, cid: &str) {
    if list.len() < MAX_HELD && !list.iter().any(|c| c == cid) {
        list.push_back(cid.to_string());
    }
}

/// The answer to a message that was not stored. The client hears only the code and a
/// sentence; what went wrong inside (a database that is gone, a full disk) goes to the log.
fn refused(e: &kefu_service::Error, cid: String) -> ServerFrame {
    use kefu_service::Error as E;
    if let E::Internal(detail) | E::Unavailable(detail) | E::StorageFull(detail) = e {
        tracing::warn!(code = %e.code(), %detail, "a message was not stored");
    }
    ServerFrame::error(e.code(), e.to_string(), Some(cid))
}

/// A frame's answer: now, or once its message committed.
// Short-lived (one per frame, never stored): the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Reply {
    Now(Option<ServerFrame>),
    Later(futures_util::future::BoxFuture<'static, ServerFrame>),
}

/// The origin (`scheme://host:port`) pages are served from.
fn own_origin(public_url: &str) -> &str {
    match public_url.find("://") {
        Some(i) => match public_url[i + 3..].find('/') {
            Some(j) => &public_url[..i + 3 + j],
            None => public_url,
        },
        None => public_url,
    }
}

/// Upgrades to a WebSocket. Browsers always send `Origin`: one from another site is refused
/// (the socket also needs a token, so a forged origin from a non-browser gains nothing).
pub async fn upgrade(
    State(state): State<AppState>,
    crate::extract::ApiOrigin(origin): crate::extract::ApiOrigin,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Some(origin) = headers.get(header::ORIGIN)
        && origin.as_bytes() != own_origin(&state.config.public_url).as_bytes()
    {
        return AppError::Forbidden.into_response();
    }
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(64 * 1024)
        .max_message_size(protocol::MAX_FRAME_BYTES)
        .max_frame_size(protocol::MAX_FRAME_BYTES)
        .on_upgrade(move |socket| async move {
            if let Err(e) = run(state, socket, origin.ip).await {
                tracing::debug!(error = %e, "socket closed");
            }
        })
}

async fn authenticate(
    state: &AppState,
    token: Option<String>,
    visitor: Option<String>,
) -> Result<Actor, AppError> {
    Ok(connection::authenticate(state, token, visitor).await?)
}

async fn interest(state: &AppState, actor: &Actor) -> Result<Interest, AppError> {
    Ok(connection::interest(state, actor).await?)
}

/// What one connection keeps between frames, besides its subscription.
struct Local {
    /// The client's address (limits per IP).
    ip: String,
    /// The conversation this agent has open, if any.
    viewing: Option<String>,
}

async fn run(state: AppState, socket: WebSocket, ip: String) -> Result<(), Ended> {
    let (sink, mut stream) = socket.split();
    let mut sink = Sink {
        inner: sink,
        written: 0,
    };
    let first = match tokio::time::timeout(HELLO_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(WsMessage::Text(t)))) => t,
        _ => {
            close(&mut sink, 4001, "hello expected").await;
            return Ok(());
        }
    };
    let (token, visitor, since) = match protocol::parse(&first) {
        Ok(ClientFrame::Hello {
            token,
            visitor,
            since,
            ..
        }) => (token, visitor, since),
        Ok(_) => {
            put(
                &mut sink,
                &ServerFrame::error(
                    ErrorCode::HelloExpected,
                    "the first frame must be hello",
                    None,
                ),
            )
            .await?;
            close(&mut sink, 4001, "hello expected").await;
            return Ok(());
        }
        Err(e) => {
            put(
                &mut sink,
                &ServerFrame::error(e.code(), e.to_string(), None),
            )
            .await?;
            close(&mut sink, 4001, "bad hello").await;
            return Ok(());
        }
    };
    let actor = match Box::pin(authenticate(&state, token, visitor)).await {
        Ok(a) => a,
        Err(e) => {
            put(
                &mut sink,
                &ServerFrame::error(e.code(), e.to_string(), None),
            )
            .await?;
            close(&mut sink, 4003, "unauthorized").await;
            return Ok(());
        }
    };
    let interest = Box::pin(interest(&state, &actor)).await?;
    // Subscribe before replaying: whatever commits meanwhile is queued, and the sequence
    // bookkeeping below drops what the replay already delivered.
    let staff_user = actor.is_staff().then(|| actor.reader_id().to_string());
    let mut sub = state.hub.subscribe(interest, staff_user.as_deref());
    if let Some(u) = &staff_user {
        connection::staff_connected(&state, u).await;
    }
    let mut local = Local { ip, viewing: None };
    let result = serve(
        &state,
        &actor,
        &mut sink,
        &mut stream,
        &mut sub,
        since,
        &mut local,
    )
    .await;
    state.hub.unsubscribe(sub.id);
    if let Some(conv) = local.viewing
        && let Ok(c) = Box::pin(visible(&state, &actor, &conv)).await
    {
        // Leaving without saying so still ends the collision warning.
        let f = ServerFrame::Viewing {
            conversation: conv,
            who: actor.author(),
            on: false,
        };
        publish_ephemeral(&state, &c, sub.id, &f, true).await;
    }
    result
}

/// Welcomes the client and replays what it missed in the conversations it names; returns the
/// newest sequence it now has per conversation.
async fn welcome(
    state: &AppState,
    actor: &Actor,
    sink: &mut Sink,
    since: std::collections::BTreeMap<String, i64>,
) -> Result<HashMap<String, i64>, Ended> {
    let (role, id) = match actor {
        Actor::Visitor(v) => ("visitor".to_string(), v.customer_id.clone()),
        Actor::Person(u) => (u.role.as_str().to_string(), u.id.clone()),
    };
    put(
        sink,
        &ServerFrame::Welcome {
            v: protocol::VERSION,
            role,
            id,
        },
    )
    .await?;
    for f in connection::first_frames(state, actor).await? {
        put(sink, &f).await?;
    }

    let mut last: HashMap<String, i64> = HashMap::new();
    for (conv, seen) in since {
        match visible(state, actor, &conv).await {
            Ok(_) => {
                let mut after = seen.max(0);
                loop {
                    let (frames, n, tail) =
                        connection::page_after(state, actor, &conv, after, REPLAY_PAGE).await?;
                    let Some(tail) = tail else { break };
                    after = tail;
                    for f in frames {
                        put(sink, &f).await?;
                    }
                    if (n as i64) < REPLAY_PAGE {
                        break;
                    }
                }
                last.insert(conv, after);
            }
            Err(_) => {
                put(
                    sink,
                    &ServerFrame::error(ErrorCode::NotFound, "no such conversation", None),
                )
                .await?
            }
        }
    }

    Ok(last)
}

async fn serve(
    state: &AppState,
    actor: &Actor,
    sink: &mut Sink,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    sub: &mut kefu_service::chat::hub::Subscription,
    since: std::collections::BTreeMap<String, i64>,
    local: &mut Local,
) -> Result<(), Ended> {
    // Per conversation, the newest sequence this client has.
    let mut last = Box::pin(welcome(state, actor, sink, since)).await?;

    let mut bad_frames = 0u32;
    let mut pacing = Pacing::new(actor.is_staff());
    let mut last_typing = Instant::now() - Duration::from_secs(10);
    let mut held = Held::default();
    // Messages of this connection queued for commit, answered in the order they were sent.
    let mut committing = futures_util::stream::FuturesOrdered::new();
    loop {
        // In this order: a sender's acknowledgement, which is ready before its message is
        // announced, goes out ahead of its own echo.
        tokio::select! {
            biased;
            _ = sub.overflow.notified() => {
                close(sink, 4008, "too slow").await;
                return Ok(());
            }
            Some(answer) = committing.next(), if !committing.is_empty() => {
                // Acknowledgements of one committed batch are ready together: one write.
                feed(sink, &answer).await?;
                for _ in 1..MAX_WRITE_BATCH {
                    let Some(Some(answer)) = committing.next().now_or_never() else { break };
                    feed(sink, &answer).await?;
                }
                flush(sink).await?;
            }
            out = sub.rx.recv() => {
                let Some(out) = out else { return Ok(()) };
                // Boxed, like the other rare or large steps: an idle connection's task then
                // holds only the small loop, not the largest step's state (docs/benchmarks.md, C1).
                Box::pin(deliver(state, actor, sink, &mut last, out)).await?;
                // What queued meanwhile goes out in the same write (a busy agent's console
                // takes thousands of frames a second).
                for _ in 1..MAX_WRITE_BATCH {
                    let Ok(out) = sub.rx.try_recv() else { break };
                    Box::pin(deliver(state, actor, sink, &mut last, out)).await?;
                }
                flush(sink).await?;
            }
            frame = stream.next(), if committing.len() < MAX_PIPELINE => {
                // Frames the client sent together (already read) are answered together, in
                // one write: under overload, refusals cost a system call per batch, not each.
                let mut frame = frame;
                for taken in 1.. {
                    let text = match frame {
                        Some(Ok(WsMessage::Text(t))) => Some(t),
                        Some(Ok(WsMessage::Close(_))) | None => return Ok(()),
                        Some(Ok(WsMessage::Pong(payload))) => {
                            pacing.pong(&payload);
                            None
                        }
                        Some(Ok(WsMessage::Ping(_))) => None,
                        Some(Ok(WsMessage::Binary(_))) => {
                            feed(sink, &ServerFrame::error(ErrorCode::BadFrame, "send JSON text frames", None)).await?;
                            None
                        }
                        Some(Err(e)) => {
                            // Over the frame limit: said with the standard close code.
                            if e.to_string().contains("too long") {
                                close(sink, 1009, "frames are limited to 64 KiB").await;
                            }
                            return Err(e.into());
                        }
                    };
                    if let Some(text) = text {
                        let reply = match Box::pin(handle(state, actor, sub.id, &text, &mut last_typing, &mut held, local)).await {
                            Reply::Now(r) => r,
                            Reply::Later(f) => {
                                committing.push_back(f);
                                None
                            }
                        };
                        // Load shedding refuses good frames; only the client's own mistakes count.
                        if let Some(ServerFrame::Error { code, .. }) = &reply
                            && code.as_str() != "busy"
                        {
                            bad_frames += 1;
                        }
                        if let Some(r) = reply {
                            feed(sink, &r).await?;
                        }
                        if bad_frames > MAX_BAD_FRAMES {
                            close(sink, 4002, "too many bad frames").await;
                            return Ok(());
                        }
                    }
                    if taken >= MAX_WRITE_BATCH || committing.len() >= MAX_PIPELINE {
                        break;
                    }
                    match stream.next().now_or_never() {
                        Some(next) => frame = next,
                        None => break,
                    }
                }
                flush(sink).await?;
            }
        }
        if !pacing.check(sink).await? {
            close(sink, 4008, "too slow").await;
            return Ok(());
        }
    }
}

/// Queues a frame for sending (the caller flushes), keeping each conversation's sequence
/// gap-free and without repeats: already delivered numbers are skipped, and a hole (events can
/// be announced out of commit order) is filled from the database first.
async fn deliver(
    state: &AppState,
    actor: &Actor,
    sink: &mut Sink,
    last: &mut HashMap<String, i64>,
    out: std::sync::Arc<Outbound>,
) -> Result<(), Ended> {
    if out.seq == kefu_service::chat::hub::RESYNC {
        // Announcements may have been lost: read back what this client has not seen.
        let known: Vec<(String, i64)> = last.iter().map(|(c, s)| (c.clone(), *s)).collect();
        for (conv, l) in known {
            let (frames, _, tail) =
                connection::page_after(state, actor, &conv, l, REPLAY_PAGE).await?;
            if let Some(tail) = tail {
                last.insert(conv, tail);
            }
            for f in frames {
                feed(sink, &f).await?;
            }
        }
        return feed_json(sink, &out.json).await;
    }
    if out.seq > 0 {
        let conv = out.conversation.to_string();
        match sequence::delivery(last.get(&conv).copied(), out.seq) {
            Delivery::Skip => return Ok(()),
            Delivery::FillThenSend { from, to } => {
                let frames = connection::hole(state, actor, &conv, from, to).await?;
                for f in frames {
                    feed(sink, &f).await?;
                }
            }
            Delivery::Send => {}
        }
        last.insert(conv, out.seq);
    }
    feed_json(sink, &out.json).await
}

async fn handle(
    state: &AppState,
    actor: &Actor,
    conn: kefu_service::chat::hub::ConnId,
    text: &str,
    last_typing: &mut Instant,
    held: &mut Held,
    local: &mut Local,
) -> Reply {
    let frame = match protocol::parse(text) {
        Ok(f) => f,
        Err(e) => return Reply::Now(Some(ServerFrame::error(e.code(), e.to_string(), None))),
    };
    Reply::Now(match frame {
        ClientFrame::Hello { .. } => Some(ServerFrame::error(
            ErrorCode::AlreadyHello,
            "hello was already sent",
            None,
        )),
        ClientFrame::Ping => Some(ServerFrame::Pong),
        ClientFrame::Send {
            cid,
            conversation,
            body,
            note,
            accept_warnings,
        } => {
            if !held.may_send(&conversation, &cid) {
                // An earlier message of this conversation was refused: this one may not
                // overtake it (the client sends it again after the earlier one).
                return Reply::Now(Some(ServerFrame::error(
                    ErrorCode::Busy,
                    "an earlier message was refused for load; send it first",
                    Some(cid),
                )));
            }
            if let Err(e) = kefu_service::chat::limit_address(state, actor, &local.ip) {
                return Reply::Now(Some(refused(&e, cid)));
            }
            let sent = send_queued(
                state,
                actor,
                &conversation,
                &cid,
                &body,
                note,
                accept_warnings,
            )
            .await;
            held.settle(
                &conversation,
                &cid,
                matches!(sent, Err(kefu_service::Error::Busy)),
            );
            return match sent {
                Ok(committed) => Reply::Later(Box::pin(async move {
                    match committed.await {
                        Ok((m, fresh)) => ServerFrame::Ack {
                            cid,
                            conversation,
                            seq: m.seq,
                            id: m.id,
                            duplicate: !fresh,
                        },
                        Err(e) => refused(&e, cid),
                    }
                })),
                Err(e) => Reply::Now(Some(refused(&e, cid))),
            };
        }
        ClientFrame::Typing { conversation, on } => {
            // At most one typing signal a second per connection reaches the others.
            if last_typing.elapsed() < Duration::from_secs(1) && on {
                return Reply::Now(None);
            }
            *last_typing = Instant::now();
            match visible(state, actor, &conversation).await {
                Ok(c) => {
                    let f = ServerFrame::Typing {
                        conversation,
                        who: actor.author(),
                        on,
                    };
                    publish_ephemeral(state, &c, conn, &f, false).await;
                    None
                }
                Err(e) => Some(ServerFrame::error(e.code(), e.to_string(), None)),
            }
        }
        ClientFrame::Viewing { conversation, on } => {
            if !actor.is_staff() {
                return Reply::Now(Some(ServerFrame::error(
                    ErrorCode::Forbidden,
                    "only staff announce what they view",
                    None,
                )));
            }
            match visible(state, actor, &conversation).await {
                Ok(c) => {
                    // One conversation at a time: opening another leaves the previous one.
                    if on
                        && let Some(prev) = local.viewing.take()
                        && prev != conversation
                        && let Ok(p) = visible(state, actor, &prev).await
                    {
                        let f = ServerFrame::Viewing {
                            conversation: prev,
                            who: actor.author(),
                            on: false,
                        };
                        publish_ephemeral(state, &p, conn, &f, true).await;
                    }
                    local.viewing = on.then(|| conversation.clone());
                    let f = ServerFrame::Viewing {
                        conversation,
                        who: actor.author(),
                        on,
                    };
                    publish_ephemeral(state, &c, conn, &f, true).await;
                    None
                }
                Err(e) => Some(ServerFrame::error(e.code(), e.to_string(), None)),
            }
        }
        ClientFrame::Read { conversation, seq } => {
            match connection::mark_read(state, actor, &conversation, seq).await {
                Ok((c, seq)) => {
                    let f = ServerFrame::Read {
                        conversation,
                        reader: actor.reader_id().to_string(),
                        seq,
                    };
                    publish_ephemeral(state, &c, conn, &f, false).await;
                    None
                }
                Err(e) => Some(ServerFrame::error(e.code(), e.to_string(), None)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{Held, own_origin};

    #[test]
    fn origin_of_the_public_url() {
        assert_eq!(
            own_origin("https://help.shop.com/"),
            "https://help.shop.com"
        );
        assert_eq!(own_origin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(own_origin("https://shop.com/kefu"), "https://shop.com");
    }

    #[test]
    fn shedding_keeps_a_senders_order() {
        let mut h = Held::default();
        // Nothing refused: anything goes.
        assert!(h.may_send("c", "1"));
        h.settle("c", "1", false);
        // 2 refused: 3 (new) may not overtake it and joins the list; another conversation may.
        h.settle("c", "2", true);
        assert!(!h.may_send("c", "3"));
        assert!(h.may_send("d", "9"));
        // 3 sent again before 2: still refused.
        assert!(!h.may_send("c", "3"));
        // 2 again, refused again for load: it stays first.
        assert!(h.may_send("c", "2"));
        h.settle("c", "2", true);
        assert!(!h.may_send("c", "4"));
        // 2 taken; then 3 is first, and 4 after it.
        assert!(h.may_send("c", "2"));
        h.settle("c", "2", false);
        assert!(!h.may_send("c", "4"));
        assert!(h.may_send("c", "3"));
        h.settle("c", "3", false);
        assert!(h.may_send("c", "4"));
        h.settle("c", "4", false);
        assert!(h.0.is_empty());
        assert!(h.may_send("c", "5"));
    }
}
