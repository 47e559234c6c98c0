//! Store scenarios and invariants of the pricing engine.

use super::*;
use proptest::prelude::*;

const NOW: i64 = 1_000_000;
const MILK: ProductId = ProductId(1);
const BREAD: ProductId = ProductId(2);
const EGGS: ProductId = ProductId(3);
const APPLES: ProductId = ProductId(4);
const DAIRY: CategoryId = CategoryId(10);
const BAKERY: CategoryId = CategoryId(11);

fn piece(line_no: u32, product: ProductId, category: Option<CategoryId>, qty: i64, price_fen: i64) -> CartLine {
    CartLine {
        line_no,
        product,
        category,
        qty,
        weighed: false,
        unit_price_fen: price_fen,
    }
}

fn weighed(line_no: u32, product: ProductId, grams: i64, per_kg_fen: i64) -> CartLine {
    CartLine {
        line_no,
        product,
        category: None,
        qty: grams,
        weighed: true,
        unit_price_fen: per_kg_fen,
    }
}

fn cart(lines: Vec<CartLine>) -> Cart {
    Cart { lines, member: None }
}

fn promo(id: i64, name_zh: &str, rule: PromotionRule) -> Promotion {
    Promotion {
        id: PromotionId(id),
        name_zh: name_zh.into(),
        starts_at_ms: 0,
        ends_at_ms: 2 * NOW,
        priority: 0,
        stackable: false,
        rule,
    }
}

fn coupon(id: i64, threshold_fen: i64, kind: CouponKind) -> Coupon {
    Coupon {
        id: CouponId(id),
        name_zh: format!("券{id}"),
        starts_at_ms: 0,
        ends_at_ms: 2 * NOW,
        threshold_fen,
        kind,
    }
}

fn run(cart: &Cart, promotions: &[Promotion], coupons: &[Coupon]) -> Priced {
    let priced = price(cart, promotions, coupons, &StackingPolicy::default(), NOW).expect("a valid cart prices");
    assert_explained(cart, &priced);
    priced
}

/// Input, then the expected total and the expected discounts as (source, amount).
fn check(
    cart: Cart,
    promotions: &[Promotion],
    coupons: &[Coupon],
    total_fen: i64,
    discounts: &[(DiscountSource, i64)],
) {
    let priced = run(&cart, promotions, coupons);
    let got: Vec<(DiscountSource, i64)> = priced.discounts.iter().map(|d| (d.source, d.amount_fen)).collect();
    assert_eq!(got, discounts, "discounts");
    assert_eq!(priced.total_fen, total_fen, "total");
}

/// Every fen of discount is explained and allocated to lines.
fn assert_explained(cart: &Cart, priced: &Priced) {
    assert_eq!(priced.lines.len(), cart.lines.len());
    assert!(priced.total_fen >= 0);
    assert!(priced.total_fen <= priced.subtotal_fen);
    assert_eq!(priced.lines.iter().map(|l| l.total_fen).sum::<i64>(), priced.total_fen);
    assert_eq!(
        priced.lines.iter().map(|l| l.base_fen).sum::<i64>(),
        priced.subtotal_fen
    );
    assert_eq!(
        priced.discounts.iter().map(|d| d.amount_fen).sum::<i64>(),
        priced.subtotal_fen - priced.total_fen
    );
    for line in &priced.lines {
        assert!(0 <= line.discount_fen && line.discount_fen <= line.base_fen, "{line:?}");
        assert_eq!(line.total_fen, line.base_fen - line.discount_fen);
        let shares: i64 = priced
            .discounts
            .iter()
            .flat_map(|d| &d.lines)
            .filter(|s| s.line_no == line.line_no)
            .map(|s| s.amount_fen)
            .sum();
        assert_eq!(shares, line.discount_fen, "line {} shares", line.line_no);
    }
    for d in &priced.discounts {
        assert!(d.amount_fen > 0, "{d:?}");
        assert!(d.lines.iter().all(|s| s.amount_fen > 0));
        assert_eq!(d.lines.iter().map(|s| s.amount_fen).sum::<i64>(), d.amount_fen);
    }
}

