//! The unified cancellation API: one call cancels at any provider, with a normalised outcome.
//!
//! A spec declares which operation cancels in full, which in part and which tells the state
//! (`cancel(...)` in `#[estorno::provider]`), and how its response and error types read as a
//! cancellation (`#[derive(CancelResponse)]`, `#[derive(Rejection)]`). The macro turns that
//! into [`__private::CancelOps`]; everything else — the look-up before sending, the checks,
//! the classification of failures, reconciliation — is written once, here.

use std::any::Any;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::Error;
use crate::client::ClientCore;
use crate::money::{Amount, Cents};
use crate::outcome::Outcome;
use crate::spec::ProviderSpec;

mod check;
mod fields;

pub use check::check_request;
pub use fields::{AmountField, ReasonField, ReferenceField, StatusField};

/// A boxed future, so that [`Cancel`] can be used as `dyn Cancel`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What to cancel: a payment as the provider names it, an optional partial amount, and the
/// provider-specific fields some providers need (`authorizationId`, `on_behalf_of`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRequest {
    payment: String,
    amount: Option<Amount>,
    fields: BTreeMap<String, String>,
    baseline_refunded: Option<Cents>,
    baseline_outcome: Option<Outcome>,
    idempotency_key: Option<String>,
}

impl CancelRequest {
    /// Cancels the whole of `payment` (what remains of it, when part was already refunded).
    pub fn total(payment: impl Into<String>) -> Self {
        CancelRequest {
            payment: payment.into(),
            amount: None,
            fields: BTreeMap::new(),
            baseline_refunded: None,
            baseline_outcome: None,
            idempotency_key: None,
        }
    }

    /// Cancels `amount` of `payment`.
    pub fn partial(payment: impl Into<String>, amount: Amount) -> Self {
        CancelRequest {
            amount: Some(amount),
            ..CancelRequest::total(payment)
        }
    }

    /// Adds a provider field, named as the provider's catalogue names it. Only the fields
    /// the provider's spec declares are accepted: [`Cancel::check`] (which every call runs
    /// first) refuses any other, before anything is sent.
    #[must_use]
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// Carries the caller's own idempotency key for this cancellation, to be reused on every
    /// resend of the same logical request (a caller that persists its requests stores it
    /// before the first send, as the command line's journal does). Accepted only by a
    /// provider whose spec declares that it honours one ([`crate::spec::ResendProof`]);
    /// elsewhere [`Cancel::check`] refuses it rather than pretend it protects anything.
    #[must_use]
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// The caller's idempotency key, when given.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    /// Records how much of the payment was already refunded before this cancellation was
    /// sent, so [`Cancel::reconcile`] can tell whether *this* refund happened. The unified
    /// API fills it in itself; a journal that persists requests should keep it.
    #[must_use]
    pub fn with_baseline_refunded(mut self, refunded: Cents) -> Self {
        self.baseline_refunded = Some(refunded);
        self
    }

    /// Records the payment's outcome before this cancellation was sent, for providers that
    /// report no amounts: reconciliation then compares states instead. The unified API fills
    /// it in itself; a journal that persists requests should keep it.
    #[must_use]
    pub fn with_baseline_outcome(mut self, outcome: Outcome) -> Self {
        self.baseline_outcome = Some(outcome);
        self
    }

    /// The payment's outcome before this cancellation, when known.
    pub fn baseline_outcome(&self) -> Option<Outcome> {
        self.baseline_outcome
    }

    /// The payment's identifier.
    pub fn payment(&self) -> &str {
        &self.payment
    }

    /// The partial amount, or `None` for a total cancellation.
    pub fn amount(&self) -> Option<Amount> {
        self.amount
    }

    /// A provider field, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// Every provider field given.
    pub fn fields(&self) -> &BTreeMap<String, String> {
        &self.fields
    }

    /// How much was refunded before this cancellation, when known.
    pub fn baseline_refunded(&self) -> Option<Cents> {
        self.baseline_refunded
    }

    /// A provider field the spec requires; its absence is an invalid request.
    #[doc(hidden)]
    pub fn require(&self, name: &'static str) -> Result<String, CancelError> {
        match self.get(name) {
            Some(value) if !value.is_empty() => Ok(value.to_owned()),
            _ => Err(CancelError::InvalidRequest {
                field: name.to_owned(),
                reason: format!("`{name}` is required by this provider"),
            }),
        }
    }
}

