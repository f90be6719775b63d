//! The signer: a private key and its certificate, read from PEM files and checked against
//! each other before anything is signed.
//!
//! Keys are PKCS#8 (`-----BEGIN PRIVATE KEY-----`): SM2 for the OFD's electronic seal
//! (GB/T 38540), ECDSA P-256 or RSA for PAdES. The key is read, used and dropped with the
//! signer; nothing prints it (the signer's `Debug` shows the algorithm and the
//! certificate's subject only), nothing writes it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use der::{Decode, Encode};
use pkcs8::{DecodePrivateKey, PrivateKeyInfo};
use signature::Signer as _;
use x509_cert::Certificate;

use crate::error::{Error, Result};
use crate::memo::Memo;

/// The algorithm of a signer's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// SM2 (GB/T 32918) with SM3: the electronic seal of an OFD.
    Sm2,
    /// ECDSA on P-256 with SHA-256: PAdES.
    P256,
    /// RSA PKCS#1 v1.5 with SHA-256: PAdES.
    Rsa,
}

impl KeyKind {
    fn name(self) -> &'static str {
        match self {
            KeyKind::Sm2 => "SM2",
            KeyKind::P256 => "ECDSA P-256",
            KeyKind::Rsa => "RSA",
        }
    }
}

/// The signer ID SM2 signatures use unless the spec says otherwise (GB/T 35276 §9.1).
pub const DEFAULT_SM2_ID: &str = "1234567812345678";

enum Key {
    Sm2(Box<sm2::dsa::SigningKey>),
    P256(Box<p256::ecdsa::SigningKey>),
    Rsa(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
    /// A key that never leaves its token (PKCS#11): the token signs.
    Token(Box<super::token::TokenKey>),
}

/// A private key with its certificate.
pub struct Signer {
    key: Key,
    certificate: Certificate,
    certificate_der: Vec<u8>,
    /// Signatures made by [`Signer::sign_once`], by the message signed.
    signed_once: Memo<Vec<u8>, [u8]>,
    /// SM3 over an SM2 key's Z and a prefix many messages share, by the prefix
    /// ([`Signer::sign_with_prefix`]).
    sm3_prefixes: Memo<Vec<u8>, sm3::Sm3>,
}

/// Messages [`Signer::sign_once`] remembers: a seal or two.
const SIGNED_ONCE: usize = 4;
/// Prefixes [`Signer::sign_with_prefix`] remembers SM3 over: a seal or two.
const SM3_PREFIXES: usize = 4;

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("Signer")
            .field("kind", &self.kind())
            .field("subject", &self.subject())
            .finish_non_exhaustive()
    }
}

/// OIDs of the key algorithms and curves.
mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const SM2: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
    pub const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
}

fn key_error(what: &str, message: String) -> Error {
    Error::Options {
        message: format!("{what}: {message}"),
    }
}

impl Signer {
    /// Reads a PKCS#8 private key and its X.509 certificate from PEM files; `sm2_id` is the
    /// signer ID an SM2 key signs with ([`DEFAULT_SM2_ID`] unless the spec says otherwise).
    pub fn load(key: &Path, certificate: &Path, sm2_id: &str) -> Result<Self> {
        let key_pem = std::fs::read_to_string(key).map_err(|e| Error::io(key, e))?;
        let cert_pem =
            std::fs::read_to_string(certificate).map_err(|e| Error::io(certificate, e))?;
        Self::from_pem(&key_pem, &cert_pem, sm2_id).map_err(|e| match e {
            Error::Options { message } => Error::Options {
                message: format!("{} / {}: {message}", key.display(), certificate.display()),
            },
            other => other,
        })
    }

