//! The shared ledger every simulated provider keeps its payments in: one kind of account for
//! all of them, and one state machine that decides whether a cancellation is accepted and what
//! it does, driven by each provider's [`Rules`].
//!
//! A provider's module says only what is its own: the statuses it names, which of them accept
//! a cancellation (whole or partial, for which payment methods), the status a payment ends in,
//! its request and answer bodies. Remaining amounts, over-refunds, repeated cancellations and
//! the audit trail are worked out here, once, so every provider refuses the same mistakes the
//! same way and records every effect the same way.

use std::collections::BTreeMap;

use crate::ledger::{EffectKind, Ledger};
use crate::provider::Provider;
use crate::wire::Reply;

/// One payment at one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) provider: Provider,
    /// The id the provider's paths name it by.
    pub(crate) id: String,
    /// What else the provider knows about it: other ids a request must name too (a Zoop
    /// marketplace and seller), and details its answers show (how Liquido writes an amount).
    pub(crate) attrs: BTreeMap<&'static str, String>,
    /// What was paid (or authorised), in cents.
    pub(crate) amount: i64,
    /// What went back so far, in cents.
    pub(crate) refunded: i64,
    /// The provider's own name of its state.
    pub(crate) status: String,
    /// The status it was created in, for answers that describe how it began.
    pub(crate) created_status: String,
    /// How it was paid, in the provider's words (`credit`, `PIX`...).
    pub(crate) method: String,
    /// Unix seconds.
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    /// Every cancellation applied to it, in order.
    pub(crate) movements: Vec<Movement>,
    /// A cancellation accepted that the acquirer completes later ([`Deferred`]).
    pub(crate) pending: Option<Pending>,
    /// Cancellations the merchant named, as the provider keeps them (Efí's devoluções by
    /// their id), in the order asked.
    pub(crate) named: Vec<Named>,
}

/// A cancellation asked for under a name of the merchant's choosing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Named {
    pub(crate) id: String,
    /// What was asked, in cents.
    pub(crate) amount: i64,
    /// Unix seconds.
    pub(crate) at: i64,
    /// Whether it was made (a movement of the account), or refused when it settled.
    pub(crate) made: bool,
}

/// A cancellation waiting for the acquirer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) amount: i64,
    /// Look-ups made since it was accepted.
    pub(crate) queries: u32,
}

/// One applied cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Movement {
    pub(crate) amount: i64,
    pub(crate) kind: EffectKind,
    /// Unix seconds.
    pub(crate) at: i64,
}

impl Account {
    /// A payment as created, with nothing refunded.
    pub(crate) fn new(
        provider: Provider,
        id: impl Into<String>,
        amount: i64,
        status: impl Into<String>,
        method: impl Into<String>,
        created_at: i64,
    ) -> Self {
        let status = status.into();
        Account {
            provider,
            id: id.into(),
            attrs: BTreeMap::new(),
            amount,
            refunded: 0,
            created_status: status.clone(),
            status,
            method: method.into(),
            created_at,
            updated_at: created_at,
            movements: Vec::new(),
            pending: None,
            named: Vec::new(),
        }
    }

    /// What can still go back.
    pub(crate) fn remaining(&self) -> i64 {
        (self.amount - self.refunded).max(0)
    }

    /// The same account with attribute `name` set.
    pub(crate) fn with_attr(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.attrs.insert(name, value.into());
        self
    }

    /// Attribute `name`, or empty.
    pub(crate) fn attr(&self, name: &str) -> &str {
        self.attrs.get(name).map_or("", String::as_str)
    }

    /// What a cancellation can return now, and whether a part of it is accepted.
    pub(crate) fn refundable(&self, rules: &Rules) -> (i64, bool) {
        match rules.accepting(self) {
            Some(accepts) => (self.remaining(), accepts.partial.allows(self)),
            None => (0, false),
        }
    }

