//! Static descriptions of providers, emitted by the spec macro as `const` items.
//!
//! A provider's `SPEC` is what the documentation catalogue, the command line, the sandbox and
//! the runtime itself read to learn a provider's base URLs, auth scheme and endpoints. Every
//! type here is plain data that can be built in a `const` context; the structs are built by
//! generated code, so their fields are public and they are not `#[non_exhaustive]`.

use std::time::Duration;

/// A provider as declared in its spec.
#[derive(Debug)]
pub struct ProviderSpec {
    /// Human name, e.g. `"PicPay Checkout"`.
    pub name: &'static str,
    /// Short machine name used on the command line and in environment variables, e.g.
    /// `"picpay-checkout"`.
    pub slug: &'static str,
    /// The first paragraph of the spec's documentation.
    pub doc: &'static str,
    /// Production base URL, when the provider publishes one.
    pub production: Option<&'static str>,
    /// Sandbox base URL, when the provider has a sandbox.
    pub sandbox: Option<&'static str>,
    /// How every call is authenticated, unless configuration picks one of [`Self::auths`].
    pub auth: AuthScheme,
    /// Other schemes the provider accepts with the same credentials, chosen by name in
    /// configuration (e.Rede's legacy Basic `PV:token` beside its OAuth2), each with the base
    /// URLs of its own API generation.
    pub auths: &'static [AuthVariant],
    /// Headers sent on every call, as `(name, value)`.
    pub headers: &'static [(&'static str, &'static str)],
    /// Whether every connection presents a client certificate (mutual TLS): a client for an
    /// `https` base URL is not built without one.
    pub client_certificate: bool,
    /// The names configuration gives the credential's parts, in the order of the credential
    /// type's [`Credentials::FIELDS`](crate::auth::Credentials::FIELDS): `ESTORNO_<SLUG>_<NAME>`
    /// (Cielo's `merchant_id` and `merchant_key`, after its headers).
    pub credentials: &'static [&'static str],
    /// Hosts besides the base URL, by name, which operations name in [`EndpointSpec::host`]
    /// (Cielo reads on `apiquery…`, writes on `api…`).
    pub hosts: &'static [HostSpec],
    /// Every operation, in declaration order.
    pub endpoints: &'static [EndpointSpec],
    /// How the unified cancellation drives this provider, when the spec declares
    /// `cancel(...)`.
    pub cancel: Option<CancelSpec>,
}

impl ProviderSpec {
    /// Looks an operation up by its Rust name.
    pub fn endpoint(&'static self, name: &str) -> Option<&'static EndpointSpec> {
        self.endpoints.iter().find(|endpoint| endpoint.name == name)
    }
}

/// How a provider authenticates calls. The matching credential type is in [`crate::auth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthScheme {
    /// A static token in a custom header, e.g. `x-picpay-token: <token>`.
    /// Credentials: [`crate::auth::HeaderToken`].
    Header { name: &'static str },
    /// `Authorization: Bearer <token>`. Credentials: [`crate::auth::BearerToken`].
    Bearer,
    /// HTTP Basic with user and password. Credentials: [`crate::auth::BasicAuth`].
    Basic,
    /// HTTP Basic with an API key as the user and an empty password (`key:`).
    /// Credentials: [`crate::auth::ApiKey`].
    BasicKeyAsUser,
    /// `Authorization: Bearer <token>` plus an API key in another header.
    /// Credentials: [`crate::auth::BearerWithApiKey`].
    BearerWithApiKey { api_key_header: &'static str },
    /// Two credential headers, e.g. `MerchantId` and `MerchantKey`.
    /// Credentials: [`crate::auth::HeaderPair`].
    HeaderPair {
        first: &'static str,
        second: &'static str,
    },
    /// OAuth2 client credentials; the access token is then sent as a Bearer token.
    /// Credentials: [`crate::auth::ClientCredentials`], or
    /// [`crate::auth::ClientCredentialsWithApiKey`] when `api_key_header` is set.
    OAuth2ClientCredentials(OAuth2Spec),
}

/// Where and how an OAuth2 client-credentials token is requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2Spec {
    /// Token endpoint in production: a path relative to the API base URL (`/oauth2/token`)
    /// or an absolute URL on another host.
    pub token_url: &'static str,
    /// Token endpoint in the sandbox, when it differs from `token_url`.
    pub sandbox_token_url: Option<&'static str>,
    /// How the token request body is encoded.
    pub request: TokenRequestEncoding,
    /// A header that carries an API key on every call besides the Bearer token.
    pub api_key_header: Option<&'static str>,
    /// How the client authenticates itself to the token endpoint.
    pub client_auth: ClientAuth,
    /// A `scope` the token request names (Getnet's `oob`), when one is needed.
    pub scope: Option<&'static str>,
}

/// How an OAuth2 client proves who it is when it asks for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the request body.
    Body,
    /// `Authorization: Basic base64(client_id:client_secret)`, and only `grant_type` (and
    /// `scope`) in the body (Getnet, e.Rede, Efí).
    Basic,
}

