//! The classified errors of a provider call, and the errors of building a client.
//!
//! A refund that failed and a refund whose fate is unknown call for opposite reactions (try
//! again versus reconcile first), so every error says which it is: [`Error::outcome_unknown`]
//! and [`Error::is_retryable`] answer from the classification, never from message text.

use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;

/// A boxed error source, kept so `Error::source()` can tell a TLS failure from a reset.
type Source = Box<dyn StdError + Send + Sync + 'static>;

/// What went wrong with a provider call, with `E` the provider's typed error body.
///
/// Variants are `#[non_exhaustive]`: match them with `..`. Their `idempotent` field records
/// whether the operation was declared idempotent, which decides [`Error::outcome_unknown`]
/// and [`Error::is_retryable`].
///
/// Displayed messages are short, lower case and never contain a secret or personal data;
/// body samples are redacted (document numbers, card numbers, e-mail addresses, names,
/// tokens) and cut to 256 characters.
#[non_exhaustive]
pub enum Error<E> {
    /// The provider answered a status the spec declares as an error, with the declared body.
    #[non_exhaustive]
    Api {
        status: u16,
        headers: Box<HeaderMap>,
        body: E,
        idempotent: bool,
        /// What the spec declares the error to mean, beyond its status.
        meaning: Meaning,
    },
    /// The provider answered a status the spec does not declare.
    #[non_exhaustive]
    UnexpectedStatus {
        status: u16,
        headers: Box<HeaderMap>,
        /// Redacted start of the body.
        sample: String,
        idempotent: bool,
    },
    /// The body did not decode as the type the spec declares for its status: an HTML error
    /// page, an empty body, truncated JSON, a missing field.
    #[non_exhaustive]
    Decode {
        status: u16,
        /// Redacted start of the body.
        sample: String,
        /// The decoder's message, with any value it quotes masked.
        reason: String,
        idempotent: bool,
    },
    /// The body was longer than the client's `max_response_bytes`; reading stopped there.
    #[non_exhaustive]
    ResponseTooLarge {
        status: u16,
        /// The limit in bytes.
        limit: usize,
        idempotent: bool,
    },
    /// A parameter or body broke its declared rule; nothing was sent.
    #[non_exhaustive]
    InvalidRequest {
        /// The Rust name of the parameter, or `"body"`.
        field: &'static str,
        reason: String,
    },
    /// No access token could be obtained; the API itself was not called.
    #[non_exhaustive]
    Auth {
        /// The token endpoint's status, or `None` when it could not be reached.
        status: Option<u16>,
        reason: String,
        /// Redacted start of the token endpoint's body (tokens masked), or empty.
        sample: String,
        /// The wait the token endpoint asked for (`Retry-After`), when it said.
        retry_after: Option<Duration>,
        source: Option<Source>,
    },
    /// The connection failed. `sent` is false only when the request certainly never left
    /// (connection refused, DNS failure).
    #[non_exhaustive]
    Transport {
        sent: bool,
        idempotent: bool,
        source: Source,
    },
    /// The deadline passed. `sent` is false only when it passed while connecting.
    #[non_exhaustive]
    Timeout { sent: bool, idempotent: bool },
}

/// What a declared error means, where its status alone does not say it: the spec's
/// `#[err(200 if "ReturnCode" = "10" => E, landed)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Meaning {
    /// What the status says: 401 and 403 are authentication, another 4xx (or a business
    /// failure inside a 2xx) a refusal, a 5xx or 408 an unknown outcome.
    #[default]
    Status,
    /// An earlier request is under way or already done (Cielo's `ReturnCode` 10, 17 and
    /// 42; e.Rede's 355): not a refusal, and after an uncertain first send, proof it landed.
    Landed,
    /// The provider processed nothing and asks to be called again (Cielo's 57 and 99).
    Retry,
    /// What a look-up asked for does not exist (Efí's `devolucao_nao_encontrada`). From a
    /// look-up by the request's own key, that proves the request did not land.
    NotFound,
}

impl Meaning {
    /// The word the spec writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Meaning::Status => "status",
            Meaning::Landed => "landed",
            Meaning::Retry => "retry",
            Meaning::NotFound => "not_found",
        }
    }
}

/// The body of a declared error whose body is not read (`#[err(401)]`: Cielo answers a bad
/// MerchantKey with no body at all). Its status classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoBody;

/// Statuses that say "try again later" rather than "no".
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 408 | 429) || (500..=599).contains(&status)
}

