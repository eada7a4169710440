use estorno::{CancelResponse, Cents};

#[derive(Debug, serde::Deserialize, CancelResponse)]
#[cancel(refunded = refunded_amount, remaining = amonut)]
pub struct Charge {
    pub amount: Cents,
    pub refunded_amount: Cents,
}

fn main() {}
