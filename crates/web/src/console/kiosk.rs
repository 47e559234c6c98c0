//! Self-checkout (自助结账): one full-screen touch page for a kiosk that is signed in
//! with a staff account (a cashier's). The page itself is plain HTML; `static/kiosk.js`
//! walks the customer through 欢迎 → 会员识别 → 扫码 → 使用积分 → 支付 → 小票 and back,
//! over the JSON API (`/api/v1/kiosk/…`, the till's `/api/v1/scan`, `/api/v1/sales` and
//! the sale's receipt). It is laid out for a 1080×1920 portrait screen and for 1024×768.
//!
//! Its texts live here, beside the page (both languages side by side, as in `i18n.rs`),
//! so the kiosk can change its wording without touching the console's table.

use super::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const KIOSK_JS: &str = include_str!("../../static/kiosk.js");
const KIOSK_CSS: &str = include_str!("../../static/kiosk.css");

/// A hash of the kiosk's assets, so a changed script gets a new URL.
static KIOSK_ASSET_V: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for part in [KIOSK_JS, KIOSK_CSS, APP_CSS, ASSET_VERSION] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())[..12].to_string()
});

/// (key, zh-CN, en): the kiosk page's and script's texts.
const TEXTS: &[(&str, &str, &str)] = &[
    ("kiosk.title", "自助结账", "Self-checkout"),
    ("kiosk.welcome", "欢迎使用自助结账", "Welcome to self-checkout"),
    (
        "kiosk.welcome_hint",
        "点击开始，或直接扫描商品条码",
        "Tap start, or simply scan an item",
    ),
    ("kiosk.start", "开始结账", "Start"),
    ("kiosk.steps.member", "会员", "Member"),
    ("kiosk.steps.scan", "扫码", "Scan"),
    ("kiosk.steps.points", "积分", "Points"),
    ("kiosk.steps.pay", "支付", "Pay"),
    ("kiosk.steps.receipt", "小票", "Receipt"),
    ("kiosk.member.title", "会员识别", "Member sign-in"),
    (
        "kiosk.member.hint",
        "输入会员手机号，我们会发送验证码；不是会员也可以跳过",
        "Type your member phone number and we text you a code; not a member? Skip",
    ),
    ("kiosk.member.phone", "手机号", "Phone number"),
    ("kiosk.member.code", "验证码", "Code"),
    ("kiosk.member.send", "获取验证码", "Send code"),
    ("kiosk.member.resend", "{n} 秒后可重发", "Resend in {n} s"),
    ("kiosk.member.verify", "确认", "Confirm"),
    ("kiosk.member.skip", "跳过，不使用会员", "Skip, no member"),
    ("kiosk.member.sent", "验证码已发送至 {phone}", "Code sent to {phone}"),
    (
        "kiosk.member.sms_sim",
        "短信模拟器 / SMS simulator",
        "短信模拟器 / SMS simulator",
    ),
    (
        "kiosk.member.sms_sim_note",
        "演示环境不发送真实短信，验证码显示在此：",
        "No real text is sent in this demo; the code is shown here:",
    ),
    (
        "kiosk.member.phone_bad",
        "请输入 11 位手机号",
        "Type an 11-digit mobile number",
    ),
    ("kiosk.member.code_bad", "请输入 6 位验证码", "Type the 6-digit code"),
    ("kiosk.member.welcome", "{name}，您好", "Hello, {name}"),
    ("kiosk.member.points", "可用积分 {n}", "{n} points available"),
    ("kiosk.member.none", "未使用会员", "No member"),
    ("kiosk.keypad.clear", "清除", "Clear"),
    ("kiosk.keypad.back", "退格", "Delete"),
    ("kiosk.scan.title", "请扫描商品条码", "Scan your items"),
    (
        "kiosk.scan.hint",
        "把条码对准扫描窗口；称重商品请贴好秤签",
        "Hold each barcode to the scanner; weighed goods need their scale label",
    ),
    ("kiosk.scan.empty", "还没有商品", "No items yet"),
    (
        "kiosk.scan.not_found",
        "未找到条码 {code} 对应的商品",
        "No item has barcode {code}",
    ),
    ("kiosk.scan.added", "已加入：{name}", "Added: {name}"),
    ("kiosk.scan.removed", "已移除：{name}", "Removed: {name}"),
    ("kiosk.scan.total", "合计", "Total"),
    ("kiosk.scan.discount", "优惠", "Discounts"),
    ("kiosk.scan.items", "共 {n} 件", "{n} items"),
    ("kiosk.scan.remove", "移除", "Remove"),
    ("kiosk.scan.pay", "去支付", "Pay"),
    ("kiosk.scan.cancel", "取消交易", "Cancel"),
    ("kiosk.scan.confirm_cancel", "取消本次结账？", "Cancel this checkout?"),
    ("kiosk.scan.pricing", "正在计算价格…", "Pricing…"),
    ("kiosk.scan.weighed", "称重商品", "Weighed"),
    ("kiosk.scan.restricted", "限售商品", "Restricted"),
    ("kiosk.scan.no_weight", "待称重", "To be weighed"),
    ("kiosk.scan.confirmed", "店员已确认", "Checked by staff"),
    (
        "kiosk.staff.call",
        "请呼叫店员 / please call staff",
        "请呼叫店员 / please call staff",
    ),
    (
        "kiosk.staff.why",
        "称重商品和限售商品（烟、酒）需店员核对后才能支付",
        "Weighed and restricted goods (tobacco, alcohol) are checked by staff before paying",
    ),
    ("kiosk.staff.open", "店员确认", "Staff check"),
    ("kiosk.staff.title", "店员确认", "Staff check"),
    (
        "kiosk.staff.hint",
        "店员核对商品后输入本机账号或店长的用户名和密码",
        "Staff: check the goods, then type this kiosk's or a manager's username and password",
    ),
    ("kiosk.staff.username", "店员用户名", "Staff username"),
    ("kiosk.staff.password", "密码", "Password"),
    ("kiosk.staff.grams", "重量（克）", "Weight (g)"),
    ("kiosk.staff.grams_bad", "请输入重量（克）", "Type the weight in grams"),
    ("kiosk.staff.ok", "确认", "Confirm"),
    ("kiosk.staff.cancel", "取消", "Cancel"),
    ("kiosk.staff.wrong", "用户名或密码错误", "Wrong username or password"),
    ("kiosk.staff.done", "{name} 已确认", "Checked by {name}"),
    ("kiosk.points.title", "使用积分", "Use points"),
    (
        "kiosk.points.available",
        "可用积分 {n}，本单最多可用 {max}（{value}）",
        "{n} points available; up to {max} on this order ({value})",
    ),
    ("kiosk.points.none", "不使用", "None"),
    ("kiosk.points.half", "用一半", "Half"),
    ("kiosk.points.max", "最多", "Most"),
    (
        "kiosk.points.using",
        "使用 {n} 积分，抵扣 {value}",
        "Using {n} points: {value} off",
    ),
    ("kiosk.points.due", "还需支付", "Left to pay"),
    ("kiosk.points.next", "确认，去支付", "Confirm and pay"),
    ("kiosk.back", "返回", "Back"),
    ("kiosk.pay.title", "扫码支付", "Pay by QR code"),
    (
        "kiosk.pay.sim",
        "模拟支付 / payment simulator",
        "模拟支付 / payment simulator",
    ),
    (
        "kiosk.pay.sim_note",
        "演示环境：不会真实扣款。请点击下方按钮模拟顾客手机付款。",
        "Demo: no real money moves. Tap a button below to act as the customer's phone.",
    ),
    (
        "kiosk.pay.real_note",
        "请用微信或支付宝扫描二维码付款",
        "Scan the QR code with WeChat or Alipay to pay",
    ),
    ("kiosk.pay.approve", "模拟付款成功", "Simulate: paid"),
    ("kiosk.pay.decline", "模拟付款失败", "Simulate: declined"),
    ("kiosk.pay.waiting", "等待付款…", "Waiting for payment…"),
    (
        "kiosk.pay.declined",
        "支付未成功，请重试或呼叫店员",
        "The payment did not go through; try again or call staff",
    ),
    ("kiosk.pay.retry", "重新支付", "Pay again"),
    (
        "kiosk.pay.recording",
        "支付成功，正在出票…",
        "Paid; printing the receipt…",
    ),
    (
        "kiosk.pay.sale_failed",
        "已付款但下单失败，请呼叫店员处理（支付单号 {ref}）：{reason}",
        "Paid, but the sale could not be recorded; please call staff (payment {ref}): {reason}",
    ),
    (
        "kiosk.pay.nothing_due",
        "积分已全额抵扣，无需扫码",
        "Points pay it all: nothing to scan",
    ),
    ("kiosk.receipt.title", "支付成功，谢谢惠顾", "Paid. Thank you!"),
    (
        "kiosk.receipt.points",
        "本单使用积分 {used}，获得积分 {earned}",
        "Points used {used}, earned {earned}",
    ),
    (
        "kiosk.receipt.back_in",
        "{n} 秒后返回首页",
        "Back to the start in {n} s",
    ),
    ("kiosk.receipt.done", "完成", "Done"),
    (
        "kiosk.error.network",
        "网络异常，请稍后重试或呼叫店员",
        "Network trouble; try again or call staff",
    ),
    (
        "kiosk.error.session",
        "本机登录已过期，请呼叫店员",
        "This kiosk's session has ended; please call staff",
    ),
    (
        "kiosk.no_location",
        "本店没有卖场库位，无法结账",
        "This store has no sales floor to sell from",
    ),
];

