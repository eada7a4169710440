//! The unified cancellation's protocol, written once for every provider: look up, decide
//! before sending, send, read the answer (acknowledged, ambiguous, review), and reconcile.

use super::{CancelError, CancelOps, CancelRequest, Cancellation, Failure, Observed, Precheck};
use crate::money::{Amount, Cents};
use crate::outcome::Outcome;
use crate::spec::ProviderSpec;

/// A status look-up as a cancellation: the outcome the status states, refined by amounts.
/// An answer about another payment than the one asked is flagged for review.
pub(super) fn snapshot(
    spec: &'static ProviderSpec,
    request: &CancelRequest,
    observed: Observed,
) -> Cancellation {
    let mut cancellation = Cancellation::new(spec.slug, request, Outcome::Ambiguous);
    cancellation.windows = spec.cancel.as_ref().map_or(&[], |cancel| cancel.windows);
    cancellation.method = observed.method;
    cancellation.dated = observed.dated;
    cancellation.status = observed.status;
    cancellation.outcome = refine(observed.outcome, observed.refunded, observed.remaining)
        .unwrap_or(Outcome::Ambiguous);
    if observed.outcome == Some(Outcome::Ambiguous) {
        cancellation.review = Some("the provider reported a status this spec does not know".into());
    }
    if let Some(answered) = &observed.payment_id
        && !same_id(answered, request.payment())
    {
        cancellation.review = Some(format!(
            "the provider answered about payment `{answered}`, not `{}`",
            request.payment()
        ));
        cancellation.outcome = Outcome::Ambiguous;
    }
    cancellation.refunded = observed.refunded;
    cancellation.remaining = observed.remaining;
    cancellation.amount = observed.amount;
    cancellation.reference = observed.reference;
    if matches!(cancellation.outcome, Outcome::Rejected | Outcome::Failed) {
        cancellation.reason = observed.reason.or(cancellation.reason);
    }
    cancellation.raw = Some(observed.raw);
    cancellation
}

/// Whether two ids name the same payment: equal, or the same number written with or without
/// leading zeros (Yapay answers `numeroTransacao` as a JSON number).
fn same_id(answered: &str, asked: &str) -> bool {
    if answered == asked {
        return true;
    }
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    digits(answered)
        && digits(asked)
        && answered.trim_start_matches('0') == asked.trim_start_matches('0')
}

/// The stated outcome, corrected by the amounts when they say more: a payment whose status
/// still reads "paid" after part of it was refunded (Zoop keeps `succeeded`) is partially
/// refunded; a response with no status but amounts is read from the amounts.
fn refine(
    stated: Option<Outcome>,
    refunded: Option<Cents>,
    remaining: Option<Cents>,
) -> Option<Outcome> {
    let refunded_some = refunded.is_some_and(|cents| !cents.is_zero());
    match (stated, remaining) {
        (Some(Outcome::Active), Some(remaining)) if refunded_some && !remaining.is_zero() => {
            Some(Outcome::PartiallyRefunded)
        }
        (Some(outcome), _) => Some(outcome),
        (None, Some(remaining)) if remaining.is_zero() && refunded_some => Some(Outcome::Refunded),
        // Nothing refunded and something left: a look-up that states amounts but no status
        // (Efí's Pix, with its list of devoluções) shows the payment as it was.
        (None, Some(remaining)) if !remaining.is_zero() && refunded == Some(Cents::ZERO) => {
            Some(Outcome::Active)
        }
        (None, Some(_)) if refunded_some => Some(Outcome::PartiallyRefunded),
        (None, _) => None,
    }
}

/// Outcomes after which nothing is left to cancel.
pub(super) fn nothing_left(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Refunded | Outcome::Voided)
}

/// Whether the spec declares a look-up of the payment.
pub(super) fn looks_up(spec: &'static ProviderSpec) -> bool {
    spec.cancel.as_ref().is_none_or(|cancel| cancel.looks_up)
}

