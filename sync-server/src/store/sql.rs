//! One SQL text for both databases.
//!
//! The store's queries are written once, in the dialect SQLite and PostgreSQL
//! share (`$1..$N` placeholders, which sqlx's SQLite driver binds by number),
//! inside [`on_both!`]: the macro compiles the same body twice, once per
//! backend, with `Db`, `DbRow` and `DbStore` naming that backend's types. The
//! column types that differ get one Rust type each that maps to both
//! ([`Ts`]: integer microseconds on SQLite, `timestamptz` on PostgreSQL;
//! [`Photos`]: JSON text on SQLite, `text[]` on PostgreSQL), so the bodies
//! bind and read the same way.
//!
//! A query lists its parameters after the SQL, in `$N` order, as sqlx's own
//! `query!` does: `sql!("... WHERE id = $1 AND at > $2", id, Ts(at))`
//! (and `sql_as!`, `sql_scalar!`). A record read whole derives
//! `sqlx::FromRow`, which is generic over the row type and so serves both
//! backends; its columns of our own types convert on the way in
//! (`#[sqlx(try_from = "Ts")]`, `"Maybe<Ts>"`, `"Int"`, `"String"` for an
//! ISTAT code or a [`text_enum!`], `flatten` with `StatusColumns` for a
//! status kept as two columns).
//!
//! What truly differs (row and advisory locks, `UNNEST` bulk inserts, `SKIP
//! LOCKED`) stays in `sqlite.rs` and `postgres.rs`, as methods both stores
//! have under the same name (see [`Backend`] for the rare text switch).
//!
//! Why a macro and not code generic over `sqlx::Database`: both were
//! written for the device store (one method, three queries) and compiled
//! on 2026-12-04. The generic `impl<DB> DeviceStore for Generic<DB>` needs
//! an eleven-line `where` clause (an `Executor` bound on the pool,
//! `IntoArguments`, an `Encode + Type` bound for each bound type, `Decode +
//! Type` for each read type, `FromRow` and `ColumnIndex` for the scalar):
//! 21 lines against the macro body's 14, and every further type read or
//! bound, every transaction (`&mut Connection: Executor`) and every
//! `try_get` by name adds a bound, so a store of the reports' size would
//! carry a clause longer than most of its queries, and its errors name the
//! bounds rather than the SQL. The macro body reads as plain sqlx code and
//! costs one more codegen unit per backend. `sqlx::Any` was ruled out: it
//! has no UUID or time types.