/// The text of `key` in `lang`; an unknown key shows itself so it is noticed.
fn text(lang: Lang, key: &str) -> &str {
    TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or(key, |(_, zh, en)| lang.pick(zh, en))
}

/// The kiosk's texts for the template.
struct KioskTexts {
    lang: Lang,
}

impl KioskTexts {
    fn t<'a>(&self, key: &'a str) -> &'a str {
        text(self.lang, key)
    }
}

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    c: Ctx,
    k: KioskTexts,
    v: String,
    store_name: String,
    has_location: bool,
    config_json: String,
}

/// `GET /kiosk`: the self-checkout page (staff with the sell permission; a kiosk device
/// is signed in with a cashier's account).
pub async fn page(State(st): State<AppState>, s: Session) -> Html {
    let lang = s.lang;
    let mut c = s.ctx("nav.till");
    c.title = text(lang, "kiosk.title").to_string();
    if !s.may(Permission::Sell) {
        let msg = message_of(
            lang,
            &AppError::Forbidden {
                permission: Permission::Sell.code(),
            },
        );
        c.title = c.t("error.forbidden").to_string();
        return Err(error_page(c, StatusCode::FORBIDDEN, msg).into());
    }
    let setup = st.app.kiosk_setup(s.actor()).await.map_err(|e| app_error(&c, e))?;
    let texts: serde_json::Map<String, Value> = TEXTS
        .iter()
        .map(|(k, zh, en)| ((*k).to_string(), Value::String(lang.pick(zh, en).to_string())))
        .collect();
    let config = json!({
        "lang": lang.code(),
        "user": {"username": s.actor().username, "name": s.actor().display_name},
        "store": {"id": setup.store.id.0, "name": setup.store.name},
        "location": setup.location.as_ref().map(|l| json!({
            "id": l.id.0,
            "name": product_name(lang, &l.name_zh, &l.name_en),
        })),
        "restricted_categories": setup.restricted_codes,
        "texts": texts,
    });
    // Safe inside <script>: no "</script>" or "<!--" can be formed without "<".
    let config_json = config.to_string().replace('<', "\\u003c");
    ok(&KioskPage {
        c,
        k: KioskTexts { lang },
        v: KIOSK_ASSET_V.clone(),
        store_name: setup.store.name.clone(),
        has_location: setup.location.is_some(),
        config_json,
    })
}

pub async fn script() -> Response {
    asset(KIOSK_JS, "text/javascript; charset=utf-8")
}

pub async fn style() -> Response {
    asset(KIOSK_CSS, "text/css; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kiosk_text_has_both_languages_and_keys_are_unique() {
        for (i, (k, zh, en)) in TEXTS.iter().enumerate() {
            assert!(k.starts_with("kiosk.") && !zh.is_empty() && !en.is_empty(), "{k}");
            assert!(TEXTS[..i].iter().all(|(o, _, _)| o != k), "duplicate {k}");
        }
    }

    #[test]
    fn every_key_the_page_and_script_use_is_in_the_table() {
        let template = include_str!("../../templates/kiosk.html");
        for source in [KIOSK_JS, template] {
            for part in source.split("\"kiosk.").skip(1) {
                let key = format!("kiosk.{}", part.split('"').next().unwrap_or(""));
                assert!(TEXTS.iter().any(|(k, _, _)| *k == key), "{key} has no text");
            }
        }
    }
}
