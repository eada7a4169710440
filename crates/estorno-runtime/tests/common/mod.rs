//! Hand-written stand-ins for macro output, to drive the runtime before the macro exists.
//!
//! `test_provider!` expands to the shape CONTRACT.md shows for generated clients: a struct
//! around `ClientCore`, a `SPEC` literal, and one method per endpoint that fills a `Call`,
//! sends it and matches the status. Each test binary declares `extern crate estorno_runtime as
//! estorno;` so these paths read as generated code would.
#![allow(dead_code)]

use std::io;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

/// The success body of the test provider.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    pub merchant_charge_id: String,
    pub status: String,
    pub amount: ::estorno::Cents,
}

/// The declared error body of the test provider.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct RefundRequest {
    pub amount: ::estorno::Cents,
}

/// A charge body as the mock servers send it.
pub fn charge_json(id: &str) -> serde_json::Value {
    serde_json::json!({ "merchantChargeId": id, "status": "REFUNDED", "amount": 1500 })
}

pub fn charge(id: &str) -> Charge {
    Charge {
        merchant_charge_id: id.to_owned(),
        status: "REFUNDED".to_owned(),
        amount: ::estorno::Cents::new(1500),
    }
}

/// Path rule of `merchantChargeId`: 6 to 36 characters from `A-Za-z0-9-`.
pub const CHARGE_ID_RULE: ::estorno::spec::ParamRule = ::estorno::spec::ParamRule {
    min_len: Some(6),
    max_len: Some(36),
    chars: Some(&[('A', 'Z'), ('a', 'z'), ('0', '9'), ('-', '-')]),
    chars_text: Some("A-Za-z0-9-"),
    ascii: ::estorno::spec::AsciiSet::of(&[('A', 'Z'), ('a', 'z'), ('0', '9'), ('-', '-')]),
    min: None,
    max: None,
};

