//! Fault injection: rules that make chosen requests slow, fail, drop the connection, or apply
//! their effect and then never answer, plus a seeded random plan for chaos tests.
//!
//! [`FaultKind::ApplyThenTimeout`] is the one a refund client must survive: the money moved,
//! the client saw only a timeout, and it must not refund again. The two delayed kinds are
//! harder still: the provider accepts a cancellation (or leaves the client to time out) and
//! applies it only later, as card networks and Pix do, so a look-up right after shows nothing
//! and only a client that never resends without proof refunds once.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Matches any provider or any operation in a [`Fault`].
pub const ANY: &str = "*";

/// What happens to a request a fault matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "KindWire", into = "KindWire")]
pub enum FaultKind {
    /// Wait this long, then handle the request normally (the effect is applied even if the
    /// client gives up meanwhile, as a slow server would).
    Latency(Duration),
    /// Answer with this status (200–599) and no effect: HTTP 500 gets the provider's own
    /// documented internal-error body, any other status a load balancer's HTML page (429 and 503
    /// with `Retry-After: 1`). A status outside 200–599 is answered as 500.
    Status(u16),
    /// Close the connection (TCP reset) without an answer and without an effect.
    Reset,
    /// Apply the effect and record it, then never answer: the connection is held open for
    /// [`HOLD`] or until the client disconnects, whichever comes first.
    ApplyThenTimeout,
    /// Answer as the provider would once the request is applied, but apply the effect (and
    /// record it) only this long after: a provider that queues accepted cancellations, whose
    /// look-ups lag behind its answers.
    AcceptThenApplyLater(Duration),
    /// Never answer (as [`FaultKind::ApplyThenTimeout`]), and apply the effect only this long
    /// after the request arrived: a queued request that lands after the client gave up on it.
    TimeoutThenApplyLater(Duration),
    /// Handle the request as usual, but answer with what a status look-up of *another*
    /// payment of the same provider answers: a mixed-up or cached answer, which a client must
    /// never read as news about the payment it asked about.
    AnswerAnotherPayment,
    /// Answer 400, without an effect, with a body that echoes the request: its method, path,
    /// every header (credentials included) and its body, as some gateways' error pages do. A
    /// client must pass none of it on.
    EchoRequest,
}

/// How long [`FaultKind::ApplyThenTimeout`] holds a connection: longer than any sane client
/// timeout, short enough that a forgotten test does not hang for ever.
pub const HOLD: Duration = Duration::from_secs(30);

/// The JSON form of a fault kind, as the control API takes it:
/// `{"kind":"latency","latency_ms":250}`, `{"kind":"status","status":503}`, `{"kind":"reset"}`,
/// `{"kind":"apply_then_timeout"}`, `{"kind":"accept_then_apply_later","delay_ms":5000}`,
/// `{"kind":"timeout_then_apply_later","delay_ms":5000}`, `{"kind":"answer_another_payment"}`,
/// `{"kind":"echo_request"}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum KindWire {
    Latency { latency_ms: u64 },
    Status { status: u16 },
    Reset,
    ApplyThenTimeout,
    AcceptThenApplyLater { delay_ms: u64 },
    TimeoutThenApplyLater { delay_ms: u64 },
    AnswerAnotherPayment,
    EchoRequest,
}

fn millis(delay: Duration) -> u64 {
    u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)
}

impl TryFrom<KindWire> for FaultKind {
    type Error = String;

    fn try_from(wire: KindWire) -> Result<Self, Self::Error> {
        Ok(match wire {
            KindWire::Latency { latency_ms } => {
                FaultKind::Latency(Duration::from_millis(latency_ms))
            }
            KindWire::Status { status } if (100..=599).contains(&status) => {
                FaultKind::Status(status)
            }
            KindWire::Status { status } => {
                return Err(format!("status {status} is not an HTTP status"));
            }
            KindWire::Reset => FaultKind::Reset,
            KindWire::ApplyThenTimeout => FaultKind::ApplyThenTimeout,
            KindWire::AcceptThenApplyLater { delay_ms } => {
                FaultKind::AcceptThenApplyLater(Duration::from_millis(delay_ms))
            }
            KindWire::TimeoutThenApplyLater { delay_ms } => {
                FaultKind::TimeoutThenApplyLater(Duration::from_millis(delay_ms))
            }
            KindWire::AnswerAnotherPayment => FaultKind::AnswerAnotherPayment,
            KindWire::EchoRequest => FaultKind::EchoRequest,
        })
    }
}

