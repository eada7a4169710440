#[estorno::status]
pub enum RefundStatus {
    // Repeats the outcome it already has.
    #[status("approved" => Refunded, partial = Refunded)]
    Approved,
    // Not an outcome.
    #[status("in_process" => Pending, partial = Halfway)]
    InProcess,
    // Not `partial`.
    #[status("rejected" => Rejected, total = Rejected)]
    Rejected,
}

fn main() {}