    /// Applies a cancellation of `amount` (what remains when `None`) under `rules`, records
    /// it in `ledger` as `operation`, and returns the movement; or says why it is refused,
    /// changing nothing.
    pub(crate) fn cancel(
        &mut self,
        amount: Option<i64>,
        rules: &Rules,
        operation: &str,
        ledger: &mut Ledger,
        now: i64,
    ) -> Result<Movement, Refusal> {
        let Some(accepts) = rules.accepting(self) else {
            return Err(if self.remaining() == 0 && self.refunded > 0 {
                Refusal::NothingLeft
            } else {
                Refusal::State
            });
        };
        let remaining = self.remaining();
        let amount = amount.unwrap_or(remaining);
        if amount < 1 {
            return Err(Refusal::Amount);
        }
        let whole = amount == remaining;
        if !whole && !accepts.partial.allows(self) {
            return Err(Refusal::Partial);
        }
        if amount > remaining {
            return Err(Refusal::BeyondRemaining);
        }
        if let Some(deferred) = &rules.deferred
            && self.attr(deferred.attr) == "true"
        {
            // Committed now, completed by the acquirer later: recorded when asked, because
            // that is when the money was committed.
            self.status = deferred.status.to_owned();
            self.pending = Some(Pending { amount, queries: 0 });
            self.updated_at = now;
            ledger.record(
                self.provider.slug(),
                operation,
                &self.id,
                amount,
                EffectKind::CancelRequested,
            );
            return Ok(Movement {
                amount,
                kind: EffectKind::CancelRequested,
                at: now,
            });
        }
        let (status, kind) = if whole {
            (Some(accepts.whole.0), accepts.whole.1)
        } else {
            accepts.part
        };
        self.refunded += amount;
        if let Some(status) = status {
            self.status = status.to_owned();
        }
        self.updated_at = now;
        let movement = Movement {
            amount,
            kind,
            at: now,
        };
        self.movements.push(movement);
        ledger.record(self.provider.slug(), operation, &self.id, amount, kind);
        Ok(movement)
    }
}

impl Account {
    /// A status look-up: a cancellation waiting for the acquirer completes once enough
    /// look-ups have seen it waiting, so tests can see both "still pending" and "done later".
    pub(crate) fn looked_up(&mut self, rules: &Rules) {
        let (Some(deferred), Some(pending)) = (&rules.deferred, &mut self.pending) else {
            return;
        };
        pending.queries += 1;
        if pending.queries > deferred.after_queries {
            self.settle(rules);
        }
    }

    /// The acquirer completes the cancellation waiting for it.
    pub(crate) fn settle(&mut self, rules: &Rules) {
        let (Some(deferred), Some(pending)) = (&rules.deferred, self.pending.take()) else {
            return;
        };
        self.refunded = (self.refunded + pending.amount).min(self.amount);
        self.status = if self.refunded >= self.amount {
            deferred.settled.0
        } else {
            deferred.settled.1
        }
        .to_owned();
    }
}

/// Why the state machine refused a cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The payment's status accepts no cancellation.
    State,
    /// Everything was already returned.
    NothingLeft,
    /// Zero or negative.
    Amount,
    /// More than remains.
    BeyondRemaining,
    /// A part, where only the whole is accepted.
    Partial,
}

/// How one provider's payments may be cancelled: each status that accepts a cancellation,
/// and what a whole or partial one does there. A status not listed accepts none.
pub(crate) struct Rules {
    pub(crate) accepts: &'static [Accepts],
    /// Cancellations the acquirer completes later, for payments with an attribute set.
    pub(crate) deferred: Option<Deferred>,
}

/// A cancellation that waits for the acquirer (Yapay's status 40 for sales older than a day).
pub(crate) struct Deferred {
    /// The attribute that is `"true"` on payments whose cancellations wait.
    pub(crate) attr: &'static str,
    /// The status while it waits.
    pub(crate) status: &'static str,
    /// Look-ups that still see it waiting; the next one sees it done.
    pub(crate) after_queries: u32,
    /// The status once done: nothing left, or a part left.
    pub(crate) settled: (&'static str, &'static str),
}

impl Rules {
    fn accepting(&self, account: &Account) -> Option<&Accepts> {
        self.accepts
            .iter()
            .find(|accepts| accepts.status == account.status)
    }
}

