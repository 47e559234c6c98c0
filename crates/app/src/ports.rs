//! Ports to the outside world that a store cannot run without but must not depend on:
//! QR payments (WeChat Pay / Alipay style) and text messages (SMS).
//!
//! Use cases talk to a `PaymentProvider` and an `SmsSender`; a real driver implements
//! these traits. Linli ships only simulators, and says so in every answer they give
//! (`label()`: "模拟支付 / payment simulator", "短信模拟器 / SMS simulator"): no real
//! money moves and no real text is sent. The payment simulator approves or declines an
//! intent only when told to (its page or `POST /api/v1/payments/{intent}/simulate`);
//! the SMS simulator keeps the last messages per phone for its page and for tests.

use linli_domain::ids::OrgId;
use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// What a port call returns: boxed so the traits stay usable as `Arc<dyn …>`.
pub type PortFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PortError>> + Send + 'a>>;

/// Messages the SMS simulator keeps, across phones.
pub const SIM_SMS_KEPT_MAX: usize = 500;
/// Intents the payment simulator remembers; the oldest settled ones are dropped first.
pub const SIM_INTENTS_MAX: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    #[error("the provider does not know this payment")]
    UnknownIntent,
    #[error("the provider refused: {0}")]
    Refused(String),
    #[error("the provider could not be reached: {0}")]
    Unavailable(String),
}

/// A QR payment to ask for.
#[derive(Debug, Clone)]
pub struct IntentRequest {
    pub org: OrgId,
    /// Shown to the payer (the order number).
    pub reference: String,
    pub amount_fen: i64,
    pub description: String,
}

/// The provider's answer: its reference for the payment and what the QR code encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub provider_ref: String,
    pub qr_payload: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentStatus {
    Pending,
    Approved,
    Declined,
    Refunded,
}

impl IntentStatus {
    pub fn code(self) -> &'static str {
        match self {
            IntentStatus::Pending => "pending",
            IntentStatus::Approved => "approved",
            IntentStatus::Declined => "declined",
            IntentStatus::Refunded => "refunded",
        }
    }
}

/// A QR payment provider.
pub trait PaymentProvider: Send + Sync + Debug {
    /// Stored with each intent ("simulator", "wechat_pay", …).
    fn name(&self) -> &'static str;
    /// Shown with every payment answer, so nobody mistakes a simulator for money.
    fn label(&self) -> &'static str;
    fn create_intent(&self, request: IntentRequest) -> PortFuture<'_, Intent>;
    fn status<'a>(&'a self, provider_ref: &'a str) -> PortFuture<'a, IntentStatus>;
    /// Refunds an approved payment. `refund_id` makes a repeated request harmless: a
    /// refund already made under that id answers Ok again.
    fn refund<'a>(&'a self, provider_ref: &'a str, amount_fen: i64, refund_id: &'a str) -> PortFuture<'a, ()>;
    /// The simulator behind this port, if it is one (its page approves and declines).
    fn simulator(&self) -> Option<&SimulatedPayments> {
        None
    }
}

#[derive(Debug, Clone)]
struct SimIntent {
    amount_fen: i64,
    status: IntentStatus,
    refund_ids: Vec<String>,
    seq: u64,
}

/// The built-in payment simulator: intents live in memory (a restart forgets them; the
/// resident simply pays again) and are approved or declined only by `simulate`.
#[derive(Debug, Default)]
pub struct SimulatedPayments {
    intents: Mutex<HashMap<String, SimIntent>>,
    next: Mutex<u64>,
}

impl SimulatedPayments {
    pub const NAME: &'static str = "simulator";
    pub const LABEL: &'static str = "模拟支付 / payment simulator";

    pub fn new() -> SimulatedPayments {
        SimulatedPayments::default()
    }

