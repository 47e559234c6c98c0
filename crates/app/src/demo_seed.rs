//! The demo community: `linli-demo` generates it, this writes it through the same
//! store methods the product uses. The simulated sales history goes through
//! `Store::record_sales`, the path every sale takes: stock is received at 06:00 each
//! morning and sold by FEFO through the day.

use crate::auth::hash_password;
use crate::seed::{DEMO_PASSWORD, SeedReport};
use crate::{App, AppError};
use linli_demo::{Demo, DemoConfig, DemoPayment, DemoUnit};
use linli_domain::auth::Role;
use linli_domain::catalog::{UnitKind, pinyin_of};
use linli_domain::ids::{BuildingId, CategoryId, LocationId, MemberId, OrgId, ProductId, StoreId, SupplierId, ZoneId};
use linli_domain::money::Money;
use linli_domain::time;
use linli_store::{
    LocationKind, NewBuilding, NewLocation, NewMember, NewPoLine, NewSale, NewStaff, NewSupplier, ProductData,
    ReceiveLine, SaleLine, SalePayment,
};
use std::collections::HashMap;

fn e6(deg: f64) -> i64 {
    (deg * 1e6).round() as i64
}

/// Fills an empty database with the demo community. `progress` is called with the
/// number of history days written so far.
pub async fn seed_demo(
    app: &App,
    seed: u64,
    end_date: jiff::civil::Date,
    history_days: u32,
    progress: &(dyn Fn(u32) + Sync),
) -> Result<SeedReport, AppError> {
    let cfg = DemoConfig {
        seed,
        end_date,
        history_days,
    };
    let demo = linli_demo::generate(&cfg);
    let s = &app.store;
    let history_start = time::at_local(
        end_date
            .checked_sub(jiff::Span::new().days(i64::from(history_days)))
            .map_err(|e| AppError::Internal(e.to_string()))?,
        jiff::civil::Time::midnight(),
    );
    let org = s.create_org(&demo.org_name_zh, history_start).await?;
    let store = s
        .create_store(
            org,
            &demo.store.code,
            &demo.store.name_zh,
            &demo.store.address_zh,
            Some((e6(demo.store.lat), e6(demo.store.lon))),
            history_start,
        )
        .await?;
    let mut locations: HashMap<String, LocationId> = HashMap::new();
    for l in &demo.locations {
        let kind = match l.kind {
            linli_demo::LocationKind::SalesFloor => LocationKind::SalesFloor,
            linli_demo::LocationKind::Backroom => LocationKind::Backroom,
            linli_demo::LocationKind::FrontWarehouse => LocationKind::FrontWarehouse,
            linli_demo::LocationKind::GridStation => LocationKind::GridStation,
        };
        let new = NewLocation {
            code: &l.code,
            name_zh: &l.name_zh,
            name_en: &l.name_en,
            kind,
            lat_e6: Some(e6(l.lat)),
            lon_e6: Some(e6(l.lon)),
        };
        locations.insert(l.code.clone(), s.create_location(org, store, &new).await?);
    }
    let floor = demo
        .locations
        .iter()
        .find(|l| matches!(l.kind, linli_demo::LocationKind::SalesFloor))
        .and_then(|l| locations.get(&l.code).copied())
        .ok_or_else(|| AppError::Internal("the demo has a sales floor".into()))?;
    let hash = hash_password(DEMO_PASSWORD)?;
    for (username, role, name) in [
        ("owner", Role::Owner, "王店主"),
        ("manager", Role::Manager, "李店长"),
        ("cashier", Role::Cashier, "张收银"),
        ("rider", Role::Rider, "刘骑手"),
    ] {
        let new = NewStaff {
            store: Some(store),
            username,
            display_name: name,
            role,
            password_hash: &hash,
        };
        s.create_staff(org, &new, None, history_start).await?;
    }
    let categories = seed_catalog_tree(app, org, &demo).await?;
    let mut zones: HashMap<String, ZoneId> = HashMap::new();
    for z in &demo.zones {
        zones.insert(
            z.code.clone(),
            s.create_zone(org, &z.code, &z.name_zh, &z.name_en).await?,
        );
    }
    let mut products: Vec<ProductId> = Vec::with_capacity(demo.products.len());
    for p in &demo.products {
        let (pinyin_full, pinyin_initials) = pinyin_of(&p.name_zh);
        let (unit_kind, unit_label) = match p.unit {
            DemoUnit::Piece(label) => (UnitKind::Piece, label.to_string()),
            DemoUnit::Kg => (UnitKind::Weight, "kg".to_string()),
        };
        let gtins = match &p.gtin {
            Some(g) => vec![
                linli_domain::barcode::gtin::Gtin::parse(g)
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .normalized(),
            ],
            None => Vec::new(),
        };
        let data = ProductData {
            sku: p.sku.clone(),
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone().unwrap_or_default(),
            pinyin_full,
            pinyin_initials,
            brand: p.brand.clone().unwrap_or_default(),
            category_id: categories.get(&p.category).copied(),
            unit_kind,
            unit_label,
            price_fen: p.price_fen,
            cost_fen: p.cost_fen,
            tax_rate_bp: i64::from(p.tax_rate_bp),
            shelf_life_days: p.shelf_life_days,
            plu: p.plu.map(i64::from),
            reorder_point: p.reorder_point,
            active: true,
            gtins,
            zone_ids: p.zones.iter().filter_map(|z| zones.get(z).copied()).collect(),
        };
        products.push(s.create_product(org, &data, None, history_start).await?);
    }
    let mut suppliers: HashMap<String, SupplierId> = HashMap::new();
    for sup in &demo.suppliers {
        let kind = match sup.kind {
            linli_demo::SupplierKind::Farm => "farm",
            linli_demo::SupplierKind::Factory => "factory",
            linli_demo::SupplierKind::Distributor => "distributor",
        };
        let minutes = |t: jiff::civil::Time| i64::from(t.hour()) * 60 + i64::from(t.minute());
        let new = NewSupplier {
            code: &sup.code,
            name_zh: &sup.name_zh,
            kind,
            contact_phone: &sup.contact_phone,
            lead_time_hours: sup.lead_time_hours,
            order_cutoff_min: minutes(sup.order_cutoff),
            delivery_time_min: minutes(sup.delivery_time),
        };
        suppliers.insert(sup.code.clone(), s.create_supplier(org, &new, history_start).await?);
    }
    let members = seed_people(app, org, store, &demo).await?;

    // History: receipts at 06:00, then that day's sales, day by day.
    let receipts = linli_demo::history_receipts(&demo, &cfg);
    // The products the demo leaves below their reorder point missed their last week
    // of deliveries (a supplier let the store down), so the shelf really ran low.
    let mut demo_stock = vec![0i64; demo.products.len()];
    for lot in &demo.lots {
        demo_stock[lot.product] += lot.qty;
    }
    let short_since = end_date
        .checked_sub(jiff::Span::new().days(7))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let missed = |r: &linli_demo::DemoReceipt| {
        demo_stock[r.product] < demo.products[r.product].reorder_point && r.date > short_since
    };
    let mut receipts_by_day: HashMap<jiff::civil::Date, Vec<&linli_demo::DemoReceipt>> = HashMap::new();
    for r in receipts.iter().filter(|r| !missed(r)) {
        receipts_by_day.entry(r.date).or_default().push(r);
    }
    let mut report = SeedReport {
        products: products.len(),
        members: members.len(),
        ..SeedReport::default()
    };
    let mut day_sales: Vec<NewSale> = Vec::new();
    let mut current_day: Option<jiff::civil::Date> = None;
    let mut days_done = 0u32;
    for sale in linli_demo::sales(&demo, &cfg) {
        let at = sale.at.as_millisecond();
        let day = time::local_date(at);
        if current_day != Some(day) {
            if !day_sales.is_empty() {
                write_sales(app, org, &mut day_sales, &mut report).await?;
                days_done += 1;
                progress(days_done);
            }
            // Closing the day: whatever expired by midnight comes off the shelf (报损).
            if current_day.is_some() {
                app.store
                    .write_off_expired(org, floor, None, time::at_local(day, jiff::civil::Time::midnight()))
                    .await?;
            }
            current_day = Some(day);
            if let Some(rs) = receipts_by_day.get(&day) {
                receive_day(app, org, floor, day, rs, &products, &suppliers).await?;
            }
        }
        let lines: Vec<SaleLine> = sale
            .lines
            .iter()
            .map(|l| {
                let p = &demo.products[l.product];
                let total = match p.unit {
                    DemoUnit::Kg => Money::for_weight(Money::from_fen(p.price_fen), l.qty).fen(),
                    DemoUnit::Piece(_) => p.price_fen * l.qty,
                };
                SaleLine {
                    product: products[l.product],
                    qty: l.qty,
                    unit_price_fen: p.price_fen,
                    line_total_fen: total,
                }
            })
            .collect();
        let total: i64 = lines.iter().map(|l| l.line_total_fen).sum();
        let method = match sale.payment {
            DemoPayment::Cash => "cash",
            DemoPayment::WechatQr => "wechat_qr",
            DemoPayment::AlipayQr => "alipay_qr",
            DemoPayment::StoredValue => "stored_value",
            DemoPayment::Card => "card",
        };
        day_sales.push(NewSale {
            store,
            location: floor,
            channel: "till",
            member: sale.member.map(|m| members[m]),
            staff: None,
            lines,
            payments: vec![SalePayment {
                method,
                amount_fen: total,
                points: 0,
            }],
            at,
            details: Default::default(),
        });
    }
    if !day_sales.is_empty() {
        write_sales(app, org, &mut day_sales, &mut report).await?;
        days_done += 1;
        progress(days_done);
    }

    // Today's stock on top of what the history left, with spread-out expiries.
    let now = app.now().max(time::end_of_local_day(end_date));
    for lot in &demo.lots {
        let Some(&loc) = locations.get(&lot.location_code) else {
            continue;
        };
        let line = ReceiveLine {
            product: products[lot.product],
            lot_code: lot.lot_code.clone(),
            expires_at: lot.expiry.map(time::end_of_local_day),
            qty: lot.qty,
            unit_cost_fen: Some(demo.products[lot.product].cost_fen),
        };
        let supplier = suppliers.get(&lot.supplier_code).copied();
        let at = time::at_local(lot.received, jiff::civil::Time::constant(7, 0, 0, 0));
        s.receive(org, loc, None, supplier, &[line], "演示库存", None, at)
            .await?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        report.lots += 1;
    }
    seed_purchase_orders(app, org, store, &demo, &products, &suppliers, floor, now).await?;
    // Shelf labels (电子价签) on the best sellers, pushed to the label simulator.
    crate::labels::seed_demo_labels(app, org, store, &demo, &products, crate::labels::DEMO_LABELS, now).await?;
    Ok(report)
}

