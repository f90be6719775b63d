//! Checks a signed licence: a PDF with a PAdES signature or an OFD with a GB/T 38540 seal.
//! Every digest, the signature, and the certificate's validity at the signing time; a
//! report that says which part changed.

use der::{Decode, Encode, SliceReader};
use sha2::{Digest as _, Sha256};
use signature::Verifier as _;
use sm3::Sm3;
use x509_cert::Certificate;

use super::keys::DEFAULT_SM2_ID;
use super::seal;
use crate::error::{Error, Result};

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
    /// What was found when it did not.
    pub detail: Option<String>,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// The kind of signature (`PAdES` or `GB/T 38540 seal`).
    pub kind: String,
    /// The signer's certificate subject.
    pub signer: String,
    /// The signing time, ISO 8601.
    pub signed_at: String,
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether nothing was changed: every check held.
    pub fn intact(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    fn check(&mut self, what: impl Into<String>, ok: bool, detail: impl FnOnce() -> String) {
        self.checks.push(Check {
            what: what.into(),
            ok,
            detail: (!ok).then(detail),
        });
    }
}

fn unreadable(message: impl std::fmt::Display) -> Error {
    Error::Options {
        message: format!("the file cannot be verified: {message}"),
    }
}

/// Verifies a signed PDF or OFD (told apart by their first bytes). An error means the file
/// could not be read as either; a report with a failed check means it was changed.
pub fn verify(bytes: &[u8]) -> Result<Report> {
    if bytes.starts_with(b"%PDF-") {
        verify_pdf(bytes)
    } else if bytes.starts_with(b"PK") {
        verify_ofd(bytes, DEFAULT_SM2_ID)
    } else {
        Err(unreadable("neither a PDF nor an OFD package"))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The certificate's validity at `time`.
fn validity(report: &mut Report, certificate: &Certificate, time: std::time::Duration) {
    let v = &certificate.tbs_certificate.validity;
    let ok = time >= v.not_before.to_unix_duration() && time <= v.not_after.to_unix_duration();
    report.check("the certificate was valid at the signing time", ok, || {
        format!("valid {} to {}", v.not_before, v.not_after)
    });
}

/// A PAdES signature: the byte range covers the whole file but the signature, the
/// message digest is the range's SHA-256, the CMS signature verifies with the certificate.
pub fn verify_pdf(pdf: &[u8]) -> Result<Report> {
    let at = find(pdf, b"/ByteRange [").ok_or_else(|| unreadable("the PDF has no signature"))?;
    let rest = &pdf[at + b"/ByteRange [".len()..];
    let end = rest
        .iter()
        .position(|&b| b == b']')
        .ok_or_else(|| unreadable("a broken /ByteRange"))?;
    let ranges: Vec<usize> = std::str::from_utf8(&rest[..end])
        .map_err(unreadable)?
        .split_ascii_whitespace()
        .map(|n| n.parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .map_err(unreadable)?;
    let [start, first, second, length] = ranges[..] else {
        return Err(unreadable("a /ByteRange of other than two ranges"));
    };
    let mut report = Report {
        kind: "PAdES (CMS, SHA-256)".into(),
        signer: String::new(),
        signed_at: String::new(),
        checks: Vec::new(),
    };
    let covers = start == 0
        && first < second
        && second.checked_add(length) == Some(pdf.len())
        && pdf.get(first) == Some(&b'<')
        && pdf.get(second - 1) == Some(&b'>');
    report.check("the signature covers the whole file", covers, || {
        format!(
            "the byte range [{start} {first} {second} {length}] leaves out more than the signature, or the file is {} bytes",
            pdf.len()
        )
    });
    if !covers {
        return Ok(report);
    }
    let hex = &pdf[first + 1..second - 1];
    let cms: Vec<u8> = hex
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect::<Option<_>>()
        .ok_or_else(|| unreadable("the signature's contents are not hex"))?;
    let mut reader = SliceReader::new(&cms).map_err(unreadable)?;
    let info = cms::content_info::ContentInfo::decode(&mut reader).map_err(unreadable)?;
    let signed: cms::signed_data::SignedData = info.content.decode_as().map_err(unreadable)?;
    let signer_info = signed
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| unreadable("the CMS has no signer"))?;
    let certificate = signed
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|choice| match choice {
                cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
                _ => None,
            })
        })
        .ok_or_else(|| unreadable("the CMS carries no certificate"))?;
    report.signer = certificate.tbs_certificate.subject.to_string();

    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| unreadable("the CMS has no signed attributes"))?;
    let digest_attr = attrs
        .iter()
        .find(|a| a.oid == der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4"))
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<der::asn1::OctetString>().ok())
        .ok_or_else(|| unreadable("the CMS has no message digest"))?;
    let mut hasher = Sha256::new();
    hasher.update(&pdf[..first]);
    hasher.update(&pdf[second..]);
    let digest = hasher.finalize();
    report.check(
        "the signed bytes are unchanged (SHA-256)",
        digest_attr.as_bytes() == &digest[..],
        || "the PDF was changed after signing: its content no longer has the signed digest".into(),
    );

    let signed_bytes = attrs.to_der().map_err(unreadable)?;
    let spki = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(unreadable)?;
    let sig = signer_info.signature.as_bytes();
    let verified = match signer_info.signature_algorithm.oid.to_string().as_str() {
        "1.2.840.10045.4.3.2" => {
            use p256::pkcs8::DecodePublicKey;
            p256::ecdsa::VerifyingKey::from_public_key_der(&spki)
                .ok()
                .zip(p256::ecdsa::Signature::from_der(sig).ok())
                .is_some_and(|(key, sig)| key.verify(&signed_bytes, &sig).is_ok())
        }
        "1.2.840.113549.1.1.11" | "1.2.840.113549.1.1.1" => {
            use rsa::pkcs8::DecodePublicKey;
            rsa::RsaPublicKey::from_public_key_der(&spki)
                .ok()
                .zip(rsa::pkcs1v15::Signature::try_from(sig).ok())
                .is_some_and(|(key, sig)| {
                    rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key)
                        .verify(&signed_bytes, &sig)
                        .is_ok()
                })
        }
        other => {
            return Err(unreadable(format!(
                "signature algorithm {other} is not one certpress checks"
            )))
        }
    };
    report.check(
        "the signature verifies with the signer's certificate",
        verified,
        || "the signature does not match the signed attributes: the signature was altered".into(),
    );

    // The signing time: the signature dictionary's M.
    let time = find(pdf, b"/M (D:").and_then(|i| parse_pdf_date(&pdf[i + 3..]));
    match time {
        Some(time) => {
            report.signed_at = super::time::iso(time);
            validity(&mut report, &certificate, time);
        }
        None => report.check("the signature has its signing time (/M)", false, || {
            "none found".into()
        }),
    }
    Ok(report)
}

