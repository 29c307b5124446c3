//! Phones' keys (see [`crate::platform::device`]): the sha256 of the secret each
//! phone registered on its first contact.

use casa_shared_model::DeviceId;
use chrono::{DateTime, Utc};

use super::sql::{on_both, sql, sql_scalar, Ts};
use super::StoreResult;

// First contact wins: concurrent first requests of one phone (or a thief
// racing it) all land on the one row, and every later one compares with it.
const REGISTER: &str = "INSERT INTO devices (device_id, key_sha256, created_at) VALUES ($1, $2, $3) ON CONFLICT (device_id) DO NOTHING";
const KEY: &str = "SELECT key_sha256 FROM devices WHERE device_id = $1";

on_both! {
    pub trait DeviceStore {
        /// Registers `key_sha256` for `device` unless it already has a key, and
        /// returns the key hash the device has now (the one just registered, or
        /// the earlier one, which the caller compares).
        async fn register_device_key(&self, device: &DeviceId, key_sha256: &[u8], at: DateTime<Utc>) -> StoreResult<Vec<u8>> {
            // A known phone costs one read on the read pool, not a write on
            // SQLite's single writer connection.
            if let Some(hash) = sqlx::query_scalar::<_, Vec<u8>>(KEY).bind(device.as_uuid()).fetch_optional(&self.read).await? {
                return Ok(hash);
            }
            sql!(REGISTER, device.as_uuid(), key_sha256, Ts(at)).execute(&self.write).await?;
            Ok(sql_scalar!(KEY, device.as_uuid()).fetch_one(&self.write).await?)
        }
    }
}
