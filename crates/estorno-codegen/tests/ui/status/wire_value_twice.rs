#[estorno::status]
pub enum ChargeStatus {
    #[status("PAID" => Active)]
    Paid,
    #[status("PAID" => Refunded)]
    Refunded,
}

fn main() {}
