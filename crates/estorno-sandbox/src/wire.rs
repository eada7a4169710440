//! The sandbox's view of one HTTP exchange: the request as the handlers read it, the reply they
//! build, and the header parsing every provider shares (Basic and Bearer credentials).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode};

/// A fully read request, handed to a provider's handler.
#[derive(Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    /// The path as sent, still percent-encoded.
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) query: Option<String>,
    pub(crate) body: Bytes,
}

impl Request {
    /// A header's value as text, if present and printable.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The first value of a query parameter, percent-decoded.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// `user:password` from an `Authorization: Basic` header.
    pub(crate) fn basic_auth(&self) -> Option<(String, String)> {
        let value = self.header(AUTHORIZATION.as_str())?;
        let (scheme, encoded) = value.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = STANDARD.decode(encoded.trim()).ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (user, password) = decoded.split_once(':')?;
        Some((user.to_owned(), password.to_owned()))
    }

    /// The token from an `Authorization: Bearer` header (the scheme is case-insensitive,
    /// Liquido's docs even write it as `"bearer" + " " + token`).
    pub(crate) fn bearer(&self) -> Option<&str> {
        let value = self.header(AUTHORIZATION.as_str())?;
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    /// Whether the body was declared as JSON (`application/json`, any parameters).
    pub(crate) fn is_json(&self) -> bool {
        self.header(CONTENT_TYPE.as_str())
            .is_some_and(|value| value.to_ascii_lowercase().starts_with("application/json"))
    }

    /// Whether the body is empty or only whitespace.
    pub(crate) fn body_is_blank(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }
}

/// A response a handler wants sent.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: String) -> Self {
        Reply {
            status,
            content_type: "application/json",
            body,
            headers: Vec::new(),
        }
    }

    pub(crate) fn html(status: u16, body: String) -> Self {
        Reply {
            status,
            content_type: "text/html; charset=utf-8",
            body,
            headers: Vec::new(),
        }
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(Bytes::from(self.body)));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// A plain HTML error page, the kind a load balancer in front of any provider answers with.
pub(crate) fn html_error_page(status: u16) -> Reply {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("Error");
    Reply::html(
        status,
        format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} \
             {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        ),
    )
}

/// Percent-decodes one path segment; `None` when it is not UTF-8 (no provider id can be).
pub(crate) fn decode_segment(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// A stable 64-bit FNV-1a hash, used to derive the fake-but-stable details of a payment
/// (authorisation codes, UUIDs, NSUs) from its id, so the same id always looks the same.
pub(crate) fn stable_hash(text: &str, salt: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // One round of a 64-bit finaliser so nearby ids do not give nearby hashes.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash
}

/// A UUID-shaped identifier derived from a payment id.
pub(crate) fn stable_uuid(text: &str, salt: u64) -> String {
    let a = stable_hash(text, salt);
    let b = stable_hash(text, salt.wrapping_add(1));
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// Decimal digits derived from a payment id, `len` of them (at most 19).
pub(crate) fn stable_digits(text: &str, salt: u64, len: u32) -> String {
    let modulus = 10u64.pow(len.min(19));
    format!(
        "{:0width$}",
        stable_hash(text, salt) % modulus,
        width = len.min(19) as usize
    )
}