/// Encoding of the OAuth2 token request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRequestEncoding {
    /// `{"grant_type":"client_credentials","client_id":…,"client_secret":…}`
    Json,
    /// `grant_type=client_credentials&client_id=…&client_secret=…`
    Form,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
}

impl Method {
    /// The method as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }
}

/// One operation of a provider.
#[derive(Debug)]
pub struct EndpointSpec {
    /// The Rust method name, e.g. `"refund"`.
    pub name: &'static str,
    /// The first paragraph of the operation's documentation.
    pub doc: &'static str,
    pub method: Method,
    /// The path template as declared, e.g. `"/charge/{merchantChargeId}/refund"`.
    pub path: &'static str,
    /// Path, query and header parameters, in declaration order.
    pub params: &'static [ParamSpec],
    /// Headers this operation always sends, as `(name, value)`.
    pub headers: &'static [(&'static str, &'static str)],
    pub body: BodyKind,
    /// Success statuses and the type each decodes to.
    pub ok: &'static [StatusSpec],
    /// Error statuses and the typed error each decodes to.
    pub errors: &'static [StatusSpec],
    /// Whether the operation may be sent again after it may have reached the provider.
    pub idempotent: bool,
    /// The operation that tells the final state when this one's outcome is unknown.
    pub reconcile: Option<&'static str>,
    /// Total deadline for one attempt, overriding the client's default.
    pub timeout: Option<Duration>,
    /// The parameter that carries the operation's idempotency key, when one is declared
    /// (`#[idempotency_key(...)]`).
    pub key: Option<KeySpec>,
    /// The host it goes to, by position in [`ProviderSpec::hosts`]; `None` for the base URL.
    pub host: Option<usize>,
}

/// A host of the provider besides its base URL, with its production and sandbox forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostSpec {
    /// The name operations give it (`"query"`); it names the override
    /// `ESTORNO_<SLUG>_<NAME>_URL` and [`ClientBuilder::host_url`](crate::ClientBuilder::host_url).
    pub name: &'static str,
    pub production: Option<&'static str>,
    pub sandbox: Option<&'static str>,
}

/// Another way a provider authenticates, chosen by name: [`ClientBuilder::auth`](crate::ClientBuilder::auth),
/// [`ProviderConfig::auth`](crate::ProviderConfig::auth) or `ESTORNO_<SLUG>_AUTH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthVariant {
    /// The name configuration gives it (`"legacy"`).
    pub name: &'static str,
    pub auth: AuthScheme,
    /// The base URLs with this scheme, where they differ from the provider's (e.Rede's legacy
    /// scheme serves `/erede/v1`, its OAuth2 `/erede/v2`).
    pub production: Option<&'static str>,
    pub sandbox: Option<&'static str>,
}

/// An operation's idempotency key: a parameter the provider reads to recognise a request it
/// has already seen, so that sending the same request again with the same key has no second
/// effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// The parameter, by position in [`EndpointSpec::params`].
    pub param: usize,
    /// The form of the keys the runtime generates, chosen to meet the parameter's rule.
    pub format: KeyFormat,
    /// How long the provider remembers a key.
    pub kept: KeyRetention,
    /// Whether the provider's documentation confirms that it honours the key. An unverified
    /// key is sent, but never counts as proof that a resend is safe.
    pub verified: bool,
    /// The status with which the provider answers a key it has already seen (Efí's 409
    /// `devolucao_id_duplicado`): an earlier attempt landed, so the answer is reconciled,
    /// never read as a refusal.
    pub conflict: Option<u16>,
}

