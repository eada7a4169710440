//! `client_certificate`: a provider that requires mutual TLS (Efí's Pix API) gets the client
//! certificate on every connection, the OAuth2 token call's included, from PEM or PKCS#12;
//! without one, no client is built, and a server that requires one refuses the connection.
//!
//! Against a real TLS server on loopback that requires a client certificate issued by its
//! own CA: the certificates are made here, with rcgen.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use estorno::auth::ClientCredentials;
use estorno::{BuildError, ClientIdentity, Error};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod spec {
    use estorno::CancelResponse;
    use serde::{Deserialize, Serialize};

    /// Shaped like Efí's Pix API: OAuth2 with Basic over mutual TLS, then the devolução.
    #[estorno::provider(
        name = "Mutual TLS Pay",
        production = "https://pix.mutual-tls.test",
        auth = oauth2_client_credentials(token_url = "/oauth/token", request = json, client_auth = basic),
        client_certificate,
    )]
    pub trait MutualTlsPay {
        #[put("/v2/pix/{e2eId}/devolucao/{id}")]
        #[ok(201 => Devolucao)]
        fn refund(
            #[path(rename = "e2eId")] e2e_id: &str,
            id: &str,
            #[json] body: &RefundBody,
        ) -> Devolucao;
    }

    #[derive(Debug, Serialize)]
    pub struct RefundBody {
        pub valor: &'static str,
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    pub struct Devolucao {
        pub id: String,
        pub status: String,
    }
}

/// A CA, the server's certificate for 127.0.0.1 and a client certificate, all made here.
struct Certificates {
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivatePkcs8KeyDer<'static>,
    client_pem: String,
    client_key_pem: String,
    client_der: CertificateDer<'static>,
    client_key_der: Vec<u8>,
    ca: rustls::RootCertStore,
}

fn certificates() -> Certificates {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Test Pix CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params
        .distinguished_name
        .push(DnType::CommonName, "merchant-123456");
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client = client_params.signed_by(&client_key, &ca).unwrap();

    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der().clone()).unwrap();
    Certificates {
        ca_pem: ca.pem(),
        server_chain: vec![server.der().clone()],
        server_key: PrivatePkcs8KeyDer::from(server_key.serialize_der()),
        client_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
        client_der: client.der().clone(),
        client_key_der: client_key.serialize_der(),
        ca: roots,
    }
}

/// What the server saw of one connection: the client's certificate and the request line.
#[derive(Debug, Clone)]
struct Seen {
    client_certificate: Option<CertificateDer<'static>>,
    request_line: String,
}

/// A TLS server on loopback that requires a client certificate issued by the test CA and
/// answers the token call and the devolução. Refused handshakes are counted.
async fn server(
    certificates: &Certificates,
) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>, Arc<Mutex<u32>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(certificates.ca.clone()),
        provider.clone(),
    )
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            certificates.server_chain.clone(),
            PrivateKeyDer::Pkcs8(certificates.server_key.clone_key()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(0));
    let (seen_by_server, refused_by_server) = (seen.clone(), refused.clone());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let seen = seen_by_server.clone();
            let refused = refused_by_server.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    *refused.lock().unwrap() += 1;
                    return;
                };
                let client_certificate = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|chain| chain.first().cloned());
                let request = read_request(&mut tls).await;
                let request_line = request.lines().next().unwrap_or_default().to_owned();
                let (status, body) = if request_line.starts_with("POST /oauth/token ") {
                    (
                        "200 OK",
                        r#"{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}"#,
                    )
                } else {
                    ("201 Created", r#"{"id":"d1","status":"EM_PROCESSAMENTO"}"#)
                };
                seen.lock().unwrap().push(Seen {
                    client_certificate,
                    request_line,
                });
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (address, seen, refused)
}

/// Reads one HTTP/1.1 request: the head, then as many body bytes as it announces.
async fn read_request<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> String {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer).await.unwrap_or(0);
        if read == 0 {
            break;
        }
        bytes.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&bytes);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if bytes.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn credentials() -> ClientCredentials {
    ClientCredentials::new("client-id-1", "canary-client-secret")
}