impl From<FaultKind> for KindWire {
    fn from(kind: FaultKind) -> Self {
        match kind {
            FaultKind::Latency(delay) => KindWire::Latency {
                latency_ms: millis(delay),
            },
            FaultKind::Status(status) => KindWire::Status { status },
            FaultKind::Reset => KindWire::Reset,
            FaultKind::ApplyThenTimeout => KindWire::ApplyThenTimeout,
            FaultKind::AcceptThenApplyLater(delay) => KindWire::AcceptThenApplyLater {
                delay_ms: millis(delay),
            },
            FaultKind::TimeoutThenApplyLater(delay) => KindWire::TimeoutThenApplyLater {
                delay_ms: millis(delay),
            },
            FaultKind::AnswerAnotherPayment => KindWire::AnswerAnotherPayment,
            FaultKind::EchoRequest => KindWire::EchoRequest,
        }
    }
}

/// A rule: which requests (provider slug, operation, optionally one payment) and what happens.
///
/// Operations are `cancel`, `refund`, `void`, `status` (alias `query`) and `token`; [`ANY`]
/// matches every provider or operation. In JSON (control API):
/// `{"provider":"zoop","operation":"void","payment":"demo-txn-0001","times":1,"kind":"reset"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FaultWire", into = "FaultWire")]
pub struct Fault {
    pub provider: String,
    pub operation: String,
    /// Only this payment (the id as it appears in the path), or every payment.
    pub payment: Option<String>,
    /// Apply to this many matching requests, then retire; `None` means every matching request.
    pub times: Option<u32>,
    pub kind: FaultKind,
}

impl Fault {
    /// A rule for every request to `operation` at `provider` (either may be [`ANY`]).
    pub fn new(provider: impl Into<String>, operation: impl Into<String>, kind: FaultKind) -> Self {
        Fault {
            provider: provider.into(),
            operation: canonical_operation(operation.into()),
            payment: None,
            times: None,
            kind,
        }
    }

    /// Restricts the rule to one payment.
    #[must_use]
    pub fn payment(mut self, payment: impl Into<String>) -> Self {
        self.payment = Some(payment.into());
        self
    }

    /// Retires the rule after `times` matching requests.
    #[must_use]
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    fn matches(&self, provider: &str, operation: &str, payment: Option<&str>) -> bool {
        (self.provider == ANY || self.provider == provider)
            && (self.operation == ANY || self.operation == operation)
            && self
                .payment
                .as_deref()
                .is_none_or(|wanted| Some(wanted) == payment)
    }
}

/// "query" reads more naturally for some providers; both name the status operation.
fn canonical_operation(operation: String) -> String {
    if operation == "query" {
        String::from("status")
    } else {
        operation
    }
}

#[derive(Serialize, Deserialize)]
struct FaultWire {
    #[serde(default = "any")]
    provider: String,
    #[serde(default = "any")]
    operation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    times: Option<u32>,
    #[serde(flatten)]
    kind: FaultKind,
}

fn any() -> String {
    String::from(ANY)
}

impl TryFrom<FaultWire> for Fault {
    type Error = String;

    fn try_from(wire: FaultWire) -> Result<Self, Self::Error> {
        if wire.times == Some(0) {
            return Err(String::from(
                "times must be at least 1 (leave it out for always)",
            ));
        }
        Ok(Fault {
            provider: wire.provider,
            operation: canonical_operation(wire.operation),
            payment: wire.payment,
            times: wire.times,
            kind: wire.kind,
        })
    }
}

impl From<Fault> for FaultWire {
    fn from(fault: Fault) -> Self {
        FaultWire {
            provider: fault.provider,
            operation: fault.operation,
            payment: fault.payment,
            times: fault.times,
            kind: fault.kind,
        }
    }
}

/// Random faults for chaos tests: each provider request draws one of `kinds` with probability
/// `rate`. The draws come from a generator seeded with `seed`, so the same sequence of requests
/// meets the same faults on every run. Explicit [`Fault`] rules are consulted first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultPlan {
    pub seed: u64,
    /// Between 0.0 (never) and 1.0 (every request).
    pub rate: f64,
    pub kinds: Vec<FaultKind>,
}

/// The active rules and plan, kept inside the sandbox's state lock.
#[derive(Clone, Default)]
pub(crate) struct FaultBook {
    rules: Vec<Fault>,
    plan: Option<(FaultPlan, u64)>,
}

