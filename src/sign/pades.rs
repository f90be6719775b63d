//! PAdES baseline B-B (ETSI EN 319 142-1) over a finished PDF.
//!
//! The PDF back end writes the signature's place: a signature field whose widget covers
//! the seal (or an invisible one), and a signature dictionary whose `ByteRange` and
//! `Contents` are placeholders of fixed width ([`crate::pdf::SignatureSlot`]), and returns
//! their offsets (`SlotOffsets`). Signing fills them there: the byte range is every byte but the `Contents` string, its SHA-256 goes
//! into a detached CMS SignedData (RFC 5652) with the signer's certificate and the
//! signed attributes PAdES B-B asks for (content type, message digest, ESS
//! signing-certificate-v2; no signing-time, which PAdES keeps in the dictionary's `M`),
//! and the CMS is written in hex into `Contents`. The file's length does not change.

use der::asn1::{ObjectIdentifier as Oid, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;

use super::keys::{KeyKind, Signer};
use crate::error::{Error, Result};
use crate::pdf::WrittenPdf;

/// Room reserved for the CMS: 16 KB holds a signature with a certificate chain of a few
/// certificates.
pub(crate) const RESERVED: usize = 16 * 1024;

mod oid {
    use super::Oid;
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const SIGNATURE_TIME_STAMP: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
}

fn failed(message: impl std::fmt::Display) -> Error {
    Error::Render {
        message: format!("signing the PDF failed: {message}"),
    }
}

/// Signs a PDF written with a signature slot: fills the byte range and the CMS, with
/// the signature time-stamped by `tsa` when one is given (PAdES baseline B-T: the token of
/// the signature's value as the unsigned signature-time-stamp attribute). The key must be
/// ECDSA P-256 or RSA.
///
/// The placeholders are where the writer said it put them ([`WrittenPdf::slot`]); they
/// are checked to be placeholders still, and never searched for: the file carries record
/// text, which may spell one.
pub(crate) fn sign_with(
    written: WrittenPdf,
    signer: &Signer,
    tsa: Option<&super::tsa::Tsa>,
) -> Result<Vec<u8>> {
    signer.require(&[KeyKind::P256, KeyKind::Rsa], "a PAdES signature")?;
    let WrittenPdf {
        bytes: mut pdf,
        slot,
    } = written;
    let slot = slot.ok_or_else(|| failed("the PDF was written without a signature slot"))?;
    let (range_start, range_end) = slot.byte_range;
    let (open, end) = slot.contents;
    let close = end
        .checked_sub(1)
        .ok_or_else(|| failed("an empty Contents slot"))?;
    let is_placeholder = pdf
        .get(range_start..range_end)
        .is_some_and(|r| r.first() == Some(&b'[') && r.last() == Some(&b']'))
        && pdf.get(open) == Some(&b'<')
        && pdf.get(close) == Some(&b'>')
        && open > range_end;
    if !is_placeholder {
        return Err(failed("the offsets given are not the signature slot's"));
    }
    let ranges = [0, open, close + 1, pdf.len() - (close + 1)];
    let text = format!("[{} {} {} {}]", ranges[0], ranges[1], ranges[2], ranges[3]);
    let width = range_end - range_start;
    if text.len() > width {
        return Err(failed("the file is too large for its byte range"));
    }
    let padded = format!("{text:<width$}");
    pdf[range_start..range_end].copy_from_slice(padded.as_bytes());

    let mut hasher = Sha256::new();
    hasher.update(&pdf[..open]);
    hasher.update(&pdf[close + 1..]);
    let digest = hasher.finalize();
    let cms = cms_detached(&digest, signer, tsa)?;
    let room = (close - open - 1) / 2;
    if cms.len() > room {
        return Err(failed(format!(
            "the signature needs {} bytes, {room} are reserved",
            cms.len()
        )));
    }
    let mut hex = String::with_capacity(room * 2);
    for byte in &cms {
        hex.push_str(&format!("{byte:02X}"));
    }
    while hex.len() < room * 2 {
        hex.push('0');
    }
    pdf[open + 1..close].copy_from_slice(hex.as_bytes());
    Ok(pdf)
}

/// ESS `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }`, each
/// `ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING }` (hash algorithm SHA-256, the
/// default) (RFC 5035).
#[derive(der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

#[derive(der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

fn attribute(oid: Oid, value: impl Encode) -> Result<Attribute> {
    let value = Any::from_der(&value.to_der().map_err(failed)?).map_err(failed)?;
    let mut values = SetOfVec::new();
    values.insert(value).map_err(failed)?;
    Ok(Attribute { oid, values })
}

/// A detached CMS SignedData over content whose SHA-256 is `digest`.
pub(crate) fn cms_detached(
    digest: &[u8],
    signer: &Signer,
    tsa: Option<&super::tsa::Tsa>,
) -> Result<Vec<u8>> {
    use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
    use cms::content_info::{CmsVersion, ContentInfo};
    use cms::signed_data::{
        CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo,
        SignerInfos,
    };

    let sha256 = AlgorithmIdentifierOwned {
        oid: oid::SHA256,
        parameters: None,
    };
    let cert_hash = Sha256::digest(signer.certificate_der());
    let mut signed_attrs = SetOfVec::new();
    for attr in [
        attribute(oid::CONTENT_TYPE, oid::DATA)?,
        attribute(
            oid::MESSAGE_DIGEST,
            OctetString::new(digest.to_vec()).map_err(failed)?,
        )?,
        attribute(
            oid::SIGNING_CERTIFICATE_V2,
            SigningCertificateV2 {
                certs: vec![EssCertIdV2 {
                    cert_hash: OctetString::new(cert_hash.to_vec()).map_err(failed)?,
                }],
            },
        )?,
    ] {
        signed_attrs.insert(attr).map_err(failed)?;
    }
    // The signature covers the DER of the attributes as a SET (RFC 5652 §5.4).
    let to_sign = signed_attrs.to_der().map_err(failed)?;
    let signature = signer.sign(&to_sign)?;
    let signature_algorithm = AlgorithmIdentifierOwned {
        oid: match signer.kind() {
            KeyKind::Rsa => oid::RSA_SHA256,
            _ => oid::ECDSA_SHA256,
        },
        // RSA's algorithm identifiers carry an explicit NULL; ECDSA's none.
        parameters: (signer.kind() == KeyKind::Rsa).then(|| Any::from(der::asn1::Null)),
    };
    let tbs = &signer.certificate().tbs_certificate;
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer.clone(),
            serial_number: tbs.serial_number.clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm,
        unsigned_attrs: match tsa {
            // The token stamps the signature's value (RFC 3161 appendix A, ETSI EN 319 122).
            Some(tsa) => {
                let token = tsa.stamp(&signature)?;
                let mut attrs = SetOfVec::new();
                let mut values = SetOfVec::new();
                values
                    .insert(Any::from_der(&token).map_err(failed)?)
                    .map_err(failed)?;
                attrs
                    .insert(Attribute {
                        oid: oid::SIGNATURE_TIME_STAMP,
                        values,
                    })
                    .map_err(failed)?;
                Some(attrs)
            }
            None => None,
        },
        signature: OctetString::new(signature).map_err(failed)?,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256).map_err(failed)?;
    let mut certificates = SetOfVec::new();
    certificates
        .insert(CertificateChoices::Certificate(
            signer.certificate().clone(),
        ))
        .map_err(failed)?;
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer_info).map_err(failed)?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    let info = ContentInfo {
        content_type: oid::SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(failed)?,
    };
    info.to_der().map_err(failed)
}
