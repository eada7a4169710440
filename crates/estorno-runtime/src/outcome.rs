//! The normalised outcome of a cancellation, shared by every provider's status map.

use std::fmt;

/// What a provider status means for a payment someone asked to cancel or refund.
///
/// Every provider status enum maps each of its values to one of these in its spec, and the
/// macro refuses a map that leaves a value out. A value the spec does not know (one the
/// provider added later) maps to [`Outcome::Ambiguous`], never to success or `Pending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The whole captured amount went back to the payer.
    Refunded,
    /// Part of the amount went back; the rest stands.
    PartiallyRefunded,
    /// Cancelled before money moved: authorisation released or order expired.
    Voided,
    /// The cancellation was accepted and the provider or acquirer is still completing it.
    Pending,
    /// The provider accepted this cancellation (a 2xx read as accepted, not a refusal inside
    /// a 200), but its look-up does not show the effect yet. Providers apply accepted
    /// cancellations asynchronously, so this is never a reason to send it again: look again
    /// later. Only a cancellation reads so; no status maps to it.
    Acknowledged,
    /// The provider refused the cancellation; nothing moved.
    Rejected,
    /// The payment stands as it was: nothing has been cancelled.
    Active,
    /// The payment itself never went through (denied, failed); there is nothing to refund.
    Failed,
    /// The payer disputed the payment; the provider handles the money.
    Chargeback,
    /// Nobody can tell yet: reconcile through the provider's status operation.
    Ambiguous,
}

impl Outcome {
    /// Every outcome, in declaration order.
    pub const ALL: [Outcome; 10] = [
        Outcome::Refunded,
        Outcome::PartiallyRefunded,
        Outcome::Voided,
        Outcome::Pending,
        Outcome::Acknowledged,
        Outcome::Rejected,
        Outcome::Active,
        Outcome::Failed,
        Outcome::Chargeback,
        Outcome::Ambiguous,
    ];

    /// The outcome's name as written in specs (`"PartiallyRefunded"`).
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Refunded => "Refunded",
            Outcome::PartiallyRefunded => "PartiallyRefunded",
            Outcome::Voided => "Voided",
            Outcome::Pending => "Pending",
            Outcome::Acknowledged => "Acknowledged",
            Outcome::Rejected => "Rejected",
            Outcome::Active => "Active",
            Outcome::Failed => "Failed",
            Outcome::Chargeback => "Chargeback",
            Outcome::Ambiguous => "Ambiguous",
        }
    }

    /// Whether no further call can change this outcome (money has or has not moved for good).
    pub const fn is_final(self) -> bool {
        !matches!(
            self,
            Outcome::Pending | Outcome::Acknowledged | Outcome::Ambiguous
        )
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Refunded => "refunded",
            Outcome::PartiallyRefunded => "partially refunded",
            Outcome::Voided => "voided",
            Outcome::Pending => "pending",
            Outcome::Acknowledged => "acknowledged",
            Outcome::Rejected => "rejected",
            Outcome::Active => "active",
            Outcome::Failed => "failed",
            Outcome::Chargeback => "chargeback",
            Outcome::Ambiguous => "ambiguous",
        })
    }
}
