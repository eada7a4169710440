use estorno::{CancelResponse, Rejection};

#[derive(Debug, serde::Deserialize, CancelResponse)]
#[cancel(outcome = status)]
pub struct Charge {
    pub status: ChargeStatus,
}

#[estorno::status]
pub enum ChargeStatus {
    #[status("PAID" => Active)]
    Paid,
}

#[derive(Debug, serde::Deserialize, Rejection)]
#[rejection(reason = message)]
pub struct ApiError {
    pub message: String,
}

#[estorno::provider(name = "Acme", production = "https://api.acme.test", auth = bearer)]
pub trait Acme {
    // No retention: how long the provider keeps the key decides what a resend proves.
    #[post("/charges/{charge_id}/refund")]
    #[ok(200 => Charge)]
    fn refund(
        charge_id: &str,
        #[header("x-idempotency-key")]
        #[idempotency_key]
        key: &str,
    ) -> Charge;

    // No UUID fits 20 characters.
    #[post("/charges/{charge_id}/void")]
    #[ok(200 => Charge)]
    fn void(
        charge_id: &str,
        #[header("x-idempotency-key", len = 1..=20)]
        #[idempotency_key(kept_hours = 24)]
        key: &str,
    ) -> Charge;

    // A conflict status the operation does not declare, and a key that is not text.
    #[put("/charges/{charge_id}/devolucao/{id}")]
    #[ok(201 => Charge)]
    #[err(400 => ApiError)]
    fn devolucao(
        charge_id: &str,
        #[idempotency_key(permanent, conflict = 409)] id: u64,
    ) -> Charge;
}

fn main() {}
