//! One provider call as generated code drives it: build, validate, send, read, classify.
//!
//! Generated methods fill a [`Call`] parameter by parameter — each is checked against its
//! declared rule before anything is sent — then `send()` it and match on the [`Response`]
//! status with the spec's declared mappings.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, Visitor};
use tokio::time::Instant;
use tracing::Instrument as _;
use url::Url;

use crate::auth::{AccessToken, read_capped};
use crate::client::{Auth, ClientCore, DEFAULT_TIMEOUT};
use crate::error::{CallError, Error, Meaning, NoBody, is_transient_status};
use crate::money::{Amount, Cents, Reais};
use crate::redact;
use crate::spec::{EndpointSpec, Method, ParamLocation, ParamRule, ParamSpec, UNRESERVED};

/// Everything but RFC 3986 unreserved characters is escaped in a path segment, so `/`, `?`,
/// `#` and `%` in a value stay inside its segment: no identifier can move the request to
/// another path.
pub(crate) const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A value that can go into a path segment, query parameter or header.
pub trait ParamValue {
    /// The value as text, before any encoding.
    fn to_param(&self) -> Cow<'_, str>;
    /// The value as a number, for `min`/`max` rules.
    fn as_number(&self) -> Option<i128> {
        None
    }
}

impl ParamValue for str {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for String {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn to_param(&self) -> Cow<'_, str> {
        (**self).to_param()
    }
    fn as_number(&self) -> Option<i128> {
        (**self).as_number()
    }
}

macro_rules! integer_param {
    ($($int:ty),*) => {$(
        impl ParamValue for $int {
            fn to_param(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
            fn as_number(&self) -> Option<i128> {
                i128::try_from(*self).ok()
            }
        }
    )*};
}

integer_param!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize
);

impl ParamValue for bool {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

/// Integer cents, as most providers take amounts.
impl ParamValue for Cents {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Owned(self.get().to_string())
    }
    fn as_number(&self) -> Option<i128> {
        Some(i128::from(self.get()))
    }
}

/// Integer cents, at least one.
impl ParamValue for Amount {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Owned(self.get().to_string())
    }
    fn as_number(&self) -> Option<i128> {
        Some(i128::from(self.get()))
    }
}

/// Decimal reais with two places (`12.34`); numeric rules apply to the cents.
impl ParamValue for Reais {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_decimal_string())
    }
    fn as_number(&self) -> Option<i128> {
        Some(i128::from(self.cents().get()))
    }
}

/// `object` with `fields` inserted first: `{"a":1}` and `[("k","v")]` give `{"k":"v","a":1}`.
/// `None` when `object` is not a JSON object.
fn with_fields(object: &[u8], fields: &[(&'static str, String)]) -> Option<Vec<u8>> {
    let rest = object.strip_prefix(b"{")?;
    let mut out = Vec::with_capacity(object.len() + fields.len() * 32);
    out.push(b'{');
    for (index, (name, value)) in fields.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, name).ok()?;
        out.push(b':');
        serde_json::to_writer(&mut out, value).ok()?;
    }
    if rest != b"}" {
        out.push(b',');
    }
    out.extend_from_slice(rest);
    Some(out)
}

pub(crate) fn location_name(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path parameter",
        ParamLocation::Query => "query parameter",
        ParamLocation::Header => "header",
        ParamLocation::JsonField => "JSON body field",
    }
}

/// Checks a value against its declared rule. Messages name the parameter (Rust name as the
/// field, wire name in the text) and never repeat the value, which may be personal data.
fn check_rule(param: &ParamSpec, text: &str, number: Option<i128>) -> Result<(), CallError> {
    let what = location_name(param.location);
    check_value(&param.rule, what, param.wire, text, number)
        .map_err(|reason| CallError::invalid(param.name, reason))
}

