#[estorno::status]
pub enum ChargeStatus {
    #[status("PAID" => Active)]
    Paid,
    Unknown,
}

fn main() {}
