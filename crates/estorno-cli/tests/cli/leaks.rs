//! Nothing leaks, whatever a provider echoes: every command runs against providers that write
//! the whole request they received (credentials included) and a payer's personal data into
//! their refusals, and no canary appears on stdout, stderr, in the report or in the journal.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;

/// Personal data the echoing providers add to every refusal.
const PERSONAL: &str = "cpf 529.982.247-25 (52998224725), cartao 4111111111111111, \
     email comprador@exemplo.com, tel +55 11 98765-4321";

/// Every canary that must never show.
const CANARIES: [&str; 11] = [
    "canary-ppe-token-9f3k",
    "canary-yapay-user",
    "canary-yapay-pass-4p4y",
    // base64("canary-yapay-user:canary-yapay-pass-4p4y"), as the Basic header carries it.
    "Y2FuYXJ5LXlhcGF5LXVzZXI6Y2FuYXJ5LXlhcGF5LXBhc3MtNHA0eQ==",
    "canary-pck-secret-77",
    "canary-pck-access-token-55",
    "529.982.247-25",
    "52998224725",
    "4111111111111111",
    "comprador@exemplo.com",
    "98765-4321",
];

/// One request as the echo server read it.
struct Received {
    method: String,
    path: String,
    /// The request line, headers and body, as they arrived.
    raw: String,
}