/// Defines a test provider `$name` authenticating with `$auth` and credentials `$credentials`.
macro_rules! test_provider {
    ($name:ident, $credentials:ty, $auth:expr) => {
        test_provider!($name, $credentials, $auth, None);
    };
    ($name:ident, $credentials:ty, $auth:expr, $sandbox:expr) => {
        #[derive(Clone, Debug)]
        pub struct $name {
            __core: ::estorno::__private::ClientCore,
        }

        impl ::estorno::__private::Provider for $name {
            type Credentials = $credentials;
            const SPEC: &'static ::estorno::spec::ProviderSpec = &Self::__SPEC;
            fn from_core(core: ::estorno::__private::ClientCore) -> Self {
                $name { __core: core }
            }
            fn core(&self) -> &::estorno::__private::ClientCore {
                &self.__core
            }
        }

        #[allow(dead_code)]
        impl $name {
            const __SPEC: ::estorno::spec::ProviderSpec = ::estorno::spec::ProviderSpec {
                name: "Test Pay",
                slug: "test-pay",
                doc: "A provider that exists only in these tests.",
                production: ::core::option::Option::Some("https://api.testpay.example/v1"),
                sandbox: $sandbox,
                auth: $auth,
                auths: &[],
                headers: &[("x-provider-version", "2")],
                client_certificate: false,
                credentials: &["token"],
                hosts: &[],
                endpoints: &[
                    Self::__ENDPOINT_REFUND,
                    Self::__ENDPOINT_CHARGE,
                    Self::__ENDPOINT_LOOKUP,
                ],
                cancel: ::core::option::Option::None,
            };

            const __ENDPOINT_REFUND: ::estorno::spec::EndpointSpec =
                ::estorno::spec::EndpointSpec {
                    name: "refund",
                    doc: "Cancel all or part of a charge.",
                    method: ::estorno::spec::Method::Post,
                    path: "/charge/{merchantChargeId}/refund",
                    params: &[
                        ::estorno::spec::ParamSpec {
                            name: "merchant_charge_id",
                            wire: "merchantChargeId",
                            location: ::estorno::spec::ParamLocation::Path,
                            required: true,
                            rule: $crate::common::CHARGE_ID_RULE,
                            ty: "&str",
                        },
                        ::estorno::spec::ParamSpec {
                            name: "caller_origin",
                            wire: "caller-origin",
                            location: ::estorno::spec::ParamLocation::Header,
                            required: false,
                            rule: ::estorno::spec::ParamRule::NONE,
                            ty: "Option<&str>",
                        },
                    ],
                    headers: &[("x-operation", "refund")],
                    body: ::estorno::spec::BodyKind::Json {
                        ty: "RefundRequest",
                    },
                    ok: &[],
                    errors: &[],
                    idempotent: false,
                    reconcile: ::core::option::Option::Some("charge"),
                    timeout: ::core::option::Option::None,
                    key: None,
                    host: None,
                };

            const __ENDPOINT_CHARGE: ::estorno::spec::EndpointSpec =
                ::estorno::spec::EndpointSpec {
                    name: "charge",
                    doc: "Look a charge up.",
                    method: ::estorno::spec::Method::Get,
                    path: "/charge/{merchantChargeId}",
                    params: &[::estorno::spec::ParamSpec {
                        name: "merchant_charge_id",
                        wire: "merchantChargeId",
                        location: ::estorno::spec::ParamLocation::Path,
                        required: true,
                        rule: $crate::common::CHARGE_ID_RULE,
                        ty: "&str",
                    }],
                    headers: &[],
                    body: ::estorno::spec::BodyKind::Empty,
                    ok: &[],
                    errors: &[],
                    idempotent: true,
                    reconcile: ::core::option::Option::None,
                    timeout: ::core::option::Option::None,
                    key: None,
                    host: None,
                };

            const __ENDPOINT_LOOKUP: ::estorno::spec::EndpointSpec =
                ::estorno::spec::EndpointSpec {
                    name: "lookup",
                    doc: "Find a charge by a free-form reference.",
                    method: ::estorno::spec::Method::Get,
                    path: "/lookup/{reference}",
                    params: &[
                        ::estorno::spec::ParamSpec {
                            name: "reference",
                            wire: "reference",
                            location: ::estorno::spec::ParamLocation::Path,
                            required: true,
                            rule: ::estorno::spec::ParamRule::NONE,
                            ty: "&str",
                        },
                        ::estorno::spec::ParamSpec {
                            name: "page",
                            wire: "page",
                            location: ::estorno::spec::ParamLocation::Query,
                            required: false,
                            rule: ::estorno::spec::ParamRule {
                                min: ::core::option::Option::Some(1),
                                ..::estorno::spec::ParamRule::NONE
                            },
                            ty: "Option<u32>",
                        },
                    ],
                    headers: &[],
                    body: ::estorno::spec::BodyKind::Empty,
                    ok: &[],
                    errors: &[],
                    idempotent: true,
                    reconcile: ::core::option::Option::None,
                    timeout: ::core::option::Option::None,
                    key: None,
                    host: None,
                };

            pub fn builder() -> ::estorno::ClientBuilder<Self> {
                ::estorno::ClientBuilder::new()
            }

            pub async fn refund(
                &self,
                merchant_charge_id: &str,
                caller_origin: ::core::option::Option<&str>,
                body: &$crate::common::RefundRequest,
            ) -> ::core::result::Result<
                $crate::common::Charge,
                ::estorno::Error<$crate::common::ApiError>,
            > {
                let mut __call =
                    ::estorno::__private::Call::new(&self.__core, &Self::__ENDPOINT_REFUND);
                __call.path_literal("/charge/");
                __call.path_param(&Self::__ENDPOINT_REFUND.params[0], &merchant_charge_id)?;
                __call.path_literal("/refund");
                if let ::core::option::Option::Some(__value) = &caller_origin {
                    __call.header(&Self::__ENDPOINT_REFUND.params[1], __value)?;
                }
                __call.json(body)?;
                let __response = __call.send().await?;
                match __response.status() {
                    200 => __response.decode(),
                    400 | 401 | 415 | 500 => ::core::result::Result::Err(
                        __response.api_error(|body| body, ::estorno_runtime::Meaning::Status),
                    ),
                    _ => ::core::result::Result::Err(__response.unexpected()),
                }
            }

            pub async fn charge(
                &self,
                merchant_charge_id: &str,
            ) -> ::core::result::Result<
                $crate::common::Charge,
                ::estorno::Error<$crate::common::ApiError>,
            > {
                let mut __call =
                    ::estorno::__private::Call::new(&self.__core, &Self::__ENDPOINT_CHARGE);
                __call.path_literal("/charge/");
                __call.path_param(&Self::__ENDPOINT_CHARGE.params[0], &merchant_charge_id)?;
                let __response = __call.send().await?;
                match __response.status() {
                    200 => __response.decode(),
                    400 | 401 | 500 => ::core::result::Result::Err(
                        __response.api_error(|body| body, ::estorno_runtime::Meaning::Status),
                    ),
                    _ => ::core::result::Result::Err(__response.unexpected()),
                }
            }

            pub async fn lookup(
                &self,
                reference: &str,
                page: ::core::option::Option<u32>,
            ) -> ::core::result::Result<
                $crate::common::Charge,
                ::estorno::Error<$crate::common::ApiError>,
            > {
                let mut __call =
                    ::estorno::__private::Call::new(&self.__core, &Self::__ENDPOINT_LOOKUP);
                __call.path_literal("/lookup/");
                __call.path_param(&Self::__ENDPOINT_LOOKUP.params[0], &reference)?;
                if let ::core::option::Option::Some(__value) = &page {
                    __call.query(&Self::__ENDPOINT_LOOKUP.params[1], __value)?;
                }
                let __response = __call.send().await?;
                match __response.status() {
                    200 => __response.decode(),
                    _ => ::core::result::Result::Err(__response.unexpected()),
                }
            }
        }
    };
}

/// Everything a tracing subscriber writes during a test, to search for leaked secrets.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// A subscriber recording every level into this buffer, without colours.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let logs = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(logs)
            .finish()
    }

    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|bytes| bytes.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Where one log line goes: into the capture, or nowhere for the mock server's own lines
/// (it logs every request it receives, headers included, as a provider's server might).
pub enum LogLine {
    Captured(CapturedLogs),
    Discarded,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine::Captured(self.clone())
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> LogLine {
        if meta.target().starts_with("httpmock") {
            LogLine::Discarded
        } else {
            LogLine::Captured(self.clone())
        }
    }
}

impl io::Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let LogLine::Captured(logs) = self
            && let Ok(mut bytes) = logs.0.lock()
        {
            bytes.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A loopback port with nothing listening: bound, then released.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    port
}
