//! `estorno cancel PROVIDER PAYMENT` and `estorno status PROVIDER PAYMENT`: one payment, with
//! human output by default and `--json` for scripts.
//!
//! Exit codes: 0 when the payment is refunded, partially refunded or voided (or already was),
//! and for `status` whenever the look-up answered; 1 when the provider refused, or the call
//! failed for good without sending anything; 2 for invalid input (nothing sent); 3 when the
//! cancellation is in doubt — sent with no answer, accepted but not visible yet, under way at
//! the provider, or for a person to look at; 4 when nothing was sent and trying later may
//! work (throttled, unavailable, unreachable).
//!
//! A cancellation `cancel` sent whose effect is not known yet is remembered ([`memory`]): the
//! same command run again looks it up — a bounded number of times, saying how many — and
//! never sends it twice; `status` follows it too.

pub mod memory;

use std::fmt::Write as _;
use std::time::SystemTime;

use estorno::{
    Amount, AnyProvider, Cancel, CancelError, CancelRequest, Cancellation, Cents, Outcome, Precheck,
};
use serde::Serialize;

use crate::backend::Backend;
use crate::bulk::outcome_name;
use crate::bulk::resolution::{sent_request, unix_ms};
use crate::exit;
use crate::follow::{self, Followed, Policy};
use crate::journal::{Intent, Item, Resolution, State};
use crate::rows;
use memory::Memory;

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
    /// A cancellation sent earlier that is still in doubt, when there is one.
    sent_earlier: Option<SentEarlier>,
    backend: String,
}

/// What `status` and `cancel` tell about a cancellation sent by an earlier `cancel`.
#[derive(Debug, Clone, Serialize)]
struct SentEarlier {
    /// `acknowledged` or `unresolved`.
    state: &'static str,
    /// Look-ups made to follow it, over every run.
    lookups: u64,
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
    /// Something on this machine failed (the state directory, its journal): nothing sent.
    fn failed(message: String) -> Self {
        Failure {
            kind: "local",
            field: None,
            message,
            code: exit::FAILED,
        }
    }

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
        sent_earlier: None,
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
    if let Some(earlier) = &shown.sent_earlier {
        let _ = writeln!(
            out,
            "  {:<10} a cancellation sent earlier is {} ({} look-ups so far); it is never sent again",
            "earlier", earlier.state, earlier.lookups
        );
    }
    print!("{out}");
}

