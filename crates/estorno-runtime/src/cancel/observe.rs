//! How one provider call reads for the unified cancellation: the traits response and error
//! types derive, and the classification of a call's result into an observation, a refusal,
//! an unknown outcome, or an error that is not about the payment.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use super::{CancelError, CancelRequest, RawResponse};
use crate::client::ClientCore;
use crate::money::Cents;
use crate::outcome::Outcome;
use crate::spec::ProviderSpec;
use crate::wire::DateParts;
use crate::{Error, Meaning};

/// How a response type reads as a cancellation. Derived with `#[derive(CancelResponse)]`.
pub trait CancelResponse: fmt::Debug + Send + Sync + 'static {
    /// The outcome the response states, if it states one.
    fn outcome(&self) -> Option<Outcome>;
    /// The outcome it states as the answer to a partial cancellation: the same, except for
    /// status values declared `partial = ...`.
    fn partial_outcome(&self) -> Option<Outcome> {
        self.outcome()
    }
    /// Everything refunded so far.
    fn refunded(&self) -> Option<Cents>;
    /// What remains.
    fn remaining(&self) -> Option<Cents>;
    /// The provider's identifier.
    fn reference(&self) -> Option<String>;
    /// The payment's whole amount (what was paid or first charged), when the response
    /// states it.
    fn amount(&self) -> Option<Cents> {
        None
    }
    /// The payment's own id as the request named it (`#[cancel(id = ...)]`), so an answer
    /// about another payment is caught.
    fn payment_id(&self) -> Option<String> {
        None
    }
    /// The payment method's code, which picks the acquirer's cancellation window.
    fn method(&self) -> Option<u64> {
        None
    }
    /// The date the cancellation window counts from (the approval).
    fn dated(&self) -> Option<DateParts> {
        None
    }
    /// The provider's own status value, as written (`"approved"`, `"13"`).
    /// Why the provider refused or did not make it, in its own words (Efí's `motivo` on a
    /// devolução `NAO_REALIZADO`): the reason of a rejected outcome.
    fn reason(&self) -> Option<String> {
        None
    }
    fn status_text(&self) -> Option<String> {
        None
    }
}

/// How a typed error body explains a rejection. Derived with `#[derive(Rejection)]`.
///
/// The unified cancellation reads the reason of every error a cancelling operation declares,
/// so each such error type derives it, naming the field with the provider's words:
///
/// ```no_run
/// # extern crate estorno_runtime as estorno;
/// use estorno::{CancelResponse, Cents, Rejection};
///
/// #[derive(Debug, serde::Deserialize, CancelResponse)]
/// #[cancel(outcome = status, paid = amount)]
/// pub struct Charge {
///     pub status: ChargeStatus,
///     pub amount: Cents,
/// }
///
/// #[estorno::status]
/// pub enum ChargeStatus {
///     #[status("PAID" => Active)]
///     Paid,
/// }
///
/// #[derive(Debug, serde::Deserialize, Rejection)]
/// #[rejection(reason = message)]
/// pub struct ApiError {
///     pub message: String,
/// }
///
/// #[estorno::provider(
///     name = "Acme",
///     production = "https://api.acme.test",
///     auth = bearer,
///     cancel(total = cancel_charge(payment), status = charge(payment)),
/// )]
/// pub trait Acme {
///     #[post("/charges/{id}/cancel")]
///     #[ok(200 => Charge)]
///     #[err(400 => ApiError)]
///     fn cancel_charge(id: &str) -> Charge;
///
///     #[get("/charges/{id}")]
///     #[ok(200 => Charge)]
///     #[idempotent]
///     fn charge(id: &str) -> Charge;
/// }
/// # fn main() {}
/// ```
///
/// Without it the spec does not compile (E0277, ``the trait bound `ApiError: Rejection` is not
/// satisfied``), and the error points at `ApiError` in `#[err(400 => ApiError)]`:
///
/// ```compile_fail,E0277
/// # extern crate estorno_runtime as estorno;
/// # use estorno::{CancelResponse, Cents};
/// # #[derive(Debug, serde::Deserialize, CancelResponse)]
/// # #[cancel(outcome = status, paid = amount)]
/// # pub struct Charge {
/// #     pub status: ChargeStatus,
/// #     pub amount: Cents,
/// # }
/// # #[estorno::status]
/// # pub enum ChargeStatus {
/// #     #[status("PAID" => Active)]
/// #     Paid,
/// # }
/// #[derive(Debug, serde::Deserialize)]
/// pub struct ApiError {
///     pub message: String,
/// }
///
/// #[estorno::provider(
///     name = "Acme",
///     production = "https://api.acme.test",
///     auth = bearer,
///     cancel(total = cancel_charge(payment), status = charge(payment)),
/// )]
/// pub trait Acme {
///     #[post("/charges/{id}/cancel")]
///     #[ok(200 => Charge)]
///     #[err(400 => ApiError)]
///     fn cancel_charge(id: &str) -> Charge;
///
///     #[get("/charges/{id}")]
///     #[ok(200 => Charge)]
///     #[idempotent]
///     fn charge(id: &str) -> Charge;
/// }
/// # fn main() {}
/// ```
pub trait Rejection {
    /// The provider's words.
    fn reason(&self) -> String;
}