/// What is known before sending: the status look-up, or, where the provider documents none,
/// a state that says nothing (active, no amounts) so that the provider's answer alone
/// decides.
pub(super) async fn before_sending<T: CancelOps + ?Sized>(
    ops: &T,
    request: &CancelRequest,
) -> Result<Cancellation, CancelError> {
    if looks_up(ops.spec()) {
        return look_up(ops, request).await;
    }
    let mut unseen = Cancellation::new(ops.spec().slug, request, Outcome::Active);
    unseen.reason = Some(format!(
        "{} documents no look-up of a payment: nothing was read before sending",
        ops.spec().name
    ));
    Ok(unseen)
}

/// The status look-up as a cancellation; a refusal to show the payment is a rejection.
pub(super) async fn look_up<T: CancelOps + ?Sized>(
    ops: &T,
    request: &CancelRequest,
) -> Result<Cancellation, CancelError> {
    if !looks_up(ops.spec()) {
        return Err(super::observe::no_look_up_error(ops.spec()));
    }
    let slug = ops.spec().slug;
    match ops.status(request).await {
        Ok(observed) => Ok(snapshot(ops.spec(), request, observed)),
        Err(Failure::Rejected(reason) | Failure::NotFound(reason)) => {
            let mut rejected = Cancellation::new(slug, request, Outcome::Rejected);
            rejected.reason = Some(reason);
            Ok(rejected)
        }
        // An answer that may mean anything is no basis to send a cancellation on: the
        // look-up moves no money, so this is "try later", not "unknown".
        Err(Failure::Unknown(reason)) => Err(CancelError::Unavailable {
            provider: ops.spec().name,
            reason,
        }),
        Err(failure) => Err(failure.into_error(slug)),
    }
}

