//! Whatever a provider sends, decoding answers with a typed result, never a panic.
//!
//! Arbitrary bytes, and the real fixtures cut short, with bytes flipped or inserted, are fed
//! to each provider's declared response and error types through the same `Response` the
//! generated clients use, and to the redacting error sample.

use bytes::Bytes;
use estorno::__private::Response;
use estorno::Error;
use proptest::prelude::*;

type Decode = fn(Response) -> Result<(), Error<()>>;

/// Decodes the body as a success type `T`.
fn success<T: serde::de::DeserializeOwned>(response: Response) -> Result<(), Error<()>> {
    response.decode::<T, ()>().map(drop)
}

/// Decodes the body as a declared error type `B`.
fn failure<B: serde::de::DeserializeOwned>(response: Response) -> Result<(), Error<()>> {
    let _ = response.api_error::<B, ()>(drop, estorno::Meaning::Status);
    Ok(())
}

/// Each provider's success and error types, as the generated code decodes them.
fn decoders() -> Vec<(&'static str, Decode)> {
    use estorno::{liquido, picpay_checkout, picpay_ecommerce, yapay, zoop};
    vec![
        ("picpay-checkout Charge", success::<picpay_checkout::Charge>),
        (
            "picpay-checkout ApiError",
            failure::<picpay_checkout::ApiError>,
        ),
        (
            "picpay-ecommerce CancellationResponse",
            success::<picpay_ecommerce::CancellationResponse>,
        ),
        (
            "picpay-ecommerce RefundResponse",
            success::<picpay_ecommerce::RefundResponse>,
        ),
        (
            "picpay-ecommerce StatusResponse",
            success::<picpay_ecommerce::StatusResponse>,
        ),
        (
            "picpay-ecommerce Unprocessable",
            failure::<picpay_ecommerce::Unprocessable>,
        ),
        ("yapay Transaction", success::<yapay::Transaction>),
        ("yapay ApiError", failure::<yapay::ApiError>),
        ("liquido Payment", success::<liquido::Payment>),
        ("liquido TransferError", failure::<liquido::TransferError>),
        ("zoop Transaction", success::<zoop::Transaction>),
        ("zoop ZoopError", failure::<zoop::ZoopError>),
    ]
}

/// Every provider's documented JSON examples (`providers/*/tests/examples/`), as seeds for
/// mutation.
fn fixtures() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../providers");
    let mut found = Vec::new();
    let mut folders = vec![root];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("fixtures folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json")
                && path.components().any(|part| part.as_os_str() == "examples")
            {
                found.push(std::fs::read(&path).expect("readable fixture"));
            }
        }
    }
    assert!(!found.is_empty(), "no fixtures found");
    found
}

/// Feeds one body to every decoder, the field probe and an unexpected-status error.
fn feed(status: u16, body: &[u8]) {
    for (_, decode) in decoders() {
        let _ = decode(Response::from_parts(status, Bytes::copy_from_slice(body)));
    }
    let response = Response::from_parts(status, Bytes::copy_from_slice(body));
    let _ = response.has_field("erro");
    let error: Error<()> = response.unexpected();
    // Display and Debug of the error render the redacted sample.
    let _ = (error.to_string(), format!("{error:?}"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        feed(status, &body);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        index in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let fixtures = fixtures();
        let mut body = fixtures[index.index(fixtures.len())].clone();
        for (at, byte) in flips {
            let position = at.index(body.len().max(1));
            if position < body.len() {
                body[position] = byte;
            } else {
                body.push(byte);
            }
        }
        body.truncate(cut.index(body.len() + 1));
        feed(200, &body);
    }
}

#[test]
fn deeply_nested_bodies_are_refused_not_overflowed() {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    feed(200, nested.as_bytes());
    let object = "{\"a\":".repeat(50_000);
    feed(500, object.as_bytes());
}
