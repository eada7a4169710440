//! Everything the sandbox remembers, behind one lock: the payments of every provider, issued
//! tokens, the ledger and the fault rules. One lock makes every check-and-apply atomic, so two
//! concurrent refunds can never both spend the same remaining amount.

use crate::book::Book;
use crate::fault::FaultBook;
use crate::ledger::Ledger;
use crate::payment::{DemoPayment, Payment};
use crate::provider::{Ctx, Provider, Tokens};
use crate::route::Matched;
use crate::wire::{Reply, Request};
use crate::{clock, liquido, picpay_checkout, picpay_ecommerce, seed, yapay, zoop};

/// A routed provider call.
pub(crate) enum Call {
    PicPayEcommerce(picpay_ecommerce::Call),
    Yapay(yapay::Call),
    PicPayCheckout(Matched),
    Liquido(Matched),
    Zoop(Matched),
}

impl Call {
    pub(crate) fn provider(&self) -> Provider {
        match self {
            Call::PicPayEcommerce(_) => Provider::PicPayEcommerce,
            Call::Yapay(_) => Provider::Yapay,
            Call::PicPayCheckout(_) => Provider::PicPayCheckout,
            Call::Liquido(_) => Provider::Liquido,
            Call::Zoop(_) => Provider::Zoop,
        }
    }

    pub(crate) fn operation(&self) -> &'static str {
        match self {
            Call::PicPayEcommerce(call) => call.operation(),
            Call::Yapay(call) => call.operation(),
            Call::PicPayCheckout(call) => call.operation,
            Call::Liquido(call) => call.operation,
            Call::Zoop(call) => call.operation,
        }
    }

    pub(crate) fn payment(&self) -> Option<&str> {
        match self {
            Call::PicPayEcommerce(call) => Some(call.payment()),
            Call::Yapay(call) => Some(call.payment()),
            Call::PicPayCheckout(call) => (call.operation != "token").then(|| call.get("payment")),
            Call::Liquido(call) => (call.operation != "token").then(|| call.get("payment")),
            Call::Zoop(call) => Some(call.get("payment")),
        }
    }
}

/// The provider's own answer to an injected HTTP 500.
pub(crate) fn internal_error(provider: Provider) -> Reply {
    match provider {
        Provider::PicPayEcommerce => picpay_ecommerce::internal_error(),
        Provider::Yapay => yapay::internal_error(),
        Provider::PicPayCheckout => picpay_checkout::internal_error(),
        Provider::Liquido => liquido::internal_error(),
        Provider::Zoop => zoop::internal_error(),
    }
}

/// The provider's own answer for a path where it has no operation.
pub(crate) fn unknown_path(provider: Provider) -> Reply {
    match provider {
        Provider::PicPayEcommerce => picpay_ecommerce::unknown_path(),
        Provider::Yapay => yapay::unknown_path(),
        Provider::PicPayCheckout => picpay_checkout::unknown_path(),
        Provider::Liquido => liquido::unknown_path(),
        Provider::Zoop => zoop::unknown_path(),
    }
}

#[derive(Clone)]
pub(crate) struct State {
    picpay_ecommerce: picpay_ecommerce::Store,
    yapay: yapay::Store,
    /// The shared ledger of the providers simulated on it (PicPay Checkout, Liquido and Zoop so far).
    book: Book,
    pub(crate) tokens: Tokens,
    pub(crate) ledger: Ledger,
    pub(crate) faults: FaultBook,
}

impl State {
    pub(crate) fn new(seeded: bool, token_salt: u64) -> Self {
        let mut state = State {
            picpay_ecommerce: picpay_ecommerce::Store::default(),
            yapay: yapay::Store::default(),
            book: Book::default(),
            tokens: Tokens::new(token_salt),
            ledger: Ledger::default(),
            faults: FaultBook::default(),
        };
        if seeded {
            for (index, payment) in seed::demo().into_iter().enumerate() {
                let created_at = seed::seeded_created_at(index % seed::DEMO_PER_PROVIDER);
                state.insert(payment, created_at);
            }
        }
        state
    }

    /// Inserts or replaces a payment.
    pub(crate) fn insert(&mut self, payment: Payment, created_at: i64) {
        match payment {
            Payment::PicPayEcommerce(order) => self.picpay_ecommerce.insert(order),
            Payment::Yapay(tx) => self.yapay.insert(tx),
            Payment::PicPayCheckout(charge) => {
                self.book
                    .insert(picpay_checkout::account(charge, created_at));
            }
            Payment::Liquido(charge) => self.book.insert(liquido::account(charge, created_at)),
            Payment::Zoop(tx) => self.book.insert(zoop::account(tx, created_at)),
        }
    }

    /// Every payment in its current state.
    pub(crate) fn payments(&self) -> Vec<DemoPayment> {
        let mut all = Vec::new();
        all.extend(
            self.picpay_ecommerce
                .orders()
                .map(|o| Payment::from(o.clone()).describe()),
        );
        all.extend(
            self.yapay
                .transactions()
                .map(|t| Payment::from(t.clone()).describe()),
        );
        all.extend(
            self.book
                .accounts(Provider::PicPayCheckout)
                .map(|account| Payment::from(picpay_checkout::charge(account)).describe()),
        );
        all.extend(
            self.book
                .accounts(Provider::Liquido)
                .map(|account| Payment::from(liquido::charge(account)).describe()),
        );
        all.extend(
            self.book
                .accounts(Provider::Zoop)
                .map(|account| Payment::from(zoop::transaction(account)).describe()),
        );
        all
    }

    /// One payment in its current state, named as the ledger names it.
    pub(crate) fn payment(&self, provider: Provider, id: &str) -> Option<Payment> {
        match provider {
            Provider::PicPayEcommerce => self.picpay_ecommerce.get(id).cloned().map(Payment::from),
            Provider::Yapay => {
                let number = id.parse().ok()?;
                let tx = self
                    .yapay
                    .get(yapay::DEMO_ESTABLISHMENT, number)
                    .or_else(|| self.yapay.get_by_number(number))?;
                Some(tx.clone().into())
            }
            Provider::PicPayCheckout => self
                .book
                .get(Provider::PicPayCheckout, id)
                .map(|account| Payment::from(picpay_checkout::charge(account))),
            Provider::Liquido => self
                .book
                .get(Provider::Liquido, id)
                .map(|account| Payment::from(liquido::charge(account))),
            Provider::Zoop => self
                .book
                .get(Provider::Zoop, id)
                .map(|account| Payment::from(zoop::transaction(account))),
        }
    }

    /// Runs a provider call: authentication, validation, and the effect, all under the lock.
    pub(crate) fn handle(&mut self, call: &Call, request: &Request) -> Reply {
        let mut cx = Ctx {
            ledger: &mut self.ledger,
            tokens: &mut self.tokens,
            now: clock::now_unix(),
        };
        match call {
            Call::PicPayEcommerce(call) => self.picpay_ecommerce.handle(call, request, &mut cx),
            Call::Yapay(call) => self.yapay.handle(call, request, &mut cx),
            Call::PicPayCheckout(call) => {
                picpay_checkout::handle(call, request, &mut self.book, &mut cx)
            }
            Call::Liquido(call) => liquido::handle(call, request, &mut self.book, &mut cx),
            Call::Zoop(call) => zoop::handle(call, request, &mut self.book, &mut cx),
        }
    }
}
