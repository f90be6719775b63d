//! Certificates as a verifier meets them: a signature made with a public key, a
//! certificate's own signature checked against its issuer, and a chain to the roots the
//! caller trusts.
//!
//! "Intact" and "trusted" are different statements and stay apart: a file is intact when
//! nothing changed after signing and the certificate it names is the one that signed (its
//! own signature holding against its issuer, when the file carries the issuer, or itself,
//! when self-signed); it is trusted only when that certificate chains to a root the caller
//! named (`certpress verify --trust ROOT.pem`). No root is trusted by default.

use der::{Decode, Encode};
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use signature::Verifier as _;
use x509_cert::Certificate;

use super::keys::DEFAULT_SM2_ID;

/// Signature algorithms a certificate or a signature may name.
mod oid {
    pub const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
    pub const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
    pub const RSA_SHA256: &str = "1.2.840.113549.1.1.11";
    pub const RSA_SHA384: &str = "1.2.840.113549.1.1.12";
    pub const RSA_SHA512: &str = "1.2.840.113549.1.1.13";
    pub const SM2_SM3: &str = "1.2.156.10197.1.501";
}

/// Longest chain followed from a signer to a root.
const MAX_CHAIN: usize = 8;

/// Whether `signature` over `message` verifies with `signer`'s public key under the
/// algorithm `algorithm` (an OID). `Err` names an algorithm certpress does not check.
pub(crate) fn verify_with(
    signer: &Certificate,
    algorithm: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, String> {
    let Ok(spki) = signer.tbs_certificate.subject_public_key_info.to_der() else {
        return Ok(false);
    };
    Ok(match algorithm {
        oid::ECDSA_SHA256 => {
            use p256::pkcs8::DecodePublicKey;
            p256::ecdsa::VerifyingKey::from_public_key_der(&spki)
                .ok()
                .zip(p256::ecdsa::Signature::from_der(signature).ok())
                .is_some_and(|(key, sig)| key.verify(message, &sig).is_ok())
        }
        oid::RSA_SHA256 | oid::RSA_ENCRYPTION => rsa_verify::<Sha256>(&spki, message, signature),
        oid::RSA_SHA384 => rsa_verify::<Sha384>(&spki, message, signature),
        oid::RSA_SHA512 => rsa_verify::<Sha512>(&spki, message, signature),
        oid::SM2_SM3 => super::verify::sm2_verify(signer, DEFAULT_SM2_ID, message, signature),
        other => {
            return Err(format!(
                "signature algorithm {other} is not one certpress checks"
            ))
        }
    })
}

fn rsa_verify<D>(spki: &[u8], message: &[u8], signature: &[u8]) -> bool
where
    D: sha2::Digest + der::oid::AssociatedOid,
{
    use rsa::pkcs8::DecodePublicKey;
    rsa::RsaPublicKey::from_public_key_der(spki)
        .ok()
        .zip(rsa::pkcs1v15::Signature::try_from(signature).ok())
        .is_some_and(|(key, sig)| {
            rsa::pkcs1v15::VerifyingKey::<D>::new(key)
                .verify(message, &sig)
                .is_ok()
        })
}

/// Whether `certificate` was signed by `issuer`'s key (its issuer name matching
/// `issuer`'s subject).
pub(crate) fn signed_by(certificate: &Certificate, issuer: &Certificate) -> Result<bool, String> {
    if certificate.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return Ok(false);
    }
    let Ok(tbs) = certificate.tbs_certificate.to_der() else {
        return Ok(false);
    };
    let Some(signature) = certificate.signature.as_bytes() else {
        return Ok(false);
    };
    verify_with(
        issuer,
        &certificate.signature_algorithm.oid.to_string(),
        &tbs,
        signature,
    )
}

/// Whether a certificate names itself as its issuer.
pub(crate) fn self_issued(certificate: &Certificate) -> bool {
    certificate.tbs_certificate.issuer == certificate.tbs_certificate.subject
}

/// What was found of a certificate's own signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Issued {
    /// Its signature verifies with its issuer's key (the issuer's subject).
    By(String),
    /// Self-signed, and its signature verifies with its own key.
    SelfSigned,
    /// Its issuer's certificate is not at hand: not checkable here.
    IssuerAbsent(String),
    /// Its signature does not verify with the key of the certificate that issued it:
    /// the certificate was altered (why, in words).
    Broken(String),
}