use chrono::{DateTime, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::sqlite::SqliteValueRef;
use sqlx::{Database, Decode, Encode, Postgres, Sqlite, Type};

/// Which database a body was compiled for, for the rare query whose text
/// must differ (say why where you use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Compiles the items once for SQLite (module `sqlite`) and once for
/// PostgreSQL (module `postgres`). Inside, `Db`, `DbRow`, `DbStore` and
/// `BACKEND` name the backend, `FOR_UPDATE` and `FOR_UPDATE_SKIP_LOCKED`
/// its row-lock clauses (empty on SQLite, whose single writer serialises);
/// everything of the enclosing module is in scope.
///
/// A store's trait is written once, its methods with their bodies:
/// `pub trait ReportStore { async fn report(&self, id: &ReportId) -> … { body } }`
/// declares the trait (`Send + Sync`, async methods, the docs) beside the
/// modules and implements it for both stores with those bodies, so a
/// method's signature is not written twice.
macro_rules! on_both {
    (@split [$($items:tt)*] [$($traits:tt)*]
        $(#[$tm:meta])*
        pub trait $name:ident {
            $(
                $(#[$mm:meta])*
                async fn $f:ident(&$me:ident $(, $a:ident: $t:ty)* $(,)?) -> $r:ty $b:block
            )*
        }
        $($rest:tt)*
    ) => {
        $crate::store::sql::on_both!(@split
            [$($items)* #[::async_trait::async_trait] impl $name for DbStore { $(async fn $f(&$me $(, $a: $t)*) -> $r $b)* }]
            [$($traits)*
                $(#[$tm])*
                #[::async_trait::async_trait]
                pub trait $name: Send + Sync { $($(#[$mm])* async fn $f(&$me $(, $a: $t)*) -> $r;)* }
            ]
            $($rest)*
        );
    };
    (@split [$($items:tt)*] [$($traits:tt)*] $item:item $($rest:tt)*) => {
        $crate::store::sql::on_both!(@split [$($items)* $item] [$($traits)*] $($rest)*);
    };
    (@split [$($items:tt)*] [$($traits:tt)*]) => {
        $($traits)*
        #[allow(unused_imports, dead_code)]
        pub(crate) mod sqlite {
            use super::*;
            use sqlx::Row as _;
            pub(crate) type Db = ::sqlx::Sqlite;
            pub(crate) type DbRow = ::sqlx::sqlite::SqliteRow;
            pub(crate) type DbStore = $crate::store::SqliteStore;
            pub(crate) const BACKEND: $crate::store::sql::Backend = $crate::store::sql::Backend::Sqlite;
            use $crate::store::sqlite as backend;
            // SQLite's one writer serialises transactions: no row locks.
            pub(crate) const FOR_UPDATE: &str = "";
            pub(crate) const FOR_UPDATE_SKIP_LOCKED: &str = "";
            $($items)*
        }
        #[allow(unused_imports, dead_code)]
        pub(crate) mod postgres {
            use super::*;
            use sqlx::Row as _;
            pub(crate) type Db = ::sqlx::Postgres;
            pub(crate) type DbRow = ::sqlx::postgres::PgRow;
            pub(crate) type DbStore = $crate::store::PgStore;
            pub(crate) const BACKEND: $crate::store::sql::Backend = $crate::store::sql::Backend::Postgres;
            use $crate::store::postgres as backend;
            pub(crate) const FOR_UPDATE: &str = " FOR UPDATE";
            pub(crate) const FOR_UPDATE_SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
            $($items)*
        }
    };
    ($($body:tt)*) => {
        $crate::store::sql::on_both!(@split [] [] $($body)*);
    };
}

pub(crate) use on_both;

/// A query with its parameters bound in order, `$1` first, listed after the
/// SQL as sqlx's own `query!` lists them (that macro checks the SQL against
/// one database at build time; ours runs on two, so the text is checked by
/// the storage tests on both).
macro_rules! sql {
    ($sql:expr $(, $arg:expr)* $(,)?) => { ::sqlx::query($sql)$(.bind($arg))* };
}

/// [`sql!`] for `sqlx::query_as`: rows read as a tuple or a `FromRow` type.
macro_rules! sql_as {
    ($sql:expr $(, $arg:expr)* $(,)?) => { ::sqlx::query_as($sql)$(.bind($arg))* };
}

/// [`sql!`] for `sqlx::query_scalar`: the first column of each row.
macro_rules! sql_scalar {
    ($sql:expr $(, $arg:expr)* $(,)?) => { ::sqlx::query_scalar($sql)$(.bind($arg))* };
}

pub(crate) use {sql, sql_as, sql_scalar};

/// An enum kept as a word in a TEXT column: declares it with `as_str` and
/// `parse`, and the `TryFrom<String>` a record deriving `sqlx::FromRow`
/// reads it with (`#[sqlx(try_from = "String")]`).
macro_rules! text_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vm])* $variant,)+
        }

        impl $name {
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::store::StoreError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s).ok_or_else(|| $crate::store::corrupt(format!("{} {s}", stringify!($name))))
            }
        }
    };
}

pub(crate) use text_enum;

/// Gives a column type the SQL type of another on one backend: `Ts` is an
/// `i64` to SQLite and a `DateTime<Utc>` to PostgreSQL.
macro_rules! stored_as {
    ($t:ty: $($db:ty => $inner:ty),+) => {$(
        impl Type<$db> for $t {
            fn type_info() -> <$db as Database>::TypeInfo {
                <$inner as Type<$db>>::type_info()
            }
            fn compatible(ty: &<$db as Database>::TypeInfo) -> bool {
                <$inner as Type<$db>>::compatible(ty)
            }
        }
    )+};
}

stored_as!(Ts: Sqlite => i64, Postgres => DateTime<Utc>);
stored_as!(Photos: Sqlite => String, Postgres => Vec<String>);
stored_as!(Int: Sqlite => i64);

/// A moment, stored as integer microseconds since the epoch on SQLite (they
/// compare and index as numbers) and as `timestamptz` on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ts(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Ts {
    fn from(t: DateTime<Utc>) -> Self {
        Ts(t)
    }
}

impl From<Ts> for DateTime<Utc> {
    fn from(t: Ts) -> Self {
        t.0
    }
}

impl<'q> Encode<'q, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut <Sqlite as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Sqlite>>::encode(self.0.timestamp_micros(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let us = <i64 as Decode<'r, Sqlite>>::decode(value)?;
        DateTime::from_timestamp_micros(us).map(Ts).ok_or_else(|| format!("timestamp {us} out of range").into())
    }
}

impl<'q> Encode<'q, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut <Postgres as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <DateTime<Utc> as Encode<'q, Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <DateTime<Utc> as Decode<'r, Postgres>>::decode(value).map(Ts)
    }
}

