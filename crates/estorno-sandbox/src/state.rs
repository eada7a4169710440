//! Everything the sandbox remembers, behind one lock: the payments of every provider, issued
//! tokens, the ledger and the fault rules. One lock makes every check-and-apply atomic, so two
//! concurrent refunds can never both spend the same remaining amount.

use crate::fault::FaultBook;
use crate::ledger::Ledger;
use crate::payment::{DemoPayment, Payment};
use crate::provider::{Ctx, Provider, Tokens};
use crate::wire::{Reply, Request};
use crate::{clock, liquido, picpay_checkout, picpay_ecommerce, seed, yapay, zoop};

/// A routed provider call.
pub(crate) enum Call {
    PicPayEcommerce(picpay_ecommerce::Call),
    Yapay(yapay::Call),
    PicPayCheckout(picpay_checkout::Call),
    Liquido(liquido::Call),
    Zoop(zoop::Call),
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
            Call::PicPayCheckout(call) => call.operation(),
            Call::Liquido(call) => call.operation(),
            Call::Zoop(call) => call.operation(),
        }
    }

    pub(crate) fn payment(&self) -> Option<&str> {
        match self {
            Call::PicPayEcommerce(call) => Some(call.payment()),
            Call::Yapay(call) => Some(call.payment()),
            Call::PicPayCheckout(call) => call.payment(),
            Call::Liquido(call) => call.payment(),
            Call::Zoop(call) => Some(call.payment()),
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
    picpay_checkout: picpay_checkout::Store,
    liquido: liquido::Store,
    zoop: zoop::Store,
    pub(crate) tokens: Tokens,
    pub(crate) ledger: Ledger,
    pub(crate) faults: FaultBook,
}

impl State {
    pub(crate) fn new(seeded: bool, token_salt: u64) -> Self {
        let mut state = State {
            picpay_ecommerce: picpay_ecommerce::Store::default(),
            yapay: yapay::Store::default(),
            picpay_checkout: picpay_checkout::Store::default(),
            liquido: liquido::Store::default(),
            zoop: zoop::Store::default(),
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
            Payment::PicPayCheckout(charge) => self.picpay_checkout.insert(charge, created_at),
            Payment::Liquido(charge) => self.liquido.insert(charge, created_at),
            Payment::Zoop(tx) => self.zoop.insert(tx, created_at),
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
            self.picpay_checkout
                .charges()
                .map(|c| Payment::from(c.clone()).describe()),
        );
        all.extend(
            self.liquido
                .charges()
                .map(|c| Payment::from(c.clone()).describe()),
        );
        all.extend(
            self.zoop
                .transactions()
                .map(|t| Payment::from(t.clone()).describe()),
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
            Provider::PicPayCheckout => self.picpay_checkout.get(id).cloned().map(Payment::from),
            Provider::Liquido => self.liquido.get(id).cloned().map(Payment::from),
            Provider::Zoop => self.zoop.get(id).cloned().map(Payment::from),
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
            Call::PicPayCheckout(call) => self.picpay_checkout.handle(call, request, &mut cx),
            Call::Liquido(call) => self.liquido.handle(call, request, &mut cx),
            Call::Zoop(call) => self.zoop.handle(call, request, &mut cx),
        }
    }
}
