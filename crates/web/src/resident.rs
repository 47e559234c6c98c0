//! Residents' sign-in on the API: `Authorization: Bearer res_…` tokens from
//! `POST /api/v1/resident/login`.
//!
//! Resident and staff tokens never stand in for each other: `ResidentAuth` accepts only
//! a resident token (a staff token is "not signed in" here), and `Auth` looks tokens up
//! among staff sessions only, where a resident's never is. Residents use bearer tokens
//! only (no cookie), so their requests need no CSRF token.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::Auth;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use linli_app::AppError;
use linli_app::orders::{PaymentCaller, RESIDENT_TOKEN_PREFIX, Resident};
use linli_domain::ids::OrgId;

/// The signed-in resident.
#[derive(Debug, Clone)]
pub struct ResidentAuth(pub Resident);

fn bearer(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

/// Whether a request carries a resident's token (rather than staff's or none).
pub fn is_resident_token(token: &str) -> bool {
    token.starts_with(RESIDENT_TOKEN_PREFIX)
}

/// The idempotency principal of a resident token: (organisation, "member:<id>").
pub async fn principal(state: &AppState, parts: &mut Parts, token: &str) -> Result<(OrgId, String), ApiError> {
    let r = state.app.authenticate_resident(token).await?;
    let p = (r.org, r.principal());
    parts.extensions.insert(r);
    Ok(p)
}

impl FromRequestParts<AppState> for ResidentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(r) = parts.extensions.get::<Resident>() {
            return Ok(ResidentAuth(r.clone()));
        }
        let token = bearer(parts).ok_or(AppError::Unauthenticated)?;
        let r = state.app.authenticate_resident(&token).await?;
        parts.extensions.insert(r.clone());
        Ok(ResidentAuth(r))
    }
}

/// Either kind of caller, for the few endpoints both use (the payment simulator).
#[derive(Debug, Clone)]
pub struct Caller(pub PaymentCaller);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if bearer(parts).is_some_and(|t| is_resident_token(&t)) {
            let ResidentAuth(r) = ResidentAuth::from_request_parts(parts, state).await?;
            return Ok(Caller(PaymentCaller::Resident(r)));
        }
        let Auth(a) = Auth::from_request_parts(parts, state).await?;
        Ok(Caller(PaymentCaller::Staff(a.actor)))
    }
}