impl<E> Error<E> {
    /// A request the caller refuses to send, for validation layered on top of a generated
    /// client (the unified cancellation API checks amounts this way).
    pub fn invalid_request(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field,
            reason: reason.into(),
        }
    }

    /// The HTTP status the provider (or, for [`Error::Auth`], the token endpoint) answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. }
            | Error::ResponseTooLarge { status, .. } => Some(*status),
            Error::Auth { status, .. } => *status,
            Error::InvalidRequest { .. } | Error::Transport { .. } | Error::Timeout { .. } => None,
        }
    }

    /// The response headers, when the provider answered.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api { headers, .. } | Error::UnexpectedStatus { headers, .. } => Some(headers),
            _ => None,
        }
    }

    /// Whether a deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether the provider (or its token endpoint) answered 429: it processed nothing, and
    /// asks to be called again later ([`Error::retry_after`]).
    pub fn is_throttled(&self) -> bool {
        self.status() == Some(429)
    }

    /// The wait the provider asked for with `Retry-After` (seconds or an HTTP date), as sent,
    /// when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Auth { retry_after, .. } => *retry_after,
            other => other.headers().and_then(crate::client::retry_after_header),
        }
    }

    /// Whether sending the same call again is safe and may succeed.
    ///
    /// True for failures before the request left (connection refused, connect timeout), for
    /// token endpoint outages (the API was not called), and — only for operations declared
    /// idempotent — for timeouts, resets and transient statuses (408, 429, 5xx) after
    /// sending. A non-idempotent call that may have reached the provider is never
    /// retryable: see [`Error::outcome_unknown`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout { sent, idempotent } => !sent || *idempotent,
            Error::Transport {
                sent, idempotent, ..
            } => !sent || *idempotent,
            // The provider said it processed nothing.
            Error::Api {
                meaning: Meaning::Retry,
                ..
            } => true,
            // 429 means the provider processed nothing: safe to send again, idempotent or not.
            Error::Api {
                status, idempotent, ..
            }
            | Error::UnexpectedStatus {
                status, idempotent, ..
            } => *status == 429 || (*idempotent && is_transient_status(*status)),
            Error::Auth { status, .. } => status.is_none_or(is_transient_status),
            Error::Decode { .. }
            | Error::ResponseTooLarge { .. }
            | Error::InvalidRequest { .. } => false,
        }
    }

    /// Whether a non-idempotent request may have taken effect at the provider without us
    /// knowing: the money may or may not have moved, so reconcile through the provider's
    /// status operation before doing anything else.
    ///
    /// True, for operations not declared idempotent, when:
    /// - a timeout or connection failure happened after the request may have been sent;
    /// - the provider answered 5xx (declared or not): it may have acted before failing;
    /// - the provider answered a status other than 4xx whose body could not be read
    ///   (undeclared, undecodable or too large): a 2xx we cannot read may be a refund
    ///   that went through.
    ///
    /// A 4xx means the provider refused the request, and a declared non-5xx error is a
    /// definite answer, so neither is unknown. Idempotent operations are never unknown:
    /// send them again.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Timeout { sent, idempotent } => *sent && !idempotent,
            Error::Transport {
                sent, idempotent, ..
            } => *sent && !idempotent,
            // 408 is the provider saying *it* timed out (Zoop's processor, a gateway): the
            // operation may have gone through behind it, like a 5xx.
            Error::Api {
                status,
                idempotent,
                meaning,
                ..
            } => *meaning == Meaning::Status && !idempotent && (*status >= 500 || *status == 408),
            Error::UnexpectedStatus {
                status, idempotent, ..
            }
            | Error::Decode {
                status, idempotent, ..
            }
            | Error::ResponseTooLarge {
                status, idempotent, ..
            } => !idempotent && (*status == 408 || !(400..=499).contains(status)),
            Error::InvalidRequest { .. } | Error::Auth { .. } => false,
        }
    }

    /// What the spec declares a declared error to mean; [`Meaning::Status`] for every other
    /// error.
    pub fn meaning(&self) -> Meaning {
        match self {
            Error::Api { meaning, .. } => *meaning,
            _ => Meaning::Status,
        }
    }

    /// The provider's typed error body, for [`Error::Api`].
    pub fn api_body(&self) -> Option<&E> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The provider's typed error body, for [`Error::Api`], by value.
    pub fn into_api_body(self) -> Option<E> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Converts the typed error body, keeping the classification: how the unified API turns
    /// each provider's error into one type.
    pub fn map_api<F>(self, convert: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::Api {
                status,
                headers,
                body,
                idempotent,
                meaning,
            } => Error::Api {
                status,
                headers,
                body: convert(body),
                idempotent,
                meaning,
            },
            Error::UnexpectedStatus {
                status,
                headers,
                sample,
                idempotent,
            } => Error::UnexpectedStatus {
                status,
                headers,
                sample,
                idempotent,
            },
            Error::Decode {
                status,
                sample,
                reason,
                idempotent,
            } => Error::Decode {
                status,
                sample,
                reason,
                idempotent,
            },
            Error::ResponseTooLarge {
                status,
                limit,
                idempotent,
            } => Error::ResponseTooLarge {
                status,
                limit,
                idempotent,
            },
            Error::InvalidRequest { field, reason } => Error::InvalidRequest { field, reason },
            Error::Auth {
                status,
                reason,
                sample,
                retry_after,
                source,
            } => Error::Auth {
                status,
                reason,
                sample,
                retry_after,
                source,
            },
            Error::Transport {
                sent,
                idempotent,
                source,
            } => Error::Transport {
                sent,
                idempotent,
                source,
            },
            Error::Timeout { sent, idempotent } => Error::Timeout { sent, idempotent },
        }
    }
}

