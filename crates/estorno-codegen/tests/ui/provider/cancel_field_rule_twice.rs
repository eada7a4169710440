use estorno::{Amount, CancelResponse, Cents, Rejection};

#[derive(Debug, serde::Deserialize, CancelResponse)]
#[cancel(refunded = refunded_amount, remaining = amount)]
pub struct Charge {
    pub amount: Cents,
    pub refunded_amount: Cents,
}

#[derive(Debug, serde::Deserialize, Rejection)]
#[rejection(reason = message)]
pub struct ApiError {
    pub message: String,
}

#[derive(serde::Serialize)]
pub struct RefundRequest {
    pub amount: Amount,
    pub note: String,
}

#[estorno::provider(
    name = "Acme",
    production = "https://api.acme.test",
    auth = bearer,
    cancel(
        total = refund(payment, RefundRequest { amount: remaining, note: field("note", len = 1..=9) }),
        partial = refund(payment, RefundRequest { amount, note: field("note", len = 1..=20) }),
        status = charge(payment),
    ),
)]
pub trait Acme {
    #[post("/charges/{charge_id}/refund")]
    #[ok(200 => Charge)]
    #[err(400 => ApiError)]
    fn refund(charge_id: &str, #[json] body: &RefundRequest) -> Charge;

    #[get("/charges/{charge_id}")]
    #[ok(200 => Charge)]
    #[err(400 => ApiError)]
    fn charge(charge_id: &str) -> Charge;
}

fn main() {}