    /// A signer from PEM text: a PKCS#8 private key, its certificate, and the SM2 signer
    /// ID (used only by SM2 keys). The certificate must hold the key's public key.
    pub fn from_pem(key_pem: &str, cert_pem: &str, sm2_id: &str) -> Result<Self> {
        let (label, der) = der::Document::from_pem(key_pem).map_err(|e| {
            key_error(
                "the private key",
                format!("not a PEM file ({e}); give a PKCS#8 key, -----BEGIN PRIVATE KEY-----"),
            )
        })?;
        if label != "PRIVATE KEY" {
            return Err(key_error(
                "the private key",
                format!("is a `{label}`; give it as PKCS#8 (`openssl pkcs8 -topk8 -nocrypt`)"),
            ));
        }
        let info = PrivateKeyInfo::from_der(der.as_bytes())
            .map_err(|e| key_error("the private key", format!("not PKCS#8: {e}")))?;
        let curve = info.algorithm.parameters_oid().ok();
        let bad = |e: &dyn fmt::Display| key_error("the private key", format!("unreadable: {e}"));
        let key = match (info.algorithm.oid, curve) {
            (oid::EC_PUBLIC_KEY, Some(oid::SM2)) => {
                let secret = sm2::SecretKey::from_pkcs8_der(der.as_bytes()).map_err(|e| bad(&e))?;
                let key = sm2::dsa::SigningKey::new(sm2_id, &secret).map_err(|e| bad(&e))?;
                Key::Sm2(Box::new(key))
            }
            (oid::EC_PUBLIC_KEY, Some(oid::P256)) => Key::P256(Box::new(
                p256::ecdsa::SigningKey::from_pkcs8_der(der.as_bytes()).map_err(|e| bad(&e))?,
            )),
            (oid::RSA, _) => {
                let private = rsa::RsaPrivateKey::from_pkcs8_der(der.as_bytes()).map_err(|e| bad(&e))?;
                Key::Rsa(Box::new(rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(private)))
            }
            (algorithm, curve) => {
                return Err(key_error(
                    "the private key",
                    format!(
                        "its algorithm {algorithm}{} is not one certpress signs with; use SM2 (the OFD seal), ECDSA P-256 or RSA (PAdES)",
                        curve.map(|c| format!(" on curve {c}")).unwrap_or_default()
                    ),
                ))
            }
        };
        let (certificate, certificate_der) = certificate_from_pem(cert_pem)?;
        let signer = Self {
            key,
            certificate_der,
            certificate,
            signed_once: Memo::new(SIGNED_ONCE),
            sm3_prefixes: Memo::new(SM3_PREFIXES),
        };
        if signer.public_key()? != signer.certificate_public_key() {
            return Err(key_error(
                "the key and the certificate",
                format!(
                    "do not belong together: the certificate ({}) holds another public key",
                    signer.subject()
                ),
            ));
        }
        Ok(signer)
    }

    /// A signer from `key`: a PKCS#8 PEM file, or, when it reads `pkcs11:…`, a key in a
    /// token through `module` ([`Signer::from_token`]).
    pub fn load_any(
        key: &Path,
        certificate: &Path,
        sm2_id: &str,
        module: Option<&Path>,
    ) -> Result<Self> {
        match key.to_str().filter(|k| k.starts_with("pkcs11:")) {
            Some(uri) => {
                let module = module.ok_or_else(|| Error::Options {
                    message: format!(
                        "{uri}: a key in a token needs its PKCS#11 module (--pkcs11-module PATH)"
                    ),
                })?;
                Self::from_token(uri, module, certificate)
            }
            None => Self::load(key, certificate, sm2_id),
        }
    }

    /// A signer whose key stays in a PKCS#11 token: `uri` names it
    /// (`pkcs11:token=NAME;object=LABEL`, RFC 7512), `module` is the token's PKCS#11
    /// library, the PIN comes from `CERTPRESS_PKCS11_PIN` (never an argument, never
    /// logged). The certificate must verify a signature the token makes.
    pub fn from_token(uri: &str, module: &Path, certificate: &Path) -> Result<Self> {
        let cert_pem =
            std::fs::read_to_string(certificate).map_err(|e| Error::io(certificate, e))?;
        let (certificate, certificate_der) = certificate_from_pem(&cert_pem)?;
        let spki = &certificate.tbs_certificate.subject_public_key_info;
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
        let kind = match (spki.algorithm.oid, curve) {
            (oid::EC_PUBLIC_KEY, Some(oid::P256)) => KeyKind::P256,
            (oid::RSA, _) => KeyKind::Rsa,
            (oid::EC_PUBLIC_KEY, Some(oid::SM2)) => KeyKind::Sm2,
            (algorithm, _) => {
                return Err(key_error(
                    "the certificate",
                    format!("its key algorithm {algorithm} is not one certpress signs with"),
                ))
            }
        };
        let key = super::token::TokenKey::open(uri, module, kind)?;
        let signer = Self {
            key: Key::Token(Box::new(key)),
            certificate_der,
            certificate,
            signed_once: Memo::new(SIGNED_ONCE),
            sm3_prefixes: Memo::new(SM3_PREFIXES),
        };
        // The token's key and the certificate belong together when the certificate
        // verifies what the token signs.
        let probe = b"certpress: does this token key belong to this certificate?";
        let signature = signer.sign(probe)?;
        let algorithm = match kind {
            KeyKind::P256 => "1.2.840.10045.4.3.2",
            KeyKind::Rsa => "1.2.840.113549.1.1.11",
            KeyKind::Sm2 => "1.2.156.10197.1.501",
        };
        if !super::certs::verify_with(&signer.certificate, algorithm, probe, &signature)
            .unwrap_or(false)
        {
            return Err(key_error(
                "the token's key and the certificate",
                format!(
                    "do not belong together: the certificate ({}) does not verify what {uri} signs",
                    signer.subject()
                ),
            ));
        }
        Ok(signer)
    }

