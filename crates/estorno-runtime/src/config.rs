//! Configures a client from named settings: environment variables, or any key-value source.
//!
//! The command line and `estorno::AnyProvider` pick a provider at run time, so they cannot
//! name its credential type; they read `ESTORNO_<SLUG>_<PART>` variables instead, where the
//! parts are the credential type's [`Credentials::FIELDS`].

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::auth::Credentials;
use crate::client::{ClientBuilder, Provider};
use crate::error::BuildError;
use crate::tls::ClientIdentity;

/// Settings for one provider client, by name.
#[derive(Clone, Default)]
pub struct ProviderConfig {
    credentials: BTreeMap<String, SecretString>,
    base_url: Option<String>,
    token_url: Option<String>,
    /// `ESTORNO_<SLUG>_AUTH`: one of the spec's other auth schemes, by name.
    auth: Option<String>,
    sandbox: bool,
    timeout: Option<Duration>,
    identity: Option<ClientIdentity>,
    root_certificates: Option<Vec<u8>>,
    /// `ESTORNO_<SLUG>_<HOST>_URL`: a URL for one of the spec's other hosts, by name.
    host_urls: Vec<(String, String)>,
}

/// A setting that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{variable}`: {reason}")]
pub struct ConfigError {
    /// The variable or key, e.g. `ESTORNO_ZOOP_TIMEOUT_SECS`.
    pub variable: String,
    pub reason: &'static str,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("credentials", &self.credentials.keys().collect::<Vec<_>>())
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("auth", &self.auth)
            .field("sandbox", &self.sandbox)
            .field("timeout", &self.timeout)
            .field("identity", &self.identity.as_ref().map(|_| "[redacted]"))
            .field("root_certificates", &self.root_certificates.is_some())
            .field("host_urls", &self.host_urls)
            .finish()
    }
}

impl ProviderConfig {
    /// No settings: production, no credentials.
    pub fn new() -> Self {
        ProviderConfig::default()
    }

    /// Sets one named credential part (`client_id`, `api_key`, ...).
    #[must_use]
    pub fn credential(mut self, part: impl Into<String>, value: impl Into<SecretString>) -> Self {
        self.credentials.insert(part.into(), value.into());
        self
    }

    /// Overrides the base URL.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Overrides the URL of the spec's host `name` (`#[host("query")]` operations).
    #[must_use]
    pub fn host_url(mut self, name: impl Into<String>, url: impl Into<String>) -> Self {
        self.host_urls.push((name.into(), url.into()));
        self
    }

    /// Overrides the OAuth2 token URL.
    #[must_use]
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Authenticate with the spec's scheme of this name instead of its default
    /// ([`ClientBuilder::auth`]).
    pub fn auth(mut self, name: impl Into<String>) -> Self {
        self.auth = Some(name.into());
        self
    }

    /// Uses the provider's sandbox.
    #[must_use]
    pub fn sandbox(mut self, sandbox: bool) -> Self {
        self.sandbox = sandbox;
        self
    }

    /// The deadline per attempt.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The client certificate for a provider that requires mutual TLS.
    #[must_use]
    pub fn client_identity(mut self, identity: ClientIdentity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Certificates (PEM) trusted beside the platform's roots.
    #[must_use]
    pub fn root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates = Some(pem.into());
        self
    }

    /// The prefix of a provider's environment variables: `ESTORNO_PICPAY_CHECKOUT_`.
    pub fn env_prefix(slug: &str) -> String {
        format!("ESTORNO_{}_", slug.to_ascii_uppercase().replace('-', "_"))
    }

    /// The variable that holds one credential part: `ESTORNO_ZOOP_API_KEY`.
    pub fn env_var(slug: &str, part: &str) -> String {
        format!("{}{}", Self::env_prefix(slug), part.to_ascii_uppercase())
    }

    /// Reads a provider's settings from the process environment.
    pub fn from_env(slug: &str) -> Result<Self, ConfigError> {
        Self::from_vars(slug, std::env::vars())
    }

