#[estorno::status]
pub enum ChargeStatus {
    #[status("PAID" => Active)]
    Paid,
    #[status("REFUNDED" => Refunded)]
    Refunded,
    Chargeback,
}

fn main() {}
