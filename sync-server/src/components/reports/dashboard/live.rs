//! Live updates of a moderation queue, as server-sent events: how many
//! reports arrived in the queue since the page was drawn, so the moderator
//! knows to reload it. Reports ingested by this process wake the stream at
//! once; those of other processes sharing the database (PostgreSQL) are
//! found by a poll every few seconds, so no report is missed either way.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use casa_shared_model::IstatCode;
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::dashboard::i18n::t;
use crate::dashboard::{DashError, StaffSession};
use crate::platform::state::AppState;

/// How often the count is read again without news from this process.
pub const POLL: Duration = Duration::from_secs(5);
/// A stream ends after this long; the browser's EventSource reconnects by
/// itself (with the same `since`), and a revoked session stops there.
pub const MAX_STREAM: Duration = Duration::from_secs(15 * 60);
/// The event's name; its data is the number of new reports.
pub const EVENT: &str = "arrivals";
/// Streams one session may have open at once (a few tabs); more get 429.
/// Each holds a connection and wakes for every report, so a stolen or
/// scripted session must not open thousands.
pub const MAX_STREAMS_PER_SESSION: usize = 4;

/// The open live streams of each session (by its token's hash): at most a
/// few per session, and logging out ends them at once. In memory: streams
/// of a session closed through another process end at their next poll,
/// when the session is found gone.
#[derive(Debug)]
pub struct LiveStreams {
    max_per_session: usize,
    sessions: Mutex<HashMap<String, SessionStreams>>,
}

#[derive(Debug)]
struct SessionStreams {
    open: usize,
    ended: watch::Sender<bool>,
}

impl Default for LiveStreams {
    fn default() -> Self {
        Self::with_limit(MAX_STREAMS_PER_SESSION)
    }
}

