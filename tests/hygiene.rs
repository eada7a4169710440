//! A spec expands cleanly next to user items that shadow the prelude, under the strictest lints.
//!
//! Generated code must reach everything through absolute paths; if it wrote `Result` or `Ok`
//! bare, the shadowing structs below would break it.

#![deny(warnings, unused_qualifications)]
#![allow(dead_code)] // the shadowing items exist only to be in scope

mod spec {
    use estorno::{Amount, CancelResponse, Cents, Rejection};
    use serde::{Deserialize, Serialize};

    struct Result;
    struct Ok;
    struct Err;
    struct Option;
    struct Some;
    struct None;
    struct Box;
    struct Vec;
    struct String;
    struct Error;
    struct Call;
    struct Response;
    struct Client2;
    trait Send {}
    trait Sync {}
    trait Clone {}
    trait Debug {}

    /// A provider with every kind of parameter and body.
    #[estorno::provider(
        name = "Hygiene Pay",
        production = "https://api.hygiene.test/v1",
        sandbox = "https://sandbox.hygiene.test/v1",
        auth = oauth2_client_credentials(token_url = "/oauth2/token", request = form, api_key_header = "x-api-key"),
        header("Accept-Language" = "pt-BR"),
        cancel(
            total = refund(payment, core::option::Option::None, field("request_id"), idempotency_key, RefundBody { amount: remaining }),
            partial = refund(payment, core::option::Option::Some(amount.cents()), optional_field("request_id").unwrap_or_default(), idempotency_key, RefundBody { amount }),
            status = payment(payment),
        ),
    )]
    pub trait HygienePay {
        /// Refunds a payment.
        #[post("/payments/{payment_id}/refunds")]
        #[ok(200 | 201 => Payment)]
        #[err(200 if "error" => Failure)]
        #[err(400 | 422 => Failure)]
        #[err(401 => Denied)]
        #[err(default => Failure)]
        #[reconcile(payment)]
        #[timeout(secs = 20)]
        #[header("x-version" = "2")]
        fn refund(
            #[path(len = 1..=40, chars = "A-Za-z0-9_-")] payment_id: &str,
            #[query(min = 1)] amount: core::option::Option<Cents>,
            #[header("x-request-id")] request_id: &str,
            #[header("x-idempotency-key")]
            #[idempotency_key(kept_hours = 24, conflict = 422)]
            key: &str,
            #[json] body: &RefundBody,
        ) -> Payment;

        /// Looks a payment up.
        #[get("/payments/{payment_id}")]
        #[ok(200 => Payment)]
        #[idempotent]
        fn payment(payment_id: &str) -> Payment;

        /// Forgets a payment.
        #[delete("/payments/{payment_id}")]
        #[ok(204)]
        #[err(404 => Failure)]
        fn forget(payment_id: &str, #[form] reason: &RefundBody);
    }

    #[derive(Debug, Serialize)]
    pub struct RefundBody {
        pub amount: Amount,
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = status, paid = totals.paid, refunded = totals.refunded, reference = id)]
    pub struct Payment {
        pub id: std::string::String,
        pub status: PaymentStatus,
        pub totals: Totals,
    }

    #[derive(Debug, Deserialize)]
    pub struct Totals {
        pub paid: Cents,
        pub refunded: core::option::Option<Cents>,
    }

    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = message, code = code)]
    pub struct Failure {
        pub message: std::string::String,
        pub code: core::option::Option<std::string::String>,
    }

    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = reason)]
    pub struct Denied {
        pub reason: std::string::String,
    }

    /// Payment states.
    #[estorno::status]
    pub enum PaymentStatus {
        #[status("paid" => Active)]
        Paid,
        #[status("refunded" => Refunded)]
        Refunded,
    }

    /// Numeric states.
    #[estorno::status]
    pub enum CodeStatus {
        #[status(13 => Voided)]
        Cancelled,
        #[status(14 => Refunded)]
        Refunded,
    }
}

#[test]
fn generated_items_resolve_despite_shadowing() {
    use estorno::DomainStatus;
    assert_eq!(spec::SPEC.endpoints.len(), 3);
    assert_eq!(
        spec::SPEC.endpoints[0].timeout,
        Some(std::time::Duration::from_secs(20))
    );
    assert_eq!(
        spec::CodeStatus::from_code(13).outcome(),
        estorno::Outcome::Voided
    );
    assert_eq!(<spec::PaymentStatus as DomainStatus>::MAP.entries.len(), 2);
    fn assert_cancel<T: estorno::Cancel>() {}
    assert_cancel::<spec::Client>();
    let _error_type_exists = |error: spec::RefundError| match error {
        spec::RefundError::Failure(_) | spec::RefundError::Denied(_) => (),
    };
}
