//! Electronic shelf labels (电子价签): what each label should show, pushing it through a
//! label-driver port, acknowledgements, live events and the drift audit.
//!
//! A label's content (its *face*) is a pure function of its product and the promotions
//! running now ([`label_face`]): the big price is what the till charges for one unit,
//! asked of the same pricing engine the till uses, so a label and the till cannot
//! disagree by design; only a label that did not take its update can. Weighed goods are
//! priced per kg and also show the price per 500 g (每500g, i.e. per 斤), rounded half up
//! to the fen.
//!
//! Every change of a face is a new version of that label. The [`LabelDriver`] port sends
//! it to the label; a driver that hears back at once (the built-in [`SimulatedLabels`])
//! returns the acknowledgement, a gateway that answers later calls `App::ack_label`
//! (`POST /api/v1/labels/{id}/ack`). Pushes happen when a price changes (the catalog calls
//! [`App::refresh_labels_for`]), when labels are bound or unbound, on demand, and in a
//! sweep every `LABEL_SWEEP_MS` ([`spawn_sweeper`]) that catches promotion windows opening
//! and closing and retries labels that did not answer. Each change is announced on a
//! broadcast channel, which the console's simulator page follows over SSE.
//!
//! Pushes are serialized per process by one lock, so a label never receives version 6
//! before version 5 from this server; the version compare-and-set in the store keeps
//! several servers from making the same version twice.

use crate::ports::{PortError, PortFuture};
use crate::{Actor, App, AppError, Page, Paging};
use linli_domain::auth::Permission;
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{OrgId, ProductId, StoreId};
use linli_domain::money::{AMOUNT_FEN_MAX, Money, Rounding};
use linli_domain::pricing::{self, Cart, CartLine, Promotion, PromotionRule, StackingPolicy};
use linli_store::{AckOutcome, LABELS_MAX, LabelFace, LabelId, LabelProduct, LabelRow, NewLabel};
use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// How often the background sweep recomputes every label (promotion windows open and close
/// on their own, so a label must hear of it within about a second).
pub const LABEL_SWEEP_MS: u64 = 1_000;
/// How long a label may take to acknowledge a new version before the drift audit lists it.
pub const LABEL_ACK_GRACE_MS: i64 = 10_000;
/// How often the sweep pushes an unacknowledged version again (an offline label is not
/// hammered every second; "push now" and bringing a simulated label back do not wait).
pub const LABEL_RETRY_MS: i64 = 5_000;
/// A label code ("ESL-0001"): what the gateway knows the device by.
pub const LABEL_CODE_CHARS_MAX: usize = 32;
/// Where a label hangs ("A3-2 冷柜").
pub const LABEL_LOCATION_CHARS_MAX: usize = 40;
/// Promotions named on one label; a label has room for two short lines.
pub const LABEL_PROMOS_MAX: usize = 2;
/// Events a slow listener may fall behind by before it is told to reload.
pub const LABEL_EVENTS_BUFFER: usize = 1_024;
/// Labels the demo store gets, on its best sellers.
pub const DEMO_LABELS: usize = 60;
/// Labels the simulator remembers (far above `LABELS_MAX` for a handful of organisations).
pub const SIM_LABELS_MAX: usize = 100_000;

/// One push: a label, the version and what it should show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelContent {
    pub org: OrgId,
    pub label: LabelId,
    pub code: String,
    pub version: i64,
    pub face: LabelFace,
}

/// A label's word that it shows `version` with `shown_price_fen` on its face.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelAck {
    pub version: i64,
    pub shown_price_fen: i64,
}

/// The port to the labels: a real driver (a Hanshow or SES-imagotag gateway) implements it.
pub trait LabelDriver: Send + Sync + Debug {
    /// "simulator", "hanshow", …
    fn name(&self) -> &'static str;
    /// Shown on the labels page, so nobody mistakes a simulator for the shelf.
    fn label(&self) -> &'static str;
    /// Sends a label its content. `Ok(Some(ack))` when the label confirmed at once;
    /// `Ok(None)` when the confirmation comes later through `App::ack_label`; an error when
    /// the label or the gateway could not be reached (the sweep tries again).
    fn push<'a>(&'a self, content: &'a LabelContent) -> PortFuture<'a, Option<LabelAck>>;
    /// The simulator behind this port, if it is one (its page can take a label offline).
    fn simulator(&self) -> Option<&SimulatedLabels> {
        None
    }
}

/// The built-in label simulator: each simulated label keeps what it shows in memory (a
/// restart forgets it; the next change is pushed as usual) and acknowledges every version
/// it takes. A label set offline refuses pushes and keeps its old face, which is how the
/// drift audit can be seen at work without hardware.
#[derive(Debug, Default)]
pub struct SimulatedLabels {
    shown: Mutex<HashMap<(OrgId, String), (i64, LabelFace)>>,
    offline: Mutex<HashSet<(OrgId, String)>>,
}

