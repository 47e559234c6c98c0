//! The one error type use cases return, and what each store or domain refusal means.
//!
//! Every variant carries an English and a Chinese message and, where it is about an
//! input, the field's name as the API spells it. `web` maps variants to status codes.

use linli_domain::stock::StockError;
use linli_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input (400/422): names the field.
    #[error("{field}: {message_en}")]
    Invalid {
        field: String,
        message_en: String,
        message_zh: String,
    },
    #[error("not found")]
    NotFound,
    #[error("sign in first")]
    Unauthenticated,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("account locked until {until_ms}")]
    Locked { until_ms: i64 },
    #[error("not allowed: needs {permission}")]
    Forbidden { permission: &'static str },
    /// A request that can never succeed as sent (422) with its own code, such as an
    /// Idempotency-Key reused for a different request (`idempotency_key_reused`).
    #[error("{field}: {message_en}")]
    Rejected {
        code: &'static str,
        field: String,
        message_en: String,
        message_zh: String,
    },
    /// Conflicts with stored state (409): a taken code, a stock refusal, a state machine.
    #[error("{message_en}")]
    Conflict {
        code: &'static str,
        field: Option<String>,
        message_en: String,
        message_zh: String,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, en: &str, zh: &str) -> AppError {
        AppError::Invalid {
            field: field.into(),
            message_en: en.into(),
            message_zh: zh.into(),
        }
    }

    pub fn conflict(code: &'static str, field: Option<&str>, en: String, zh: String) -> AppError {
        AppError::Conflict {
            code,
            field: field.map(String::from),
            message_en: en,
            message_zh: zh,
        }
    }

    pub fn stock(e: StockError, field: &str) -> AppError {
        match e {
            StockError::Insufficient { .. } => {
                AppError::conflict("insufficient_stock", Some(field), e.to_string(), e.message_zh())
            }
            _ => AppError::Invalid {
                field: field.into(),
                message_en: e.to_string(),
                message_zh: e.message_zh(),
            },
        }
    }

    /// A stable machine-readable code for the error body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::NotFound => "not_found",
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::Locked { .. } => "locked",
            AppError::Forbidden { .. } => "forbidden",
            AppError::Conflict { code, .. } | AppError::Rejected { code, .. } => code,
            AppError::Internal(_) => "internal",
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            AppError::Invalid { message_en, .. }
            | AppError::Conflict { message_en, .. }
            | AppError::Rejected { message_en, .. } => message_en.clone(),
            AppError::NotFound => "Not found.".into(),
            AppError::Unauthenticated => "Please sign in.".into(),
            AppError::BadCredentials => "Wrong username or password.".into(),
            AppError::Locked { .. } => "Too many failed sign-ins; the account is locked for 15 minutes.".into(),
            AppError::Forbidden { .. } => "Your role does not allow this.".into(),
            AppError::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            AppError::Invalid { message_zh, .. }
            | AppError::Conflict { message_zh, .. }
            | AppError::Rejected { message_zh, .. } => message_zh.clone(),
            AppError::NotFound => "未找到。".into(),
            AppError::Unauthenticated => "请先登录。".into(),
            AppError::BadCredentials => "用户名或密码错误。".into(),
            AppError::Locked { .. } => "登录失败次数过多，账号已锁定 15 分钟。".into(),
            AppError::Forbidden { .. } => "您的角色无权执行此操作。".into(),
            AppError::Internal(_) => "服务器内部错误，已记录。".into(),
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } | AppError::Rejected { field, .. } => Some(field),
            AppError::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { field } => AppError::conflict(
                "conflict",
                Some(field),
                format!("{field} is already taken or refers to something that does not exist"),
                format!("{field} 已被占用或引用的对象不存在"),
            ),
            StoreError::Stock(s) => AppError::stock(s, "qty"),
            StoreError::State(what) => AppError::conflict(
                "state",
                None,
                what.to_string(),
                format!("当前状态不允许此操作（{what}）"),
            ),
            StoreError::Refused { code, field, en, zh } => AppError::conflict(code, Some(field), en, zh),
            StoreError::Db(e) => AppError::Internal(e.to_string()),
        }
    }
}
