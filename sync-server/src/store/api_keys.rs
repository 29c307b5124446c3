//! API keys for machines (Open311 clients, back-offices), stored by their
//! sha256 with their scope (see [`crate::platform::api_keys`]). The key itself is
//! never stored, and no method here hands out the hash.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{on_both, sql, sql_as, Ts};
use super::{parse_istat, StoreResult};
use crate::platform::api_keys::{KeyScope, Permissions};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub name: String,
    pub scope: KeyScope,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const INSERT: &str =
    "INSERT INTO api_keys (id, name, key_hash, created_at, comune, department, scopes) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const COLUMNS: &str = "SELECT id, name, comune, department, scopes, created_at, revoked_at FROM api_keys";
const REVOKE: &str = "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";

type Row = (Uuid, String, Option<String>, Option<String>, String, Ts, Option<Ts>);

fn record((id, name, comune, department, scopes, created_at, revoked_at): Row) -> StoreResult<ApiKeyRecord> {
    // A stored list this server cannot read grants nothing rather than failing every request.
    let permissions = Permissions::parse(&scopes).unwrap_or_default();
    let comune = comune.as_deref().map(parse_istat).transpose()?;
    let scope = KeyScope { comune, department, permissions };
    Ok(ApiKeyRecord { id, name, scope, created_at: created_at.0, revoked_at: revoked_at.map(|t| t.0) })
}

on_both! {
    pub trait ApiKeyStore {
        async fn insert_api_key(&self, key: &ApiKeyRecord, key_hash: &str) -> StoreResult<()> {
            sql!(
                INSERT,
                key.id, &key.name, key_hash, Ts(key.created_at), key.scope.comune.map(|c| c.as_str().to_owned()),
                key.scope.department.as_deref(), key.scope.permissions.to_list()
            )
            .execute(&self.write)
            .await?;
            Ok(())
        }

        async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
            let sql = format!("{COLUMNS} WHERE key_hash = $1");
            let row: Option<Row> = sql_as!(&sql, key_hash).fetch_optional(&self.read).await?;
            row.map(record).transpose()
        }

        /// Every key, revoked ones included, oldest first.
        async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRecord>> {
            let sql = format!("{COLUMNS} ORDER BY created_at, id");
            let rows: Vec<Row> = sqlx::query_as(&sql).fetch_all(&self.read).await?;
            rows.into_iter().map(record).collect()
        }

        /// Marks the key revoked at `at`; false when there is no such key or it
        /// was revoked already (its first revocation time stays).
        async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<bool> {
            Ok(sql!(REVOKE, Ts(at), id).execute(&self.write).await?.rows_affected() > 0)
        }
    }
}
