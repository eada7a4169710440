//! OAuth2 client-credentials access tokens: one fetch at a time, cached until shortly before
//! they expire, refreshed after a 401, and the token endpoint's failures shared by the calls
//! queued behind them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex, RwLock};
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use crate::error::Error;
use crate::redact;
use crate::spec::{ClientAuth, OAuth2Spec, TokenRequestEncoding};

/// Assumed lifetime of a token whose response has no `expires_in`; a 401 refreshes it
/// earlier if the provider disagrees.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// Longest safety margin before expiry at which a token is refreshed, so a token does not
/// expire between being read here and being checked by the provider.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// An access token and when to stop using it.
pub(crate) struct AccessToken {
    /// `Bearer <token>`, marked sensitive.
    header: HeaderValue,
    refresh_at: Instant,
}

impl AccessToken {
    pub(crate) fn header(&self) -> &HeaderValue {
        &self.header
    }
}

/// A token endpoint failure, kept so callers queued behind a failed fetch share its answer
/// instead of each hammering the endpoint in turn.
#[derive(Clone)]
struct TokenFailure {
    status: Option<u16>,
    reason: String,
    sample: String,
    retry_after: Option<Duration>,
}

impl TokenFailure {
    fn into_error<E>(self) -> Error<E> {
        Error::Auth {
            status: self.status,
            reason: self.reason,
            sample: self.sample,
            retry_after: self.retry_after,
            source: None,
        }
    }
}

/// Fetches, caches and refreshes OAuth2 client-credentials tokens.
///
/// Single-flight: readers take the cached token under a short read lock; when it is missing
/// or due for refresh, callers queue on `refresh`, and the first one fetches while the others
/// wait and then find the fresh token. So a burst of calls on a fresh client makes exactly
/// one token request.
pub(crate) struct TokenCache {
    http: reqwest::Client,
    token_url: Url,
    encoding: TokenRequestEncoding,
    client_auth: ClientAuth,
    scope: Option<&'static str>,
    client_id: String,
    client_secret: SecretString,
    timeout: Duration,
    current: RwLock<Option<Arc<AccessToken>>>,
    refresh: tokio::sync::Mutex<()>,
    /// Completed fetches (successful or not), to know whether one finished while we waited.
    fetches: AtomicU64,
    last_failure: StdMutex<Option<TokenFailure>>,
}

#[derive(serde::Serialize)]
struct TokenRequest<'a> {
    grant_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

/// An OAuth2 error body (RFC 6749 §5.2): `{"error", "error_description"}`.
#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default, deserialize_with = "lifetime_seconds")]
    expires_in: Option<u64>,
}

/// `expires_in` as a number or a numeric string: both are seen in the wild.
fn lifetime_seconds<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lifetime {
        Number(u64),
        Text(String),
        Float(f64),
    }
    Ok(match Option::<Lifetime>::deserialize(deserializer)? {
        None => None,
        Some(Lifetime::Number(seconds)) => Some(seconds),
        Some(Lifetime::Text(text)) => text.trim().parse().ok(),
        // Whole seconds are enough; a fractional lifetime rounds down, which is the safe side.
        Some(Lifetime::Float(seconds)) if seconds.is_finite() && seconds >= 0.0 => {
            Some(seconds as u64)
        }
        Some(Lifetime::Float(_)) => None,
    })
}

/// How long before expiry a token is refreshed: 30 s, or a tenth of its lifetime when that
/// is shorter, so short-lived tokens are still used for most of their life.
fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_REFRESH_MARGIN)
}

impl TokenCache {
    pub(crate) fn new(
        http: reqwest::Client,
        token_url: Url,
        oauth: &OAuth2Spec,
        client_id: String,
        client_secret: SecretString,
        timeout: Duration,
    ) -> Self {
        TokenCache {
            http,
            token_url,
            encoding: oauth.request,
            client_auth: oauth.client_auth,
            scope: oauth.scope,
            client_id,
            client_secret,
            timeout,
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
            last_failure: StdMutex::new(None),
        }
    }

