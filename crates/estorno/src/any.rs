//! `AnyProvider`: a provider chosen at run time by its slug, behind the unified `Cancel` API.

use crate::registry::{self, AnyClient};
use estorno_runtime::spec::ProviderSpec;
use estorno_runtime::{
    BoxFuture, BuildError, Cancel, CancelError, CancelRequest, Cancellation, ConfigError,
    ProviderConfig,
};

/// Any registered provider, picked by slug (`"picpay-checkout"`, `"zoop"`, ...) at run time.
///
/// Every call goes to the same generated client a program would use directly; this only
/// dispatches.
#[derive(Clone, Debug)]
pub struct AnyProvider {
    client: AnyClient,
}

/// Why a provider could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnyProviderError {
    /// No registered provider has this slug (or its cargo feature is off).
    #[error("unknown provider `{slug}`; known providers: {known}")]
    UnknownProvider { slug: String, known: String },
    /// A setting could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The settings do not make a client (missing credential, bad URL, ...).
    #[error("{provider}: {source}")]
    Build {
        provider: &'static str,
        #[source]
        source: BuildError,
    },
}

impl AnyProvider {
    /// Builds the provider `slug` from explicit settings.
    pub fn from_config(slug: &str, config: &ProviderConfig) -> Result<Self, AnyProviderError> {
        let Some(entry) = registry::find(slug) else {
            return Err(AnyProviderError::UnknownProvider {
                slug: slug.to_owned(),
                known: registry::ENTRIES
                    .iter()
                    .map(|entry| entry.spec.slug)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let client = (entry.build)(config).map_err(|source| AnyProviderError::Build {
            provider: entry.spec.name,
            source,
        })?;
        Ok(AnyProvider { client })
    }

    /// Builds the provider `slug` from its `ESTORNO_<SLUG>_*` environment variables.
    pub fn from_env(slug: &str) -> Result<Self, AnyProviderError> {
        let config = ProviderConfig::from_env(slug)?;
        Self::from_config(slug, &config)
    }

    /// The provider's static description.
    pub fn spec(&self) -> &'static ProviderSpec {
        self.client.spec()
    }

    /// The generated client underneath, for provider-specific calls.
    pub fn client(&self) -> &AnyClient {
        &self.client
    }
}

impl Cancel for AnyProvider {
    fn provider(&self) -> &'static ProviderSpec {
        self.client.as_cancel().provider()
    }

    fn supports_partial(&self) -> bool {
        self.client.as_cancel().supports_partial()
    }

    fn cancel<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        self.client.as_cancel().cancel(request)
    }

    fn cancel_from<'a>(
        &'a self,
        request: &'a CancelRequest,
        before: Cancellation,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        self.client.as_cancel().cancel_from(request, before)
    }

    fn status<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        self.client.as_cancel().status(request)
    }

    fn before_sending<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        self.client.as_cancel().before_sending(request)
    }

    fn reconcile<'a>(
        &'a self,
        request: &'a CancelRequest,
    ) -> BoxFuture<'a, Result<Cancellation, CancelError>> {
        self.client.as_cancel().reconcile(request)
    }
}
