//! Shifts (交班), refunds, offline sales and shelf labels (电子价签).