impl FaultBook {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.rules.push(fault);
    }

    pub(crate) fn set_plan(&mut self, plan: Option<FaultPlan>) {
        self.plan = plan.map(|plan| {
            let state = plan.seed;
            (plan, state)
        });
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
        self.plan = None;
    }

    pub(crate) fn rules(&self) -> Vec<Fault> {
        self.rules.clone()
    }

    /// The fault for this request, if any, consuming one use of a counted rule.
    pub(crate) fn pick(
        &mut self,
        provider: &str,
        operation: &str,
        payment: Option<&str>,
    ) -> Option<FaultKind> {
        if let Some(index) = self
            .rules
            .iter()
            .position(|rule| rule.matches(provider, operation, payment))
        {
            let kind = self.rules[index].kind.clone();
            if let Some(times) = &mut self.rules[index].times {
                *times = times.saturating_sub(1);
                if *times == 0 {
                    self.rules.remove(index);
                }
            }
            return Some(kind);
        }
        let (plan, state) = self.plan.as_mut()?;
        if plan.kinds.is_empty() {
            return None;
        }
        // 53 random bits give a uniform float in [0, 1).
        #[allow(clippy::cast_precision_loss)]
        let draw = (splitmix64(state) >> 11) as f64 / (1u64 << 53) as f64;
        if draw >= plan.rate {
            return None;
        }
        let index = usize::try_from(splitmix64(state) % plan.kinds.len() as u64).unwrap_or(0);
        plan.kinds.get(index).cloned()
    }
}

/// Sebastiano Vigna's SplitMix64: tiny, fast, and good enough to scatter faults.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let fault = Fault::new(
            "zoop",
            "query",
            FaultKind::Latency(Duration::from_millis(250)),
        )
        .payment("demo-txn-0001")
        .times(2);
        assert_eq!(fault.operation, "status");
        let json = serde_json::to_value(&fault).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"provider":"zoop","operation":"status","payment":"demo-txn-0001",
                               "times":2,"kind":"latency","latency_ms":250})
        );
        assert_eq!(serde_json::from_value::<Fault>(json).unwrap(), fault);
        let minimal: Fault = serde_json::from_str(r#"{"kind":"reset"}"#).unwrap();
        assert_eq!(minimal, Fault::new(ANY, ANY, FaultKind::Reset));
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"status","status":42}"#).is_err());
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"reset","times":0}"#).is_err());
    }

    #[test]
    fn delayed_kinds_read_and_write_their_delay() {
        for (kind, json) in [
            (
                FaultKind::AcceptThenApplyLater(Duration::from_millis(5_000)),
                r#"{"kind":"accept_then_apply_later","delay_ms":5000}"#,
            ),
            (
                FaultKind::TimeoutThenApplyLater(Duration::from_millis(250)),
                r#"{"kind":"timeout_then_apply_later","delay_ms":250}"#,
            ),
        ] {
            assert_eq!(serde_json::to_string(&kind).unwrap(), json);
            assert_eq!(serde_json::from_str::<FaultKind>(json).unwrap(), kind);
        }
    }

    #[test]
    fn counted_rules_retire_and_first_match_wins() {
        let mut book = FaultBook::default();
        book.add(
            Fault::new("yapay", "cancel", FaultKind::Reset)
                .payment("1")
                .times(1),
        );
        book.add(Fault::new("yapay", ANY, FaultKind::Status(503)));
        assert_eq!(
            book.pick("yapay", "cancel", Some("1")),
            Some(FaultKind::Reset)
        );
        assert_eq!(
            book.pick("yapay", "cancel", Some("1")),
            Some(FaultKind::Status(503))
        );
        assert_eq!(book.pick("zoop", "void", Some("1")), None);
    }

    #[test]
    fn plans_are_deterministic_per_seed() {
        let plan = FaultPlan {
            seed: 7,
            rate: 0.5,
            kinds: vec![FaultKind::Reset, FaultKind::Status(502)],
        };
        let run = |plan: &FaultPlan| {
            let mut book = FaultBook::default();
            book.set_plan(Some(plan.clone()));
            (0..200)
                .map(|_| book.pick("zoop", "void", None))
                .collect::<Vec<_>>()
        };
        let first = run(&plan);
        assert_eq!(first, run(&plan));
        let hits = first.iter().filter(|kind| kind.is_some()).count();
        assert!((60..140).contains(&hits), "{hits} faults at rate 0.5");
        assert_ne!(first, run(&FaultPlan { seed: 8, ..plan }));
    }
}
