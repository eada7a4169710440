use estorno::{CancelResponse, Cents};

#[derive(Debug, serde::Deserialize, CancelResponse)]
#[cancel(outcome = status)]
pub struct Charge {
    pub status: ChargeStatus,
    pub amount: Cents,
}

#[estorno::status]
pub enum ChargeStatus {
    #[status("PAID" => Active)]
    Paid,
}

// The cancellation carries no key, so a look-up by one finds nothing.
mod unkeyed {
use super::*;
#[estorno::provider(
    name = "Unkeyed",
    production = "https://api.unkeyed.test",
    auth = bearer,
    cancel(
        total = cancel_charge(payment),
        status = charge(payment),
        reconcile = cancellation(payment, idempotency_key),
    ),
)]
pub trait Unkeyed {
    #[post("/charges/{id}/cancel")]
    #[ok(200 => Charge)]
    fn cancel_charge(id: &str) -> Charge;

    #[get("/charges/{id}/cancellations/{key}")]
    #[ok(200 => Charge)]
    #[idempotent]
    fn cancellation(id: &str, key: &str) -> Charge;

    #[get("/charges/{id}")]
    #[ok(200 => Charge)]
    #[idempotent]
    fn charge(id: &str) -> Charge;
}
}

// A "reconcile" that does not use the key, and one that takes a provider field.
mod keyless {
use super::*;
#[estorno::provider(
    name = "Keyless Look-up",
    production = "https://api.keyless.test",
    auth = bearer,
    cancel(
        total = cancel_charge(payment, idempotency_key),
        status = charge(payment),
        reconcile = charge(field("store")),
    ),
)]
pub trait KeylessLookUp {
    #[post("/charges/{id}/cancel")]
    #[ok(200 => Charge)]
    fn cancel_charge(
        id: &str,
        #[header("x-key")]
        #[idempotency_key(kept_hours = 24)]
        key: &str,
    ) -> Charge;

    #[get("/charges/{id}")]
    #[ok(200 => Charge)]
    #[idempotent]
    fn charge(id: &str) -> Charge;
}
}

fn main() {}