    /// What the payer does on the simulator page: approve or decline a pending intent.
    /// Anything but a pending intent keeps its status.
    pub fn simulate(&self, provider_ref: &str, approve: bool) -> Result<IntentStatus, PortError> {
        let mut intents = self.intents.lock().expect("no panics while the lock is held");
        let intent = intents.get_mut(provider_ref).ok_or(PortError::UnknownIntent)?;
        if intent.status == IntentStatus::Pending {
            intent.status = if approve {
                IntentStatus::Approved
            } else {
                IntentStatus::Declined
            };
        }
        Ok(intent.status)
    }

    fn random_ref() -> String {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        format!("sim_{}", hex::encode(bytes))
    }
}

impl PaymentProvider for SimulatedPayments {
    fn name(&self) -> &'static str {
        SimulatedPayments::NAME
    }

    fn label(&self) -> &'static str {
        SimulatedPayments::LABEL
    }

    fn create_intent(&self, request: IntentRequest) -> PortFuture<'_, Intent> {
        Box::pin(async move {
            if request.amount_fen <= 0 {
                return Err(PortError::Refused("the amount must be positive".into()));
            }
            let provider_ref = SimulatedPayments::random_ref();
            let seq = {
                let mut next = self.next.lock().expect("no panics while the lock is held");
                *next += 1;
                *next
            };
            let mut intents = self.intents.lock().expect("no panics while the lock is held");
            if intents.len() >= SIM_INTENTS_MAX {
                // Forget the oldest intent that is no longer waiting for the payer.
                if let Some(oldest) = intents
                    .iter()
                    .filter(|(_, i)| i.status != IntentStatus::Pending)
                    .min_by_key(|(_, i)| i.seq)
                    .map(|(k, _)| k.clone())
                {
                    intents.remove(&oldest);
                }
            }
            intents.insert(
                provider_ref.clone(),
                SimIntent {
                    amount_fen: request.amount_fen,
                    status: IntentStatus::Pending,
                    refund_ids: Vec::new(),
                    seq,
                },
            );
            let qr_payload = format!(
                "linli-sim://pay/{provider_ref}?amount_fen={}&ref={}",
                request.amount_fen, request.reference
            );
            Ok(Intent {
                provider_ref,
                qr_payload,
            })
        })
    }

    fn status<'a>(&'a self, provider_ref: &'a str) -> PortFuture<'a, IntentStatus> {
        Box::pin(async move {
            let intents = self.intents.lock().expect("no panics while the lock is held");
            intents
                .get(provider_ref)
                .map(|i| i.status)
                .ok_or(PortError::UnknownIntent)
        })
    }

    fn refund<'a>(&'a self, provider_ref: &'a str, amount_fen: i64, refund_id: &'a str) -> PortFuture<'a, ()> {
        Box::pin(async move {
            let mut intents = self.intents.lock().expect("no panics while the lock is held");
            let intent = intents.get_mut(provider_ref).ok_or(PortError::UnknownIntent)?;
            if intent.refund_ids.iter().any(|r| r == refund_id) {
                return Ok(());
            }
            if intent.status != IntentStatus::Approved {
                return Err(PortError::Refused(format!(
                    "a {} payment cannot be refunded",
                    intent.status.code()
                )));
            }
            if amount_fen <= 0 || amount_fen > intent.amount_fen {
                return Err(PortError::Refused("the refund exceeds the payment".into()));
            }
            intent.status = IntentStatus::Refunded;
            intent.refund_ids.push(refund_id.to_string());
            Ok(())
        })
    }

    fn simulator(&self) -> Option<&SimulatedPayments> {
        Some(self)
    }
}

/// One text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub org: OrgId,
    pub phone: String,
    pub text: String,
    /// The one-time code the text carries, if any (a real driver fills it into its
    /// template; the simulator page shows it).
    pub code: Option<String>,
    pub at: i64,
}

/// A text-message gateway.
pub trait SmsSender: Send + Sync + Debug {
    fn label(&self) -> &'static str;
    fn send(&self, sms: Sms) -> PortFuture<'_, ()>;
    /// The simulator behind this port, if it is one (its outbox is readable).
    fn simulator(&self) -> Option<&SimulatedSms> {
        None
    }
}

