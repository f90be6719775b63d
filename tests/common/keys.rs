//! Test keys and certificates, made by the tests from fixed seeds (never committed, never a
//! real authority's): SM2 for the OFD seal, ECDSA P-256 and RSA for PAdES.
#![allow(dead_code)]

use std::time::Duration;

use der::asn1::{BitString, UtcTime};
use der::{Decode, Encode, EncodePem};
use pkcs8::{EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use signature::Signer as _;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};

/// A key pair and its self-signed certificate, as PEM.
pub struct TestIdentity {
    pub key_pem: String,
    pub cert_pem: String,
}

pub enum Algorithm {
    Sm2,
    P256,
    Rsa,
}

/// 2020-01-01 and 2040-01-01 (UTC), the default validity.
pub const FROM: u64 = 1_577_836_800;
pub const UNTIL: u64 = 2_208_988_800;

fn time(secs: u64) -> Time {
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(secs)).unwrap())
}

/// A key's PEM, its public key's DER, its certificate signature algorithm (with or without
/// NULL parameters) and how it signs.
type KeyParts = (
    String,
    Vec<u8>,
    &'static str,
    bool,
    Box<dyn Fn(&[u8]) -> Vec<u8>>,
);

/// A self-signed certificate for the algorithm's key from `seed`, valid `from`–`until`.
pub fn identity(algorithm: Algorithm, seed: &str, from: u64, until: u64) -> TestIdentity {
    make(algorithm, seed, from, until, None)
}

/// A certificate for the algorithm's key from `seed`, subject `CN=<seed>`, issued by the
/// (self-signed) authority made from `issuer_seed` with the same algorithm.
pub fn issued(
    algorithm: Algorithm,
    seed: &str,
    issuer_seed: &str,
    from: u64,
    until: u64,
) -> TestIdentity {
    make(algorithm, seed, from, until, Some(issuer_seed))
}

/// A self-signed authority, subject `CN=<seed>`: the root `issued` certificates chain to.
pub fn authority(algorithm: Algorithm, seed: &str, from: u64, until: u64) -> TestIdentity {
    make(algorithm, seed, from, until, Some(seed))
}

/// The algorithm's key from `seed`, as its parts.
fn key_parts(algorithm: &Algorithm, seed: &str) -> KeyParts {
    let digest = Sha256::digest(seed.as_bytes());
    match algorithm {
        Algorithm::P256 => {
            let secret = p256::SecretKey::from_slice(&digest).unwrap();
            let key = p256::ecdsa::SigningKey::from(&secret);
            let pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
            use p256::pkcs8::EncodePublicKey;
            let spki = secret.public_key().to_public_key_der().unwrap().into_vec();
            let sign = move |m: &[u8]| {
                let s: p256::ecdsa::Signature = key.sign(m);
                s.to_der().as_bytes().to_vec()
            };
            (pem, spki, "1.2.840.10045.4.3.2", false, Box::new(sign))
        }
        Algorithm::Sm2 => {
            let secret = sm2::SecretKey::from_slice(&digest).unwrap();
            let key = sm2::dsa::SigningKey::new("1234567812345678", &secret).unwrap();
            let pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
            use sm2::pkcs8::EncodePublicKey;
            let spki = secret.public_key().to_public_key_der().unwrap().into_vec();
            let sign = move |m: &[u8]| {
                let s: sm2::dsa::Signature = key.sign(m);
                der_signature(&s.r_bytes(), &s.s_bytes())
            };
            (pem, spki, "1.2.156.10197.1.501", false, Box::new(sign))
        }
        Algorithm::Rsa => {
            use rand_chacha::rand_core::SeedableRng;
            let mut rng = rand_chacha::ChaCha8Rng::from_seed(digest.into());
            let private = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
            let pem = private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
            use rsa::pkcs8::EncodePublicKey;
            let spki = private
                .to_public_key()
                .to_public_key_der()
                .unwrap()
                .into_vec();
            let key = rsa::pkcs1v15::SigningKey::<Sha256>::new(private);
            let sign = move |m: &[u8]| {
                use signature::SignatureEncoding;
                key.sign(m).to_vec()
            };
            (pem, spki, "1.2.840.113549.1.1.11", true, Box::new(sign))
        }
    }
}

fn make(
    algorithm: Algorithm,
    seed: &str,
    from: u64,
    until: u64,
    issuer_seed: Option<&str>,
) -> TestIdentity {
    let digest = Sha256::digest(seed.as_bytes());
    let (key_pem, spki_der, sig_oid, params, own_sign) = key_parts(&algorithm, seed);
    let sign = match issuer_seed {
        Some(issuer) => key_parts(&algorithm, issuer).4,
        None => own_sign,
    };
    let algorithm = AlgorithmIdentifierOwned {
        oid: sig_oid.parse().unwrap(),
        parameters: params.then(|| der::Any::from(der::asn1::Null)),
    };
    let default_name = "CN=柳州市鱼峰区行政审批局 (test),O=certpress tests,C=CN";
    let (name, issuer): (Name, Name) = match issuer_seed {
        Some(issuer) => (
            format!("CN={seed},O=certpress tests,C=CN").parse().unwrap(),
            format!("CN={issuer},O=certpress tests,C=CN")
                .parse()
                .unwrap(),
        ),
        None => (default_name.parse().unwrap(), default_name.parse().unwrap()),
    };
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&digest[..8]).unwrap(),
        signature: algorithm.clone(),
        issuer,
        validity: Validity {
            not_before: time(from),
            not_after: time(until),
        },
        subject: name,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(&spki_der).unwrap(),
        issuer_unique_id: None,
        subject_unique_id: None,
        // An authority (self-issued under its own name) is marked a CA, as path
        // validators (pyHanko's) require of an issuer.
        extensions: (issuer_seed == Some(seed)).then(|| {
            use x509_cert::ext::pkix::BasicConstraints;
            vec![x509_cert::ext::Extension {
                extn_id: der::oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
                critical: true,
                extn_value: der::asn1::OctetString::new(
                    BasicConstraints {
                        ca: true,
                        path_len_constraint: None,
                    }
                    .to_der()
                    .unwrap(),
                )
                .unwrap(),
            }]
        }),
    };
    let signature = sign(&tbs.to_der().unwrap());
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature).unwrap(),
    };
    TestIdentity {
        key_pem,
        cert_pem: cert.to_pem(LineEnding::LF).unwrap(),
    }
}

fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    #[derive(der::Sequence)]
    struct EcSignature<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    EcSignature {
        r: der::asn1::UintRef::new(r).unwrap(),
        s: der::asn1::UintRef::new(s).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// Writes an identity's PEM files into `dir` (the tests' own scratch folder).
pub fn write(
    identity: &TestIdentity,
    dir: &std::path::Path,
    stem: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let (key, cert) = (
        dir.join(format!("{stem}.key.pem")),
        dir.join(format!("{stem}.cert.pem")),
    );
    std::fs::write(&key, &identity.key_pem).unwrap();
    std::fs::write(&cert, &identity.cert_pem).unwrap();
    (key, cert)
}
