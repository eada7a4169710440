//! The unified cancellation API: one call cancels at any provider, with a normalised outcome.
//!
//! A spec declares which operation cancels in full, which in part and which tells the state
//! (`cancel(...)` in `#[estorno::provider]`), and how its response and error types read as a
//! cancellation (`#[derive(CancelResponse)]`, `#[derive(Rejection)]`). The macro turns that
//! into [`__private::CancelOps`]; everything else — the look-up before sending, the checks,
//! the classification of failures, reconciliation — is written once, here.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::money::{Amount, Cents};
use crate::outcome::Outcome;
use crate::spec::{ProviderSpec, WindowSpec};
use crate::wire::DateParts;

mod check;
mod fields;
mod flow;
mod observe;

pub use check::check_request;
pub use fields::{
    AmountField, DateField, Elements, MethodField, ReasonField, ReferenceField, StatusField,
};
pub use observe::{
    CancelResponse, Failure, Observed, Rejection, no_look_up, observe, partial_unsupported,
    remaining_unknown,
};

use flow::{before_sending, look_up, nothing_left, run_cancel, run_reconcile};

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

    /// Carries the idempotency key of this cancellation, to be reused on every resend of the
    /// same logical request: a caller that persists its requests takes one from
    /// [`Cancel::new_idempotency_key`] and stores it before the first send, as the command
    /// line's journal does. Without one, [`Cancel::cancel`] generates a key itself, and the
    /// result carries it ([`Cancellation::idempotency_key`]).
    ///
    /// Accepted only by a provider whose spec declares a key on its cancellations, and only
    /// in the form the spec's rule allows (Efí's devolução id takes letters and digits, so a
    /// hyphenated UUID is refused there); elsewhere [`Cancel::check`] refuses it rather than
    /// pretend it protects anything.
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

    /// The idempotency key a keyed call sends; the unified API fills it in before sending.
    #[doc(hidden)]
    pub fn require_key(&self) -> Result<&str, CancelError> {
        self.idempotency_key()
            .ok_or_else(|| CancelError::InvalidRequest {
                field: "idempotency_key".to_owned(),
                reason: "this provider's cancellation needs an idempotency key".to_owned(),
            })
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
    /// The payment method's code, when the look-up states it (it picks the acquirer's
    /// cancellation window).
    pub method: Option<u64>,
    /// The date the cancellation window counts from, when the look-up states it.
    pub dated: Option<DateParts>,
    /// The provider's own status value, as it wrote it (`"approved"`, `"13"`), when the
    /// answer states one.
    pub status: Option<String>,
    /// The provider's declared cancellation windows.
    windows: &'static [WindowSpec],
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
        if let Some(reason) = self.outside_window(today()) {
            return Precheck::Refuse(reason);
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

    /// Why the payment is surely past its acquirer's cancellation window on day `today` (days
    /// since 1970-01-01), if it is. A day of slack covers time zones: only a payment more than
    /// a day past the limit is refused.
    fn outside_window(&self, today: i64) -> Option<String> {
        let (method, dated) = (self.method?, self.dated?);
        let window = self
            .windows
            .iter()
            .find(|window| (window.methods.0..=window.methods.1).contains(&method))?;
        let elapsed = today - days_from_civil(dated);
        let limit = match window.days {
            1 => String::from("1 day"),
            days => format!("{days} days"),
        };
        (elapsed > i64::from(window.days) + 1).then(|| {
            format!(
                "{} accepts cancellations for {limit}; this payment dates from {:04}-{:02}-{:02}, {elapsed} days ago; nothing was sent",
                window.acquirer, dated.year, dated.month, dated.day
            )
        })
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

    /// The idempotency key the cancellation was sent with, when the provider takes one:
    /// send it again only with this key.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.request.idempotency_key()
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
            method: None,
            dated: None,
            status: None,
            windows: &[],
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

    /// A new idempotency key for one logical cancellation, in the form the provider's spec
    /// declares, or `None` when its cancellations carry no key. A caller that persists its
    /// requests stores it before the first send and reuses it on every resend.
    fn new_idempotency_key(&self) -> Option<String> {
        let spec = self.provider();
        let key = spec.cancel.as_ref()?.key_spec(spec)?;
        Some(key.format.generate())
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
    /// A provider that documents no look-up of a payment (`SPEC.cancel.looks_up` false)
    /// answers [`CancelError::Provider`] saying so.
    fn status<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>>;

    /// What [`Cancel::cancel_from`] starts from: [`Cancel::status`], or, for a provider that
    /// documents no look-up of a payment, a state that says nothing (active, no amounts,
    /// its reason saying why) so that the provider's answer alone decides.
    fn before_sending<'a>(
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

/// What a spec's `cancel(...)` declaration expands to.
#[doc(hidden)]
pub trait CancelOps: Send + Sync {
    /// The provider's description.
    fn spec(&self) -> &'static ProviderSpec;
    /// Whether a partial operation is declared.
    fn supports_partial(&self) -> bool;
    /// Cancels in full; `remaining` is what the status look-up said remains, `status` the
    /// provider's own status value it stated (which may pick the operation).
    fn total<'a>(
        &'a self,
        request: &'a CancelRequest,
        remaining: Option<Amount>,
        status: Option<&'a str>,
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
    /// Reads the cancellation itself by the request's idempotency key (`reconcile = op(...)`
    /// in `cancel(...)`), where the spec declares such a look-up and the request carries a
    /// key: `None` otherwise.
    fn keyed_status<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> Option<BoxFuture<'a, Result<Observed, Failure>>> {
        let _ = request;
        None
    }
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
            let before = before_sending(self, request).await?;
            run_cancel(self, request, before).await
        })
    }

    fn before_sending<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        Box::pin(async move {
            self.check(request)?;
            before_sending(self, request).await
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

/// Today, in days since 1970-01-01 (UTC).
fn today() -> i64 {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    i64::try_from(seconds / 86_400).unwrap_or(i64::MAX)
}

/// Days since 1970-01-01 of a calendar date (proleptic Gregorian; H. Hinnant's algorithm).
fn days_from_civil(date: DateParts) -> i64 {
    let (month, day) = (i64::from(date.month), i64::from(date.day));
    let year = i64::from(date.year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> DateParts {
        DateParts {
            year,
            month,
            day,
            time: None,
            offset_minutes: None,
        }
    }

    #[test]
    fn calendar_days_count_from_the_epoch() {
        assert_eq!(days_from_civil(date(1970, 1, 1)), 0);
        assert_eq!(days_from_civil(date(2000, 3, 1)), 11_017);
        assert_eq!(
            days_from_civil(date(2024, 2, 29)) + 1,
            days_from_civil(date(2024, 3, 1))
        );
    }

    #[test]
    fn only_a_payment_surely_past_its_window_is_refused() {
        const RULES: &[WindowSpec] = &[WindowSpec {
            acquirer: "Rede",
            methods: (184, 199),
            days: 1,
        }];
        let request = CancelRequest::total("1");
        let mut looked_up = Cancellation::new("yapay", &request, Outcome::Active);
        looked_up.windows = RULES;
        looked_up.method = Some(190);
        looked_up.dated = Some(date(2026, 11, 27));
        let day = days_from_civil(date(2026, 11, 27));
        assert_eq!(looked_up.outside_window(day + 2), None, "a day of slack");
        assert_eq!(
            looked_up.outside_window(day + 3).as_deref(),
            Some(
                "Rede accepts cancellations for 1 day; this payment dates from 2026-11-27, 3 days ago; nothing was sent"
            )
        );
        // Another acquirer's code, or no date: no window applies.
        looked_up.method = Some(170);
        assert_eq!(looked_up.outside_window(day + 30), None);
        looked_up.method = Some(190);
        looked_up.dated = None;
        assert_eq!(looked_up.outside_window(day + 30), None);
    }
}
