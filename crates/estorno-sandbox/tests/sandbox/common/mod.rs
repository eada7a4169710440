//! Helpers shared by the sandbox's integration tests: an HTTP client, and the token dances of
//! the two OAuth providers.

use estorno_sandbox::{Sandbox, credentials};
use serde_json::Value;

pub fn client() -> reqwest::Client {
    builder().build().expect("client")
}

/// A client builder. Built in one workspace with the runtime, reqwest has rustls without a
/// crypto provider of its own: install ring's, as the runtime does, before building one.
pub fn builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// Status and JSON body of a response.
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, body)
}

/// Status and JSON body of a request.
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    json(request.send().await.expect("request")).await
}

pub async fn checkout_token(sandbox: &Sandbox, client: &reqwest::Client) -> String {
    let (status, body) = send(
        client
            .post(sandbox.token_url("picpay-checkout").expect("token url"))
            .json(&serde_json::json!({
                "grant_type": "client_credentials",
                "client_id": credentials::PICPAY_CHECKOUT_CLIENT_ID,
                "client_secret": credentials::PICPAY_CHECKOUT_CLIENT_SECRET,
            })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub async fn liquido_token(sandbox: &Sandbox, client: &reqwest::Client) -> String {
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        credentials::LIQUIDO_CLIENT_ID,
        credentials::LIQUIDO_CLIENT_SECRET
    );
    let (status, body) = send(
        client
            .post(sandbox.token_url("liquido").expect("token url"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub fn base(sandbox: &Sandbox, slug: &str) -> String {
    sandbox.base_url(slug).expect("known slug")
}

/// Authenticated request builders, one per provider.
pub fn picpay_ecommerce(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
) -> reqwest::RequestBuilder {
    client
        .request(method, url)
        .header("x-picpay-token", credentials::PICPAY_ECOMMERCE_TOKEN)
}

pub fn yapay(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
) -> reqwest::RequestBuilder {
    client
        .request(method, url)
        .basic_auth(credentials::YAPAY_USER, Some(credentials::YAPAY_PASSWORD))
}

pub fn zoop(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
) -> reqwest::RequestBuilder {
    client
        .request(method, url)
        .basic_auth(credentials::ZOOP_API_KEY, Some(""))
}

pub fn checkout(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
) -> reqwest::RequestBuilder {
    client.request(method, url).bearer_auth(token)
}

pub fn liquido(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
) -> reqwest::RequestBuilder {
    client
        .request(method, url)
        .bearer_auth(token)
        .header("x-api-key", credentials::LIQUIDO_API_KEY)
}

/// The sorted keys of a JSON object.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    keys
}
