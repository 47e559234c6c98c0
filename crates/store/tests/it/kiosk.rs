//! The kiosk's codes and staff confirmations on both backends: a code is used once,
//! concurrent wrong guesses are each counted, and a confirmation is audited with the
//! confirming account's failures cleared in the same commit.

use crate::fixtures::*;
use linli_store::*;
use std::sync::Arc;

on_both_backends!(kiosk:
    a_kiosk_code_is_used_once_and_another_org_cannot_use_it,
    concurrent_wrong_kiosk_codes_are_each_counted_and_burn_the_code,
    a_kiosk_confirmation_clears_failures_and_is_audited,
    a_kiosk_payment_is_its_organisations_and_kept_a_day,
);

const LIMITS: OtpLimits = OtpLimits {
    resend_after_ms: 60_000,
    window_ms: HOUR,
    sends_per_window_max: 5,
};

pub async fn a_kiosk_code_is_used_once_and_another_org_cannot_use_it(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let phone = "13900000001";
    assert!(
        s.save_resident_otp(a.org, phone, "kiosk-hash", T0 + 300_000, LIMITS, T0)
            .await
            .unwrap()
    );
    assert_eq!(
        s.check_kiosk_code(b.org, phone, "kiosk-hash", 5, T0 + 1).await.unwrap(),
        KioskCodeCheck::NoCode,
        "the code is organisation a's"
    );
    assert_eq!(
        s.check_kiosk_code(a.org, phone, "other", 5, T0 + 2).await.unwrap(),
        KioskCodeCheck::WrongCode { attempts_left: 4 }
    );
    assert_eq!(
        s.check_kiosk_code(a.org, phone, "kiosk-hash", 5, T0 + 3).await.unwrap(),
        KioskCodeCheck::Verified
    );
    assert_eq!(
        s.check_kiosk_code(a.org, phone, "kiosk-hash", 5, T0 + 4).await.unwrap(),
        KioskCodeCheck::NoCode,
        "a code works once"
    );
    // An expired code is no code; checking it makes no session and no member.
    assert!(
        s.save_resident_otp(a.org, phone, "late", T0 + HOUR + 300_000, LIMITS, T0 + HOUR)
            .await
            .unwrap()
    );
    assert_eq!(
        s.check_kiosk_code(a.org, phone, "late", 5, T0 + HOUR + 300_000)
            .await
            .unwrap(),
        KioskCodeCheck::NoCode
    );
    assert!(
        s.member_ids(a.org).await.unwrap().is_empty(),
        "checking a kiosk code never makes a member"
    );
}

pub async fn concurrent_wrong_kiosk_codes_are_each_counted_and_burn_the_code(s: Store) {
    let a = org(&s, "a").await;
    let phone = "13900000002";
    assert!(
        s.save_resident_otp(a.org, phone, "right", T0 + 300_000, LIMITS, T0)
            .await
            .unwrap()
    );
    let s = Arc::new(s);
    let guesses: Vec<_> = (0..8)
        .map(|i| {
            let s = s.clone();
            let org = a.org;
            tokio::spawn(async move { s.check_kiosk_code(org, phone, &format!("wrong-{i}"), 5, T0 + 1).await })
        })
        .collect();
    let mut counted = 0;
    let mut none = 0;
    for g in guesses {
        match g.await.unwrap().unwrap() {
            KioskCodeCheck::WrongCode { .. } => counted += 1,
            KioskCodeCheck::NoCode => none += 1,
            KioskCodeCheck::Verified => panic!("a wrong code never verifies"),
        }
    }
    assert_eq!(
        (counted, none),
        (5, 3),
        "exactly five guesses are counted, the rest find the code burnt"
    );
    assert_eq!(
        s.check_kiosk_code(a.org, phone, "right", 5, T0 + 2).await.unwrap(),
        KioskCodeCheck::NoCode,
        "after five wrong guesses even the right code is refused"
    );
}

pub async fn a_kiosk_confirmation_clears_failures_and_is_audited(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    for _ in 0..3 {
        s.record_login_failure(a.staff, 5, T0 + HOUR).await.unwrap();
    }
    assert_eq!(s.staff(a.org, a.staff).await.unwrap().failed_logins, 3);
    // Another organisation's id changes nothing.
    s.record_kiosk_confirmation(b.org, a.staff, b.staff, "x".into(), T0)
        .await
        .unwrap();
    assert_eq!(s.staff(a.org, a.staff).await.unwrap().failed_logins, 3);
    s.record_kiosk_confirmation(a.org, a.staff, a.staff, "称重 苹果 0.502kg".into(), T0 + 1)
        .await
        .unwrap();
    assert_eq!(s.staff(a.org, a.staff).await.unwrap().failed_logins, 0);
    let log = s
        .audit_log(a.org, Some("kiosk."), PageRequest { offset: 0, limit: 10 })
        .await
        .unwrap();
    assert_eq!(log.total, 1);
    assert_eq!(
        (
            log.items[0].action.as_str(),
            log.items[0].detail.as_str(),
            log.items[0].staff_id
        ),
        ("kiosk.staff_confirm", "称重 苹果 0.502kg", Some(a.staff))
    );
}

/// A kiosk's QR payment is remembered by the store (a restart forgets none), only for
/// the organisation that asked for it, once, and for a day.
pub async fn a_kiosk_payment_is_its_organisations_and_kept_a_day(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    s.save_kiosk_payment(a.org, "simulator", "SIM-1", 2_350, T0)
        .await
        .unwrap();
    assert_eq!(
        s.kiosk_payment_amount(a.org, "simulator", "SIM-1").await.unwrap(),
        Some(2_350)
    );
    assert_eq!(s.kiosk_payment_amount(b.org, "simulator", "SIM-1").await.unwrap(), None);
    assert_eq!(s.kiosk_payment_amount(a.org, "wechat", "SIM-1").await.unwrap(), None);
    assert!(matches!(
        s.save_kiosk_payment(b.org, "simulator", "SIM-1", 1, T0).await,
        Err(StoreError::Conflict { .. })
    ));
    // A day later the next payment clears it.
    s.save_kiosk_payment(a.org, "simulator", "SIM-2", 100, T0 + KIOSK_PAYMENT_KEPT_MS + 1)
        .await
        .unwrap();
    assert_eq!(s.kiosk_payment_amount(a.org, "simulator", "SIM-1").await.unwrap(), None);
    assert_eq!(
        s.kiosk_payment_amount(a.org, "simulator", "SIM-2").await.unwrap(),
        Some(100)
    );
}