async fn write_sales(app: &App, org: OrgId, day: &mut Vec<NewSale>, report: &mut SeedReport) -> Result<(), AppError> {
    let results = app.store.record_sales(org, day).await?;
    for r in &results {
        match r {
            Ok(_) => report.sales += 1,
            Err(_) => report.refused_sales += 1,
        }
    }
    day.clear();
    Ok(())
}

async fn receive_day(
    app: &App,
    org: OrgId,
    floor: LocationId,
    day: jiff::civil::Date,
    receipts: &[&linli_demo::DemoReceipt],
    products: &[ProductId],
    suppliers: &HashMap<String, SupplierId>,
) -> Result<(), AppError> {
    let at = time::at_local(day, jiff::civil::Time::constant(6, 0, 0, 0));
    // One receipt per supplier per morning, as the deliveries arrive.
    let mut by_supplier: HashMap<&str, Vec<ReceiveLine>> = HashMap::new();
    for r in receipts {
        by_supplier
            .entry(r.supplier_code.as_str())
            .or_default()
            .push(ReceiveLine {
                product: products[r.product],
                lot_code: r.lot_code.clone(),
                expires_at: r.expiry.map(time::end_of_local_day),
                qty: r.qty,
                unit_cost_fen: None,
            });
    }
    let mut codes: Vec<&&str> = by_supplier.keys().collect();
    codes.sort();
    for code in codes {
        let lines = &by_supplier[*code];
        app.store
            .receive(org, floor, None, suppliers.get(*code).copied(), lines, "", None, at)
            .await?
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}

async fn seed_catalog_tree(app: &App, org: OrgId, demo: &Demo) -> Result<HashMap<String, CategoryId>, AppError> {
    let mut ids: HashMap<String, CategoryId> = HashMap::new();
    // Parents first: a category is written once its parent has an id.
    let mut pending: Vec<&linli_demo::DemoCategory> = demo.categories.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for c in pending {
            let parent = match &c.parent {
                None => None,
                Some(p) => match ids.get(p) {
                    Some(id) => Some(*id),
                    None => {
                        rest.push(c);
                        continue;
                    }
                },
            };
            let id = app
                .store
                .create_category(org, parent, &c.code, &c.name_zh, &c.name_en, c.expiry_alert_hours)
                .await?;
            ids.insert(c.code.clone(), id);
        }
        if rest.len() == before {
            return Err(AppError::Internal(
                "demo categories have a parent that does not exist".into(),
            ));
        }
        pending = rest;
    }
    Ok(ids)
}

