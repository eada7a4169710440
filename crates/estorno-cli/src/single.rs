//! `estorno cancel PROVIDER PAYMENT` and `estorno status PROVIDER PAYMENT`: one payment, with
//! human output by default and `--json` for scripts.
//!
//! Exit codes: 0 when the payment is refunded, partially refunded or voided (or already was),
//! and for `status` whenever the look-up answered; 1 when the provider refused, or the call
//! failed for good without sending anything; 2 for invalid input (nothing sent); 3 when the
//! cancellation is in doubt — sent with no answer, accepted but not visible yet, under way at
//! the provider, or for a person to look at; 4 when nothing was sent and trying later may
//! work (throttled, unavailable, unreachable).

use std::fmt::Write as _;

use estorno::{AnyProvider, Cancel, CancelError, CancelRequest, Cancellation, Cents, Outcome};
use serde::Serialize;

use crate::backend::Backend;
use crate::bulk::outcome_name;
use crate::exit;
use crate::follow::{self, Followed, Policy};
use crate::rows;

/// What one command is about.
#[derive(Debug, Clone)]
pub struct Target {
    pub provider: String,
    pub payment: String,
    /// The `--amount` text, checked here like a bulk file's column.
    pub amount: Option<String>,
    /// `--field NAME=VALUE`, as given.
    pub fields: Vec<String>,
}

/// What the command prints, in either form. Never a credential: ids, amounts, outcomes and
/// the provider's words.
#[derive(Debug, Serialize)]
struct Shown {
    provider: String,
    payment: String,
    outcome: &'static str,
    already_done: bool,
    requested: Option<u64>,
    refunded: Option<u64>,
    remaining: Option<u64>,
    reference: Option<String>,
    reason: Option<String>,
    review: Option<String>,
    backend: String,
}

#[derive(Debug, Serialize)]
struct ShownError {
    error: ErrorBody,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    kind: &'static str,
    field: Option<String>,
    message: String,
}

/// An error before or instead of an outcome, printed and turned into an exit code.
struct Failure {
    kind: &'static str,
    field: Option<String>,
    message: String,
    code: u8,
}

impl Failure {
    fn invalid(field: Option<&str>, message: String) -> Self {
        Failure {
            kind: "invalid_request",
            field: field.map(str::to_owned),
            message,
            code: exit::INVALID,
        }
    }

    fn from_cancel(error: CancelError) -> Self {
        let message = error.to_string();
        let kind = match &error {
            CancelError::InvalidRequest { field, .. } => {
                return Failure::invalid(Some(field), message);
            }
            CancelError::PartialNotSupported { .. } => {
                return Failure::invalid(Some(rows::AMOUNT), message);
            }
            CancelError::Throttled { .. } => "throttled",
            CancelError::Unavailable { .. } => "unavailable",
            CancelError::Unreachable { .. } => "unreachable",
            CancelError::Auth { .. } => "auth",
            _ => "provider",
        };
        let code = if error.is_transient() {
            exit::TRY_LATER
        } else {
            exit::FAILED
        };
        Failure {
            kind,
            field: None,
            message,
            code,
        }
    }

    fn print(&self, json: bool) -> u8 {
        if json {
            let body = ShownError {
                error: ErrorBody {
                    kind: self.kind,
                    field: self.field.clone(),
                    message: self.message.clone(),
                },
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&body).unwrap_or_default()
            );
        }
        eprintln!("estorno: {}", self.message);
        self.code
    }
}

/// The request and the client for a target, checked against the provider's declared rules
/// before anything is sent: ids and values are taken exactly as given (never trimmed), only
/// the provider's own fields are accepted, each once.
fn prepare(backend: &Backend, target: &Target) -> Result<(AnyProvider, CancelRequest), Failure> {
    let provider = backend
        .provider(&target.provider)
        .map_err(|error| Failure::invalid(Some(rows::PROVIDER), error.to_string()))?;
    let amount = match &target.amount {
        None => None,
        Some(text) => match rows::parse_amount(text) {
            Ok(amount) => amount,
            Err(reason) => {
                return Err(Failure::invalid(
                    Some(rows::AMOUNT),
                    format!("--amount {reason}"),
                ));
            }
        },
    };
    let mut request = match amount {
        None => CancelRequest::total(target.payment.as_str()),
        Some(cents) => {
            let amount = estorno::Amount::from_cents(cents)
                .map_err(|error| Failure::invalid(Some(rows::AMOUNT), error.to_string()))?;
            CancelRequest::partial(target.payment.as_str(), amount)
        }
    };
    for field in &target.fields {
        let Some((name, value)) = field.split_once('=').filter(|(name, _)| !name.is_empty()) else {
            return Err(Failure::invalid(
                Some("field"),
                format!("--field `{field}`: expected NAME=VALUE, e.g. --field marketplace_id=abc"),
            ));
        };
        if request.get(name).is_some() {
            return Err(Failure::invalid(
                Some(name),
                format!("--field `{name}` is given twice; give each field once"),
            ));
        }
        request = request.field(name, value);
    }
    provider.check(&request).map_err(|error| match error {
        CancelError::PartialNotSupported { .. } => Failure::invalid(
            Some(rows::AMOUNT),
            format!(
                "{} cannot cancel part of a payment: leave --amount out to cancel in full",
                provider.spec().name
            ),
        ),
        other => Failure::from_cancel(other),
    })?;
    Ok((provider, request))
}

