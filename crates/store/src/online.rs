//! Online orders: reservations, status changes, pickup codes (提货码), platform imports, residents.
