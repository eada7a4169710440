//! The spec model: what a provider spec and a status map say, with spans back to the tokens.
//!
//! The macro expands this model into a client; xtask reads the same model to write the
//! catalogue and the registry, so the two can never disagree about a provider.

use proc_macro2::Span;
use syn::{Ident, LitStr, Type, Visibility};

/// A provider, from `#[estorno::provider(...)] trait X { ... }`.
pub struct Provider {
    /// The trait's name, e.g. `PicPayCheckout`.
    pub ident: Ident,
    pub vis: Visibility,
    /// The trait's documentation, one string per `///` line.
    pub docs: Vec<String>,
    /// Human name, e.g. `"PicPay Checkout"`.
    pub name: LitStr,
    /// Machine name for the command line and environment variables, e.g. `"picpay-checkout"`.
    pub slug: String,
    pub production: Option<LitStr>,
    pub sandbox: Option<LitStr>,
    pub auth: Auth,
    /// `auth(name = "legacy", production = "...", sandbox = "...") = basic`: other schemes
    /// configuration may choose, taking the same credentials.
    pub auths: Vec<AuthVariant>,
    /// Headers sent on every call.
    pub headers: Vec<ConstHeader>,
    /// `host(name = "query", production = "...", sandbox = "...")`: hosts besides the base
    /// URL, which operations name with `#[host("query")]` (Cielo reads on `apiquery…`).
    pub hosts: Vec<Host>,
    /// `client_certificate`: every connection, the token call's included, presents a client
    /// certificate (mutual TLS, Efí's Pix API).
    pub client_certificate: bool,
    pub endpoints: Vec<Endpoint>,
    /// How the unified cancellation API drives this provider, when declared.
    pub cancel: Option<CancelDecl>,
}

/// Another auth scheme of the provider, named as [`Host`] is, with the base URLs of the API
/// generation it belongs to (none where they are the provider's).
pub struct AuthVariant {
    pub base: Host,
    pub auth: Auth,
}

/// Another host of the provider, with its production and sandbox forms.
pub struct Host {
    pub name: LitStr,
    pub production: Option<LitStr>,
    pub sandbox: Option<LitStr>,
}

/// `cancel(total = op(...), partial = op(...), status = op(...))`: which operations the
/// unified API calls, and with what arguments.
pub struct CancelDecl {
    pub total: CancelCall,
    /// `total(when = "pending" | "authorized") = op(...)`: the call that cancels in full a
    /// payment whose look-up states one of these values, instead of `total`.
    pub by_state: Vec<StateCall>,
    pub partial: Option<CancelCall>,
    /// `status = op(payment)`: the payment's look-up, before sending and to reconcile;
    /// `None` for a provider that documents none (Getnet), whose answers alone decide.
    pub status: Option<CancelCall>,
    /// `reconcile = op(...)`: the look-up that reconciles an unknown outcome, when it is not
    /// `status`: the cancellation found by its `idempotency_key` (Efí's devolução by its id).
    pub reconcile: Option<CancelCall>,
    /// Every provider field the calls name, in order of first use.
    pub fields: Vec<CancelField>,
    /// `window(acquirer = "…", methods = a..=b, days = n)`, in declaration order.
    pub windows: Vec<CancelWindow>,
}

/// A total cancellation chosen by the payment's state.
pub struct StateCall {
    /// The status values, as the look-up's status enum writes them.
    pub states: Vec<LitStr>,
    pub call: CancelCall,
}

/// How long after a payment an acquirer accepts its cancellation.
pub struct CancelWindow {
    pub acquirer: LitStr,
    pub methods: (u64, u64),
    pub days: u32,
}

impl CancelDecl {
    /// The declared calls with their roles, in `total`, `partial`, `status` order.
    pub fn calls(&self) -> impl Iterator<Item = (CancelRole, &CancelCall)> {
        [
            (CancelRole::Total, Some(&self.total)),
            (CancelRole::Partial, self.partial.as_ref()),
            (CancelRole::Status, self.status.as_ref()),
            (CancelRole::Reconcile, self.reconcile.as_ref()),
        ]
        .into_iter()
        .filter_map(|(role, call)| call.map(|call| (role, call)))
        .chain(
            self.by_state
                .iter()
                .map(|state| (CancelRole::Total, &state.call)),
        )
    }
}

