//! A stateful HTTP simulator of the providers estorno cancels and refunds at, written from
//! their documentation (PROVIDERS.md and the seed documents), not from estorno's clients.
//!
//! One listener serves every provider under its slug; a client's base URL is that prefix plus
//! the provider's own base path, so the paths after it are the real API's:
//!
//! | provider | base URL | operations |
//! |---|---|---|
//! | PicPay E-commerce | `{url}/picpay-ecommerce/ecommerce/public` | `POST /payments/{referenceId}/cancellations`, `POST /payments/{referenceId}/refunds`, `GET /payments/{referenceId}/status` |
//! | Yapay | `{url}/yapay/checkout/api/v3` (also `/v2`) | `PUT /transacao/{codigoEstabelecimento}/{numeroTransacao}/cancelar[?valor=]`, `GET /transacao/{codigoEstabelecimento}/{numeroTransacao}` |
//! | PicPay Checkout | `{url}/picpay-checkout/api/v1` | `POST /oauth2/token`, `POST /charge/{merchantChargeId}/refund`, `GET /charge/{merchantChargeId}` |
//! | Liquido | `{url}/liquido`, tokens at `{url}/liquido-auth/oauth2/token` | `POST /v1/payments/charges/cancel/{idempotencyKey}`, `GET /v1/payments/charges/{idempotencyKey}` |
//! | Zoop | `{url}/zoop/v1` | `POST /marketplaces/{marketplace_id}/transactions/{transaction_id}/void`, `GET /marketplaces/{marketplace_id}/transactions/{transaction_id}` |
//! | Mercado Pago | `{url}/mercado-pago` | `POST /v1/payments/{id}/refunds`, `PUT /v1/payments/{id}`, `GET /v1/payments/{id}` |
//! | Pagar.me | `{url}/pagarme/core/v5` | `DELETE /charges/{charge_id}`, `GET /charges/{charge_id}` |
//! | PagBank | `{url}/pagbank` | `POST /charges/{charge_id}/cancel`, `GET /charges/{charge_id}` |
//! | Cielo | `{url}/cielo`, queries at `{url}/cielo-query` | `PUT /1/sales/{PaymentId}/void[?amount=]`, `GET /1/sales/{PaymentId}` (query host) |
//! | e.Rede | `{url}/rede/erede/v2` (OAuth2, tokens at `{url}/rede/redelabs/oauth2/token`), legacy `{url}/rede/erede/v1` (Basic) | `POST /transactions/{tid}/refunds`, `GET /transactions/{tid}`, `GET /transactions/{tid}/refunds` |
//! | Getnet | `{url}/getnet` | `POST /auth/oauth/v2/token`, `POST /v1/payments/credit/{payment_id}/cancel`, `POST /v1/payments/cancel/request`, `GET /v1/payments/cancel/request?cancel_custom_key=` |
//! | Efí Pix | `{url}/efi-pix` | `POST /oauth/token`, `PUT /v2/pix/{e2eId}/devolucao/{id}`, `GET /v2/pix/{e2eId}/devolucao/{id}`, `GET /v2/pix/{e2eId}` |
//!
//! Each provider checks its own credentials ([`credentials`]), names its own states, and answers
//! the documented bodies, including the rejections (over-refund, already refunded, wrong
//! state). The payments themselves live in one shared ledger, and one state machine, driven by
//! each provider's rules (which statuses accept a cancellation, whole or in part, and what it
//! leaves), decides and applies every cancellation. Where a provider documents nothing (an
//! HTTP status, an error code), the provider's module says what the sandbox chose.
//!
//! Around that: a [ledger](Sandbox::ledger) of every applied effect and per-operation
//! [request counts](Sandbox::requests); [faults](Fault) (latency, an HTTP status, a connection
//! reset, "apply, then never answer", effects applied later, an answer about another payment,
//! an echo of the request); deterministic [demo payments](demo_payments); and a control API
//! for tests that run the sandbox in another process (`estorno sandbox serve`):
//!
//! | method and path | does |
//! |---|---|
//! | `GET /__sandbox/health` | `{"status":"ok","providers":[{slug, base_url, token_url?}]}` |
//! | `GET /__sandbox/ledger` | the ledger, a JSON array of [`LedgerEntry`] |
//! | `GET /__sandbox/requests` | request counts, a JSON array of [`RequestCount`] |
//! | `GET /__sandbox/faults` | the active fault rules |
//! | `POST /__sandbox/faults` | adds a [`Fault`] or an array of them, e.g. `{"provider":"zoop","operation":"void","times":1,"kind":"apply_then_timeout"}` |
//! | `DELETE /__sandbox/faults` | removes every rule and the random plan |
//! | `POST /__sandbox/fault-plan` | sets the [`FaultPlan`], e.g. `{"seed":7,"rate":0.1,"kinds":[{"kind":"reset"}]}` |
//! | `GET /__sandbox/payments` | every payment now, a JSON array of [`DemoPayment`] |
//! | `GET /__sandbox/payments/{slug}/{id}` | one payment now (404 if unknown) |
//! | `POST /__sandbox/payments` | inserts or replaces a [`Payment`] or an array of them, e.g. `{"provider":"zoop","id":"t-1","amount_cents":1000}` (fields as in each provider module's record, with its defaults) |
//! | `POST /__sandbox/tokens/expire` | makes every issued OAuth token invalid |
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use estorno_sandbox::{Fault, FaultKind, Sandbox};
//!
//! let sandbox = Sandbox::start().await?;
//! let base = sandbox.base_url("zoop").unwrap(); // http://127.0.0.1:PORT/zoop/v1
//! sandbox.inject(Fault::new("zoop", "void", FaultKind::ApplyThenTimeout).times(1));
//! // ... point a client at `base`, then audit:
//! for entry in sandbox.ledger() {
//!     println!("{} {} {:?} {}", entry.provider, entry.payment, entry.kind, entry.amount_cents);
//! }
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod book;
pub mod cielo;
mod clock;
mod control;
pub mod credentials;
pub mod efi_pix;
mod fault;
pub mod getnet;
mod json;
mod ledger;
pub mod liquido;
pub mod mercado_pago;
mod money;
pub mod pagarme;
pub mod pagbank;
mod payment;
pub mod picpay_checkout;
pub mod picpay_ecommerce;
mod provider;
pub mod rede;
mod route;
mod seed;
mod server;
mod simulated;
mod state;
mod wire;
pub mod yapay;
pub mod zoop;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::SystemTime;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use fault::{ANY, Fault, FaultKind, FaultPlan, HOLD};
pub use ledger::{EffectKind, LedgerEntry, RequestCount};
pub use payment::{DemoPayment, Payment};
pub use provider::Provider;
pub use seed::{DEMO_PER_PROVIDER, MERCADO_PAGO_FIRST_ID, YAPAY_FIRST_NUMBER, demo_payments};