/// Checks `text` (or `number`, for numeric rules) against `rule`; the reason names `what`
/// (`path parameter`, `field`, ...) and `wire`, never the value.
pub(crate) fn check_value(
    rule: &ParamRule,
    what: &str,
    wire: &str,
    text: &str,
    number: Option<i128>,
) -> Result<(), String> {
    // Identifiers are ASCII: their length is their byte count.
    let length = if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    };
    if let Some(min) = rule.min_len
        && length < min
    {
        return Err(format!(
            "{what} `{wire}` must have at least {min} characters, not {length}"
        ));
    }
    if let Some(max) = rule.max_len
        && length > max
    {
        return Err(format!(
            "{what} `{wire}` must have at most {max} characters, not {length}"
        ));
    }
    if let Some(position) = first_outside(rule, text) {
        let allowed = rule.chars_text.unwrap_or("the declared characters");
        return Err(format!(
            "{what} `{wire}` may only contain {allowed}; character {} is not allowed",
            position + 1
        ));
    }
    if rule.min.is_some() || rule.max.is_some() {
        let Some(value) = number.or_else(|| text.parse().ok()) else {
            return Err(format!("{what} `{wire}` must be a whole number"));
        };
        if let Some(min) = rule.min
            && value < min
        {
            return Err(format!("{what} `{wire}` must be at least {min}"));
        }
        if let Some(max) = rule.max
            && value > max
        {
            return Err(format!("{what} `{wire}` must be at most {max}"));
        }
    }
    Ok(())
}

/// The position (from 0, in characters) of the first character of `text` the rule does not
/// allow; `None` when it allows them all, or sets no characters.
fn first_outside(rule: &ParamRule, text: &str) -> Option<usize> {
    if let Some(allowed) = rule.ascii {
        // A byte past ASCII starts a character an ASCII set cannot hold; every byte before
        // it was ASCII, so its index is its character's position.
        return allowed.first_outside(text.as_bytes());
    }
    let ranges = rule.chars?;
    text.chars()
        .position(|ch| !ranges.iter().any(|&(low, high)| (low..=high).contains(&ch)))
}

/// One call being built. Created by generated code, sent once.
pub struct Call<'a> {
    core: &'a ClientCore,
    endpoint: &'static EndpointSpec,
    /// The URL so far: the base URL, then the path as it is built, percent-encoded.
    url: String,
    query: Vec<(&'static str, String)>,
    /// The call's own headers (its `#[header]` parameters), joined to the endpoint's
    /// constant headers on each attempt.
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<(Bytes, &'static str)>,
    /// `#[json_field]` parameters, added to the JSON body when it is set.
    json_fields: Vec<(&'static str, String)>,
}

impl fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be personal data; only the shape is shown.
        f.debug_struct("Call")
            .field("provider", &self.core.provider().name)
            .field("operation", &self.endpoint.name)
            .field("query_parameters", &self.query.len())
            .field("headers", &self.headers.len())
            .field(
                "body_bytes",
                &self.body.as_ref().map(|(body, _)| body.len()),
            )
            .finish()
    }
}

impl<'a> Call<'a> {
    pub fn new(core: &'a ClientCore, endpoint: &'static EndpointSpec) -> Self {
        let base = core.url_for(endpoint.host);
        // Room for the path and its parameters, so it is rarely grown.
        let mut url = String::with_capacity(base.len() + endpoint.path.len() + 64);
        url.push_str(base);
        Call {
            core,
            endpoint,
            url,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            json_fields: Vec::new(),
        }
    }

    /// Appends literal text of the path template, as written in the spec.
    pub fn path_literal(&mut self, text: &'static str) {
        self.url.push_str(text);
    }

    /// Appends one path parameter: checked against its rule, refused when empty, `.` or `..`
    /// (or holding such a segment between slashes), then percent-encoded as one segment.
    pub fn path_param<V: ParamValue + ?Sized>(
        &mut self,
        param: &'static ParamSpec,
        value: &V,
    ) -> Result<(), CallError> {
        let text = value.to_param();
        let wire = param.wire;
        if text.is_empty() {
            return Err(CallError::invalid(
                param.name,
                format!("path parameter `{wire}` must not be empty"),
            ));
        }
        // `.` and `..` would be resolved away by URL normalisation; behind a proxy that
        // decodes `%2F`, `../x` would too. Neither has a place in an identifier.
        if text.contains('.')
            && text
                .split(['/', '\\'])
                .any(|segment| segment == "." || segment == "..")
        {
            return Err(CallError::invalid(
                param.name,
                format!(
                    "path parameter `{wire}` must not be `.` or `..` or contain such a segment"
                ),
            ));
        }
        check_rule(param, &text, value.as_number())?;
        // Identifiers rarely need escaping: copied whole when the rule allows nothing that
        // does, or when no byte does.
        let plain = param
            .rule
            .ascii
            .is_some_and(|allowed| allowed.is_within(UNRESERVED))
            || text.bytes().all(|byte| UNRESERVED.contains(byte));
        if plain {
            self.url.push_str(&text);
        } else {
            self.url.extend(utf8_percent_encode(&text, SEGMENT));
        }
        Ok(())
    }

