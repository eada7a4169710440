//! Refunds a PicPay Checkout charge and prints the typed result.
//!
//! With `ESTORNO_PICPAY_CHECKOUT_CLIENT_ID` and `ESTORNO_PICPAY_CHECKOUT_CLIENT_SECRET` in the
//! environment it calls PicPay's real sandbox (set `ESTORNO_EXAMPLE_CHARGE_ID` to a charge of
//! yours there).
//! Without them it starts an in-process mock of PicPay Checkout that answers exactly as PicPay
//! documents, so the example runs anywhere, offline.
//!
//! ```sh
//! cargo run -p estorno --example refund
//! ```

use std::error::Error;

use estorno::Amount;
use estorno::auth::ClientCredentials;
use estorno::picpay_checkout::{Client, RefundRequest};
use httpmock::prelude::*;

/// PicPay's documented answer to a full refund of a R$ 10,00 charge.
const DOCUMENTED_REFUND: &str = r#"{
  "merchantChargeId": "8086bfd7-6241-4f76-81d8-70460533ce74",
  "id": "ed50d469-ae7d-4a3d-a946-6e399cb981bb",
  "chargeStatus": "REFUNDED",
  "amount": 0,
  "originalAmount": 1000,
  "refundedAmount": 1000,
  "transactions": [{
    "paymentType": "CREDIT", "amount": 0, "originalAmount": 1000, "refundedAmount": 1000,
    "transactionStatus": "REFUNDED", "createdAt": "2023-11-08T10:42:36-03:00",
    "updatedAt": "2023-11-08T10:42:36-03:00", "transactionId": "1100000000000000000"
  }]
}"#;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let sandbox_credentials = std::env::var("ESTORNO_PICPAY_CHECKOUT_CLIENT_ID")
        .ok()
        .zip(std::env::var("ESTORNO_PICPAY_CHECKOUT_CLIENT_SECRET").ok());

    // Kept alive until the end of `main` when the mock is in use.
    let mock_server;
    let (client, charge_id) = match sandbox_credentials {
        Some((client_id, client_secret)) => {
            println!("Using PicPay Checkout's sandbox.");
            let client = Client::builder()
                .credentials(ClientCredentials::new(client_id, client_secret))
                .sandbox()
                .build()?;
            let charge_id = std::env::var("ESTORNO_EXAMPLE_CHARGE_ID")
                .map_err(|_| "set ESTORNO_EXAMPLE_CHARGE_ID to a sandbox charge to refund")?;
            (client, charge_id)
        }
        None => {
            println!(
                "No ESTORNO_PICPAY_CHECKOUT_CLIENT_ID/SECRET set: using an in-process mock of PicPay Checkout."
            );
            mock_server = MockServer::start_async().await;
            mock_server.mock(|when, then| {
                when.method(POST).path("/oauth2/token");
                then.status(200).body(
                    r#"{"access_token":"mock-token","expires_in":300,"token_type":"Bearer"}"#,
                );
            });
            mock_server.mock(|when, then| {
                when.method(POST)
                    .path("/charge/8086bfd7-6241-4f76-81d8-70460533ce74/refund")
                    .header("authorization", "Bearer mock-token")
                    .body(r#"{"amount":1000}"#);
                then.status(200)
                    .header("content-type", "application/json")
                    .body(DOCUMENTED_REFUND);
            });
            let client = Client::builder()
                .credentials(ClientCredentials::new("mock-client", "mock-secret"))
                .base_url(mock_server.base_url())
                .build()?;
            (client, "8086bfd7-6241-4f76-81d8-70460533ce74".to_owned())
        }
    };

    let body = RefundRequest {
        amount: Amount::from_cents(1000)?,
    };
    match client
        .refund(&charge_id, Some("estorno-example"), &body)
        .await
    {
        Ok(charge) => {
            println!(
                "charge {}: {} (outcome: {}), refunded {} of {}",
                charge.merchant_charge_id,
                charge.charge_status,
                charge.charge_status.outcome(),
                charge.refunded_amount,
                charge.original_amount,
            );
            println!("{charge:#?}");
        }
        Err(error) if error.outcome_unknown() => {
            println!("outcome unknown ({error}); look the charge up before trying again");
        }
        Err(error) => println!("refund failed: {error}"),
    }
    Ok(())
}
