//! PAdES: a signed PDF's byte range, CMS, ESS binding, timestamp, signing time and
//! metadata.

use der::{Decode, Encode, SliceReader};
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;

use super::*;

/// The signature dictionary's byte range: the last `/ByteRange` whose ranges fit the
/// file (start at 0, end at its end, the gap a hex string). Record text in the file may
/// spell `/ByteRange [..]`; a range that does not fit the file is no signature's.
fn byte_range(pdf: &[u8]) -> Result<[usize; 4]> {
    let mut seen = None;
    for at in find_all(pdf, b"/ByteRange").take(MAX_BYTE_RANGE_CANDIDATES) {
        let rest = &pdf[at + b"/ByteRange".len()..];
        let Some(open) = rest.iter().take(8).position(|&b| b == b'[') else {
            continue;
        };
        let Some(end) = rest[open..].iter().take(80).position(|&b| b == b']') else {
            continue;
        };
        let numbers: Option<Vec<usize>> = std::str::from_utf8(&rest[open + 1..open + end])
            .ok()
            .map(|t| t.split_ascii_whitespace().map(|n| n.parse().ok()).collect())
            .and_then(|v: Vec<Option<usize>>| v.into_iter().collect());
        let Some([start, first, second, length]) = numbers
            .as_deref()
            .and_then(|n| <[usize; 4]>::try_from(n).ok())
        else {
            continue;
        };
        seen.get_or_insert([start, first, second, length]);
        let fits = start == 0
            && first < second
            && second.checked_add(length) == Some(pdf.len())
            && pdf.get(first) == Some(&b'<')
            && second.checked_sub(1).and_then(|i| pdf.get(i)) == Some(&b'>')
            && !(first..second).contains(&at);
        if fits {
            return Ok([start, first, second, length]);
        }
    }
    seen.ok_or_else(|| unreadable("the PDF has no signature"))
}

/// A PAdES signature: the byte range covers the whole file but the signature, the
/// message digest is the range's SHA-256, the CMS signature verifies with the certificate
/// the signer info and the ESS signing-certificate-v2 attribute both name, and every
/// certificate holds.
pub fn verify_pdf_with(pdf: &[u8], options: &VerifyOptions) -> Result<Report> {
    let [start, first, second, length] = byte_range(pdf)?;
    let mut report = Report::new("PAdES (CMS, SHA-256)");
    let covers = start == 0
        && first < second
        && second.checked_add(length) == Some(pdf.len())
        && pdf.get(first) == Some(&b'<')
        && second.checked_sub(1).and_then(|i| pdf.get(i)) == Some(&b'>');
    report.check("the signature covers the whole file", covers, || {
        format!(
            "the byte range [{start} {first} {second} {length}] leaves out more than the signature, or the file is {} bytes",
            pdf.len()
        )
    });
    if !covers {
        return Ok(report);
    }
    let signed = signed_data(&pdf[first + 1..second - 1])?;
    let signer_info = signed
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| unreadable("the CMS has no signer"))?;
    let carried = certs::carried(&signed);
    // The certificate the signer info names; failing that, the first one carried (whose
    // binding the checks below then refuse).
    let named = certs::named_by(&carried, &signer_info.sid);
    report.check(
        "the signer info names a certificate the signature carries (issuer and serial number)",
        named.is_some(),
        || "no certificate carried has the issuer and serial number the signer info names".into(),
    );
    let certificate = named
        .or(carried.first())
        .cloned()
        .ok_or_else(|| unreadable("the CMS carries no certificate"))?;
    let certificate_der = certificate.to_der().map_err(unreadable)?;
    report.signer = certificate.tbs_certificate.subject.to_string();

    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| unreadable("the CMS has no signed attributes"))?;
    let attribute = |oid: &str| {
        attrs
            .iter()
            .find(|a| a.oid.to_string() == oid)
            .and_then(|a| a.values.iter().next())
    };
    let digest_attr = attribute("1.2.840.113549.1.9.4")
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

    // ESS signing-certificate-v2 (RFC 5035): the signed attributes name the certificate
    // by its hash, so a certificate swapped in beside the signature does not bind.
    let bound = ess_binding(attribute("1.2.840.113549.1.9.16.2.47"), &certificate_der);
    report.check(
        "the signed attributes name this certificate (ESS signing-certificate-v2)",
        bound.is_ok(),
        || bound.clone().err().unwrap_or_default(),
    );

    let signed_bytes = attrs.to_der().map_err(unreadable)?;
    let verified = certs::verify_with(
        &certificate,
        &signer_info.signature_algorithm.oid.to_string(),
        &signed_bytes,
        signer_info.signature.as_bytes(),
    )
    .map_err(unreadable)?;
    report.check(
        "the signature verifies with the signer's certificate",
        verified,
        || "the signature does not match the signed attributes: the signature was altered".into(),
    );
    trust_and_chain(
        &mut report,
        &certificate,
        &certificate_der,
        &carried,
        options,
    );

    // PAdES B-T: the signature-time-stamp token over the signature's value.
    if let Some(token) = signer_info.unsigned_attrs.as_ref().and_then(|attrs| {
        attrs
            .iter()
            .find(|a| a.oid.to_string() == "1.2.840.113549.1.9.16.2.14")
            .and_then(|a| a.values.iter().next())
            .and_then(|v| v.to_der().ok())
    }) {
        report.timestamp(&token, signer_info.signature.as_bytes());
    }

    // The signing time: the signature dictionary's M, written right after Contents.
    let time = signing_time_after(pdf, second);
    match time {
        Some(time) => {
            report.signed_at = crate::sign::time::iso(time);
            validity(&mut report, &certificate, time);
        }
        None => report.check("the signature has its signing time (/M)", false, || {
            "none found after the signature's contents".into()
        }),
    }
    report.metadata(pdf_metadata(pdf));
    Ok(report)
}