/// Any typed response kept inside a [`Cancellation`].
pub trait RawResponse: Any + fmt::Debug + Send + Sync {
    /// For downcasting in [`Cancellation::raw`].
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any + fmt::Debug + Send + Sync> RawResponse for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The normalised result of a cancellation, a status look-up or a reconciliation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Cancellation {
    /// The provider's slug.
    pub provider: &'static str,
    pub outcome: Outcome,
    /// The amount this cancellation asked for, when known.
    pub requested: Option<Cents>,
    /// Everything refunded on the payment so far, as the provider reports it.
    pub refunded: Option<Cents>,
    /// What remains of the payment, as the provider reports it.
    pub remaining: Option<Cents>,
    /// The payment's whole amount, as the provider reports it (what was paid or first
    /// charged), when it does.
    pub amount: Option<Cents>,
    /// The provider's own identifier of the payment or of the cancellation.
    pub reference: Option<String>,
    /// The provider's words when it rejected the cancellation.
    pub reason: Option<String>,
    /// Why a person should look at this one (an amount that differs from the one asked, a
    /// status the spec does not know). Never set on a clean success.
    pub review: Option<String>,
    /// `true` when nothing was sent because the payment was already cancelled or refunded.
    pub already_done: bool,
    /// Set by [`Cancel::reconcile`] only when the provider's answers *prove* that the
    /// cancellation did not land (per [`crate::spec::ResendProof`]), so sending it again cannot
    /// refund twice. An [`Outcome::Active`] reconciliation without it means "no effect is
    /// visible yet", never "safe to resend": a provider can apply a queued request late.
    pub proven_not_landed: bool,
    request: CancelRequest,
    raw: Option<Arc<dyn RawResponse>>,
}

/// What a status look-up says about sending a cancellation, decided before anything leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Precheck {
    /// Send it.
    Send,
    /// Nothing is left to cancel: the payment is already refunded or voided.
    AlreadyDone,
    /// A cancellation is already under way at the provider (Yapay's 40).
    UnderWay,
    /// It cannot succeed, for this reason; nothing should be sent.
    Refuse(String),
    /// The look-up cannot be trusted to decide (a status the spec does not know, an answer
    /// about another payment): nothing should be sent until a person looks.
    Review(String),
}

impl Cancellation {
    /// How the unified API reads this status look-up (from [`Cancel::status`]) for a
    /// cancellation of `amount`, or of what remains when `None`, before sending anything.
    /// [`Cancel::cancel`] applies exactly this; a caller that journals before sending (the
    /// command line) asks it too, so the two can never disagree.
    pub fn precheck(&self, amount: Option<Cents>) -> Precheck {
        if self.outcome == Outcome::Rejected && self.raw.is_none() {
            // The look-up itself was refused (an unknown payment).
            return Precheck::Refuse(
                self.reason
                    .clone()
                    .unwrap_or_else(|| "the provider refuses to show this payment".to_owned()),
            );
        }
        if let Some(review) = &self.review {
            return Precheck::Review(format!("{review}; nothing was sent"));
        }
        if self.outcome == Outcome::Ambiguous {
            return Precheck::Review(
                "the look-up does not say what state the payment is in; nothing was sent".into(),
            );
        }
        // Nothing remains only counts when something was refunded: an unpaid order (PicPay's
        // `created`, with zero paid and zero refunded) still has a cancellation to send.
        let refunded_all = self.remaining == Some(Cents::ZERO)
            && self.refunded.is_some_and(|refunded| !refunded.is_zero());
        if nothing_left(self.outcome) || refunded_all {
            return Precheck::AlreadyDone;
        }
        if matches!(self.outcome, Outcome::Pending | Outcome::Acknowledged) {
            return Precheck::UnderWay;
        }
        if matches!(self.outcome, Outcome::Failed | Outcome::Chargeback) {
            return Precheck::Refuse(format!(
                "the payment is {}: there is nothing to cancel",
                self.outcome
            ));
        }
        if let Some(amount) = amount {
            if let Some(remaining) = self.remaining {
                if amount > remaining {
                    return Precheck::Refuse(format!(
                        "{amount} is more than the {remaining} that remains; nothing was sent"
                    ));
                }
            } else if let Some(whole) = self.amount
                && amount > whole
            {
                // The provider reports the payment's amount but not what remains of it.
                return Precheck::Refuse(format!(
                    "{amount} is more than the payment's {whole}; nothing was sent"
                ));
            }
        }
        Precheck::Send
    }

    /// What was left to refund before this cancellation, as far as the look-up tells: what
    /// remains, or the payment's amount less what was refunded.
    fn left(&self) -> Option<Cents> {
        self.remaining.or_else(|| {
            let whole = self.amount?;
            match self.refunded {
                Some(refunded) => whole.checked_sub(refunded),
                // Without a refunded amount, the whole is left only while nothing moved.
                None if self.outcome == Outcome::Active => Some(whole),
                None => None,
            }
        })
    }

