//! Building a provider client: environments, URLs, transport, auth, retries and limits.
//!
//! Every generated client wraps one [`ClientCore`], an `Arc` around the checked configuration,
//! so clients are cheap to clone and share one connection pool.

use base64::Engine as _;
use std::fmt;
use std::marker::PhantomData;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use url::{Host, Url};

use crate::auth::{Authenticator, Credentials, Plan, TokenCache};
use crate::error::BuildError;
use crate::spec::{EndpointSpec, ProviderSpec};
use crate::tls::ClientIdentity;

/// Total deadline of one attempt when neither the builder nor the endpoint sets one.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;
const USER_AGENT: &str = concat!("estorno/", env!("CARGO_PKG_VERSION"));

/// A generated provider client. Implemented by the spec macro; the methods are its plumbing.
pub trait Provider: Sized + Clone + Send + Sync + 'static {
    /// The credential type the provider's auth scheme needs.
    type Credentials: Credentials;
    /// The provider's static description.
    const SPEC: &'static ProviderSpec;
    /// Wraps a built core into the generated client.
    fn from_core(core: ClientCore) -> Self;
    /// The core every call goes through.
    fn core(&self) -> &ClientCore;
}

/// When and how often a call is sent again.
///
/// Retries happen only when safe: when the request never left (connection refused, DNS
/// failure, connect timeout), when no access token could be had (the API was not called),
/// or — for operations the spec declares idempotent — after timeouts, resets and transient
/// statuses (408, 429, 5xx). A non-idempotent call that may have reached the provider is
/// never sent again; its error reports [`crate::Error::outcome_unknown`].
///
/// Waits use exponential backoff with full jitter: before retry `n` the wait is a random
/// duration between zero and `min(max_delay, base_delay × 2ⁿ⁻¹)`. A `Retry-After` header
/// (seconds or HTTP date) replaces that wait, capped at `max_retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) base_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) max_retry_after: Duration,
}

impl RetryPolicy {
    /// Three attempts, 100 ms base delay, 2 s cap, `Retry-After` honoured up to 10 s.
    pub const fn new() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(10),
        }
    }

    /// Every call is sent once.
    pub const fn none() -> Self {
        RetryPolicy::new().max_attempts(1)
    }

    /// Attempts in all, the first included (default 3; 0 counts as 1).
    #[must_use]
    pub const fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = if attempts == 0 { 1 } else { attempts };
        self
    }

    /// Base of the exponential backoff (default 100 ms).
    #[must_use]
    pub const fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Longest backoff wait (default 2 s).
    #[must_use]
    pub const fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Longest wait a `Retry-After` header can impose (default 10 s).
    #[must_use]
    pub const fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The wait before retry number `retry` (1 for the first retry), with full jitter.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let doubling = 2u32.saturating_pow(retry.saturating_sub(1));
        let ceiling = self.base_delay.saturating_mul(doubling).min(self.max_delay);
        let ceiling_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=ceiling_nanos))
    }

    /// The wait a `Retry-After` header asks for, capped.
    pub(crate) fn retry_after(&self, headers: &HeaderMap) -> Option<Duration> {
        self.cap_retry_after(retry_after_header(headers)?)
    }

    /// A wait the provider asked for, capped at `max_retry_after`.
    pub(crate) fn cap_retry_after(&self, wait: Duration) -> Option<Duration> {
        Some(wait.min(self.max_retry_after))
    }
}

/// The wait a `Retry-After` header asks for (seconds or an HTTP date), uncapped.
pub(crate) fn retry_after_header(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    match value.parse::<u64>() {
        Ok(seconds) => Some(Duration::from_secs(seconds)),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            Some(
                at.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            )
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new()
    }
}

/// How each call authenticates, ready to use.
pub(crate) enum Auth {
    Static {
        kind: &'static str,
        headers: HeaderMap,
    },
    OAuth2 {
        // Boxed: the cache is much larger than a static header map.
        tokens: Box<TokenCache>,
        api_key: Option<(HeaderName, HeaderValue)>,
    },
}

impl Auth {
    /// Puts the static credentials (a Basic header, an API key) into `headers`, replacing
    /// any header of the same name.
    fn insert_credentials(&self, headers: &mut HeaderMap) {
        match self {
            Auth::Static { headers: auth, .. } => {
                for (name, value) in auth {
                    headers.insert(name, value.clone());
                }
            }
            Auth::OAuth2 {
                api_key: Some((name, value)),
                ..
            } => {
                headers.insert(name, value.clone());
            }
            Auth::OAuth2 { api_key: None, .. } => {}
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Auth::Static { kind, .. } => kind,
            Auth::OAuth2 { .. } => "oauth2_client_credentials",
        }
    }
}