    /// Adds `wire=value` to the query string, after checking the rule.
    pub fn query<V: ParamValue + ?Sized>(
        &mut self,
        param: &'static ParamSpec,
        value: &V,
    ) -> Result<(), CallError> {
        let text = value.to_param();
        check_rule(param, &text, value.as_number())?;
        self.query.push((param.wire, text.into_owned()));
        Ok(())
    }

    /// Adds a header, after checking the rule; CR, LF and NUL are refused so a value can
    /// never split into another header.
    pub fn header<V: ParamValue + ?Sized>(
        &mut self,
        param: &'static ParamSpec,
        value: &V,
    ) -> Result<(), CallError> {
        let text = value.to_param();
        let wire = param.wire;
        if text.contains(['\r', '\n', '\0']) {
            return Err(CallError::invalid(
                param.name,
                format!("header `{wire}` must not contain CR, LF or NUL"),
            ));
        }
        check_rule(param, &text, value.as_number())?;
        let name = HeaderName::from_bytes(wire.as_bytes()).map_err(|_| {
            CallError::invalid(param.name, format!("`{wire}` is not a valid header name"))
        })?;
        let header_value = HeaderValue::from_str(&text).map_err(|_| {
            CallError::invalid(param.name, format!("header `{wire}` must be visible ASCII"))
        })?;
        self.headers.push((name, header_value));
        Ok(())
    }

    /// A top-level field of the JSON body, checked against its rule now; it joins the body's
    /// own fields when [`Call::json`] sets the body, which follows.
    pub fn json_field<V: ParamValue + ?Sized>(
        &mut self,
        param: &'static ParamSpec,
        value: &V,
    ) -> Result<(), CallError> {
        let text = value.to_param();
        if text.chars().any(char::is_control) {
            return Err(CallError::invalid(
                param.name,
                format!(
                    "body field `{}` must not contain control characters",
                    param.wire
                ),
            ));
        }
        check_rule(param, &text, value.as_number())?;
        self.json_fields.push((param.wire, text.into_owned()));
        Ok(())
    }

    /// Sets a JSON body, with the `#[json_field]` parameters as top-level fields before the
    /// body's own.
    pub fn json<B: Serialize + ?Sized>(&mut self, body: &B) -> Result<(), CallError> {
        let mut encoded = serde_json::to_vec(body).map_err(|error| {
            CallError::invalid(
                "body",
                format!(
                    "could not be encoded as JSON: {}",
                    redact::reason(&error.to_string())
                ),
            )
        })?;
        if !self.json_fields.is_empty() {
            encoded = with_fields(&encoded, &self.json_fields).ok_or_else(|| {
                CallError::invalid(
                    "body",
                    "takes body fields beside its own, so it must encode as a JSON object",
                )
            })?;
        }
        self.body = Some((Bytes::from(encoded), "application/json"));
        Ok(())
    }

    /// Sets a form-encoded body.
    pub fn form<B: Serialize + ?Sized>(&mut self, body: &B) -> Result<(), CallError> {
        let encoded = serde_urlencoded::to_string(body).map_err(|error| {
            CallError::invalid(
                "body",
                format!(
                    "could not be form-encoded: {}",
                    redact::reason(&error.to_string())
                ),
            )
        })?;
        self.body = Some((Bytes::from(encoded), "application/x-www-form-urlencoded"));
        Ok(())
    }