    /// What was asked, including the refunded baseline, for [`Cancel::reconcile`].
    pub fn request(&self) -> &CancelRequest {
        &self.request
    }

    /// The typed response behind this outcome, if it is a `T`.
    pub fn raw<T: Any>(&self) -> Option<&T> {
        self.raw.as_deref()?.as_any().downcast_ref()
    }

    /// Whether the result is not final yet: reconcile it later.
    pub fn needs_reconcile(&self) -> bool {
        !self.outcome.is_final()
    }

    fn new(provider: &'static str, request: &CancelRequest, outcome: Outcome) -> Self {
        Cancellation {
            provider,
            outcome,
            requested: request.amount.map(Amount::cents),
            refunded: None,
            remaining: None,
            amount: None,
            reference: None,
            reason: None,
            review: None,
            already_done: false,
            proven_not_landed: false,
            request: request.clone(),
            raw: None,
        }
    }
}

/// A failure that is not an outcome: nothing was cancelled, and the caller can tell why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CancelError {
    /// The request was refused before anything was sent.
    #[error("invalid `{field}`: {reason}")]
    InvalidRequest { field: String, reason: String },
    /// The provider cannot cancel part of a payment.
    #[error("{provider} cannot cancel part of a payment; cancel it in full")]
    PartialNotSupported { provider: &'static str },
    /// No credentials, or the provider refused them.
    #[error("{provider}: authentication failed: {reason}")]
    Auth {
        provider: &'static str,
        reason: String,
    },
    /// The request never left (connection refused, DNS): safe to try again.
    #[error("{provider}: could not reach the provider, nothing was sent: {reason}")]
    Unreachable {
        provider: &'static str,
        reason: String,
    },
    /// The provider (or its token endpoint) answered 429 on every attempt: it processed
    /// nothing. Try again later, after `retry_after` when it said.
    #[error(
        "{provider}: the provider is throttling requests (429), nothing was processed; try again later"
    )]
    Throttled {
        provider: &'static str,
        /// How long the provider asked to wait, when it said (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// A look-up failed in a way that says nothing about the payment (a 5xx, a timeout, an
    /// unreadable answer): no cancellation was sent. Try again later.
    #[error("{provider}: the provider is unavailable, nothing was sent: {reason}")]
    Unavailable {
        provider: &'static str,
        reason: String,
    },
    /// The provider answered the look-up in a way the spec cannot read; nothing was sent.
    #[error("{provider}: {reason}")]
    Provider {
        provider: &'static str,
        reason: String,
    },
}

impl CancelError {
    /// Whether nothing was sent and the same call may succeed later: unreachable,
    /// throttled, or unavailable. Never a refusal.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CancelError::Unreachable { .. }
                | CancelError::Throttled { .. }
                | CancelError::Unavailable { .. }
        )
    }
}

/// Cancels payments at one provider, with a normalised outcome. Implemented by every
/// generated client whose spec declares `cancel(...)`, and by `estorno::AnyProvider`.
pub trait Cancel: Send + Sync {
    /// The provider's static description.
    fn provider(&self) -> &'static ProviderSpec;

    /// Whether `CancelRequest::partial` is accepted.
    fn supports_partial(&self) -> bool;

    /// Checks `request` against the provider's declared rules without sending anything: the
    /// payment's id, every provider field (unknown, missing or breaking its rule), a partial
    /// amount where none is declared, an idempotency key where the provider honours none.
    /// Every other method runs it first.
    fn check(&self, request: &CancelRequest) -> Result<(), CancelError> {
        check_request(self.provider(), request)
    }

    /// Cancels all or part of a payment.
    ///
    /// Looks the payment up first (unless the request carries a baseline): an already
    /// cancelled payment is answered without sending anything, and an amount beyond what
    /// remains is rejected before sending. A timeout or 5xx after the cancellation was sent
    /// comes back as [`Outcome::Ambiguous`], never as an error: call [`Cancel::reconcile`].
    fn cancel<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>>;

    /// Like [`Cancel::cancel`], with the status look-up already done: `before` is what
    /// [`Cancel::status`] answered for this request. A caller that journals its intent (the
    /// command line's bulk refunds) looks up, records the refunded baseline durably, and only
    /// then sends.
    fn cancel_from<'a>(
        &'a self,
        request: &'a CancelRequest,
        before: Cancellation,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>>;

    /// The payment's current state, read through the declared status operation. A payment
    /// the provider refuses to show (unknown id) is [`Outcome::Rejected`] with its reason.
    fn status<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>>;

