//! The console's two languages: zh-CN first, English second.
//!
//! A small table instead of a framework: every key has both texts, and a test
//! checks none is empty. The language comes from the `lang` cookie.

use axum::http::request::Parts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn from_parts(parts: &Parts) -> Lang {
        match crate::extract::cookie(parts, "lang").as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Picks one of two texts.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// (key, zh-CN, en)
const TEXTS: &[(&str, &str, &str)] = &[
    ("app.name", "邻里", "Linli"),
    ("app.tagline", "社区店 · 15分钟生活圈", "Community store · 15-minute life circle"),
    ("nav.home", "概览", "Overview"),
    ("nav.products", "商品", "Products"),
    ("nav.stock", "库存", "Stock"),
    ("nav.receive", "收货", "Receive goods"),
    ("nav.purchase_orders", "采购单", "Purchase orders"),
    ("nav.counts", "盘点", "Stock counts"),
    ("nav.alerts", "预警", "Alerts"),
    ("nav.members", "会员", "Members"),
    ("nav.staff", "员工", "Staff"),
    ("nav.audit", "操作日志", "Audit log"),
    ("nav.till", "收银台", "Till"),
    ("nav.shop", "社区商城", "Resident shop"),
    ("nav.services", "便民服务", "Services"),
    ("nav.community", "邻里社群", "Community"),
    ("nav.data", "数据中心", "Data centre"),
    ("nav.network", "网格配送", "Delivery network"),
    ("nav.open", "开放平台", "Open platform"),
    ("nav.api_docs", "API 文档", "API docs"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.password", "修改密码", "Change password"),
    ("login.title", "登录", "Sign in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.demo", "演示账号（密码均为 demo1234）", "Demo accounts (password demo1234)"),
    ("common.search", "搜索", "Search"),
    ("common.save", "保存", "Save"),
    ("common.cancel", "取消", "Cancel"),
    ("common.create", "新建", "New"),
    ("common.edit", "编辑", "Edit"),
    ("common.prev", "上一页", "Previous"),
    ("common.next", "下一页", "Next"),
    ("common.empty", "暂无数据", "Nothing here yet"),
    ("common.total", "共", "Total"),
    ("common.actions", "操作", "Actions"),
    ("common.coming", "该模块将在后续版本上线。", "This module arrives in a later release."),
];

/// The text of `key` in `lang`; an unknown key shows itself so it is noticed.
pub fn t(lang: Lang, key: &str) -> &str {
    TEXTS.iter().find(|(k, _, _)| *k == key).map_or(key, |(_, zh, en)| lang.pick(zh, en))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_both_languages_and_keys_are_unique() {
        for (i, (k, zh, en)) in TEXTS.iter().enumerate() {
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
            assert!(TEXTS[..i].iter().all(|(o, _, _)| o != k), "duplicate {k}");
        }
    }

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(t(Lang::default(), "nav.stock"), "库存");
        assert_eq!(t(Lang::En, "nav.stock"), "Stock");
        assert_eq!(t(Lang::En, "no.such.key"), "no.such.key");
    }
}