/// What makes sending a cancellation again safe after its outcome was unknown: the runtime's
/// `ResendProof`, decided from the spec.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Unproven,
    /// Every cancelling call carries a confirmed key, kept this long.
    Key(Option<KeyKept>),
    /// `reconcile` finds the cancellation by its key and can answer `not_found`.
    LookUp,
}

impl CancelDecl {
    /// A key kept for a known time (or for good) proves a resend safe by itself; a look-up by
    /// the key that can answer "no such request" proves more than a key kept for an
    /// undocumented time, and an unconfirmed key proves nothing.
    pub fn resend_proof(&self, provider: &Provider) -> Proof {
        let endpoint = |call: &CancelCall| {
            provider
                .endpoints
                .iter()
                .find(|endpoint| endpoint.ident == call.operation)
        };
        let key_of = |call: &CancelCall| {
            endpoint(call)
                .and_then(|endpoint| endpoint.params.iter().find_map(|param| param.key.as_ref()))
        };
        let by_look_up = self
            .reconcile
            .as_ref()
            .and_then(endpoint)
            .is_some_and(|endpoint| {
                endpoint
                    .errors
                    .iter()
                    .any(|mapping| matches!(mapping.meaning, Some((Meaning::NotFound, _))))
            });
        let cancelling = || {
            self.calls()
                .filter(|(role, _)| matches!(role, CancelRole::Total | CancelRole::Partial))
        };
        let verified = cancelling().all(|(_, call)| key_of(call).is_some_and(|key| key.verified));
        // A call that carries no key proves nothing, whatever the others carry.
        if !cancelling().all(|(_, call)| key_of(call).is_some()) {
            return Proof::Unproven;
        }
        match key_of(&self.total).map(|key| key.kept) {
            Some(kept) if verified && (kept != Some(KeyKept::Undocumented) || !by_look_up) => {
                Proof::Key(kept)
            }
            Some(_) if by_look_up => Proof::LookUp,
            _ => Proof::Unproven,
        }
    }
}

/// A provider field named by `field("name", rule...)` or `optional_field("name", rule...)` in
/// the calls of `cancel(...)`.
pub struct CancelField {
    pub name: LitStr,
    /// Each call that reads it, and whether it requires it there.
    pub uses: Vec<(CancelRole, bool)>,
    /// The rule declared beside it (`len`, `chars`, `min`, `max`), empty when none.
    pub rule: Rule,
}

impl CancelField {
    /// Whether `role`'s call requires the field (`Some(true)`), may send it (`Some(false)`),
    /// or does not read it (`None`).
    pub fn use_in(&self, role: CancelRole) -> Option<bool> {
        self.uses
            .iter()
            .find(|(seen, _)| *seen == role)
            .map(|(_, required)| *required)
    }

    /// `required`, `optional`, or which calls require it when they differ.
    pub fn requirement(&self) -> String {
        let roles = |required: bool| {
            self.uses
                .iter()
                .filter(|(_, use_required)| *use_required == required)
                .map(|(role, _)| role.keyword())
                .collect::<Vec<_>>()
                .join(" and ")
        };
        match (roles(true), roles(false)) {
            (_, optional) if optional.is_empty() => "required".to_owned(),
            (required, _) if required.is_empty() => "optional".to_owned(),
            (required, optional) => format!("required by {required}, optional for {optional}"),
        }
    }
}

/// One operation call inside `cancel(...)`. Arguments are Rust expressions over the inputs
/// `payment` (`&str`), `amount` (the partial `Amount`), `remaining` (the `Amount` the status
/// look-up says remains), `field("name")` (a required provider field, `String`) and
/// `optional_field("name")` (`Option<String>`).
pub struct CancelCall {
    pub operation: Ident,
    pub args: Vec<syn::Expr>,
}

/// Which of the `cancel(...)` calls.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CancelRole {
    Total,
    Partial,
    Status,
    Reconcile,
}

impl CancelRole {
    pub fn keyword(self) -> &'static str {
        match self {
            CancelRole::Total => "total",
            CancelRole::Partial => "partial",
            CancelRole::Status => "status",
            CancelRole::Reconcile => "reconcile",
        }
    }
}