async fn seed_people(app: &App, org: OrgId, store: StoreId, demo: &Demo) -> Result<Vec<MemberId>, AppError> {
    let mut buildings: HashMap<String, BuildingId> = HashMap::new();
    for b in &demo.buildings {
        let new = NewBuilding {
            code: &b.code,
            name_zh: &b.name_zh,
            compound_zh: &b.compound_zh,
            lat_e6: Some(e6(b.lat)),
            lon_e6: Some(e6(b.lon)),
            households: i64::from(b.households),
        };
        buildings.insert(b.code.clone(), app.store.create_building(org, store, &new).await?);
    }
    let mut members = Vec::with_capacity(demo.residents.len());
    for r in &demo.residents {
        let new = NewMember {
            phone: &r.phone,
            name: &r.name_zh,
            building: buildings.get(&r.building).copied(),
            unit_no: &r.unit.to_string(),
            room: &r.room,
            birthday: r.birthday.map(|d| d.to_string()),
            joined_at: time::at_local(r.joined, jiff::civil::Time::constant(10, 0, 0, 0)),
        };
        members.push(app.store.create_member(org, &new).await?);
    }
    Ok(members)
}

/// A few purchase orders in every state, so the purchasing pages have something to show.
async fn seed_purchase_orders(
    app: &App,
    org: OrgId,
    store: StoreId,
    demo: &Demo,
    products: &[ProductId],
    suppliers: &HashMap<String, SupplierId>,
    floor: LocationId,
    now: i64,
) -> Result<(), AppError> {
    let s = &app.store;
    let staff = s.staff_by_username("manager").await?.map(|m| m.id);
    let Some(staff) = staff else { return Ok(()) };
    for (i, sup) in demo.suppliers.iter().take(4).enumerate() {
        let Some(&sup_id) = suppliers.get(&sup.code) else {
            continue;
        };
        let lines: Vec<NewPoLine> = demo
            .products
            .iter()
            .enumerate()
            .filter(|(_, p)| sup.categories.contains(&p.category))
            .take(5)
            .map(|(idx, p)| NewPoLine {
                product: products[idx],
                qty: (p.reorder_point.max(6) * 2).min(200),
                unit_cost_fen: p.cost_fen,
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        let prefix = format!("PO{}", time::local_date(now).strftime("%Y%m%d"));
        let po = s
            .create_po(org, store, sup_id, &prefix, &lines, "演示采购单", Some(staff), now)
            .await?;
        if i == 0 {
            continue; // stays a draft
        }
        s.po_action(org, po, linli_domain::purchasing::PoAction::Send, None, staff, now)
            .await?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        if i == 3 {
            // Partly received: half of the first line arrived.
            let first = &lines[0];
            let line = ReceiveLine {
                product: first.product,
                lot_code: format!("PO{}-A", po.0),
                expires_at: None,
                qty: (first.qty / 2).max(1),
                unit_cost_fen: None,
            };
            s.receive(org, floor, Some(po), None, &[line], "", Some(staff), now)
                .await?
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
    }
    Ok(())
}