impl<E> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, .. } => write!(f, "provider answered {status} with an error"),
            Error::UnexpectedStatus { status, .. } => {
                write!(f, "provider answered {status} with an unexpected body")
            }
            Error::Decode { status, reason, .. } => {
                write!(
                    f,
                    "could not decode the provider's {status} answer: {reason}"
                )
            }
            Error::ResponseTooLarge { status, limit, .. } => write!(
                f,
                "provider answered {status} with a body over the {limit}-byte limit"
            ),
            Error::InvalidRequest { field, reason } => write!(f, "invalid `{field}`: {reason}"),
            Error::Auth { reason, .. } => write!(f, "authentication failed: {reason}"),
            Error::Transport { sent: false, .. } => {
                f.write_str("could not connect to the provider")
            }
            Error::Transport { sent: true, .. } => {
                f.write_str("connection failed after the request was sent")
            }
            Error::Timeout { sent: false, .. } => {
                f.write_str("timed out connecting to the provider")
            }
            Error::Timeout { sent: true, .. } => f.write_str("request timed out after it was sent"),
        }
    }
}

/// Lists header names only: response headers can carry cookies or echoed identifiers.
struct HeaderNames<'a>(&'a HeaderMap);

impl fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl<E: fmt::Debug> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api {
                status,
                headers,
                body,
                idempotent,
                meaning,
            } => f
                .debug_struct("Api")
                .field("status", status)
                .field("headers", &HeaderNames(headers))
                .field("body", body)
                .field("idempotent", idempotent)
                .field("meaning", meaning)
                .finish(),
            Error::UnexpectedStatus {
                status,
                headers,
                sample,
                idempotent,
            } => f
                .debug_struct("UnexpectedStatus")
                .field("status", status)
                .field("headers", &HeaderNames(headers))
                .field("sample", sample)
                .field("idempotent", idempotent)
                .finish(),
            Error::Decode {
                status,
                sample,
                reason,
                idempotent,
            } => f
                .debug_struct("Decode")
                .field("status", status)
                .field("sample", sample)
                .field("reason", reason)
                .field("idempotent", idempotent)
                .finish(),
            Error::ResponseTooLarge {
                status,
                limit,
                idempotent,
            } => f
                .debug_struct("ResponseTooLarge")
                .field("status", status)
                .field("limit", limit)
                .field("idempotent", idempotent)
                .finish(),
            Error::InvalidRequest { field, reason } => f
                .debug_struct("InvalidRequest")
                .field("field", field)
                .field("reason", reason)
                .finish(),
            Error::Auth {
                status,
                reason,
                sample,
                retry_after,
                source,
            } => f
                .debug_struct("Auth")
                .field("status", status)
                .field("reason", reason)
                .field("sample", sample)
                .field("retry_after", retry_after)
                .field("source", source)
                .finish(),
            Error::Transport {
                sent,
                idempotent,
                source,
            } => f
                .debug_struct("Transport")
                .field("sent", sent)
                .field("idempotent", idempotent)
                .field("source", source)
                .finish(),
            Error::Timeout { sent, idempotent } => f
                .debug_struct("Timeout")
                .field("sent", sent)
                .field("idempotent", idempotent)
                .finish(),
        }
    }
}

impl<E: fmt::Debug> StdError for Error<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source.as_ref()),
            Error::Auth {
                source: Some(source),
                ..
            } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// An error raised by [`crate::__private::Call`] before any status was interpreted: invalid
/// parameters, auth, transport, timeouts, an oversized body. Generated code turns it into the
/// provider's [`Error`] with `?`.
pub struct CallError(pub(crate) Error<Infallible>);

impl CallError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        CallError(Error::invalid_request(field, reason))
    }

    /// The error as seen by callers, for tests and tooling that drive `Call` directly.
    pub fn into_error<E>(self) -> Error<E> {
        self.0.map_api(|never| match never {})
    }

    /// See [`Error::is_retryable`].
    pub fn is_retryable(&self) -> bool {
        self.0.is_retryable()
    }
}

