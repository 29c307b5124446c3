//! The phone's secret, beside its id: made here at first run (or on the
//! upgrade of a phone installed before keys existed), so the phone needs no
//! server to start filing reports. It goes with every request
//! (`X-Casa-Device-Key`); the server keeps its hash from the first request it
//! receives and refuses that id with any other key, so the id alone (seen in
//! logs, shared screenshots, petition reviews) no longer speaks for the phone.

use base64::Engine;
use rand::RngCore;
use rusqlite::{Connection, OptionalExtension};

use super::{LocalStore, StoreError, StoreResult};

pub(super) const MIGRATION: &str = "ALTER TABLE device ADD COLUMN key TEXT;";

/// Bytes of randomness in a key (the server expects exactly this many).
pub const KEY_BYTES: usize = 32;

/// A new key: [`KEY_BYTES`] bytes from the operating system's generator,
/// base64url without padding.
pub fn new_device_key() -> String {
    let mut bytes = [0u8; KEY_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored key, made and stored first if the phone has none yet.
pub(super) fn ensure(conn: &Connection) -> StoreResult<String> {
    let existing: Option<Option<String>> = conn.query_row("SELECT key FROM device", [], |r| r.get(0)).optional()?;
    match existing {
        Some(Some(key)) => Ok(key),
        Some(None) => {
            let key = new_device_key();
            // `key IS NULL`: two processes opening the store at once keep the
            // first one's key.
            conn.execute("UPDATE device SET key = ?1 WHERE key IS NULL", [&key])?;
            Ok(conn.query_row("SELECT key FROM device", [], |r| r.get::<_, Option<String>>(0))?.unwrap_or(key))
        }
        None => Err(StoreError::Corrupt("device row missing".to_owned())),
    }
}

impl LocalStore {
    /// The phone's secret, sent as `X-Casa-Device-Key` with its id.
    pub fn device_key(&self) -> &str {
        &self.device_key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_phone_has_a_key_of_32_random_bytes_kept_across_restarts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = LocalStore::open(dir.path()).expect("open");
        let key = first.device_key().to_owned();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&key).expect("base64url");
        assert_eq!(bytes.len(), KEY_BYTES);
        drop(first);
        assert_eq!(LocalStore::open(dir.path()).expect("reopen").device_key(), key);
        let other = tempfile::tempdir().expect("tempdir");
        assert_ne!(LocalStore::open(other.path()).expect("open").device_key(), key);
    }

    #[test]
    fn a_phone_installed_before_keys_keeps_its_id_and_gets_a_key_on_upgrade() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("casa-mobile.db");
        let latest = {
            let mut scratch = Connection::open_in_memory().expect("scratch");
            super::super::migrations().to_latest(&mut scratch).expect("latest");
            scratch.pragma_query_value(None, "user_version", |r| r.get::<_, usize>(0)).expect("version")
        };
        let id = casa_shared_model::DeviceId::new();
        {
            // The schema as the previous release left it, with its device row.
            let mut old = Connection::open(&path).expect("old");
            super::super::migrations().to_version(&mut old, latest - 1).expect("previous schema");
            old.execute("INSERT INTO device (id, created_at) VALUES (?1, '2025-01-01T00:00:00Z')", [id.to_string()]).expect("device");
        }
        let store = LocalStore::open(dir.path()).expect("upgrade");
        assert_eq!(store.device_id(), id, "the same phone");
        assert_eq!(parse_len(store.device_key()), KEY_BYTES);
        let key = store.device_key().to_owned();
        drop(store);
        assert_eq!(LocalStore::open(dir.path()).expect("reopen").device_key(), key, "made once");
    }

    fn parse_len(key: &str) -> usize {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(key).map(|b| b.len()).unwrap_or(0)
    }
}
