//! What a careful engineer writes by hand with reqwest for the bench's two calls: one pooled
//! client built once, the credential header prepared once, the URL formatted into place, serde
//! decoding into plain types, the status checked, a deadline per request.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::{Deserialize, Serialize};

/// The same deadline the generated clients apply per attempt.
const TIMEOUT: Duration = Duration::from_secs(30);

fn http() -> reqwest::Client {
    // reqwest's rustls needs a crypto provider, as the generated client installs.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(TIMEOUT)
        .user_agent(concat!("estorno/", env!("CARGO_PKG_VERSION")))
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        )]))
        .build()
        .expect("a reqwest client")
}

/// Why a hand-written call failed, as text.
#[derive(Debug)]
pub struct Failed(pub String);

impl From<reqwest::Error> for Failed {
    fn from(error: reqwest::Error) -> Self {
        Failed(error.to_string())
    }
}

impl From<serde_json::Error> for Failed {
    fn from(error: serde_json::Error) -> Self {
        Failed(error.to_string())
    }
}

async fn answer<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, Failed> {
    let status = response.status();
    let body = response.bytes().await?;
    if status != reqwest::StatusCode::OK {
        return Err(Failed(format!("status {status}")));
    }
    Ok(serde_json::from_slice(&body)?)
}

/// PicPay Checkout's refund, by hand: a token fetched once, then `POST /charge/{id}/refund`.
pub struct PicPay {
    http: reqwest::Client,
    base: String,
    bearer: HeaderValue,
}

#[derive(Serialize)]
struct TokenRequest<'a> {
    grant_type: &'a str,
    client_id: &'a str,
    client_secret: &'a str,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

#[derive(Serialize)]
struct Refund {
    amount: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    pub merchant_charge_id: String,
    pub id: String,
    pub charge_status: ChargeStatus,
    pub amount: u64,
    pub original_amount: u64,
    pub refunded_amount: u64,
    #[serde(default)]
    pub transactions: Vec<ChargeTransaction>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChargeStatus {
    Canceled,
    Denied,
    Error,
    Paid,
    Partial,
    PreAuthorized,
    Refunded,
    Chargeback,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeTransaction {
    pub payment_type: String,
    pub amount: u64,
    pub original_amount: u64,
    pub refunded_amount: u64,
    pub transaction_status: String,
    pub created_at: String,
    pub updated_at: String,
    pub transaction_id: String,
    #[serde(default)]
    pub soft_descriptor: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub pix: Option<Pix>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pix {
    pub qr_code: String,
    pub qr_code_base64: String,
    #[serde(default)]
    pub end_to_end_id: Option<String>,
}

impl PicPay {
    /// Fetches the token once: the bench's calls all fall within its lifetime, as the
    /// generated client's cached token does.
    pub async fn new(base: &str, client_id: &str, client_secret: &str) -> PicPay {
        let http = http();
        let token: Token = answer(
            http.post(format!("{base}/oauth2/token"))
                .json(&TokenRequest {
                    grant_type: "client_credentials",
                    client_id,
                    client_secret,
                })
                .send()
                .await
                .expect("the token endpoint answers"),
        )
        .await
        .expect("a token");
        let bearer = HeaderValue::try_from(format!("Bearer {}", token.access_token))
            .expect("a token fit for a header");
        PicPay {
            http,
            base: base.to_owned(),
            bearer,
        }
    }

    pub async fn refund(
        &self,
        charge_id: &str,
        caller_origin: &str,
        cents: u64,
    ) -> Result<Charge, Failed> {
        let response = self
            .http
            .post(format!("{}/charge/{charge_id}/refund", self.base))
            .header(AUTHORIZATION, self.bearer.clone())
            .header("caller-origin", caller_origin)
            .json(&Refund { amount: cents })
            .send()
            .await?;
        answer(response).await
    }
}

/// Zoop's void, by hand: HTTP Basic with the key, then
/// `POST /marketplaces/{id}/transactions/{id}/void`.
pub struct Zoop {
    http: reqwest::Client,
    base: String,
    basic: HeaderValue,
}

#[derive(Serialize)]
struct Void<'a> {
    amount: u64,
    on_behalf_of: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct Transaction {
    pub id: String,
    pub status: TransactionStatus,
    pub amount: u64,
    pub original_amount: u64,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub payment_type: Option<String>,
    pub on_behalf_of: String,
    #[serde(default)]
    pub reference_id: Option<String>,
    #[serde(default)]
    pub voided: bool,
    #[serde(default)]
    pub refunded: bool,
    #[serde(default)]
    pub captured: bool,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionStatus {
    Succeeded,
    PreAuthorized,
    Canceled,
    Refunded,
    Reversed,
    Failed,
    Pending,
    New,
}

#[derive(Debug, Deserialize)]
pub struct HistoryEntry {
    pub id: String,
    #[serde(default)]
    pub transaction: Option<String>,
    pub amount: u64,
    pub operation_type: String,
    pub status: String,
    #[serde(default)]
    pub response_code: Option<String>,
    #[serde(default)]
    pub response_message: Option<String>,
    #[serde(default)]
    pub authorization_code: Option<String>,
    #[serde(default)]
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub authorization_nsu: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

impl Zoop {
    pub fn new(base: &str, key: &str) -> Zoop {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
        let mut basic = HeaderValue::try_from(format!("Basic {encoded}")).expect("a header value");
        basic.set_sensitive(true);
        Zoop {
            http: http(),
            base: base.to_owned(),
            basic,
        }
    }

    pub async fn void(
        &self,
        marketplace_id: &str,
        transaction_id: &str,
        cents: u64,
        on_behalf_of: &str,
    ) -> Result<Transaction, Failed> {
        let response = self
            .http
            .post(format!(
                "{}/marketplaces/{marketplace_id}/transactions/{transaction_id}/void",
                self.base
            ))
            .header(AUTHORIZATION, self.basic.clone())
            .json(&Void {
                amount: cents,
                on_behalf_of,
            })
            .send()
            .await?;
        answer(response).await
    }
}
