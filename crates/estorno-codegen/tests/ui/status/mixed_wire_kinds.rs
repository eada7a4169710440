#[estorno::status]
pub enum TransactionStatus {
    #[status(13 => Voided)]
    Cancelled,
    #[status("14" => Refunded)]
    Refunded,
}

fn main() {}
