//! Citizens with a verified identity, their activation codes and tokens:
//! one SQL text for both databases (see `sql.rs`).

use casa_shared_model::DeviceId;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{on_both, Ts};
use super::*;

/// A citizen whose identity was verified, once per person.
#[derive(Debug, Clone, PartialEq)]
pub struct CitizenRecord {
    pub id: Uuid,
    /// sha256 of the normalised fiscal code (see `identity::person_key`).
    pub person_key: String,
    pub residence: IstatCode,
    /// Who verified it: `staff:<email>` today, `spid`/`cie` later.
    pub provider: String,
    pub verified_at: DateTime<Utc>,
}

on_both! {
    pub(crate) const CITIZEN_COLUMNS: &str = "id, person_key, residence, provider, verified_at";

    pub(crate) fn citizen_from_row(row: &DbRow) -> StoreResult<CitizenRecord> {
        let residence: String = row.try_get("residence")?;
        Ok(CitizenRecord {
            id: row.try_get("id")?,
            person_key: row.try_get("person_key")?,
            residence: parse_istat(&residence)?,
            provider: row.try_get("provider")?,
            verified_at: row.try_get::<Ts, _>("verified_at")?.0,
        })
    }

    /// Verified citizens and the phones' tokens that speak for them.
    pub trait CitizenStore {
        /// Adds the citizen; a person already verified keeps their id and takes
        /// the newer residence and provider. Returns the stored row.
        async fn upsert_citizen(&self, c: &CitizenRecord) -> StoreResult<CitizenRecord> {
            let row = sqlx::query(&format!(
                "INSERT INTO citizens ({CITIZEN_COLUMNS}, key_version) VALUES ($1, $2, $3, $4, $5, 1) \
                 ON CONFLICT (person_key) DO UPDATE SET residence = excluded.residence, provider = excluded.provider, \
                 verified_at = excluded.verified_at RETURNING {CITIZEN_COLUMNS}"
            ))
            .bind(c.id)
            .bind(&c.person_key)
            .bind(c.residence.as_str())
            .bind(&c.provider)
            .bind(Ts(c.verified_at))
            .fetch_one(&self.write)
            .await?;
            citizen_from_row(&row)
        }

        async fn insert_activation(&self, code_hash: &str, citizen: Uuid, expires_at: DateTime<Utc>) -> StoreResult<()> {
            sqlx::query("INSERT INTO citizen_activations (code_hash, citizen_id, expires_at) VALUES ($1, $2, $3)")
                .bind(code_hash)
                .bind(citizen)
                .bind(Ts(expires_at))
                .execute(&self.write)
                .await?;
            Ok(())
        }

        /// Uses a one-time activation code: the phone's token is stored and the
        /// citizen returned; `None` if the code is unknown, used or expired.
        async fn activate(
            &self,
            code_hash: &str,
            token_hash: &str,
            device: &DeviceId,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<CitizenRecord>> {
            let mut tx = self.write.begin().await?;
            let citizen: Option<Uuid> = sqlx::query_scalar(
                "UPDATE citizen_activations SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING citizen_id",
            )
            .bind(Ts(now))
            .bind(code_hash)
            .bind(Ts(now))
            .fetch_optional(&mut *tx)
            .await?;
            let Some(citizen) = citizen else {
                return Ok(None);
            };
            sqlx::query("INSERT INTO citizen_tokens (token_hash, citizen_id, device_id, created_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(citizen)
                .bind(device.as_uuid())
                .bind(Ts(now))
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query(&format!("SELECT {CITIZEN_COLUMNS} FROM citizens WHERE id = $1")).bind(citizen).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            citizen_from_row(&row).map(Some)
        }

        /// Stores a token for a citizen directly (a provider that verified them itself).
        async fn insert_citizen_token(&self, token_hash: &str, citizen: Uuid, device: &DeviceId, at: DateTime<Utc>) -> StoreResult<()> {
            sqlx::query("INSERT INTO citizen_tokens (token_hash, citizen_id, device_id, created_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(citizen)
                .bind(device.as_uuid())
                .bind(Ts(at))
                .execute(&self.write)
                .await?;
            Ok(())
        }

        /// The citizen a token stands for, and the phone it was issued to.
        async fn citizen_by_token(&self, token_hash: &str) -> StoreResult<Option<(CitizenRecord, DeviceId)>> {
            let row = sqlx::query(
                "SELECT c.id, c.person_key, c.residence, c.provider, c.verified_at, t.device_id FROM citizen_tokens t \
                 JOIN citizens c ON c.id = t.citizen_id WHERE t.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?;
            row.as_ref()
                .map(|r| Ok((citizen_from_row(r)?, DeviceId::try_from(r.try_get::<Uuid, _>("device_id")?).map_err(corrupt)?)))
                .transpose()
        }

        /// Re-keys the citizens keyed by an earlier release (version 0) with
        /// `rekey` of their key; returns how many.
        async fn rekey_legacy_citizens(&self, rekey: &(dyn Fn(String) -> String + Send + Sync)) -> StoreResult<u32> {
            let mut tx = self.write.begin().await?;
            let old: Vec<(Uuid, String)> =
                sqlx::query_as(&format!("SELECT id, person_key FROM citizens WHERE key_version = 0{FOR_UPDATE_SKIP_LOCKED}"))
                    .fetch_all(&mut *tx)
                    .await?;
            for (id, key) in &old {
                sqlx::query("UPDATE citizens SET person_key = $1, key_version = 1 WHERE id = $2 AND key_version = 0")
                    .bind(rekey(key.clone()))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            u32::try_from(old.len()).map_err(corrupt)
        }

        /// The fingerprint of the identity secret the database was first keyed
        /// with; `fingerprint` becomes it if there is none yet.
        async fn identity_fingerprint(&self, fingerprint: &str) -> StoreResult<String> {
            sqlx::query("INSERT INTO identity_secret (id, fingerprint, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING")
                .bind(fingerprint)
                .bind(Ts(Utc::now()))
                .execute(&self.write)
                .await?;
            Ok(sqlx::query_scalar("SELECT fingerprint FROM identity_secret WHERE id = 1").fetch_one(&self.write).await?)
        }
    }
}