/// The CMS `SignedData` in a PDF signature's `Contents` hex string.
fn signed_data(hex: &[u8]) -> Result<cms::signed_data::SignedData> {
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
    info.content.decode_as().map_err(unreadable)
}

/// Whether the signer's certificate chains to the roots given, and which certificate
/// issued which of those carried.
fn trust_and_chain(
    report: &mut Report,
    certificate: &Certificate,
    certificate_der: &[u8],
    carried: &[Certificate],
    options: &VerifyOptions,
) {
    let labelled: Vec<(&str, &Certificate)> = carried
        .iter()
        .map(|c| {
            let signer = c.to_der().ok().as_deref() == Some(certificate_der);
            (if signer { "signer" } else { "chain" }, c)
        })
        .collect();
    let mut at_hand = carried.to_vec();
    at_hand.extend(options.roots.iter().cloned());
    report.judge_trust(certificate, carried, &options.roots);
    report.certificates_issued(&labelled, &at_hand);
}

/// Whether the signed ESS signing-certificate-v2 attribute (`value`) names the
/// certificate whose DER is `certificate_der`, or why not.
fn ess_binding(
    value: Option<&der::Any>,
    certificate_der: &[u8],
) -> std::result::Result<(), String> {
    let ess = value
        .ok_or("the signed attributes carry no ESS signing-certificate-v2 (PAdES requires it)")?
        .decode_as::<EssSigningCertificateV2>()
        .map_err(|e| format!("the ESS signing-certificate-v2 cannot be read: {e}"))?;
    let id = ess
        .certs
        .first()
        .ok_or("the ESS signing-certificate-v2 lists no certificate")?;
    let algorithm = id
        .hash_algorithm
        .as_ref()
        .map_or("2.16.840.1.101.3.4.2.1".to_owned(), |a| a.oid.to_string());
    if algorithm != "2.16.840.1.101.3.4.2.1" {
        return Err(format!(
            "its hash algorithm {algorithm} is not one certpress checks"
        ));
    }
    if id.cert_hash.as_bytes() != certs::sha256(certificate_der) {
        return Err("its hash does not match the certificate carried: the certificate was replaced after signing".into());
    }
    Ok(())
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies
/// SEQUENCE OF PolicyInformation OPTIONAL }` (RFC 5035), as others write it.
#[derive(der::Sequence)]
struct EssSigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<der::Any>,
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256,
/// certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }`.
#[derive(der::Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<spki::AlgorithmIdentifierOwned>,
    cert_hash: der::asn1::OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<der::Any>,
}

/// The `/M (D:…)` that follows the signature's contents within the dictionary (the
/// bytes there are covered by the signature).
fn signing_time_after(pdf: &[u8], from: usize) -> Option<std::time::Duration> {
    let window = pdf.get(from..(from + 256).min(pdf.len()))?;
    let at = window.windows(6).position(|w| w == b"/M (D:")?;
    parse_pdf_date(&window[at + 3..])
}

