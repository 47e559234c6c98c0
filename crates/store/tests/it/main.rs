//! The store conformance suite: every test runs once on SQLite (a temp file) and once
//! on PostgreSQL (a throwaway cluster the harness starts itself). A feature that works
//! on one backend only fails here.

mod conformance;
mod fixtures;

/// Declares each test twice, as `sqlite::name` and `postgres::name`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let (_dir, url) = linli_testkit::temp_sqlite_url();
                    let store = linli_store::Store::connect(&url).await.expect("sqlite store opens");
                    crate::conformance::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let url = linli_testkit::fresh_pg_url();
                    let store = linli_store::Store::connect(&url).await.expect("postgres store opens");
                    crate::conformance::$name(store).await;
                }
            )*
        }
    };
}

on_both_backends!(
    migrations_create_every_table,
    product_round_trips_with_gtins_and_zones,
    search_finds_milk_by_pinyin_initials_name_and_barcode,
    search_paginates_with_a_total,
    duplicate_sku_is_a_conflict_naming_the_field,
    another_org_sees_none_of_our_rows,
    price_change_is_audited,
    receiving_against_a_po_tracks_quantities_and_discrepancies,
    receiving_refused_on_a_draft_po,
    receiving_without_a_po_creates_lots,
    fefo_sale_skips_expired_lots_and_takes_earliest_first,
    refused_sale_writes_nothing,
    ledger_balances_equal_the_fold_of_movements_after_random_operations,
    concurrent_allocations_of_the_last_ten_units_never_oversell,
    stock_count_posts_corrections_and_is_audited,
    expiry_and_low_stock_alerts_list_the_right_lots,
    transfer_moves_lots_between_locations,
    idempotency_claims_replay_and_mismatch,
    batch_of_sales_skips_the_refused_one_and_keeps_the_rest,
    sessions_expire_and_end_on_password_change,
    stock_search_matches_barcodes_and_ranks_initials_before_full_pinyin,
    concurrent_sales_at_the_same_instant_get_distinct_numbers,
    group_commit_batches_concurrent_sales_and_never_oversells,
    group_commit_refuses_a_bad_sale_alone,
    concurrent_sales_of_the_same_products_in_opposite_orders_all_land,
);