/// A column that may be NULL, for a record that derives `sqlx::FromRow`:
/// `#[sqlx(try_from = "Maybe<Ts>")] at: Option<DateTime<Utc>>`, as `Ts`
/// serves a `DateTime<Utc>` (an `Option` of another crate's type cannot
/// convert itself).
pub struct Maybe<T>(Option<T>);

impl<DB: Database, T: Type<DB>> Type<DB> for Maybe<T> {
    fn type_info() -> DB::TypeInfo {
        T::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        T::compatible(ty)
    }
}

impl<'r, DB: Database, T> Decode<'r, DB> for Maybe<T>
where
    Option<T>: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        <Option<T> as Decode<'r, DB>>::decode(value).map(Maybe)
    }
}

impl From<Maybe<Ts>> for Option<DateTime<Utc>> {
    fn from(t: Maybe<Ts>) -> Self {
        t.0.map(|t| t.0)
    }
}

impl TryFrom<Maybe<uuid::Uuid>> for Option<casa_shared_model::DeviceId> {
    type Error = casa_shared_model::ids::InvalidId;
    fn try_from(id: Maybe<uuid::Uuid>) -> Result<Self, Self::Error> {
        id.0.map(casa_shared_model::DeviceId::try_from).transpose()
    }
}

impl From<Int> for u32 {
    fn from(n: Int) -> Self {
        n.count()
    }
}

/// A report's photos (sha256 hex, in order): a JSON array in a TEXT column
/// on SQLite, `text[]` on PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Photos(pub Vec<String>);

impl<'q> Encode<'q, Sqlite> for Photos {
    fn encode_by_ref(&self, buf: &mut <Sqlite as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Sqlite>>::encode(serde_json::to_string(&self.0)?, buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Photos {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        Ok(Photos(serde_json::from_str(text)?))
    }
}

impl<'q> Encode<'q, Postgres> for Photos {
    fn encode_by_ref(&self, buf: &mut <Postgres as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <Vec<String> as Encode<'q, Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Photos {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <Vec<String> as Decode<'r, Postgres>>::decode(value).map(Photos)
    }
}

impl From<Photos> for Vec<String> {
    fn from(p: Photos) -> Self {
        p.0
    }
}

/// A whole number read from any integer column: PostgreSQL's `INTEGER`
/// (`int4`) and `BIGINT` alike, SQLite's integers; so one query text reads
/// counts and levels on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Int(pub i64);

impl Int {
    /// As a count shown to people or compared with one (never negative in
    /// our tables; a corrupt negative reads as 0).
    pub fn count(self) -> u32 {
        u32::try_from(self.0.max(0)).unwrap_or(u32::MAX)
    }
}

impl<'r> Decode<'r, Sqlite> for Int {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        <i64 as Decode<'r, Sqlite>>::decode(value).map(Int)
    }
}

impl Type<Postgres> for Int {
    fn type_info() -> PgTypeInfo {
        <i64 as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <i64 as Type<Postgres>>::compatible(ty) || <i32 as Type<Postgres>>::compatible(ty) || <i16 as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for Int {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        use sqlx::{TypeInfo, ValueRef};
        let name = value.type_info().name().to_owned();
        match name.as_str() {
            "INT2" => <i16 as Decode<'r, Postgres>>::decode(value).map(|n| Int(i64::from(n))),
            "INT4" => <i32 as Decode<'r, Postgres>>::decode(value).map(|n| Int(i64::from(n))),
            _ => <i64 as Decode<'r, Postgres>>::decode(value).map(Int),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A body written once, read back on the embedded backend: the shape every
    // store file uses.
    mod probe {
        use super::*;
        use crate::store::StoreResult;

        on_both! {
            pub(crate) async fn roundtrip(store: &DbStore, t: DateTime<Utc>) -> StoreResult<(DateTime<Utc>, Option<Ts>)> {
                let row: (Ts, Option<Ts>) = sql_as!("SELECT $1, $2", Ts(t), None::<Ts>).fetch_one(&store.read).await?;
                Ok((row.0.into(), row.1))
            }
        }
    }

    #[tokio::test]
    async fn a_moment_written_once_comes_back_to_the_microsecond_on_sqlite() {
        let store = crate::store::SqliteStore::connect("sqlite::memory:").await.expect("store");
        let t = DateTime::from_timestamp_micros(1_733_300_000_123_456).expect("valid");
        assert_eq!(probe::sqlite::roundtrip(&store, t).await.expect("query"), (t, None));
    }
}
