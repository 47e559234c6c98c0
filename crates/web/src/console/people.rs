//! Residents (会员, phones always masked), staff management for owners and managers,
//! and the audit log.

use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use linli_app::people::StaffInput;

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    c: Ctx,
    q: String,
    rows: Vec<MemberView>,
    pager: Pager,
}

#[derive(Debug)]
struct MemberView {
    name: String,
    phone: String,
    building: String,
    room: String,
    joined: String,
}

pub async fn members(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let c = s.ctx("nav.members");
    let f = Fields::query(&uri);
    let q = f
        .get("q")
        .chars()
        .take(linli_app::catalog::SEARCH_CHARS_MAX)
        .collect::<String>();
    let page = f.page("page");
    let result = st
        .app
        .members(s.actor(), Some(q.as_str()).filter(|q| !q.is_empty()), paging(page))
        .await
        .map_err(|e| app_error(&c, e))?;
    let rows = result
        .items
        .iter()
        .map(|m| MemberView {
            name: m.name.clone(),
            // The app masks already; masking again is harmless and keeps this page safe on its own.
            phone: linli_domain::phone::mask_any(&m.phone),
            building: m.building_name.clone().unwrap_or_default(),
            room: [m.unit_no.as_str(), m.room.as_str()]
                .iter()
                .filter(|x| !x.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("-"),
            joined: date(m.joined_at),
        })
        .collect();
    let pager = Pager::new("/members", &[("q", q.clone())], "page", page, result.total);
    ok(&MembersPage { c, q, rows, pager })
}

// ---------------------------------------------------------------------------
// Staff

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    c: Ctx,
    rows: Vec<StaffView>,
    roles: Vec<Choice>,
    form: NewStaffForm,
    problem: Problem,
}

#[derive(Debug)]
struct StaffView {
    id: i64,
    username: String,
    name: String,
    role: String,
    active: bool,
    created: String,
    /// Roles this user may give them; empty when they may not be changed (oneself, or above one's rank).
    roles: Vec<Choice>,
}

#[derive(Debug, Default)]
struct NewStaffForm {
    username: String,
    display_name: String,
    role: String,
}

async fn staff_page(st: &AppState, s: &Session, form: NewStaffForm, problem: Problem, status: StatusCode) -> Html {
    let c = s.ctx("nav.staff");
    let a = s.actor();
    let list = st.app.staff_list(a).await.map_err(|e| app_error(&c, e))?;
    let lang = s.lang;
    let assignable: Vec<Role> = Role::ALL.into_iter().filter(|r| a.role.may_assign(*r)).collect();
    let rows = list
        .iter()
        .map(|x| StaffView {
            id: x.id.0,
            username: x.username.clone(),
            name: x.display_name.clone(),
            role: role_name(lang, x.role).into(),
            active: x.active,
            created: date(x.created_at),
            roles: if x.id == a.staff || !a.role.may_assign(x.role) {
                Vec::new()
            } else {
                assignable
                    .iter()
                    .map(|r| Choice::new(r.code(), role_name(lang, *r), x.role.code()))
                    .collect()
            },
        })
        .collect();
    let current = if form.role.is_empty() {
        "cashier".to_string()
    } else {
        form.role.clone()
    };
    let roles = assignable
        .iter()
        .map(|r| Choice::new(r.code(), role_name(lang, *r), &current))
        .collect();
    let page = StaffPage {
        c,
        rows,
        roles,
        form,
        problem,
    };
    Ok(render(status, &page))
}

pub async fn staff(State(st): State<AppState>, s: Session) -> Html {
    staff_page(&st, &s, NewStaffForm::default(), Problem::default(), StatusCode::OK).await
}

pub async fn create_staff(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let form = NewStaffForm {
        username: f.get("username").into(),
        display_name: f.get("display_name").into(),
        role: f.get("role").into(),
    };
    let input = StaffInput {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        password: f.raw("password").to_string(),
    };
    match st.app.create_staff(s.actor(), input).await {
        Ok(_) => Ok(see_other("/staff")),
        Err(e) if is_form_error(&e) => staff_page(&st, &s, form, Problem::of(s.lang, &e), form_status(&e)).await,
        Err(e) => Err(app_error(&s.ctx("nav.staff"), e)),
    }
}

/// Changes a role (`role`) or activates/deactivates (`active` = 1/0).
pub async fn update_staff(State(st): State<AppState>, s: Session, Path(id): Path<String>, body: Bytes) -> Html {
    let c = s.ctx("nav.staff");
    let id: i64 = id.parse().map_err(|_| app_error(&c, AppError::NotFound))?;
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let role = f.opt("role");
    let active = match f.get("active") {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    match st.app.update_staff(s.actor(), id, role.as_deref(), active).await {
        Ok(_) => Ok(see_other("/staff")),
        Err(e) if is_form_error(&e) => {
            staff_page(
                &st,
                &s,
                NewStaffForm::default(),
                Problem::of(s.lang, &e),
                form_status(&e),
            )
            .await
        }
        Err(e) => Err(app_error(&c, e)),
    }
}

// ---------------------------------------------------------------------------
// Audit log

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Ctx,
    actions: Vec<Choice>,
    rows: Vec<AuditView>,
    pager: Pager,
}

#[derive(Debug)]
struct AuditView {
    at: String,
    who: String,
    action: String,
    object: String,
    detail: String,
}

/// The action prefixes the filter offers.
const AUDIT_PREFIXES: [(&str, &str); 7] = [
    ("product.", "audit.product"),
    ("product.price", "audit.price"),
    ("stock.", "audit.stock"),
    ("stock.count", "audit.count"),
    ("po.", "audit.po"),
    ("staff.", "audit.staff"),
    ("", "audit.all"),
];

pub async fn audit(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let c = s.ctx("nav.audit");
    let f = Fields::query(&uri);
    let action = AUDIT_PREFIXES
        .iter()
        .find(|(p, _)| *p == f.get("action"))
        .map_or("", |(p, _)| *p)
        .to_string();
    let page = f.page("page");
    let result = st
        .app
        .audit_log(s.actor(), Some(action.as_str()).filter(|a| !a.is_empty()), paging(page))
        .await
        .map_err(|e| app_error(&c, e))?;
    let rows = result
        .items
        .iter()
        .map(|r| AuditView {
            at: datetime(r.at),
            who: r.staff_name.clone().unwrap_or_else(|| "—".into()),
            action: r.action.clone(),
            object: match r.object_id {
                Some(id) => format!("{} #{id}", r.object_type),
                None => r.object_type.clone(),
            },
            detail: r.detail.clone(),
        })
        .collect();
    let mut actions = vec![Choice::new("", c.t("audit.all"), &action)];
    actions.extend(
        AUDIT_PREFIXES
            .iter()
            .filter(|(p, _)| !p.is_empty())
            .map(|(p, k)| Choice::new(p, format!("{} ({p}*)", c.t(k)), &action)),
    );
    let pager = Pager::new("/audit", &[("action", action.clone())], "page", page, result.total);
    ok(&AuditPage {
        c,
        actions,
        rows,
        pager,
    })
}
