//! `/api/v1/admin/users/{id}`: one user as an admin sees them. The list, role changes and
//! disabling live with the other account endpoints in [`super::account`].

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Id, Json};
use crate::state::AppState;
use axum::extract::State;
use evently::dto::AdminUserDetail;
use evently::error::ErrorBody;

/// `GET /api/v1/admin/users/{id}` (admins).
#[utoipa::path(
    get,
    path = "/api/v1/admin/users/{id}",
    tag = "admin",
    operation_id = "get_user",
    summary = "One user: the account, their latest bookings and waitlist entries, and the audit entries by or about them (admins)",
    description = "Each list holds the latest `shown` (50) at most; `more_bookings`, \
        `more_waitlist` and `more_audit` say whether older ones were left out. Deleted \
        accounts are shown too (`deleted`), with their personal data already erased.",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The user", body = AdminUserDetail),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such user", body = ErrorBody),
    ),
)]
pub async fn user(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<AdminUserDetail>> {
    Ok(Json(s.core.accounts().user_detail(&actor, id).await?))
}