/// The checked configuration shared by every clone of a generated client.
///
/// Cheap to clone (one `Arc`), `Send + Sync`. Its `Debug` shows the provider, the base URL and
/// the kind of auth scheme, never a credential.
#[derive(Clone)]
pub struct ClientCore(pub(crate) Arc<CoreInner>);

pub(crate) struct CoreInner {
    pub(crate) provider: &'static ProviderSpec,
    pub(crate) http: reqwest::Client,
    /// The base URL without a trailing slash; operation paths are appended to it.
    pub(crate) base_url: String,
    /// The spec's other hosts' URLs, in [`ProviderSpec::hosts`] order, without trailing
    /// slashes.
    pub(crate) hosts: Vec<String>,
    pub(crate) sandbox: bool,
    pub(crate) auth: Auth,
    /// Each endpoint's constant headers (`Accept`, the provider's, the endpoint's), in
    /// [`ProviderSpec::endpoints`] order.
    pub(crate) endpoint_headers: Vec<HeaderMap>,
    /// A deadline set on the builder, which wins over the endpoint's own.
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
}

impl ClientCore {
    /// Every credential this client sends, in the forms a header carries it (a Basic
    /// header's base64 and the pair and password inside it, a Bearer token, a key), for the
    /// redactor of provider texts.
    fn secrets(&self) -> Vec<String> {
        let header_secrets = |value: &HeaderValue, secrets: &mut Vec<String>| {
            let Ok(text) = value.to_str() else { return };
            secrets.push(text.to_owned());
            if let Some(encoded) = text.strip_prefix("Basic ") {
                secrets.push(encoded.to_owned());
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok());
                if let Some(pair) = decoded {
                    match pair.split_once(':') {
                        // A key sent as the user with an empty password is the secret itself.
                        Some((user, "")) => secrets.push(user.to_owned()),
                        Some((_, password)) => secrets.push(password.to_owned()),
                        None => {}
                    }
                    secrets.push(pair);
                }
            } else if let Some(token) = text.strip_prefix("Bearer ") {
                secrets.push(token.to_owned());
            }
        };
        let mut secrets = Vec::new();
        match &self.0.auth {
            Auth::Static { headers, .. } => {
                for value in headers.values() {
                    header_secrets(value, &mut secrets);
                }
            }
            Auth::OAuth2 { tokens, api_key } => {
                secrets.extend(tokens.secrets());
                if let Some((_, value)) = api_key {
                    header_secrets(value, &mut secrets);
                }
            }
        }
        secrets
    }

    /// A provider's text (a refusal's reason, a failure's message) made safe to print and
    /// store: this client's secrets removed in every form, personal data masked, `keep` (the
    /// request's own ids) left readable, and the length capped.
    pub fn redact(&self, text: &str, keep: &[&str]) -> String {
        crate::redact::provider_text(text, &self.secrets(), keep)
    }

    /// The provider's static description.
    pub fn provider(&self) -> &'static ProviderSpec {
        self.0.provider
    }

    /// The base URL calls go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.0.base_url
    }

    /// The URL an operation's paths are appended to: its declared host's, else the base URL.
    pub fn url_for(&self, host: Option<usize>) -> &str {
        host.and_then(|index| self.0.hosts.get(index))
            .map_or(self.0.base_url.as_str(), String::as_str)
    }

    /// The constant headers a call of `endpoint` starts from: `Accept`, the provider's and
    /// the endpoint's own, as built with the client.
    pub(crate) fn constant_headers(&self, endpoint: &EndpointSpec) -> HeaderMap {
        // Found by name: generated code names endpoints of its own spec, and names are
        // unique within a spec.
        let built = self
            .0
            .provider
            .endpoints
            .iter()
            .position(|candidate| candidate.name == endpoint.name)
            .and_then(|index| self.0.endpoint_headers.get(index));
        match built {
            Some(headers) => headers.clone(),
            // An endpoint from outside the client's spec (a test's): its constants are read
            // now, an invalid one left out as the builder would have refused it.
            None => endpoint_constants(self.0.provider, endpoint, &self.0.auth, Invalid::Skip)
                .unwrap_or_default(),
        }
    }

    /// Whether `name` carries one of the client's static credentials, which a call's own
    /// header never replaces.
    pub(crate) fn is_credential_header(&self, name: &HeaderName) -> bool {
        match &self.0.auth {
            Auth::Static { headers, .. } => headers.contains_key(name),
            Auth::OAuth2 {
                api_key: Some((key, _)),
                ..
            } => key == name,
            Auth::OAuth2 { api_key: None, .. } => false,
        }
    }

    /// Whether the client was built for the provider's sandbox.
    pub fn is_sandbox(&self) -> bool {
        self.0.sandbox
    }
}