    /// Sends the call: authentication, per-attempt deadline, capped body, safe retries, and
    /// one tracing span (`estorno.call`) with provider, operation, method, attempt, status
    /// and latency — never bodies, header values, credentials or query values.
    pub async fn send(self) -> Result<Response, CallError> {
        let span = tracing::debug_span!(
            "estorno.call",
            provider = self.core.provider().name,
            operation = self.endpoint.name,
            method = self.endpoint.method.as_str(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        // With no subscriber listening the call goes without the span's bookkeeping.
        if span.is_disabled() {
            return self.send_with_retries(None).await;
        }
        self.send_with_retries(Some(span.clone()))
            .instrument(span)
            .await
    }

    async fn send_with_retries(self, span: Option<tracing::Span>) -> Result<Response, CallError> {
        let prepared = self.prepare()?;
        let policy = prepared.core.0.retry;
        let idempotent = prepared.endpoint.idempotent;
        // A verified idempotency key makes a resend of the same attempt (same key) safe, so
        // the same transient failures are retried as for an idempotent operation; the error
        // left when attempts run out still says the outcome is unknown.
        let resendable = idempotent || prepared.endpoint.key.is_some_and(|key| key.verified);
        // The latency is only ever read by a subscriber: no clock reads when none listens.
        let started =
            (span.is_some() || tracing::enabled!(tracing::Level::DEBUG)).then(Instant::now);
        let mut attempt = 1u32;
        loop {
            let outcome = prepared.attempt().await;
            // A 429 means the provider processed nothing, so it is waited out and sent again
            // even when the operation is not idempotent; other transient statuses only when a
            // resend is safe.
            let retry_wait = match &outcome {
                Ok(response)
                    if response.status == 429
                        || (resendable && is_transient_status(response.status)) =>
                {
                    Some(
                        policy
                            .retry_after(&response.headers)
                            .unwrap_or_else(|| policy.backoff(attempt)),
                    )
                }
                Ok(_) => None,
                Err(error)
                    if error.is_retryable()
                        || (resendable
                            && matches!(
                                error.0,
                                Error::Timeout { .. } | Error::Transport { .. }
                            )) =>
                {
                    Some(
                        error
                            .0
                            .retry_after()
                            .and_then(|wait| policy.cap_retry_after(wait))
                            .unwrap_or_else(|| policy.backoff(attempt)),
                    )
                }
                Err(_) => None,
            };
            match retry_wait {
                Some(wait) if attempt < policy.max_attempts => {
                    tracing::debug!(
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        cause = cause(&outcome),
                        "estorno.retry"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => {
                    // Span fields are recorded once, at the end: subscribers such as
                    // tracing-subscriber's fmt append a field recorded twice.
                    let latency_ms =
                        started.map_or(0, |started| started.elapsed().as_millis() as u64);
                    if let Some(span) = &span {
                        span.record("attempt", attempt);
                        let status = match &outcome {
                            Ok(response) => Some(response.status),
                            Err(CallError(Error::ResponseTooLarge { status, .. })) => Some(*status),
                            // An auth error's status is the token endpoint's, not the call's.
                            Err(_) => None,
                        };
                        if let Some(status) = status {
                            span.record("status", status);
                        }
                        span.record("latency_ms", latency_ms);
                    }
                    tracing::debug!(
                        attempt,
                        latency_ms,
                        outcome = cause(&outcome),
                        "estorno.done"
                    );
                    return outcome;
                }
            }
        }
    }

    /// Turns the parts into what every attempt reuses: URL, headers and body.
    fn prepare(self) -> Result<Prepared<'a>, CallError> {
        let core = self.core;
        let mut url = Url::parse(&self.url).map_err(|_| {
            CallError::invalid("path", "the operation's path does not form a valid URL")
        })?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(
                self.query
                    .iter()
                    .map(|(name, value)| (*name, value.as_str())),
            );
        }
        let (body, content_type) = self.body.unzip();
        let timeout = core
            .0
            .timeout
            .or(self.endpoint.timeout)
            .unwrap_or(DEFAULT_TIMEOUT);
        Ok(Prepared {
            core,
            endpoint: self.endpoint,
            url,
            headers: self.headers,
            body,
            content_type,
            timeout,
        })
    }
}

/// A short, fixed word for what happened, safe for logs.
fn cause(outcome: &Result<Response, CallError>) -> &'static str {
    match outcome {
        Ok(response) if is_transient_status(response.status) => "transient status",
        Ok(_) => "answered",
        Err(CallError(error)) => match error {
            Error::Timeout { .. } => "timeout",
            Error::Transport { sent: false, .. } => "connect failure",
            Error::Transport { sent: true, .. } => "connection failure",
            Error::Auth { .. } => "token failure",
            Error::ResponseTooLarge { .. } => "response too large",
            Error::InvalidRequest { .. } => "invalid request",
            _ => "error",
        },
    }
}

/// A call ready to be sent, possibly several times.
struct Prepared<'a> {
    core: &'a ClientCore,
    endpoint: &'static EndpointSpec,
    url: Url,
    /// The call's own headers; the rest come from the client with each attempt.
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Bytes>,
    content_type: Option<&'static str>,
    timeout: Duration,
}