fn shown(backend: &Backend, target: &Target, now: &Cancellation, outcome: &'static str) -> Shown {
    Shown {
        provider: target.provider.clone(),
        payment: target.payment.clone(),
        outcome,
        already_done: now.already_done,
        requested: now.requested.map(Cents::get),
        refunded: now.refunded.map(Cents::get),
        remaining: now.remaining.map(Cents::get),
        reference: now.reference.clone(),
        reason: now.reason.clone(),
        review: now.review.clone(),
        backend: backend.plan().describe(),
    }
}

fn print(shown: &Shown, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(shown).unwrap_or_default()
        );
        return;
    }
    let mut out = String::new();
    let headline = if shown.already_done {
        format!(
            "already {} (nothing was sent)",
            shown.outcome.replace('_', " ")
        )
    } else {
        shown.outcome.replace('_', " ")
    };
    let _ = writeln!(out, "{} {}: {headline}", shown.provider, shown.payment);
    let money = |label: &str, cents: Option<u64>, out: &mut String| {
        if let Some(cents) = cents {
            let _ = writeln!(out, "  {label:<10} {}", Cents::new(cents));
        }
    };
    money("requested", shown.requested, &mut out);
    money("refunded", shown.refunded, &mut out);
    money("remaining", shown.remaining, &mut out);
    for (label, text) in [
        ("reference", &shown.reference),
        ("reason", &shown.reason),
        ("review", &shown.review),
    ] {
        if let Some(text) = text {
            let _ = writeln!(out, "  {label:<10} {text}");
        }
    }
    print!("{out}");
}

/// `estorno cancel`: cancels (looking the payment up first), follows a cancellation whose
/// effect is not visible yet with a few look-ups, prints the result; returns the exit code.
/// Nothing is ever sent twice: a cancellation in doubt is reported as such.
pub async fn cancel(backend: &Backend, target: &Target, json: bool) -> u8 {
    let (provider, request) = match prepare(backend, target) {
        Ok(prepared) => prepared,
        Err(failure) => return failure.print(json),
    };
    let answered = match provider.cancel(&request).await {
        Ok(answered) => answered,
        Err(error) => return Failure::from_cancel(error).print(json),
    };
    let (now, outcome, code) = if answered.review.is_some() {
        (answered, "review", exit::UNRESOLVED)
    } else if answered.already_done && answered.outcome == Outcome::Pending {
        // Nothing was sent: the provider is already completing a cancellation, or the payment
        // is not settled yet. Only time (and `estorno status`) tells how it ends.
        (answered, "pending", exit::UNRESOLVED)
    } else if answered.needs_reconcile() {
        eprintln!(
            "estorno: the cancellation is {} ({}); looking it up",
            answered.outcome,
            answered.reason.as_deref().unwrap_or("no answer")
        );
        let requested = answered.requested.map(Cents::get);
        let (followed, lookups) = follow::follow(
            &provider,
            answered.request(),
            requested,
            Policy::DEFAULT,
            None,
        )
        .await;
        eprintln!("estorno: {lookups} look-up(s) made");
        match followed {
            Followed::Done(now) => {
                let name = outcome_name(now.outcome);
                (now, name, exit::OK)
            }
            Followed::Refused(mut now, why) => {
                now.reason = Some(why);
                (now, "rejected", exit::FAILED)
            }
            Followed::NotLanded(now) => (now, "not_landed", exit::FAILED),
            Followed::Review(mut now, why) => {
                now.review = Some(why);
                (now, "review", exit::UNRESOLVED)
            }
            Followed::InDoubt(_, why) => {
                let name = if answered.outcome == Outcome::Ambiguous {
                    "unresolved"
                } else {
                    "acknowledged"
                };
                let mut now = answered;
                now.reason = Some(format!(
                    "{why}; never sent again: look it up later with `estorno status`"
                ));
                (now, name, exit::UNRESOLVED)
            }
        }
    } else {
        let code = match answered.outcome {
            Outcome::Refunded | Outcome::PartiallyRefunded | Outcome::Voided => exit::OK,
            _ => exit::FAILED,
        };
        let name = outcome_name(answered.outcome);
        (answered, name, code)
    };
    print(&shown(backend, target, &now, outcome), json);
    code
}

/// `estorno status`: looks the payment up; returns the exit code.
pub async fn status(backend: &Backend, target: &Target, json: bool) -> u8 {
    let (provider, request) = match prepare(backend, target) {
        Ok(prepared) => prepared,
        Err(failure) => return failure.print(json),
    };
    let now = match provider.status(&request).await {
        Ok(now) => now,
        Err(error) => return Failure::from_cancel(error).print(json),
    };
    let (name, code) = match now.outcome {
        _ if now.review.is_some() => ("review", exit::UNRESOLVED),
        Outcome::Rejected => ("rejected", exit::FAILED),
        Outcome::Ambiguous => ("ambiguous", exit::UNRESOLVED),
        outcome => (outcome_name(outcome), exit::OK),
    };
    print(&shown(backend, target, &now, name), json);
    code
}
