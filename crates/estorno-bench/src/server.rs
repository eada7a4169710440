//! The bench's loopback server: the providers' documented answers for the token, the refund
//! and the void, and a record of the last request (`GET /__last`) for the check that both
//! clients send the same bytes. It runs in a process of its own and stops when its stdin
//! closes, so it never outlives the bench.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};

/// The token endpoint's answer, and the header that carries its token.
const TOKEN_ANSWER: &str = r#"{"access_token":"eyJhbGciOiJSUzI1NiJ9.bench-token","expires_in":3600,"token_type":"Bearer"}"#;
const BEARER: &str = "Bearer eyJhbGciOiJSUzI1NiJ9.bench-token";

/// The answers the server gives: the providers' documented examples.
const CHARGE: &str =
    include_str!("../../../providers/picpay-checkout/tests/examples/refund-200.json");
const TRANSACTION: &str =
    include_str!("../../../providers/zoop/tests/examples/transaction-canceled.json");

/// Serves on a free loopback port, printed as a URL on stdout's first line, until stdin
/// closes.
pub fn serve() {
    let runtime = crate::runtime();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("the bound address");
        println!("http://{address}");
        std::io::stdout().flush().expect("stdout");
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            std::process::exit(0);
        });
        let last = Arc::new(Mutex::new(String::new()));
        loop {
            let (stream, _) = listener.accept().await.expect("a connection");
            let last = last.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let last = last.clone();
                    async move { Ok::<_, hyper::Error>(answer(request, &last).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

async fn answer(request: Request<Incoming>, last: &Mutex<String>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|body| body.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path();
    let reply = |status: u16, body: &'static str| {
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("a response")
    };
    if path == "/__last" {
        let record = last.lock().expect("the record").clone();
        return Response::new(Full::new(Bytes::from(record)));
    }
    // Header names in order, values as sent: what the equivalence check compares.
    let headers: BTreeMap<_, _> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    *last.lock().expect("the record") = format!(
        "{} {}\n{headers:?}\n{}",
        parts.method,
        parts.uri,
        String::from_utf8_lossy(&body)
    );
    match path {
        "/picpay/oauth2/token" => reply(200, TOKEN_ANSWER),
        _ if path.starts_with("/picpay/charge/") && path.ends_with("/refund") => {
            let authorised = parts
                .headers
                .get("authorization")
                .is_some_and(|value| value.as_bytes() == BEARER.as_bytes());
            if authorised {
                reply(200, CHARGE)
            } else {
                reply(401, r#"{"message":"Unauthorized","success":false}"#)
            }
        }
        _ if path.starts_with("/zoop/marketplaces/") && path.ends_with("/void") => {
            reply(200, TRANSACTION)
        }
        _ => reply(404, r#"{"message":"not found"}"#),
    }
}
