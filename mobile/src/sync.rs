//! The sync engine: push the outbox in batches, pull what changed, and keep
//! trying through bad networks without ever losing or duplicating an item.
//!
//! Safety comes from the protocol, not from luck: every item carries its own
//! UUIDv7 and the server answers a re-send exactly as the first send, so an
//! answer lost on the way back costs one more request, never a duplicate.
//! Items leave the outbox only once the server's answer is applied, and the
//! cursor moves in the same transaction as the changes it covers.

use std::time::Duration;

use casa_shared_model::report::PhotoRef;
use casa_shared_model::wire::sections::{Reports, ReportsPull};

use crate::sections::{RoundContext, SectionError, COMPONENTS};
use casa_shared_model::wire::{Item, ItemOutcome, NearbyQuery, SyncRequest};
use rand::Rng;

use crate::client::{Client, ClientError};
use crate::store::{LocalStore, StoreError};
use crate::upload::Uploader;

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Items per request.
    pub batch_size: usize,
    /// Failed attempts in a row, without any item or byte getting through,
    /// before giving up for now (the outbox stays for next time).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Also refresh the cached public reports around this point.
    pub nearby: Option<NearbyQuery>,
    /// Also refresh the petitions of this Comune (the citizen's own).
    pub petitions: Option<casa_shared_model::IstatCode>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            batch_size: 100,
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            nearby: None,
            petitions: None,
        }
    }
}

/// Where a sync stands, for progress bars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Items answered by the server so far in this sync.
    pub items_done: usize,
    /// Items that were waiting when this sync started.
    pub items_total: usize,
    pub changes_applied: usize,
    /// Requests sent, retries included.
    pub requests: usize,
    /// Photo bytes acknowledged by the server in this sync.
    pub bytes_done: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub accepted: usize,
    pub rejected: usize,
    pub changes: usize,
    pub requests: usize,
    pub photos_uploaded: usize,
    /// Items the server put off (too many new reports at once): still in the
    /// outbox, for a sync after `retry_after`.
    pub deferred: usize,
    /// When the server said to send the deferred items again.
    pub retry_after: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncFailure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl SyncFailure {
    /// A section that does not parse: the server speaks another shape.
    fn malformed(e: serde_json::Error) -> Self {
        SyncFailure::Client(ClientError::InvalidResponse(e.to_string()))
    }

    fn is_retryable(&self) -> bool {
        matches!(self, SyncFailure::Client(e) if e.is_retryable())
    }
}

/// The delay before retry `attempt` (1-based): exponential, capped, with
/// "equal jitter" so that phones coming back online together spread out.
pub fn backoff(opts: &SyncOptions, attempt: u32, rng: &mut impl Rng) -> Duration {
    let exp = opts.base_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(opts.max_delay);
    let half = capped / 2;
    half + half.mul_f64(rng.gen::<f64>())
}