/// The `certpress:` properties of the XMP the catalog names (`/Root` → `/Metadata`),
/// followed through the cross-reference table; none when the file does not lead there.
fn pdf_metadata(pdf: &[u8]) -> Vec<MetadataEntry> {
    let Some(xmp) = pdf_catalog_metadata(pdf) else {
        return Vec::new();
    };
    let Ok(text) = std::str::from_utf8(xmp) else {
        return Vec::new();
    };
    let Ok(doc) = roxmltree::Document::parse_with_options(text, xml_options()) else {
        return Vec::new();
    };
    doc.descendants()
        .filter(|n| n.tag_name().namespace() == Some(crate::pdf::LICENCE_NS))
        .map(|n| MetadataEntry {
            name: n.tag_name().name().to_owned(),
            value: n.text().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// The catalog's metadata stream's bytes, through `startxref`, the table, the trailer's
/// `/Root` and the catalog's `/Metadata` (a plain cross-reference table, as certpress
/// writes).
fn pdf_catalog_metadata(pdf: &[u8]) -> Option<&[u8]> {
    let tail = &pdf[pdf.len().saturating_sub(64)..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    let xref: usize = ascii(&tail[at + 9..])?
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()?;
    let table = pdf.get(xref..)?;
    if !table.starts_with(b"xref") {
        return None;
    }
    let trailer_at = table.windows(7).position(|w| w == b"trailer")?;
    let trailer = &table[trailer_at..table.len().min(trailer_at + 512)];
    let root = reference_after(trailer, b"/Root")?;
    let offset = |object: usize| -> Option<usize> {
        // `0 N` subsection, 20-byte entries from object 0.
        let body = &table[4..trailer_at];
        let first_line_end = body.iter().skip(1).position(|&b| b == b'\n')? + 1;
        let entries = &body[first_line_end + 1..];
        let entry = entries.get(object * 20..object * 20 + 10)?;
        ascii(entry)?.trim().parse().ok()
    };
    let object = |number: usize| -> Option<&[u8]> {
        let at = offset(number)?;
        let head = format!("{number} 0 obj");
        let bytes = pdf.get(at..)?;
        bytes.starts_with(head.as_bytes()).then_some(bytes)
    };
    let catalog = object(root)?;
    let catalog = &catalog[..catalog.windows(6).position(|w| w == b"endobj")?];
    let metadata = object(reference_after(catalog, b"/Metadata")?)?;
    let length: usize = {
        let at = metadata.windows(7).position(|w| w == b"/Length")? + 7;
        ascii(&metadata[at..(at + 24).min(metadata.len())])?
            .split(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())?
            .parse()
            .ok()?
    };
    let start = metadata.windows(7).position(|w| w == b"stream\n")? + 7;
    metadata.get(start..start.checked_add(length)?)
}

/// The object number of the reference `KEY N 0 R` in `dictionary`.
fn reference_after(dictionary: &[u8], key: &[u8]) -> Option<usize> {
    let at = dictionary.windows(key.len()).position(|w| w == key)? + key.len();
    let rest = ascii(&dictionary[at..(at + 32).min(dictionary.len())])?;
    let mut words = rest.split_ascii_whitespace();
    let number = words.next()?.parse().ok()?;
    (words.next()? == "0" && words.next()?.starts_with('R')).then_some(number)
}

/// The longest ASCII prefix of `bytes`, as text.
fn ascii(bytes: &[u8]) -> Option<&str> {
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii())
        .unwrap_or(bytes.len());
    std::str::from_utf8(&bytes[..end]).ok()
}

/// `(D:YYYYMMDDHHmmSS` with `Z` or `±HH'mm'`.
fn parse_pdf_date(bytes: &[u8]) -> Option<std::time::Duration> {
    let text = ascii(&bytes[..bytes.len().min(40)])?;
    let text = text.strip_prefix("(D:")?;
    let digits = text.get(..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}",
        &digits[0..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..10],
        &digits[10..12],
        &digits[12..14]
    );
    let zone = text.get(14..)?;
    let iso = if zone.starts_with('Z') {
        format!("{iso}Z")
    } else {
        let z = zone.get(0..7)?; // +08'00'
        format!("{iso}{}:{}", z.get(0..3)?, z.get(4..6)?)
    };
    crate::sign::time::parse(&iso).ok()
}
