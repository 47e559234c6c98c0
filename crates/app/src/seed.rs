//! First start: an organisation and its owner for an empty database.
//!
//! Without `--demo`, `linli serve` on an empty database calls `bootstrap`, which
//! prints a one-time owner password. The demo community is in `demo_seed`.

use crate::auth::{hash_password, random_token};
use crate::{App, AppError};
use linli_domain::auth::Role;
use linli_store::{LocationKind, NewLocation, NewStaff};

pub const DEMO_PASSWORD: &str = "demo1234";
pub const DEMO_ACCOUNTS: [(&str, &str); 4] = [
    ("owner", "店主 owner"),
    ("manager", "店长 manager"),
    ("cashier", "收银员 cashier"),
    ("rider", "骑手 rider"),
];

#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub products: usize,
    pub members: usize,
    pub sales: usize,
    pub refused_sales: usize,
    pub lots: usize,
}

/// Gives an empty database an organisation, a store with a sales floor and backroom,
/// and an owner whose one-time password is returned. `None` if the database is in use.
pub async fn bootstrap(app: &App) -> Result<Option<String>, AppError> {
    if !app.store.is_empty().await? {
        return Ok(None);
    }
    let now = app.now();
    let org = app.store.create_org("我的门店", now).await?;
    let store = app.store.create_store(org, "S1", "我的门店", "", None, now).await?;
    for (code, zh, en, kind) in [
        ("FLOOR", "门店卖场", "Sales floor", LocationKind::SalesFloor),
        ("BACK", "后仓", "Backroom", LocationKind::Backroom),
    ] {
        let loc = NewLocation {
            code,
            name_zh: zh,
            name_en: en,
            kind,
            lat_e6: None,
            lon_e6: None,
        };
        app.store.create_location(org, store, &loc).await?;
    }
    let password = random_token()[..12].to_string();
    let hash = hash_password(&password)?;
    let owner = NewStaff {
        store: Some(store),
        username: "owner",
        display_name: "店主",
        role: Role::Owner,
        password_hash: &hash,
    };
    app.store.create_staff(org, &owner, None, now).await?;
    Ok(Some(password))
}
