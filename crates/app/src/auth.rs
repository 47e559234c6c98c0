//! Signing in and out, sessions, passwords.
//!
//! Passwords are hashed with argon2id. A session token is 32 random bytes shown to
//! the client once; the database keeps its SHA-256. Five wrong passwords in a row
//! lock the account for 15 minutes (the domain's rule); per-IP rate limiting sits in
//! front of this in `web`.

use crate::{Actor, App, AppError};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use linli_domain::auth;
use linli_store::SessionRow;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a session lasts: a console shift or an API integration's day.
pub const SESSION_TTL_MS: i64 = 12 * 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A console cookie; state-changing forms must carry its CSRF token.
    Cookie,
    /// An API bearer token.
    Api,
}

impl SessionKind {
    fn code(self) -> &'static str {
        match self {
            SessionKind::Cookie => "cookie",
            SessionKind::Api => "api",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub actor: Actor,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub csrf_token: String,
    pub kind: String,
    pub token_hash: String,
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn actor_of(s: &linli_store::StaffRow) -> Actor {
    Actor {
        org: s.org_id,
        staff: s.id,
        store: s.store_id,
        role: s.role,
        username: s.username.clone(),
        display_name: s.display_name.clone(),
    }
}

impl App {
    pub async fn login(&self, username: &str, password: &str, kind: SessionKind) -> Result<NewSession, AppError> {
        let now = self.now();
        let username = username.trim().to_ascii_lowercase();
        let Some(staff) = self.store.staff_by_username(&username).await? else {
            // Spend the same time as a real check so timing does not reveal usernames.
            let _ = verify_password(password, DUMMY_HASH);
            return Err(AppError::BadCredentials);
        };
        if let Some(until) = staff.locked_until
            && until > now
        {
            return Err(AppError::Locked { until_ms: until });
        }
        if !staff.active || !verify_password(password, &staff.password_hash) {
            let lock_until = now + auth::LOGIN_LOCK_MS;
            let (failures, locked_until) = self
                .store
                .record_login_failure(staff.id, auth::LOGIN_FAILURES_MAX, lock_until)
                .await?;
            let locked = locked_until.filter(|u| *u > now);
            tracing::info!(staff = staff.id.0, failures, locked = locked.is_some(), "failed login");
            return Err(match locked {
                Some(until_ms) => AppError::Locked { until_ms },
                None => AppError::BadCredentials,
            });
        }
        let token = random_token();
        let csrf_token = random_token();
        let expires_at = now + SESSION_TTL_MS;
        self.store
            .create_session(&staff, &token_hash(&token), kind.code(), &csrf_token, now, expires_at)
            .await?;
        Ok(NewSession {
            token,
            csrf_token,
            actor: actor_of(&staff),
            expires_at,
        })
    }

    /// The actor behind a token, if the session is live.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, AppError> {
        let hash = token_hash(token);
        let session: SessionRow = self
            .store
            .session(&hash, self.now())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(Authenticated {
            actor: actor_of(&session.staff),
            csrf_token: session.csrf_token,
            kind: session.kind,
            token_hash: hash,
        })
    }

    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        self.store.delete_session(&token_hash(token)).await?;
        Ok(())
    }

    /// Changes one's own password; other sessions end, this one stays.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current_token: &str,
        old: &str,
        new: &str,
    ) -> Result<(), AppError> {
        let staff = self.store.staff(actor.org, actor.staff).await?;
        if !verify_password(old, &staff.password_hash) {
            return Err(AppError::invalid(
                "old_password",
                "the current password is wrong",
                "当前密码不正确",
            ));
        }
        let new =
            auth::new_password(new).map_err(|e| AppError::invalid("new_password", &e.to_string(), &e.message_zh()))?;
        let hash = hash_password(new)?;
        self.store
            .set_password(actor.org, actor.staff, &hash, Some(&token_hash(current_token)))
            .await?;
        Ok(())
    }
}

/// An argon2id hash of a random string, checked against when the username is unknown.
pub(crate) const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2D4cAtGBR1MeY0o7mWJmK3Tg0IVxjI5tCHF6qqzdk3o";