impl SimulatedLabels {
    pub const NAME: &'static str = "simulator";
    pub const LABEL: &'static str = "模拟价签 / label simulator";

    pub fn new() -> SimulatedLabels {
        SimulatedLabels::default()
    }

    /// Takes a simulated label off the air (true) or back (false).
    pub fn set_offline(&self, org: OrgId, code: &str, offline: bool) {
        let mut set = self.offline.lock().expect("no panics while the lock is held");
        if offline {
            set.insert((org, code.to_string()));
        } else {
            set.remove(&(org, code.to_string()));
        }
    }

    pub fn is_offline(&self, org: OrgId, code: &str) -> bool {
        self.offline
            .lock()
            .expect("no panics while the lock is held")
            .contains(&(org, code.to_string()))
    }

    /// The version and face a simulated label shows, if it was ever given one.
    pub fn shown(&self, org: OrgId, code: &str) -> Option<(i64, LabelFace)> {
        self.shown
            .lock()
            .expect("no panics while the lock is held")
            .get(&(org, code.to_string()))
            .cloned()
    }
}

impl LabelDriver for SimulatedLabels {
    fn name(&self) -> &'static str {
        SimulatedLabels::NAME
    }

    fn label(&self) -> &'static str {
        SimulatedLabels::LABEL
    }

    fn push<'a>(&'a self, content: &'a LabelContent) -> PortFuture<'a, Option<LabelAck>> {
        Box::pin(async move {
            if self.is_offline(content.org, &content.code) {
                return Err(PortError::Unavailable(format!(
                    "simulated label {} is offline",
                    content.code
                )));
            }
            let mut shown = self.shown.lock().expect("no panics while the lock is held");
            let key = (content.org, content.code.clone());
            // A label never goes back to an older version it is handed late.
            if let Some((v, face)) = shown.get(&key)
                && *v >= content.version
            {
                return Ok(Some(LabelAck {
                    version: *v,
                    shown_price_fen: face.price_fen,
                }));
            }
            if shown.len() >= SIM_LABELS_MAX && !shown.contains_key(&key) {
                return Err(PortError::Refused("the label simulator is full".into()));
            }
            shown.insert(key, (content.version, content.face.clone()));
            Ok(Some(LabelAck {
                version: content.version,
                shown_price_fen: content.face.price_fen,
            }))
        })
    }

    fn simulator(&self) -> Option<&SimulatedLabels> {
        Some(self)
    }
}

/// A label changed (a new version, a push, an acknowledgement): how it stands now.
#[derive(Clone, Debug)]
pub struct LabelEvent {
    pub org: OrgId,
    pub label: LabelView,
}

