//! The certificates of a TLS test node, made with rcgen: a CA, a server certificate for
//! `localhost` and `127.0.0.1`, a client certificate with the common name `guest` (for the
//! EXTERNAL mechanism), and the client's certificate, key and CA as a PKCS#12 bundle.
//! Keys are ECDSA P-256; certificates and keys are PEM files, keys PKCS#8.
use std::fs;
use std::path::{Path, PathBuf};

use p12_keystore::{KeyStore, KeyStoreEntry, PrivateKeyChain};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

/// The password of the client's PKCS#12 bundle.
pub(crate) const PKCS12_PASSWORD: &str = "nameko";

/// Why the certificates of a TLS test node could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// rcgen could not make a key or a certificate.
    #[error("making a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// The PKCS#12 bundle could not be made.
    #[error("making the PKCS#12 bundle: {0}")]
    Pkcs12(#[from] p12_keystore::error::Error),
    /// A file could not be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Where the files are, in the directory given to [`make`].
#[derive(Debug, Clone)]
pub(crate) struct CertFiles {
    pub(crate) ca: PathBuf,
    pub(crate) server_cert: PathBuf,
    pub(crate) server_key: PathBuf,
    pub(crate) client_cert: PathBuf,
    pub(crate) client_key: PathBuf,
    pub(crate) client_pkcs12: PathBuf,
}

impl CertFiles {
    fn in_dir(dir: &Path) -> Self {
        CertFiles {
            ca: dir.join("ca_certificate.pem"),
            server_cert: dir.join("server_certificate.pem"),
            server_key: dir.join("server_key.pem"),
            client_cert: dir.join("client_certificate.pem"),
            client_key: dir.join("client_key.pem"),
            client_pkcs12: dir.join("client.p12"),
        }
    }
}

fn common_name(name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn
}

/// A certificate signed by the CA: not a CA itself, for digital signatures, with `usage`.
fn leaf_params(
    name: &str,
    alt_names: Vec<String>,
    usage: ExtendedKeyUsagePurpose,
) -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(alt_names)?;
    params.distinguished_name = common_name(name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

fn write(path: &Path, contents: &[u8]) -> Result<(), CertificateError> {
    fs::write(path, contents).map_err(|source| CertificateError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Makes the certificates in `dir` (created if need be).
pub(crate) fn make(dir: &Path) -> Result<CertFiles, CertificateError> {
    let files = CertFiles::in_dir(dir);
    fs::create_dir_all(dir).map_err(|source| CertificateError::Write {
        path: dir.to_owned(),
        source,
    })?;

    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name = common_name("nameko-rs test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca = Issuer::new(ca_params, &ca_key);

    let server_key = KeyPair::generate()?;
    let server_cert = leaf_params(
        "localhost",
        vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
        ExtendedKeyUsagePurpose::ServerAuth,
    )?
    .signed_by(&server_key, &ca)?;

    let client_key = KeyPair::generate()?;
    let client_cert = leaf_params("guest", Vec::new(), ExtendedKeyUsagePurpose::ClientAuth)?
        .signed_by(&client_key, &ca)?;

    let chain = [
        p12_keystore::Certificate::from_der(client_cert.der())?,
        p12_keystore::Certificate::from_der(ca_cert.der())?,
    ];
    let mut store = KeyStore::new();
    store.add_entry(
        "guest",
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(
            client_key.serialize_der(),
            b"guest",
            chain,
        )),
    );
    let pkcs12 = store.writer(PKCS12_PASSWORD).write()?;

    write(&files.ca, ca_cert.pem().as_bytes())?;
    write(&files.server_cert, server_cert.pem().as_bytes())?;
    write(&files.server_key, server_key.serialize_pem().as_bytes())?;
    write(&files.client_cert, client_cert.pem().as_bytes())?;
    write(&files.client_key, client_key.serialize_pem().as_bytes())?;
    write(&files.client_pkcs12, &pkcs12)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn makes_the_files_and_a_bundle_that_reads_back() {
        let dir = std::env::temp_dir().join(format!(
            "nameko-test-support-certs-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let files = make(&dir).unwrap();
        for (path, label) in [
            (&files.ca, "CERTIFICATE"),
            (&files.server_cert, "CERTIFICATE"),
            (&files.client_cert, "CERTIFICATE"),
            (&files.server_key, "PRIVATE KEY"),
            (&files.client_key, "PRIVATE KEY"),
        ] {
            let text = fs::read_to_string(path).unwrap();
            assert!(
                text.starts_with(&format!("-----BEGIN {label}-----")),
                "{}: {text}",
                path.display()
            );
        }

        let bundle = fs::read(&files.client_pkcs12).unwrap();
        let store = KeyStore::from_pkcs12(&bundle, PKCS12_PASSWORD).unwrap();
        let (_, chain) = store.private_key_chain().expect("a key and its chain");
        let subjects: Vec<&str> = chain.chain().iter().map(|c| c.subject()).collect();
        assert_eq!(subjects.len(), 2, "{subjects:?}");
        assert!(subjects[0].contains("guest"), "{subjects:?}");
        assert!(subjects[1].contains("nameko-rs test CA"), "{subjects:?}");
        assert!(chain.chain()[0].issuer().contains("nameko-rs test CA"));
        assert!(KeyStore::from_pkcs12(&bundle, "wrong").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