impl fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ClientCore");
        debug
            .field("provider", &self.0.provider.name)
            .field("base_url", &self.0.base_url)
            .field("auth", &self.0.auth.kind());
        if let Auth::OAuth2 { tokens, .. } = &self.0.auth {
            debug.field("token_url", &tokens.token_url().as_str());
        }
        debug.finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Environment {
    Production,
    Sandbox,
}

/// Configures and builds a provider client: `Client::builder().credentials(..).build()?`.
///
/// Setters never fail; every check happens in [`ClientBuilder::build`], which reports the
/// first problem as a [`BuildError`] naming the setting.
#[must_use]
pub struct ClientBuilder<P: Provider> {
    credentials: Option<P::Credentials>,
    environment: Environment,
    base_url: Option<String>,
    host_urls: Vec<(String, String)>,
    token_url: Option<String>,
    auth: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    transport: Option<reqwest::Client>,
    identity: Option<ClientIdentity>,
    root_certificates: Option<Vec<u8>>,
    retry: RetryPolicy,
    max_response_bytes: usize,
    provider: PhantomData<fn() -> P>,
}

impl<P: Provider> Default for ClientBuilder<P> {
    fn default() -> Self {
        ClientBuilder::new()
    }
}

impl<P: Provider> fmt::Debug for ClientBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("provider", &P::SPEC.name)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "[redacted]"),
            )
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("host_urls", &self.host_urls)
            .field("token_url", &self.token_url)
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("transport", &self.transport.as_ref().map(|_| "custom"))
            .field("identity", &self.identity.as_ref().map(|_| "[redacted]"))
            .field("root_certificates", &self.root_certificates.is_some())
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl<P: Provider> ClientBuilder<P> {
    /// A builder with every default: production, no credentials yet.
    pub fn new() -> Self {
        ClientBuilder {
            credentials: None,
            environment: Environment::Production,
            base_url: None,
            host_urls: Vec::new(),
            token_url: None,
            auth: None,
            timeout: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            transport: None,
            identity: None,
            root_certificates: None,
            retry: RetryPolicy::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            provider: PhantomData,
        }
    }

    /// The credentials every call authenticates with. Required: there is no default.
    pub fn credentials(mut self, credentials: P::Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Use the provider's sandbox base URL (and sandbox token URL). `build()` fails if the
    /// provider has no sandbox and no [`base_url`](Self::base_url) is set.
    pub fn sandbox(mut self) -> Self {
        self.environment = Environment::Sandbox;
        self
    }

    /// Use the provider's production base URL. This is the default.
    pub fn production(mut self) -> Self {
        self.environment = Environment::Production;
        self
    }

    /// Send calls to this base URL instead of either environment's (a proxy, a simulator, a
    /// mock server). Operation paths are appended to its path. Must be `https`, except for
    /// loopback hosts. Default: the spec's URL for the chosen environment.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Send the operations declared on the spec's host `name` (`#[host("query")]`) to this
    /// URL. Without it, such operations follow [`base_url`](Self::base_url) when that is set
    /// (a test server or a simulator serving every host), else the host's own URL for the
    /// chosen environment. A name the spec does not declare fails `build()`.
    pub fn host_url(mut self, name: impl Into<String>, url: impl Into<String>) -> Self {
        self.host_urls.push((name.into(), url.into()));
        self
    }

    /// OAuth2 only: request tokens here instead of at the spec's token URL. A path such as
    /// `/oauth2/token` is appended to the base URL's path; an absolute URL is used as is.
    /// Default: the spec's token URL for the chosen environment.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Authenticate with the spec's scheme named `name` (`auth(name = "legacy", ...) = basic`)
    /// instead of its default one, with the same credentials; the scheme's own base URLs
    /// apply unless [`base_url`](Self::base_url) is set. A name the spec does not declare
    /// fails `build()`.
    pub fn auth(mut self, name: impl Into<String>) -> Self {
        self.auth = Some(name.into());
        self
    }

    /// Total deadline of one attempt, from connecting to the last byte of the body, for
    /// every operation. Default: the operation's own deadline from the spec, else 30 s; set
    /// here, it wins over both.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Deadline for opening a connection (default 10 s). Ignored with
    /// [`transport`](Self::transport), whose own settings apply.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Share an existing reqwest client and its connection pool. Default: one client built
    /// for this provider with rustls, a connect timeout, the `estorno/<version>` user agent
    /// and redirects disabled.
    ///
    /// A shared client keeps its own redirect policy: build it with
    /// `redirect(reqwest::redirect::Policy::none())`, or a mutating call answered with a 307
    /// or 308 could be sent twice.
    pub fn transport(mut self, client: reqwest::Client) -> Self {
        self.transport = Some(client);
        self
    }

    /// The client certificate presented on every connection, the token call's included:
    /// required by providers whose spec declares `client_certificate` (mutual TLS), for any
    /// `https` base URL. Not with [`transport`](Self::transport), which was built without it.
    pub fn client_identity(mut self, identity: ClientIdentity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Certificates (PEM) trusted beside the platform's roots: a private CA in front of the
    /// provider, or a test server's. Not with [`transport`](Self::transport).
    pub fn root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates = Some(pem.into());
        self
    }

    /// When calls are sent again (default [`RetryPolicy::new`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Longest response body read (default 1 MiB). Reading stops there and the call fails
    /// with [`crate::Error::ResponseTooLarge`].
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<P, BuildError> {
        let spec = P::SPEC;
        let credentials = self.credentials.ok_or(BuildError::MissingCredentials)?;
        let (scheme, production, sandbox) = match self.auth.as_deref() {
            None => (&spec.auth, spec.production, spec.sandbox),
            Some(name) => {
                let variant = spec
                    .auths
                    .iter()
                    .find(|variant| variant.name == name)
                    .ok_or_else(|| BuildError::UnknownAuth {
                        provider: spec.name,
                        name: name.to_owned(),
                        known: known_auths(spec),
                    })?;
                (
                    &variant.auth,
                    variant.production.or(spec.production),
                    variant.sandbox.or(spec.sandbox),
                )
            }
        };
        let base_text = match (&self.base_url, self.environment) {
            (Some(url), _) => url.as_str(),
            (None, Environment::Production) => production.ok_or(BuildError::NoProductionUrl {
                provider: spec.name,
            })?,
            (None, Environment::Sandbox) => sandbox.ok_or(BuildError::NoSandbox {
                provider: spec.name,
            })?,
        };
        let base_url = checked_url("base_url", base_text)?;
        if base_url.query().is_some() || base_url.fragment().is_some() {
            return Err(BuildError::InvalidUrl {
                field: "base_url",
                reason: "must not have a query or fragment".to_owned(),
            });
        }
        let base_url = base_url.as_str().trim_end_matches('/').to_owned();
        let hosts = hosts::<P>(
            &self.host_urls,
            self.base_url.is_some(),
            self.environment,
            &base_url,
        )?;

        let authenticator = credentials
            .into_authenticator(scheme)
            .map_err(|error| with_provider(error, spec))?;

        // A client certificate only travels over TLS: loopback `http` (tests, the sandbox)
        // needs none. A shared transport carries its own, which cannot be checked here.
        if spec.client_certificate
            && base_url.starts_with("https:")
            && self.identity.is_none()
            && self.transport.is_none()
        {
            return Err(BuildError::MissingClientIdentity {
                provider: spec.name,
            });
        }
        let http = match self.transport {
            Some(_) if self.identity.is_some() || self.root_certificates.is_some() => {
                return Err(BuildError::IdentityWithTransport);
            }
            Some(client) => client,
            None => {
                crate::tls::install_crypto_provider();
                let mut builder = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .connect_timeout(self.connect_timeout)
                    .user_agent(USER_AGENT);
                if let Some(identity) = &self.identity {
                    builder =
                        builder.identity(identity.to_reqwest().map_err(BuildError::Transport)?);
                }
                if let Some(pem) = &self.root_certificates {
                    let roots = crate::tls::root_certificates(pem)
                        .map_err(|reason| BuildError::InvalidRootCertificates { reason })?;
                    for root in roots {
                        builder = builder.add_root_certificate(root);
                    }
                }
                builder.build().map_err(BuildError::Transport)?
            }
        };

        let auth = match authenticator {
            Authenticator(Plan::Static { kind, headers }) => Auth::Static { kind, headers },
            Authenticator(Plan::OAuth2 {
                spec: oauth,
                client_id,
                client_secret,
                api_key,
            }) => {
                let declared = match self.environment {
                    Environment::Sandbox => oauth.sandbox_token_url.unwrap_or(oauth.token_url),
                    Environment::Production => oauth.token_url,
                };
                let token_text = self.token_url.as_deref().unwrap_or(declared);
                let token_url = resolve_token_url(&base_url, token_text)?;
                Auth::OAuth2 {
                    tokens: Box::new(TokenCache::new(
                        http.clone(),
                        token_url,
                        &oauth,
                        client_id,
                        client_secret,
                        self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                    )),
                    api_key,
                }
            }
        };

        let endpoint_headers = constant_headers(spec, &auth)?;
        let core = ClientCore(Arc::new(CoreInner {
            provider: spec,
            http,
            base_url,
            hosts,
            sandbox: self.environment == Environment::Sandbox,
            auth,
            endpoint_headers,
            timeout: self.timeout,
            retry: self.retry,
            max_response_bytes: self.max_response_bytes,
        }));
        Ok(P::from_core(core))
    }
}

/// The names of a spec's auth schemes, for an error naming an unknown one.
fn known_auths(spec: &ProviderSpec) -> String {
    let mut names = vec!["the default"];
    names.extend(spec.auths.iter().map(|variant| variant.name));
    names.join(", ")
}

/// The URL of each of the spec's other hosts: an override by name, else the overridden base
/// URL, else the host's URL for the environment.
fn hosts<P: Provider>(
    host_urls: &[(String, String)],
    base_overridden: bool,
    environment: Environment,
    base_url: &str,
) -> Result<Vec<String>, BuildError> {
    let spec = P::SPEC;
    if let Some((name, _)) = host_urls
        .iter()
        .find(|(name, _)| !spec.hosts.iter().any(|host| host.name == name))
    {
        return Err(BuildError::UnknownHost {
            provider: spec.name,
            name: name.clone(),
        });
    }
    spec.hosts
        .iter()
        .map(|host| {
            let given = host_urls
                .iter()
                .rev()
                .find(|(name, _)| name == host.name)
                .map(|(_, url)| url.as_str());
            let text = match (given, base_overridden, environment) {
                (Some(url), _, _) => url,
                (None, true, _) => return Ok(base_url.to_owned()),
                (None, false, Environment::Production) => {
                    host.production.ok_or(BuildError::NoProductionUrl {
                        provider: spec.name,
                    })?
                }
                (None, false, Environment::Sandbox) => {
                    host.sandbox.ok_or(BuildError::NoSandbox {
                        provider: spec.name,
                    })?
                }
            };
            let url = checked_url("host_url", text)?;
            if url.query().is_some() || url.fragment().is_some() {
                return Err(BuildError::InvalidUrl {
                    field: "host_url",
                    reason: "must not have a query or fragment".to_owned(),
                });
            }
            Ok(url.as_str().trim_end_matches('/').to_owned())
        })
        .collect()
}

/// Credentials do not know the provider's name; the builder fills it into their errors.
fn with_provider(error: BuildError, spec: &'static ProviderSpec) -> BuildError {
    match error {
        BuildError::InvalidSpecHeader { name, .. } => BuildError::InvalidSpecHeader {
            provider: spec.name,
            name,
        },
        other => other,
    }
}

/// What to do with a constant header the `http` crate refuses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Invalid {
    Refuse,
    Skip,
}