impl Prepared<'_> {
    /// One attempt, including the single resend after an OAuth2 token was refused.
    async fn attempt(&self) -> Result<Response, CallError> {
        let Auth::OAuth2 { tokens, .. } = &self.core.0.auth else {
            return self.exchange(None).await;
        };
        let token = tokens.token().await.map_err(CallError)?;
        let response = self.exchange(Some(&token)).await?;
        if response.status != 401 {
            return Ok(response);
        }
        // The provider refused the token (revoked, expired early): nothing was done, so the
        // request is sent again once with a fresh token whatever its idempotency. A second
        // 401 goes back to the caller.
        tracing::debug!("estorno.token_refused");
        tokens.invalidate(&token);
        let fresh = tokens.token().await.map_err(CallError)?;
        self.exchange(Some(&fresh)).await
    }

    /// Sends the request once and reads the body, all within the attempt's deadline.
    async fn exchange(&self, token: Option<&Arc<AccessToken>>) -> Result<Response, CallError> {
        let idempotent = self.endpoint.idempotent;
        // The request is assembled directly, not through a `RequestBuilder`, which would
        // merge the prepared headers into its own map one by one.
        let mut request =
            reqwest::Request::new(reqwest_method(self.endpoint.method), self.url.clone());
        let headers = request.headers_mut();
        // The endpoint's constant headers and static credentials, built with the client, in
        // one copy; then the call's own, which never replace a credential.
        *headers = self.core.constant_headers(self.endpoint);
        for (name, value) in &self.headers {
            if !self.core.is_credential_header(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        if let Some(content_type) = self.content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Some(token) = token {
            headers.insert(reqwest::header::AUTHORIZATION, token.header().clone());
        }
        if let Some(body) = &self.body {
            *request.body_mut() = Some(body.clone().into());
        }
        let limit = self.core.0.max_response_bytes;
        let exchange = async {
            let mut response = self
                .core
                .0
                .http
                .execute(request)
                .await
                .map_err(|error| classify(error, idempotent))?;
            let status = response.status().as_u16();
            // Taken, not cloned: the body is all that is read from the response after this.
            let headers = std::mem::take(response.headers_mut());
            // Once a status arrived the request was certainly sent.
            let body = read_capped(response, limit).await.map_err(|error| {
                CallError(Error::Transport {
                    sent: true,
                    idempotent,
                    source: Box::new(error.without_url()),
                })
            })?;
            match body {
                Some(body) => Ok(Response {
                    status,
                    headers,
                    body,
                    idempotent,
                }),
                None => Err(CallError(Error::ResponseTooLarge {
                    status,
                    limit,
                    idempotent,
                })),
            }
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            // The deadline may pass while connecting; it cannot be told apart from one that
            // passes after sending, so it counts as sent: unknown rather than wrongly failed.
            Err(_elapsed) => Err(CallError(Error::Timeout {
                sent: true,
                idempotent,
            })),
        }
    }
}

fn reqwest_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
        Method::Head => reqwest::Method::HEAD,
    }
}