use server::Shared;
use state::State;

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] also waits for it.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts a sandbox with the demo payments on `127.0.0.1` and a free port.
    pub async fn start() -> io::Result<Sandbox> {
        Sandbox::launch(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), true).await
    }

    /// Starts a sandbox without any payment on `127.0.0.1` and a free port.
    pub async fn start_empty() -> io::Result<Sandbox> {
        Sandbox::launch(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), false).await
    }

    /// Starts a sandbox with the demo payments on `addr` (port 0 picks a free one).
    pub async fn bind(addr: SocketAddr) -> io::Result<Sandbox> {
        Sandbox::launch(addr, true).await
    }

    /// Starts a sandbox without any payment on `addr`.
    pub async fn bind_empty(addr: SocketAddr) -> io::Result<Sandbox> {
        Sandbox::launch(addr, false).await
    }

    async fn launch(addr: SocketAddr, seeded: bool) -> io::Result<Sandbox> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        // Tokens from one sandbox must not work on another started later on the same port.
        let salt = wire::stable_hash(&format!("{addr}{:?}", SystemTime::now()), 0);
        let shared = Arc::new(Shared::new(State::new(seeded, salt), addr));
        let (shutdown, stop) = watch::channel(false);
        let server = tokio::spawn(server::run(listener, Arc::clone(&shared), stop));
        Ok(Sandbox {
            addr,
            shared,
            shutdown,
            server: Some(server),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL to give a client of the provider with this slug, e.g.
    /// `http://127.0.0.1:PORT/zoop/v1`; `None` for an unknown slug.
    pub fn base_url(&self, slug: &str) -> Option<String> {
        Provider::from_slug(slug).map(|provider| base_url_for(&self.url(), provider))
    }

    /// The OAuth2 token URL of a provider that has one (PicPay Checkout, Liquido).
    pub fn token_url(&self, slug: &str) -> Option<String> {
        Provider::from_slug(slug).and_then(|provider| token_url_for(&self.url(), provider))
    }

    /// The URL of a provider's other host, by the name its spec gives it (Cielo's `query`).
    pub fn host_url(&self, slug: &str, host: &str) -> Option<String> {
        match (slug, host) {
            ("cielo", "query") => Some(format!("{}/{}", self.url(), cielo::QUERY_PREFIX)),
            _ => None,
        }
    }

    /// How many effects accepted (or timed out) under a delayed fault are still to be applied.
    pub fn delayed_effects(&self) -> usize {
        self.shared
            .delayed
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Every applied effect, in order.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.shared.lock().ledger.entries()
    }

    /// How many requests reached each provider operation, accepted or not.
    pub fn requests(&self) -> Vec<RequestCount> {
        self.shared.lock().ledger.requests()
    }

    /// How many requests reached one provider operation (`"cancel"`, `"status"`, `"token"`...).
    pub fn request_count(&self, provider: &str, operation: &str) -> u64 {
        self.shared.lock().ledger.request_count(provider, operation)
    }

    /// Adds a fault rule; rules are consulted in the order they were added.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.add(fault);
    }

    /// Sets (or with `None` removes) the random fault plan.
    pub fn set_fault_plan(&self, plan: Option<FaultPlan>) {
        self.shared.lock().faults.set_plan(plan);
    }

    /// Removes every fault rule and the random plan.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// With `on`, an id nobody added is a payment all the same: made on its first request,
    /// paid, nothing refunded, with an amount between R$ 10,00 and R$ 1.000,00 that the id
    /// alone decides (the same for every run). A bulk file of any size then needs no data
    /// loaded first (`estorno sandbox serve --synthetic`). Only ids the provider could have
    /// issued are made (Yapay's and Mercado Pago's are numbers); the rest stay unknown.
    pub fn synthesize_unknown(&self, on: bool) {
        self.shared.lock().synthesize_unknown(on);
    }

    /// Inserts a payment, replacing any with the same id.
    pub fn add_payment(&self, payment: impl Into<Payment>) {
        self.shared.lock().insert(payment.into(), clock::now_unix());
    }

    /// Every payment in its current state.
    pub fn payments(&self) -> Vec<DemoPayment> {
        self.shared.lock().payments()
    }

    /// One payment in its current state, named as the ledger names it (Yapay by
    /// `numeroTransacao`).
    pub fn payment(&self, slug: &str, id: &str) -> Option<Payment> {
        let provider = Provider::from_slug(slug)?;
        self.shared.lock().payment(provider, id)
    }

    /// Makes every OAuth token issued so far invalid, as if they had expired, to exercise a
    /// client's token refresh without waiting five minutes.
    pub fn expire_tokens(&self) {
        self.shared.lock().tokens.expire_all();
    }

    /// Stops accepting connections, lets requests in flight finish (held ones are dropped), and
    /// waits for the server to stop.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Serves until the task running it is cancelled (the command line selects on Ctrl-C).
    pub async fn serve(mut self) {
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Runs a seeded sandbox on `addr` until the process ends: `estorno sandbox serve --port N`.
pub async fn serve_forever(addr: SocketAddr) -> io::Result<()> {
    Sandbox::bind(addr).await?.serve().await;
    Ok(())
}

pub(crate) fn base_url_for(root: &str, provider: Provider) -> String {
    format!("{root}/{}{}", provider.slug(), provider.base_path())
}

pub(crate) fn token_url_for(root: &str, provider: Provider) -> Option<String> {
    match provider {
        Provider::PicPayCheckout => Some(format!("{}/oauth2/token", base_url_for(root, provider))),
        Provider::EfiPix => Some(format!("{}/oauth/token", base_url_for(root, provider))),
        Provider::Rede => Some(format!("{root}/rede/redelabs/oauth2/token")),
        Provider::Getnet => Some(format!(
            "{}/auth/oauth/v2/token",
            base_url_for(root, provider)
        )),
        Provider::Liquido => Some(format!(
            "{root}/{}/oauth2/token",
            provider::LIQUIDO_AUTH_PREFIX
        )),
        _ => None,
    }
}
