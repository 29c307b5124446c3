//! Live updates of a moderation queue, as server-sent events: how many
//! reports arrived in the queue since the page was drawn, so the moderator
//! knows to reload it. Reports ingested by this process wake the stream at
//! once; those of other processes sharing the database (PostgreSQL) are
//! found by a poll every few seconds, so no report is missed either way.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use casa_shared_model::IstatCode;
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use super::{DashError, StaffSession};
use crate::state::AppState;

/// How often the count is read again without news from this process.
pub const POLL: Duration = Duration::from_secs(5);
/// A stream ends after this long; the browser's EventSource reconnects by
/// itself (with the same `since`), and a revoked session stops there.
pub const MAX_STREAM: Duration = Duration::from_secs(15 * 60);
/// The event's name; its data is the number of new reports.
pub const EVENT: &str = "arrivals";

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    /// When the page was drawn, in microseconds since 1970 (the page puts it in the URL).
    since: i64,
}

/// The banner the queue page carries; `app.js` fills it from the events.
/// Without JavaScript it stays empty and the page works as before.
pub fn live_banner(comune: &IstatCode, drawn_at: DateTime<Utc>) -> Markup {
    let src = format!("/dashboard/comuni/{}/live?since={}", comune.as_str(), drawn_at.timestamp_micros());
    html! {
        div id="live" role="status" aria-live="polite" data-src=(src) {}
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
}

impl Watch {
    /// Waits for the next count that differs from the last one sent; `None`
    /// when the stream should end.
    async fn next_count(&mut self) -> Option<u64> {
        loop {
            if *self.closing.borrow() {
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
                    _ = tokio::time::sleep_until(self.ends_at) => return None,
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
    if !session.staff.can_moderate(&comune) {
        return Err(DashError::Forbidden);
    }
    let since =
        DateTime::from_timestamp_micros(q.since).ok_or_else(|| DashError::BadRequest("Istante non valido / Invalid time".into()))?;
    let watch = Watch {
        news: state.queue_news(),
        closing: state.closing(),
        state,
        comune,
        since,
        sent: None,
        ends_at: Instant::now() + MAX_STREAM,
    };
    let stream = futures::stream::unfold(watch, |mut w| async move {
        let n = w.next_count().await?;
        Some((Ok::<_, Infallible>(Event::default().event(EVENT).data(n.to_string())), w))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response())
}