/// Classifies a failed send. Only connection failures (refused, DNS, TLS handshake,
/// connect timeout) prove the request never left; anything else may have reached the
/// provider.
fn classify(error: reqwest::Error, idempotent: bool) -> CallError {
    // The URL can carry query values (personal data); the source error must not.
    let error = error.without_url();
    let sent = !error.is_connect();
    if error.is_timeout() {
        return CallError(Error::Timeout { sent, idempotent });
    }
    CallError(Error::Transport {
        sent,
        idempotent,
        source: Box::new(error),
    })
}

/// A provider's answer: status, headers and the whole (capped) body.
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    idempotent: bool,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body may hold personal data; its size is enough to debug.
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl Response {
    /// A response as if received, for fuzzing decoders and benchmarks; clients never need it.
    #[doc(hidden)]
    pub fn from_parts(status: u16, body: Bytes) -> Self {
        Response {
            status,
            headers: HeaderMap::new(),
            body,
            idempotent: false,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Whether the body is a JSON object with `name` as a top-level key whose value is not
    /// `null`: how "a business failure inside a 200" is recognised. The body is scanned
    /// without building a tree.
    pub fn has_field(&self, name: &str) -> bool {
        self.probe(FieldProbe { name, values: None })
    }

    /// Decodes the body as the success type.
    pub fn decode<T: DeserializeOwned, E>(self) -> Result<T, Error<E>> {
        serde_json::from_slice(&self.body).map_err(|error| self.decode_error(&error))
    }

    /// Success with no body to read (any body is ignored).
    pub fn empty<E>(self) -> Result<(), Error<E>> {
        Ok(())
    }

    /// Whether the body is a JSON object whose top-level `name` is one of `values`: a string
    /// equal to one, or a number written as one (`"9"` matches `9` and `"9"`). How a business
    /// result inside a 200 (Cielo's `ReturnCode`) selects its mapping. Scanned without
    /// building a tree.
    pub fn field_is(&self, name: &str, values: &[&str]) -> bool {
        self.probe(FieldProbe {
            name,
            values: Some(values),
        })
    }

    /// Runs a probe over the whole body: a match in a body that is not one JSON object is
    /// no match.
    fn probe(&self, probe: FieldProbe<'_>) -> bool {
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        let found = deserializer.deserialize_map(probe);
        matches!(found, Ok(true)) && deserializer.end().is_ok()
    }

    /// Decodes the body as the declared error type `B` and wraps it; a body that is not a
    /// `B` gives [`Error::Decode`] with the status.
    pub fn api_error<B: DeserializeOwned, E>(self, wrap: fn(B) -> E, meaning: Meaning) -> Error<E> {
        match serde_json::from_slice::<B>(&self.body) {
            Ok(body) => Error::Api {
                status: self.status,
                headers: Box::new(self.headers),
                body: wrap(body),
                idempotent: self.idempotent,
                meaning,
            },
            Err(error) => self.decode_error(&error),
        }
    }

    /// A declared error whose body is not read (`#[err(401)]`): whatever it holds, if
    /// anything, its status classifies it.
    pub fn bodiless_error<E>(self, wrap: fn(NoBody) -> E, meaning: Meaning) -> Error<E> {
        Error::Api {
            status: self.status,
            headers: Box::new(self.headers),
            body: wrap(NoBody),
            idempotent: self.idempotent,
            meaning,
        }
    }

    /// The error for a status the spec does not declare.
    pub fn unexpected<E>(self) -> Error<E> {
        Error::UnexpectedStatus {
            status: self.status,
            sample: redact::sample(&self.body),
            headers: Box::new(self.headers),
            idempotent: self.idempotent,
        }
    }

    fn decode_error<E>(&self, error: &serde_json::Error) -> Error<E> {
        let trimmed = self.body.trim_ascii_start();
        let reason = if trimmed.is_empty() {
            "empty body where JSON was expected".to_owned()
        } else if trimmed.starts_with(b"<") {
            "the body is HTML or XML, not JSON".to_owned()
        } else {
            redact::reason(&error.to_string())
        };
        Error::Decode {
            status: self.status,
            sample: redact::sample(&self.body),
            reason,
            idempotent: self.idempotent,
        }
    }
}

/// Walks a JSON object's top level looking for one key, skipping every other value: found
/// when its value is not `null` (`values` `None`), or is one of `values`.
struct FieldProbe<'n> {
    name: &'n str,
    values: Option<&'n [&'n str]>,
}