    /// Reads a provider's settings from `ESTORNO_<SLUG>_*` pairs: `BASE_URL`, `TOKEN_URL`,
    /// `AUTH` (one of the spec's other auth schemes, by name), `SANDBOX` (`1`/`true`/`0`/`false`), `TIMEOUT_SECS`; for mutual TLS, the paths of a
    /// client certificate, `CERTIFICATE` (PEM chain) with `CERTIFICATE_KEY` (PEM key), or
    /// `PKCS12` with `PKCS12_PASSPHRASE` (empty when unset), and `ROOT_CERTIFICATES` (PEM
    /// trusted beside the platform's); `<HOST>_URL` for one of the spec's other hosts
    /// (`QUERY_URL`); every other suffix is a credential part, lower-cased (`CLIENT_ID` is
    /// `client_id`).
    pub fn from_vars(
        slug: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let prefix = Self::env_prefix(slug);
        let mut config = ProviderConfig::new();
        let mut files = IdentityFiles::default();
        for (name, value) in vars {
            let Some(suffix) = name.strip_prefix(&prefix) else {
                continue;
            };
            match suffix {
                "CERTIFICATE" => files.certificate = Some((name, value)),
                "CERTIFICATE_KEY" => files.key = Some((name, value)),
                "PKCS12" => files.pkcs12 = Some((name, value)),
                "PKCS12_PASSPHRASE" => files.passphrase = Some((name, SecretString::from(value))),
                "ROOT_CERTIFICATES" => {
                    config.root_certificates = Some(read(&name, &value)?);
                }
                // Another host of the spec, by name: checked against the spec when built.
                host if host.ends_with("_URL")
                    && host.len() > 4
                    && !matches!(host, "BASE_URL" | "TOKEN_URL") =>
                {
                    let host = host.trim_end_matches("_URL").to_ascii_lowercase();
                    config.host_urls.push((host, value));
                }
                "BASE_URL" => config.base_url = Some(value),
                "TOKEN_URL" => config.token_url = Some(value),
                "AUTH" => config.auth = Some(value),
                "SANDBOX" => {
                    config.sandbox = match value.as_str() {
                        "1" | "true" | "yes" => true,
                        "0" | "false" | "no" | "" => false,
                        _ => {
                            return Err(ConfigError {
                                variable: name,
                                reason: "expected 1, true, 0 or false",
                            });
                        }
                    }
                }
                "TIMEOUT_SECS" => {
                    let seconds: u64 = value.parse().map_err(|_| ConfigError {
                        variable: name.clone(),
                        reason: "expected a whole number of seconds",
                    })?;
                    if seconds == 0 {
                        return Err(ConfigError {
                            variable: name,
                            reason: "a timeout of zero would fail every call",
                        });
                    }
                    config.timeout = Some(Duration::from_secs(seconds));
                }
                part if !part.is_empty() => {
                    config
                        .credentials
                        .insert(part.to_ascii_lowercase(), value.into());
                }
                _ => {}
            }
        }
        config.identity = files.load(&prefix)?;
        Ok(config)
    }

    /// The deadline per attempt, when one is set (`ESTORNO_<SLUG>_TIMEOUT_SECS`).
    pub fn configured_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Whether every credential part provider `P` reads is set, by the names its spec gives
    /// them.
    pub fn has_credentials<P: Provider>(&self) -> bool {
        P::SPEC
            .credentials
            .iter()
            .all(|part| self.credentials.contains_key(*part))
    }

    /// Whether nothing at all is configured for credentials.
    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty()
    }

    /// Builds a client of provider `P` from these settings.
    pub fn build<P: Provider>(&self) -> Result<P, BuildError> {
        let spec = P::SPEC;
        // Every part set must be one the provider reads: a misspelt name is an error, not a
        // credential silently missing.
        if let Some(unknown) = self
            .credentials
            .keys()
            .find(|name| !spec.credentials.contains(&name.as_str()))
        {
            return Err(BuildError::UnknownSetting {
                provider: spec.name,
                name: unknown.clone(),
                known: spec.credentials.join(", "),
            });
        }
        if self.sandbox && spec.sandbox.is_none() && self.base_url.is_none() {
            return Err(BuildError::NoSandbox {
                provider: spec.name,
            });
        }
        // The credential type names its parts (`first`); the spec names them for configuration
        // (`merchant_id`), in the same order.
        let fields = <P::Credentials as Credentials>::FIELDS;
        let name_of = |part: &'static str| {
            fields
                .iter()
                .position(|field| *field == part)
                .and_then(|index| spec.credentials.get(index))
                .copied()
                .unwrap_or(part)
        };
        let credentials = P::Credentials::from_fields(&mut |part| {
            self.credentials
                .get(name_of(part))
                .map(|value| value.expose_secret().to_owned())
        })
        .map_err(|error| match error {
            BuildError::MissingCredential { field } => BuildError::MissingCredential {
                field: name_of(field),
            },
            other => other,
        })?;
        let mut builder = ClientBuilder::<P>::new().credentials(credentials);
        if self.sandbox {
            builder = builder.sandbox();
        }
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url.clone());
        }
        if let Some(url) = &self.token_url {
            builder = builder.token_url(url.clone());
        }
        if let Some(name) = &self.auth {
            builder = builder.auth(name.clone());
        }
        for (name, url) in &self.host_urls {
            builder = builder.host_url(name.clone(), url.clone());
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(identity) = &self.identity {
            builder = builder.client_identity(identity.clone());
        }
        if let Some(pem) = &self.root_certificates {
            builder = builder.root_certificates(pem.clone());
        }
        builder.build()
    }
}