#[test]
fn threshold_coupon_is_refused_one_fen_below_and_used_at_the_threshold() {
    let full_reduction = coupon(1, 10_000, CouponKind::Fixed { amount_fen: 2_000 });
    let below = cart(vec![piece(1, EGGS, None, 1, 9_999)]);
    let priced = run(&below, &[], std::slice::from_ref(&full_reduction));
    assert_eq!(priced.total_fen, 9_999);
    assert_eq!(
        priced.coupons_rejected,
        vec![(
            CouponId(1),
            CouponRefusal::BelowThreshold {
                threshold_fen: 10_000,
                eligible_fen: 9_999
            }
        )]
    );
    check(
        cart(vec![piece(1, EGGS, None, 1, 10_000)]),
        &[],
        &[full_reduction],
        8_000,
        &[(DiscountSource::Coupon(CouponId(1)), 2_000)],
    );
    let at = cart(vec![piece(1, EGGS, None, 1, 6_000), piece(2, MILK, None, 2, 2_000)]);
    let priced = run(&at, &[], &[coupon(1, 10_000, CouponKind::Fixed { amount_fen: 2_000 })]);
    assert_eq!(priced.total_fen, 8_000);
    assert_eq!(priced.coupons_used, vec![CouponId(1)]);
    // 20.00 spread 60:40 over the lines.
    assert_eq!(
        priced.discounts[0].lines,
        vec![
            LineShare {
                line_no: 1,
                amount_fen: 1_200
            },
            LineShare {
                line_no: 2,
                amount_fen: 800
            }
        ]
    );
}

#[test]
fn second_item_half_price_with_three_units_halves_one() {
    let half = promo(1, "第二件半价", PromotionRule::SecondItemHalfPrice { product: MILK });
    check(
        cart(vec![piece(1, MILK, Some(DAIRY), 3, 599)]),
        &[half],
        &[],
        3 * 599 - 299,
        &[(DiscountSource::Promotion(PromotionId(1)), 299)],
    );
}

#[test]
fn bundle_of_milk_and_bread_is_priced_once_per_pair() {
    let bundle = promo(
        7,
        "牛奶+面包 早餐组合",
        PromotionRule::BundlePrice {
            products: vec![MILK, BREAD],
            bundle_price_fen: 1_000,
        },
    );
    // Two milk at 6.00, one bread at 8.00: one bundle, 14.00 → 10.00, the second milk full price.
    let priced = run(
        &cart(vec![
            piece(1, MILK, Some(DAIRY), 2, 600),
            piece(2, BREAD, Some(BAKERY), 1, 800),
        ]),
        &[bundle],
        &[],
    );
    assert_eq!(priced.total_fen, 1_000 + 600);
    // 4.00 saving spread 6:8 → 171.4 / 228.6 → 171 + 229 by largest remainder.
    assert_eq!(
        priced.discounts[0].lines,
        vec![
            LineShare {
                line_no: 1,
                amount_fen: 171
            },
            LineShare {
                line_no: 2,
                amount_fen: 229
            }
        ]
    );
}

#[test]
fn buy_two_get_one_makes_the_cheapest_unit_free() {
    let b2g1 = promo(
        3,
        "买二赠一",
        PromotionRule::BuyXGetY {
            product: EGGS,
            buy: 2,
            free: 1,
        },
    );
    check(
        cart(vec![piece(1, EGGS, None, 2, 1_500), piece(2, EGGS, None, 1, 1_200)]),
        std::slice::from_ref(&b2g1),
        &[],
        3_000,
        &[(DiscountSource::Promotion(PromotionId(3)), 1_200)],
    );
    // Two units only: nothing free yet.
    check(cart(vec![piece(1, EGGS, None, 2, 1_500)]), &[b2g1], &[], 3_000, &[]);
}