/// What a cancellation does to a payment in `status`.
pub(crate) struct Accepts {
    pub(crate) status: &'static str,
    pub(crate) partial: Partial,
    /// The status after the whole remainder went back, and the effect recorded.
    pub(crate) whole: (&'static str, EffectKind),
    /// The status after a part went back (`None`: it keeps its status), and the effect.
    pub(crate) part: (Option<&'static str>, EffectKind),
}

/// Whether a part of a payment may be cancelled.
pub(crate) enum Partial {
    Never,
    Always,
    /// Only for payments made this way (Zoop: captured credit sales).
    Method(&'static str),
}

impl Partial {
    fn allows(&self, account: &Account) -> bool {
        match self {
            Partial::Never => false,
            Partial::Always => true,
            Partial::Method(method) => account.method == *method,
        }
    }
}

/// Every provider's accounts, by provider and id, and the idempotency keys they have seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct Book {
    accounts: BTreeMap<(Provider, String), Account>,
    keys: BTreeMap<(Provider, String), Reply>,
    /// Whether an id nobody added is a synthetic payment made on first use
    /// ([`Payment::synthetic`](crate::payment::Payment::synthetic)) rather than unknown.
    synthetic: bool,
}

impl Book {
    /// Inserts an account, replacing one with the same provider and id.
    pub(crate) fn insert(&mut self, account: Account) {
        self.accounts
            .insert((account.provider, account.id.clone()), account);
    }

    pub(crate) fn get(&self, provider: Provider, id: &str) -> Option<&Account> {
        self.accounts.get(&(provider, id.to_owned()))
    }

    pub(crate) fn get_mut(&mut self, provider: Provider, id: &str) -> Option<&mut Account> {
        let key = (provider, id.to_owned());
        if self.synthetic
            && !self.accounts.contains_key(&key)
            && let Some(payment) = crate::payment::Payment::synthetic(provider, id)
        {
            self.accounts
                .insert(key.clone(), payment.into_account(crate::seed::BASE_TIME));
        }
        self.accounts.get_mut(&key)
    }

    /// Makes every id nobody added a synthetic payment on first use, or unknown again.
    pub(crate) fn synthesize_unknown(&mut self, on: bool) {
        self.synthetic = on;
    }

    /// The answer the first request with idempotency `key` got, for a provider that answers a
    /// repeated key with it instead of acting again.
    pub(crate) fn remembered(&self, provider: Provider, key: &str) -> Option<&Reply> {
        self.keys.get(&(provider, key.to_owned()))
    }

    /// Keeps the answer to the first request with `key`.
    pub(crate) fn remember(&mut self, provider: Provider, key: &str, reply: &Reply) {
        self.keys
            .entry((provider, key.to_owned()))
            .or_insert_with(|| reply.clone());
    }

    /// One provider's accounts, by id.
    pub(crate) fn accounts(&self, provider: Provider) -> impl Iterator<Item = &Account> {
        self.accounts
            .range((provider, String::new())..)
            .take_while(move |((owner, _), _)| *owner == provider)
            .map(|(_, account)| account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: Rules = Rules {
        accepts: &[
            Accepts {
                status: "paid",
                partial: Partial::Method("credit"),
                whole: ("cancelled", EffectKind::Void),
                part: (None, EffectKind::PartialVoid),
            },
            Accepts {
                status: "authorised",
                partial: Partial::Never,
                whole: ("cancelled", EffectKind::Void),
                part: (None, EffectKind::PartialVoid),
            },
        ],
        deferred: None,
    };

    fn paid(method: &str) -> Account {
        Account::new(Provider::Zoop, "t-1", 1000, "paid", method, 0)
    }

    #[test]
    fn parts_then_the_rest_go_back_and_nothing_more() {
        let mut ledger = Ledger::default();
        let mut account = paid("credit");
        assert_eq!(account.refundable(&RULES), (1000, true));
        let part = account.cancel(Some(300), &RULES, "void", &mut ledger, 5);
        assert_eq!(
            part.map(|movement| movement.kind),
            Ok(EffectKind::PartialVoid)
        );
        assert_eq!(
            (account.status.as_str(), account.remaining()),
            ("paid", 700)
        );
        assert_eq!(
            account.cancel(Some(701), &RULES, "void", &mut ledger, 6),
            Err(Refusal::BeyondRemaining)
        );
        let rest = account.cancel(None, &RULES, "void", &mut ledger, 7);
        assert_eq!(rest.map(|movement| movement.amount), Ok(700));
        assert_eq!(account.status, "cancelled");
        assert_eq!(
            account.cancel(None, &RULES, "void", &mut ledger, 8),
            Err(Refusal::NothingLeft)
        );
        assert_eq!(account.refundable(&RULES), (0, false));
        let recorded: Vec<i64> = ledger
            .entries()
            .iter()
            .map(|entry| entry.amount_cents)
            .collect();
        assert_eq!(recorded, [300, 700]);
    }

    #[test]
    fn refusals_change_nothing() {
        let mut ledger = Ledger::default();
        let mut debit = paid("debit");
        assert_eq!(
            debit.cancel(Some(300), &RULES, "void", &mut ledger, 1),
            Err(Refusal::Partial)
        );
        assert_eq!(
            debit.cancel(Some(0), &RULES, "void", &mut ledger, 1),
            Err(Refusal::Amount)
        );
        let mut failed = Account::new(Provider::Zoop, "t-2", 1000, "failed", "credit", 0);
        assert_eq!(
            failed.cancel(None, &RULES, "void", &mut ledger, 1),
            Err(Refusal::State)
        );
        assert_eq!((debit.refunded, failed.refunded), (0, 0));
        assert!(ledger.entries().is_empty());
    }
}
