//! 居民商城 The resident shop's reads: the shop a resident orders from, its categories
//! and scene zones, products with their stock status and freshness, and the resident's
//! own member page (tier, points, stored value, coupons, statements).
//!
//! Every call takes the signed-in [`Resident`] and reads only the resident's
//! organisation and the resident's own member id: no id from the request ever selects
//! whose balances are shown. Ordering, paying and cancelling are in `orders`; this
//! module only reads. Search reuses the catalog's (name, pinyin initials "nn" → 牛奶,
//! full pinyin, SKU, barcode) with inactive products left out.

use crate::orders::Resident;
use crate::{App, AppError, Page, Paging};
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{CategoryId, LocationId, ProductId, ZoneId};
use linli_domain::loyalty::{TierTable, points_value_fen};
use linli_domain::time::{self, MS_PER_DAY};
use linli_store::{
    CategoryRow, LocationKind, LocationRow, MemberCouponRow, MemberHome, PointsStatementRow, ProductFilter, ProductRow,
    ShelfRow, ShopBuildingRow, StoreRow, StoredValueStatementRow, ZoneRow, member_code,
};

use crate::loyalty::{EXPIRING_SOON_DAYS, LoyaltyView, NextTier};

/// At or below this many pieces a product shows "仅剩 N 件".
pub const LOW_STOCK_PIECES: i64 = 5;
/// At or below this many grams a weighed product shows "仅剩 N kg".
pub const LOW_STOCK_GRAMS: i64 = 2_000;
/// A product without a category is "临期" this close to its expiry (the categories' default).
pub const NEAR_EXPIRY_HOURS_DEFAULT: i64 = 72;
/// The most products one page of the shop lists.
pub const SHOP_PAGE_SIZE_MAX: i64 = 100;

/// How much of a product the shop can still promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockStatus {
    /// 有货
    InStock,
    /// 仅剩 N 件: a few left.
    Low,
    /// 售罄
    SoldOut,
}

impl StockStatus {
    pub fn code(self) -> &'static str {
        match self {
            StockStatus::InStock => "in_stock",
            StockStatus::Low => "low",
            StockStatus::SoldOut => "sold_out",
        }
    }
}

/// The stock status of `available` units (grams for weighed goods).
pub fn stock_status(available: i64, unit: UnitKind) -> StockStatus {
    let low = match unit {
        UnitKind::Piece => LOW_STOCK_PIECES,
        UnitKind::Weight => LOW_STOCK_GRAMS,
    };
    if available <= 0 {
        StockStatus::SoldOut
    } else if available <= low {
        StockStatus::Low
    } else {
        StockStatus::InStock
    }
}

/// How fresh the next units handed out are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Freshness {
    /// The last day the next unit may be sold (its lot's expiry day, Asia/Shanghai).
    pub best_before: Option<jiff::civil::Date>,
    /// Days from today to that day: 0 = it is the last day.
    pub days_left: Option<i64>,
    /// 临期: within the category's expiry-alert horizon, or on its last day of sale.
    pub near_expiry: bool,
    /// 今日到货: a lot with free units was received today.
    pub arrived_today: bool,
}

/// Freshness from a shelf row at `now`; `alert_hours` is the category's expiry horizon.
pub fn freshness(row: &ShelfRow, now: i64, alert_hours: i64) -> Freshness {
    let today = time::local_date(now);
    // A lot is sellable until the end of its expiry day: the stored instant is the
    // first moment of the next day.
    let best_before = row.earliest_expiry.map(|e| time::local_date(e - 1));
    let days_left = best_before.map(|d| (d - today).get_days().into());
    Freshness {
        best_before,
        days_left,
        // The last day of sale is near expiry whatever the category's horizon.
        near_expiry: row.available > 0
            && (linli_domain::stock::expiry_alert(row.earliest_expiry, now, alert_hours) || days_left == Some(0)),
        arrived_today: row.newest_received_at.is_some_and(|r| time::local_date(r) == today),
    }
}

/// One product as the shop shows it.
#[derive(Debug, Clone)]
pub struct ShelfItem {
    pub product: ProductRow,
    pub available: i64,
    pub status: StockStatus,
    pub freshness: Freshness,
}

/// Where a resident shops: the store (their building's, else the organisation's first),
/// its sales floor, the buildings it delivers to and the resident's own address.
#[derive(Debug, Clone)]
pub struct ShopInfo {
    pub org_name: String,
    pub store: StoreRow,
    pub location: LocationRow,
    pub buildings: Vec<ShopBuildingRow>,
    pub home: MemberHome,
    pub member_code: String,
}

fn next_tier(tiers: &TierTable, spend: i64) -> Option<NextTier> {
    tiers
        .rules()
        .iter()
        .find(|t| t.min_spend_fen_12m > spend)
        .map(|t| NextTier {
            tier: t.clone(),
            spend_needed_fen: t.min_spend_fen_12m - spend,
        })
}

