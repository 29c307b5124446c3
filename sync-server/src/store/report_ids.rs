//! Which of a batch's report ids the server already holds: a re-send is
//! answered as the first time and never counts against the new-report
//! limits (see [`crate::platform::ratelimit`]).

use std::collections::HashSet;

use casa_shared_model::ReportId;
use uuid::Uuid;

use super::sql::on_both;
use super::StoreResult;

on_both! {
    pub trait KnownReports {
        /// The ids among `ids` of reports stored already (whatever their status).
        async fn known_reports(&self, ids: &[ReportId]) -> StoreResult<HashSet<Uuid>> {
            if ids.is_empty() {
                return Ok(HashSet::new());
            }
            // One bound parameter per id: a batch is at most 500 reports, far
            // under either database's limit on parameters.
            let mut query = sqlx::QueryBuilder::<Db>::new("SELECT id FROM reports WHERE id IN (");
            let mut list = query.separated(", ");
            for id in ids {
                list.push_bind(id.as_uuid());
            }
            list.push_unseparated(")");
            let found: Vec<Uuid> = query.build_query_scalar().fetch_all(&self.read).await?;
            Ok(found.into_iter().collect())
        }
    }
}
