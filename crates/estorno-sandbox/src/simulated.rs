//! The registry of simulated providers: for each, the path prefix it is served under, its
//! operations, and the functions its module provides. Adding a provider to the sandbox is a
//! module written from its documentation plus one entry here.

use crate::book::{Account, Book};
use crate::payment::Payment;
use crate::provider::{Ctx, LIQUIDO_AUTH_PREFIX, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request};
use crate::{
    cielo, efi_pix, getnet, liquido, mercado_pago, pagarme, pagbank, picpay_checkout,
    picpay_ecommerce, rede, yapay, zoop,
};

/// One simulated provider, or one of its hosts (Liquido's token endpoint has its own).
pub(crate) struct Simulated {
    pub(crate) provider: Provider,
    /// The first path segment it is served under.
    pub(crate) prefix: &'static str,
    pub(crate) routes: &'static [Route],
    /// Runs a routed call: authentication, validation, and the effect, under the state lock.
    pub(crate) handle: fn(&Matched, &Request, &mut Book, &mut Ctx<'_>) -> Reply,
    /// The provider's own answer to an injected HTTP 500.
    pub(crate) internal_error: fn() -> Reply,
    /// The provider's own answer for a path where it has no operation.
    pub(crate) unknown_path: fn() -> Reply,
    /// The provider's record of a payment, from its account.
    pub(crate) payment: fn(&Account) -> Payment,
}

pub(crate) const SIMULATED: &[Simulated] = &[
    Simulated {
        provider: Provider::PicPayEcommerce,
        prefix: "picpay-ecommerce",
        routes: picpay_ecommerce::ROUTES,
        handle: picpay_ecommerce::handle,
        internal_error: picpay_ecommerce::internal_error,
        unknown_path: picpay_ecommerce::unknown_path,
        payment: |account| picpay_ecommerce::order(account).into(),
    },
    Simulated {
        provider: Provider::Yapay,
        prefix: "yapay",
        routes: yapay::ROUTES,
        handle: yapay::handle,
        internal_error: yapay::internal_error,
        unknown_path: yapay::unknown_path,
        payment: |account| yapay::transaction(account).into(),
    },
    Simulated {
        provider: Provider::PicPayCheckout,
        prefix: "picpay-checkout",
        routes: picpay_checkout::ROUTES,
        handle: picpay_checkout::handle,
        internal_error: picpay_checkout::internal_error,
        unknown_path: picpay_checkout::unknown_path,
        payment: |account| picpay_checkout::charge(account).into(),
    },
    Simulated {
        provider: Provider::Liquido,
        prefix: "liquido",
        routes: liquido::ROUTES,
        handle: liquido::handle,
        internal_error: liquido::internal_error,
        unknown_path: liquido::unknown_path,
        payment: |account| liquido::charge(account).into(),
    },
    Simulated {
        provider: Provider::Liquido,
        prefix: LIQUIDO_AUTH_PREFIX,
        routes: liquido::AUTH_ROUTES,
        handle: liquido::handle,
        internal_error: liquido::internal_error,
        unknown_path: liquido::unknown_path,
        payment: |account| liquido::charge(account).into(),
    },
    Simulated {
        provider: Provider::Zoop,
        prefix: "zoop",
        routes: zoop::ROUTES,
        handle: zoop::handle,
        internal_error: zoop::internal_error,
        unknown_path: zoop::unknown_path,
        payment: |account| zoop::transaction(account).into(),
    },
    Simulated {
        provider: Provider::MercadoPago,
        prefix: "mercado-pago",
        routes: mercado_pago::ROUTES,
        handle: mercado_pago::handle,
        internal_error: mercado_pago::internal_error,
        unknown_path: mercado_pago::unknown_path,
        payment: |account| mercado_pago::payment(account).into(),
    },
    Simulated {
        provider: Provider::Pagarme,
        prefix: "pagarme",
        routes: pagarme::ROUTES,
        handle: pagarme::handle,
        internal_error: pagarme::internal_error,
        unknown_path: pagarme::unknown_path,
        payment: |account| pagarme::charge(account).into(),
    },
    Simulated {
        provider: Provider::PagBank,
        prefix: "pagbank",
        routes: pagbank::ROUTES,
        handle: pagbank::handle,
        internal_error: pagbank::internal_error,
        unknown_path: pagbank::unknown_path,
        payment: |account| pagbank::charge(account).into(),
    },
    Simulated {
        provider: Provider::EfiPix,
        prefix: "efi-pix",
        routes: efi_pix::ROUTES,
        handle: efi_pix::handle,
        internal_error: efi_pix::internal_error,
        unknown_path: efi_pix::unknown_path,
        payment: |account| efi_pix::pix(account).into(),
    },
    Simulated {
        provider: Provider::Cielo,
        prefix: "cielo",
        routes: cielo::ROUTES,
        handle: cielo::handle,
        internal_error: cielo::internal_error,
        unknown_path: cielo::unknown_path,
        payment: |account| cielo::sale(account).into(),
    },
    Simulated {
        provider: Provider::Cielo,
        prefix: cielo::QUERY_PREFIX,
        routes: cielo::QUERY_ROUTES,
        handle: cielo::handle,
        internal_error: cielo::internal_error,
        unknown_path: cielo::unknown_path,
        payment: |account| cielo::sale(account).into(),
    },
    Simulated {
        provider: Provider::Rede,
        prefix: "rede",
        routes: rede::ROUTES,
        handle: rede::handle,
        internal_error: rede::internal_error,
        unknown_path: rede::unknown_path,
        payment: |account| rede::transaction(account).into(),
    },
    Simulated {
        provider: Provider::Getnet,
        prefix: "getnet",
        routes: getnet::ROUTES,
        handle: getnet::handle,
        internal_error: getnet::internal_error,
        unknown_path: getnet::unknown_path,
        payment: |account| getnet::payment(account).into(),
    },
];

/// The entry served under `prefix`.
pub(crate) fn by_prefix(prefix: &str) -> Option<&'static Simulated> {
    SIMULATED.iter().find(|entry| entry.prefix == prefix)
}

/// The (first) entry of `provider`.
pub(crate) fn of(provider: Provider) -> &'static Simulated {
    SIMULATED
        .iter()
        .find(|entry| entry.provider == provider)
        .expect("every provider is simulated")
}