/// The form of a generated idempotency key: a random (version 4) UUID, written so that the
/// key parameter's declared rule accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// `67e55044-10b1-426f-9247-bb680e5fe0c8`: 36 characters with hyphens.
    Uuid,
    /// `67e5504410b1426f9247bb680e5fe0c8`: 32 lowercase hexadecimal digits, for providers
    /// whose keys take letters and digits only (Efí's `[a-zA-Z0-9]{1,35}`).
    UuidSimple,
}

impl KeyFormat {
    /// A new key, unique to one logical request.
    pub fn generate(self) -> String {
        let uuid = uuid::Uuid::new_v4();
        match self {
            KeyFormat::Uuid => uuid.hyphenated().to_string(),
            KeyFormat::UuidSimple => uuid.simple().to_string(),
        }
    }
}

/// How long a provider remembers an idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRetention {
    /// For this long after the first request; a resend after that is sent as if it had no
    /// key, so it proves nothing.
    For(Duration),
    /// For as long as the request's effect exists: the key names it (Efí's devolução id in
    /// the path).
    Permanent,
    /// For a time the provider does not document (Mercado Pago). The key still makes the
    /// retries of one call safe, seconds apart; it never proves a later resend safe.
    Undocumented,
}

impl KeyRetention {
    /// Whether a key first sent `age` ago is still remembered.
    pub fn covers(self, age: Duration) -> bool {
        match self {
            KeyRetention::For(kept) => age < kept,
            KeyRetention::Permanent => true,
            KeyRetention::Undocumented => false,
        }
    }
}

/// One parameter of an operation.
#[derive(Debug)]
pub struct ParamSpec {
    /// The Rust parameter name.
    pub name: &'static str,
    /// The name on the wire (placeholder, query key or header name).
    pub wire: &'static str,
    pub location: ParamLocation,
    pub required: bool,
    pub rule: ParamRule,
    /// The Rust type as written in the spec, for documentation.
    pub ty: &'static str,
}

/// Where a parameter goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    /// A top-level field of the JSON body, beside the body's own (Getnet's
    /// `cancel_custom_key`).
    JsonField,
}

/// Validation declared beside a parameter, enforced before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamRule {
    /// Minimum length in characters.
    pub min_len: Option<usize>,
    /// Maximum length in characters.
    pub max_len: Option<usize>,
    /// Allowed characters, as inclusive ranges.
    pub chars: Option<&'static [(char, char)]>,
    /// The allowed characters as written in the spec (`"A-Za-z0-9-"`), for messages.
    pub chars_text: Option<&'static str>,
    /// `chars` as a set of bytes, when every range is within ASCII: made by
    /// [`AsciiSet::of`] when the spec compiles, so a value is checked a byte at a time.
    pub ascii: Option<AsciiSet>,
    /// Smallest allowed numeric value.
    pub min: Option<i128>,
    /// Largest allowed numeric value.
    pub max: Option<i128>,
}

/// A set of ASCII characters, as two 64-bit words: a rule's allowed characters, checked
/// against a value a byte at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsciiSet([u64; 2]);

impl AsciiSet {
    /// The characters of `ranges` (inclusive), or `None` when one goes past ASCII. A
    /// `const fn`, so a spec's sets are built when it compiles.
    pub const fn of(ranges: &[(char, char)]) -> Option<AsciiSet> {
        let mut words = [0u64; 2];
        let mut index = 0;
        while index < ranges.len() {
            let (low, high) = (ranges[index].0 as u32, ranges[index].1 as u32);
            if high > 127 {
                return None;
            }
            let mut code = low;
            while code <= high {
                words[(code / 64) as usize] |= 1 << (code % 64);
                code += 1;
            }
            index += 1;
        }
        Some(AsciiSet(words))
    }

    /// Whether `byte` is in the set (never, past ASCII).
    #[inline]
    pub const fn contains(self, byte: u8) -> bool {
        // No branch on the word: this runs once per byte of every checked value.
        let word = if byte < 64 { self.0[0] } else { self.0[1] };
        byte < 128 && (word >> (byte & 63)) & 1 == 1
    }

    /// The index of the first byte of `bytes` outside the set, if any.
    pub fn first_outside(self, bytes: &[u8]) -> Option<usize> {
        bytes.iter().position(|&byte| !self.contains(byte))
    }

    /// Whether every character of the set is one of `other`'s.
    pub const fn is_within(self, other: AsciiSet) -> bool {
        self.0[0] & !other.0[0] == 0 && self.0[1] & !other.0[1] == 0
    }
}