/// The labels side of the application: the driver, the event channel, the push lock.
#[derive(Clone, Debug)]
pub struct Labels {
    pub driver: Arc<dyn LabelDriver>,
    events: broadcast::Sender<LabelEvent>,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl Labels {
    pub fn new(driver: Arc<dyn LabelDriver>) -> Labels {
        let (events, _) = broadcast::channel(LABEL_EVENTS_BUFFER);
        Labels {
            driver,
            events,
            lock: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// With the built-in simulator as the driver.
    pub fn simulated() -> Labels {
        Labels::new(Arc::new(SimulatedLabels::new()))
    }

    /// Every label event of every organisation from now on; listeners filter by theirs.
    pub fn subscribe(&self) -> broadcast::Receiver<LabelEvent> {
        self.events.subscribe()
    }

    pub fn simulator(&self) -> Option<&SimulatedLabels> {
        self.driver.simulator()
    }
}

// ---------------------------------------------------------------------------
// What a label shows (pure)

/// The price of 500 g from a price per kg: half of it, 四舍五入 to the fen (¥12.99/kg →
/// ¥6.50 per 500 g).
pub fn per_500g_fen(per_kg_fen: i64) -> i64 {
    Money::from_fen(per_kg_fen).mul_ratio(500, 1000, Rounding::HalfUp).fen()
}

/// Whether a promotion concerns the product (and so belongs on its label).
pub fn promotion_applies(rule: &PromotionRule, product: &LabelProduct) -> bool {
    match rule {
        PromotionRule::SecondItemHalfPrice { product: p }
        | PromotionRule::BuyXGetY { product: p, .. }
        | PromotionRule::FlashSale { product: p, .. } => *p == product.id,
        PromotionRule::BundlePrice { products, .. } => products.contains(&product.id),
        PromotionRule::CategoryPercent { category, .. } => product.category_id == Some(*category),
    }
}

/// A promotion as a label says it, in short Chinese.
pub fn promotion_text_zh(rule: &PromotionRule) -> String {
    match rule {
        PromotionRule::SecondItemHalfPrice { .. } => "第二件半价".into(),
        PromotionRule::BundlePrice { bundle_price_fen, .. } => {
            format!("组合价 {}", Money::from_fen(*bundle_price_fen))
        }
        PromotionRule::BuyXGetY { buy, free, .. } => format!("买{buy}赠{free}"),
        PromotionRule::FlashSale { price_fen, .. } => format!("秒杀 {}", Money::from_fen(*price_fen)),
        PromotionRule::CategoryPercent { percent_off_bp, .. } => {
            // 1000 bp off = 9折, 1500 = 8.5折, 250 = 9.75折.
            let pay = 10_000 - i64::from(*percent_off_bp).clamp(0, 10_000);
            let whole = pay / 1_000;
            let frac = format!("{:03}", pay % 1_000);
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                format!("品类{whole}折")
            } else {
                format!("品类{whole}.{frac}折")
            }
        }
    }
}

/// What a label bound to `product` shows at `now` with `promotions` running (a label bound
/// to nothing shows a blank face). The price is the till's for one unit (a piece, or a kg
/// of weighed goods), from the pricing engine with no member and no coupon.
pub fn label_face(product: Option<&LabelProduct>, promotions: &[Promotion], now: i64) -> LabelFace {
    let Some(p) = product else {
        return LabelFace::blank();
    };
    let mut applying: Vec<&Promotion> = promotions
        .iter()
        .filter(|x| x.is_active_at(now) && promotion_applies(&x.rule, p))
        .collect();
    applying.sort_by_key(|x| (std::cmp::Reverse(x.priority), x.id));
    let weighed = p.unit_kind == UnitKind::Weight;
    let cart = Cart {
        lines: vec![CartLine {
            line_no: 1,
            product: p.id,
            category: p.category_id,
            qty: if weighed { 1_000 } else { 1 },
            weighed,
            unit_price_fen: p.price_fen,
        }],
        member: None,
    };
    let owned: Vec<Promotion> = applying.iter().map(|x| (*x).clone()).collect();
    let price_fen = match pricing::price(&cart, &owned, &[], &StackingPolicy::default(), now) {
        Ok(priced) => priced.total_fen,
        Err(e) => {
            tracing::warn!(product = p.id.0, error = %e, "label price falls back to the regular price");
            p.price_fen
        }
    };
    let promo_zh = applying
        .iter()
        .take(LABEL_PROMOS_MAX)
        .map(|x| promotion_text_zh(&x.rule))
        .collect::<Vec<_>>()
        .join(" · ");
    LabelFace {
        product_id: Some(p.id),
        name_zh: p.name_zh.clone(),
        unit_kind: p.unit_kind,
        unit_label: p.unit_label.clone(),
        regular_price_fen: p.price_fen,
        price_fen,
        unit_price_fen: if weighed { per_500g_fen(price_fen) } else { price_fen },
        promo_zh,
    }
}

/// Why the drift audit lists a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriftReason {
    /// The price the label acknowledged showing is not the till's price now.
    PriceDiffers,
    /// The label has not acknowledged its newest version within `LABEL_ACK_GRACE_MS`.
    AckOverdue,
}

impl DriftReason {
    pub fn code(self) -> &'static str {
        match self {
            DriftReason::PriceDiffers => "price_differs",
            DriftReason::AckOverdue => "ack_overdue",
        }
    }
}

/// Why `label` drifts from `expected` (what the till says now); empty when it does not.
pub fn drift_of(label: &LabelRow, expected: &LabelFace, now: i64) -> Vec<DriftReason> {
    let mut out = Vec::new();
    if label.shown_price_fen.is_some_and(|shown| shown != expected.price_fen) {
        out.push(DriftReason::PriceDiffers);
    }
    let since = if label.version == 0 {
        Some(label.created_at)
    } else if label.acked_version < label.version {
        label.version_at
    } else {
        None
    };
    if since.is_some_and(|t| now - t > LABEL_ACK_GRACE_MS) {
        out.push(DriftReason::AckOverdue);
    }
    out
}

/// A label with what the till says it should show now and why it drifts, if it does.
#[derive(Clone, Debug)]
pub struct LabelView {
    pub row: LabelRow,
    /// The face computed now from the product and the running promotions.
    pub expected: LabelFace,
    pub drift: Vec<DriftReason>,
}

/// What one refresh or sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Labels looked at.
    pub labels: usize,
    /// New versions made (the content changed).
    pub staged: usize,
    /// Pushes the driver took.
    pub pushed: usize,
    /// Acknowledgements recorded.
    pub acked: usize,
    /// Pushes or writes that failed (logged; the sweep tries again).
    pub failed: usize,
}

impl SyncReport {
    fn add(&mut self, o: SyncReport) {
        self.labels += o.labels;
        self.staged += o.staged;
        self.pushed += o.pushed;
        self.acked += o.acked;
        self.failed += o.failed;
    }
}