#[test]
fn flash_sale_applies_only_inside_its_window_and_up_to_its_cap() {
    let mut flash = promo(
        5,
        "鸡蛋秒杀",
        PromotionRule::FlashSale {
            product: EGGS,
            price_fen: 990,
            cap_per_order: 1,
        },
    );
    let eggs = || cart(vec![piece(1, EGGS, None, 2, 1_590)]);
    check(
        eggs(),
        std::slice::from_ref(&flash),
        &[],
        990 + 1_590,
        &[(DiscountSource::Promotion(PromotionId(5)), 600)],
    );
    flash.ends_at_ms = NOW;
    check(eggs(), std::slice::from_ref(&flash), &[], 3_180, &[]);
    flash.starts_at_ms = NOW + 1;
    flash.ends_at_ms = NOW + 2;
    check(eggs(), &[flash], &[], 3_180, &[]);
}

#[test]
fn category_coupon_discounts_only_that_category() {
    let dairy_coupon = coupon(
        2,
        0,
        CouponKind::CategoryFixed {
            category: DAIRY,
            amount_fen: 500,
        },
    );
    let priced = run(
        &cart(vec![
            piece(1, MILK, Some(DAIRY), 1, 300),
            piece(2, BREAD, Some(BAKERY), 1, 800),
        ]),
        &[],
        &[dairy_coupon],
    );
    // Only 3.00 of dairy: the coupon takes 3.00 and never touches the bread.
    assert_eq!(priced.total_fen, 800);
    assert_eq!(priced.lines[1].discount_fen, 0);
    assert_eq!(
        priced.discounts[0].lines,
        vec![LineShare {
            line_no: 1,
            amount_fen: 300
        }]
    );
}

#[test]
fn new_member_coupon_is_refused_for_an_old_member_with_a_reason() {
    let mut basket = cart(vec![piece(1, BREAD, None, 1, 1_000)]);
    basket.member = Some(MemberContext {
        tier_discount_bp: BP_MAX,
        is_new_member: false,
    });
    let welcome = coupon(9, 0, CouponKind::NewMember { amount_fen: 300 });
    let priced = run(&basket, &[], std::slice::from_ref(&welcome));
    assert_eq!(priced.total_fen, 1_000);
    assert_eq!(
        priced.coupons_rejected,
        vec![(CouponId(9), CouponRefusal::NotNewMember)]
    );
    assert_eq!(priced.coupons_rejected[0].1.message_zh(), "该券仅限新会员使用");

    basket.member = Some(MemberContext {
        tier_discount_bp: BP_MAX,
        is_new_member: true,
    });
    assert_eq!(run(&basket, &[], &[welcome]).total_fen, 700);
}

#[test]
fn of_two_coupons_when_one_is_allowed_the_better_one_is_used() {
    let basket = cart(vec![piece(1, EGGS, None, 1, 12_000)]);
    let five_off = coupon(1, 0, CouponKind::Fixed { amount_fen: 500 });
    let ten_percent = coupon(
        2,
        0,
        CouponKind::Percent {
            percent_off_bp: 1_000,
            max_off_fen: None,
        },
    );
    let priced = run(&basket, &[], &[five_off.clone(), ten_percent.clone()]);
    assert_eq!(priced.total_fen, 10_800);
    assert_eq!(priced.coupons_used, vec![CouponId(2)]);
    assert_eq!(
        priced.coupons_rejected,
        vec![(CouponId(1), CouponRefusal::LimitReached { max: 1 })]
    );

    // Allowed both: the percentage first, then the fixed amount.
    let two = StackingPolicy {
        coupons_per_order_max: 2,
        ..StackingPolicy::default()
    };
    let priced = price(&basket, &[], &[five_off, ten_percent], &two, NOW).expect("valid");
    assert_eq!(priced.total_fen, 12_000 - 1_200 - 500);
    assert_eq!(priced.coupons_used, vec![CouponId(2), CouponId(1)]);
}