/// A declared authentication scheme.
pub enum Auth {
    /// `header("x-picpay-token")`
    Header { name: LitStr },
    /// `bearer`
    Bearer,
    /// `basic`: user and password.
    Basic,
    /// `basic_key`: the API key as the user, an empty password.
    BasicKeyAsUser,
    /// `bearer_with_api_key(header = "x-api-key")`
    BearerWithApiKey { api_key_header: LitStr },
    /// `headers("MerchantId", "MerchantKey")`
    HeaderPair { first: LitStr, second: LitStr },
    /// `oauth2_client_credentials(token_url = "...", request = json | form, ...)`
    OAuth2 {
        token_url: LitStr,
        sandbox_token_url: Option<LitStr>,
        request: TokenRequest,
        api_key_header: Option<LitStr>,
        /// `client_auth = basic`: the client's credentials in a Basic header, not the body.
        basic_client: bool,
        /// `scope = "oob"`.
        scope: Option<LitStr>,
    },
}

impl Auth {
    /// The scheme's name as written in a spec.
    pub fn keyword(&self) -> &'static str {
        match self {
            Auth::Header { .. } => "header",
            Auth::Bearer => "bearer",
            Auth::Basic => "basic",
            Auth::BasicKeyAsUser => "basic_key",
            Auth::BearerWithApiKey { .. } => "bearer_with_api_key",
            Auth::HeaderPair { .. } => "headers",
            Auth::OAuth2 { .. } => "oauth2_client_credentials",
        }
    }

    /// The runtime credential type a client of this scheme is built with.
    pub fn credentials_type(&self) -> &'static str {
        match self {
            Auth::Header { .. } => "HeaderToken",
            Auth::Bearer => "BearerToken",
            Auth::Basic => "BasicAuth",
            Auth::BasicKeyAsUser => "ApiKey",
            Auth::BearerWithApiKey { .. } => "BearerWithApiKey",
            Auth::HeaderPair { .. } => "HeaderPair",
            Auth::OAuth2 {
                api_key_header: None,
                ..
            } => "ClientCredentials",
            Auth::OAuth2 {
                api_key_header: Some(_),
                ..
            } => "ClientCredentialsWithApiKey",
        }
    }

    /// The names configuration gives the credential's parts (`ESTORNO_<SLUG>_<NAME>`), in
    /// the order of the runtime credential type's `FIELDS`. A pair of headers names its parts
    /// after the headers: `headers("MerchantId", "MerchantKey")` reads `merchant_id` and
    /// `merchant_key`.
    pub fn credential_names(&self) -> Vec<String> {
        let fixed = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect();
        match self {
            Auth::Header { .. } | Auth::Bearer => fixed(&["token"]),
            Auth::Basic => fixed(&["user", "password"]),
            Auth::BasicKeyAsUser => fixed(&["api_key"]),
            Auth::BearerWithApiKey { .. } => fixed(&["token", "api_key"]),
            Auth::HeaderPair { first, second } => {
                vec![snake_case(&first.value()), snake_case(&second.value())]
            }
            Auth::OAuth2 {
                api_key_header: None,
                ..
            } => fixed(&["client_id", "client_secret"]),
            Auth::OAuth2 {
                api_key_header: Some(_),
                ..
            } => fixed(&["client_id", "client_secret", "api_key"]),
        }
    }
}

/// `MerchantId` → `merchant_id`, `x-api-key` → `x_api_key`: a header name as a
/// configuration key.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for character in name.chars() {
        if character == '-' || character == '_' || character == ' ' {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            previous_lower = false;
        } else if character.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(character.to_ascii_lowercase());
            previous_lower = false;
        } else {
            out.push(character);
            previous_lower = character.is_ascii_lowercase() || character.is_ascii_digit();
        }
    }
    out
}

/// Encoding of an OAuth2 token request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TokenRequest {
    Json,
    Form,
}

/// A header with a fixed value: `header("Accept-Language" = "pt-BR")`.
pub struct ConstHeader {
    pub name: LitStr,
    pub value: LitStr,
}

/// HTTP method of an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
}

impl Method {
    /// The attribute that declares it (`get`, `post`, ...).
    pub fn keyword(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
            Method::Head => "head",
        }
    }

    /// The method on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }

    /// The runtime's variant name.
    pub fn variant(self) -> &'static str {
        match self {
            Method::Get => "Get",
            Method::Post => "Post",
            Method::Put => "Put",
            Method::Patch => "Patch",
            Method::Delete => "Delete",
            Method::Head => "Head",
        }
    }

    pub(crate) fn from_keyword(keyword: &str) -> Option<Method> {
        Some(match keyword {
            "get" => Method::Get,
            "post" => Method::Post,
            "put" => Method::Put,
            "patch" => Method::Patch,
            "delete" => Method::Delete,
            "head" => Method::Head,
            _ => return None,
        })
    }
}

