//! Operation table: the team server's audit log (`team::audit`), newest first.

use crate::store::StoreError;
pub use crate::team::audit::{AuditEntry, AuditQuery};
use crate::{Core, Result};

/// Who changed what through the server's operations, newest first.
pub async fn list(core: &Core, input: AuditQuery) -> Result<Vec<AuditEntry>> {
    let db = core.open_team_db().await?;
    Ok(crate::team::audit::list(&db, &input).await.map_err(StoreError::from)?)
}
