//! The audit trail: every state change the sandbox applied, and how many requests each
//! provider operation received (accepted or not), so a test can prove what was refunded and
//! that nothing at all was sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock;

/// What an effect did to the payment, in the sandbox's own vocabulary (the provider's state
/// names are in its response bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectKind {
    /// The whole remaining amount of a captured payment went back to the payer.
    Refund,
    /// Part of a captured payment went back; more remains refundable.
    PartialRefund,
    /// An authorisation (or a whole card transaction) was voided.
    Void,
    /// Part of a captured card transaction was voided; more remains.
    PartialVoid,
    /// The payment was cancelled in full.
    Cancel,
    /// Part of the payment was cancelled; more remains.
    PartialCancel,
    /// The cancellation was accepted but completes later at the acquirer (Yapay's status 40).
    /// Recorded when asked, with the amount asked, because that is when money was committed.
    CancelRequested,
    /// An unpaid order was closed so it can no longer be paid; no money moved.
    Expire,
}

/// One applied effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// 1, 2, 3... in the order the effects were applied.
    pub seq: u64,
    /// The provider's slug, e.g. `picpay-checkout`.
    pub provider: String,
    /// The operation that caused it, as named in fault rules (`cancel`, `refund`, `void`).
    pub operation: String,
    /// The payment's id as the provider names it: PicPay E-commerce `referenceId`, Yapay
    /// `numeroTransacao`, PicPay Checkout `merchantChargeId`, Liquido `idempotencyKey`,
    /// Zoop transaction id.
    pub payment: String,
    /// The money the effect moved, in cents (0 for [`EffectKind::Expire`]).
    pub amount_cents: i64,
    pub kind: EffectKind,
    /// When it was applied, RFC 3339 UTC.
    pub at: String,
}

/// How many requests reached one provider operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCount {
    pub provider: String,
    /// `cancel`, `refund`, `void`, `status`, `token`, or `unknown` for paths no operation has.
    pub operation: String,
    pub count: u64,
}

/// The ledger and the request counters, kept inside the sandbox's state lock.
#[derive(Clone, Default)]
pub(crate) struct Ledger {
    entries: Vec<LedgerEntry>,
    requests: BTreeMap<(String, String), u64>,
}

impl Ledger {
    pub(crate) fn record(
        &mut self,
        provider: &str,
        operation: &str,
        payment: &str,
        amount_cents: i64,
        kind: EffectKind,
    ) {
        let seq = self.next_seq();
        self.entries.push(LedgerEntry {
            seq,
            provider: provider.to_owned(),
            operation: operation.to_owned(),
            payment: payment.to_owned(),
            amount_cents,
            kind,
            at: clock::rfc3339_now(),
        });
    }

    /// The `seq` the next effect will get, for ids derived from it.
    pub(crate) fn next_seq(&self) -> u64 {
        self.entries.len() as u64 + 1
    }

    pub(crate) fn count_request(&mut self, provider: &str, operation: &str) {
        *self
            .requests
            .entry((provider.to_owned(), operation.to_owned()))
            .or_default() += 1;
    }

    pub(crate) fn entries(&self) -> Vec<LedgerEntry> {
        self.entries.clone()
    }

    pub(crate) fn requests(&self) -> Vec<RequestCount> {
        self.requests
            .iter()
            .map(|((provider, operation), count)| RequestCount {
                provider: provider.clone(),
                operation: operation.clone(),
                count: *count,
            })
            .collect()
    }

    pub(crate) fn request_count(&self, provider: &str, operation: &str) -> u64 {
        self.requests
            .get(&(provider.to_owned(), operation.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}
