//! Where requests go: the providers' own APIs with credentials from the environment, a sandbox
//! at a URL, or — when nothing is configured — a sandbox started inside this process, so every
//! command works on a fresh machine with no credentials and no network.
//!
//! The choice, in order: `--sandbox` or `--sandbox-url URL` / `ESTORNO_SANDBOX_URL` pick a
//! sandbox; otherwise, if no registered provider has its credentials in the environment, the
//! embedded sandbox runs (and the command says so on stderr); otherwise the real providers are
//! used, and a provider without credentials is an error — never silently the sandbox.

use std::io;
use std::time::Duration;

use estorno::registry::{self, Entry};
use estorno::{AnyProvider, ConfigError, ProviderConfig};
use estorno_sandbox::{Sandbox, credentials};

/// The environment variable naming an external sandbox's root URL.
pub const SANDBOX_URL_VAR: &str = "ESTORNO_SANDBOX_URL";

/// The runtime's deadline per attempt when `ESTORNO_<SLUG>_TIMEOUT_SECS` is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings every provider reads besides its credentials, as `ESTORNO_<SLUG>_<SUFFIX>`.
pub const SETTING_SUFFIXES: [&str; 6] = [
    "BASE_URL",
    "SANDBOX",
    "TOKEN_URL",
    "AUTH",
    "TIMEOUT_SECS",
    "ROOT_CERTIFICATES",
];

/// The variables of a client certificate, for providers that require mutual TLS: a PEM pair,
/// or a PKCS#12 archive and its passphrase (paths of files).
pub const CERTIFICATE_SUFFIXES: [&str; 4] = [
    "CERTIFICATE",
    "CERTIFICATE_KEY",
    "PKCS12",
    "PKCS12_PASSPHRASE",
];

/// Which backend a command will use, decided before anything starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The sandbox inside this process; `asked` when `--sandbox` chose it, rather than the
    /// absence of credentials.
    Embedded { asked: bool },
    /// A sandbox already running at this root URL (`estorno sandbox serve`, or a test's).
    External(String),
    /// The providers' own APIs.
    Providers,
}

impl Plan {
    /// Decides from the flags and the environment.
    pub fn choose(sandbox_flag: bool, sandbox_url: Option<&str>) -> Plan {
        if let Some(url) = sandbox_url.map(str::trim).filter(|url| !url.is_empty()) {
            return Plan::External(url.trim_end_matches('/').to_owned());
        }
        if sandbox_flag {
            return Plan::Embedded { asked: true };
        }
        let env = env_pairs();
        if registry::ENTRIES
            .iter()
            .any(|entry| missing_credentials(entry, &env).is_empty())
        {
            Plan::Providers
        } else {
            Plan::Embedded { asked: false }
        }
    }

    /// What a journal records, so a run is never resumed against another backend: items done
    /// in a sandbox were not refunded for real, and the other way round.
    pub fn journal_key(&self) -> String {
        match self {
            Plan::Embedded { .. } => String::from("embedded-sandbox"),
            Plan::External(url) => format!("sandbox {url}"),
            Plan::Providers => String::from("providers"),
        }
    }

    /// A few words for people.
    pub fn describe(&self) -> String {
        match self {
            Plan::Embedded { .. } => String::from("the embedded sandbox"),
            Plan::External(url) => format!("the sandbox at {url}"),
            Plan::Providers => String::from("the providers' APIs"),
        }
    }

    /// Whether requests go to a sandbox (embedded or not).
    pub fn is_sandbox(&self) -> bool {
        !matches!(self, Plan::Providers)
    }
}

/// A started backend: it builds provider clients.
pub struct Backend {
    plan: Plan,
    /// The sandbox's root URL, for both kinds of sandbox.
    root: Option<String>,
    /// Kept alive for as long as the backend: dropping it stops the server.
    _embedded: Option<Sandbox>,
    env: Vec<(String, String)>,
}

/// Why a provider's client could not be set up.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SetupError {
    #[error("unknown provider `{slug}`; known providers: {known}")]
    Unknown { slug: String, known: String },
    #[error("{name} has no credentials in the environment: set {missing}")]
    NoCredentials { name: &'static str, missing: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Build(String),
}

impl Backend {
    /// Starts what the plan needs (the embedded sandbox binds a free loopback port).
    pub async fn start(plan: Plan) -> io::Result<Backend> {
        let (root, embedded) = match &plan {
            Plan::Embedded { .. } => {
                let sandbox = Sandbox::start().await?;
                (Some(sandbox.url()), Some(sandbox))
            }
            Plan::External(url) => (Some(url.clone()), None),
            Plan::Providers => (None, None),
        };
        Ok(Backend {
            plan,
            root,
            _embedded: embedded,
            env: env_pairs(),
        })
    }