/// The built-in SMS simulator: never sends anything; keeps the last messages.
#[derive(Debug, Default)]
pub struct SimulatedSms {
    outbox: Mutex<VecDeque<Sms>>,
}

impl SimulatedSms {
    pub const LABEL: &'static str = "短信模拟器 / SMS simulator";

    pub fn new() -> SimulatedSms {
        SimulatedSms::default()
    }

    /// The organisation's messages, newest first, optionally to one phone.
    pub fn outbox(&self, org: OrgId, phone: Option<&str>) -> Vec<Sms> {
        let outbox = self.outbox.lock().expect("no panics while the lock is held");
        outbox
            .iter()
            .rev()
            .filter(|m| m.org == org && phone.is_none_or(|p| m.phone == p))
            .cloned()
            .collect()
    }
}

impl SmsSender for SimulatedSms {
    fn label(&self) -> &'static str {
        SimulatedSms::LABEL
    }

    fn send(&self, sms: Sms) -> PortFuture<'_, ()> {
        Box::pin(async move {
            let mut outbox = self.outbox.lock().expect("no panics while the lock is held");
            if outbox.len() >= SIM_SMS_KEPT_MAX {
                outbox.pop_front();
            }
            outbox.push_back(sms);
            Ok(())
        })
    }

    fn simulator(&self) -> Option<&SimulatedSms> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(amount_fen: i64) -> IntentRequest {
        IntentRequest {
            org: OrgId(1),
            reference: "S1-20261125-00001".into(),
            amount_fen,
            description: "test".into(),
        }
    }

    #[tokio::test]
    async fn simulator_approves_only_when_told_and_refunds_once_per_id() {
        let p = SimulatedPayments::new();
        let intent = p.create_intent(request(990)).await.unwrap();
        assert!(intent.qr_payload.starts_with("linli-sim://pay/sim_"));
        assert_eq!(p.status(&intent.provider_ref).await, Ok(IntentStatus::Pending));
        assert!(
            p.refund(&intent.provider_ref, 990, "r1").await.is_err(),
            "nothing paid yet"
        );
        assert_eq!(p.simulate(&intent.provider_ref, true), Ok(IntentStatus::Approved));
        assert_eq!(
            p.simulate(&intent.provider_ref, false),
            Ok(IntentStatus::Approved),
            "settled stays settled"
        );
        assert!(p.refund(&intent.provider_ref, 991, "r1").await.is_err());
        assert_eq!(p.refund(&intent.provider_ref, 990, "r1").await, Ok(()));
        assert_eq!(
            p.refund(&intent.provider_ref, 990, "r1").await,
            Ok(()),
            "a replay is harmless"
        );
        assert!(
            p.refund(&intent.provider_ref, 990, "r2").await.is_err(),
            "a second refund is refused"
        );
        assert_eq!(p.status("sim_unknown").await, Err(PortError::UnknownIntent));
        assert!(p.create_intent(request(0)).await.is_err());
    }

    #[tokio::test]
    async fn sms_simulator_keeps_messages_per_org_newest_first() {
        let s = SimulatedSms::new();
        for (org, phone, code) in [
            (1, "13800000001", "111111"),
            (2, "13800000001", "222222"),
            (1, "13800000001", "333333"),
        ] {
            s.send(Sms {
                org: OrgId(org),
                phone: phone.into(),
                text: format!("code {code}"),
                code: Some(code.into()),
                at: 0,
            })
            .await
            .unwrap();
        }
        let codes: Vec<_> = s
            .outbox(OrgId(1), Some("13800000001"))
            .into_iter()
            .filter_map(|m| m.code)
            .collect();
        assert_eq!(codes, ["333333", "111111"]);
        assert!(s.outbox(OrgId(1), Some("13900000000")).is_empty());
    }
}
