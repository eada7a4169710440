//! Everything the sandbox remembers, behind one lock: the payments of every provider, issued
//! tokens, the ledger and the fault rules. One lock makes every check-and-apply atomic, so two
//! concurrent refunds can never both spend the same remaining amount.

use crate::book::Book;
use crate::fault::FaultBook;
use crate::ledger::Ledger;
use crate::payment::{DemoPayment, Payment};
use crate::provider::{Ctx, Provider, Tokens};
use crate::route::Matched;
use crate::simulated::{self, Simulated};
use crate::wire::{Reply, Request};
use crate::{clock, seed};

/// A routed provider call.
pub(crate) struct Call {
    pub(crate) simulated: &'static Simulated,
    pub(crate) matched: Matched,
}

impl Call {
    pub(crate) fn provider(&self) -> Provider {
        self.simulated.provider
    }

    pub(crate) fn operation(&self) -> &'static str {
        self.matched.operation
    }

    /// The payment it is about; `None` for a token request.
    pub(crate) fn payment(&self) -> Option<&str> {
        Some(self.matched.get("payment")).filter(|payment| !payment.is_empty())
    }
}

/// The provider's own answer to an injected HTTP 500.
pub(crate) fn internal_error(provider: Provider) -> Reply {
    (simulated::of(provider).internal_error)()
}

/// The provider's own answer for a path where it has no operation.
pub(crate) fn unknown_path(provider: Provider) -> Reply {
    (simulated::of(provider).unknown_path)()
}

#[derive(Clone)]
pub(crate) struct State {
    /// Every provider's payments, in the shared ledger.
    book: Book,
    pub(crate) tokens: Tokens,
    pub(crate) ledger: Ledger,
    pub(crate) faults: FaultBook,
}

impl State {
    pub(crate) fn new(seeded: bool, token_salt: u64) -> Self {
        let mut state = State {
            book: Book::default(),
            tokens: Tokens::new(token_salt),
            ledger: Ledger::default(),
            faults: FaultBook::default(),
        };
        if seeded {
            for (index, payment) in seed::demo().into_iter().enumerate() {
                let created_at = seed::seeded_created_at(&payment, index % seed::DEMO_PER_PROVIDER);
                state.insert(payment, created_at);
            }
        }
        state
    }

    /// Makes ids nobody added synthetic payments, made on first use.
    pub(crate) fn synthesize_unknown(&mut self, on: bool) {
        self.book.synthesize_unknown(on);
    }

    /// Inserts or replaces a payment.
    pub(crate) fn insert(&mut self, payment: Payment, created_at: i64) {
        self.book.insert(payment.into_account(created_at));
    }

    /// Every payment in its current state.
    pub(crate) fn payments(&self) -> Vec<DemoPayment> {
        Provider::ALL
            .into_iter()
            .flat_map(|provider| {
                let simulated = simulated::of(provider);
                self.book
                    .accounts(provider)
                    .map(|account| (simulated.payment)(account).describe())
            })
            .collect()
    }

    /// One payment in its current state, named as the ledger names it (Yapay's number with
    /// or without leading zeros).
    pub(crate) fn payment(&self, provider: Provider, id: &str) -> Option<Payment> {
        let id = match provider {
            Provider::Yapay => id.parse::<u64>().ok()?.to_string(),
            _ => id.to_owned(),
        };
        let account = self.book.get(provider, &id)?;
        Some((simulated::of(provider).payment)(account))
    }

    /// What a status look-up of another payment of the same provider answers, with the
    /// credentials of `request`; the call's own answer when the provider has no other payment.
    pub(crate) fn answer_about_another(&mut self, call: &Call, request: &Request) -> Reply {
        let provider = call.provider();
        let asked = call.payment().unwrap_or_default().to_owned();
        let ids: Vec<String> = self
            .book
            .accounts(provider)
            .map(|account| account.id.clone())
            .collect();
        let other = ids
            .iter()
            .skip_while(|id| **id != asked)
            .skip(1)
            .chain(ids.iter())
            .find(|id| **id != asked)
            .cloned();
        let Some(other) = other.filter(|_| call.payment().is_some()) else {
            return self.handle(call, request);
        };
        let look_up = Call {
            simulated: call.simulated,
            matched: call.matched.about("status", &other),
        };
        let mut get = request.clone();
        get.method = hyper::Method::GET;
        get.query = None;
        get.body = bytes::Bytes::new();
        self.handle(&look_up, &get)
    }

    /// Runs a provider call: authentication, validation, and the effect, all under the lock.
    pub(crate) fn handle(&mut self, call: &Call, request: &Request) -> Reply {
        let mut cx = Ctx {
            ledger: &mut self.ledger,
            tokens: &mut self.tokens,
            now: clock::now_unix(),
        };
        (call.simulated.handle)(&call.matched, request, &mut self.book, &mut cx)
    }
}
