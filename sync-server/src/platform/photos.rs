//! Photos on the server: files under `<data_dir>/photos`, each named by a
//! sha256.
//!
//! A citizen's photo is named by the sha256 of the bytes the phone sent: the
//! report refers to it by that name, before or after the photo arrives, and
//! the phone asks for it by that name (`HEAD /api/v1/photos/{sha256}`) to
//! skip sending it twice. Its tus upload completes only if the bytes hash to
//! that name. What is stored under the name, though, is the server's cleaned
//! copy ([`crate::platform::images::clean`]): metadata gone, upright, JPEG. For the
//! app's photos (upright JPEGs with no metadata) the two are the same bytes;
//! for any other client's they may differ, and the name stays the
//! reference of the upload, not a hash of the file. Photos the server makes
//! itself (a blurred copy, an office's photo of the work) are named by the
//! sha256 of their own bytes ([`PhotoStore::save`]).

use std::path::PathBuf;

use casa_shared_model::report::PhotoRef;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

#[derive(Debug, Clone)]
pub struct PhotoStore {
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum PhotoStoreError {
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

    /// Files the cleaned copy of an upload under the sha256 the upload
    /// declared (and matched). A photo already there stays: the same upload
    /// bytes always clean to the same copy.
    pub async fn file_cleaned(&self, photo: &PhotoRef, cleaned: &[u8]) -> Result<(), PhotoStoreError> {
        let target = self.path(photo);
        if tokio::fs::try_exists(&target).await? {
            return Ok(());
        }
        // A name of its own: two uploads of the same photo may finish at once.
        let partial = target.with_extension(format!("{}.part", uuid::Uuid::now_v7().simple()));
        tokio::fs::write(&partial, cleaned).await?;
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

pub async fn sha256_of_file(path: &std::path::Path) -> std::io::Result<String> {
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