/// RFC 3986's unreserved characters (letters, digits, `-`, `.`, `_`, `~`), which a path
/// segment carries as they are.
pub const UNRESERVED: AsciiSet = {
    let mut words = [0u64; 2];
    let mut byte = 0u8;
    while byte < 128 {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            words[(byte / 64) as usize] |= 1 << (byte % 64);
        }
        byte += 1;
    }
    AsciiSet(words)
};

impl ParamRule {
    /// A rule that accepts any value (path segments are still checked for `.`, `..` and
    /// emptiness, header values for CR, LF and NUL).
    pub const NONE: ParamRule = ParamRule {
        min_len: None,
        max_len: None,
        chars: None,
        chars_text: None,
        ascii: None,
        min: None,
        max: None,
    };
}

/// How an operation's request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body at all.
    Empty,
    /// `application/json`, with the Rust type as written in the spec.
    Json { ty: &'static str },
    /// `application/x-www-form-urlencoded`, with the Rust type as written in the spec.
    Form { ty: &'static str },
}

/// A status (or range of statuses) and what it decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusSpec {
    pub statuses: StatusMatch,
    /// The Rust type the body decodes to, as written in the spec (`"()"` for no body).
    pub ty: &'static str,
    /// A top-level JSON field that selects this mapping: by its presence (and non-null
    /// value), "a business failure inside a 200", or by its value ([`Self::when_values`]).
    pub when_field: Option<&'static str>,
    /// The values of `when_field` that select this mapping (Cielo's `ReturnCode` `"0"` or
    /// `"9"`); empty when the field's presence does.
    pub when_values: &'static [&'static str],
    /// What a declared error means beyond its status.
    pub meaning: crate::Meaning,
}

/// Which statuses a [`StatusSpec`] covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    One(u16),
    Range(u16, u16),
    /// Every status not otherwise declared.
    Default,
}

/// A provider's status enum and how each value maps to a normalised outcome.
#[derive(Debug)]
pub struct StatusMapSpec {
    /// The Rust enum name, e.g. `"ChargeStatus"`.
    pub name: &'static str,
    pub doc: &'static str,
    /// Each wire value (as text) with its variant name and outcome.
    pub entries: &'static [StatusEntry],
}

/// One value of a provider status enum.
#[derive(Debug)]
pub struct StatusEntry {
    pub wire: &'static str,
    pub variant: &'static str,
    pub outcome: crate::Outcome,
    /// What the value means in the answer to a partial cancellation, when that differs.
    pub partial: Option<crate::Outcome>,
    pub doc: &'static str,
}

/// What a spec's `cancel(...)` declaration says about the requests it takes: the provider
/// fields a `CancelRequest` may carry, the rules the payment's id must meet, and what can
/// prove that a cancellation whose outcome is unknown did not land.
///
/// The unified API checks every request against this before anything is sent
/// (`Cancel::check`), so a misspelled or missing field, or an id the provider would refuse,
/// never reaches the network.
#[derive(Debug)]
pub struct CancelSpec {
    /// The parameters the payment's id fills, each with its declared rule.
    pub payment: &'static [ParamRef],
    /// Every provider field named by `field("…")` or `optional_field("…")`.
    pub fields: &'static [CancelFieldSpec],
    /// Whether a partial operation is declared.
    pub partial: bool,
    /// The parameter of the cancelling operations that carries the idempotency key, when
    /// they declare one; its [`KeySpec`] is the operation's [`EndpointSpec::key`].
    pub key: Option<ParamRef>,
    /// What makes sending a cancellation again safe after its outcome was unknown.
    pub resend: ResendProof,
    /// Whether the look-up that reconciles (`reconcile = op(...)` in `cancel(...)`) finds the
    /// cancellation by its idempotency key rather than the payment by its id.
    pub reconcile_by_key: bool,
    /// Whether a look-up of the payment is declared (`status = op(...)`). Without one
    /// (Getnet documents none), nothing is read before sending: the provider's answers alone
    /// decide, and an unknown outcome is resolved only by the keyed look-up, where there is
    /// one, or by an operator.
    pub looks_up: bool,
    /// How long after a payment each of its acquirers accepts a cancellation
    /// (`window(...)` in `cancel(...)`).
    pub windows: &'static [WindowSpec],
}

