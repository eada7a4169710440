//! Credentials, one type per auth scheme, and the OAuth2 access-token cache.
//!
//! Every secret is held as a [`SecretString`]: it is zeroed on drop, and neither these types'
//! `Debug` nor any error or log line shows it. Secrets are checked when the client is built
//! (not empty, no CR, LF or NUL) so a malformed credential never reaches a request.

use std::fmt;

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::BuildError;
use crate::spec::{AuthScheme, OAuth2Spec};

mod token;
pub(crate) use token::{AccessToken, TokenCache, read_capped};

/// Credentials a provider's client is built with; implemented by every type in this module.
///
/// The conversion is internal: generated code names the provider's credential type, and
/// [`crate::ClientBuilder::build`] checks that it fits the spec's [`AuthScheme`].
pub trait Credentials: Send + Sync + 'static {
    /// The names of this type's parts as configuration keys (`client_id`, `client_secret`),
    /// in order. Environment variables and configuration files use these names.
    const FIELDS: &'static [&'static str];

    /// Builds the credentials from named parts, asking `part` for each of [`Self::FIELDS`].
    /// A missing part is a [`BuildError::MissingCredential`] naming it.
    fn from_fields(
        part: &mut dyn FnMut(&'static str) -> Option<String>,
    ) -> Result<Self, BuildError>
    where
        Self: Sized;

    /// Checks the credentials against the scheme and prepares what each request needs.
    #[doc(hidden)]
    fn into_authenticator(self, scheme: &'static AuthScheme) -> Result<Authenticator, BuildError>;
}

/// Asks for one named part, refusing its absence.
fn required(
    part: &mut dyn FnMut(&'static str) -> Option<String>,
    field: &'static str,
) -> Result<String, BuildError> {
    part(field)
        .filter(|value| !value.is_empty())
        .ok_or(BuildError::MissingCredential { field })
}

/// `from_fields` for a type whose constructor takes its parts in `FIELDS` order.
macro_rules! from_fields {
    ($type:ident [$($field:literal),+] => |$($part:ident),+| $build:expr) => {
        const FIELDS: &'static [&'static str] = &[$($field),+];

        fn from_fields(
            part: &mut dyn FnMut(&'static str) -> Option<String>,
        ) -> Result<Self, BuildError> {
            $(let $part = required(part, $field)?;)+
            Ok($build)
        }
    };
}

/// Prepared authentication, opaque outside this crate.
#[doc(hidden)]
pub struct Authenticator(pub(crate) Plan);

pub(crate) enum Plan {
    /// Headers that never change: header tokens, Bearer, Basic, header pairs.
    Static {
        kind: &'static str,
        headers: HeaderMap,
    },
    /// OAuth2 client credentials; the token URL is resolved by the builder, which knows the
    /// environment and any override.
    OAuth2 {
        spec: OAuth2Spec,
        client_id: String,
        client_secret: SecretString,
        /// The API-key header sent beside the Bearer token, when the spec declares one.
        api_key: Option<(HeaderName, HeaderValue)>,
    },
}

/// The kind of an auth scheme, for `Debug` output and messages.
pub(crate) fn scheme_kind(scheme: &AuthScheme) -> &'static str {
    match scheme {
        AuthScheme::Header { .. } => "header_token",
        AuthScheme::Bearer => "bearer",
        AuthScheme::Basic => "basic",
        AuthScheme::BasicKeyAsUser => "basic_key_as_user",
        AuthScheme::BearerWithApiKey { .. } => "bearer_with_api_key",
        AuthScheme::HeaderPair { .. } => "header_pair",
        AuthScheme::OAuth2ClientCredentials(_) => "oauth2_client_credentials",
        #[allow(unreachable_patterns)] // the enum is non_exhaustive for other crates
        _ => "unknown",
    }
}

/// The credential type that fits a scheme, for mismatch messages.
fn expected_type(scheme: &AuthScheme) -> &'static str {
    match scheme {
        AuthScheme::Header { .. } => "HeaderToken",
        AuthScheme::Bearer => "BearerToken",
        AuthScheme::Basic => "BasicAuth",
        AuthScheme::BasicKeyAsUser => "ApiKey",
        AuthScheme::BearerWithApiKey { .. } => "BearerWithApiKey",
        AuthScheme::HeaderPair { .. } => "HeaderPair",
        AuthScheme::OAuth2ClientCredentials(OAuth2Spec {
            api_key_header: Some(_),
            ..
        }) => "ClientCredentialsWithApiKey",
        AuthScheme::OAuth2ClientCredentials(_) => "ClientCredentials",
        #[allow(unreachable_patterns)]
        _ => "an unknown credential type",
    }
}

