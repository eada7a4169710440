//! How the bulk engine turns what a provider said into a journal entry: the request an item
//! stands for, and the resolution each answer writes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use estorno::{
    Amount, AnyProvider, CancelError, CancelRequest, Cancellation, Cents, Outcome, Precheck,
};

use crate::journal::{Item, Resolution, State};
use crate::rows;

/// An outcome as the journal and the report write it.
pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Refunded => "refunded",
        Outcome::PartiallyRefunded => "partially_refunded",
        Outcome::Voided => "voided",
        Outcome::Pending => "pending",
        Outcome::Acknowledged => "acknowledged",
        Outcome::Rejected => "rejected",
        Outcome::Active => "active",
        Outcome::Failed => "failed",
        Outcome::Chargeback => "chargeback",
        Outcome::Ambiguous => "ambiguous",
    }
}

pub(crate) fn unix_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |elapsed| {
        i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
    })
}

pub(super) fn from_unix_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// The request a row or an item stands for.
pub(crate) fn request_for(
    payment: &str,
    amount: Option<u64>,
    fields: &std::collections::BTreeMap<String, String>,
) -> Result<CancelRequest, String> {
    let mut request = match amount {
        None => CancelRequest::total(payment),
        Some(cents) => CancelRequest::partial(
            payment,
            Amount::from_cents(cents).map_err(|error| error.to_string())?,
        ),
    };
    for (name, value) in fields {
        request = request.field(name.clone(), value.clone());
    }
    Ok(request)
}

/// The request an item stands for.
pub(super) fn request_of(item: &Item) -> Result<CancelRequest, String> {
    request_for(&item.payment, item.amount, &item.fields)
}

/// An outcome from its `Outcome::name()`, as the journal keeps it.
pub(super) fn outcome_from_name(name: &str) -> Option<Outcome> {
    Outcome::ALL
        .into_iter()
        .find(|outcome| outcome.name() == name)
}

/// The request as it was sent: with the baseline the journal recorded before sending.
pub(crate) fn sent_request(item: &Item) -> Result<CancelRequest, String> {
    let mut request =
        request_of(item)?.with_baseline_refunded(Cents::new(item.baseline_refunded.unwrap_or(0)));
    if let Some(outcome) = item.baseline_outcome.as_deref().and_then(outcome_from_name) {
        request = request.with_baseline_outcome(outcome);
    }
    if let Some(key) = &item.idempotency_key {
        request = request.with_idempotency_key(key);
    }
    Ok(request)
}

/// The CSV column an `InvalidRequest` is about: a provider field column, `amount`, or
/// `payment` (the one path id not given as a column).
pub(super) fn column_for(
    provider: &AnyProvider,
    fields: &std::collections::BTreeMap<String, String>,
    field: &str,
) -> String {
    if fields.contains_key(field) || field == rows::PAYMENT {
        return field.to_owned();
    }
    if provider
        .spec()
        .cancel
        .as_ref()
        .is_some_and(|cancel| cancel.field(field).is_some())
    {
        // A provider field the spec requires and the row does not have.
        return field.to_owned();
    }
    let param = provider
        .spec()
        .endpoints
        .iter()
        .flat_map(|endpoint| endpoint.params.iter())
        .find(|param| param.name == field);
    match param {
        Some(param) if fields.contains_key(param.wire) => param.wire.to_owned(),
        Some(param) if ["amount", "valor"].contains(&param.wire) => String::from(rows::AMOUNT),
        Some(_) => String::from(rows::PAYMENT),
        None => field.to_owned(),
    }
}

/// The column and reason a refusal before sending is about, when it is one.
pub(super) fn invalid_input(
    provider: &AnyProvider,
    fields: &std::collections::BTreeMap<String, String>,
    error: &CancelError,
) -> Option<(String, String)> {
    match error {
        CancelError::InvalidRequest { field, reason } => {
            Some((column_for(provider, fields, field), reason.clone()))
        }
        CancelError::PartialNotSupported { provider } => Some((
            String::from(rows::AMOUNT),
            format!(
                "{provider} cannot cancel part of a payment: leave `amount` empty to cancel in full"
            ),
        )),
        _ => None,
    }
}