#[test]
fn weighed_line_rounds_half_up_to_the_fen_before_any_discount() {
    // ¥12.99/kg × 385 g = 500.115 fen → 500; ¥25.98/kg × 250 g = 649.5 → 650.
    let basket = cart(vec![weighed(1, APPLES, 385, 1_299), weighed(2, APPLES, 250, 2_598)]);
    let priced = run(&basket, &[], &[]);
    assert_eq!(priced.lines[0].base_fen, 500);
    assert_eq!(priced.lines[1].base_fen, 650);
    // Unit promotions do not count grams as pieces.
    let half = promo(1, "第二件半价", PromotionRule::SecondItemHalfPrice { product: APPLES });
    assert_eq!(run(&basket, &[half], &[]).total_fen, 1_150);
}

#[test]
fn a_line_takes_only_the_better_of_two_exclusive_promotions() {
    let half = promo(1, "第二件半价", PromotionRule::SecondItemHalfPrice { product: MILK });
    let dairy = promo(
        2,
        "乳品九折",
        PromotionRule::CategoryPercent {
            category: DAIRY,
            percent_off_bp: 1_000,
        },
    );
    // 2 × 6.00: half price saves 3.00, 10% off saves 1.20.
    let basket = || cart(vec![piece(1, MILK, Some(DAIRY), 2, 600)]);
    check(
        basket(),
        &[dairy.clone(), half.clone()],
        &[],
        900,
        &[(DiscountSource::Promotion(PromotionId(1)), 300)],
    );
    // Stackable, the 10% applies to what is left: 9.00 → 8.10.
    let stackable = Promotion {
        stackable: true,
        ..dairy
    };
    check(
        basket(),
        &[stackable, half],
        &[],
        810,
        &[
            (DiscountSource::Promotion(PromotionId(1)), 300),
            (DiscountSource::Promotion(PromotionId(2)), 90),
        ],
    );
}

#[test]
fn member_tier_applies_after_promotions_and_before_coupons() {
    let mut basket = cart(vec![piece(1, MILK, Some(DAIRY), 2, 5_000)]);
    basket.member = Some(MemberContext {
        tier_discount_bp: 9_500,
        is_new_member: false,
    });
    let half = promo(1, "第二件半价", PromotionRule::SecondItemHalfPrice { product: MILK });
    let full_reduction = coupon(4, 7_000, CouponKind::Fixed { amount_fen: 1_000 });
    // 100.00 → half price 75.00 → 95% = 71.25 → 满70减10 = 61.25.
    check(
        basket.clone(),
        std::slice::from_ref(&half),
        std::slice::from_ref(&full_reduction),
        6_125,
        &[
            (DiscountSource::Promotion(PromotionId(1)), 2_500),
            (DiscountSource::MemberTier, 375),
            (DiscountSource::Coupon(CouponId(4)), 1_000),
        ],
    );
    // Tier or coupons: the coupon (10.00) beats the tier (3.75).
    let either = StackingPolicy {
        tier_with_coupons: false,
        ..StackingPolicy::default()
    };
    let priced = price(&basket, &[half], &[full_reduction], &either, NOW).expect("valid");
    assert_eq!(priced.total_fen, 6_500);
    assert_eq!(priced.coupons_used, vec![CouponId(4)]);
}

#[test]
fn promoted_lines_take_no_coupon_when_the_policy_says_so() {
    let basket = cart(vec![piece(1, MILK, Some(DAIRY), 2, 600)]);
    let half = promo(1, "第二件半价", PromotionRule::SecondItemHalfPrice { product: MILK });
    let any = coupon(1, 0, CouponKind::Fixed { amount_fen: 100 });
    let strict = StackingPolicy {
        coupon_with_promotions: false,
        ..StackingPolicy::default()
    };
    let priced = price(&basket, &[half], &[any], &strict, NOW).expect("valid");
    assert_eq!(priced.total_fen, 900);
    assert_eq!(
        priced.coupons_rejected,
        vec![(CouponId(1), CouponRefusal::PromotedLinesExcluded)]
    );
}

