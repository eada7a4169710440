//! The simulated providers, where each lives on the sandbox's single port, and what their
//! handlers share: the routing result, the effect context and the OAuth token store.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::json::Obj;
use crate::ledger::Ledger;
use crate::wire::{Reply, stable_hash};

/// One of the simulated providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    /// PicPay E-commerce, the legacy public API (`x-picpay-token`).
    PicPayEcommerce,
    /// Yapay Gateway (HTTP Basic).
    Yapay,
    /// PicPay Checkout, the charge API (OAuth2 client credentials, JSON token request).
    PicPayCheckout,
    /// Liquido BRL pay-ins (OAuth2 on a separate auth host, form-encoded, plus `x-api-key`).
    Liquido,
    /// Zoop marketplace card API (HTTP Basic, API key as user, empty password).
    Zoop,
    /// Mercado Pago payments API (Bearer access token, required idempotency keys).
    MercadoPago,
    /// Pagar.me v5, Stone's online API (HTTP Basic, secret key as user, empty password).
    Pagarme,
    /// PagBank's Orders API (Bearer token).
    PagBank,
    /// Efí Pay's Pix API (OAuth2 with Basic; mutual TLS in reality, not in the sandbox).
    EfiPix,
    /// Cielo's API E-commerce 3.0 (MerchantId and MerchantKey headers; reads on a host of
    /// their own).
    Cielo,
    /// e.Rede (OAuth2 with the PV and key as Basic on `/erede/v2`, or the legacy Basic on
    /// `/erede/v1`).
    Rede,
    /// Getnet (OAuth2 with Basic and `scope=oob`; no look-up of a payment).
    Getnet,
}

impl Provider {
    /// Every provider, in a fixed order.
    pub const ALL: [Provider; 12] = [
        Provider::PicPayEcommerce,
        Provider::Yapay,
        Provider::PicPayCheckout,
        Provider::Liquido,
        Provider::Zoop,
        Provider::MercadoPago,
        Provider::Pagarme,
        Provider::PagBank,
        Provider::EfiPix,
        Provider::Cielo,
        Provider::Rede,
        Provider::Getnet,
    ];

    /// The slug: the provider's name in URLs, the ledger, fault rules and the control API.
    pub fn slug(self) -> &'static str {
        match self {
            Provider::PicPayEcommerce => "picpay-ecommerce",
            Provider::Yapay => "yapay",
            Provider::PicPayCheckout => "picpay-checkout",
            Provider::Liquido => "liquido",
            Provider::Zoop => "zoop",
            Provider::MercadoPago => "mercado-pago",
            Provider::Pagarme => "pagarme",
            Provider::PagBank => "pagbank",
            Provider::EfiPix => "efi-pix",
            Provider::Cielo => "cielo",
            Provider::Rede => "rede",
            Provider::Getnet => "getnet",
        }
    }

    /// The provider with this slug.
    pub fn from_slug(slug: &str) -> Option<Provider> {
        Provider::ALL
            .into_iter()
            .find(|provider| provider.slug() == slug)
    }

    /// The provider's own base path, appended to `/{slug}` to form a client's base URL: the
    /// same path the real API has after its host.
    pub fn base_path(self) -> &'static str {
        match self {
            Provider::PicPayEcommerce => "/ecommerce/public",
            Provider::Yapay => "/checkout/api/v3",
            Provider::PicPayCheckout => "/api/v1",
            Provider::Liquido => "",
            Provider::Zoop => "/v1",
            Provider::MercadoPago => "",
            Provider::Pagarme => "/core/v5",
            Provider::PagBank => "",
            Provider::EfiPix => "",
            Provider::Cielo => "",
            Provider::Rede => "/erede/v2",
            Provider::Getnet => "",
        }
    }
}

/// Liquido's token endpoint lives on a different host in reality, so it gets its own prefix.
pub(crate) const LIQUIDO_AUTH_PREFIX: &str = "liquido-auth";

/// What a provider's router made of a path.
pub(crate) enum Routed<C> {
    /// A known operation.
    Call(C),
    /// A known path, but not with this method; carries the operation name for counting.
    WrongMethod(&'static str),
    /// No operation lives here.
    NotFound,
}

/// What a handler may touch besides its own provider's payments.
pub(crate) struct Ctx<'a> {
    pub(crate) ledger: &'a mut Ledger,
    pub(crate) tokens: &'a mut Tokens,
    /// Unix seconds, for `updatedAt`-style fields.
    pub(crate) now: i64,
}

/// Bearer tokens issued by the two OAuth2 token endpoints.
#[derive(Clone)]
pub(crate) struct Tokens {
    issued: HashMap<String, (Provider, Instant)>,
    next: u64,
    salt: u64,
}

impl Tokens {
    pub(crate) fn new(salt: u64) -> Self {
        Tokens {
            issued: HashMap::new(),
            next: 0,
            salt,
        }
    }

    /// Issues a token for `provider` that lives `ttl`.
    pub(crate) fn issue(&mut self, provider: Provider, ttl: Duration) -> String {
        let now = Instant::now();
        self.issued.retain(|_, (_, expires)| *expires > now);
        self.next += 1;
        let seed = format!("{}:{}", provider.slug(), self.next);
        let token = format!(
            "sbx_{:016x}{:016x}",
            stable_hash(&seed, self.salt),
            stable_hash(&seed, self.salt ^ 0x5eed)
        );
        self.issued.insert(token.clone(), (provider, now + ttl));
        token
    }

    /// Whether `token` was issued for `provider` and has not expired.
    pub(crate) fn is_valid(&self, provider: Provider, token: &str) -> bool {
        self.issued
            .get(token)
            .is_some_and(|(owner, expires)| *owner == provider && *expires > Instant::now())
    }

    /// Forgets every token, as if they had all expired.
    pub(crate) fn expire_all(&mut self) {
        self.issued.clear();
    }
}

/// OAuth2's error body, `{"error","error_description"}`, as the token endpoints answer it.
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        Obj::new()
            .val("error", error)
            .val("error_description", description)
            .done(),
    )
}

/// A client-credentials token endpoint's answer: a Bearer token issued for `provider` that
/// lives `ttl`, `{access_token, token_type: "Bearer", expires_in, scope}`.
pub(crate) fn token_reply(
    cx: &mut Ctx<'_>,
    provider: Provider,
    ttl: Duration,
    scope: &str,
) -> Reply {
    let token = cx.tokens.issue(provider, ttl);
    Reply::json(
        200,
        Obj::new()
            .val("access_token", &token)
            .val("token_type", "Bearer")
            .val("expires_in", &ttl.as_secs())
            .val("scope", scope)
            .done(),
    )
}
