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
    #[status("WAITING" => Active)]
    Waiting,
}

#[derive(Debug, serde::Deserialize, Rejection)]
#[rejection(reason = message)]
pub struct ApiError {
    pub message: String,
}

#[derive(serde::Serialize)]
pub struct Body {
    pub amount: Amount,
}

#[estorno::provider(
    name = "Acme",
    production = "https://api.acme.test",
    auth = bearer,
    cancel(
        total = refund(payment, idempotency_key),
        // A total has no `amount`, and this call carries no key while `refund` does.
        total(when = "WAITING") = void(payment, Body { amount }),
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
    fn void(charge_id: &str, #[json] body: Body) -> Charge;

    #[get("/charges/{charge_id}")]
    #[ok(200 => Charge)]
    #[idempotent]
    fn charge(charge_id: &str) -> Charge;
}

fn main() {}