/// `(D:YYYYMMDDHHmmSS` with `Z` or `±HH'mm'`.
fn parse_pdf_date(bytes: &[u8]) -> Option<std::time::Duration> {
    let text = std::str::from_utf8(&bytes[..bytes.len().min(40)]).ok()?;
    let text = text.strip_prefix("(D:")?;
    let digits = &text[..14];
    let iso = format!(
        "{}-{}-{}T{}:{}:{}",
        &digits[0..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..10],
        &digits[10..12],
        &digits[12..14]
    );
    let zone = &text[14..];
    let iso = if zone.starts_with('Z') {
        format!("{iso}Z")
    } else {
        let z = zone.get(0..7)?; // +08'00'
        format!("{iso}{}:{}", &z[0..3], &z[4..6])
    };
    super::time::parse(&iso).ok()
}

/// A GB/T 38540 seal on an OFD: every referenced file's SM3, no file added after sealing,
/// the signature description's SM3 in the signed data, the SM2 signature (signer ID
/// `sm2_id`) and the certificate's validity at the signing time.
pub fn verify_ofd(ofd: &[u8], sm2_id: &str) -> Result<Report> {
    let entries = seal::read_package(ofd).map_err(unreadable)?;
    let file = |name: &str| {
        let name = name.trim_start_matches('/');
        entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    };
    let list =
        file("Doc_0/Signs/Signatures.xml").ok_or_else(|| unreadable("the OFD is not signed"))?;
    let list = std::str::from_utf8(list).map_err(unreadable)?;
    let list = roxmltree::Document::parse(list).map_err(unreadable)?;
    let base = list
        .descendants()
        .find(|n| n.tag_name().name() == "Signature")
        .and_then(|n| n.attribute("BaseLoc"))
        .ok_or_else(|| unreadable("Signatures.xml lists no signature"))?
        .to_owned();
    let signature_xml = file(&base).ok_or_else(|| unreadable(format!("{base} is missing")))?;
    let text = std::str::from_utf8(signature_xml).map_err(unreadable)?;
    let description = roxmltree::Document::parse(text).map_err(unreadable)?;
    let mut report = Report {
        kind: "GB/T 38540 electronic seal (SM2, SM3)".into(),
        signer: String::new(),
        signed_at: String::new(),
        checks: Vec::new(),
    };
    let mut referenced = Vec::new();
    for reference in description
        .descendants()
        .filter(|n| n.tag_name().name() == "Reference")
    {
        let name = reference
            .attribute("FileRef")
            .unwrap_or_default()
            .to_owned();
        let expected = reference
            .children()
            .find(|c| c.tag_name().name() == "CheckValue")
            .and_then(|c| c.text())
            .unwrap_or_default()
            .trim()
            .to_owned();
        let actual = file(&name).map(seal::sm3_base64);
        report.check(
            format!("{name} is unchanged (SM3)"),
            actual.as_deref() == Some(expected.as_str()),
            || match actual {
                None => "the file is gone".into(),
                Some(_) => "its content was changed after sealing".into(),
            },
        );
        referenced.push(name.trim_start_matches('/').to_owned());
    }
    let added: Vec<&str> = entries
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| !n.starts_with("Doc_0/Signs/") && !referenced.iter().any(|r| r == n))
        .collect();
    report.check("no file was added after sealing", added.is_empty(), || {
        added.join(", ")
    });

    let value_path = description
        .descendants()
        .find(|n| n.tag_name().name() == "SignedValue")
        .and_then(|n| n.text())
        .ok_or_else(|| unreadable("Signature.xml names no SignedValue"))?
        .trim()
        .to_owned();
    let value = file(&value_path).ok_or_else(|| unreadable(format!("{value_path} is missing")))?;
    let parsed = seal::parse(value).map_err(unreadable)?;
    report.check(
        "the seal signs this signature description (SM3 of Signature.xml)",
        parsed.data_hash[..] == Sm3::digest(signature_xml)[..],
        || "Signature.xml was changed after sealing".into(),
    );
    report.check(
        "the seal names this signature description",
        parsed.property_info.trim_start_matches('/') == base.trim_start_matches('/'),
        || format!("it names {}", parsed.property_info),
    );
    let certificate = Certificate::from_der(&parsed.certificate).map_err(unreadable)?;
    report.signer = certificate.tbs_certificate.subject.to_string();
    let verified = sm2_verify(&certificate, sm2_id, &parsed.tbs_der, &parsed.signature);
    report.check(
        "the SM2 signature verifies with the signer's certificate",
        verified,
        || "the signature does not match the signed data: the seal was altered".into(),
    );
    let time = parsed.time.unix_duration();
    report.signed_at = super::time::iso(time);
    validity(&mut report, &certificate, time);
    Ok(report)
}

/// SM2 verification of a DER `SEQUENCE { r, s }` signature.
pub(crate) fn sm2_verify(
    certificate: &Certificate,
    sm2_id: &str,
    message: &[u8],
    signature: &[u8],
) -> bool {
    use sm2::pkcs8::DecodePublicKey;
    let Ok(spki) = certificate.tbs_certificate.subject_public_key_info.to_der() else {
        return false;
    };
    let Ok(public) = sm2::PublicKey::from_public_key_der(&spki) else {
        return false;
    };
    let Ok(key) = sm2::dsa::VerifyingKey::new(sm2_id, public) else {
        return false;
    };
    let Some((r, s)) = super::keys::scalars(signature) else {
        return false;
    };
    sm2::dsa::Signature::from_scalars(r, s)
        .map(|sig| key.verify(message, &sig).is_ok())
        .unwrap_or(false)
}
