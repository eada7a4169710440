//! TLS: the crypto provider behind every connection, the client certificate a provider that
//! requires mutual TLS authenticates with (Efí's Pix API), and extra trust anchors.
//!
//! rustls runs on ring: a small assembly build and no C toolchain, audited with rustls, on
//! every platform Rust targets for servers. A client certificate is read from PEM (the chain,
//! leaf first, and its private key) or from a PKCS#12 archive (`.p12`, what Efí issues), and
//! is held as a secret: it never appears in `Debug` output or errors.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use secrecy::{ExposeSecret, SecretSlice};

/// Installs ring as the process's rustls crypto provider, unless one is installed already (by
/// the application, or by an earlier client). reqwest builds its TLS configuration from it.
pub(crate) fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race; either way a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The client certificate and private key a client presents on every connection, the
/// token call included, to a provider that requires mutual TLS.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let identity = estorno_runtime::ClientIdentity::from_pkcs12(
///     &std::fs::read("producao-123456.p12")?,
///     "",
/// )?;
/// # drop(identity);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ClientIdentity {
    /// The chain then the key, as PEM: what reqwest reads.
    pem: SecretSlice<u8>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientIdentity([redacted])")
    }
}

/// A client certificate that could not be read. The reason names what is wrong, never the
/// contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid client certificate: {reason}")]
pub struct IdentityError {
    pub reason: &'static str,
}

impl ClientIdentity {
    /// A certificate chain in PEM (the leaf first, then any intermediates) and its private
    /// key in PEM (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(certificate_chain: &[u8], private_key: &[u8]) -> Result<Self, IdentityError> {
        let certificates = CertificateDer::pem_slice_iter(certificate_chain)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| IdentityError {
                reason: "the certificate file is not valid PEM",
            })?;
        if certificates.is_empty() {
            return Err(IdentityError {
                reason: "the certificate file holds no `CERTIFICATE`",
            });
        }
        let key = PrivateKeyDer::from_pem_slice(private_key).map_err(|_| IdentityError {
            reason: "the key file holds no private key in PEM",
        })?;
        let mut pem = Vec::new();
        for certificate in &certificates {
            push_pem(&mut pem, "CERTIFICATE", certificate.as_ref());
        }
        let label = match &key {
            PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
            PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
            _ => "PRIVATE KEY",
        };
        push_pem(&mut pem, label, key.secret_der());
        Ok(ClientIdentity { pem: pem.into() })
    }

    /// A PKCS#12 archive (`.p12`, `.pfx`) holding one private key and its certificate chain,
    /// with its passphrase (Efí's are issued with an empty one). Modern (PBES2, AES) and
    /// legacy (3DES, RC2) encryption are read.
    pub fn from_pkcs12(archive: &[u8], passphrase: &str) -> Result<Self, IdentityError> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            archive,
            passphrase,
            p12_keystore::Pkcs12ImportPolicy::Strict,
        )
        .map_err(|_| IdentityError {
            reason: "the PKCS#12 archive could not be opened: a wrong passphrase, or not a PKCS#12 file",
        })?;
        let Some((_, chain)) = store.private_key_chain() else {
            return Err(IdentityError {
                reason: "the PKCS#12 archive holds no private key with its certificate",
            });
        };
        if chain.certs().is_empty() {
            return Err(IdentityError {
                reason: "the PKCS#12 archive holds no certificate for its private key",
            });
        }
        let mut pem = Vec::new();
        for certificate in chain.certs() {
            push_pem(&mut pem, "CERTIFICATE", certificate.as_der());
        }
        push_pem(&mut pem, "PRIVATE KEY", chain.key().as_der());
        Ok(ClientIdentity { pem: pem.into() })
    }

    /// The identity as reqwest takes it.
    pub(crate) fn to_reqwest(&self) -> Result<reqwest::Identity, reqwest::Error> {
        reqwest::Identity::from_pem(self.pem.expose_secret())
    }
}

/// Appends one PEM block: the label's armour around the base64 of `der`, 64 characters a line.
fn push_pem(out: &mut Vec<u8>, label: &str, der: &[u8]) {
    out.extend_from_slice(format!("-----BEGIN {label}-----\n").as_bytes());
    let text = STANDARD.encode(der);
    for line in text.as_bytes().chunks(64) {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.extend_from_slice(format!("-----END {label}-----\n").as_bytes());
}

/// Trust anchors added to the platform's: a private CA, or a test server's.
pub(crate) fn root_certificates(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, &'static str> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "not valid PEM")?;
    if certificates.is_empty() {
        return Err("holds no `CERTIFICATE`");
    }
    certificates
        .iter()
        .map(|der| reqwest::Certificate::from_der(der.as_ref()).map_err(|_| "not a certificate"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_with_a_reason_and_never_echoed() {
        let error =
            ClientIdentity::from_pem(b"canary-not-a-cert", b"canary-not-a-key").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid client certificate: the certificate file holds no `CERTIFICATE`"
        );
        let error = ClientIdentity::from_pkcs12(b"canary-not-p12", "secret").unwrap_err();
        assert!(!error.to_string().contains("canary"), "{error}");
        assert!(!format!("{error:?}").contains("secret"));
    }

    #[test]
    fn pem_blocks_wrap_at_64_characters() {
        let mut out = Vec::new();
        push_pem(&mut out, "CERTIFICATE", &[0u8; 60]);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines[2].len(), 16);
        assert_eq!(lines[3], "-----END CERTIFICATE-----");
    }
}
