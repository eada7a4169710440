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
    #[get("/charges/{charge_id}/items/{item_id}")]
    #[ok(200 => Charge)]
    fn charge(#[path] charge_id: &str) -> Charge;
}
fn main() {}