fn mismatch(scheme: &AuthScheme, given: &'static str) -> BuildError {
    BuildError::CredentialsMismatch {
        expected: expected_type(scheme),
        given,
    }
}

/// Refuses empty credentials and those that could split a header (CR, LF) or end a C
/// string (NUL).
fn check_secret(field: &'static str, value: &str) -> Result<(), BuildError> {
    if value.is_empty() {
        return Err(BuildError::InvalidCredential {
            field,
            reason: "must not be empty",
        });
    }
    if value.contains(['\r', '\n', '\0']) {
        return Err(BuildError::InvalidCredential {
            field,
            reason: "must not contain CR, LF or NUL",
        });
    }
    Ok(())
}

/// A header value holding a secret, marked sensitive so HTTP libraries never print it.
fn secret_header(field: &'static str, value: &str) -> Result<HeaderValue, BuildError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| BuildError::InvalidCredential {
        field,
        reason: "must be visible ASCII to go into a header",
    })?;
    header.set_sensitive(true);
    Ok(header)
}

fn header_name(name: &'static str) -> Result<HeaderName, BuildError> {
    // The builder fills in the provider's name, which credentials do not know.
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| BuildError::InvalidSpecHeader { provider: "", name })
}

fn bearer(field: &'static str, token: &SecretString) -> Result<HeaderValue, BuildError> {
    check_secret(field, token.expose_secret())?;
    secret_header(field, &format!("Bearer {}", token.expose_secret()))
}

fn basic(user_field: &'static str, user: &str, password: &str) -> Result<HeaderValue, BuildError> {
    // RFC 7617: the user id cannot contain a colon, or the server would split it there.
    if user.contains(':') {
        return Err(BuildError::InvalidCredential {
            field: user_field,
            reason: "must not contain `:`",
        });
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    secret_header(user_field, &format!("Basic {encoded}"))
}

fn static_plan(kind: &'static str, headers: HeaderMap) -> Authenticator {
    Authenticator(Plan::Static { kind, headers })
}

/// Writes `Name { field: "[redacted]", … }` whatever the secrets hold.
macro_rules! redacted_debug {
    ($type:ident { $($plain:ident),* ; $($secret:ident),* }) => {
        impl fmt::Debug for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($plain), &self.$plain))*
                    $(.field(stringify!($secret), &"[redacted]"))*
                    .finish()
            }
        }
    };
}

/// A static token sent in a provider-specific header (`x-picpay-token: <token>`).
#[derive(Clone)]
pub struct HeaderToken {
    token: SecretString,
}

impl HeaderToken {
    pub fn new(token: impl Into<SecretString>) -> Self {
        HeaderToken {
            token: token.into(),
        }
    }
}

redacted_debug!(HeaderToken { ; token });

impl Credentials for HeaderToken {
    from_fields!(HeaderToken ["token"] => |token| HeaderToken::new(token));

    fn into_authenticator(self, scheme: &'static AuthScheme) -> Result<Authenticator, BuildError> {
        let AuthScheme::Header { name } = scheme else {
            return Err(mismatch(scheme, "HeaderToken"));
        };
        check_secret("token", self.token.expose_secret())?;
        let mut headers = HeaderMap::new();
        headers.insert(
            header_name(name)?,
            secret_header("token", self.token.expose_secret())?,
        );
        Ok(static_plan(scheme_kind(scheme), headers))
    }
}

/// A static token sent as `Authorization: Bearer <token>`.
#[derive(Clone)]
pub struct BearerToken {
    token: SecretString,
}

impl BearerToken {
    pub fn new(token: impl Into<SecretString>) -> Self {
        BearerToken {
            token: token.into(),
        }
    }
}

redacted_debug!(BearerToken { ; token });

impl Credentials for BearerToken {
    from_fields!(BearerToken ["token"] => |token| BearerToken::new(token));