async fn refund(client: &spec::Client) -> Result<spec::Devolucao, Error<std::convert::Infallible>> {
    client
        .refund(
            "E12345678202009091221abcdef12345",
            "d1",
            &spec::RefundBody { valor: "7.89" },
        )
        .await
}

#[tokio::test]
async fn the_client_certificate_goes_on_the_token_call_and_every_api_call() {
    let certificates = certificates();
    let (address, seen, _) = server(&certificates).await;
    let identity = ClientIdentity::from_pem(
        certificates.client_pem.as_bytes(),
        certificates.client_key_pem.as_bytes(),
    )
    .unwrap();
    let client = spec::Client::builder()
        .credentials(credentials())
        .base_url(format!("https://{address}"))
        .client_identity(identity)
        .root_certificates(certificates.ca_pem.as_bytes())
        .build()
        .unwrap();

    let answer = refund(&client).await.expect("refund over mutual TLS");
    assert_eq!(
        (answer.id.as_str(), answer.status.as_str()),
        ("d1", "EM_PROCESSAMENTO")
    );

    let seen = seen.lock().unwrap().clone();
    let lines: Vec<&str> = seen.iter().map(|seen| seen.request_line.as_str()).collect();
    assert_eq!(
        lines,
        [
            "POST /oauth/token HTTP/1.1",
            "PUT /v2/pix/E12345678202009091221abcdef12345/devolucao/d1 HTTP/1.1"
        ]
    );
    for connection in &seen {
        assert_eq!(
            connection.client_certificate.as_ref(),
            Some(&certificates.client_der),
            "{}",
            connection.request_line
        );
    }
}

#[tokio::test]
async fn a_pkcs12_archive_is_read_with_its_passphrase_modern_or_legacy() {
    let certificates = certificates();
    let (address, seen, _) = server(&certificates).await;
    let chain = p12_keystore::PrivateKeyChain::new(
        b"merchant".to_vec(),
        p12_keystore::PrivateKey::from_der(&certificates.client_key_der).unwrap(),
        [p12_keystore::Certificate::from_der(&certificates.client_der).unwrap()],
    );
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry(
        "merchant",
        p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
    );
    for algorithm in [
        p12_keystore::EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
        p12_keystore::EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
    ] {
        let archive = store
            .writer("canary-passphrase")
            .encryption_algorithm(algorithm)
            .write()
            .unwrap();
        let wrong = ClientIdentity::from_pkcs12(&archive, "not-it").unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "invalid client certificate: the PKCS#12 archive could not be opened: a wrong passphrase, or not a PKCS#12 file"
        );
        let identity = ClientIdentity::from_pkcs12(&archive, "canary-passphrase").unwrap();
        assert_eq!(format!("{identity:?}"), "ClientIdentity([redacted])");
        let client = spec::Client::builder()
            .credentials(credentials())
            .base_url(format!("https://{address}"))
            .client_identity(identity)
            .root_certificates(certificates.ca_pem.as_bytes())
            .build()
            .unwrap();
        refund(&client).await.expect("refund over mutual TLS");
    }
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|seen| seen.client_certificate.as_ref() == Some(&certificates.client_der))
    );
}