/// One operation of a provider.
pub struct Endpoint {
    pub ident: Ident,
    pub docs: Vec<String>,
    pub method: Method,
    /// The path template literal, e.g. `"/charge/{merchantChargeId}/refund"`.
    pub path: LitStr,
    /// The template split into literal text and placeholders.
    pub segments: Vec<Segment>,
    /// Every argument as declared, in order, for the generated method's signature.
    pub inputs: Vec<(Ident, Type)>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub ok: Vec<StatusMapping>,
    pub errors: Vec<StatusMapping>,
    /// The success type, `None` for `()`.
    pub output: Option<Type>,
    pub idempotent: bool,
    pub reconcile: Option<Ident>,
    pub timeout_millis: Option<u64>,
    pub headers: Vec<ConstHeader>,
    /// `#[host("query")]`: the operation goes to another of the provider's hosts.
    pub host: Option<LitStr>,
}

/// A piece of a path template.
pub enum Segment {
    Literal(String),
    /// A `{name}` placeholder, with the index of the parameter that fills it.
    Placeholder {
        name: String,
        param: usize,
    },
}

/// Where a parameter goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
    /// `#[json_field("cancel_custom_key")]`: a top-level field added to the `#[json]` body
    /// (Getnet's merchant key travels in the body).
    JsonField,
}

impl Location {
    pub fn keyword(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::JsonField => "json_field",
        }
    }
}

/// A path, query or header parameter.
pub struct Param {
    pub ident: Ident,
    /// The type as written, e.g. `Option<&str>`.
    pub ty: Type,
    /// Whether the type is `Option<_>`: the parameter is left out when `None`.
    pub optional: bool,
    pub location: Location,
    /// The name on the wire.
    pub wire: String,
    pub rule: Rule,
    /// `#[idempotency_key(...)]`: this parameter is the operation's idempotency key.
    pub key: Option<KeyDecl>,
    /// Its attribute could not be read and was reported: nothing more is said about it.
    pub reported: bool,
}

/// `#[idempotency_key(kept_hours = 24, conflict = 409)]` on a parameter.
pub struct KeyDecl {
    /// The attribute, for errors that point at it.
    pub attr: proc_macro2::TokenStream,
    /// How long the provider keeps the key; `None` only for an unverified key.
    pub kept: Option<KeyKept>,
    /// `false` when marked `unverified`: sent, never proof.
    pub verified: bool,
    /// The status that means "this key was already seen".
    pub conflict: Option<u16>,
}

/// How long a provider keeps an idempotency key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeyKept {
    Hours(u32),
    Permanent,
    /// The provider honours the key but does not say for how long.
    Undocumented,
}

/// The form of generated keys, chosen from the key parameter's rule.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// 36 characters, lowercase hex and hyphens.
    Uuid,
    /// 32 lowercase hex digits.
    UuidSimple,
}

impl KeyFormat {
    /// The form a parameter's rule accepts, preferring the hyphenated one; `None` when the
    /// rule accepts neither.
    pub fn fitting(rule: &Rule) -> Option<KeyFormat> {
        let fits = |length: usize, alphabet: &str| {
            rule.min_len.is_none_or(|min| min <= length)
                && rule.max_len.is_none_or(|max| length <= max)
                && rule.chars.as_ref().is_none_or(|(_, ranges)| {
                    alphabet
                        .chars()
                        .all(|c| ranges.iter().any(|&(low, high)| (low..=high).contains(&c)))
                })
                && rule.min.is_none()
                && rule.max.is_none()
        };
        if fits(36, "0123456789abcdef-") {
            Some(KeyFormat::Uuid)
        } else if fits(32, "0123456789abcdef") {
            Some(KeyFormat::UuidSimple)
        } else {
            None
        }
    }
}

/// Validation declared beside a parameter.
#[derive(Default)]
pub struct Rule {
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    /// Allowed characters as written and as ranges.
    pub chars: Option<(LitStr, Vec<(char, char)>)>,
    pub min: Option<i128>,
    pub max: Option<i128>,
}

impl Rule {
    pub fn is_empty(&self) -> bool {
        self.min_len.is_none()
            && self.max_len.is_none()
            && self.chars.is_none()
            && self.min.is_none()
            && self.max.is_none()
    }
}

