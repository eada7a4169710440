use estorno::{CancelResponse, Cents};

#[derive(Debug, serde::Deserialize, CancelResponse)]
#[cancel(outcome = status, paid = amount)]
pub struct Charge {
    pub status: ChargeStatus,
    pub amount: Cents,
}

#[estorno::status]
pub enum ChargeStatus {
    #[status("PAID" => Active)]
    Paid,
}

// The unified cancellation reads every error's reason: an error type must say where it is.
#[derive(Debug, serde::Deserialize)]
pub struct ApiError {
    pub message: String,
}

#[estorno::provider(
    name = "Acme",
    production = "https://api.acme.test",
    auth = bearer,
    cancel(total = cancel_charge(payment), status = charge(payment)),
)]
pub trait Acme {
    #[post("/charges/{id}/cancel")]
    #[ok(200 => Charge)]
    #[err(400 => ApiError)]
    fn cancel_charge(id: &str) -> Charge;

    #[get("/charges/{id}")]
    #[ok(200 => Charge)]
    #[idempotent]
    fn charge(id: &str) -> Charge;
}

fn main() {}