/// A label to bind, as staff typed it.
#[derive(Clone, Debug, Default)]
pub struct LabelInput {
    pub code: String,
    pub product_id: i64,
    pub location: Option<String>,
    /// Default: the staff member's store, else the organisation's first.
    pub store_id: Option<i64>,
}

/// Which labels a refresh looks at.
#[derive(Clone, Copy, Debug)]
enum Which {
    All,
    Product(ProductId),
    One(LabelId),
}

fn label_code(code: &str) -> Result<String, AppError> {
    let c = code.trim();
    let ok = !c.is_empty()
        && c.chars().count() <= LABEL_CODE_CHARS_MAX
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'));
    if ok {
        Ok(c.to_string())
    } else {
        Err(AppError::invalid(
            "code",
            &format!("a label code is 1 to {LABEL_CODE_CHARS_MAX} letters, digits, '-', '_' or '.' (e.g. ESL-0001)"),
            &format!("价签编码须为 1 到 {LABEL_CODE_CHARS_MAX} 个字母、数字、“-”、“_”或“.”（例如 ESL-0001）"),
        ))
    }
}

/// Whether a label whose newest version is unacknowledged should be pushed again now.
fn retry_due(row: &LabelRow, now: i64, force: bool) -> bool {
    row.acked_version < row.version && (force || row.attempted_at.is_none_or(|t| now - t >= LABEL_RETRY_MS))
}

/// Whether a refresh pushes unacknowledged versions again at once (`Now`) or only when
/// `LABEL_RETRY_MS` has passed since the last try (`WhenDue`, the sweep).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retry {
    Now,
    WhenDue,
}