    fn into_authenticator(self, scheme: &'static AuthScheme) -> Result<Authenticator, BuildError> {
        let AuthScheme::Bearer = scheme else {
            return Err(mismatch(scheme, "BearerToken"));
        };
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, bearer("token", &self.token)?);
        Ok(static_plan(scheme_kind(scheme), headers))
    }
}

/// HTTP Basic user and password: `Authorization: Basic base64(user:password)`.
#[derive(Clone)]
pub struct BasicAuth {
    user: String,
    password: SecretString,
}

impl BasicAuth {
    pub fn new(user: impl Into<String>, password: impl Into<SecretString>) -> Self {
        BasicAuth {
            user: user.into(),
            password: password.into(),
        }
    }
}

redacted_debug!(BasicAuth { user ; password });

impl Credentials for BasicAuth {
    from_fields!(BasicAuth ["user", "password"] => |user, password| BasicAuth::new(user, password));

    fn into_authenticator(self, scheme: &'static AuthScheme) -> Result<Authenticator, BuildError> {
        let AuthScheme::Basic = scheme else {
            return Err(mismatch(scheme, "BasicAuth"));
        };
        check_secret("user", &self.user)?;
        check_secret("password", self.password.expose_secret())?;
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            basic("user", &self.user, self.password.expose_secret())?,
        );
        Ok(static_plan(scheme_kind(scheme), headers))
    }
}

/// An API key sent as the Basic user with an empty password: `Basic base64(key:)`.
#[derive(Clone)]
pub struct ApiKey {
    key: SecretString,
}

impl ApiKey {
    pub fn new(key: impl Into<SecretString>) -> Self {
        ApiKey { key: key.into() }
    }
}

redacted_debug!(ApiKey { ; key });

impl Credentials for ApiKey {
    from_fields!(ApiKey ["api_key"] => |api_key| ApiKey::new(api_key));

    fn into_authenticator(self, scheme: &'static AuthScheme) -> Result<Authenticator, BuildError> {
        let AuthScheme::BasicKeyAsUser = scheme else {
            return Err(mismatch(scheme, "ApiKey"));
        };
        check_secret("key", self.key.expose_secret())?;
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, basic("key", self.key.expose_secret(), "")?);
        Ok(static_plan(scheme_kind(scheme), headers))
    }
}

/// `Authorization: Bearer <token>` plus an API key in the header the spec names.
#[derive(Clone)]
pub struct BearerWithApiKey {
    token: SecretString,
    api_key: SecretString,
}

impl BearerWithApiKey {
    pub fn new(token: impl Into<SecretString>, api_key: impl Into<SecretString>) -> Self {
        BearerWithApiKey {
            token: token.into(),
            api_key: api_key.into(),
        }
    }
}

redacted_debug!(BearerWithApiKey { ; token, api_key });

impl Credentials for BearerWithApiKey {
    from_fields!(BearerWithApiKey ["token", "api_key"] => |token, api_key| BearerWithApiKey::new(token, api_key));

    fn into_authenticator(self, scheme: &'static AuthScheme) -> Result<Authenticator, BuildError> {
        let AuthScheme::BearerWithApiKey { api_key_header } = scheme else {
            return Err(mismatch(scheme, "BearerWithApiKey"));
        };
        check_secret("api_key", self.api_key.expose_secret())?;
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, bearer("token", &self.token)?);
        headers.insert(
            header_name(api_key_header)?,
            secret_header("api_key", self.api_key.expose_secret())?,
        );
        Ok(static_plan(scheme_kind(scheme), headers))
    }
}

/// Two credential headers, e.g. `MerchantId` and `MerchantKey`, in the order the spec
/// declares them.
#[derive(Clone)]
pub struct HeaderPair {
    first: SecretString,
    second: SecretString,
}

impl HeaderPair {
    pub fn new(first: impl Into<SecretString>, second: impl Into<SecretString>) -> Self {
        HeaderPair {
            first: first.into(),
            second: second.into(),
        }
    }
}

redacted_debug!(HeaderPair { ; first, second });

impl Credentials for HeaderPair {
    from_fields!(HeaderPair ["first", "second"] => |first, second| HeaderPair::new(first, second));

