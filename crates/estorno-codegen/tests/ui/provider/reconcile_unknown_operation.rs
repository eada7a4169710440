use estorno::Cents;

#[derive(Debug, serde::Deserialize)]
pub struct Charge {
    pub amount: Cents,
}

#[derive(Debug, serde::Deserialize)]
pub struct ApiError {
    pub message: String,
}

#[derive(serde::Serialize)]
pub struct RefundRequest {
    pub amount: Cents,
}

#[estorno::provider(name = "Acme", production = "https://api.acme.test", auth = bearer)]
pub trait Acme {
    #[post("/charges/{charge_id}/refund")]
    #[ok(200 => Charge)]
    #[reconcile(charge_status)]
    fn refund(charge_id: &str, #[json] body: &RefundRequest) -> Charge;

    #[get("/charges/{charge_id}")]
    #[ok(200 => Charge)]
    fn charge(charge_id: &str) -> Charge;
}
fn main() {}