/// Each endpoint's constant headers, in spec order. Built and checked once, with the client,
/// so an attempt only clones its endpoint's map.
fn constant_headers(
    spec: &'static ProviderSpec,
    auth: &Auth,
) -> Result<Vec<HeaderMap>, BuildError> {
    spec.endpoints
        .iter()
        .map(|endpoint| {
            endpoint_constants(spec, endpoint, auth, Invalid::Refuse).map_err(|name| {
                BuildError::InvalidSpecHeader {
                    provider: spec.name,
                    name,
                }
            })
        })
        .collect()
}

/// `Accept: application/json`, the provider's constant headers, then the endpoint's own
/// (which win), then the static credentials (which win over all). An invalid constant is
/// refused with its name, or skipped.
fn endpoint_constants(
    spec: &ProviderSpec,
    endpoint: &EndpointSpec,
    auth: &Auth,
    invalid: Invalid,
) -> Result<HeaderMap, &'static str> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    for &(name, value) in spec.headers.iter().chain(endpoint.headers) {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                headers.insert(name, value);
            }
            _ if invalid == Invalid::Skip => {}
            _ => return Err(name),
        }
    }
    auth.insert_credentials(&mut headers);
    Ok(headers)
}

/// Whether a host is this machine: the only place plain `http` is allowed.
fn is_loopback(host: Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(address) => address.is_loopback(),
        Host::Ipv6(address) => address.is_loopback() || is_mapped_loopback(address),
    }
}