#[test]
fn free_item_coupon_gives_one_unit_away() {
    check(
        cart(vec![piece(1, BREAD, None, 3, 450), piece(2, MILK, None, 1, 600)]),
        &[],
        &[coupon(1, 0, CouponKind::FreeItem { product: BREAD })],
        900 + 600,
        &[(DiscountSource::Coupon(CouponId(1)), 450)],
    );
}

#[test]
fn largest_remainder_spreads_a_discount_exactly() {
    // 10 fen over three equal lines: 3.33 each → 4, 3, 3 (ties to the earlier line).
    assert_eq!(allocate(10, &[0, 1, 2], &[100, 100, 100]), vec![(0, 4), (1, 3), (2, 3)]);
    // Never more than a line's weight, even when the discount is the whole amount.
    assert_eq!(allocate(7, &[0, 1], &[0, 7]), vec![(1, 7)]);
    assert_eq!(allocate(0, &[0], &[5]), vec![]);
}

#[test]
fn invalid_inputs_are_refused_with_a_field() {
    let check_err = |cart: Cart, promotions: &[Promotion], coupons: &[Coupon], expected: PricingError| {
        let err = price(&cart, promotions, coupons, &StackingPolicy::default(), NOW).expect_err("invalid");
        assert_eq!(err, expected);
        assert!(!err.message_zh().is_empty());
        assert!(!err.field().is_empty());
    };
    let ok = || cart(vec![piece(1, MILK, None, 1, 100)]);
    check_err(cart(vec![]), &[], &[], PricingError::EmptyCart);
    let many = (0..=CART_LINES_MAX as u32)
        .map(|n| piece(n, MILK, None, 1, 1))
        .collect();
    check_err(
        cart(many),
        &[],
        &[],
        PricingError::TooManyLines {
            count: CART_LINES_MAX + 1,
            max: CART_LINES_MAX,
        },
    );
    check_err(
        cart(vec![piece(1, MILK, None, 0, 100)]),
        &[],
        &[],
        PricingError::QtyNotPositive { line_no: 1, qty: 0 },
    );
    check_err(
        cart(vec![piece(1, MILK, None, 1, -1)]),
        &[],
        &[],
        PricingError::PriceNegative { line_no: 1 },
    );
    check_err(
        cart(vec![piece(1, MILK, None, 1, 1), piece(1, BREAD, None, 1, 1)]),
        &[],
        &[],
        PricingError::DuplicateLineNo { line_no: 1 },
    );
    let too_much = promo(
        1,
        "打骨折",
        PromotionRule::CategoryPercent {
            category: DAIRY,
            percent_off_bp: 10_001,
        },
    );
    check_err(
        ok(),
        &[too_much],
        &[],
        PricingError::PromotionMisconfigured {
            id: PromotionId(1),
            problem: RuleProblem::PercentOutOfRange {
                bp: 10_001,
                max: BP_MAX,
            },
        },
    );
    let buy_zero = promo(
        2,
        "买零赠一",
        PromotionRule::BuyXGetY {
            product: MILK,
            buy: 0,
            free: 1,
        },
    );
    check_err(
        ok(),
        &[buy_zero],
        &[],
        PricingError::PromotionMisconfigured {
            id: PromotionId(2),
            problem: RuleProblem::BuyFreeOutOfRange { max: BUY_FREE_MAX },
        },
    );
    let twice = coupon(3, 0, CouponKind::Fixed { amount_fen: 1 });
    check_err(
        ok(),
        &[],
        &[twice.clone(), twice],
        PricingError::DuplicateCoupon { id: CouponId(3) },
    );
}

// ---- invariants ----

fn arb_line() -> impl Strategy<Value = (u8, Option<u8>, bool, i64, i64)> {
    (
        0u8..4,
        prop::option::of(0u8..3),
        prop::bool::weighted(0.2),
        1i64..7,
        0i64..3_000,
    )
}