/// Cancels after the look-up: `before` answers "already cancelled" without sending, rejects
/// an amount beyond what remains, stops on a look-up it cannot trust, and holds the refunded
/// baseline that reconciliation compares against.
pub(super) async fn run_cancel<T: CancelOps + ?Sized>(
    ops: &T,
    request: &CancelRequest,
    before: Cancellation,
) -> Result<Cancellation, CancelError> {
    let slug = ops.spec().slug;
    match before.precheck(request.amount.map(Amount::cents)) {
        Precheck::Send => {}
        // A cancellation already under way is reported, not sent again (it would be refused
        // at best); reconciliation follows it to the end.
        Precheck::AlreadyDone | Precheck::UnderWay => {
            let mut done = before;
            done.already_done = true;
            done.requested = request.amount.map(Amount::cents);
            return Ok(done);
        }
        Precheck::Refuse(_) if before.outcome == Outcome::Rejected && before.raw.is_none() => {
            return Ok(before);
        }
        Precheck::Refuse(reason) => {
            let mut rejected = Cancellation::new(slug, request, Outcome::Rejected);
            rejected.reason = Some(reason);
            rejected.refunded = before.refunded;
            rejected.remaining = before.remaining;
            rejected.amount = before.amount;
            return Ok(rejected);
        }
        Precheck::Review(why) => {
            let mut review = before;
            review.outcome = Outcome::Ambiguous;
            review.review = Some(why);
            review.requested = request.amount.map(Amount::cents);
            return Ok(review);
        }
    }

    let mut sent = request.clone();
    if sent.baseline_outcome.is_none() {
        sent.baseline_outcome = Some(before.outcome);
    }
    if sent.baseline_refunded.is_none() {
        sent.baseline_refunded = Some(before.refunded.unwrap_or(Cents::ZERO));
    }
    if sent.idempotency_key.is_none() {
        // One key per logical request: every retry of this call reuses it, and the result
        // carries it so a caller can resend with it.
        let spec = ops.spec();
        sent.idempotency_key = spec
            .cancel
            .as_ref()
            .and_then(|cancel| cancel.key_spec(spec))
            .map(|key| key.format.generate());
    }
    let partial = request.amount.map(Amount::cents);
    let requested = partial.or(before.left());
    let result = match request.amount {
        Some(amount) => ops.partial(&sent, amount).await,
        None => {
            let remaining = before
                .remaining
                .and_then(|cents| Amount::try_from(cents).ok());
            ops.total(&sent, remaining, before.status.as_deref()).await
        }
    };
    let mut observed = match result {
        Ok(observed) => observed,
        Err(Failure::Rejected(reason) | Failure::NotFound(reason)) => {
            let mut rejected = Cancellation::new(slug, &sent, Outcome::Rejected);
            rejected.reason = Some(reason);
            rejected.requested = requested;
            return Ok(rejected);
        }
        Err(Failure::Unknown(reason)) => {
            let mut ambiguous = Cancellation::new(slug, &sent, Outcome::Ambiguous);
            ambiguous.reason = Some(reason);
            ambiguous.requested = requested;
            return Ok(ambiguous);
        }
        // The key was seen before: an earlier send of this request landed. What it did is
        // what the look-up shows; it is never a refusal, and never sent again.
        Err(Failure::Landed(reason)) => {
            return Ok(match follow_up(ops, &sent, requested).await {
                Ok(now) if now.review.is_some() => now,
                Ok(now) => {
                    let mut now = accepted(now, &before, &sent, true, partial);
                    if now.outcome == Outcome::Acknowledged {
                        now.reason = Some(format!("{reason}; the provider does not show it yet"));
                    }
                    now
                }
                Err(failure) => {
                    let mut acknowledged = Cancellation::new(slug, &sent, Outcome::Acknowledged);
                    acknowledged.requested = requested;
                    acknowledged.reason = Some(format!(
                        "{reason}; the status look-up that followed failed: {failure}"
                    ));
                    acknowledged
                }
            });
        }
        Err(Failure::Error(error)) => return Err(error),
    };

    // From here on the provider accepted the cancellation: whatever follows, it is never
    // "not sent". The answer to a partial reads as one (an "approved" that means "this part
    // went back"); its amounts, where it states them, still decide below.
    if partial.is_some() {
        observed.outcome = observed.partial_outcome;
    }
    let stated = refine(observed.outcome, observed.refunded, observed.remaining);
    let mut after = snapshot(ops.spec(), &sent, observed);
    after.requested = requested;
    if after.review.is_some() {
        return Ok(after);
    }
    if stated.is_some() {
        let after = accepted(after, &before, &sent, false, partial);
        // An answer that states the outcome but no amounts (Mercado Pago's refund), where the
        // look-up reports them: the look-up completes it, so the result says what was refunded
        // whether it came from this answer or from a later look-up.
        let completes = before.refunded.is_some()
            && after.refunded.is_none()
            && after.review.is_none()
            && matches!(
                after.outcome,
                Outcome::Refunded | Outcome::PartiallyRefunded | Outcome::Voided
            );
        if completes {
            return Ok(match follow_up(ops, &sent, requested).await {
                Ok(now) => completed(after, now, &before, partial),
                Err(_) => as_answered(after, &before),
            });
        }
        return Ok(after);
    }
    // The response states no outcome (PicPay E-commerce answers a cancellation with ids
    // only): the status operation tells what happened. The cancel's own response stays the
    // raw one, with its reference.
    let reference = after.reference.take();
    let raw = after.raw.take();
    Ok(match follow_up(ops, &sent, requested).await {
        Ok(mut now) => {
            now.reference = reference.or(now.reference);
            now.raw = raw;
            if now.review.is_some() {
                now
            } else {
                accepted(now, &before, &sent, true, partial)
            }
        }
        Err(failure) => {
            after.outcome = Outcome::Acknowledged;
            after.reason = Some(format!(
                "accepted; the status look-up that followed failed: {failure}"
            ));
            after.reference = reference;
            after.raw = raw;
            after
        }
    })
}

/// `after`, with the amounts of `now` (the look-up that followed) when the look-up shows the
/// same outcome; amounts that moved by something else than asked are then review.
fn completed(
    mut after: Cancellation,
    now: Cancellation,
    before: &Cancellation,
    partial: Option<Cents>,
) -> Cancellation {
    if now.review.is_some() || now.outcome != after.outcome {
        // Not shown yet, or shown otherwise: the answer stands, with the amounts it implies.
        return as_answered(after, before);
    }
    after.refunded = now.refunded;
    after.remaining = now.remaining;
    after.amount = now.amount.or(after.amount);
    check_amount(&mut after, before, partial);
    after
}