    /// What was chosen.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The line to print on stderr when requests do not go to the real providers.
    pub fn notice(&self) -> Option<String> {
        match &self.plan {
            Plan::Embedded { asked: false } => Some(String::from(
                "no provider credentials in the environment: running against the embedded \
                 sandbox (nothing leaves this machine)",
            )),
            Plan::Embedded { asked: true } => Some(String::from(
                "running against the embedded sandbox (nothing leaves this machine)",
            )),
            Plan::External(url) => Some(format!("running against the sandbox at {url}")),
            Plan::Providers => None,
        }
    }

    /// A client for the provider `slug`.
    pub fn provider(&self, slug: &str) -> Result<AnyProvider, SetupError> {
        let Some(entry) = registry::find(slug) else {
            return Err(SetupError::Unknown {
                slug: slug.to_owned(),
                known: known_providers(),
            });
        };
        let config = match &self.root {
            Some(root) => sandbox_config(root, entry, &self.env)?,
            None => {
                let missing = missing_credentials(entry, &self.env);
                if !missing.is_empty() {
                    return Err(SetupError::NoCredentials {
                        name: entry.spec.name,
                        missing: missing.join(" and "),
                    });
                }
                ProviderConfig::from_vars(slug, self.env.iter().cloned())?
            }
        };
        AnyProvider::from_config(slug, &config)
            .map_err(|error| SetupError::Build(error.to_string()))
    }

    /// The deadline per attempt of the provider's calls.
    pub fn timeout(&self, slug: &str) -> Duration {
        timeout_setting(slug, &self.env)
            .ok()
            .flatten()
            .unwrap_or(DEFAULT_TIMEOUT)
    }
}

/// Every registered provider's slug, for error messages.
pub fn known_providers() -> String {
    registry::ENTRIES
        .iter()
        .map(|entry| entry.spec.slug)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The process environment, leaving out variables that are not UTF-8 (none of ours can be).
pub fn env_pairs() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect()
}

fn env_value<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The credential variables of `entry` that are unset or empty.
pub fn missing_credentials(entry: &Entry, env: &[(String, String)]) -> Vec<String> {
    entry
        .credential_fields
        .iter()
        .map(|part| ProviderConfig::env_var(entry.spec.slug, part))
        .filter(|name| env_value(env, name).is_none_or(str::is_empty))
        .collect()
}

/// Whether the variable is set (to anything but the empty string).
pub fn is_set(env: &[(String, String)], name: &str) -> bool {
    env_value(env, name).is_some_and(|value| !value.is_empty())
}

/// `ESTORNO_<SLUG>_TIMEOUT_SECS`, read by the runtime's own configuration rules.
fn timeout_setting(slug: &str, env: &[(String, String)]) -> Result<Option<Duration>, ConfigError> {
    let prefix = ProviderConfig::env_prefix(slug);
    let only_timeout = env
        .iter()
        .filter(|(name, _)| name.strip_prefix(&prefix) == Some("TIMEOUT_SECS"))
        .cloned();
    Ok(ProviderConfig::from_vars(slug, only_timeout)?.configured_timeout())
}

/// The sandbox accepts fixed credentials (not secrets: they are public in
/// `estorno_sandbox::credentials`), one set per provider, named by the credential parts of
/// the provider's auth scheme.
pub fn sandbox_credentials(slug: &str) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match slug {
        "picpay-ecommerce" => &[("token", credentials::PICPAY_ECOMMERCE_TOKEN)],
        "yapay" => &[
            ("user", credentials::YAPAY_USER),
            ("password", credentials::YAPAY_PASSWORD),
        ],
        "picpay-checkout" => &[
            ("client_id", credentials::PICPAY_CHECKOUT_CLIENT_ID),
            ("client_secret", credentials::PICPAY_CHECKOUT_CLIENT_SECRET),
        ],
        "liquido" => &[
            ("client_id", credentials::LIQUIDO_CLIENT_ID),
            ("client_secret", credentials::LIQUIDO_CLIENT_SECRET),
            ("api_key", credentials::LIQUIDO_API_KEY),
        ],
        "zoop" => &[("api_key", credentials::ZOOP_API_KEY)],
        "mercado-pago" => &[("token", credentials::MERCADO_PAGO_ACCESS_TOKEN)],
        "pagarme" => &[("api_key", credentials::PAGARME_SECRET_KEY)],
        "pagbank" => &[("token", credentials::PAGBANK_TOKEN)],
        "efi-pix" => &[
            ("client_id", credentials::EFI_PIX_CLIENT_ID),
            ("client_secret", credentials::EFI_PIX_CLIENT_SECRET),
        ],
        "cielo" => &[
            ("merchant_id", credentials::CIELO_MERCHANT_ID),
            ("merchant_key", credentials::CIELO_MERCHANT_KEY),
        ],
        "rede" => &[
            ("client_id", credentials::REDE_PV),
            ("client_secret", credentials::REDE_INTEGRATION_KEY),
        ],
        "getnet" => &[
            ("client_id", credentials::GETNET_CLIENT_ID),
            ("client_secret", credentials::GETNET_CLIENT_SECRET),
        ],
        _ => return None,
    })
}

