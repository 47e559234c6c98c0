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
    id: i64,
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
            id: m.id.0,
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
// One member: tier, points, stored value and their statements (积分/储值明细)

#[derive(Template)]
#[template(path = "member.html")]
struct MemberDetailPage {
    c: Ctx,
    m: MemberCard,
    points: Vec<PointsLineView>,
    points_prev: Option<String>,
    points_next: Option<String>,
    stored: Vec<StoredLineView>,
    stored_prev: Option<String>,
    stored_next: Option<String>,
}

#[derive(Debug)]
struct MemberCard {
    code: String,
    phone: String,
    tier: String,
    discount: String,
    multiplier: String,
    rolling_spend: String,
    next_tier: String,
    points_balance: i64,
    points_available: i64,
    points_value: String,
    points_expiring_soon: i64,
    next_expiry: String,
    principal: String,
    bonus: String,
    stored_total: String,
}

#[derive(Debug)]
struct PointsLineView {
    at: String,
    kind: &'static str,
    points: String,
    balance_after: i64,
    order: String,
    note: String,
}

#[derive(Debug)]
struct StoredLineView {
    at: String,
    kind: &'static str,
    amount: String,
    principal: String,
    bonus: String,
    after: String,
    order: String,
    note: String,
}

/// 10 000 bp → "1×", 12 500 → "1.25×".
fn factor(bp: u32) -> String {
    let whole = bp / 10_000;
    let frac = format!("{:04}", bp % 10_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{whole}×")
    } else {
        format!("{whole}.{frac}×")
    }
}

/// 9 500 bp → "95%", 9 850 → "98.5%" (the share of the price a member pays).
fn percent(bp: u32) -> String {
    let frac = format!("{:02}", bp % 100);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{}%", bp / 100)
    } else {
        format!("{}.{frac}%", bp / 100)
    }
}

fn points_kind(lang: Lang, code: &str) -> &'static str {
    match code {
        "earn" => lang.pick("消费积分", "Earned"),
        "redeem" => lang.pick("积分抵现", "Redeemed"),
        "reverse" => lang.pick("退款冲回", "Refund reversal"),
        "expire" => lang.pick("积分过期", "Expired"),
        _ => lang.pick("人工调整", "Adjustment"),
    }
}

fn stored_kind(lang: Lang, code: &str) -> &'static str {
    match code {
        "top_up" => lang.pick("充值", "Top-up"),
        "spend" => lang.pick("消费", "Spent"),
        "refund" => lang.pick("退回", "Refunded"),
        "withdraw" => lang.pick("退卡", "Withdrawn"),
        _ => lang.pick("人工调整", "Adjustment"),
    }
}

fn tender_name(lang: Lang, code: &str) -> &str {
    match code {
        "cash" => lang.pick("现金", "Cash"),
        "wechat_qr" => lang.pick("微信", "WeChat Pay"),
        "alipay_qr" => lang.pick("支付宝", "Alipay"),
        "card" => lang.pick("银行卡", "Bank card"),
        other => other,
    }
}

fn order_label(id: Option<linli_domain::ids::OrderId>, number: &Option<String>) -> String {
    match (number, id) {
        (Some(n), _) => n.clone(),
        (None, Some(id)) => format!("#{id}"),
        (None, None) => String::new(),
    }
}

pub async fn member(State(st): State<AppState>, s: Session, Path(id): Path<String>, uri: Uri) -> Html {
    let mut c = s.ctx("nav.members");
    let id = linli_domain::ids::MemberId(id.parse().map_err(|_| app_error(&c, AppError::NotFound))?);
    let f = Fields::query(&uri);
    let (pp, sp) = (f.page("pp"), f.page("sp"));
    let a = s.actor();
    let lang = s.lang;
    let v = st.app.member_loyalty(a, id).await.map_err(|e| app_error(&c, e))?;
    let points = st
        .app
        .points_statement(a, id, paging(pp))
        .await
        .map_err(|e| app_error(&c, e))?;
    let stored = st
        .app
        .stored_value_statement(a, id, paging(sp))
        .await
        .map_err(|e| app_error(&c, e))?;
    let path = format!("/members/{}", id.0);
    let points_pager = Pager::new(&path, &[("sp", sp.to_string())], "pp", pp, points.total);
    let stored_pager = Pager::new(&path, &[("pp", pp.to_string())], "sp", sp, stored.total);
    c.title = format!("{} · {}", v.member.name, v.code);
    let m = MemberCard {
        code: v.code.clone(),
        phone: linli_domain::phone::mask_any(&v.member.phone),
        tier: v.tier.name_zh.clone(),
        discount: percent(v.tier.discount_bp),
        multiplier: factor(v.tier.points_multiplier_bp),
        rolling_spend: money(v.rolling_spend_fen),
        next_tier: v.next_tier.as_ref().map_or_else(String::new, |n| match lang {
            Lang::Zh => format!("再消费 {} 升级为{}", money(n.spend_needed_fen), n.tier.name_zh),
            Lang::En => format!("{} more to reach {}", money(n.spend_needed_fen), n.tier.name_zh),
        }),
        points_balance: v.points_balance,
        points_available: v.points_available,
        points_value: money(v.points_value_fen),
        points_expiring_soon: v.points_expiring_soon,
        next_expiry: v
            .next_expiry
            .map_or_else(String::new, |e| format!("{} ({})", e.points, date(e.expires_at - 1))),
        principal: money(v.principal_fen),
        bonus: money(v.bonus_fen),
        stored_total: money(v.principal_fen + v.bonus_fen),
    };
    let points = points
        .items
        .iter()
        .map(|r| PointsLineView {
            at: datetime(r.at),
            kind: points_kind(lang, &r.kind),
            points: format!("{:+}", r.points),
            balance_after: r.balance_after,
            order: order_label(r.order_id, &r.order_number),
            note: [r.reason.clone(), r.staff_name.clone().unwrap_or_default()]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
        })
        .collect();
    let stored = stored
        .items
        .iter()
        .map(|r| StoredLineView {
            at: datetime(r.at),
            kind: stored_kind(lang, &r.kind),
            amount: money(r.principal_fen + r.bonus_fen),
            principal: money(r.principal_fen),
            bonus: money(r.bonus_fen),
            after: money(r.principal_after + r.bonus_after),
            order: order_label(r.order_id, &r.order_number),
            note: [
                tender_name(lang, &r.tender).to_string(),
                r.reason.clone(),
                r.staff_name.clone().unwrap_or_default(),
            ]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
        })
        .collect();
    ok(&MemberDetailPage {
        c,
        m,
        points,
        points_prev: points_pager.prev,
        points_next: points_pager.next,
        stored,
        stored_prev: stored_pager.prev,
        stored_next: stored_pager.next,
    })
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