impl App {
    /// Labels by code, with what each should show and its drift; `drifted` keeps only
    /// labels the drift audit lists.
    pub async fn labels(
        &self,
        actor: &Actor,
        product_id: Option<i64>,
        drifted: bool,
        paging: Paging,
    ) -> Result<Page<LabelView>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let product = product_id.map(ProductId);
        if drifted {
            let all = self.label_drift(actor).await?;
            let all: Vec<LabelView> = all
                .into_iter()
                .filter(|v| product.is_none() || v.row.product.as_ref().map(|p| p.id) == product)
                .collect();
            let r = paging.request();
            let total = i64::try_from(all.len()).expect("at most LABELS_MAX");
            let items = all
                .into_iter()
                .skip(usize::try_from(r.offset).unwrap_or(usize::MAX))
                .take(usize::try_from(r.limit).unwrap_or(0))
                .collect();
            return Ok(Page { items, total });
        }
        let now = self.now();
        let page = self.store.labels(actor.org, product, paging.request()).await?;
        let promotions = self.store.active_promotions(actor.org, now).await?;
        Ok(Page {
            items: page.items.into_iter().map(|r| view(r, &promotions, now)).collect(),
            total: page.total,
        })
    }

    pub async fn label(&self, actor: &Actor, id: i64) -> Result<LabelView, AppError> {
        actor.require(Permission::ViewCatalog)?;
        self.label_view(actor.org, LabelId(id)).await
    }

    async fn label_view(&self, org: OrgId, id: LabelId) -> Result<LabelView, AppError> {
        let now = self.now();
        let row = self.store.label(org, id).await?;
        let promotions = self.store.active_promotions(org, now).await?;
        Ok(view(row, &promotions, now))
    }

    /// The drift audit: labels whose acknowledged price is not the till's, or that have
    /// not acknowledged their newest version in time; by code.
    pub async fn label_drift(&self, actor: &Actor) -> Result<Vec<LabelView>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let now = self.now();
        let rows = self.store.all_labels(actor.org, None).await?;
        let promotions = self.store.active_promotions(actor.org, now).await?;
        Ok(rows
            .into_iter()
            .map(|r| view(r, &promotions, now))
            .filter(|v| !v.drift.is_empty())
            .collect())
    }

    /// Binds a label to a product (creating it, or binding a known unbound label) and
    /// pushes its first content. Needs the catalog permission: a label is part of the shelf.
    pub async fn bind_label(&self, actor: &Actor, input: LabelInput) -> Result<LabelView, AppError> {
        actor.require(Permission::EditCatalog)?;
        let code = label_code(&input.code)?;
        let location = crate::free_text(
            input.location.as_deref().unwrap_or(""),
            "location",
            LABEL_LOCATION_CHARS_MAX,
        )?;
        if input.product_id <= 0 {
            return Err(AppError::invalid("product_id", "no such product", "商品不存在"));
        }
        let store = match input.store_id {
            Some(id) => StoreId(id),
            None => self.actor_store(actor).await?,
        };
        let new = NewLabel {
            store,
            code: &code,
            product: ProductId(input.product_id),
            location: &location,
            by: Some(actor.staff),
        };
        let id = match self.store.bind_label(actor.org, &new, self.now()).await {
            Err(linli_store::StoreError::Refused {
                code: "no_such_product" | "no_such_store",
                field,
                en,
                zh,
            }) => return Err(AppError::invalid(field, &en, &zh)),
            other => other?,
        };
        self.refresh(actor.org, Which::One(id), Retry::Now, self.now()).await;
        self.label_view(actor.org, id).await
    }

    /// Unbinds a label: it stays known and is pushed a blank face.
    pub async fn unbind_label(&self, actor: &Actor, id: i64) -> Result<LabelView, AppError> {
        actor.require(Permission::EditCatalog)?;
        let id = LabelId(id);
        self.store
            .unbind_label(actor.org, id, Some(actor.staff), self.now())
            .await?;
        self.refresh(actor.org, Which::One(id), Retry::Now, self.now()).await;
        self.label_view(actor.org, id).await
    }

    /// A label's acknowledgement, as its gateway reports it.
    pub async fn ack_label(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        shown_price_fen: i64,
    ) -> Result<(AckOutcome, LabelView), AppError> {
        actor.require(Permission::EditCatalog)?;
        if version < 1 {
            return Err(AppError::invalid(
                "version",
                "version must be 1 or more",
                "版本号须从 1 开始",
            ));
        }
        if !(0..=AMOUNT_FEN_MAX).contains(&shown_price_fen) {
            return Err(AppError::invalid(
                "shown_price_fen",
                &format!("shown_price_fen must be between 0 and {AMOUNT_FEN_MAX}"),
                &format!("显示价格须在 0 到 {AMOUNT_FEN_MAX} 分之间"),
            ));
        }
        let id = LabelId(id);
        let outcome = self
            .store
            .ack_label(actor.org, id, version, shown_price_fen, self.now())
            .await
            .map_err(|e| match e {
                linli_store::StoreError::Refused {
                    code: "unknown_version",
                    field,
                    en,
                    zh,
                } => AppError::invalid(field, &en, &zh),
                other => other.into(),
            })?;
        let v = self.label_view(actor.org, id).await?;
        if outcome == AckOutcome::Recorded {
            self.announce(actor.org, v.clone());
        }
        Ok((outcome, v))
    }

    /// Takes a simulated label offline or back (only with the built-in simulator); back
    /// online, it is pushed its newest content at once.
    pub async fn simulate_label(&self, actor: &Actor, id: i64, offline: bool) -> Result<LabelView, AppError> {
        actor.require(Permission::EditCatalog)?;
        let Some(sim) = self.labels.simulator() else {
            return Err(AppError::conflict(
                "not_simulated",
                None,
                "labels are driven by a real gateway here, not the simulator".into(),
                "当前价签由真实网关驱动，不是模拟器".into(),
            ));
        };
        let id = LabelId(id);
        let row = self.store.label(actor.org, id).await?;
        sim.set_offline(actor.org, &row.code, offline);
        if !offline {
            self.refresh(actor.org, Which::One(id), Retry::Now, self.now()).await;
        }
        self.label_view(actor.org, id).await
    }

    /// Pushes now: recomputes every label of the organisation, pushes what changed and
    /// retries what was not acknowledged.
    pub async fn sync_labels_for(&self, actor: &Actor) -> Result<SyncReport, AppError> {
        actor.require(Permission::EditCatalog)?;
        Ok(self.refresh(actor.org, Which::All, Retry::Now, self.now()).await)
    }

    /// The sweep over every organisation with labels (no actor: the server runs it).
    pub async fn sync_labels(&self, now: i64) -> Result<SyncReport, AppError> {
        let mut report = SyncReport::default();
        for org in self.store.label_orgs().await? {
            report.add(self.refresh(org, Which::All, Retry::WhenDue, now).await);
        }
        Ok(report)
    }

    /// A product's price or name changed: its labels get the new content now. Never fails
    /// the change that called it: a label that could not be reached shows in the drift
    /// audit and the sweep tries again.
    pub async fn refresh_labels_for(&self, org: OrgId, product: ProductId) -> SyncReport {
        self.refresh(org, Which::Product(product), Retry::Now, self.now()).await
    }

    /// A promotion started or ended: every label of the organisation is recomputed now
    /// (the sweep would catch it within `LABEL_SWEEP_MS` anyway).
    pub async fn refresh_labels_after_promotions(&self, org: OrgId) -> SyncReport {
        self.refresh(org, Which::All, Retry::WhenDue, self.now()).await
    }

    /// Every label of `org` for the console (at most `LABELS_MAX`).
    pub async fn all_labels(&self, actor: &Actor) -> Result<Vec<LabelView>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let now = self.now();
        let rows = self.store.all_labels(actor.org, None).await?;
        let promotions = self.store.active_promotions(actor.org, now).await?;
        Ok(rows.into_iter().map(|r| view(r, &promotions, now)).collect())
    }

    /// The stream of label changes the staff member's organisation sees (filter by `org`).
    pub fn label_events(&self, actor: &Actor) -> Result<broadcast::Receiver<LabelEvent>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.labels.subscribe())
    }

    fn announce(&self, org: OrgId, label: LabelView) {
        // No listener is fine: nobody has the simulator page open.
        let _ = self.labels.events.send(LabelEvent { org, label });
    }

    /// Recomputes the chosen labels, makes a version of every changed face and pushes it;
    /// pushes again what is unacknowledged and due. Failures are logged and counted, and
    /// one bad label does not stop the rest.
    async fn refresh(&self, org: OrgId, which: Which, retry: Retry, now: i64) -> SyncReport {
        let _serial = self.labels.lock.lock().await;
        let mut report = SyncReport::default();
        let rows = match which {
            Which::All => self.store.all_labels(org, None).await,
            Which::Product(p) => self.store.all_labels(org, Some(p)).await,
            Which::One(id) => self.store.label(org, id).await.map(|r| vec![r]),
        };
        let promotions = self.store.active_promotions(org, now).await;
        let (rows, promotions) = match (rows, promotions) {
            (Ok(r), Ok(p)) => (r, p),
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(org = org.0, error = %e, "could not read labels to refresh");
                report.failed += 1;
                return report;
            }
        };
        report.labels = rows.len();
        for row in rows {
            if let Err(e) = self.refresh_one(org, &row, &promotions, retry, now, &mut report).await {
                tracing::warn!(org = org.0, label = %row.code, error = %e, "label refresh failed");
                report.failed += 1;
            }
        }
        report
    }

    async fn refresh_one(
        &self,
        org: OrgId,
        row: &LabelRow,
        promotions: &[Promotion],
        retry: Retry,
        now: i64,
        report: &mut SyncReport,
    ) -> Result<(), AppError> {
        let face = label_face(row.product.as_ref(), promotions, now);
        let version = if row.version == 0 || row.face.as_ref() != Some(&face) {
            match self.store.stage_label(org, row.id, row.version, &face, now).await? {
                Some(v) => {
                    report.staged += 1;
                    v
                }
                // Another server made a version meanwhile; the next sweep looks again.
                None => return Ok(()),
            }
        } else if retry_due(row, now, retry == Retry::Now) {
            row.version
        } else {
            return Ok(());
        };
        let content = LabelContent {
            org,
            label: row.id,
            code: row.code.clone(),
            version,
            face,
        };
        match self.labels.driver.push(&content).await {
            Ok(ack) => {
                self.store.label_pushed(org, row.id, version, None, now).await?;
                report.pushed += 1;
                if let Some(ack) = ack {
                    self.store
                        .ack_label(org, row.id, ack.version, ack.shown_price_fen, now)
                        .await?;
                    report.acked += 1;
                }
            }
            Err(e) => {
                self.store
                    .label_pushed(org, row.id, version, Some(&e.to_string()), now)
                    .await?;
                report.failed += 1;
            }
        }
        let fresh = self.store.label(org, row.id).await?;
        self.announce(org, view(fresh, promotions, now));
        Ok(())
    }
}