impl<'de> Visitor<'de> for FieldProbe<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(matches) = map.next_key_seed(KeyIs { name: self.name })? {
            found = match (matches, self.values) {
                (false, _) => {
                    map.next_value::<IgnoredAny>()?;
                    found
                }
                (true, None) => map.next_value::<Option<IgnoredAny>>()?.is_some(),
                (true, Some(values)) => map.next_value_seed(ValueIn { values })?,
            };
        }
        Ok(found)
    }
}

/// Reads a scalar and says whether its text is one of `values`; anything else is no match.
struct ValueIn<'n> {
    values: &'n [&'n str],
}

impl<'de> DeserializeSeed<'de> for ValueIn<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueIn<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<bool, E> {
        Ok(self.values.contains(&value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<bool, E> {
        let text = value.to_string();
        Ok(self.values.contains(&text.as_str()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<bool, E> {
        let text = value.to_string();
        Ok(self.values.contains(&text.as_str()))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<bool, E> {
        Ok(self.values.contains(&if value { "true" } else { "false" }))
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
}

/// Reads an object key and says whether it is the one sought, without keeping it.
struct KeyIs<'n> {
    name: &'n str,
}

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::{SEGMENT, UNRESERVED, first_outside};
    use crate::spec::{AsciiSet, ParamRule};

    /// The character-by-character reading the byte set must agree with.
    fn slow(ranges: &[(char, char)], text: &str) -> Option<usize> {
        text.chars()
            .position(|ch| !ranges.iter().any(|&(low, high)| (low..=high).contains(&ch)))
    }

    #[test]
    fn the_ascii_set_agrees_with_the_ranges_for_every_character() {
        let sets: [&[(char, char)]; 6] = [
            &[('A', 'Z'), ('a', 'z'), ('0', '9'), ('-', '-')],
            &[('\0', '\0'), ('\u{7f}', '\u{7f}')],
            &[('\0', '\u{7f}')],
            &[('z', 'a')],
            &[],
            // A range past ASCII has no set, and is read a character at a time.
            &[('a', 'z'), ('à', 'ü')],
        ];
        for ranges in sets {
            let rule = ParamRule {
                chars: Some(ranges),
                ascii: AsciiSet::of(ranges),
                ..ParamRule::NONE
            };
            assert_eq!(
                rule.ascii.is_none(),
                ranges.iter().any(|&(_, high)| !high.is_ascii())
            );
            for code in 0u32..0x100 {
                let ch = char::from_u32(code).unwrap();
                for text in [ch.to_string(), format!("a{ch}"), format!("{ch}-0")] {
                    assert_eq!(
                        first_outside(&rule, &text),
                        slow(ranges, &text),
                        "{ranges:?} {text:?}"
                    );
                }
            }
        }
        let letters = ParamRule {
            chars: Some(&[('a', 'z')]),
            ascii: AsciiSet::of(&[('a', 'z')]),
            ..ParamRule::NONE
        };
        assert_eq!(first_outside(&letters, "abc"), None);
        assert_eq!(first_outside(&letters, "abC"), Some(2));
        assert_eq!(first_outside(&letters, "ab\u{e9}c"), Some(2));
        assert!(
            AsciiSet::of(&[('a', 'z'), ('-', '-')])
                .unwrap()
                .is_within(UNRESERVED)
        );
        assert!(
            !AsciiSet::of(&[('a', 'z'), ('/', '/')])
                .unwrap()
                .is_within(UNRESERVED)
        );
    }

    #[test]
    fn the_unreserved_set_is_what_a_segment_leaves_unescaped() {
        for byte in 0u8..=255 {
            assert_eq!(
                UNRESERVED.contains(byte),
                byte.is_ascii()
                    && percent_encoding::percent_encode(&[byte], SEGMENT).to_string()
                        == char::from(byte).to_string(),
                "byte {byte}"
            );
        }
    }
}
