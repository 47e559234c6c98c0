//! The till's catalog copy (`Store::till_catalog`): every active product of the
//! organisation with its barcodes, in two queries, on both backends.

use crate::fixtures::*;
use linli_domain::catalog::UnitKind;
use linli_store::*;

on_both_backends!(till_catalog:
    till_catalog_has_every_active_product_of_the_org_with_its_barcodes,
);

pub async fn till_catalog_has_every_active_product_of_the_org_with_its_barcodes(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let empty = s.till_catalog(a.org).await.unwrap();
    assert!(empty.items.is_empty() && !empty.truncated);

    let mut milk = product_data("P1", "牛奶", 650, Some(a.dairy));
    milk.gtins = vec!["06901234567892".into(), "06901234567809".into()];
    let milk = s.create_product(a.org, &milk, None, T0).await.unwrap();
    let mut apples = product_data("P2", "红富士苹果", 1298, None);
    apples.unit_kind = UnitKind::Weight;
    apples.unit_label = "kg".into();
    apples.plu = Some(123);
    let apples = s.create_product(a.org, &apples, None, T0 + 1).await.unwrap();
    let mut gone = product_data("P3", "停售饮料", 300, None);
    gone.active = false;
    gone.gtins = vec!["06901234567816".into()];
    s.create_product(a.org, &gone, None, T0).await.unwrap();
    // Another organisation's product with the same SKU and a barcode of its own.
    let mut theirs = product_data("P1", "别家牛奶", 500, Some(b.dairy));
    theirs.gtins = vec!["06901234567823".into()];
    s.create_product(b.org, &theirs, None, T0).await.unwrap();

    let c = s.till_catalog(a.org).await.unwrap();
    assert!(!c.truncated);
    let ids: Vec<_> = c.items.iter().map(|p| p.id).collect();
    assert_eq!(ids, [milk, apples], "active products of this org only, by id");
    let m = &c.items[0];
    assert_eq!(m.sku, "P1");
    assert_eq!(m.name_zh, "牛奶");
    assert_eq!(m.pinyin_initials, "nn");
    assert_eq!(m.price_fen, 650);
    assert_eq!(m.unit_kind, UnitKind::Piece);
    assert_eq!(m.plu, None);
    assert_eq!(
        m.gtins,
        ["06901234567809", "06901234567892"],
        "barcodes sorted, none of another product"
    );
    let ap = &c.items[1];
    assert_eq!(ap.unit_kind, UnitKind::Weight);
    assert_eq!(ap.unit_label, "kg");
    assert_eq!(ap.plu, Some(123));
    assert!(ap.gtins.is_empty());
    assert_eq!(ap.updated_at, T0 + 1);

    // The other organisation sees only its own product.
    let other = s.till_catalog(b.org).await.unwrap();
    assert_eq!(other.items.len(), 1);
    assert_eq!(other.items[0].name_zh, "别家牛奶");
    assert_eq!(other.items[0].gtins, ["06901234567823"]);
}
