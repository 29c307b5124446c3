//! Photos on the server: content-addressed files under `<data_dir>/photos`,
//! named by the sha256 of their bytes. They arrive through the tus endpoint
//! (`/api/v1/uploads`); an upload completes only if its bytes hash to the
//! sha256 it declared, so a name always matches its content.

use std::path::{Path, PathBuf};

use casa_shared_model::report::PhotoRef;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

/// Larger than any processed photo (2048 px JPEGs are well under 2 MB), with
/// room for the original-size uploads some back-offices send.
pub const MAX_UPLOAD_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct PhotoStore {
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum PhotoStoreError {
    #[error("il contenuto non corrisponde allo sha256 dichiarato / the content does not match the declared sha256")]
    HashMismatch,
    #[error("photo storage: {0}")]
    Io(#[from] std::io::Error),
}

impl PhotoStore {
    pub fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    pub fn path(&self, photo: &PhotoRef) -> PathBuf {
        self.dir.join(photo.as_str())
    }

    pub async fn contains(&self, photo: &PhotoRef) -> bool {
        tokio::fs::try_exists(self.path(photo)).await.unwrap_or(false)
    }

    /// Files a finished upload under its sha256 after checking its content.
    /// A hard link when possible (same disk, no copy), a copy otherwise.
    pub async fn adopt(&self, upload: &Path, photo: &PhotoRef) -> Result<(), PhotoStoreError> {
        if sha256_of_file(upload).await? != photo.as_str() {
            return Err(PhotoStoreError::HashMismatch);
        }
        let target = self.path(photo);
        if tokio::fs::try_exists(&target).await? {
            return Ok(());
        }
        let partial = target.with_extension("part");
        if tokio::fs::hard_link(upload, &partial).await.is_err() {
            tokio::fs::copy(upload, &partial).await?;
        }
        tokio::fs::rename(&partial, &target).await?;
        Ok(())
    }
}

impl PhotoStore {
    /// Files bytes made on the server (a blurred copy) under their sha256.
    pub async fn save(&self, bytes: &[u8]) -> Result<PhotoRef, PhotoStoreError> {
        let photo = PhotoRef::of_bytes(bytes);
        let target = self.path(&photo);
        if !tokio::fs::try_exists(&target).await? {
            let partial = target.with_extension("part");
            tokio::fs::write(&partial, bytes).await?;
            tokio::fs::rename(&partial, &target).await?;
        }
        Ok(photo)
    }

    /// Deletes a photo no report shows any more (the original of a blurred
    /// one: it must not stay reachable by its address).
    pub async fn remove(&self, photo: &PhotoRef) -> Result<(), PhotoStoreError> {
        match tokio::fs::remove_file(self.path(photo)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

pub async fn sha256_of_file(path: &Path) -> std::io::Result<String> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