fn arb_cart() -> impl Strategy<Value = Cart> {
    (
        prop::collection::vec(arb_line(), 1..10),
        prop::option::of((prop::sample::select(vec![8_800u32, 9_500, 10_000]), any::<bool>())),
    )
        .prop_map(|(lines, member)| Cart {
            lines: lines
                .into_iter()
                .enumerate()
                .map(|(n, (product, category, weighed, qty, price))| CartLine {
                    line_no: n as u32 + 1,
                    product: ProductId(i64::from(product)),
                    category: category.map(|c| CategoryId(i64::from(c))),
                    qty: if weighed { qty * 137 } else { qty },
                    weighed,
                    unit_price_fen: price,
                })
                .collect(),
            member: member.map(|(tier_discount_bp, is_new_member)| MemberContext {
                tier_discount_bp,
                is_new_member,
            }),
        })
}

fn arb_rule() -> impl Strategy<Value = PromotionRule> {
    let product = (0i64..4).prop_map(ProductId);
    let category = (0i64..3).prop_map(CategoryId);
    prop_oneof![
        product
            .clone()
            .prop_map(|product| PromotionRule::SecondItemHalfPrice { product }),
        (0i64..4, 1i64..4, 0i64..5_000).prop_map(|(a, d, bundle_price_fen)| PromotionRule::BundlePrice {
            products: vec![ProductId(a), ProductId((a + d) % 4)],
            bundle_price_fen,
        }),
        (product.clone(), 1u32..4, 1u32..3).prop_map(|(product, buy, free)| PromotionRule::BuyXGetY {
            product,
            buy,
            free
        }),
        (product, 0i64..2_000, 1u32..4).prop_map(|(product, price_fen, cap_per_order)| {
            PromotionRule::FlashSale {
                product,
                price_fen,
                cap_per_order,
            }
        }),
        (category, 1u32..=BP_MAX).prop_map(|(category, percent_off_bp)| PromotionRule::CategoryPercent {
            category,
            percent_off_bp
        }),
    ]
}

fn arb_promotions() -> impl Strategy<Value = Vec<Promotion>> {
    prop::collection::vec((arb_rule(), any::<bool>(), -2i32..3, any::<bool>()), 0..7).prop_map(|rules| {
        rules
            .into_iter()
            .enumerate()
            .map(|(n, (rule, stackable, priority, active))| Promotion {
                id: PromotionId(n as i64 + 1),
                name_zh: format!("促销{n}"),
                starts_at_ms: if active { 0 } else { NOW + 1 },
                ends_at_ms: 2 * NOW,
                priority,
                stackable,
                rule,
            })
            .collect()
    })
}

fn arb_kind() -> impl Strategy<Value = CouponKind> {
    let category = (0i64..3).prop_map(CategoryId);
    let max_off = prop::option::of(1i64..2_000);
    prop_oneof![
        (1i64..3_000).prop_map(|amount_fen| CouponKind::Fixed { amount_fen }),
        (1u32..=BP_MAX, max_off.clone()).prop_map(|(percent_off_bp, max_off_fen)| CouponKind::Percent {
            percent_off_bp,
            max_off_fen
        }),
        (category.clone(), 1i64..3_000)
            .prop_map(|(category, amount_fen)| CouponKind::CategoryFixed { category, amount_fen }),
        (category, 1u32..=BP_MAX, max_off).prop_map(|(category, percent_off_bp, max_off_fen)| {
            CouponKind::CategoryPercent {
                category,
                percent_off_bp,
                max_off_fen,
            }
        }),
        (1i64..3_000).prop_map(|amount_fen| CouponKind::NewMember { amount_fen }),
        (0i64..4).prop_map(|p| CouponKind::FreeItem { product: ProductId(p) }),
    ]
}