    /// Resolves an ambiguous, acknowledged or pending cancellation through the status
    /// operation: the outcome says whether this cancellation's effect shows. An
    /// [`Outcome::Active`] answer means the effect is *not visible yet*; it proves that the
    /// cancellation did not land only when [`Cancellation::proven_not_landed`] is set (a
    /// provider whose spec declares such a proof). Without it, sending again may refund twice:
    /// keep the request unresolved and make a resend an explicit, recorded decision. An
    /// [`Outcome::Rejected`] answer is a declared refusal state: the cancellation is over, and a
    /// new attempt is a new request.
    fn reconcile<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>>;
}

/// How a response type reads as a cancellation. Derived with `#[derive(CancelResponse)]`.
pub trait CancelResponse: fmt::Debug + Send + Sync + 'static {
    /// The outcome the response states, if it states one.
    fn outcome(&self) -> Option<Outcome>;
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
}

/// How a typed error body explains a rejection. Derived with `#[derive(Rejection)]`.
pub trait Rejection {
    /// The provider's words.
    fn reason(&self) -> String;
}

impl Rejection for Infallible {
    fn reason(&self) -> String {
        match *self {}
    }
}

/// What one provider call told the unified API.
#[doc(hidden)]
pub struct Observed {
    outcome: Option<Outcome>,
    refunded: Option<Cents>,
    remaining: Option<Cents>,
    amount: Option<Cents>,
    reference: Option<String>,
    payment_id: Option<String>,
    raw: Arc<dyn RawResponse>,
}

/// How one provider call failed, classified for cancellation.
#[doc(hidden)]
pub enum Failure {
    /// The provider said no; nothing moved.
    Rejected(String),
    /// The call may have taken effect; nobody knows.
    Unknown(String),
    /// Nothing was sent, or the failure is not about the payment.
    Error(CancelError),
}

impl From<CancelError> for Failure {
    fn from(error: CancelError) -> Self {
        Failure::Error(error)
    }
}

impl Failure {
    fn into_error(self, provider: &'static str) -> CancelError {
        match self {
            Failure::Error(error) => error,
            Failure::Rejected(reason) | Failure::Unknown(reason) => {
                CancelError::Provider { provider, reason }
            }
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
#[doc(hidden)]
pub fn observe<T, E>(
    core: &ClientCore,
    request: &CancelRequest,
    result: Result<T, Error<E>>,
) -> Result<Observed, Failure>
where
    T: CancelResponse,
    E: Rejection,
{
    match result {
        Ok(response) => {
            let response = Arc::new(response);
            Ok(Observed {
                outcome: response.outcome(),
                refunded: response.refunded(),
                remaining: response.remaining(),
                amount: response.amount(),
                reference: response.reference(),
                payment_id: response.payment_id(),
                raw: response,
            })
        }
        Err(error) => Err(classify(core, request, error)),
    }
}

/// Sorts a call's error into "no", "unknown" and "not an outcome".
///
/// A 429 is "not processed" on any call; a 5xx, a timeout or an unreadable answer on a call
/// that cannot have moved money (the idempotent look-up, or one that never left) is
/// "unavailable". Only a provider's refusal is a rejection.
fn classify<E: Rejection>(core: &ClientCore, request: &CancelRequest, error: Error<E>) -> Failure {
    let provider = core.provider().name;
    let keep: Vec<&str> = std::iter::once(request.payment())
        .chain(request.fields().values().map(String::as_str))
        .collect();
    let redact = |text: String| core.redact(&text, &keep);
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
            Failure::Rejected(redact(body.reason()))
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

/// What a spec's `cancel(...)` declaration expands to.
#[doc(hidden)]
pub trait CancelOps: Send + Sync {
    /// The provider's description.
    fn spec(&self) -> &'static ProviderSpec;
    /// Whether a partial operation is declared.
    fn supports_partial(&self) -> bool;
    /// Cancels in full; `remaining` is what the status look-up said remains.
    fn total<'a>(
        &'a self,
        request: &'a CancelRequest,
        remaining: Option<Amount>,
    ) -> BoxFuture<'a, Result<Observed, Failure>>;
    /// Cancels `amount`.
    fn partial<'a>(
        &'a self,
        request: &'a CancelRequest,
        amount: Amount,
    ) -> BoxFuture<'a, Result<Observed, Failure>>;
    /// Reads the payment's state.
    fn status<'a>(&'a self, request: &'a CancelRequest)
    -> BoxFuture<'a, Result<Observed, Failure>>;
}

impl<T: CancelOps> Cancel for T {
    fn provider(&self) -> &'static ProviderSpec {
        self.spec()
    }

    fn supports_partial(&self) -> bool {
        CancelOps::supports_partial(self)
    }

    fn cancel<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        Box::pin(async move {
            self.check(request)?;
            let before = look_up(self, request).await?;
            run_cancel(self, request, before).await
        })
    }

