//! Staff users, their sessions and login throttling, and the audit log:
//! one SQL text for both databases (see `sql.rs`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{on_both, sql, sql_as, sql_scalar, Int, Ts};
use super::*;

const STAFF_USER: &str = "SELECT id, email, role, password_hash, department FROM staff_users";

#[derive(Debug, Clone, PartialEq)]
pub struct StaffUserRecord {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub comuni: Vec<IstatCode>,
    /// An operator's department (its code); none for the other roles.
    pub department: Option<String>,
}

/// A dashboard session, found by the sha256 of its cookie's token.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: Uuid,
    /// The token every form of this session must send back.
    pub csrf: String,
    #[sqlx(try_from = "Ts")]
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "Ts")]
    pub expires_at: DateTime<Utc>,
}

/// One staff action, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditEntry {
    /// `staff:<email>`, or `anonymous` for a failed login of an unknown account.
    pub actor: String,
    /// Stable, snake_case: `login`, `login_failed`, `login_throttled`, `login_refused_throttled`, `logout`, `status_change`...
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    #[sqlx(try_from = "Ts")]
    pub at: DateTime<Utc>,
}

on_both! {
    async fn staff_user_from(store: &DbStore, row: Option<DbRow>) -> StoreResult<Option<StaffUserRecord>> {
        let Some(row) = row else {
            return Ok(None);
        };
        let id: Uuid = row.try_get("id")?;
        let comuni: Vec<String> = sql_scalar!("SELECT comune FROM staff_user_comuni WHERE user_id = $1 ORDER BY comune", id)
            .fetch_all(&store.read)
            .await?;
        Ok(Some(StaffUserRecord {
            id,
            email: row.try_get("email")?,
            role: row.try_get("role")?,
            password_hash: row.try_get("password_hash")?,
            comuni: comuni.iter().map(|c| parse_istat(c)).collect::<StoreResult<_>>()?,
            department: row.try_get("department")?,
        }))
    }

    pub trait StaffStore {
        async fn insert_staff_user(&self, user: &StaffUserRecord, at: DateTime<Utc>) -> StoreResult<()> {
            let mut tx = self.write.begin().await?;
            let inserted = sql!(
                "INSERT INTO staff_users (id, email, role, password_hash, created_at, department) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (email) DO NOTHING",
                user.id, &user.email, &user.role, &user.password_hash, Ts(at), &user.department
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Err(StoreError::Conflict(user.email.clone()));
            }
            for c in &user.comuni {
                sql!("INSERT INTO staff_user_comuni (user_id, comune) VALUES ($1, $2)", user.id, c.as_str()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        async fn staff_user_by_email(&self, email: &str) -> StoreResult<Option<StaffUserRecord>> {
            let row = sql!(&format!("{STAFF_USER} WHERE email = $1"), email).fetch_optional(&self.read).await?;
            staff_user_from(self, row).await
        }

        async fn staff_user_by_id(&self, id: Uuid) -> StoreResult<Option<StaffUserRecord>> {
            let row = sql!(&format!("{STAFF_USER} WHERE id = $1"), id).fetch_optional(&self.read).await?;
            staff_user_from(self, row).await
        }
    }

    /// Staff sessions and the failed logins that lock an account.
    pub trait SessionStore {
        /// Until when the account is locked, if it is at `now`.
        async fn login_locked_until(&self, user: Uuid, now: DateTime<Utc>) -> StoreResult<Option<DateTime<Utc>>> {
            let until: Option<Option<Ts>> =
                sql_scalar!("SELECT locked_until FROM staff_login_state WHERE user_id = $1", user).fetch_optional(&self.read).await?;
            Ok(until.flatten().map(|t| t.0).filter(|t| *t > now))
        }

        /// Counts one more failed login in a row; the one that reaches
        /// `max_failures` locks the account until `lock_until` (and restarts the count).
        async fn record_login_failure(&self, user: Uuid, max_failures: u32, lock_until: DateTime<Utc>) -> StoreResult<Option<DateTime<Utc>>> {
            let mut tx = self.write.begin().await?;
            let failures: Int = sql_scalar!(
                "INSERT INTO staff_login_state (user_id, failures) VALUES ($1, 1) \
                 ON CONFLICT (user_id) DO UPDATE SET failures = staff_login_state.failures + 1 RETURNING failures",
                user
            )
            .fetch_one(&mut *tx)
            .await?;
            let locked = failures.0 >= i64::from(max_failures);
            if locked {
                sql!("UPDATE staff_login_state SET failures = 0, locked_until = $1 WHERE user_id = $2", Ts(lock_until), user)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(locked.then_some(lock_until))
        }

        async fn clear_login_failures(&self, user: Uuid) -> StoreResult<()> {
            sql!("DELETE FROM staff_login_state WHERE user_id = $1", user).execute(&self.write).await?;
            Ok(())
        }

        async fn insert_session(&self, session: &SessionRecord) -> StoreResult<()> {
            sql!(
                "INSERT INTO staff_sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &session.token_hash, session.user_id, &session.csrf, Ts(session.created_at), Ts(session.expires_at)
            )
            .execute(&self.write)
            .await?;
            Ok(())
        }

        /// The session with this token hash, if it has not expired at `now`.
        async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<SessionRecord>> {
            Ok(sql_as!(
                "SELECT token_hash, user_id, csrf, created_at, expires_at FROM staff_sessions WHERE token_hash = $1 AND expires_at > $2",
                token_hash, Ts(now)
            )
            .fetch_optional(&self.read)
            .await?)
        }

        async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
            sql!("DELETE FROM staff_sessions WHERE token_hash = $1", token_hash).execute(&self.write).await?;
            Ok(())
        }
    }

    pub trait AuditStore {
        async fn append_audit(&self, e: &AuditEntry) -> StoreResult<()> {
            sql!(
                "INSERT INTO audit_log (actor, action, target, detail, at) VALUES ($1, $2, $3, $4, $5)",
                &e.actor, &e.action, &e.target, &e.detail, Ts(e.at)
            )
            .execute(&self.write)
            .await?;
            Ok(())
        }

        /// The newest entries first.
        async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
            Ok(sql_as!("SELECT actor, action, target, detail, at FROM audit_log ORDER BY seq DESC LIMIT $1", i64::from(limit))
                .fetch_all(&self.read)
                .await?)
        }
    }
}
