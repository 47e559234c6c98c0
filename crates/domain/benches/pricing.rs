//! How long the till waits for a price: a 50-line cart against 20 active promotions
//! and 3 coupons. Run with `cargo bench -p linli-domain --bench pricing`.

use linli_domain::ids::{CategoryId, ProductId};
use linli_domain::pricing::{
    Cart, CartLine, Coupon, CouponId, CouponKind, MemberContext, Promotion, PromotionId, PromotionRule, StackingPolicy,
    price,
};

const NOW: i64 = 1_000_000;

fn main() {
    divan::main();
}

fn fixture() -> (Cart, Vec<Promotion>, Vec<Coupon>) {
    let lines = (0..50i64)
        .map(|n| CartLine {
            line_no: u32::try_from(n + 1).expect("50 lines"),
            product: ProductId(n % 30),
            category: Some(CategoryId(n % 6)),
            qty: if n % 10 == 9 { 450 + n } else { 1 + n % 4 },
            weighed: n % 10 == 9,
            unit_price_fen: 150 + 97 * n,
        })
        .collect();
    let cart = Cart {
        lines,
        member: Some(MemberContext {
            tier_discount_bp: 9_500,
            is_new_member: false,
        }),
    };
    let promotions = (0..20i64)
        .map(|n| {
            let rule = match n % 5 {
                0 => PromotionRule::SecondItemHalfPrice { product: ProductId(n) },
                1 => PromotionRule::BundlePrice {
                    products: vec![ProductId(n), ProductId(n + 1)],
                    bundle_price_fen: 1_500,
                },
                2 => PromotionRule::BuyXGetY {
                    product: ProductId(n),
                    buy: 2,
                    free: 1,
                },
                3 => PromotionRule::FlashSale {
                    product: ProductId(n),
                    price_fen: 99,
                    cap_per_order: 1,
                },
                _ => PromotionRule::CategoryPercent {
                    category: CategoryId(n % 6),
                    percent_off_bp: 1_000,
                },
            };
            Promotion {
                id: PromotionId(n + 1),
                name_zh: format!("促销{n}"),
                starts_at_ms: 0,
                ends_at_ms: 2 * NOW,
                priority: 0,
                stackable: n % 7 == 0,
                rule,
            }
        })
        .collect();
    let coupon = |id, threshold_fen, kind| Coupon {
        id: CouponId(id),
        name_zh: format!("券{id}"),
        starts_at_ms: 0,
        ends_at_ms: 2 * NOW,
        threshold_fen,
        kind,
    };
    let coupons = vec![
        coupon(1, 10_000, CouponKind::Fixed { amount_fen: 2_000 }),
        coupon(
            2,
            0,
            CouponKind::Percent {
                percent_off_bp: 500,
                max_off_fen: Some(3_000),
            },
        ),
        coupon(
            3,
            0,
            CouponKind::CategoryFixed {
                category: CategoryId(2),
                amount_fen: 800,
            },
        ),
    ];
    (cart, promotions, coupons)
}

#[divan::bench]
fn price_50_lines_20_promotions_3_coupons(bencher: divan::Bencher) {
    let (cart, promotions, coupons) = fixture();
    let policy = StackingPolicy::default();
    bencher.bench(|| price(divan::black_box(&cart), &promotions, &coupons, &policy, NOW));
}

#[divan::bench]
fn price_50_lines_20_promotions_3_coupons_all_combinable(bencher: divan::Bencher) {
    let (cart, promotions, coupons) = fixture();
    let policy = StackingPolicy {
        coupons_per_order_max: 3,
        ..StackingPolicy::default()
    };
    bencher.bench(|| price(divan::black_box(&cart), &promotions, &coupons, &policy, NOW));
}
