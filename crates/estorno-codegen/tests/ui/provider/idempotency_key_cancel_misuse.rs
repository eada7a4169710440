use estorno::{Amount, CancelResponse, Rejection};

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

#[derive(serde::Serialize)]
pub struct Partial {
    pub amount: Amount,
}

#[estorno::provider(
    name = "Acme",
    production = "https://api.acme.test",
    auth = bearer,
    cancel(
        // The key parameter takes the request's key, nothing else.
        total = refund(payment, payment),
        // The key cannot fill a parameter its marker does not mark (a call without a key of
        // its own may stand beside a keyed one: it ignores the key).
        partial = void(idempotency_key, Partial { amount }),
        status = charge(payment),
    ),
)]
pub trait Acme {
    #[post("/charges/{charge_id}/refund")]
    #[ok(200 => Charge)]
    #[err(400 => ApiError)]
    fn refund(
        charge_id: &str,
        #[header("x-idempotency-key")]
        #[idempotency_key(kept_hours = 24)]
        key: &str,
    ) -> Charge;

    #[post("/charges/{charge_id}/void")]
    #[ok(200 => Charge)]
    #[err(400 => ApiError)]
    fn void(charge_id: &str, #[json] body: &Partial) -> Charge;

    #[get("/charges/{charge_id}")]
    #[ok(200 => Charge)]
    #[idempotent]
    fn charge(charge_id: &str) -> Charge;
}

fn main() {}