impl<E> From<CallError> for Error<E> {
    fn from(error: CallError) -> Self {
        error.into_error()
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl StdError for CallError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

/// Why [`crate::ClientBuilder::build`] refused a configuration. Messages name the setting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// `.credentials(..)` was never called.
    #[error("missing `credentials`")]
    MissingCredentials,
    /// A named part of the credentials was not configured.
    #[error("missing credential `{field}`")]
    MissingCredential { field: &'static str },
    /// A credential is empty, has CR, LF or NUL, or cannot go into a header.
    #[error("invalid `{field}`: {reason}")]
    InvalidCredential {
        field: &'static str,
        reason: &'static str,
    },
    /// The credential type does not match the provider's auth scheme.
    #[error("`credentials` of type {given} do not fit this provider, which needs {expected}")]
    CredentialsMismatch {
        expected: &'static str,
        given: &'static str,
    },
    /// `.sandbox()` on a provider without a sandbox.
    #[error("{provider} has no sandbox; point `base_url` at a test server instead")]
    NoSandbox { provider: &'static str },
    /// The spec has no production URL and none was given.
    #[error("{provider} has no production URL; set `base_url`")]
    NoProductionUrl { provider: &'static str },
    /// A URL that does not parse, carries credentials, a query or a fragment.
    #[error("invalid `{field}`: {reason}")]
    InvalidUrl { field: &'static str, reason: String },
    /// `http://` to a host other than loopback.
    #[error("insecure `{field}`: https is required except for loopback hosts")]
    InsecureUrl { field: &'static str },
    /// A constant header in the spec is not a valid header.
    #[error("invalid constant header `{name}` in the {provider} spec")]
    InvalidSpecHeader {
        provider: &'static str,
        name: &'static str,
    },
    /// reqwest could not build its client (TLS setup, a client certificate rustls refuses).
    #[error("could not build the HTTP transport")]
    Transport(#[source] reqwest::Error),
    /// The provider requires mutual TLS and no client certificate was configured.
    #[error(
        "{provider} requires a client certificate on every connection: set `client_identity` (a PEM certificate and key, or a PKCS#12 archive)"
    )]
    MissingClientIdentity { provider: &'static str },
    /// A client certificate was given together with a shared `transport`, which cannot take
    /// one after it was built.
    #[error(
        "`client_identity` cannot be added to a shared `transport`: give that reqwest client the identity itself, or leave `transport` unset"
    )]
    IdentityWithTransport,
    /// A setting names a credential part the provider does not read.
    #[error("{provider} reads no credential `{name}`; it reads {known}")]
    UnknownSetting {
        provider: &'static str,
        name: String,
        known: String,
    },
    /// `host_url` names a host the spec does not declare.
    #[error("{provider} has no host named `{name}`")]
    UnknownHost {
        provider: &'static str,
        name: String,
    },
    /// `auth` names a scheme the spec does not declare.
    #[error("{provider} has no auth scheme named `{name}` (it has: {known})")]
    UnknownAuth {
        provider: &'static str,
        name: String,
        known: String,
    },
    /// `root_certificates` is not a PEM file of certificates.
    #[error("invalid `root_certificates`: {reason}")]
    InvalidRootCertificates { reason: &'static str },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout(sent: bool, idempotent: bool) -> Error<()> {
        Error::Timeout { sent, idempotent }
    }

    fn unexpected(status: u16, idempotent: bool) -> Error<()> {
        Error::UnexpectedStatus {
            status,
            headers: Box::default(),
            sample: String::new(),
            idempotent,
        }
    }

    #[test]
    fn classification_of_timeouts() {
        assert!(timeout(true, false).outcome_unknown());
        assert!(!timeout(true, false).is_retryable());
        assert!(!timeout(true, true).outcome_unknown());
        assert!(timeout(true, true).is_retryable());
        assert!(!timeout(false, false).outcome_unknown());
        assert!(timeout(false, false).is_retryable());
    }

    #[test]
    fn classification_of_statuses() {
        assert!(unexpected(502, false).outcome_unknown());
        assert!(unexpected(201, false).outcome_unknown());
        assert!(!unexpected(404, false).outcome_unknown());
        assert!(!unexpected(502, true).outcome_unknown());
        assert!(unexpected(502, true).is_retryable());
        assert!(!unexpected(502, false).is_retryable());
        assert!(!unexpected(400, true).is_retryable());
        assert_eq!(unexpected(502, false).status(), Some(502));
    }

    #[test]
    fn display_is_short_and_lower_case() {
        assert_eq!(
            timeout(true, false).to_string(),
            "request timed out after it was sent"
        );
        assert_eq!(
            unexpected(502, false).to_string(),
            "provider answered 502 with an unexpected body"
        );
    }
}