/// Checks `certificate`'s own signature against an issuer among `others` (the
/// certificates the file carries and the caller's roots), or against itself when
/// self-issued.
pub(crate) fn issued(certificate: &Certificate, others: &[Certificate]) -> Issued {
    let broken = |e: String| Issued::Broken(e);
    if self_issued(certificate) {
        return match signed_by(certificate, certificate) {
            Ok(true) => Issued::SelfSigned,
            Ok(false) => broken(
                "it names itself as issuer, and its signature does not verify with its own key"
                    .into(),
            ),
            Err(e) => broken(e),
        };
    }
    let candidates: Vec<&Certificate> = others
        .iter()
        .filter(|c| c.tbs_certificate.subject == certificate.tbs_certificate.issuer)
        .collect();
    if candidates.is_empty() {
        return Issued::IssuerAbsent(certificate.tbs_certificate.issuer.to_string());
    }
    let mut last = String::new();
    for issuer in candidates {
        match signed_by(certificate, issuer) {
            Ok(true) => return Issued::By(issuer.tbs_certificate.subject.to_string()),
            Ok(false) => {
                last = format!(
                    "its signature does not verify with the key of {}",
                    issuer.tbs_certificate.subject
                )
            }
            Err(e) => last = e,
        }
    }
    broken(last)
}

/// Whether `certificate` chains to one of `roots` through `intermediates`: each link's
/// signature verifies with the next one's key, and the last is a root (by its DER).
/// `Err` says where the chain ends.
pub fn chain_to(
    certificate: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
) -> Result<String, String> {
    let der_of = |c: &Certificate| c.to_der().unwrap_or_default();
    let root_ders: Vec<Vec<u8>> = roots.iter().map(der_of).collect();
    let mut current = certificate.clone();
    for _ in 0..MAX_CHAIN {
        let current_der = der_of(&current);
        if root_ders.contains(&current_der) {
            return Ok(current.tbs_certificate.subject.to_string());
        }
        // A root that issued the current certificate ends the chain.
        if let Some(root) = roots
            .iter()
            .find(|r| signed_by(&current, r).unwrap_or(false))
        {
            return Ok(root.tbs_certificate.subject.to_string());
        }
        if self_issued(&current) {
            return Err(format!(
                "{} is self-signed and is not among the trusted roots",
                current.tbs_certificate.subject
            ));
        }
        // An intermediate issues only when it is a CA (RFC 5280 §4.2.1.9).
        let Some(next) = intermediates.iter().find(|c| {
            der_of(c) != current_der && is_ca(c) && signed_by(&current, c).unwrap_or(false)
        }) else {
            return Err(format!(
                "no certificate at hand issued {} (its issuer: {})",
                current.tbs_certificate.subject, current.tbs_certificate.issuer
            ));
        };
        current = next.clone();
    }
    Err(format!("no trusted root within {MAX_CHAIN} certificates"))
}

/// Whether a certificate is a CA's: basic constraints with `cA` set.
fn is_ca(certificate: &Certificate) -> bool {
    certificate
        .tbs_certificate
        .extensions
        .as_ref()
        .and_then(|exts| {
            exts.iter()
                .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS)
        })
        .and_then(|e| {
            x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|b| b.ca)
}

/// The certificates a CMS `SignedData` carries.
pub(crate) fn carried(signed: &cms::signed_data::SignedData) -> Vec<Certificate> {
    signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|choice| match choice {
                    cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The certificate among `carried` that a signer info's identifier names (by issuer and
/// serial number; by subject key identifier only when one certificate is carried).
pub(crate) fn named_by<'a>(
    carried: &'a [Certificate],
    sid: &cms::signed_data::SignerIdentifier,
) -> Option<&'a Certificate> {
    carried.iter().find(|c| match sid {
        cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(id) => {
            c.tbs_certificate.issuer == id.issuer
                && c.tbs_certificate.serial_number == id.serial_number
        }
        cms::signed_data::SignerIdentifier::SubjectKeyIdentifier(_) => carried.len() == 1,
    })
}

/// Reads trusted roots from PEM text (one or more `CERTIFICATE` blocks) or one DER
/// certificate.
pub fn read_roots(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        if text.contains("-----BEGIN") {
            use der::DecodePem;
            let mut roots = Vec::new();
            let mut rest = text;
            while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
                let end_marker = "-----END CERTIFICATE-----";
                let end = rest[start..]
                    .find(end_marker)
                    .ok_or("a certificate block without its END line")?
                    + start
                    + end_marker.len();
                roots.push(
                    Certificate::from_pem(&rest[start..end])
                        .map_err(|e| format!("a certificate that cannot be read: {e}"))?,
                );
                rest = &rest[end..];
            }
            if roots.is_empty() {
                return Err("no CERTIFICATE block in the file".into());
            }
            return Ok(roots);
        }
    }
    Certificate::from_der(bytes)
        .map(|c| vec![c])
        .map_err(|e| format!("neither PEM nor a DER certificate: {e}"))
}

/// SHA-256 of a certificate's DER: what PAdES's ESS signing-certificate-v2 names.
pub(crate) fn sha256(certificate_der: &[u8]) -> Vec<u8> {
    Sha256::digest(certificate_der).to_vec()
}