/// An answer that states the part asked went back, but no amounts, with the amounts it
/// implies from the look-up before sending: what was refunded then plus what was asked, and
/// what was left less that. The same figures a later look-up shows when nothing else moved,
/// so a result does not depend on whether the look-up that followed had caught up.
fn as_answered(mut after: Cancellation, before: &Cancellation) -> Cancellation {
    if after.refunded.is_some() || after.remaining.is_some() || after.review.is_some() {
        return after;
    }
    let (Some(refunded), Some(left), Some(asked)) =
        (before.refunded, before.left(), after.requested)
    else {
        return after;
    };
    if let (Some(now), Some(rest)) = (refunded.checked_add(asked), left.checked_sub(asked)) {
        after.refunded = Some(now);
        after.remaining = Some(rest);
    }
    after
}

/// The status look-up after an accepted cancellation, as this request's result.
async fn follow_up<T: CancelOps + ?Sized>(
    ops: &T,
    sent: &CancelRequest,
    requested: Option<Cents>,
) -> Result<Cancellation, String> {
    let observed = ops.status(sent).await.map_err(failure_text)?;
    let mut now = snapshot(ops.spec(), sent, observed);
    now.requested = requested;
    Ok(now)
}

/// Reads an accepted cancellation's result: a payment that reads as before is acknowledged
/// (the provider applies it later), amounts that moved by something else than asked are
/// flagged. `from_look_up` says the result is the status look-up's, not the cancel's own.
fn accepted(
    mut after: Cancellation,
    before: &Cancellation,
    sent: &CancelRequest,
    from_look_up: bool,
    partial: Option<Cents>,
) -> Cancellation {
    let unchanged = after.outcome == Outcome::Active
        || (from_look_up
            && Some(after.outcome) == sent.baseline_outcome
            && !nothing_left(after.outcome)
            && after.refunded == before.refunded);
    if unchanged {
        after.outcome = Outcome::Acknowledged;
        after.reason = Some("accepted; the provider does not show it yet".into());
        return after;
    }
    check_amount(&mut after, before, partial);
    after
}

fn failure_text(failure: Failure) -> String {
    match failure {
        Failure::Rejected(reason)
        | Failure::Unknown(reason)
        | Failure::Landed(reason)
        | Failure::NotFound(reason) => reason,
        Failure::Error(error) => error.to_string(),
    }
}

/// Flags a result whose amounts show a movement other than what was asked: a partial answered
/// "cancelled in full", or a refunded amount that moved by something else. A partial whose
/// amounts have not moved at all is accepted but not reflected yet.
fn check_amount(after: &mut Cancellation, before: &Cancellation, partial: Option<Cents>) {
    if let Some(partial) = partial
        && matches!(after.outcome, Outcome::Refunded | Outcome::Voided)
        && before.left().is_some_and(|left| partial < left)
    {
        after.review = Some(format!(
            "asked to refund {partial} of the {} that remained, the provider answered {} in full",
            before.left().unwrap_or(Cents::ZERO),
            after.outcome
        ));
        after.outcome = Outcome::Ambiguous;
        return;
    }
    let (Some(requested), Some(now)) = (after.requested, after.refunded) else {
        return;
    };
    if !matches!(
        after.outcome,
        Outcome::Refunded | Outcome::PartiallyRefunded
    ) {
        return;
    }
    let moved = now
        .checked_sub(before.refunded.unwrap_or(Cents::ZERO))
        .unwrap_or(Cents::ZERO);
    if moved.is_zero() && after.outcome == Outcome::PartiallyRefunded {
        after.outcome = Outcome::Acknowledged;
        after.reason = Some("accepted; the provider does not show it yet".into());
        return;
    }
    if moved != requested {
        after.review = Some(format!(
            "asked to refund {requested}, the provider reports {moved} refunded by this call"
        ));
        after.outcome = Outcome::Ambiguous;
    }
}

