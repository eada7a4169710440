//! Following a cancellation that was sent but whose effect is not known yet — an unknown
//! outcome (a timeout, a reset, a 5xx after the request left) or one the provider accepted
//! but does not show yet — through the provider's status operation.
//!
//! Following never concludes "it did not land" from a look-up that shows no effect, however
//! late: a provider can apply a queued request minutes after the client gave up on it, and
//! applies accepted cancellations asynchronously. Such an item stays in doubt (`unresolved`
//! or `acknowledged`), is looked up again on the next run, and is never sent again unless the
//! provider's answers prove it did not land (`Cancellation::proven_not_landed`) or an
//! operator decides so.

use std::time::Duration;

use estorno::{AnyProvider, Cancel, CancelRequest, Cancellation, Outcome};

use crate::rate::TokenBucket;

/// How many look-ups one follow makes at most, and the first pause between them (doubling,
/// at most two seconds).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub attempts: u32,
    pub first_pause: Duration,
}

impl Policy {
    /// Three look-ups, half a second apart at first.
    pub const DEFAULT: Policy = Policy {
        attempts: 3,
        first_pause: Duration::from_millis(500),
    };

    fn pause(&self, made: u32) -> Duration {
        self.first_pause
            .saturating_mul(1 << made.saturating_sub(1).min(8))
            .min(Duration::from_secs(2))
    }
}

/// What the status operation says about a cancellation that was sent.
#[derive(Debug, Clone)]
pub enum Followed {
    /// It took effect (or the payment is cancelled for good).
    Done(Cancellation),
    /// Money moved, but not as asked, or the answer cannot be trusted: a person must look.
    Review(Cancellation, String),
    /// The provider refused it: the look-up shows a declared refusal state. A new attempt
    /// is a new request.
    Refused(Cancellation, String),
    /// The look-up proves it did not land: sending it again is safe.
    NotLanded(Cancellation),
    /// No effect is visible yet (or the look-ups failed): still in doubt, for this reason.
    InDoubt(Option<Cancellation>, String),
}

/// What one reading says.
enum Reading {
    Done,
    Review(String),
    Refused(String),
    NotLanded,
    InDoubt(String),
}

/// Reads a reconciliation: the runtime compares the refunded amount with the baseline; this
/// also checks that what moved is what was asked (`requested`, when known).
fn read(now: &Cancellation, requested: Option<u64>, baseline: Option<u64>) -> Reading {
    if let Some(review) = &now.review {
        return Reading::Review(review.clone());
    }
    let moved = match (now.refunded, baseline) {
        (Some(refunded), Some(baseline)) => Some(refunded.get().saturating_sub(baseline)),
        _ => None,
    };
    match now.outcome {
        Outcome::Refunded | Outcome::PartiallyRefunded => match (moved, requested) {
            (Some(moved), Some(requested)) if moved != requested => Reading::Review(format!(
                "asked to refund {requested} cents, {moved} cents were refunded since the request"
            )),
            _ => Reading::Done,
        },
        Outcome::Voided => Reading::Done,
        Outcome::Rejected => Reading::Refused(
            now.reason
                .clone()
                .unwrap_or_else(|| String::from("the provider shows the cancellation refused")),
        ),
        Outcome::Active => match moved {
            Some(moved) if moved > 0 => Reading::Review(format!(
                "{moved} cents were refunded since the request, but the payment reads active"
            )),
            _ if now.proven_not_landed => Reading::NotLanded,
            _ => Reading::InDoubt(String::from(
                "no effect shows yet; the provider may still apply it",
            )),
        },
        Outcome::Pending | Outcome::Acknowledged => Reading::InDoubt(String::from(
            "the provider is still completing the cancellation",
        )),
        Outcome::Failed | Outcome::Chargeback => Reading::Review(format!(
            "the payment reads {} after the cancellation was sent",
            now.outcome
        )),
        Outcome::Ambiguous => Reading::InDoubt(
            now.reason
                .clone()
                .unwrap_or_else(|| String::from("the look-up is ambiguous")),
        ),
    }
}

/// Looks the cancellation `request` (carrying its baseline) up until its effect shows, the
/// provider shows it refused, or the look-ups run out. Returns what was found and how many
/// look-ups were made.
pub async fn follow(
    provider: &AnyProvider,
    request: &CancelRequest,
    requested: Option<u64>,
    policy: Policy,
    limiter: Option<&TokenBucket>,
) -> (Followed, u64) {
    let baseline = request.baseline_refunded().map(|cents| cents.get());
    let mut last = (None, String::from("no look-up was made"));
    let mut made = 0u32;
    while made < policy.attempts {
        if made > 0 {
            tokio::time::sleep(policy.pause(made)).await;
        }
        made += 1;
        if let Some(limiter) = limiter {
            limiter.acquire().await;
        }
        let lookups = u64::from(made);
        match provider.reconcile(request).await {
            Ok(now) => match read(&now, requested, baseline) {
                Reading::Done => return (Followed::Done(now), lookups),
                Reading::Review(why) => return (Followed::Review(now, why), lookups),
                Reading::Refused(why) => return (Followed::Refused(now, why), lookups),
                Reading::NotLanded => return (Followed::NotLanded(now), lookups),
                Reading::InDoubt(why) => last = (Some(now), why),
            },
            Err(error) => last = (last.0, format!("the look-up failed: {error}")),
        }
    }
    (Followed::InDoubt(last.0, last.1), u64::from(made))
}