impl LiveStreams {
    pub fn with_limit(max_per_session: usize) -> Self {
        Self { max_per_session, sessions: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SessionStreams>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for one more stream of the session, unless it has its fill.
    pub fn open(self: &Arc<Self>, token_hash: &str) -> Option<StreamSlot> {
        let mut sessions = self.lock();
        let entry = sessions.entry(token_hash.to_owned()).or_insert_with(|| SessionStreams { open: 0, ended: watch::channel(false).0 });
        if entry.open >= self.max_per_session {
            return None;
        }
        entry.open += 1;
        Some(StreamSlot { streams: Arc::clone(self), token_hash: token_hash.to_owned(), ended: entry.ended.subscribe() })
    }

    /// Ends the session's streams: it was closed.
    pub fn end_session(&self, token_hash: &str) {
        if let Some(entry) = self.lock().remove(token_hash) {
            entry.ended.send_replace(true);
        }
    }

    /// How many streams the session has open.
    pub fn open_streams(&self, token_hash: &str) -> usize {
        self.lock().get(token_hash).map_or(0, |e| e.open)
    }
}

/// One open stream; dropping it (the stream ended or the client left) frees
/// its place.
#[derive(Debug)]
pub struct StreamSlot {
    streams: Arc<LiveStreams>,
    token_hash: String,
    ended: watch::Receiver<bool>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut sessions = self.streams.lock();
        if let Some(entry) = sessions.get_mut(&self.token_hash) {
            entry.open = entry.open.saturating_sub(1);
            if entry.open == 0 {
                sessions.remove(&self.token_hash);
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    /// When the page was drawn, in microseconds since 1970 (the page puts it in the URL).
    since: i64,
}

/// The banner the queue page carries; `app.js` fills it from the events,
/// with the texts it carries in the clerk's language. Without JavaScript it
/// stays empty and the page works as before.
pub fn live_banner(comune: &IstatCode, drawn_at: DateTime<Utc>) -> Markup {
    let src = format!("/dashboard/comuni/{}/live?since={}", comune.as_str(), drawn_at.timestamp_micros());
    html! {
        div id="live" role="status" aria-live="polite" data-src=(src) data-one=(t("rep-live-one")) data-many=(t("rep-live-many")) data-reload=(t("rep-live-reload")) {}
    }
}

struct Watch {
    state: AppState,
    comune: IstatCode,
    since: DateTime<Utc>,
    sent: Option<u64>,
    news: broadcast::Receiver<IstatCode>,
    closing: watch::Receiver<bool>,
    ends_at: Instant,
    slot: StreamSlot,
}

impl Watch {
    /// Waits for the next count that differs from the last one sent; `None`
    /// when the stream should end. The server's stop ends it at once, even
    /// while a query waits for a busy database: a stream must never hold up
    /// a shutdown.
    async fn next_count(&mut self) -> Option<u64> {
        let mut closing = self.closing.clone();
        tokio::select! {
            n = self.changed_count() => n,
            _ = closing.wait_for(|stopping| *stopping) => None,
        }
    }

    async fn changed_count(&mut self) -> Option<u64> {
        loop {
            if *self.closing.borrow() || *self.slot.ended.borrow() {
                return None;
            }
            if self.sent.is_some() {
                tokio::select! {
                    news = self.news.recv() => match news {
                        Ok(c) if c != self.comune => continue,
                        // Lagged: some news was dropped, so read the count.
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = tokio::time::sleep(POLL) => {}
                    _ = self.closing.changed() => return None,
                    // Logged out through this process.
                    _ = self.slot.ended.changed() => return None,
                    _ = tokio::time::sleep_until(self.ends_at) => return None,
                }
                // Logged out through another process sharing the database,
                // or expired: found here, one poll later at most.
                match self.state.store().session(&self.slot.token_hash, Utc::now()).await {
                    Ok(Some(_)) => {}
                    Ok(None) => return None,
                    Err(e) => tracing::warn!(error = %e, "live queue session check failed; will retry"),
                }
            }
            match self.state.store().queue_arrivals(&self.comune, self.since).await {
                Ok(n) if Some(n) != self.sent => {
                    self.sent = Some(n);
                    return Some(n);
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "live queue count failed; will retry");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }
}

/// `GET /dashboard/comuni/{code}/live?since=…`: an `arrivals` event with the
/// count at once, then each time it changes.
pub async fn events(
    session: StaffSession,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<LiveQuery>,
) -> Result<Response, DashError> {
    let comune = IstatCode::parse(&code).map_err(|_| DashError::NotFound)?;
    if state.directory().comune(&comune).is_none() {
        return Err(DashError::NotFound);
    }
    if !session.staff.may_see_queue(&comune) {
        return Err(DashError::Forbidden);
    }
    let since = DateTime::from_timestamp_micros(q.since).ok_or_else(|| DashError::bad("rep-error-live-since"))?;
    let Some(slot) = state.live_streams().open(&session.session.token_hash) else {
        let page = crate::dashboard::pages::error_page(&t("rep-live-too-many-title"), &t("rep-live-too-many"));
        return Ok((StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "60")], page).into_response());
    };
    // The stream ends with the session, whichever comes first.
    let session_left = (session.session.expires_at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    let watch = Watch {
        news: state.queue_news(),
        closing: state.closing(),
        state,
        comune,
        since,
        sent: None,
        ends_at: Instant::now() + MAX_STREAM.min(session_left),
        slot,
    };
    let stream = futures::stream::unfold(watch, |mut w| async move {
        let n = w.next_count().await?;
        Some((Ok::<_, Infallible>(Event::default().event(EVENT).data(n.to_string())), w))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_gets_four_streams_a_closed_one_frees_its_place_and_logging_out_ends_them_all() {
        let streams = Arc::new(LiveStreams::default());
        let mut open: Vec<StreamSlot> = (0..4).map(|_| streams.open("session-a").expect("a place")).collect();
        assert!(streams.open("session-a").is_none(), "a fifth is refused");
        let other = streams.open("session-b").expect("another session has its own places");
        drop(open.pop());
        open.push(streams.open("session-a").expect("a freed place is taken again"));
        assert_eq!(streams.open_streams("session-a"), 4);

        streams.end_session("session-a");
        assert!(open.iter().all(|s| *s.ended.borrow()), "every stream of the session hears it ended");
        assert!(!*other.ended.borrow());
        drop(open);
        assert_eq!((streams.open_streams("session-a"), streams.open_streams("session-b")), (0, 1));
        drop(other);
        assert!(streams.lock().is_empty(), "nothing kept once every stream is gone");
    }
}