impl App {
    /// The shop the resident orders from.
    pub async fn shop_info(&self, r: &Resident) -> Result<ShopInfo, AppError> {
        let home = self.store.member_home(r.org, r.member).await?;
        let (store, location) = self.shop_location(r, &home).await?;
        Ok(ShopInfo {
            org_name: self.store.org_name(r.org).await?,
            buildings: self.store.shop_buildings(r.org, store.id).await?,
            store,
            location,
            home,
            member_code: member_code(r.member),
        })
    }

    /// The store of the resident's building (else the organisation's first) and the
    /// location it sells online from: its first sales floor, else its first location.
    async fn shop_location(&self, r: &Resident, home: &MemberHome) -> Result<(StoreRow, LocationRow), AppError> {
        let stores = self.store.stores(r.org).await?;
        let home_store = match home.building {
            Some(b) => Some(self.store.building_place(r.org, b).await?.store_id),
            None => None,
        };
        let store = home_store
            .and_then(|id| stores.iter().find(|s| s.id == id))
            .or_else(|| stores.first())
            .cloned()
            .ok_or_else(closed)?;
        let locations: Vec<LocationRow> = self
            .store
            .locations(r.org)
            .await?
            .into_iter()
            .filter(|l| l.store_id == store.id)
            .collect();
        let location = locations
            .iter()
            .find(|l| l.kind == LocationKind::SalesFloor)
            .or_else(|| locations.first())
            .cloned()
            .ok_or_else(closed)?;
        Ok((store, location))
    }

    /// Top-level categories (a category's products include its sub-categories').
    pub async fn shop_categories(&self, r: &Resident) -> Result<Vec<CategoryRow>, AppError> {
        Ok(self
            .store
            .categories(r.org)
            .await?
            .into_iter()
            .filter(|c| c.parent_id.is_none())
            .collect())
    }

    /// Scene zones (场景专区: 早餐角, 应急专区 …).
    pub async fn shop_zones(&self, r: &Resident) -> Result<Vec<ZoneRow>, AppError> {
        Ok(self.store.zones(r.org).await?)
    }

    /// Active products of the resident's organisation, best search matches first, with
    /// what the shop's location can promise of each and how fresh it is.
    pub async fn shop_products(
        &self,
        r: &Resident,
        q: Option<&str>,
        category: Option<i64>,
        zone: Option<i64>,
        paging: Paging,
    ) -> Result<Page<ShelfItem>, AppError> {
        if paging.page_size > SHOP_PAGE_SIZE_MAX {
            return Err(AppError::invalid(
                "page_size",
                &format!("page_size must be between 1 and {SHOP_PAGE_SIZE_MAX}"),
                &format!("每页条数必须在 1 到 {SHOP_PAGE_SIZE_MAX} 之间"),
            ));
        }
        let q = q
            .map(|q| crate::free_text(q, "q", crate::catalog::SEARCH_CHARS_MAX))
            .transpose()?
            .filter(|q| !q.is_empty());
        let filter = ProductFilter {
            q,
            category: category.map(CategoryId),
            zone: zone.map(ZoneId),
            include_inactive: false,
        };
        let page = self.store.products(r.org, &filter, paging.request()).await?;
        let home = self.store.member_home(r.org, r.member).await?;
        let (_, location) = self.shop_location(r, &home).await?;
        let items = self.shelf_items(r, location.id, page.items).await?;
        Ok(Page {
            items,
            total: page.total,
        })
    }

    /// One active product of the resident's organisation (inactive or another
    /// organisation's: not found).
    pub async fn shop_product(&self, r: &Resident, id: i64) -> Result<ShelfItem, AppError> {
        let product = self.store.product(r.org, ProductId(id)).await?;
        if !product.active {
            return Err(AppError::NotFound);
        }
        let home = self.store.member_home(r.org, r.member).await?;
        let (_, location) = self.shop_location(r, &home).await?;
        let mut items = self.shelf_items(r, location.id, vec![product]).await?;
        Ok(items.pop().expect("one product in, one item out"))
    }

    async fn shelf_items(
        &self,
        r: &Resident,
        location: LocationId,
        products: Vec<ProductRow>,
    ) -> Result<Vec<ShelfItem>, AppError> {
        let now = self.now();
        let ids: Vec<ProductId> = products.iter().map(|p| p.id).collect();
        let shelf = self.store.shelf(r.org, location, &ids, now).await?;
        let categories = self.store.categories(r.org).await?;
        Ok(products
            .into_iter()
            .zip(shelf)
            .map(|(product, row)| {
                let alert_hours = product
                    .category_id
                    .and_then(|c| categories.iter().find(|x| x.id == c))
                    .map_or(NEAR_EXPIRY_HOURS_DEFAULT, |c| c.expiry_alert_hours);
                ShelfItem {
                    available: row.available,
                    status: stock_status(row.available, product.unit_kind),
                    freshness: freshness(&row, now, alert_hours),
                    product,
                }
            })
            .collect())
    }

    // ---- the resident's own member page ----

