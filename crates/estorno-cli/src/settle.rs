//! Resolving a cancellation whose outcome is unknown (a timeout, a reset, a 5xx after the
//! request left, a provider still processing) through the provider's status operation.
//!
//! "It did not take effect" is believed only once the request can no longer land: a server
//! may apply a request after the client gave up on it. So an `Active` answer counts only when
//! it comes at least the settle time after the request was sent (by default twice the
//! provider's timeout plus two seconds); earlier, the look-up is repeated after that time.

use std::time::{Duration, SystemTime};

use estorno::{AnyProvider, Cancel, CancelRequest, Cancellation, Outcome};

use crate::rate::TokenBucket;

/// How long after sending an `Active` reading is trusted, for a provider with this timeout.
pub fn settle_time(timeout: Duration) -> Duration {
    timeout.saturating_mul(2) + Duration::from_secs(2)
}

/// How many look-ups one resolution makes at most, and the first pause between them
/// (doubling, at most four seconds).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub attempts: u32,
    pub first_pause: Duration,
    pub settle: Duration,
}

impl Policy {
    pub fn new(settle: Duration) -> Self {
        Policy {
            attempts: 5,
            first_pause: Duration::from_millis(500),
            settle,
        }
    }

    fn pause(&self, attempt: u32) -> Duration {
        self.first_pause
            .saturating_mul(1 << attempt.saturating_sub(1).min(8))
            .min(Duration::from_secs(4))
    }
}

/// What the status operation says about a cancellation that was sent.
#[derive(Debug, Clone)]
pub enum Settled {
    /// It took effect (or the payment is cancelled for good).
    Done(Cancellation),
    /// It did not take effect, and can no longer: sending it again is safe.
    NotApplied(Cancellation),
    /// Money moved, but not as asked: a person must look.
    Review(Cancellation, String),
    /// Still unknown after every attempt; the reason of the last one.
    Unknown(String),
}

/// What one reading says.
enum Reading {
    Done,
    NotApplied,
    Review(String),
    Unknown(String),
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
        Outcome::Active => match moved {
            Some(moved) if moved > 0 => Reading::Review(format!(
                "{moved} cents were refunded since the request, but the payment reads active"
            )),
            _ => Reading::NotApplied,
        },
        Outcome::Pending => Reading::Unknown(String::from(
            "the provider is still completing the cancellation",
        )),
        other => Reading::Unknown(
            now.reason
                .clone()
                .unwrap_or_else(|| format!("the payment reads {other}")),
        ),
    }
}

/// Asks the status operation until the outcome of the cancellation `request` (carrying its
/// refunded baseline), sent at `sent_at`, is known, or the attempts run out.
pub async fn settle(
    provider: &AnyProvider,
    request: &CancelRequest,
    requested: Option<u64>,
    sent_at: SystemTime,
    policy: Policy,
    limiter: Option<&TokenBucket>,
) -> Settled {
    let baseline = request.baseline_refunded().map(|cents| cents.get());
    let trusted_from = sent_at + policy.settle;
    let mut last = String::from("no look-up was made");
    let mut attempts_left = policy.attempts;
    let mut made = 0;
    let mut pause = None;
    while attempts_left > 0 {
        if let Some(pause) = pause.take() {
            tokio::time::sleep(pause).await;
        }
        attempts_left -= 1;
        made += 1;
        if let Some(limiter) = limiter {
            limiter.acquire().await;
        }
        let reading = match provider.reconcile(request).await {
            Ok(now) => match read(&now, requested, baseline) {
                Reading::Done => return Settled::Done(now),
                Reading::Review(why) => return Settled::Review(now, why),
                Reading::NotApplied => {
                    let wait = trusted_from
                        .duration_since(SystemTime::now())
                        .unwrap_or(Duration::ZERO);
                    if wait.is_zero() {
                        return Settled::NotApplied(now);
                    }
                    // Too soon to believe: the request may still land. Look again once it
                    // cannot; this look-up does not count as an attempt.
                    tokio::time::sleep(wait).await;
                    attempts_left += 1;
                    continue;
                }
                Reading::Unknown(why) => why,
            },
            Err(error) => error.to_string(),
        };
        last = reading;
        pause = Some(policy.pause(made));
    }
    Settled::Unknown(last)
}
