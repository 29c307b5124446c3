//! Citizens with a verified identity, their activation codes and tokens:
//! one SQL text for both databases (see `sql.rs`).

use casa_shared_model::DeviceId;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{on_both, sql, sql_as, sql_scalar, Ts};
use super::*;

/// A citizen whose identity was verified, once per person.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CitizenRecord {
    pub id: Uuid,
    /// sha256 of the normalised fiscal code (see `identity::person_key`).
    pub person_key: String,
    #[sqlx(try_from = "String")]
    pub residence: IstatCode,
    /// Who verified it: `staff:<email>` today, `spid`/`cie` later.
    pub provider: String,
    #[sqlx(try_from = "Ts")]
    pub verified_at: DateTime<Utc>,
}

on_both! {
    pub(crate) const CITIZEN_COLUMNS: &str = "id, person_key, residence, provider, verified_at";

    /// Verified citizens and the phones' tokens that speak for them.
    pub trait CitizenStore {
        /// Adds the citizen; a person already verified keeps their id and takes
        /// the newer residence and provider. Returns the stored row.
        async fn upsert_citizen(&self, c: &CitizenRecord) -> StoreResult<CitizenRecord> {
            Ok(sql_as!(
                &format!(
                    "INSERT INTO citizens ({CITIZEN_COLUMNS}, key_version) VALUES ($1, $2, $3, $4, $5, 1) \
                     ON CONFLICT (person_key) DO UPDATE SET residence = excluded.residence, provider = excluded.provider, \
                     verified_at = excluded.verified_at RETURNING {CITIZEN_COLUMNS}"
                ),
                c.id, &c.person_key, c.residence.as_str(), &c.provider, Ts(c.verified_at)
            )
            .fetch_one(&self.write)
            .await?)
        }

        async fn insert_activation(&self, code_hash: &str, citizen: Uuid, expires_at: DateTime<Utc>) -> StoreResult<()> {
            sql!(
                "INSERT INTO citizen_activations (code_hash, citizen_id, expires_at) VALUES ($1, $2, $3)",
                code_hash, citizen, Ts(expires_at)
            )
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
            let citizen: Option<Uuid> = sql_scalar!(
                "UPDATE citizen_activations SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING citizen_id",
                Ts(now), code_hash, Ts(now)
            )
            .fetch_optional(&mut *tx)
            .await?;
            let Some(citizen) = citizen else {
                return Ok(None);
            };
            sql!(
                "INSERT INTO citizen_tokens (token_hash, citizen_id, device_id, created_at) VALUES ($1, $2, $3, $4)",
                token_hash, citizen, device.as_uuid(), Ts(now)
            )
            .execute(&mut *tx)
            .await?;
            let found = sql_as!(&format!("SELECT {CITIZEN_COLUMNS} FROM citizens WHERE id = $1"), citizen).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(found))
        }

        /// Stores a token for a citizen directly (a provider that verified them itself).
        async fn insert_citizen_token(&self, token_hash: &str, citizen: Uuid, device: &DeviceId, at: DateTime<Utc>) -> StoreResult<()> {
            sql!(
                "INSERT INTO citizen_tokens (token_hash, citizen_id, device_id, created_at) VALUES ($1, $2, $3, $4)",
                token_hash, citizen, device.as_uuid(), Ts(at)
            )
            .execute(&self.write)
            .await?;
            Ok(())
        }

        /// The citizen a token stands for, and the phone it was issued to.
        async fn citizen_by_token(&self, token_hash: &str) -> StoreResult<Option<(CitizenRecord, DeviceId)>> {
            let row = sql!(
                "SELECT c.id, c.person_key, c.residence, c.provider, c.verified_at, t.device_id FROM citizen_tokens t \
                 JOIN citizens c ON c.id = t.citizen_id WHERE t.token_hash = $1",
                token_hash
            )
            .fetch_optional(&self.read)
            .await?;
            row.as_ref()
                .map(|r| Ok((sqlx::FromRow::from_row(r)?, DeviceId::try_from(r.try_get::<Uuid, _>("device_id")?).map_err(corrupt)?)))
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
                sql!("UPDATE citizens SET person_key = $1, key_version = 1 WHERE id = $2 AND key_version = 0", rekey(key.clone()), id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            u32::try_from(old.len()).map_err(corrupt)
        }

        /// The fingerprint of the identity secret the database was first keyed
        /// with; `fingerprint` becomes it if there is none yet.
        async fn identity_fingerprint(&self, fingerprint: &str) -> StoreResult<String> {
            sql!(
                "INSERT INTO identity_secret (id, fingerprint, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
                fingerprint, Ts(Utc::now())
            )
            .execute(&self.write)
            .await?;
            Ok(sqlx::query_scalar("SELECT fingerprint FROM identity_secret WHERE id = 1").fetch_one(&self.write).await?)
        }
    }
}