    fn cancel_from<'a>(
        &'a self,
        request: &'a CancelRequest,
        before: Cancellation,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        Box::pin(async move {
            self.check(request)?;
            run_cancel(self, request, before).await
        })
    }

    fn status<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        Box::pin(async move {
            self.check(request)?;
            look_up(self, request).await
        })
    }

    fn reconcile<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        Box::pin(async move {
            self.check(request)?;
            run_reconcile(self, request).await
        })
    }
}

/// A status look-up as a cancellation: the outcome the status states, refined by amounts.
/// An answer about another payment than the one asked is flagged for review.
fn snapshot(provider: &'static str, request: &CancelRequest, observed: Observed) -> Cancellation {
    let mut cancellation = Cancellation::new(provider, request, Outcome::Ambiguous);
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
        (None, Some(_)) if refunded_some => Some(Outcome::PartiallyRefunded),
        (None, _) => None,
    }
}

/// Outcomes after which nothing is left to cancel.
fn nothing_left(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Refunded | Outcome::Voided)
}

/// The status look-up as a cancellation; a refusal to show the payment is a rejection.
async fn look_up<T: CancelOps + ?Sized>(
    ops: &T,
    request: &CancelRequest,
) -> Result<Cancellation, CancelError> {
    let slug = ops.spec().slug;
    match ops.status(request).await {
        Ok(observed) => Ok(snapshot(slug, request, observed)),
        Err(Failure::Rejected(reason)) => {
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
async fn run_cancel<T: CancelOps + ?Sized>(
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
    let requested = request.amount.map(Amount::cents).or(before.left());
    let result = match request.amount {
        Some(amount) => ops.partial(&sent, amount).await,
        None => {
            let remaining = before
                .remaining
                .and_then(|cents| Amount::try_from(cents).ok());
            ops.total(&sent, remaining).await
        }
    };
    let observed = match result {
        Ok(observed) => observed,
        Err(Failure::Rejected(reason)) => {
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
        Err(Failure::Error(error)) => return Err(error),
    };

    // From here on the provider accepted the cancellation: whatever follows, it is never
    // "not sent".
    let stated = refine(observed.outcome, observed.refunded, observed.remaining);
    let mut after = snapshot(slug, &sent, observed);
    after.requested = requested;
    if after.review.is_some() {
        return Ok(after);
    }
    let mut from_look_up = false;
    if stated.is_none() {
        // The response states no outcome (PicPay E-commerce answers a cancellation with ids
        // only): the status operation tells what happened. The cancel's own response stays
        // the raw one, with its reference.
        let reference = after.reference.take();
        let raw = after.raw.take();
        match ops.status(&sent).await {
            Ok(observed) => {
                after = snapshot(slug, &sent, observed);
                after.requested = requested;
                after.reference = reference.or(after.reference);
                after.raw = raw;
                if after.review.is_some() {
                    return Ok(after);
                }
                from_look_up = true;
            }
            Err(failure) => {
                after.outcome = Outcome::Acknowledged;
                after.reason = Some(format!(
                    "accepted; the status look-up that followed failed: {}",
                    failure_text(failure)
                ));
                after.reference = reference;
                after.raw = raw;
                return Ok(after);
            }
        }
    }
    // Accepted, but the payment reads as before: the provider applies it later.
    let unchanged = after.outcome == Outcome::Active
        || (from_look_up
            && Some(after.outcome) == sent.baseline_outcome
            && !nothing_left(after.outcome)
            && after.refunded == before.refunded);
    if unchanged {
        after.outcome = Outcome::Acknowledged;
        after.reason = Some("accepted; the provider does not show it yet".into());
        return Ok(after);
    }
    check_amount(&mut after, &before, request.amount.map(Amount::cents));
    Ok(after)
}

fn failure_text(failure: Failure) -> String {
    match failure {
        Failure::Rejected(reason) | Failure::Unknown(reason) => reason,
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

async fn run_reconcile<T: CancelOps + ?Sized>(
    ops: &T,
    request: &CancelRequest,
) -> Result<Cancellation, CancelError> {
    let mut now = look_up(ops, request).await?;
    now.requested = request.amount.map(Amount::cents);
    // No declared proof exists yet for any look-up (`ResendProof::Unproven`): an unchanged
    // payment is "not visible yet", never "did not land".
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
