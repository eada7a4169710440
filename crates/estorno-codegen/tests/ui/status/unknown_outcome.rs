#[estorno::status]
pub enum ChargeStatus {
    #[status("PAID" => Active)]
    Paid,
    #[status("REFUNDED" => Refundd)]
    Refunded,
}

fn main() {}