fn is_mapped_loopback(address: Ipv6Addr) -> bool {
    address
        .to_ipv4_mapped()
        .is_some_and(|mapped: Ipv4Addr| mapped.is_loopback())
}

/// Parses a URL and refuses what must never carry payments traffic: other schemes, embedded
/// credentials, and plain `http` beyond loopback. Messages never repeat the URL, which may
/// hold a secret.
fn checked_url(field: &'static str, text: &str) -> Result<Url, BuildError> {
    let url = Url::parse(text).map_err(|error| BuildError::InvalidUrl {
        field,
        reason: error.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BuildError::InvalidUrl {
            field,
            reason: "must not contain credentials; use `credentials(..)`".to_owned(),
        });
    }
    let Some(host) = url.host() else {
        return Err(BuildError::InvalidUrl {
            field,
            reason: "must have a host".to_owned(),
        });
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(host) => Ok(url),
        "http" => Err(BuildError::InsecureUrl { field }),
        _ => Err(BuildError::InvalidUrl {
            field,
            reason: "must be an https URL".to_owned(),
        }),
    }
}

/// An absolute token URL is used as is; a path is appended to the base URL's path, so
/// `https://h/api/v1` and `/oauth2/token` give `https://h/api/v1/oauth2/token`.
fn resolve_token_url(base_url: &str, token_url: &str) -> Result<Url, BuildError> {
    let is_absolute = matches!(
        Url::parse(token_url),
        Ok(_) | Err(url::ParseError::EmptyHost | url::ParseError::InvalidPort)
    );
    let text = if is_absolute {
        token_url.to_owned()
    } else {
        format!("{base_url}/{}", token_url.trim_start_matches('/'))
    };
    checked_url("token_url", &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_paths_join_the_base_path() {
        assert_eq!(
            resolve_token_url("https://h.example/api/v1", "/oauth2/token")
                .map(String::from)
                .ok(),
            Some("https://h.example/api/v1/oauth2/token".to_owned())
        );
        assert_eq!(
            resolve_token_url("https://h.example/api/v1", "https://auth.example/token")
                .map(String::from)
                .ok(),
            Some("https://auth.example/token".to_owned())
        );
    }

    #[test]
    fn loopback_hosts_may_use_http() {
        assert!(checked_url("base_url", "http://127.0.0.1:8080").is_ok());
        assert!(checked_url("base_url", "http://127.5.0.1").is_ok());
        assert!(checked_url("base_url", "http://[::1]:9000/x").is_ok());
        assert!(checked_url("base_url", "http://localhost:1").is_ok());
        assert!(matches!(
            checked_url("base_url", "http://10.0.0.1"),
            Err(BuildError::InsecureUrl { field: "base_url" })
        ));
        assert!(matches!(
            checked_url("base_url", "http://localhost.evil.example"),
            Err(BuildError::InsecureUrl { .. })
        ));
        assert!(matches!(
            checked_url("base_url", "https://user:pass@h.example"),
            Err(BuildError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let policy = RetryPolicy::new();
        for retry in 1..=10 {
            let ceiling = Duration::from_millis(100)
                .saturating_mul(2u32.pow(retry - 1))
                .min(Duration::from_secs(2));
            assert!(policy.backoff(retry) <= ceiling);
        }
    }

    #[test]
    fn retry_after_is_read_and_capped() {
        let policy = RetryPolicy::new();
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(policy.retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(policy.retry_after(&headers), Some(Duration::from_secs(10)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(policy.retry_after(&headers), Some(Duration::ZERO));
    }
}