#[tokio::test]
async fn without_a_client_certificate_no_client_is_built_and_the_server_refuses_one() {
    let certificates = certificates();
    let (address, seen, refused) = server(&certificates).await;

    let error = spec::Client::builder()
        .credentials(credentials())
        .base_url(format!("https://{address}"))
        .root_certificates(certificates.ca_pem.as_bytes())
        .build()
        .unwrap_err();
    assert!(
        matches!(error, BuildError::MissingClientIdentity { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "Mutual TLS Pay requires a client certificate on every connection: set `client_identity` (a PEM certificate and key, or a PKCS#12 archive)"
    );

    // A transport of the caller's own without one: the server refuses the connection, so the
    // token call fails and nothing else is sent.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let transport = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certificates.ca_pem.as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    let client = spec::Client::builder()
        .credentials(credentials())
        .base_url(format!("https://{address}"))
        .transport(transport)
        .build()
        .unwrap();
    let error = refund(&client).await.unwrap_err();
    assert!(
        matches!(error, Error::Auth { status: None, .. }),
        "{error:?}"
    );
    assert!(!format!("{error:?} {error}").contains("canary-client-secret"));
    assert!(seen.lock().unwrap().is_empty());
    assert!(*refused.lock().unwrap() >= 1);

    // An identity cannot be added to a transport that was built without it.
    let identity = ClientIdentity::from_pem(
        certificates.client_pem.as_bytes(),
        certificates.client_key_pem.as_bytes(),
    )
    .unwrap();
    let error = spec::Client::builder()
        .credentials(credentials())
        .base_url(format!("https://{address}"))
        .transport(reqwest::Client::new())
        .client_identity(identity)
        .build()
        .unwrap_err();
    assert!(
        matches!(error, BuildError::IdentityWithTransport),
        "{error:?}"
    );
}

#[test]
fn a_loopback_http_base_needs_no_certificate() {
    // The sandbox and httpmock speak plain http on loopback, where no certificate travels.
    spec::Client::builder()
        .credentials(credentials())
        .base_url("http://127.0.0.1:9")
        .build()
        .expect("no TLS, no certificate");
}

#[tokio::test]
async fn the_environment_names_the_certificate_files() {
    let certificates = certificates();
    let (address, seen, _) = server(&certificates).await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str, contents: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path.display().to_string()
    };
    let vars = |pairs: &[(&str, String)]| {
        pairs
            .iter()
            .map(|(name, value)| (format!("ESTORNO_MUTUAL_TLS_PAY_{name}"), value.clone()))
            .collect::<Vec<_>>()
    };
    let base = [
        ("CLIENT_ID", "client-id-1".to_owned()),
        ("CLIENT_SECRET", "canary-client-secret".to_owned()),
        ("BASE_URL", format!("https://{address}")),
        (
            "ROOT_CERTIFICATES",
            path("ca.pem", certificates.ca_pem.as_bytes()),
        ),
    ];
    let mut pairs = base.to_vec();
    pairs.push((
        "CERTIFICATE",
        path("client.pem", certificates.client_pem.as_bytes()),
    ));
    pairs.push((
        "CERTIFICATE_KEY",
        path("client.key", certificates.client_key_pem.as_bytes()),
    ));
    let config = estorno::ProviderConfig::from_vars("mutual-tls-pay", vars(&pairs)).unwrap();
    assert!(!format!("{config:?}").contains("BEGIN"), "{config:?}");
    let client: spec::Client = config.build().unwrap();
    refund(&client).await.expect("refund over mutual TLS");
    assert_eq!(seen.lock().unwrap().len(), 2);

    // Half a pair, a file that is not there, a certificate with no key: each names its
    // variable, before anything is sent.
    let mut half = base.to_vec();
    half.push((
        "CERTIFICATE",
        path("client2.pem", certificates.client_pem.as_bytes()),
    ));
    let error = estorno::ProviderConfig::from_vars("mutual-tls-pay", vars(&half)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid `ESTORNO_MUTUAL_TLS_PAY_CERTIFICATE_KEY`: missing: `CERTIFICATE` needs the private key's file beside it"
    );
    let mut absent = base.to_vec();
    absent.push((
        "PKCS12",
        dir.path().join("absent.p12").display().to_string(),
    ));
    let error = estorno::ProviderConfig::from_vars("mutual-tls-pay", vars(&absent)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid `ESTORNO_MUTUAL_TLS_PAY_PKCS12`: cannot read the file it names"
    );
    let mut swapped = base.to_vec();
    swapped.push((
        "CERTIFICATE",
        path("client3.pem", certificates.client_key_pem.as_bytes()),
    ));
    swapped.push((
        "CERTIFICATE_KEY",
        path("client3.key", certificates.client_key_pem.as_bytes()),
    ));
    let error = estorno::ProviderConfig::from_vars("mutual-tls-pay", vars(&swapped)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid `ESTORNO_MUTUAL_TLS_PAY_CERTIFICATE`: the certificate file holds no `CERTIFICATE`"
    );
}