/// The client certificate's variables, each with its name for errors.
#[derive(Default)]
struct IdentityFiles {
    certificate: Option<(String, String)>,
    key: Option<(String, String)>,
    pkcs12: Option<(String, String)>,
    passphrase: Option<(String, SecretString)>,
}

impl IdentityFiles {
    fn load(self, prefix: &str) -> Result<Option<ClientIdentity>, ConfigError> {
        let invalid = |variable: &str, error: crate::tls::IdentityError| ConfigError {
            variable: variable.to_owned(),
            reason: error.reason,
        };
        match (self.certificate, self.key, self.pkcs12) {
            (None, None, None) => match self.passphrase {
                Some((variable, _)) => Err(ConfigError {
                    variable,
                    reason: "a passphrase without `PKCS12`, the archive it opens",
                }),
                None => Ok(None),
            },
            (Some((certificate_var, certificate)), Some((key_var, key)), None) => {
                let chain = read(&certificate_var, &certificate)?;
                let key = read(&key_var, &key)?;
                ClientIdentity::from_pem(&chain, &key)
                    .map(Some)
                    .map_err(|error| invalid(&certificate_var, error))
            }
            (None, None, Some((variable, path))) => {
                let archive = read(&variable, &path)?;
                let passphrase = self
                    .passphrase
                    .as_ref()
                    .map_or("", |(_, passphrase)| passphrase.expose_secret());
                ClientIdentity::from_pkcs12(&archive, passphrase)
                    .map(Some)
                    .map_err(|error| invalid(&variable, error))
            }
            (Some(_), None, None) => Err(ConfigError {
                variable: format!("{prefix}CERTIFICATE_KEY"),
                reason: "missing: `CERTIFICATE` needs the private key's file beside it",
            }),
            (None, Some(_), None) => Err(ConfigError {
                variable: format!("{prefix}CERTIFICATE"),
                reason: "missing: `CERTIFICATE_KEY` needs the certificate's file beside it",
            }),
            (_, _, Some((variable, _))) => Err(ConfigError {
                variable,
                reason: "give either `PKCS12` or `CERTIFICATE` with `CERTIFICATE_KEY`, not both",
            }),
        }
    }
}

/// The contents of the file a variable names.
fn read(variable: &str, path: &str) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|_| ConfigError {
        variable: variable.to_owned(),
        reason: "cannot read the file it names",
    })
}

#[cfg(test)]
mod tests {
    use super::ProviderConfig;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn variables_are_read_by_prefix() {
        let config = ProviderConfig::from_vars(
            "picpay-checkout",
            vars(&[
                ("ESTORNO_PICPAY_CHECKOUT_CLIENT_ID", "id"),
                ("ESTORNO_PICPAY_CHECKOUT_CLIENT_SECRET", "canary-secret"),
                ("ESTORNO_PICPAY_CHECKOUT_SANDBOX", "1"),
                ("ESTORNO_ZOOP_API_KEY", "other provider"),
            ]),
        )
        .unwrap();
        assert_eq!(config.credentials.len(), 2);
        assert!(config.sandbox);
        let debug = format!("{config:?}");
        assert!(!debug.contains("canary-secret"), "{debug}");
        assert_eq!(
            ProviderConfig::env_var("picpay-checkout", "client_id"),
            "ESTORNO_PICPAY_CHECKOUT_CLIENT_ID"
        );
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let error =
            ProviderConfig::from_vars("zoop", vars(&[("ESTORNO_ZOOP_TIMEOUT_SECS", "soon")]))
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid `ESTORNO_ZOOP_TIMEOUT_SECS`: expected a whole number of seconds"
        );
    }
}
