//! Typed httpmock helpers, so code that uses a generated client can be tested against a
//! mocked provider (the `mock` feature).
//!
//! Each provider crate built with its `mock` feature has a `mock` module with one function per
//! operation, returning an [`EndpointMock`] typed with that operation's success and error
//! bodies:
//!
//! ```ignore
//! let server = estorno::mock::MockServer::start();
//! picpay_checkout::mock::token(&server);
//! let refund = picpay_checkout::mock::refund(&server).ok(&charge);
//! // ... run the code under test with `.base_url(server.base_url())` ...
//! refund.assert_calls(1);
//! ```

use std::fmt::Write;
use std::marker::PhantomData;

use percent_encoding::utf8_percent_encode;
use serde::Serialize;

pub use httpmock::{Mock, MockServer};

use crate::call::SEGMENT;
use crate::spec::{AuthScheme, EndpointSpec, ProviderSpec, StatusMatch};

/// A mocked operation: it matches the operation's method and path template, and answers
/// with a typed body. `T` is the success body, `E` the declared error body.
#[must_use = "an endpoint mock does nothing until `ok`, `err` or `respond` installs it"]
pub struct EndpointMock<'a, T, E> {
    server: &'a MockServer,
    endpoint: &'static EndpointSpec,
    path: Option<String>,
    types: PhantomData<fn() -> (T, E)>,
}

impl<'a, T, E> EndpointMock<'a, T, E> {
    /// Used by the generated `mock` module.
    #[doc(hidden)]
    pub fn new(server: &'a MockServer, endpoint: &'static EndpointSpec) -> Self {
        EndpointMock {
            server,
            endpoint,
            path: None,
            types: PhantomData,
        }
    }

    /// Matches only the path with these placeholder values, in template order (by default
    /// any value matches each placeholder).
    pub fn with_path(mut self, values: &[&str]) -> Self {
        let mut path = String::new();
        let mut values = values.iter();
        for_each_piece(self.endpoint.path, |piece| match piece {
            Piece::Literal(text) => path.push_str(text),
            Piece::Placeholder(name) => {
                let value = values.next().unwrap_or_else(|| {
                    panic!(
                        "`{}` has a `{{{name}}}` placeholder but no value was given for it",
                        self.endpoint.name
                    )
                });
                path.extend(utf8_percent_encode(value, SEGMENT));
            }
        });
        self.path = Some(path);
        self
    }

    /// Answers with the operation's first success status and `body` as JSON.
    pub fn ok(self, body: &T) -> Mock<'a>
    where
        T: Serialize,
    {
        let status = self
            .endpoint
            .ok
            .first()
            .map_or(200, |spec| first_status(spec.statuses));
        self.respond(status, json(body))
    }

    /// Answers with `status` and the declared error body as JSON.
    pub fn err(self, status: u16, body: &E) -> Mock<'a>
    where
        E: Serialize,
    {
        self.respond(status, json(body))
    }

    /// Answers with any status and raw body: an HTML error page, a truncated body.
    pub fn respond(self, status: u16, body: impl Into<String>) -> Mock<'a> {
        let method = self.endpoint.method.as_str();
        let path = self.path.clone();
        let pattern = path_pattern(self.endpoint.path);
        let body = body.into();
        self.server.mock(|when, then| {
            let when = when.method(method);
            match path {
                Some(path) => {
                    when.path(path);
                }
                None => {
                    when.path_matches(pattern.as_str());
                }
            }
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
    }
}

/// Answers the provider's OAuth2 token requests with `token`, valid for five minutes, when
/// its token endpoint is a path on the API host; providers whose tokens come from another host
/// point `token_url` at a second mock server and use [`token_at`] there.
pub fn token<'a>(server: &'a MockServer, spec: &'static ProviderSpec, token: &str) -> Mock<'a> {
    let path = match spec.auth {
        AuthScheme::OAuth2ClientCredentials(oauth) if oauth.token_url.starts_with('/') => {
            oauth.token_url
        }
        _ => "/oauth2/token",
    };
    token_at(server, path, token)
}

/// Answers token requests on `path` with `token`, valid for five minutes.
pub fn token_at<'a>(server: &'a MockServer, path: &str, token: &str) -> Mock<'a> {
    let body = serde_json::json!({
        "access_token": token,
        "expires_in": 300,
        "token_type": "Bearer",
    })
    .to_string();
    server.mock(|when, then| {
        when.method("POST").path(path);
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn json<B: Serialize>(body: &B) -> String {
    serde_json::to_string(body)
        .unwrap_or_else(|error| panic!("mock body does not serialize: {error}"))
}

fn first_status(statuses: StatusMatch) -> u16 {
    match statuses {
        StatusMatch::One(status) | StatusMatch::Range(status, _) => status,
        StatusMatch::Default => 200,
    }
}

enum Piece<'t> {
    Literal(&'t str),
    Placeholder(&'t str),
}

/// Splits a template (already checked by the macro) into literals and placeholders.
fn for_each_piece<'t>(template: &'t str, mut visit: impl FnMut(Piece<'t>)) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        visit(Piece::Literal(&rest[..open]));
        let close = rest[open..]
            .find('}')
            .map_or(rest.len(), |close| open + close);
        visit(Piece::Placeholder(&rest[open + 1..close]));
        rest = rest.get(close + 1..).unwrap_or("");
    }
    visit(Piece::Literal(rest));
}

/// `/charge/{id}/refund` as an anchored regex with one path segment per placeholder. The
/// base URL's own path (a mock server has none) is matched as any prefix.
fn path_pattern(template: &str) -> String {
    let mut pattern = String::from("^(/[^?#]*)?");
    for_each_piece(template, |piece| match piece {
        Piece::Literal(text) => {
            for character in text.chars() {
                if character.is_ascii_alphanumeric() || character == '/' {
                    pattern.push(character);
                } else {
                    let _ = write!(pattern, "\\x{{{:x}}}", u32::from(character));
                }
            }
        }
        Piece::Placeholder(_) => pattern.push_str("[^/]+"),
    });
    pattern.push('$');
    pattern
}

#[cfg(test)]
mod tests {
    use super::path_pattern;

    #[test]
    fn templates_become_anchored_patterns() {
        assert_eq!(
            path_pattern("/charge/{merchantChargeId}/refund"),
            "^(/[^?#]*)?/charge/[^/]+/refund$"
        );
        assert_eq!(path_pattern("/a-b.c"), "^(/[^?#]*)?/a\\x{2d}b\\x{2e}c$");
    }
}
