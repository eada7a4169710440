use estorno::Cents;

#[derive(Debug, serde::Deserialize)]
pub struct Charge {
    pub amount: Cents,
}

#[derive(Debug, serde::Deserialize)]
pub struct ApiError {
    pub message: String,
}

#[estorno::provider(name = "Acme", production = "https://api.acme.test", auth = bearer)]
pub trait Acme {
    #[get("/charges/{charge_id}")]
    #[ok(200 => Charge)]
    #[err(400 | 404 => ApiError)]
    #[err(500 | 404 => ApiError)]
    fn charge(charge_id: &str) -> Charge;
}
fn main() {}