/// Syncs until the outbox is empty and no changes are waiting, retrying
/// network failures with backoff. On failure the outbox keeps what was not
/// answered, and the error is recorded for `casa status`.
pub async fn sync(
    store: &mut LocalStore,
    client: &Client,
    opts: &SyncOptions,
    mut progress: impl FnMut(SyncProgress),
) -> Result<SyncSummary, SyncFailure> {
    let mut state = SyncProgress { items_total: store.outbox_len()? as usize, ..SyncProgress::default() };
    let mut summary = SyncSummary::default();
    let mut attempt = 0u32;
    // Always as the store's own phone, with its key, whatever client was given.
    let client = &client.clone().with_device(store.device_id(), store.device_key());
    let uploader = client.uploader();
    loop {
        let before = (state.items_done, state.bytes_done, summary.photos_uploaded);
        let step = match sync_round(store, client, &uploader, opts, &mut state, &mut summary, &mut progress).await {
            Ok(Round::Again) => Ok(true),
            Ok(Round::Done { directory_version }) => {
                refresh_offline_data(store, client, directory_version, &mut state).await.map(|()| false)
            }
            Err(e) => Err(e),
        };
        match step {
            Ok(true) => continue,
            Ok(false) => {
                store.record_sync(Ok(()))?;
                summary.requests = state.requests;
                return Ok(summary);
            }
            Err(e) => {
                store.record_sync(Err(&e.to_string()))?;
                // A network that breaks now and then but lets work through is
                // retried at once again; only failures in a row back off further
                // and count against `max_attempts`.
                let progressed = before != (state.items_done, state.bytes_done, summary.photos_uploaded);
                attempt = if progressed { 1 } else { attempt + 1 };
                if !e.is_retryable() || attempt >= opts.max_attempts {
                    return Err(e);
                }
                // Drawn before the await: a thread-local generator must not be held
                // across it, or the sync could not run on a multi-threaded runtime.
                let delay = backoff(opts, attempt, &mut rand::thread_rng());
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Sends the photos a batch needs, before the batch: a photo the server has
/// is skipped; an upload cut short resumes from the server's offset.
pub(crate) async fn upload_photos(
    store: &mut LocalStore,
    uploader: &Uploader,
    photos: Vec<(PhotoRef, Option<String>)>,
    state: &mut SyncProgress,
    summary: &mut SyncSummary,
    progress: &mut impl FnMut(SyncProgress),
) -> Result<(), SyncFailure> {
    for (photo, url) in photos {
        if uploader.has(&photo).await? {
            store.mark_uploaded(&photo)?;
            continue;
        }
        let bytes = store.read_photo(&photo)?;
        let resumed = match &url {
            Some(url) => match uploader.offset(url).await {
                Ok(found) => found.map(|offset| (url.clone(), offset)),
                // The server answered `has` just now, so an upload address it
                // cannot even connect to is stale (the server moved, or gave
                // its own port before a restart): kept, it would hold this
                // photo back for ever; the next round starts a new upload.
                Err(ClientError::Network(e)) if e.is_connect() => {
                    store.set_upload_url(&photo, None)?;
                    return Err(ClientError::Network(e).into());
                }
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let (url, offset) = match resumed {
            Some(found) => found,
            None => {
                let url = uploader.create(&photo, bytes.len() as u64).await?;
                store.set_upload_url(&photo, Some(&url))?;
                (url, 0)
            }
        };
        let before = state.bytes_done;
        state.requests += 1;
        uploader
            .send_from(&url, &bytes, offset, |acked| {
                state.bytes_done = before + acked.saturating_sub(offset);
                progress(*state);
            })
            .await?;
        // Trust the server's photo store, not the upload's offset: an upload
        // that reached its length but was never filed is redone from scratch.
        if !uploader.has(&photo).await? {
            store.set_upload_url(&photo, None)?;
            return Err(ClientError::InvalidResponse(format!("photo {} not stored after its upload; retrying", photo.as_str())).into());
        }
        store.mark_uploaded(&photo)?;
        summary.photos_uploaded += 1;
    }
    Ok(())
}

enum Round {
    Again,
    Done { directory_version: i64 },
}

/// What the phone keeps to work offline, brought up to `version`.
async fn refresh_offline_data(store: &mut LocalStore, client: &Client, version: i64, state: &mut SyncProgress) -> Result<(), SyncFailure> {
    refresh_directory(store, client, version, state).await?;
    refresh_outlines(store, client, version, state).await
}

/// Fetches the Comuni, their services and categories again when the
/// server's directory changed since the device last fetched it.
async fn refresh_directory(store: &mut LocalStore, client: &Client, version: i64, state: &mut SyncProgress) -> Result<(), SyncFailure> {
    if store.directory_version()? == Some(version) {
        return Ok(());
    }
    state.requests += 1;
    let comuni = client.comuni().await?;
    store.replace_comuni(version, &comuni)?;
    Ok(())
}

/// Fetches the outlines the offline map lacks (the citizen's Comune and
/// those of their reports): a few kilobytes each, once per directory version.
async fn refresh_outlines(store: &mut LocalStore, client: &Client, version: i64, state: &mut SyncProgress) -> Result<(), SyncFailure> {
    for code in store.outlines_wanted(version)? {
        state.requests += 1;
        let outline = client.comune_outline(&code).await?;
        store.save_outline(&code, version, outline.as_ref())?;
    }
    Ok(())
}

/// One batch: its photos first, then one request; returns whether another
/// round is needed. Working batch by batch keeps a round's cost to its own
/// items however long the outbox, and gets the first reports through early.
async fn sync_round(
    store: &mut LocalStore,
    client: &Client,
    uploader: &Uploader,
    opts: &SyncOptions,
    state: &mut SyncProgress,
    summary: &mut SyncSummary,
    progress: &mut impl FnMut(SyncProgress),
) -> Result<Round, SyncFailure> {
    let items = store.outbox_batch(opts.batch_size.max(1))?;
    let photos = store.photos_to_upload_for(&items)?;
    upload_photos(store, uploader, photos, state, summary, progress).await?;
    let ids: Vec<uuid::Uuid> = items.iter().map(|i| i.id()).collect();
    let cursor = store.sync_state()?.cursor;
    store.note_attempt(&ids)?;
    let full_batch = items.len() >= opts.batch_size.max(1);
    // Public reports around the user are asked for once per sync, in its last
    // request, so they include whatever this sync changed.
    let nearby = if full_batch { None } else { opts.nearby };
    // The petitions of the citizen's Comune, likewise: the one asked for, or
    // the phone's home Comune, or where the verified citizen lives.
    let home = store.setting(crate::store::HOME_COMUNE_SETTING)?.and_then(|c| casa_shared_model::IstatCode::parse(&c).ok());
    let identity = store.identity()?;
    let residence = identity.as_ref().map(|i| i.residence);
    let round = RoundContext { last: !full_batch, home: opts.petitions.or(home).or(residence) };
    let mut req = SyncRequest::new(store.device_id());
    req.items = items.iter().map(Item::from).collect();
    req.set_pull::<Reports>(&ReportsPull { cursor: Some(cursor), nearby });
    for component in COMPONENTS {
        component.ask(store, &round, &mut req)?;
    }
    state.requests += 1;
    let res = client.sync_as(&req, identity.as_ref().map(|i| i.token.as_str())).await?;
    // Each section is there only when its component has something new.
    let reports = res.section::<Reports>().map_err(SyncFailure::malformed)?;
    let (changes, next_cursor, has_more) = match &reports {
        Some(r) => (r.changes.as_slice(), r.cursor, r.has_more),
        None => (&[][..], cursor, false),
    };
    store.apply_response(&res.results, changes, next_cursor)?;
    if let (Some(q), Some(found)) = (nearby, reports.as_ref().and_then(|r| r.nearby.as_ref())) {
        store.replace_nearby(&q, found)?;
    }
    for component in COMPONENTS {
        component.apply(store, &round, &res).map_err(|e| match e {
            SectionError::Store(e) => SyncFailure::Store(e),
            SectionError::Malformed { cause, .. } => SyncFailure::malformed(cause),
        })?;
    }
    let mut deferred = 0;
    for r in &res.results {
        match r.outcome {
            ItemOutcome::Accepted(_) | ItemOutcome::Counted(_) => summary.accepted += 1,
            ItemOutcome::Rejected { .. } => summary.rejected += 1,
            ItemOutcome::Deferred { retry_after_secs, .. } => {
                deferred += 1;
                let wait = Duration::from_secs(retry_after_secs);
                summary.retry_after = Some(summary.retry_after.map_or(wait, |w| w.max(wait)));
            }
        }
    }
    summary.deferred += deferred;
    summary.changes += changes.len();
    state.items_done += res.results.len();
    state.changes_applied += changes.len();
    progress(*state);
    // Deferred items stay first in the outbox: sending the next batch now
    // would only send them again. Changes still waiting are pulled all the
    // same; the deferred items go with a later sync.
    let again = if deferred > 0 { has_more } else { full_batch || has_more };
    Ok(if again { Round::Again } else { Round::Done { directory_version: res.directory_version } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_sync_can_run_on_a_multi_threaded_runtime() {
        fn is_send<T: Send>(_: &T) {}
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = LocalStore::open(dir.path()).expect("open");
        let client = Client::new("http://127.0.0.1:9");
        let opts = SyncOptions::default();
        let fut = sync(&mut store, &client, &opts, |_| {});
        is_send(&fut);
    }

    #[test]
    fn backoff_grows_exponentially_is_capped_and_stays_within_its_jitter_band() {
        let opts = SyncOptions { base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(2), ..SyncOptions::default() };
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for attempt in 1..=10 {
            let full = Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(2));
            for _ in 0..50 {
                let d = backoff(&opts, attempt, &mut rng);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?} outside [{:?}, {full:?}]", full / 2);
            }
        }
    }
}