/// A cancellation window: payments whose method code (the look-up's `#[cancel(method)]`) is
/// in `methods` can be cancelled for `days` days after their date (`#[cancel(dated)]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSpec {
    /// Who sets the limit, for messages (`"Cielo"`).
    pub acquirer: &'static str,
    /// The method codes it covers, inclusive.
    pub methods: (u64, u64),
    pub days: u32,
}

impl CancelSpec {
    /// The idempotency key the cancelling operations carry, when they declare one.
    pub fn key_spec(&self, spec: &'static ProviderSpec) -> Option<&'static KeySpec> {
        spec.endpoints.get(self.key?.endpoint)?.key.as_ref()
    }

    /// The field called `name`, if the spec declares it.
    pub fn field(&self, name: &str) -> Option<&CancelFieldSpec> {
        self.fields.iter().find(|field| field.name == name)
    }
}

/// One parameter of one operation, by position in [`ProviderSpec::endpoints`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamRef {
    pub endpoint: usize,
    pub param: usize,
}

impl ParamRef {
    /// The parameter this points at.
    pub fn resolve(self, spec: &'static ProviderSpec) -> Option<&'static ParamSpec> {
        spec.endpoints.get(self.endpoint)?.params.get(self.param)
    }
}

/// A provider field of the unified cancellation, such as Zoop's `on_behalf_of`.
#[derive(Debug)]
pub struct CancelFieldSpec {
    /// The field's name, as `CancelRequest::field` and the bulk file's column give it.
    pub name: &'static str,
    /// How a total cancellation uses it.
    pub total: FieldUse,
    /// How a partial cancellation uses it.
    pub partial: FieldUse,
    /// How the status look-up uses it.
    pub status: FieldUse,
    /// The rule declared beside the field (`field("x", len = 1..=64)`), for values that go
    /// into a body; a field that fills a parameter also meets that parameter's rule.
    pub rule: ParamRule,
    /// The parameters the field fills.
    pub params: &'static [ParamRef],
}

/// Whether a call needs a provider field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldUse {
    /// The call does not read it.
    Unused,
    /// The call sends it when given (`optional_field("…")`).
    Optional,
    /// The call cannot be made without it (`field("…")`).
    Required,
}

/// What can prove that a cancellation whose outcome is unknown (a timeout, a reset, a 5xx
/// after it was sent) did not land, so that sending it again cannot refund twice.
///
/// A waiting period is never such a proof: a provider can apply a queued request minutes
/// after the client gave up on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResendProof {
    /// Nothing the provider offers can prove it: the cancellation carries no idempotency key
    /// the provider honours, and no look-up finds it by the merchant's own key. A
    /// cancellation whose outcome is unknown stays unresolved until a look-up shows its
    /// effect; sending it again is an operator's explicit decision.
    Unproven,
    /// The cancellation carries an idempotency key the provider's documentation says it
    /// honours: sending it again with the same key, while the provider still remembers the
    /// key, cannot refund twice.
    Key(KeyRetention),
    /// The look-up that reconciles finds the cancellation by its own key (Efí's devolução by
    /// its id), and answers a declared `not_found` when no request with that key arrived:
    /// that answer proves the request did not land, so it may be sent again.
    LookUp,
}

impl ResendProof {
    /// How the catalogue and `estorno providers` describe it.
    pub fn describe(self) -> String {
        match self {
            ResendProof::Unproven => "no proof: an unknown outcome stays unresolved until a look-up shows it; resending is an operator's decision".to_owned(),
            ResendProof::Key(KeyRetention::Permanent) => "idempotency key: resent with the same key, which the provider never forgets".to_owned(),
            ResendProof::Key(KeyRetention::Undocumented) => "idempotency key, kept for a time the provider does not document: retries of one call reuse it; an unknown outcome stays unresolved, and an operator's resend reuses the key".to_owned(),
            ResendProof::Key(KeyRetention::For(kept)) => format!(
                "idempotency key: resent with the same key while the provider keeps it ({}); after that, an operator's decision",
                describe_duration(kept)
            ),
            ResendProof::LookUp => "look-up by the cancellation's key: resent only when the provider answers that no request with that key arrived".to_owned(),
        }
    }
}

/// `24 h`, `30 min`, `2 d`, `45 s`: the largest whole unit.
fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}
