//! 积分、储值、会员等级 Points, stored value, tiers.

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