/// Serves HTTP/1.1 on loopback, one request per connection, answering with `respond`.
fn echo_server(respond: fn(&Received) -> (u16, String)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut raw = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                raw.push_str(&line);
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            raw.push_str(&String::from_utf8_lossy(&body));
            let mut words = raw.split_whitespace();
            let received = Received {
                method: words.next().unwrap_or_default().to_owned(),
                path: words.next().unwrap_or_default().to_owned(),
                raw: raw.clone(),
            };
            let (status, body) = respond(&received);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// The request and the personal data, as a JSON string.
fn echo(received: &Received) -> String {
    serde_json::to_string(&format!("recusado: {} {PERSONAL}", received.raw)).unwrap()
}

/// PicPay E-commerce: the order is paid; every cancellation is refused with the echo.
fn picpay_ecommerce(received: &Received) -> (u16, String) {
    if received.method == "GET" {
        let body = r#"{"referenceId":"order-1","status":"paid","authorizationId":"auth-1"}"#;
        return (200, body.to_owned());
    }
    (
        422,
        format!(r#"{{"message":{},"errors":[]}}"#, echo(received)),
    )
}

/// Yapay: the transaction is captured; every cancellation is refused with the echo.
fn yapay(received: &Received) -> (u16, String) {
    if received.method == "GET" {
        let body = r#"{"numeroTransacao":1234,"codigoEstabelecimento":"1000000000000","valor":2000,"statusTransacao":1}"#;
        return (200, body.to_owned());
    }
    (
        400,
        format!(
            r#"{{"erro":{{"codigo":"57","mensagem":{}}},"statusTransacao":0}}"#,
            echo(received)
        ),
    )
}

/// PicPay Checkout: a token, a paid charge, and refusals with the echo.
fn picpay_checkout(received: &Received) -> (u16, String) {
    if received.path.ends_with("/oauth2/token") {
        let body = r#"{"access_token":"canary-pck-access-token-55","expires_in":300,"token_type":"Bearer"}"#;
        return (200, body.to_owned());
    }
    if received.method == "GET" {
        let body = r#"{"merchantChargeId":"charge-000001","id":"pp-1","chargeStatus":"PAID","amount":1000,"originalAmount":1000,"refundedAmount":0,"transactions":[]}"#;
        return (200, body.to_owned());
    }
    (
        400,
        format!(
            r#"{{"message":{},"success":false,"errors":null}}"#,
            echo(received)
        ),
    )
}

fn estorno(picpay: &str, yapay: &str, checkout: &str, state: &Path) -> assert_cmd::Command {
    let mut command = common::estorno();
    command
        .env("ESTORNO_STATE_DIR", state)
        .env("ESTORNO_PICPAY_ECOMMERCE_TOKEN", CANARIES[0])
        .env("ESTORNO_PICPAY_ECOMMERCE_BASE_URL", picpay)
        .env("ESTORNO_YAPAY_USER", CANARIES[1])
        .env("ESTORNO_YAPAY_PASSWORD", CANARIES[2])
        .env("ESTORNO_YAPAY_BASE_URL", yapay)
        .env("ESTORNO_PICPAY_CHECKOUT_CLIENT_ID", "canary-pck-client")
        .env("ESTORNO_PICPAY_CHECKOUT_CLIENT_SECRET", CANARIES[4])
        .env("ESTORNO_PICPAY_CHECKOUT_BASE_URL", checkout)
        .env(
            "ESTORNO_PICPAY_CHECKOUT_TOKEN_URL",
            format!("{checkout}/oauth2/token"),
        );
    command
}

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for canary in CANARIES {
        assert!(!text.contains(canary), "{what} holds {canary}:\n{text}");
    }
}

#[test]
fn no_command_prints_or_stores_what_a_provider_echoes() {
    let picpay = echo_server(picpay_ecommerce);
    let yapay_url = echo_server(yapay);
    let checkout = echo_server(picpay_checkout);
    let state = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = estorno(&picpay, &yapay_url, &checkout, state.path())
            .args(args)
            .output()
            .unwrap();
        assert_clean(&format!("stdout of {args:?}"), &output.stdout);
        assert_clean(&format!("stderr of {args:?}"), &output.stderr);
        output
    };

    let singles: [&[&str]; 6] = [
        &[
            "cancel",
            "picpay-ecommerce",
            "order-1",
            "--field",
            "authorizationId=auth-1",
        ],
        &[
            "cancel",
            "picpay-ecommerce",
            "order-1",
            "--json",
            "--field",
            "authorizationId=auth-1",
        ],
        &[
            "cancel",
            "yapay",
            "1234",
            "--field",
            "codigoEstabelecimento=1000000000000",
        ],
        &[
            "cancel",
            "yapay",
            "1234",
            "--json",
            "--field",
            "codigoEstabelecimento=1000000000000",
        ],
        &[
            "cancel",
            "picpay-checkout",
            "charge-000001",
            "--amount",
            "500",
        ],
        &["cancel", "picpay-checkout", "charge-000001", "--json"],
    ];
    for args in singles {
        let output = run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: refused");
        // The refusal still says what the provider said, redacted.
        let said = String::from_utf8_lossy(&output.stdout);
        assert!(said.contains("recusado"), "{args:?}: {said}");
        assert!(
            said.contains("[redacted]") || args[1] == "picpay-checkout",
            "{said}"
        );
    }
    for args in [
        ["status", "picpay-ecommerce", "order-1"],
        ["status", "yapay", "1234"],
    ] {
        let mut args = args.to_vec();
        if args[1] == "yapay" {
            args.extend(["--field", "codigoEstabelecimento=1000000000000"]);
        }
        let output = run(&args);
        assert_eq!(output.status.code(), Some(0));
    }

    let dir = tempfile::tempdir().unwrap();
    let file = common::write(
        dir.path(),
        "refunds.csv",
        "provider,payment,amount,authorizationId,codigoEstabelecimento\n\
         picpay-ecommerce,order-1,,auth-1,\n\
         yapay,1234,,,1000000000000\n\
         picpay-checkout,charge-000001,300,,\n",
    );
    let json_report = dir.path().join("report.json");
    for extra in [
        &["--json"][..],
        &["--report", json_report.to_str().unwrap()][..],
    ] {
        let mut args = vec!["bulk", file.to_str().unwrap()];
        args.extend(extra);
        let output = run(&args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path != file {
            assert_clean(&path.display().to_string(), &std::fs::read(&path).unwrap());
            files += 1;
        }
    }
    assert!(files >= 3, "journal, CSV report and JSON report");
    let report = std::fs::read_to_string(dir.path().join("refunds.csv.report.csv")).unwrap();
    assert_eq!(report.matches(",rejected,").count(), 3, "{report}");
}

#[test]
fn a_sandbox_provider_echoing_every_request_leaks_nothing() {
    use estorno_sandbox::{ANY, Fault, FaultKind, credentials};

    let secrets = [
        credentials::PICPAY_ECOMMERCE_TOKEN,
        credentials::YAPAY_PASSWORD,
        credentials::PICPAY_CHECKOUT_CLIENT_SECRET,
        credentials::LIQUIDO_CLIENT_SECRET,
        credentials::LIQUIDO_API_KEY,
        credentials::ZOOP_API_KEY,
    ];
    let hosted = common::Hosted::start();
    let state = tempfile::tempdir().unwrap();
    let mut echoes_shown = 0;
    for slug in estorno::registry::ENTRIES
        .iter()
        .map(|entry| entry.spec.slug)
        .filter(|slug| estorno_sandbox::Provider::from_slug(slug).is_some())
    {
        let payment = common::refundable(slug);
        hosted.sandbox.clear_faults();
        // Tokens first, then every call echoes: the look-up before sending, the cancellation.
        hosted
            .sandbox
            .inject(Fault::new(slug, ANY, FaultKind::EchoRequest));
        for command in ["status", "cancel"] {
            let output = common::estorno_at(&hosted.url())
                .env("ESTORNO_STATE_DIR", state.path())
                .args([command, slug, &payment.payment_id, "--json"])
                .args(common::field_args(&payment))
                .output()
                .unwrap();
            assert_ne!(output.status.code(), Some(0), "{slug} {command}");
            for (what, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
                let text = common::text(bytes);
                echoes_shown += usize::from(text.contains("could not process"));
                for secret in secrets {
                    assert!(
                        !text.contains(secret),
                        "{slug} {command} {what} holds a credential: {text}"
                    );
                }
                // The bearer tokens the sandbox issued are credentials too.
                assert!(!text.contains("sbx_"), "{slug} {command} {what}: {text}");
            }
        }
    }
    // The echo does reach what the commands print (redacted), so the checks above mean
    // something.
    assert!(echoes_shown >= 4, "{echoes_shown}");
    for entry in walk(state.path()) {
        let stored = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&stored);
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{} holds a credential",
                entry.display()
            );
        }
    }
    assert!(hosted.sandbox.ledger().is_empty());
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
