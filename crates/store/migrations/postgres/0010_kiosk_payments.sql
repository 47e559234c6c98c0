-- The QR payments kiosks asked the payment provider for: which organisation asked, and
-- for how much. They were kept in the app's memory, so a restart between showing the
-- QR code and the sale forgot them (and the sale was refused though the resident had
-- paid). Kept a day (`Store::save_kiosk_payment` deletes older ones).
CREATE TABLE kiosk_payments (
    provider TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (provider, provider_ref)
);
CREATE INDEX kiosk_payments_created ON kiosk_payments (created_at);