/// The request body of an operation.
pub struct Body {
    pub ident: Ident,
    pub ty: Type,
    pub kind: BodyKind,
    /// The `#[json]` or `#[form]` attribute, for errors that point at it.
    pub attr: proc_macro2::TokenStream,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
}

/// `#[ok(200 => T)]` or `#[err(400 | 422 => E)]`.
pub struct StatusMapping {
    pub patterns: Vec<StatusPattern>,
    /// A top-level JSON field that selects this mapping: `#[err(200 if "erro" => E)]`, or
    /// `#[ok(200 if "ReturnCode" = "0" | "9" => T)]`.
    pub condition: Option<Condition>,
    /// The body's type; `None` on an `#[err(401)]` whose body is not read.
    pub ty: Option<Type>,
    /// What the error means for the unified cancellation, when its status does not say it:
    /// `#[err(200 if "ReturnCode" = "10" => E, landed)]`.
    pub meaning: Option<(Meaning, Span)>,
}

/// The body field (and values) that select a status mapping.
pub struct Condition {
    /// A top-level JSON key.
    pub field: LitStr,
    /// The values that select the mapping, as text (`"9"` also matches the number `9`);
    /// empty when the field's presence does.
    pub values: Vec<(String, Span)>,
}

/// What a declared error means beyond its status.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// An earlier request is under way or done (Cielo's 10, 17 and 42).
    Landed,
    /// Not processed: safe to send again later (Cielo's 57 and 99).
    Retry,
    /// What a look-up asked for does not exist (Efí's `devolucao_nao_encontrada`).
    NotFound,
}

impl Meaning {
    pub const fn as_str(self) -> &'static str {
        match self {
            Meaning::Landed => "landed",
            Meaning::Retry => "retry",
            Meaning::NotFound => "not_found",
        }
    }
}

/// One status, range of statuses or `default`.
#[derive(Clone, Copy)]
pub struct StatusPattern {
    pub kind: StatusMatch,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    One(u16),
    Range(u16, u16),
    Default,
}

impl StatusMatch {
    /// Whether two patterns can match the same status.
    pub fn overlaps(self, other: StatusMatch) -> bool {
        let bounds = |m: StatusMatch| match m {
            StatusMatch::One(status) => Some((status, status)),
            StatusMatch::Range(low, high) => Some((low, high)),
            StatusMatch::Default => None,
        };
        match (bounds(self), bounds(other)) {
            (Some((a_low, a_high)), Some((b_low, b_high))) => a_low <= b_high && b_low <= a_high,
            (None, None) => true,
            _ => false,
        }
    }

    /// The pattern as written (`200`, `500..=599`, `default`).
    pub fn describe(self) -> String {
        match self {
            StatusMatch::One(status) => status.to_string(),
            StatusMatch::Range(low, high) => format!("{low}..={high}"),
            StatusMatch::Default => "default".to_owned(),
        }
    }
}

/// A provider status enum, from `#[estorno::status] enum X { ... }`.
pub struct StatusEnum {
    pub ident: Ident,
    pub vis: Visibility,
    pub docs: Vec<String>,
    /// Attributes other than docs, passed through (e.g. `#[non_exhaustive]`).
    pub attrs: Vec<syn::Attribute>,
    pub wire: WireKind,
    pub variants: Vec<StatusVariant>,
}

/// Whether a status travels as text (`"PAID"`) or as a number (`13`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum WireKind {
    Text,
    Code,
}

/// One declared value of a status enum.
pub struct StatusVariant {
    pub ident: Ident,
    pub docs: Vec<String>,
    /// The value on the wire, as text (`"PAID"` or `"13"`).
    pub wire: String,
    /// The normalised outcome's name, e.g. `Refunded`.
    pub outcome: Ident,
    /// What the value means in the answer to a partial cancellation, when that differs
    /// (Mercado Pago's `approved`: `Refunded` after a total, `PartiallyRefunded` after a part).
    pub partial: Option<Ident>,
}

/// Names every outcome a status may map to, in the runtime's order.
pub const OUTCOMES: [&str; 9] = [
    "Refunded",
    "PartiallyRefunded",
    "Voided",
    "Pending",
    "Rejected",
    "Active",
    "Failed",
    "Chargeback",
    "Ambiguous",
];
