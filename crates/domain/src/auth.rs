//! Staff roles and what each may do (权限表).
//!
//! The table here is the single source of the permission matrix; the web layer asks
//! `allows(role, permission)` and ARCHITECTURE.md prints the same table.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// 店主 the owner: everything.
    Owner,
    /// 店长 the manager: runs the store, manages cashiers and riders.
    Manager,
    /// 收银员 the cashier: sells, looks up, receives goods.
    Cashier,
    /// 骑手 the rider: delivers; sees stock and products read-only.
    Rider,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Manager, Role::Cashier, Role::Rider];

    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Cashier => "cashier",
            Role::Rider => "rider",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Owner => "店主",
            Role::Manager => "店长",
            Role::Cashier => "收银员",
            Role::Rider => "骑手",
        }
    }

    /// Whether staff of this role may give `other` to someone (managers cannot make owners or managers).
    pub fn may_assign(self, other: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Manager => matches!(other, Role::Cashier | Role::Rider),
            Role::Cashier | Role::Rider => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See products, stock, locations, alerts.
    ViewCatalog,
    /// Create products and edit everything but the price.
    EditCatalog,
    /// Change a selling price.
    ChangePrice,
    /// Receive goods (with or without a purchase order).
    ReceiveGoods,
    /// Create, send and close purchase orders; manage suppliers.
    ManagePurchasing,
    /// Adjust stock by hand, write off waste, post stock counts.
    AdjustStock,
    /// Start and fill in a stock count.
    CountStock,
    /// Ring up sales at the till.
    Sell,
    /// Create staff, change roles, reset passwords.
    ManageStaff,
    /// Read the audit log.
    ViewAudit,
    /// See residents (masked phone numbers).
    ViewMembers,
    /// Top up a member's stored value at the till (储值充值).
    TopUp,
    /// Edit members, tiers, points rules; adjust points and stored value by hand.
    ManageMembers,
    /// Create and end coupons and promotions; issue coupons.
    ManageOffers,
    /// Prepare online orders, verify pickup codes (核销), hand over and deliver.
    FulfilOrders,
    /// Refund a sale or an order (退款), whole or in part.
    Refund,
    /// Import orders from a delivery platform (美团/饿了么).
    ImportOrders,
}

impl Permission {
    pub const ALL: [Permission; 17] = [
        Permission::ViewCatalog,
        Permission::EditCatalog,
        Permission::ChangePrice,
        Permission::ReceiveGoods,
        Permission::ManagePurchasing,
        Permission::AdjustStock,
        Permission::CountStock,
        Permission::Sell,
        Permission::ManageStaff,
        Permission::ViewAudit,
        Permission::ViewMembers,
        Permission::TopUp,
        Permission::ManageMembers,
        Permission::ManageOffers,
        Permission::FulfilOrders,
        Permission::Refund,
        Permission::ImportOrders,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Permission::ViewCatalog => "view_catalog",
            Permission::EditCatalog => "edit_catalog",
            Permission::ChangePrice => "change_price",
            Permission::ReceiveGoods => "receive_goods",
            Permission::ManagePurchasing => "manage_purchasing",
            Permission::AdjustStock => "adjust_stock",
            Permission::CountStock => "count_stock",
            Permission::Sell => "sell",
            Permission::ManageStaff => "manage_staff",
            Permission::ViewAudit => "view_audit",
            Permission::ViewMembers => "view_members",
            Permission::TopUp => "top_up",
            Permission::ManageMembers => "manage_members",
            Permission::ManageOffers => "manage_offers",
            Permission::FulfilOrders => "fulfil_orders",
            Permission::Refund => "refund",
            Permission::ImportOrders => "import_orders",
        }
    }
}

/// The permission table.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Owner | Role::Manager => true,
        Role::Cashier => matches!(
            permission,
            ViewCatalog | ReceiveGoods | CountStock | Sell | ViewMembers | TopUp | FulfilOrders
        ),
        Role::Rider => matches!(permission, ViewCatalog | FulfilOrders),
    }
}

pub const PASSWORD_CHARS_MIN: usize = 8;
pub const PASSWORD_CHARS_MAX: usize = 128;
pub const USERNAME_CHARS_MAX: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("password must have {min} to {max} characters")]
    PasswordLength { min: usize, max: usize },
    #[error("username must be 1 to {max} letters, digits, '.', '_' or '-'")]
    Username { max: usize },
}

impl CredentialError {
    pub fn message_zh(&self) -> String {
        match self {
            CredentialError::PasswordLength { min, max } => {
                format!("密码长度须为 {min} 到 {max} 个字符")
            }
            CredentialError::Username { max } => {
                format!("用户名须为 1 到 {max} 个字母、数字、“.”、“_”或“-”")
            }
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            CredentialError::PasswordLength { .. } => "password",
            CredentialError::Username { .. } => "username",
        }
    }
}

pub fn new_password(p: &str) -> Result<&str, CredentialError> {
    let n = p.chars().count();
    if (PASSWORD_CHARS_MIN..=PASSWORD_CHARS_MAX).contains(&n) {
        Ok(p)
    } else {
        Err(CredentialError::PasswordLength {
            min: PASSWORD_CHARS_MIN,
            max: PASSWORD_CHARS_MAX,
        })
    }
}

pub fn username(u: &str) -> Result<String, CredentialError> {
    let u = u.trim();
    let ok = !u.is_empty()
        && u.chars().count() <= USERNAME_CHARS_MAX
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(u.to_ascii_lowercase())
    } else {
        Err(CredentialError::Username {
            max: USERNAME_CHARS_MAX,
        })
    }
}

/// Failed logins before an account is locked, and for how long. The count is kept
/// by one atomic update in the store (`Store::record_login_failure`), so parallel
/// guesses cannot overwrite each other's count.
pub const LOGIN_FAILURES_MAX: i64 = 5;
pub const LOGIN_LOCK_MS: i64 = 15 * 60 * 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cashier_cannot_change_prices_or_manage_staff() {
        assert!(!allows(Role::Cashier, Permission::ChangePrice));
        assert!(!allows(Role::Cashier, Permission::ManageStaff));
        assert!(allows(Role::Cashier, Permission::Sell));
        assert!(allows(Role::Cashier, Permission::ReceiveGoods));
    }

    #[test]
    fn rider_only_views_and_delivers() {
        for p in Permission::ALL {
            let expected = matches!(p, Permission::ViewCatalog | Permission::FulfilOrders);
            assert_eq!(allows(Role::Rider, p), expected, "{p:?}");
        }
    }

    #[test]
    fn cashier_tops_up_and_fulfils_but_never_refunds_or_manages_offers() {
        assert!(allows(Role::Cashier, Permission::TopUp));
        assert!(allows(Role::Cashier, Permission::FulfilOrders));
        assert!(!allows(Role::Cashier, Permission::Refund));
        assert!(!allows(Role::Cashier, Permission::ManageOffers));
        assert!(!allows(Role::Cashier, Permission::ManageMembers));
    }

    #[test]
    fn managers_assign_only_cashiers_and_riders() {
        assert!(Role::Manager.may_assign(Role::Cashier));
        assert!(!Role::Manager.may_assign(Role::Owner));
        assert!(!Role::Manager.may_assign(Role::Manager));
        assert!(Role::Owner.may_assign(Role::Manager));
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert_eq!(username(" Owner "), Ok("owner".into()));
        assert!(username("店主").is_err());
        assert!(new_password("short").is_err());
        assert!(new_password("demo1234").is_ok());
    }
}