/// `estorno cancel`: cancels (looking the payment up first), follows a cancellation whose
/// effect is not visible yet with a few look-ups, prints the result; returns the exit code.
/// Nothing is ever sent twice: a cancellation in doubt is remembered, reported as such, and
/// looked up again by the next run instead of being sent.
pub async fn cancel(backend: &Backend, target: &Target, json: bool) -> u8 {
    let (provider, request) = match prepare(backend, target) {
        Ok(prepared) => prepared,
        Err(failure) => return failure.print(json),
    };
    let mut memory = match Memory::open(backend.plan(), &target.provider, &target.payment) {
        Ok(memory) => memory,
        Err(reason) => return Failure::failed(reason).print(json),
    };
    let earlier = match memory.as_ref().map(Memory::in_doubt).transpose() {
        Ok(earlier) => earlier.flatten(),
        Err(error) => return Failure::failed(error.to_string()).print(json),
    };
    if let Some(item) = earlier
        && let Some(memory) = memory.take()
    {
        return follow_earlier(backend, target, &provider, memory, item, json).await;
    }

    let before = match provider.before_sending(&request).await {
        Ok(before) => before,
        Err(error) => return Failure::from_cancel(error).print(json),
    };
    let sends = before.precheck(request.amount().map(Amount::cents)) == Precheck::Send;
    let item = Item {
        provider: target.provider.clone(),
        payment: target.payment.clone(),
        amount: request.amount().map(|amount| amount.cents().get()),
        fields: request.fields().clone(),
        ..Item::default()
    };
    let baseline = before.refunded.map_or(0, Cents::get);
    let mut sent = request.clone();
    if sends {
        sent = sent
            .with_baseline_refunded(Cents::new(baseline))
            .with_baseline_outcome(before.outcome);
        // The key is remembered before the request leaves, so a later run can resend it.
        let key = provider.new_idempotency_key();
        if let Some(key) = &key {
            sent = sent.with_idempotency_key(key);
        }
        if let Some(memory) = memory.as_mut() {
            let intent = Intent {
                baseline_refunded: baseline,
                baseline_outcome: before.outcome.name(),
                requested: request.amount().map(|amount| amount.cents().get()),
                reference: before.reference.clone(),
                sent_at_ms: unix_ms(SystemTime::now()),
                idempotency_key: key.clone(),
            };
            if let Err(error) = memory.record_intent(&item, &intent) {
                return Failure::failed(error.to_string()).print(json);
            }
        }
    }
    let answered = match provider.cancel_from(&sent, before).await {
        Ok(answered) => answered,
        Err(error) => {
            // Refused before sending, or nothing processed: nothing to remember.
            if let Some(memory) = memory {
                memory.forget();
            }
            return Failure::from_cancel(error).print(json);
        }
    };
    let (now, outcome, code, lookups) = if answered.review.is_some() {
        (answered, "review", exit::UNRESOLVED, 0)
    } else if answered.already_done && answered.outcome == Outcome::Pending {
        // Nothing was sent: the provider is already completing a cancellation, or the payment
        // is not settled yet. Only time (and `estorno status`) tells how it ends.
        (answered, "pending", exit::UNRESOLVED, 0)
    } else if answered.needs_reconcile() {
        eprintln!(
            "estorno: the cancellation is {} ({}); looking it up",
            answered.outcome,
            answered.reason.as_deref().unwrap_or("no answer")
        );
        let state = if answered.outcome == Outcome::Ambiguous {
            State::Unresolved
        } else {
            State::Acknowledged
        };
        let (settled, lookups) = settle(&provider, answered, state).await;
        eprintln!("estorno: {lookups} look-up(s) made");
        let (now, outcome, code) = settled;
        (now, outcome, code, lookups)
    } else {
        let code = match answered.outcome {
            Outcome::Refunded | Outcome::PartiallyRefunded | Outcome::Voided => exit::OK,
            _ => exit::FAILED,
        };
        let name = outcome_name(answered.outcome);
        (answered, name, code, 0)
    };
    if let Some(mut memory) = memory {
        let in_doubt = match outcome {
            "acknowledged" => Some(State::Acknowledged),
            "unresolved" => Some(State::Unresolved),
            _ => None,
        };
        match in_doubt {
            Some(state) => {
                let resolution = Resolution {
                    state,
                    outcome: Some(outcome.to_owned()),
                    reason: now.reason.clone(),
                    lookups,
                    ..Resolution::default()
                };
                if let Err(error) = memory.resolve(&resolution) {
                    eprintln!("estorno: {error}");
                }
            }
            None => memory.forget(),
        }
    }
    print(&shown(backend, target, &now, outcome), json);
    code
}

/// What a follow leaves: the cancellation settled, or still in doubt.
enum Settled {
    /// The outcome, its name and the exit code.
    Final(Cancellation, &'static str, u8),
    /// The last look-up, if any answered, and why it is still in doubt.
    InDoubt(Option<Cancellation>, String),
}

fn settled(followed: Followed) -> Settled {
    let (now, name, code) = match followed {
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
        Followed::InDoubt(now, why) => return Settled::InDoubt(now, why),
    };
    Settled::Final(now, name, code)
}

/// The outcome name of a cancellation still in doubt.
fn in_doubt_name(state: State) -> &'static str {
    if state == State::Unresolved {
        "unresolved"
    } else {
        "acknowledged"
    }
}