    pub(crate) fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// The secrets this cache holds, as they travel: the client secret and the current
    /// access token, for the redactor.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.client_secret.expose_secret().to_owned()];
        let current = self
            .current
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        if let Some(token) = current.as_ref()
            && let Ok(value) = token.header.to_str()
        {
            secrets.push(value.trim_start_matches("Bearer ").to_owned());
        }
        secrets
    }

    fn fresh(&self) -> Option<Arc<AccessToken>> {
        // A poisoned lock only means another thread panicked while swapping an Arc; the
        // value inside is still whole.
        let current = self
            .current
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        current
            .as_ref()
            .filter(|token| Instant::now() < token.refresh_at)
            .cloned()
    }

    /// A valid token, fetching one if needed (at most one fetch at a time).
    pub(crate) async fn token<E>(&self) -> Result<Arc<AccessToken>, Error<E>> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let fetches_seen = self.fetches.load(Ordering::Acquire);
        let _turn = self.refresh.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if self.fetches.load(Ordering::Acquire) != fetches_seen {
            // A fetch finished while we queued and left no token: it failed just now.
            let failure = self
                .last_failure
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .clone();
            if let Some(failure) = failure {
                return Err(failure.into_error());
            }
        }
        let fetched = self.fetch().await;
        let result = match fetched {
            Ok(token) => {
                let token = Arc::new(token);
                *self
                    .current
                    .write()
                    .unwrap_or_else(|poison| poison.into_inner()) = Some(Arc::clone(&token));
                *self
                    .last_failure
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner()) = None;
                Ok(token)
            }
            Err((failure, source)) => {
                *self
                    .last_failure
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner()) = Some(failure.clone());
                let mut error = failure.into_error();
                if let Error::Auth { source: slot, .. } = &mut error {
                    *slot = source;
                }
                Err(error)
            }
        };
        self.fetches.fetch_add(1, Ordering::Release);
        result
    }

    /// Forgets `rejected` after the API answered 401 to it. A token another call already
    /// replaced is left alone, so a burst of 401s causes one refresh, not one each.
    pub(crate) fn invalidate(&self, rejected: &Arc<AccessToken>) {
        let mut current = self
            .current
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        if current
            .as_ref()
            .is_some_and(|token| Arc::ptr_eq(token, rejected))
        {
            *current = None;
        }
    }

    /// One token request. Failures never include the client secret: the request body is
    /// not part of any error, and the response sample has token fields masked.
    async fn fetch(
        &self,
    ) -> Result<
        AccessToken,
        (
            TokenFailure,
            Option<Box<dyn std::error::Error + Send + Sync>>,
        ),
    > {
        let fail = |status, reason: &str, sample: String| TokenFailure {
            status,
            reason: reason.to_owned(),
            sample,
            retry_after: None,
        };
        let mut request = self
            .http
            .post(self.token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.timeout);
        // The client's credentials go in the body, or in a Basic header and not the body.
        let in_body = self.client_auth == ClientAuth::Body;
        if !in_body {
            request = request.basic_auth(&self.client_id, Some(self.client_secret.expose_secret()));
        }
        let request = match self.encoding {
            TokenRequestEncoding::Json => {
                // A struct keeps the documented field order (`json!` would sort the keys).
                let body = serde_json::to_vec(&TokenRequest {
                    grant_type: "client_credentials",
                    client_id: in_body.then_some(self.client_id.as_str()),
                    client_secret: in_body.then(|| self.client_secret.expose_secret()),
                    scope: self.scope,
                })
                .map_err(|_| {
                    (
                        fail(None, "token request could not be encoded", String::new()),
                        None,
                    )
                })?;
                request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
            }
            TokenRequestEncoding::Form => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                // Getnet documents `scope=oob&grant_type=client_credentials`, scope first.
                if let Some(scope) = self.scope {
                    form.append_pair("scope", scope);
                }
                form.append_pair("grant_type", "client_credentials");
                if in_body {
                    form.append_pair("client_id", &self.client_id)
                        .append_pair("client_secret", self.client_secret.expose_secret());
                }
                let body = form.finish();
                request
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body)
            }
        };
        let started = Instant::now();
        let response = request.send().await.map_err(|error| {
            let reason = if error.is_timeout() {
                "token request timed out"
            } else if error.is_connect() {
                "could not connect to the token endpoint"
            } else {
                "token request failed"
            };
            let source: Box<dyn std::error::Error + Send + Sync> = Box::new(error.without_url());
            (fail(None, reason, String::new()), Some(source))
        })?;
        let status = response.status().as_u16();
        let retry_after = crate::client::retry_after_header(response.headers());
        // Token responses are small; 64 KiB is plenty and bounds what a broken endpoint
        // can make us hold.
        let body = read_capped(response, 64 * 1024).await.map_err(|error| {
            let source: Box<dyn std::error::Error + Send + Sync> = Box::new(error.without_url());
            (
                fail(
                    Some(status),
                    "token response could not be read",
                    String::new(),
                ),
                Some(source),
            )
        })?;
        let Some(body) = body else {
            return Err((
                fail(Some(status), "token response is too large", String::new()),
                None,
            ));
        };
        tracing::debug!(
            status,
            latency_ms = started.elapsed().as_millis() as u64,
            "estorno.token"
        );
        if !(200..=299).contains(&status) {
            // An OAuth error body says why (`invalid_client: ...`); its text is the
            // provider's, so it passes the redactor like any other.
            let secrets = [
                self.client_secret.expose_secret().to_owned(),
                self.client_id.clone(),
            ];
            let said = |text: &str| redact::provider_text(text, &secrets, &[]);
            let reason = match serde_json::from_slice::<OAuthError>(&body) {
                Ok(OAuthError {
                    error,
                    error_description: Some(description),
                }) => format!(
                    "token endpoint answered {status}: {}: {}",
                    said(&error),
                    said(&description)
                ),
                Ok(OAuthError { error, .. }) => {
                    format!("token endpoint answered {status}: {}", said(&error))
                }
                Err(_) => format!("token endpoint answered {status}"),
            };
            // The sample too: an endpoint may echo the request, secret and all.
            let mut failure = fail(Some(status), &reason, said(&redact::sample(&body)));
            failure.retry_after = retry_after;
            return Err((failure, None));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|error| {
            let reason = format!(
                "token response did not decode: {}",
                redact::reason(&error.to_string())
            );
            (fail(Some(status), &reason, redact::sample(&body)), None)
        })?;
        let token = SecretString::from(parsed.access_token);
        if token.expose_secret().is_empty() {
            return Err((
                fail(
                    Some(status),
                    "token endpoint sent an empty access token",
                    String::new(),
                ),
                None,
            ));
        }
        let mut header = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| {
                (
                    fail(
                        Some(status),
                        "token endpoint sent an access token that cannot go into a header",
                        String::new(),
                    ),
                    None,
                )
            })?;
        header.set_sensitive(true);
        let lifetime = parsed
            .expires_in
            .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
        Ok(AccessToken {
            header,
            refresh_at: started + lifetime.saturating_sub(refresh_margin(lifetime)),
        })
    }
}

/// Reads a body up to `limit` bytes; `None` when it is longer (reading stops at the limit).
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Option<bytes::Bytes>, reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Ok(None);
    }
    let mut first: Option<bytes::Bytes> = None;
    let mut rest: Option<bytes::BytesMut> = None;
    let mut total = 0usize;
    while let Some(chunk) = response.chunk().await? {
        total = total.saturating_add(chunk.len());
        if total > limit {
            return Ok(None);
        }
        // Most bodies arrive in one chunk: keep it as is, copying only when a second comes.
        match (&mut first, &mut rest) {
            (None, None) => first = Some(chunk),
            (Some(_), None) => {
                let mut joined = bytes::BytesMut::with_capacity(total);
                if let Some(head) = first.take() {
                    joined.extend_from_slice(&head);
                }
                joined.extend_from_slice(&chunk);
                rest = Some(joined);
            }
            (_, Some(joined)) => joined.extend_from_slice(&chunk),
        }
    }
    Ok(Some(match rest {
        Some(joined) => joined.freeze(),
        None => first.unwrap_or_default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_margin_is_the_smaller_of_thirty_seconds_and_a_tenth() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            MAX_REFRESH_MARGIN
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(1)),
            Duration::from_millis(100)
        );
    }
}
