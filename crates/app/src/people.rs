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

/// A resident joining at the counter (办会员).
#[derive(Debug, Clone, Default)]
pub struct NewMemberInput {
    pub phone: String,
    pub name: String,
    pub building_id: Option<i64>,
    pub unit_no: String,
    pub room: String,
    /// ISO date, e.g. 1968-03-12.
    pub birthday: Option<String>,
}

impl App {
    /// Registers a member by phone at the till; new-member coupons are issued at once.
    /// A phone that is already a member is a conflict naming `phone`.
    pub async fn create_member(&self, actor: &Actor, input: NewMemberInput) -> Result<MemberRow, AppError> {
        actor.require(Permission::Sell)?;
        let phone = linli_domain::phone::PhoneNumber::parse(&input.phone)
            .map_err(|e| AppError::invalid("phone", &e.to_string(), &e.message_zh()))?;
        let name = crate::free_text(&input.name, "name", 32)?;
        let unit_no = crate::free_text(&input.unit_no, "unit_no", 16)?;
        let room = crate::free_text(&input.room, "room", 16)?;
        let birthday = match input.birthday.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            None => None,
            Some(b) => {
                let date: jiff::civil::Date = b.parse().map_err(|_| {
                    AppError::invalid(
                        "birthday",
                        "birthday is a date like 1968-03-12",
                        "生日格式如 1968-03-12",
                    )
                })?;
                if date > linli_domain::time::local_date(self.now()) || date.year() < 1900 {
                    return Err(AppError::invalid(
                        "birthday",
                        "birthday is not a real date of birth",
                        "生日不合理",
                    ));
                }
                Some(date.to_string())
            }
        };
        let building = match input.building_id {
            None => None,
            Some(id) => {
                let ok = self.store.buildings(actor.org).await?.iter().any(|b| b.id.0 == id);
                if !ok {
                    return Err(AppError::invalid("building_id", "no such building", "楼栋不存在"));
                }
                Some(linli_domain::ids::BuildingId(id))
            }
        };
        let id = self
            .store
            .create_member(
                actor.org,
                &linli_store::NewMember {
                    phone: phone.as_str(),
                    name: &name,
                    building,
                    unit_no: &unit_no,
                    room: &room,
                    birthday,
                    joined_at: self.now(),
                },
            )
            .await
            .map_err(|e| match e {
                linli_store::StoreError::Conflict { .. } => AppError::conflict(
                    "member_exists",
                    Some("phone"),
                    "this phone number is already a member".into(),
                    "该手机号已是会员".into(),
                ),
                other => other.into(),
            })?;
        // A coupon that cannot be issued must not undo the registration.
        if let Err(e) = self
            .coupons_on_event(actor.org, id, linli_store::CouponEvent::NewMember)
            .await
        {
            tracing::warn!(error = %e, member = id.0, "new-member coupons were not issued");
        }
        let mut row = self.store.member_by_id(actor.org, id).await?;
        row.phone = linli_domain::phone::mask_any(&row.phone);
        Ok(row)
    }
}