/// The label the report shows for a row that goes back to `pending` because nothing could be
/// sent yet.
pub(super) fn transient_label(error: &CancelError) -> &'static str {
    match error {
        CancelError::Throttled { .. } => "throttled",
        _ => "unavailable",
    }
}

/// A finished item. `reference` is the payment's id from a status look-up, never the
/// cancellation's own (which some providers derive from their sequence of operations, and
/// which would make the report depend on the order rows ran in): that goes in
/// `cancel_reference`.
pub(super) fn done(
    now: &Cancellation,
    reference: Option<String>,
    cancel_reference: Option<String>,
) -> Resolution {
    Resolution {
        state: State::Done,
        outcome: Some(outcome_name(now.outcome).to_owned()),
        already_done: now.already_done,
        refunded: now.refunded.map(Cents::get),
        remaining: now.remaining.map(Cents::get),
        reference,
        cancel_reference,
        ..Resolution::default()
    }
}

/// How a row ends without anything being sent, if the look-up decides it: exactly what the
/// unified API would decide itself ([`Cancellation::precheck`]), so a row the runtime would
/// not send is finished here without a journal entry saying it was sent.
pub(super) fn without_sending(before: &Cancellation, amount: Option<u64>) -> Option<Resolution> {
    match before.precheck(amount.map(Cents::new)) {
        Precheck::Send => None,
        Precheck::AlreadyDone => Some(Resolution {
            state: State::Done,
            outcome: Some(outcome_name(before.outcome).to_owned()),
            already_done: true,
            refunded: before.refunded.map(Cents::get),
            remaining: before.remaining.map(Cents::get),
            reference: before.reference.clone(),
            ..Resolution::default()
        }),
        Precheck::UnderWay => Some(Resolution {
            outcome: Some(String::from("pending")),
            ..rejected(
                before,
                String::from(
                    "the payment is pending at the provider (a cancellation may already be under \
                     way): nothing was sent; check it later with `estorno status`",
                ),
            )
        }),
        Precheck::Refuse(reason) => Some(rejected(before, reason)),
        Precheck::Review(why) => Some(Resolution {
            state: State::Review,
            outcome: None,
            refunded: before.refunded.map(Cents::get),
            remaining: before.remaining.map(Cents::get),
            reference: before.reference.clone(),
            review: Some(why),
            ..Resolution::default()
        }),
        // A decision added to the runtime later: not sending is the safe reading.
        _ => Some(rejected(
            before,
            String::from("not sent: the look-up does not allow it"),
        )),
    }
}

pub(super) fn rejected(before: &Cancellation, reason: String) -> Resolution {
    Resolution {
        state: State::Failed,
        outcome: Some(String::from("rejected")),
        refunded: before.refunded.map(Cents::get),
        remaining: before.remaining.map(Cents::get),
        reference: before.reference.clone(),
        reason: Some(reason),
        ..Resolution::default()
    }
}

pub(super) fn failed(reason: String) -> Resolution {
    Resolution {
        state: State::Failed,
        outcome: Some(String::from("failed")),
        reason: Some(reason),
        ..Resolution::default()
    }
}

pub(super) fn invalid(field: String, reason: String) -> Resolution {
    Resolution {
        state: State::Invalid,
        field: Some(field),
        reason: Some(reason),
        ..Resolution::default()
    }
}

pub(super) fn review(now: &Cancellation, why: String, reference: Option<String>) -> Resolution {
    Resolution {
        state: State::Review,
        outcome: Some(outcome_name(now.outcome).to_owned()),
        refunded: now.refunded.map(Cents::get),
        remaining: now.remaining.map(Cents::get),
        reference,
        review: Some(why),
        ..Resolution::default()
    }
}

/// An item still in doubt after following it: `acknowledged` stays so; anything else that may
/// have been sent is `unresolved`.
pub(super) fn in_doubt(state: State, why: String) -> Resolution {
    let (state, reason) = match state {
        State::Acknowledged => (
            State::Acknowledged,
            format!(
                "accepted by the provider, not visible yet: {why}; never resent, rerun to look again"
            ),
        ),
        _ => (
            State::Unresolved,
            format!(
                "sent, outcome unknown: {why}; never resent automatically, rerun to look again"
            ),
        ),
    };
    Resolution {
        state,
        reason: Some(reason),
        ..Resolution::default()
    }
}
