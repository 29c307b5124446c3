//! What the server allows of photo uploads, and the sweep that removes what
//! nobody finished or used: uploads never completed, and photos no report
//! shows some days after they arrived.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::platform::images::{ImageGate, ImageLimits};
use crate::platform::state::AppState;

/// Upload and image settings (each also a `CASA_<NAME>` variable, e.g.
/// `CASA_UPLOAD_MAX_BYTES`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UploadSettings {
    /// Largest photo upload (the tus `Upload-Length`); the app's photos are
    /// JPEGs of at most 2048 px, well under 2 MB.
    pub upload_max_bytes: u64,
    /// tus PATCH requests served at once; more get 503 with `Retry-After`.
    pub uploads_in_flight: u32,
    /// Uploads a device may start per hour; more get 429 (0: no limit).
    pub uploads_per_device_per_hour: u32,
    /// Unfinished uploads a device may have at once; starting one more ends
    /// its oldest (0: no limit).
    pub uploads_open_per_device: u32,
    /// Hours an unfinished upload is kept.
    pub upload_expiry_hours: u64,
    /// Days an uploaded photo waits for a report to show it before it is deleted.
    pub photo_unreferenced_days: u64,
    /// Longest side of an image the server decodes.
    pub image_max_side: u32,
    /// Largest decoded image, in MiB.
    pub image_max_alloc_mib: u64,
    /// Images decoded at once (CPU work on the blocking pool).
    pub image_decodes_at_once: u32,
}

impl Default for UploadSettings {
    fn default() -> Self {
        let images = ImageLimits::default();
        Self {
            upload_max_bytes: 16 * 1024 * 1024,
            uploads_in_flight: 16,
            uploads_per_device_per_hour: 60,
            uploads_open_per_device: 10,
            upload_expiry_hours: 24,
            photo_unreferenced_days: 7,
            image_max_side: images.max_side,
            image_max_alloc_mib: images.max_alloc / (1024 * 1024),
            image_decodes_at_once: 2,
        }
    }
}

impl UploadSettings {
    pub fn image_limits(&self) -> ImageLimits {
        ImageLimits { max_side: self.image_max_side, max_alloc: self.image_max_alloc_mib.saturating_mul(1024 * 1024) }
    }

    pub fn upload_expiry(&self) -> Duration {
        Duration::from_secs(self.upload_expiry_hours.saturating_mul(3600))
    }

    pub fn photo_expiry(&self) -> Duration {
        Duration::from_secs(self.photo_unreferenced_days.saturating_mul(86_400))
    }
}

/// The settings at work: the decoding gate and the PATCH slots.
#[derive(Debug)]
pub struct UploadPolicy {
    pub settings: UploadSettings,
    pub images: ImageGate,
    /// One permit per tus PATCH being served.
    pub patches: Arc<Semaphore>,
}

impl UploadPolicy {
    pub fn new(settings: UploadSettings) -> Self {
        let images = ImageGate::new(settings.image_limits(), settings.image_decodes_at_once as usize);
        let patches = Arc::new(Semaphore::new(settings.uploads_in_flight.max(1) as usize));
        Self { settings, images, patches }
    }
}

impl Default for UploadPolicy {
    fn default() -> Self {
        Self::new(UploadSettings::default())
    }
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub uploads: usize,
    pub photos: usize,
}

/// Deletes uploads never finished within the expiry (their records and
/// files, and any upload file older than that: finished ones keep their
/// info file for a while, and a crash may leave strays), then photos that
/// arrived by upload more than `photo_unreferenced_days` ago and that no
/// report shows.
pub async fn sweep(state: &AppState, now: chrono::DateTime<Utc>) -> Result<Swept, crate::store::StoreError> {
    let settings = state.uploads().settings.clone();
    let upload_cutoff = now - chrono::Duration::from_std(settings.upload_expiry()).unwrap_or(chrono::Duration::MAX);
    let mut swept = Swept::default();
    let dir = state.uploads_dir();
    for id in state.store().expire_uploads(upload_cutoff).await? {
        // Ids came from the tus handler (validated): a file name, never a path.
        if fileloft_core::UploadId::parse(&id).is_ok() {
            for name in [id.clone(), format!("{id}.info")] {
                let _ = tokio::fs::remove_file(dir.join(name)).await;
            }
        }
        swept.uploads += 1;
    }
    if let Ok(mut entries) = tokio::fs::read_dir(dir).await {
        let stale_before = std::time::SystemTime::now().checked_sub(settings.upload_expiry());
        while let Ok(Some(entry)) = entries.next_entry().await {
            let Ok(meta) = entry.metadata().await else { continue };
            let old = matches!((meta.modified(), stale_before), (Ok(m), Some(before)) if m < before);
            if meta.is_file() && old {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }
    let photo_cutoff = now - chrono::Duration::from_std(settings.photo_expiry()).unwrap_or(chrono::Duration::MAX);
    loop {
        let batch = state.store().unreferenced_photos(photo_cutoff, 100).await?;
        if batch.is_empty() {
            break;
        }
        let mut progressed = false;
        for sha in batch {
            if !state.store().forget_photo(&sha).await? {
                continue;
            }
            progressed = true;
            if let Ok(photo) = casa_shared_model::report::PhotoRef::parse(&sha) {
                if let Err(e) = state.photos().remove(&photo).await {
                    tracing::warn!(error = %e, photo = sha, "an expired photo could not be deleted");
                }
            }
            swept.photos += 1;
        }
        if !progressed {
            break;
        }
    }
    if swept != Swept::default() {
        tracing::info!(uploads = swept.uploads, photos = swept.photos, "expired uploads and unused photos deleted");
    }
    Ok(swept)
}

/// Runs [`sweep`] every `every`.
pub fn spawn_upload_sweeper(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&state, Utc::now()).await {
                tracing::warn!(error = %e, "upload sweep failed; will retry");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the error type
    fn upload_settings_come_from_the_environment_beside_the_others() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CASA_UPLOAD_MAX_BYTES", "1048576");
            jail.set_env("CASA_UPLOADS_PER_DEVICE_PER_HOUR", "5");
            let s = crate::platform::config::Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.uploads.upload_max_bytes, 1_048_576);
            assert_eq!(s.uploads.uploads_per_device_per_hour, 5);
            assert_eq!(s.uploads.uploads_open_per_device, UploadSettings::default().uploads_open_per_device);
            Ok(())
        });
    }
}