pub(super) async fn run_reconcile<T: CancelOps + ?Sized>(
    ops: &T,
    request: &CancelRequest,
) -> Result<Cancellation, CancelError> {
    // The cancellation's own record, found by its key, says what became of it; its absence
    // proves the request never arrived. Any other failure of that look-up falls back to the
    // payment's.
    let mut not_found = None;
    if let Some(keyed) = ops.keyed_status(request) {
        match keyed.await {
            Ok(mut observed) => {
                if request.amount.is_some() {
                    observed.outcome = observed.partial_outcome;
                }
                let mut now = snapshot(ops.spec(), request, observed);
                now.requested = request.amount.map(Amount::cents);
                // The record says what this request did; the payment's look-up, where its
                // amounts show exactly that, says where it leaves the payment, as a direct
                // answer with amounts would. A look-up that lags says nothing here.
                if matches!(
                    now.outcome,
                    Outcome::Refunded | Outcome::PartiallyRefunded | Outcome::Voided
                ) && now.refunded.is_none()
                    && let Ok(payment) = look_up(ops, request).await
                    && payment.review.is_none()
                    && shows_exactly(&payment, request)
                {
                    now.refunded = payment.refunded;
                    now.remaining = payment.remaining;
                    now.amount = payment.amount.or(now.amount);
                }
                return Ok(now);
            }
            Err(Failure::NotFound(reason)) => not_found = Some(reason),
            Err(_) => {}
        }
    }
    let mut now = reconcile_payment(ops, request).await?;
    // Only the keyed look-up's "not found" proves anything: an unchanged payment is otherwise
    // "not visible yet", never "did not land".
    if let Some(reason) = not_found
        && now.outcome == Outcome::Active
        && now.review.is_none()
    {
        now.proven_not_landed = true;
        now.reason = Some(format!(
            "no cancellation with this request's idempotency key arrived: {reason}"
        ));
    }
    Ok(now)
}

/// Whether the payment's look-up shows the request's movement and nothing else: the refunded
/// amount moved from the baseline by the part asked, or nothing remains after a total.
fn shows_exactly(payment: &Cancellation, request: &CancelRequest) -> bool {
    let (Some(baseline), Some(refunded)) = (request.baseline_refunded, payment.refunded) else {
        return false;
    };
    match request.amount {
        Some(amount) => refunded.checked_sub(baseline) == Some(amount.cents()),
        None => payment.remaining.is_some_and(Cents::is_zero),
    }
}

/// Reconciles by the payment's look-up: the refunded amount against the baseline, or the
/// state against the one before sending.
async fn reconcile_payment<T: CancelOps + ?Sized>(
    ops: &T,
    request: &CancelRequest,
) -> Result<Cancellation, CancelError> {
    let mut now = look_up(ops, request).await?;
    now.requested = request.amount.map(Amount::cents);
    now.proven_not_landed = false;
    if now.outcome == Outcome::Rejected && now.raw.is_none() {
        // The look-up was refused (the payment is not found): that says nothing about this
        // cancellation.
        return Err(CancelError::Provider {
            provider: ops.spec().name,
            reason: now.reason.unwrap_or_default(),
        });
    }
    if now.review.is_some() {
        return Ok(now);
    }
    let (Some(baseline), Some(refunded)) = (request.baseline_refunded, now.refunded) else {
        // Without amounts, compare states: a state that moved means the cancellation took
        // effect; one that did not move means no effect is visible, unless the payment was
        // already partly refunded, where another partial refund would not show at all.
        if let Some(before) = request.baseline_outcome
            && before == now.outcome
            && !nothing_left(now.outcome)
        {
            if before == Outcome::PartiallyRefunded {
                now.review = Some(
                    "the provider reports no amounts and the payment was already partly refunded; check this refund by hand".into(),
                );
                now.outcome = Outcome::Ambiguous;
            } else if now.outcome != Outcome::Pending {
                now.outcome = Outcome::Active;
            }
        }
        return Ok(now);
    };
    let moved = refunded.checked_sub(baseline).unwrap_or(Cents::ZERO);
    match request.amount {
        Some(amount) if moved >= amount.cents() => {}
        Some(_) if moved.is_zero() && now.outcome != Outcome::Pending => {
            now.outcome = Outcome::Active;
        }
        Some(_) if moved.is_zero() => {}
        Some(amount) => {
            now.review = Some(format!(
                "asked to refund {amount}, {moved} was refunded since the request"
            ));
            now.outcome = Outcome::Ambiguous;
        }
        None if moved.is_zero()
            && !nothing_left(now.outcome)
            && now.outcome != Outcome::Pending =>
        {
            now.outcome = Outcome::Active;
        }
        None => {}
    }
    Ok(now)
}