    /// The key's algorithm.
    pub fn kind(&self) -> KeyKind {
        match &self.key {
            Key::Sm2(_) => KeyKind::Sm2,
            Key::P256(_) => KeyKind::P256,
            Key::Rsa(_) => KeyKind::Rsa,
            Key::Token(k) => k.kind,
        }
    }

    /// The certificate's subject, as text.
    pub fn subject(&self) -> String {
        self.certificate.tbs_certificate.subject.to_string()
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// Refuses a key of the wrong algorithm for `what`.
    pub fn require(&self, kinds: &[KeyKind], what: &str) -> Result<()> {
        if kinds.contains(&self.kind()) {
            return Ok(());
        }
        Err(Error::Options {
            message: format!(
                "{what} needs a {} key; this one is {}",
                kinds
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(" or "),
                self.kind().name()
            ),
        })
    }

    /// Refuses a signing time outside the certificate's validity.
    pub fn require_valid_at(&self, time: Duration) -> Result<()> {
        let validity = &self.certificate.tbs_certificate.validity;
        let (from, until) = (
            validity.not_before.to_unix_duration(),
            validity.not_after.to_unix_duration(),
        );
        if time < from || time > until {
            return Err(Error::Options {
                message: format!(
                    "the certificate ({}) is valid from {} to {}, not at the signing time {}: renew it, or give the signing time (--sign-time)",
                    self.subject(),
                    validity.not_before,
                    validity.not_after,
                    super::time::iso(time)
                ),
            });
        }
        Ok(())
    }

    /// The public key's bits as the key gives them.
    fn public_key(&self) -> Result<Vec<u8>> {
        use pkcs8::EncodePublicKey;
        let spki = match &self.key {
            Key::Sm2(k) => sm2::PublicKey::from_affine(*k.verifying_key().as_affine())
                .map_err(|e| key_error("the private key", e.to_string()))?
                .to_public_key_der(),
            Key::P256(k) => k.verifying_key().to_public_key_der(),
            Key::Rsa(k) => rsa::RsaPublicKey::from(k.as_ref().as_ref()).to_public_key_der(),
            // A token's key is matched to its certificate by a signature the certificate
            // verifies (see `from_token`).
            Key::Token(_) => return Ok(self.certificate_public_key()),
        }
        .map_err(|e| key_error("the private key", e.to_string()))?;
        let info = spki::SubjectPublicKeyInfoRef::from_der(spki.as_bytes())
            .map_err(|e| key_error("the private key", e.to_string()))?;
        Ok(info.subject_public_key.raw_bytes().to_vec())
    }

    fn certificate_public_key(&self) -> Vec<u8> {
        self.certificate
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes()
            .to_vec()
    }

    /// [`Signer::sign`], once for each message: a second call with the same message gives
    /// the first signature. For what is made once and used many times (a seal's maker
    /// signature over its information): a token signs it once, not once a licence, and
    /// every licence carries the same seal.
    pub(crate) fn sign_once(&self, message: &[u8]) -> Result<Arc<[u8]>> {
        self.signed_once
            .get_or_try_make(message, || self.sign(message).map(Arc::from))
    }

    /// [`Signer::sign`] for messages whose first `prefix` bytes many messages share (an
    /// OFD seal's `TBS_Sign` begins with the whole seal, its picture included: 40 KB of
    /// 41). For an SM2 key in memory, SM3 over Z and the prefix is taken once and
    /// remembered; the signature is the one [`Signer::sign`] makes. Other keys sign the
    /// message as it is.
    pub(crate) fn sign_with_prefix(&self, message: &[u8], prefix: usize) -> Result<Vec<u8>> {
        use sm3::Digest as _;
        let Key::Sm2(k) = &self.key else {
            return self.sign(message);
        };
        let (prefix, rest) = message.split_at(prefix.min(message.len()));
        let state = self.sm3_prefixes.get_or_make(prefix, || {
            Arc::new(sm3::Sm3::new_with_prefix(sm2_z(k)).chain_update(prefix))
        });
        let e = (*state).clone().chain_update(rest).finalize();
        let sig: sm2::dsa::Signature = signature::hazmat::PrehashSigner::sign_prehash(&**k, &e)
            .map_err(|e| Error::Render {
                message: format!("signing failed: {e}"),
            })?;
        Ok(der_signature(&sig.r_bytes(), &sig.s_bytes()))
    }

    /// Signs `message` (hashing it: SM3 with the signer ID's Z for SM2, SHA-256 otherwise).
    /// ECDSA and SM2 signatures come DER-encoded (`SEQUENCE { r, s }`); SM2 and ECDSA
    /// nonces are deterministic (RFC 6979), so the same message gives the same signature.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let failed = |e: signature::Error| Error::Render {
            message: format!("signing failed: {e}"),
        };
        Ok(match &self.key {
            Key::Sm2(k) => {
                let sig: sm2::dsa::Signature = k.try_sign(message).map_err(failed)?;
                der_signature(&sig.r_bytes(), &sig.s_bytes())
            }
            Key::P256(k) => {
                let sig: p256::ecdsa::Signature = k.try_sign(message).map_err(failed)?;
                sig.to_der().as_bytes().to_vec()
            }
            Key::Rsa(k) => {
                use signature::SignatureEncoding;
                let sig: rsa::pkcs1v15::Signature = k.try_sign(message).map_err(failed)?;
                sig.to_vec()
            }
            Key::Token(k) => k.sign(message)?,
        })
    }
}