    /// The resident's tier, points and stored value (the same view staff get of a
    /// member, for the resident's own member id only; phone masked).
    pub async fn resident_loyalty(&self, r: &Resident) -> Result<LoyaltyView, AppError> {
        let now = self.now();
        let settings = self.store.loyalty_settings(r.org).await?;
        let mut l = self.store.member_loyalty(r.org, r.member, now).await?;
        l.member.phone = linli_domain::phone::mask_any(&l.member.phone);
        let tier = settings.tiers().tier_for(l.rolling_spend_fen).clone();
        let soon = now + EXPIRING_SOON_DAYS * MS_PER_DAY;
        Ok(LoyaltyView {
            code: member_code(l.member.id),
            member: l.member,
            next_tier: next_tier(settings.tiers(), l.rolling_spend_fen),
            tier,
            rolling_spend_fen: l.rolling_spend_fen,
            points_balance: l.points_balance,
            points_available: l.points_available,
            points_value_fen: points_value_fen(l.points_available.max(0), settings.redeem()),
            points_expiring_soon: l
                .expiring
                .iter()
                .filter(|e| e.expires_at <= soon)
                .map(|e| e.points)
                .sum(),
            next_expiry: l.expiring.first().copied(),
            principal_fen: l.principal_fen,
            bonus_fen: l.bonus_fen,
        })
    }

    /// The resident's points statement, newest first.
    pub async fn resident_points(&self, r: &Resident, paging: Paging) -> Result<Page<PointsStatementRow>, AppError> {
        Ok(self.store.points_statement(r.org, r.member, paging.request()).await?)
    }

    /// The resident's stored-value statement, newest first.
    pub async fn resident_stored_value(
        &self,
        r: &Resident,
        paging: Paging,
    ) -> Result<Page<StoredValueStatementRow>, AppError> {
        Ok(self
            .store
            .stored_value_statement(r.org, r.member, paging.request())
            .await?)
    }

    /// The resident's coupons, newest first; `usable_only` keeps the ones usable now.
    pub async fn resident_coupons(&self, r: &Resident, usable_only: bool) -> Result<Vec<MemberCouponRow>, AppError> {
        let at = usable_only.then(|| self.now());
        Ok(self.store.member_coupons(r.org, r.member, at).await?)
    }
}

fn closed() -> AppError {
    AppError::conflict(
        "shop_closed",
        None,
        "this organisation has no store to order from yet".into(),
        "该商户还没有可下单的门店".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_572_000_000; // 2026-11-25 10:00 Asia/Shanghai

    fn check_status(available: i64, unit: UnitKind, expected: StockStatus) {
        assert_eq!(stock_status(available, unit), expected, "{available} {unit:?}");
    }

    #[test]
    fn stock_status_says_sold_out_low_or_in_stock() {
        check_status(0, UnitKind::Piece, StockStatus::SoldOut);
        check_status(-3, UnitKind::Piece, StockStatus::SoldOut);
        check_status(1, UnitKind::Piece, StockStatus::Low);
        check_status(LOW_STOCK_PIECES, UnitKind::Piece, StockStatus::Low);
        check_status(LOW_STOCK_PIECES + 1, UnitKind::Piece, StockStatus::InStock);
        check_status(LOW_STOCK_GRAMS, UnitKind::Weight, StockStatus::Low);
        check_status(LOW_STOCK_GRAMS + 1, UnitKind::Weight, StockStatus::InStock);
    }

    fn row(available: i64, earliest_expiry: Option<i64>, newest_received_at: Option<i64>) -> ShelfRow {
        ShelfRow {
            product_id: ProductId(1),
            available,
            earliest_expiry,
            newest_received_at,
        }
    }

    #[test]
    fn freshness_counts_days_to_the_label_day_and_flags_todays_arrivals() {
        let today = time::local_date(NOW);
        let end_of =
            |days: i64| time::end_of_local_day(today.checked_add(jiff::Span::new().days(days)).expect("a near date"));
        // Sellable until the end of the day after tomorrow: 2 days left, not within 24 h.
        let f = freshness(&row(10, Some(end_of(2)), Some(NOW - 3_600_000)), NOW, 24);
        assert_eq!(f.days_left, Some(2));
        assert_eq!(f.best_before.map(|d| d.to_string()).as_deref(), Some("2026-11-27"));
        assert!(!f.near_expiry);
        assert!(f.arrived_today, "received an hour ago");
        // Its last day is today: 0 days left and near expiry, even with a short horizon.
        let f = freshness(&row(10, Some(end_of(0)), Some(NOW - 2 * MS_PER_DAY)), NOW, 1);
        assert_eq!(f.days_left, Some(0));
        assert!(f.near_expiry);
        assert!(
            freshness(&row(10, Some(end_of(1)), None), NOW, 48).near_expiry,
            "within 48 h"
        );
        assert!(!freshness(&row(10, Some(end_of(1)), None), NOW, 12).near_expiry);
        assert!(!f.arrived_today, "received two days ago");
        // Nothing left: nothing is near expiry; no expiry: no days.
        assert!(!freshness(&row(0, Some(end_of(0)), None), NOW, 24).near_expiry);
        assert_eq!(freshness(&row(5, None, None), NOW, 24), Freshness::default());
    }
}