/// An error declared without a body (`#[err(401)]`) has no words of its own: the reason is
/// the status it came with.
impl Rejection for crate::NoBody {
    fn reason(&self) -> String {
        String::new()
    }
}

impl Rejection for Infallible {
    fn reason(&self) -> String {
        match *self {}
    }
}

/// What one provider call told the unified API.
#[doc(hidden)]
pub struct Observed {
    pub(super) outcome: Option<Outcome>,
    /// The outcome as the answer to a partial cancellation.
    pub(super) partial_outcome: Option<Outcome>,
    pub(super) refunded: Option<Cents>,
    pub(super) remaining: Option<Cents>,
    pub(super) amount: Option<Cents>,
    pub(super) reference: Option<String>,
    pub(super) payment_id: Option<String>,
    pub(super) method: Option<u64>,
    pub(super) dated: Option<DateParts>,
    pub(super) status: Option<String>,
    /// The answer's own reason, redacted.
    pub(super) reason: Option<String>,
    pub(super) raw: Arc<dyn RawResponse>,
}

/// How one provider call failed, classified for cancellation.
#[doc(hidden)]
pub enum Failure {
    /// The provider said no; nothing moved.
    Rejected(String),
    /// The call may have taken effect; nobody knows.
    Unknown(String),
    /// The provider has already seen this request's idempotency key (its declared conflict
    /// status), or says an earlier request is under way or done (a declared `landed` error):
    /// an earlier attempt landed. Never a refusal; the state is looked up.
    Landed(String),
    /// What was asked for does not exist (a declared `not_found` error). From a look-up by
    /// the request's own key, the request did not land; from anything else, a refusal.
    NotFound(String),
    /// Nothing was sent, or the failure is not about the payment.
    Error(CancelError),
}

impl From<CancelError> for Failure {
    fn from(error: CancelError) -> Self {
        Failure::Error(error)
    }
}

impl Failure {
    pub(super) fn into_error(self, provider: &'static str) -> CancelError {
        match self {
            Failure::Error(error) => error,
            Failure::Rejected(reason)
            | Failure::Unknown(reason)
            | Failure::Landed(reason)
            | Failure::NotFound(reason) => CancelError::Provider { provider, reason },
        }
    }
}

/// The provider declares no partial operation (never reached: [`Cancel::cancel`] checks
/// first).
#[doc(hidden)]
pub fn partial_unsupported(spec: &'static ProviderSpec) -> Failure {
    Failure::Error(CancelError::PartialNotSupported {
        provider: spec.name,
    })
}

/// What the status operation of a provider that documents no look-up of a payment answers.
#[doc(hidden)]
pub fn no_look_up(spec: &'static ProviderSpec) -> Failure {
    Failure::Error(no_look_up_error(spec))
}

/// The error of a look-up the provider does not offer.
pub(crate) fn no_look_up_error(spec: &'static ProviderSpec) -> CancelError {
    CancelError::Provider {
        provider: spec.name,
        reason: format!("{} documents no look-up of a payment", spec.name),
    }
}

/// A total cancellation needs the remaining amount and the status look-up did not state it.
#[doc(hidden)]
pub fn remaining_unknown(spec: &'static ProviderSpec) -> Failure {
    Failure::Error(CancelError::Provider {
        provider: spec.name,
        reason: "the status look-up does not report what remains; give an amount".to_owned(),
    })
}

/// Reads a generated operation's result for the unified API. Every text the provider
/// wrote (a rejection's reason, an error's sample) passes the client's redactor first.
/// `conflict` is the status the operation's idempotency key declares for a key already
/// seen. `reason` reads an error body's words: generated code passes the error type's
/// [`Rejection::reason`], spanned on the type in its `#[err(...)]`, so a type that does not
/// implement it is reported there.
#[doc(hidden)]
pub fn observe<T, E>(
    core: &ClientCore,
    request: &CancelRequest,
    conflict: Option<u16>,
    result: Result<T, Error<E>>,
    reason: fn(&E) -> String,
) -> Result<Observed, Failure>
where
    T: CancelResponse,
{
    match result {
        Ok(response) => {
            let reason = response
                .reason()
                .map(|reason| core.redact(&reason, &keep(request)));
            let response = Arc::new(response);
            Ok(Observed {
                outcome: response.outcome(),
                partial_outcome: response.partial_outcome(),
                refunded: response.refunded(),
                remaining: response.remaining(),
                amount: response.amount(),
                reference: response.reference(),
                payment_id: response.payment_id(),
                method: response.method(),
                dated: response.dated(),
                status: response.status_text(),
                reason,
                raw: response,
            })
        }
        Err(error) => Err(classify(core, request, conflict, error, reason)),
    }
}