/// Follows a cancellation that was sent and whose effect is unknown: the outcome, its name
/// and exit code, and how many look-ups were made.
async fn settle(
    provider: &AnyProvider,
    answered: Cancellation,
    state: State,
) -> ((Cancellation, &'static str, u8), u64) {
    let requested = answered.requested.map(Cents::get);
    let (followed, lookups) = follow::follow(
        provider,
        answered.request(),
        requested,
        Policy::DEFAULT,
        None,
    )
    .await;
    let outcome = match settled(followed) {
        Settled::Final(now, name, code) => (now, name, code),
        Settled::InDoubt(_, why) => {
            let mut now = answered;
            now.reason = Some(format!(
                "{why}; never sent again: rerun `estorno cancel` or `estorno status` to look again"
            ));
            (now, in_doubt_name(state), exit::UNRESOLVED)
        }
    };
    (outcome, lookups)
}

/// `estorno cancel` on a payment whose earlier cancellation is still in doubt: looks it up
/// instead of sending anything.
async fn follow_earlier(
    backend: &Backend,
    target: &Target,
    provider: &AnyProvider,
    mut memory: Memory,
    item: Item,
    json: bool,
) -> u8 {
    eprintln!(
        "estorno: a cancellation of this payment sent earlier is {}; looking it up instead of \
         sending another",
        item.state
    );
    let request = match sent_request(&item) {
        Ok(request) => request,
        Err(reason) => return Failure::failed(reason).print(json),
    };
    let (followed, lookups) =
        follow::follow(provider, &request, item.requested, Policy::DEFAULT, None).await;
    let total = item.lookups + lookups;
    eprintln!("estorno: {lookups} look-up(s) made, {total} for this cancellation so far");
    let (now, outcome, code) = match settled(followed) {
        Settled::Final(now, name, code) => (now, name, code),
        Settled::InDoubt(now, why) => {
            let resolution = Resolution {
                state: item.state,
                outcome: item.outcome.clone(),
                reason: Some(why.clone()),
                lookups,
                ..Resolution::default()
            };
            if let Err(error) = memory.resolve(&resolution) {
                return Failure::failed(error.to_string()).print(json);
            }
            let name = in_doubt_name(item.state);
            let mut shown_now = match now {
                Some(now) => shown(backend, target, &now, name),
                None => Shown {
                    provider: target.provider.clone(),
                    payment: target.payment.clone(),
                    outcome: name,
                    already_done: false,
                    requested: item.requested,
                    refunded: None,
                    remaining: None,
                    reference: item.reference.clone(),
                    reason: None,
                    review: None,
                    sent_earlier: None,
                    backend: backend.plan().describe(),
                },
            };
            shown_now.outcome = name;
            shown_now.reason = Some(format!("{why}; not sent again"));
            shown_now.sent_earlier = Some(SentEarlier {
                state: item.state.as_str(),
                lookups: total,
            });
            print(&shown_now, json);
            return exit::UNRESOLVED;
        }
    };
    memory.forget();
    print(&shown(backend, target, &now, outcome), json);
    code
}

/// `estorno status`: looks the payment up; returns the exit code. A cancellation an earlier
/// `estorno cancel` sent and that is still in doubt is followed too: settled, it is forgotten;
/// still in doubt, the output says so (with the look-ups made so far) and the exit code is 3.
pub async fn status(backend: &Backend, target: &Target, json: bool) -> u8 {
    let (provider, request) = match prepare(backend, target) {
        Ok(prepared) => prepared,
        Err(failure) => return failure.print(json),
    };
    let now = match provider.status(&request).await {
        Ok(now) => now,
        Err(error) => return Failure::from_cancel(error).print(json),
    };
    let (name, mut code) = match now.outcome {
        _ if now.review.is_some() => ("review", exit::UNRESOLVED),
        Outcome::Rejected => ("rejected", exit::FAILED),
        Outcome::Ambiguous => ("ambiguous", exit::UNRESOLVED),
        outcome => (outcome_name(outcome), exit::OK),
    };
    let mut shown_now = shown(backend, target, &now, name);
    match Memory::open(backend.plan(), &target.provider, &target.payment) {
        Ok(Some(mut memory)) => {
            if let Ok(Some(item)) = memory.in_doubt()
                && let Ok(sent) = sent_request(&item)
            {
                let one_look = Policy {
                    attempts: 1,
                    ..Policy::DEFAULT
                };
                let (followed, lookups) =
                    follow::follow(&provider, &sent, item.requested, one_look, None).await;
                match followed {
                    Followed::InDoubt(_, why) => {
                        let resolution = Resolution {
                            state: item.state,
                            outcome: item.outcome.clone(),
                            reason: Some(why),
                            lookups,
                            ..Resolution::default()
                        };
                        if let Err(error) = memory.resolve(&resolution) {
                            eprintln!("estorno: {error}");
                        }
                        shown_now.sent_earlier = Some(SentEarlier {
                            state: item.state.as_str(),
                            lookups: item.lookups + lookups,
                        });
                        code = exit::UNRESOLVED;
                    }
                    // Settled one way or the other: nothing is in doubt any more.
                    _ => memory.forget(),
                }
            }
        }
        Ok(None) => {}
        Err(reason) => eprintln!("estorno: {reason}"),
    }
    print(&shown_now, json);
    code
}