/// A provider's base URL and OAuth2 token URL under a sandbox's root, as the sandbox lays them
/// out: `/<slug>` plus the real API's own base path, tokens beside it (Liquido's on their own
/// prefix, as its auth host is separate in reality). A unit test holds this to
/// `Sandbox::base_url` and `Sandbox::token_url`.
pub fn sandbox_urls(root: &str, slug: &str) -> Option<(String, Option<String>)> {
    let provider = estorno_sandbox::Provider::from_slug(slug)?;
    let base = format!("{root}/{}{}", provider.slug(), provider.base_path());
    let token = match slug {
        "picpay-checkout" => Some(format!("{base}/oauth2/token")),
        "liquido" => Some(format!("{root}/liquido-auth/oauth2/token")),
        "efi-pix" => Some(format!("{base}/oauth/token")),
        "rede" => Some(format!("{root}/rede/redelabs/oauth2/token")),
        "getnet" => Some(format!("{base}/auth/oauth/v2/token")),
        _ => None,
    };
    Some((base, token))
}

/// A provider's other hosts under a sandbox's root, as the sandbox lays them out (Cielo's
/// query host has a prefix of its own). A unit test holds this to `Sandbox::host_url`.
pub fn sandbox_hosts(root: &str, slug: &str) -> Vec<(&'static str, String)> {
    match slug {
        "cielo" => vec![("query", format!("{root}/cielo-query"))],
        _ => Vec::new(),
    }
}

/// The settings of a provider's client pointed at a sandbox.
fn sandbox_config(
    root: &str,
    entry: &Entry,
    env: &[(String, String)],
) -> Result<ProviderConfig, SetupError> {
    let slug = entry.spec.slug;
    let (Some(parts), Some((base, token))) = (sandbox_credentials(slug), sandbox_urls(root, slug))
    else {
        return Err(SetupError::Build(format!(
            "the sandbox does not simulate {}",
            entry.spec.name
        )));
    };
    let mut config = ProviderConfig::new().base_url(base);
    for (part, value) in parts {
        config = config.credential(*part, *value);
    }
    if let Some(token) = token {
        config = config.token_url(token);
    }
    for (host, url) in sandbox_hosts(root, slug) {
        config = config.host_url(host, url);
    }
    if let Some(timeout) = timeout_setting(slug, env)? {
        config = config.timeout(timeout);
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sandbox_urls_mirror_the_sandbox_layout() {
        let sandbox = Sandbox::start_empty().await.unwrap();
        for provider in estorno_sandbox::Provider::ALL {
            let slug = provider.slug();
            let (base, token) = sandbox_urls(&sandbox.url(), slug).unwrap();
            assert_eq!(Some(base), sandbox.base_url(slug), "{slug}");
            assert_eq!(token, sandbox.token_url(slug), "{slug}");
            for (host, url) in sandbox_hosts(&sandbox.url(), slug) {
                assert_eq!(Some(url), sandbox.host_url(slug, host), "{slug} {host}");
            }
        }
        assert!(sandbox.host_url("cielo", "query").is_some());
        sandbox.shutdown().await;
    }

    #[test]
    fn every_registered_provider_has_sandbox_credentials_for_its_scheme() {
        // A provider the sandbox does not simulate yet (a separate step after registering
        // it) has no sandbox credentials either.
        for entry in registry::ENTRIES
            .iter()
            .filter(|entry| estorno_sandbox::Provider::from_slug(entry.spec.slug).is_some())
        {
            let parts = sandbox_credentials(entry.spec.slug).unwrap();
            let names: Vec<&str> = parts.iter().map(|(name, _)| *name).collect();
            assert_eq!(names, entry.credential_fields, "{}", entry.spec.slug);
        }
    }

    #[test]
    fn timeouts_are_read_with_the_runtime_rules() {
        let env = |value: &str| vec![(String::from("ESTORNO_ZOOP_TIMEOUT_SECS"), value.to_owned())];
        assert_eq!(
            timeout_setting("zoop", &env("2")).unwrap(),
            Some(Duration::from_secs(2))
        );
        assert!(timeout_setting("zoop", &env("0")).is_err());
        assert!(timeout_setting("zoop", &env("soon")).is_err());
        assert_eq!(timeout_setting("yapay", &env("2")).unwrap(), None);
    }
}