/// The request's own ids, which a redacted provider text keeps readable.
fn keep(request: &CancelRequest) -> Vec<&str> {
    std::iter::once(request.payment())
        .chain(request.fields().values().map(String::as_str))
        .chain(request.idempotency_key())
        .collect()
}

/// Sorts a call's error into "no", "unknown" and "not an outcome".
///
/// A 429 is "not processed" on any call; a 5xx, a timeout or an unreadable answer on a call
/// that cannot have moved money (the idempotent look-up, or one that never left) is
/// "unavailable". Only a provider's refusal is a rejection.
fn classify<E>(
    core: &ClientCore,
    request: &CancelRequest,
    conflict: Option<u16>,
    error: Error<E>,
    reason_of: fn(&E) -> String,
) -> Failure {
    let provider = core.provider().name;
    let keep = keep(request);
    let redact = |text: String| core.redact(&text, &keep);
    if let Error::Api { status, .. }
    | Error::UnexpectedStatus { status, .. }
    | Error::Decode { status, .. } = &error
        && Some(*status) == conflict
    {
        return Failure::Landed(format!(
            "the provider answered {status}: it has already seen this idempotency key, so an earlier attempt landed"
        ));
    }
    // The provider's words, or its status where the error has none (`#[err(401)]`).
    let words = |status: u16, body: &E| {
        let reason = reason_of(body);
        if reason.is_empty() {
            format!("the provider answered {status}")
        } else {
            redact(reason)
        }
    };
    if let Error::Api {
        status,
        body,
        meaning,
        ..
    } = &error
    {
        match meaning {
            Meaning::Landed => {
                return Failure::Landed(format!(
                    "the provider says an earlier request is under way or done: {}",
                    words(*status, body)
                ));
            }
            Meaning::Retry => {
                return Failure::Error(CancelError::Unavailable {
                    provider,
                    reason: format!(
                        "the provider processed nothing and asks to be called again: {}",
                        words(*status, body)
                    ),
                });
            }
            Meaning::NotFound => return Failure::NotFound(words(*status, body)),
            _ => {}
        }
    }
    if error.outcome_unknown() {
        return Failure::Unknown(redact(error.to_string()));
    }
    if error.is_throttled() {
        return Failure::Error(CancelError::Throttled {
            provider,
            retry_after: error.retry_after(),
        });
    }
    match error {
        Error::Api { status, .. }
        | Error::UnexpectedStatus { status, .. }
        | Error::Decode { status, .. }
            if status == 401 || status == 403 =>
        {
            Failure::Error(CancelError::Auth {
                provider,
                reason: format!("the provider answered {status}"),
            })
        }
        Error::Api { body, status, .. } if status < 500 && status != 408 => {
            Failure::Rejected(words(status, &body))
        }
        // A refusal whose body is not the declared one (an HTML 404 page) is still a refusal.
        Error::UnexpectedStatus { status, .. } | Error::Decode { status, .. }
            if (400..500).contains(&status) && status != 408 =>
        {
            Failure::Rejected(format!("the provider answered {status}"))
        }
        Error::InvalidRequest { field, reason, .. } => {
            Failure::Error(CancelError::InvalidRequest {
                field: field.to_owned(),
                reason,
            })
        }
        Error::Auth { status, reason, .. } => match status {
            // The token endpoint failing is not the credentials being wrong.
            None => Failure::Error(CancelError::Unavailable {
                provider,
                reason: redact(reason),
            }),
            Some(status) if status >= 500 => Failure::Error(CancelError::Unavailable {
                provider,
                reason: redact(reason),
            }),
            Some(_) => Failure::Error(CancelError::Auth {
                provider,
                reason: redact(reason),
            }),
        },
        Error::Transport { sent: false, .. } | Error::Timeout { sent: false, .. } => {
            Failure::Error(CancelError::Unreachable {
                provider,
                reason: error.to_string(),
            })
        }
        // A 5xx or 408, a timeout or reset, an unreadable or oversized answer, on a call that
        // cannot have moved money (`outcome_unknown` said so above): nothing was cancelled.
        other => Failure::Error(CancelError::Unavailable {
            provider,
            reason: redact(other.to_string()),
        }),
    }
}
