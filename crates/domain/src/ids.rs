//! Typed ids so a product id can never be passed where a lot id is meant.
//!
//! Ids are database-assigned `i64`s; these newtypes carry them across crate
//! boundaries (STYLE: never a bare `i64`).

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

id_type! {
    /// An organisation: a chain or a single owner (租户).
    OrgId;
    StoreId;
    LocationId;
    StaffId;
    MemberId;
    BuildingId;
    CategoryId;
    ZoneId;
    ProductId;
    LotId;
    SupplierId;
    PurchaseOrderId;
    ReceiptId;
    StockCountId;
    MovementId;
    OrderId;
}