/// Z of an SM2 key (GB/T 32918.2-2016 §5.5): SM3 over the signer ID's length in bits and
/// the ID, the curve's a and b, the base point and the public key, each coordinate 32
/// bytes. The `sm2` crate works it out too but keeps it to itself; what is signed with it
/// is checked against that crate's own signature (tests).
fn sm2_z(key: &sm2::dsa::SigningKey) -> [u8; 32] {
    use sm2::elliptic_curve::sec1::ToEncodedPoint as _;
    use sm3::Digest as _;
    /// The curve of GB/T 32918.5-2016: a, b, and the base point's x and y.
    const CURVE: [&str; 4] = [
        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
        "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
        "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7",
        "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
    ];
    let id = key.distid().as_bytes();
    let mut z = sm3::Sm3::new();
    z.update(((id.len() * 8) as u16).to_be_bytes());
    z.update(id);
    for hex in CURVE {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
            .collect();
        z.update(bytes);
    }
    let point = key.verifying_key().as_affine().to_encoded_point(false);
    z.update(&point.as_bytes()[1..]);
    z.finalize().into()
}

/// A certificate from PEM text, and its DER.
fn certificate_from_pem(cert_pem: &str) -> Result<(Certificate, Vec<u8>)> {
    let (label, der) = der::Document::from_pem(cert_pem).map_err(|e| {
        key_error(
            "the certificate",
            format!("not a PEM file ({e}); give -----BEGIN CERTIFICATE-----"),
        )
    })?;
    if label != "CERTIFICATE" {
        return Err(key_error(
            "the certificate",
            format!("is a `{label}`, not a CERTIFICATE"),
        ));
    }
    let certificate = Certificate::from_der(der.as_bytes())
        .map_err(|e| key_error("the certificate", format!("not X.509: {e}")))?;
    Ok((certificate, der.as_bytes().to_vec()))
}

/// An ECDSA or SM2 signature as DER: `SEQUENCE { r INTEGER, s INTEGER }`.
#[derive(der::Sequence)]
struct EcSignature<'a> {
    r: der::asn1::UintRef<'a>,
    s: der::asn1::UintRef<'a>,
}

/// The DER of a signature from its two scalars' big-endian bytes.
pub(crate) fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    let (Ok(r), Ok(s)) = (der::asn1::UintRef::new(r), der::asn1::UintRef::new(s)) else {
        return Vec::new();
    };
    EcSignature { r, s }.to_der().unwrap_or_default()
}

/// The two scalars of a DER signature on a 256-bit curve, 32 big-endian bytes each.
pub(crate) fn scalars(signature: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let sig = EcSignature::from_der(signature).ok()?;
    // UintRef holds the value's bytes without leading zeros: longer than 32 is no scalar.
    let pad = |b: &[u8]| {
        let mut out = [0u8; 32];
        let start = 32usize.checked_sub(b.len())?;
        out[start..].copy_from_slice(b);
        Some(out)
    };
    Some((pad(sig.r.as_bytes())?, pad(sig.s.as_bytes())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use signature::hazmat::PrehashSigner as _;
    use sm3::Digest as _;

    /// Z as worked out here is the one the `sm2` crate signs with: SM3 over it and the
    /// message, signed as a prehash, is the crate's own (deterministic) signature.
    #[test]
    fn sm2_z_is_the_one_the_sm2_crate_signs_with() {
        let secret = sm2::SecretKey::from_slice(&[0x5a; 32]).unwrap();
        for id in [DEFAULT_SM2_ID, "ALICE123@YAHOO.COM"] {
            let key = sm2::dsa::SigningKey::new(id, &secret).unwrap();
            let message = b"TBS_Sign: the seal, the time, the digest";
            let theirs: sm2::dsa::Signature = key.try_sign(message).unwrap();
            let e = sm3::Sm3::new_with_prefix(sm2_z(&key))
                .chain_update(message)
                .finalize();
            let ours: sm2::dsa::Signature = key.sign_prehash(&e).unwrap();
            assert_eq!(ours, theirs, "signer ID {id}");
        }
    }
}