fn arb_coupons() -> impl Strategy<Value = Vec<Coupon>> {
    prop::collection::vec(
        (
            arb_kind(),
            prop::sample::select(vec![0i64, 1_000, 5_000]),
            any::<bool>(),
        ),
        0..5,
    )
    .prop_map(|kinds| {
        kinds
            .into_iter()
            .enumerate()
            .map(|(n, (kind, threshold_fen, valid))| Coupon {
                id: CouponId(n as i64 + 1),
                name_zh: format!("券{n}"),
                starts_at_ms: 0,
                ends_at_ms: if valid { 2 * NOW } else { NOW },
                threshold_fen,
                kind,
            })
            .collect()
    })
}

fn arb_policy() -> impl Strategy<Value = StackingPolicy> {
    (0u32..4, any::<bool>(), any::<bool>()).prop_map(
        |(coupons_per_order_max, coupon_with_promotions, tier_with_coupons)| StackingPolicy {
            coupons_per_order_max,
            coupon_with_promotions,
            tier_with_coupons,
        },
    )
}

proptest! {
    /// Totals are bounded, every fen of discount is explained, and line shares add up:
    /// total ≥ 0, total ≤ subtotal, Σ line totals = total, Σ discounts = subtotal − total,
    /// 0 ≤ line discount ≤ line base, each discount = Σ its line shares.
    #[test]
    fn every_fen_of_discount_is_explained(
        cart in arb_cart(), promotions in arb_promotions(), coupons in arb_coupons(), policy in arb_policy(),
    ) {
        let priced = price(&cart, &promotions, &coupons, &policy, NOW).expect("generated inputs are valid");
        assert_explained(&cart, &priced);
        prop_assert!(priced.coupons_used.len() <= policy.coupons_per_order_max as usize);
        prop_assert_eq!(priced.coupons_used.len() + priced.coupons_rejected.len(), coupons.len());
    }

    /// The order promotions and coupons arrive in never changes the result.
    #[test]
    fn the_order_of_promotions_and_coupons_does_not_matter(
        cart in arb_cart(), promotions in arb_promotions(), coupons in arb_coupons(), policy in arb_policy(),
        rotate in 0usize..7,
    ) {
        let priced = price(&cart, &promotions, &coupons, &policy, NOW).expect("valid");
        let mut p2 = promotions.clone();
        p2.reverse();
        let k = rotate % p2.len().max(1);
        p2.rotate_left(k);
        let mut c2 = coupons.clone();
        c2.reverse();
        let k = rotate % c2.len().max(1);
        c2.rotate_left(k);
        prop_assert_eq!(priced, price(&cart, &p2, &c2, &policy, NOW).expect("valid"));
    }

    /// Presenting one more coupon never makes the customer pay more: the best
    /// combination is chosen over a superset of the combinations without it, and whether
    /// a coupon qualifies does not depend on the others.
    #[test]
    fn removing_a_coupon_never_lowers_the_total(
        cart in arb_cart(), promotions in arb_promotions(), coupons in arb_coupons(), policy in arb_policy(),
    ) {
        let total = price(&cart, &promotions, &coupons, &policy, NOW).expect("valid").total_fen;
        for k in 0..coupons.len() {
            let mut fewer = coupons.clone();
            fewer.remove(k);
            let without = price(&cart, &promotions, &fewer, &policy, NOW).expect("valid").total_fen;
            prop_assert!(without >= total, "without coupon {}: {} < {}", k + 1, without, total);
        }
    }

    /// A promotion outside its window has no effect at all.
    #[test]
    fn inactive_promotions_change_nothing(
        cart in arb_cart(), promotions in arb_promotions(), coupons in arb_coupons(), policy in arb_policy(),
    ) {
        let active: Vec<Promotion> = promotions.iter().filter(|p| p.is_active_at(NOW)).cloned().collect();
        prop_assert_eq!(
            price(&cart, &promotions, &coupons, &policy, NOW).expect("valid"),
            price(&cart, &active, &coupons, &policy, NOW).expect("valid")
        );
    }
}
