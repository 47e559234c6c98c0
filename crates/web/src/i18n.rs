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
    (
        "app.tagline",
        "社区店 · 15分钟生活圈",
        "Community store · 15-minute life circle",
    ),
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
    (
        "login.demo",
        "演示账号（密码均为 demo1234）",
        "Demo accounts (password demo1234)",
    ),
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
    (
        "common.coming",
        "该模块将在后续版本上线。",
        "This module arrives in a later release.",
    ),
    // The console (console/*.rs and templates/*.html).
    ("app.console", "控制台", "Console"),
    ("app.navigation", "主导航", "Main navigation"),
    ("navgroup.store", "门店", "Store"),
    ("navgroup.people", "人员", "People"),
    ("navgroup.more", "更多模块", "More modules"),
    ("common.soon", "即将上线", "Coming soon"),
    ("common.pages", "分页", "Pages"),
    ("common.items", "条", "rows"),
    ("common.filter", "筛选", "Filter"),
    ("common.note", "备注", "Note"),
    ("common.created", "创建时间", "Created"),
    ("common.confirm", "确定要执行此操作吗？", "Are you sure?"),
    ("role.owner", "店主", "Owner"),
    ("role.manager", "店长", "Manager"),
    ("role.cashier", "收银员", "Cashier"),
    ("role.rider", "骑手", "Rider"),
    (
        "login.rate_limited",
        "登录尝试过于频繁，请稍后再试。",
        "Too many sign-in attempts; wait a minute.",
    ),
    ("error.not_found", "未找到", "Not found"),
    ("error.forbidden", "无权访问", "Not allowed"),
    ("error.invalid", "输入有误", "Invalid input"),
    ("error.conflict", "无法完成操作", "Could not be done"),
    ("error.internal", "服务器错误", "Server error"),
    ("error.csrf", "表单已失效", "Form expired"),
    (
        "error.csrf_detail",
        "表单已失效或来源不明，请刷新页面后重试。",
        "The form has expired or did not come from this site; reload the page and try again.",
    ),
    ("error.home", "返回概览", "Back to overview"),
    ("error.back", "返回上一页", "Go back"),
    (
        "placeholder.api",
        "现有功能也可通过开放的 JSON API 使用。",
        "What exists today is also available through the JSON API.",
    ),
    ("overview.hello", "您好，", "Hello, "),
    ("overview.products", "在售商品", "Active products"),
    ("overview.expiry", "临期/过期批次", "Lots expiring or expired"),
    ("overview.low_stock", "低库存商品", "Products low on stock"),
    ("overview.open_pos", "未完成采购单", "Open purchase orders"),
    ("overview.shortcuts", "快捷入口", "Shortcuts"),
    ("password.old", "当前密码", "Current password"),
    ("password.new", "新密码", "New password"),
    ("password.confirm", "再次输入新密码", "New password again"),
    ("password.rule", "至少 8 个字符", "At least 8 characters"),
    (
        "password.done",
        "密码已修改，其他设备上的登录已退出。",
        "Password changed; other sessions have been signed out.",
    ),
    ("products.new", "新建商品", "New product"),
    (
        "products.search_hint",
        "名称、拼音首字母（如 nn）、编码或条码",
        "Name, pinyin initials (e.g. nn), SKU or barcode",
    ),
    ("products.all_categories", "全部分类", "All categories"),
    ("products.no_category", "（无分类）", "(no category)"),
    ("products.sku", "商品编码", "SKU"),
    ("products.sku_auto", "留空自动生成", "Generated when empty"),
    ("products.name", "商品", "Product"),
    ("products.name_zh", "中文名称", "Chinese name"),
    ("products.name_en", "英文名称", "English name"),
    ("products.brand", "品牌", "Brand"),
    ("products.category", "分类", "Category"),
    ("products.unit", "单位", "Unit"),
    ("products.price", "售价", "Price"),
    ("products.price_yuan", "售价（元）", "Price (yuan)"),
    (
        "products.price_hint",
        "称重商品为每千克价格",
        "Per kg for weighed goods",
    ),
    ("products.cost", "进价", "Cost"),
    ("products.cost_yuan", "进价（元）", "Cost (yuan)"),
    ("products.tax_rate", "税率（%）", "Tax rate (%)"),
    ("products.shelf_life", "保质期（天）", "Shelf life (days)"),
    ("products.reorder_point", "补货点", "Reorder point"),
    (
        "products.kg_hint",
        "称重商品的数量以千克填写，如 1.25",
        "Weighed goods: quantities in kg, e.g. 1.25",
    ),
    ("products.barcodes", "条码", "Barcodes"),
    (
        "products.barcodes_hint",
        "EAN-13/EAN-8/UPC-A，多个用空格或换行分隔",
        "EAN-13, EAN-8 or UPC-A; separate several with spaces or new lines",
    ),
    ("products.zones", "场景专区", "Zones"),
    ("products.status", "状态", "Status"),
    ("products.active", "在售", "Active"),
    ("products.inactive", "停售", "Inactive"),
    (
        "products.active_hint",
        "在售（取消勾选即停售）",
        "Active (untick to stop selling)",
    ),
    ("products.info", "商品信息", "Product details"),
    ("products.updated", "更新时间", "Updated"),
    ("products.change_price", "调整售价", "Change price"),
    (
        "products.price_audited",
        "改价会记入操作日志。",
        "Price changes are recorded in the audit log.",
    ),
    ("products.lots", "批次库存", "Stock by lot"),
    ("products.recent_moves", "最近库存流水", "Recent stock movements"),
    ("products.edit", "编辑商品", "Edit product"),
    ("stock.all_locations", "全部库位", "All locations"),
    ("stock.location", "库位", "Location"),
    ("stock.lot", "批次", "Lot"),
    ("stock.expiry", "到期日", "Expiry"),
    ("stock.received", "入库日期", "Received"),
    ("stock.qty", "数量", "Quantity"),
    ("stock.expired", "已过期", "Expired"),
    ("stock.soon", "临期", "Expiring soon"),
    (
        "stock.legend",
        "按到期日排序，最早到期在前（先到期先出）。",
        "Earliest expiry first (first expired, first out).",
    ),
    ("stock.movements", "库存流水", "Stock movements"),
    ("stock.clear_filter", "清除筛选", "Clear filter"),
    ("stock.time", "时间", "Time"),
    ("stock.kind", "类型", "Kind"),
    ("stock.delta", "变动", "Change"),
    ("stock.after", "结存", "Balance after"),
    ("stock.reason", "原因", "Reason"),
    ("stock.reference", "单据", "Reference"),
    ("alerts.expiry", "临期与过期", "Expiring and expired"),
    ("alerts.low_stock", "低库存", "Low stock"),
    ("alerts.on_hand", "现有库存", "On hand"),
    ("alerts.order", "去采购", "Order"),
    ("counts.open_new", "新建盘点", "Start a stock count"),
    ("counts.start", "开始盘点", "Start count"),
    (
        "counts.hint",
        "开始时冻结各批次的账面数量；盘点期间的销售不会被冲回。",
        "Expected quantities are frozen when the count starts; sales during the count are not undone.",
    ),
    ("counts.count", "盘点单", "Stock count"),
    ("counts.open", "进行中", "Open"),
    ("counts.posted", "已过账", "Posted"),
    ("counts.posted_at", "过账时间", "Posted"),
    ("counts.lines", "行数", "Lines"),
    ("counts.differing", "有差异", "differing"),
    ("counts.expected", "账面", "Expected"),
    ("counts.counted", "实盘", "Counted"),
    ("counts.difference", "差异", "Difference"),
    ("counts.save", "保存本页数量", "Save this page"),
    ("counts.post", "过账", "Post count"),
    (
        "counts.post_hint",
        "过账后，每个有差异的批次生成一条盘点差异流水，盘点单不可再修改。",
        "Posting writes one count correction per differing lot; the count can no longer be changed.",
    ),
    ("counts.post_confirm", "确定过账此盘点单吗？", "Post this stock count?"),
    ("receive.against_po", "按采购单收货", "Receive against a purchase order"),
    ("receive.load_po", "载入", "Load"),
    (
        "receive.no_po",
        "无采购单（直接收货）",
        "No purchase order (walk-in delivery)",
    ),
    ("receive.no_supplier", "（不指定）", "(none)"),
    (
        "receive.po_prefilled",
        "已填入未到货的商品和数量，请按实收修改。",
        "Open lines are filled in; change them to what actually arrived.",
    ),
    ("receive.location", "收货库位", "Receive into"),
    ("receive.supplier", "供应商", "Supplier"),
    (
        "receive.hint",
        "在“条码/编码”栏扫码后按回车，会自动带出商品、批次和到期日；也可输入商品编码或名称。空行会被忽略。",
        "Scan into the code field and press Enter to fill product, lot and expiry; a SKU or name also works. Empty lines are skipped.",
    ),
    ("receive.code", "条码/编码", "Barcode / code"),
    ("receive.code_hint", "扫码或输入", "Scan or type"),
    ("receive.submit", "确认收货", "Receive goods"),
    ("receive.done", "收货完成", "Goods received"),
    ("receive.done_detail", "收货成功，入库单", "Received; receipt"),
    ("receive.po_now", "采购单状态：", "purchase order now:"),
    ("receive.discrepancy", "差异", "Discrepancy"),
    ("receive.short", "少收", "Short by"),
    ("receive.over", "多收", "Over by"),
    ("receive.unexpected", "采购单外", "Not on the order:"),
    ("receive.again", "继续收货", "Receive more"),
    ("po.title", "采购单", "Purchase order"),
    ("po.new", "新建采购单", "New purchase order"),
    ("po.all_statuses", "全部状态", "All statuses"),
    ("po.number", "单号", "Number"),
    ("po.expected", "预计到货", "Expected"),
    ("po.lines", "行数", "Lines"),
    ("po.total", "金额", "Total"),
    ("po.ordered", "订购", "Ordered"),
    ("po.received", "已收", "Received"),
    ("po.open", "未到", "Open"),
    ("po.unit_cost", "进价（元）", "Unit cost (yuan)"),
    ("po.choose_supplier", "请选择供应商", "Choose a supplier"),
    (
        "po.lines_hint",
        "每行输入条码、商品编码或名称；空行会被忽略。",
        "One product per line by barcode, SKU or name; empty lines are skipped.",
    ),
    (
        "po.cost_hint",
        "进价留空则取商品档案进价；称重商品按每千克。",
        "An empty cost uses the product's cost; weighed goods per kg.",
    ),
    ("po.create", "保存为草稿", "Save as draft"),
    ("po.send", "下单", "Send"),
    ("po.close", "关闭", "Close"),
    ("po.cancel", "取消采购单", "Cancel order"),
    ("po.receive", "收货", "Receive"),
    (
        "members.search_hint",
        "姓名、手机号或房号",
        "Name, phone digits or room",
    ),
    ("members.name", "姓名", "Name"),
    ("members.phone", "手机号", "Phone"),
    ("members.building", "楼栋", "Building"),
    ("members.room", "单元-房号", "Unit-room"),
    ("members.joined", "入会日期", "Joined"),
    ("staff.name", "姓名", "Name"),
    ("staff.role", "角色", "Role"),
    ("staff.active", "在职", "Active"),
    ("staff.inactive", "已停用", "Deactivated"),
    ("staff.change_role", "改角色", "Change role"),
    ("staff.deactivate", "停用", "Deactivate"),
    ("staff.activate", "启用", "Activate"),
    ("staff.new", "新增员工", "Add staff"),
    ("staff.create", "创建账号", "Create account"),
    ("audit.all", "全部操作", "All actions"),
    ("audit.product", "商品", "Products"),
    ("audit.price", "改价", "Price changes"),
    ("audit.stock", "库存", "Stock"),
    ("audit.count", "盘点", "Stock counts"),
    ("audit.po", "采购", "Purchasing"),
    ("audit.staff", "员工", "Staff"),
    ("audit.who", "操作人", "By"),
    ("audit.action", "操作", "Action"),
    ("audit.object", "对象", "Object"),
    ("audit.detail", "详情", "Detail"),
];

/// The text of `key` in `lang`; an unknown key shows itself so it is noticed.
pub fn t(lang: Lang, key: &str) -> &str {
    TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or(key, |(_, zh, en)| lang.pick(zh, en))
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
