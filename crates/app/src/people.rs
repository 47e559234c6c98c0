//! Staff management, residents (with masked phones) and the audit log.

use crate::auth::hash_password;
use crate::{Actor, App, AppError, Page, Paging};
use linli_domain::auth::{self, Permission, Role};
use linli_domain::ids::StaffId;
use linli_domain::phone;
use linli_store::{AuditRow, BuildingRow, MemberRow, NewStaff, StaffRow};

#[derive(Debug, Clone)]
pub struct StaffInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

fn role(code: &str) -> Result<Role, AppError> {
    Role::from_code(code).ok_or_else(|| {
        AppError::invalid(
            "role",
            "role must be owner, manager, cashier or rider",
            "角色须为 owner、manager、cashier 或 rider",
        )
    })
}

impl App {
    pub async fn staff_list(&self, actor: &Actor) -> Result<Vec<StaffRow>, AppError> {
        actor.require(Permission::ManageStaff)?;
        Ok(self.store.staff_list(actor.org).await?)
    }

    pub async fn create_staff(&self, actor: &Actor, input: StaffInput) -> Result<StaffRow, AppError> {
        actor.require(Permission::ManageStaff)?;
        let role = role(&input.role)?;
        if !actor.role.may_assign(role) {
            return Err(AppError::Forbidden {
                permission: "assign_role",
            });
        }
        let username = auth::username(&input.username)
            .map_err(|e| AppError::invalid(e.field(), &e.to_string(), &e.message_zh()))?;
        let password = auth::new_password(&input.password)
            .map_err(|e| AppError::invalid(e.field(), &e.to_string(), &e.message_zh()))?;
        let display_name = input.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 32 {
            return Err(AppError::invalid(
                "display_name",
                "display name must have 1 to 32 characters",
                "显示名须为 1 到 32 个字符",
            ));
        }
        let hash = hash_password(password)?;
        let new = NewStaff {
            store: actor.store,
            username: &username,
            display_name,
            role,
            password_hash: &hash,
        };
        let id = self
            .store
            .create_staff(actor.org, &new, Some(actor.staff), self.now())
            .await?;
        Ok(self.store.staff(actor.org, id).await?)
    }

    /// Changes someone's role or deactivates them. Nobody changes their own role, and
    /// a manager touches only cashiers and riders.
    pub async fn update_staff(
        &self,
        actor: &Actor,
        id: i64,
        new_role: Option<&str>,
        active: Option<bool>,
    ) -> Result<StaffRow, AppError> {
        actor.require(Permission::ManageStaff)?;
        let target = self.store.staff(actor.org, StaffId(id)).await?;
        if target.id == actor.staff {
            return Err(AppError::conflict(
                "self",
                Some("id"),
                "you cannot change your own role or status".into(),
                "不能修改自己的角色或状态".into(),
            ));
        }
        if !actor.role.may_assign(target.role) {
            return Err(AppError::Forbidden {
                permission: "assign_role",
            });
        }
        let new_role = new_role.map(role).transpose()?;
        if let Some(r) = new_role
            && !actor.role.may_assign(r)
        {
            return Err(AppError::Forbidden {
                permission: "assign_role",
            });
        }
        self.store
            .update_staff(actor.org, target.id, new_role, active, actor.staff, self.now())
            .await?;
        Ok(self.store.staff(actor.org, target.id).await?)
    }

    /// Residents with masked phone numbers: staff never see a full number in a list.
    pub async fn members(&self, actor: &Actor, q: Option<&str>, paging: Paging) -> Result<Page<MemberRow>, AppError> {
        actor.require(Permission::ViewMembers)?;
        let q = q
            .map(|q| crate::free_text(q, "q", crate::catalog::SEARCH_CHARS_MAX))
            .transpose()?;
        let mut page = self.store.members(actor.org, q.as_deref(), paging.request()).await?;
        for m in &mut page.items {
            m.phone = phone::mask_any(&m.phone);
        }
        Ok(page)
    }

    pub async fn buildings(&self, actor: &Actor) -> Result<Vec<BuildingRow>, AppError> {
        actor.require(Permission::ViewMembers)?;
        Ok(self.store.buildings(actor.org).await?)
    }

    pub async fn audit_log(
        &self,
        actor: &Actor,
        action: Option<&str>,
        paging: Paging,
    ) -> Result<Page<AuditRow>, AppError> {
        actor.require(Permission::ViewAudit)?;
        Ok(self.store.audit_log(actor.org, action, paging.request()).await?)
    }
}