fn view(row: LabelRow, promotions: &[Promotion], now: i64) -> LabelView {
    let expected = label_face(row.product.as_ref(), promotions, now);
    let drift = drift_of(&row, &expected, now);
    LabelView { row, expected, drift }
}

/// Keeps every organisation's labels in step: runs `App::sync_labels` every
/// `LABEL_SWEEP_MS` until the runtime stops. Started by `linli serve`.
pub fn spawn_sweeper(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(LABEL_SWEEP_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = app.sync_labels(app.now()).await {
                tracing::warn!(error = %e, "label sweep failed");
            }
        }
    })
}

/// Labels for the demo store: one on each of the `count` best-selling products (by daily
/// takings), codes ESL-0001 upwards, each pushed and acknowledged at `at`.
pub async fn seed_demo_labels(
    app: &App,
    org: OrgId,
    store: StoreId,
    demo: &linli_demo::Demo,
    products: &[ProductId],
    count: usize,
    at: i64,
) -> Result<usize, AppError> {
    let takings = |p: &linli_demo::DemoProduct| -> f64 {
        let per_unit = p.price_fen as f64;
        match p.unit {
            linli_demo::DemoUnit::Kg => p.base_daily_demand / 1000.0 * per_unit,
            linli_demo::DemoUnit::Piece(_) => p.base_daily_demand * per_unit,
        }
    };
    let mut order: Vec<usize> = (0..demo.products.len().min(products.len())).collect();
    order.sort_by(|a, b| {
        takings(&demo.products[*b])
            .total_cmp(&takings(&demo.products[*a]))
            .then(a.cmp(b))
    });
    order.truncate(count.min(usize::try_from(LABELS_MAX).unwrap_or(usize::MAX)));
    // Shelf order: by category, then by product, so neighbours on the page are neighbours on the shelf.
    order.sort_by(|a, b| {
        demo.products[*a]
            .category
            .cmp(&demo.products[*b].category)
            .then(a.cmp(b))
    });
    let names: HashMap<&str, &str> = demo
        .categories
        .iter()
        .map(|c| (c.code.as_str(), c.name_zh.as_str()))
        .collect();
    let mut bay: HashMap<&str, usize> = HashMap::new();
    for (n, i) in order.iter().enumerate() {
        let p = &demo.products[*i];
        let place = bay.entry(p.category.as_str()).or_default();
        *place += 1;
        let location = format!(
            "{} · {:02}",
            names.get(p.category.as_str()).copied().unwrap_or("货架"),
            place
        );
        let code = format!("ESL-{:04}", n + 1);
        let new = NewLabel {
            store,
            code: &code,
            product: products[*i],
            location: &location,
            by: None,
        };
        app.store.bind_label(org, &new, at).await?;
    }
    let report = app.refresh(org, Which::All, Retry::Now, at).await;
    if report.failed > 0 {
        return Err(AppError::Internal(format!(
            "{} demo labels could not be pushed",
            report.failed
        )));
    }
    Ok(order.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_domain::ids::CategoryId;
    use linli_domain::pricing::PromotionId;
    use linli_store::LabelId;

    const NOW: i64 = 1_795_572_000_000;

    fn product(unit_kind: UnitKind, price_fen: i64) -> LabelProduct {
        LabelProduct {
            id: ProductId(7),
            name_zh: "红富士苹果".into(),
            unit_kind,
            unit_label: if unit_kind == UnitKind::Weight { "kg" } else { "个" }.into(),
            price_fen,
            category_id: Some(CategoryId(3)),
            active: true,
        }
    }

    fn promo(id: i64, priority: i32, rule: PromotionRule) -> Promotion {
        Promotion {
            id: PromotionId(id),
            name_zh: format!("促销{id}"),
            starts_at_ms: NOW - 1,
            ends_at_ms: NOW + 1,
            priority,
            stackable: false,
            rule,
        }
    }

    #[test]
    fn the_price_per_500g_is_half_the_kg_price_rounded_half_up() {
        for (per_kg, per_500g) in [(1299, 650), (1297, 649), (1298, 649), (1, 1), (2, 1), (0, 0), (3, 2)] {
            assert_eq!(per_500g_fen(per_kg), per_500g, "{per_kg}");
        }
    }

    #[test]
    fn promotions_read_as_short_chinese() {
        let p = ProductId(1);
        let check = |rule: PromotionRule, text: &str| assert_eq!(promotion_text_zh(&rule), text);
        check(PromotionRule::SecondItemHalfPrice { product: p }, "第二件半价");
        check(
            PromotionRule::BuyXGetY {
                product: p,
                buy: 2,
                free: 1,
            },
            "买2赠1",
        );
        check(
            PromotionRule::FlashSale {
                product: p,
                price_fen: 390,
                cap_per_order: 2,
            },
            "秒杀 ¥3.90",
        );
        check(
            PromotionRule::BundlePrice {
                products: vec![p, ProductId(2)],
                bundle_price_fen: 1200,
            },
            "组合价 ¥12.00",
        );
        for (bp, text) in [
            (1000, "品类9折"),
            (1500, "品类8.5折"),
            (250, "品类9.75折"),
            (5000, "品类5折"),
        ] {
            check(
                PromotionRule::CategoryPercent {
                    category: CategoryId(3),
                    percent_off_bp: bp,
                },
                text,
            );
        }
    }

    #[test]
    fn a_weighed_label_shows_the_till_price_per_kg_and_per_500g() {
        let apple = product(UnitKind::Weight, 1299);
        let face = label_face(Some(&apple), &[], NOW);
        assert_eq!(
            (face.price_fen, face.unit_price_fen, face.regular_price_fen),
            (1299, 650, 1299)
        );
        assert_eq!((face.unit_kind, face.promo_zh.as_str()), (UnitKind::Weight, ""));
        // 10% off the category: 1299 − 129 (a discount rounds down) = 1170 per kg, 585 per 500 g.
        let ten_off = promo(
            1,
            0,
            PromotionRule::CategoryPercent {
                category: CategoryId(3),
                percent_off_bp: 1000,
            },
        );
        let face = label_face(Some(&apple), std::slice::from_ref(&ten_off), NOW);
        assert_eq!(
            (face.price_fen, face.unit_price_fen, face.regular_price_fen),
            (1170, 585, 1299)
        );
        assert_eq!(face.promo_zh, "品类9折");
        // Not running: ignored.
        assert_eq!(label_face(Some(&apple), &[ten_off], NOW + 5).price_fen, 1299);
    }

    #[test]
    fn a_piece_label_names_at_most_two_promotions_by_priority() {
        let p = product(UnitKind::Piece, 500);
        let others = ProductId(99);
        let promotions = [
            promo(1, 0, PromotionRule::SecondItemHalfPrice { product: p.id }),
            promo(
                2,
                5,
                PromotionRule::FlashSale {
                    product: p.id,
                    price_fen: 390,
                    cap_per_order: 1,
                },
            ),
            promo(
                3,
                1,
                PromotionRule::BuyXGetY {
                    product: p.id,
                    buy: 2,
                    free: 1,
                },
            ),
            promo(4, 9, PromotionRule::SecondItemHalfPrice { product: others }),
        ];
        let face = label_face(Some(&p), &promotions, NOW);
        assert_eq!(face.price_fen, 390, "one unit at the till costs the flash price");
        assert_eq!((face.unit_price_fen, face.regular_price_fen), (390, 500));
        assert_eq!(face.promo_zh, "秒杀 ¥3.90 · 买2赠1");
        assert_eq!(label_face(None, &promotions, NOW), LabelFace::blank());
    }

    fn row(version: i64, acked_version: i64, shown_price_fen: Option<i64>) -> LabelRow {
        LabelRow {
            id: LabelId(1),
            store_id: StoreId(1),
            code: "ESL-0001".into(),
            location: String::new(),
            created_at: NOW - 60_000,
            product: Some(product(UnitKind::Piece, 500)),
            version,
            version_at: Some(NOW - 5_000),
            attempted_at: None,
            pushed_at: None,
            push_error: String::new(),
            acked_version,
            acked_at: None,
            shown_price_fen,
            face: None,
            shown: None,
        }
    }

    #[test]
    fn drift_is_a_different_shown_price_or_a_late_acknowledgement() {
        let expected = label_face(Some(&product(UnitKind::Piece, 500)), &[], NOW);
        assert!(drift_of(&row(2, 2, Some(500)), &expected, NOW).is_empty());
        assert_eq!(
            drift_of(&row(2, 2, Some(450)), &expected, NOW),
            [DriftReason::PriceDiffers]
        );
        // Not acknowledged yet, but within the grace period.
        assert!(drift_of(&row(3, 2, Some(500)), &expected, NOW).is_empty());
        assert_eq!(
            drift_of(&row(3, 2, Some(500)), &expected, NOW + LABEL_ACK_GRACE_MS),
            [DriftReason::AckOverdue]
        );
        assert_eq!(
            drift_of(&row(3, 2, Some(1)), &expected, NOW + LABEL_ACK_GRACE_MS),
            [DriftReason::PriceDiffers, DriftReason::AckOverdue]
        );
        // Never pushed at all, long after it was bound.
        assert_eq!(drift_of(&row(0, 0, None), &expected, NOW), [DriftReason::AckOverdue]);
    }

    #[test]
    fn an_unacknowledged_version_is_pushed_again_only_when_due_or_asked() {
        let mut r = row(3, 2, Some(500));
        assert!(retry_due(&r, NOW, false), "never tried");
        r.attempted_at = Some(NOW - LABEL_RETRY_MS + 1);
        assert!(!retry_due(&r, NOW, false), "tried a moment ago");
        assert!(retry_due(&r, NOW, true), "unless asked");
        assert!(retry_due(&r, NOW + 1, false));
        assert!(
            !retry_due(&row(3, 3, Some(500)), NOW, true),
            "acknowledged: nothing to retry"
        );
    }

    #[tokio::test]
    async fn the_simulator_acknowledges_refuses_offline_and_never_goes_back() {
        let sim = SimulatedLabels::new();
        let org = OrgId(1);
        let face = |price_fen| LabelFace {
            price_fen,
            ..LabelFace::blank()
        };
        let content = |version, price_fen| LabelContent {
            org,
            label: LabelId(1),
            code: "ESL-0001".into(),
            version,
            face: face(price_fen),
        };
        let ack = sim.push(&content(2, 450)).await.unwrap();
        assert_eq!(
            ack,
            Some(LabelAck {
                version: 2,
                shown_price_fen: 450
            })
        );
        // Version 1 arriving late: the label keeps version 2 and says so.
        let ack = sim.push(&content(1, 500)).await.unwrap();
        assert_eq!(
            ack,
            Some(LabelAck {
                version: 2,
                shown_price_fen: 450
            })
        );
        sim.set_offline(org, "ESL-0001", true);
        assert!(matches!(
            sim.push(&content(3, 400)).await,
            Err(PortError::Unavailable(_))
        ));
        assert_eq!(
            sim.shown(org, "ESL-0001").map(|(v, f)| (v, f.price_fen)),
            Some((2, 450))
        );
        // Another organisation's label of the same code is another label.
        assert!(sim.shown(OrgId(2), "ESL-0001").is_none());
        sim.set_offline(org, "ESL-0001", false);
        assert_eq!(sim.push(&content(3, 400)).await.unwrap().map(|a| a.version), Some(3));
    }
}