    fn into_authenticator(self, scheme: &'static AuthScheme) -> Result<Authenticator, BuildError> {
        let AuthScheme::HeaderPair { first, second } = scheme else {
            return Err(mismatch(scheme, "HeaderPair"));
        };
        check_secret("first", self.first.expose_secret())?;
        check_secret("second", self.second.expose_secret())?;
        let mut headers = HeaderMap::new();
        headers.insert(
            header_name(first)?,
            secret_header("first", self.first.expose_secret())?,
        );
        headers.insert(
            header_name(second)?,
            secret_header("second", self.second.expose_secret())?,
        );
        Ok(static_plan(scheme_kind(scheme), headers))
    }
}

/// OAuth2 client credentials, exchanged for a cached access token.
#[derive(Clone)]
pub struct ClientCredentials {
    client_id: String,
    client_secret: SecretString,
}

impl ClientCredentials {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<SecretString>) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }
}

redacted_debug!(ClientCredentials { client_id ; client_secret });

impl Credentials for ClientCredentials {
    from_fields!(ClientCredentials ["client_id", "client_secret"] => |client_id, client_secret| ClientCredentials::new(client_id, client_secret));

    fn into_authenticator(self, scheme: &'static AuthScheme) -> Result<Authenticator, BuildError> {
        check_secret("client_id", &self.client_id)?;
        check_secret("client_secret", self.client_secret.expose_secret())?;
        let spec = match scheme {
            AuthScheme::OAuth2ClientCredentials(
                spec @ OAuth2Spec {
                    api_key_header: None,
                    ..
                },
            ) => spec,
            // The Basic header a token request would carry, sent on every call instead: the
            // generation before a provider's OAuth2 (e.Rede's `PV:token`).
            AuthScheme::Basic => {
                let mut headers = HeaderMap::new();
                let header = basic(
                    "client_id",
                    &self.client_id,
                    self.client_secret.expose_secret(),
                )?;
                headers.insert(AUTHORIZATION, header);
                return Ok(static_plan(scheme_kind(scheme), headers));
            }
            _ => return Err(mismatch(scheme, "ClientCredentials")),
        };
        Ok(Authenticator(Plan::OAuth2 {
            spec: *spec,
            client_id: self.client_id,
            client_secret: self.client_secret,
            api_key: None,
        }))
    }
}

/// OAuth2 client credentials plus an API key sent on every API call.
#[derive(Clone)]
pub struct ClientCredentialsWithApiKey {
    client_id: String,
    client_secret: SecretString,
    api_key: SecretString,
}

impl ClientCredentialsWithApiKey {
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
        api_key: impl Into<SecretString>,
    ) -> Self {
        ClientCredentialsWithApiKey {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            api_key: api_key.into(),
        }
    }
}

redacted_debug!(ClientCredentialsWithApiKey { client_id ; client_secret, api_key });

impl Credentials for ClientCredentialsWithApiKey {
    from_fields!(ClientCredentialsWithApiKey ["client_id", "client_secret", "api_key"] => |client_id, client_secret, api_key| ClientCredentialsWithApiKey::new(client_id, client_secret, api_key));

    fn into_authenticator(self, scheme: &'static AuthScheme) -> Result<Authenticator, BuildError> {
        let AuthScheme::OAuth2ClientCredentials(
            spec @ OAuth2Spec {
                api_key_header: Some(api_key_header),
                ..
            },
        ) = scheme
        else {
            return Err(mismatch(scheme, "ClientCredentialsWithApiKey"));
        };
        check_secret("client_id", &self.client_id)?;
        check_secret("client_secret", self.client_secret.expose_secret())?;
        check_secret("api_key", self.api_key.expose_secret())?;
        let api_key = (
            header_name(api_key_header)?,
            secret_header("api_key", self.api_key.expose_secret())?,
        );
        Ok(Authenticator(Plan::OAuth2 {
            spec: *spec,
            client_id: self.client_id,
            client_secret: self.client_secret,
            api_key: Some(api_key),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let credentials =
            ClientCredentialsWithApiKey::new("client-1", "canary-secret", "canary-key");
        let shown = format!("{credentials:?}");
        assert_eq!(
            shown,
            r#"ClientCredentialsWithApiKey { client_id: "client-1", client_secret: "[redacted]", api_key: "[redacted]" }"#
        );
    }
}
