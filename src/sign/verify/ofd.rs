//! The OFD seal (GB/T 38540): the package's signature list, the signed references'
//! digests, the seal and its maker, the SM2 signature, and the licence's metadata.

use der::Decode;
use sha2::Digest as _;
use sm3::Sm3;

use super::*;

/// Parses one XML file of a package within the node limit, without DTDs.
fn parse_xml<'a>(name: &str, bytes: &'a [u8]) -> Result<roxmltree::Document<'a>> {
    let text = std::str::from_utf8(bytes).map_err(|e| unreadable(format!("{name}: {e}")))?;
    roxmltree::Document::parse_with_options(text, xml_options())
        .map_err(|e| unreadable(format!("{name}: {e}")))
}

/// A GB/T 38540 seal on an OFD: every referenced file's SM3, no file added after sealing,
/// the signature description's SM3 in the signed data, the SM2 signature (signer ID
/// `options.sm2_id`), the signer among those the seal authorises, the seal's maker
/// signature, each certificate's own signature, and the certificates' and the seal's
/// validity at the signing time. The package is read within `options.limits`.
pub fn verify_ofd_with(ofd: &[u8], options: &VerifyOptions) -> Result<Report> {
    let package = package::read(ofd, &options.limits).map_err(unreadable)?;
    let file = |name: &str| package.file(name);
    let list =
        file("Doc_0/Signs/Signatures.xml").ok_or_else(|| unreadable("the OFD is not signed"))?;
    let list = parse_xml("Signatures.xml", list)?;
    let base = list
        .descendants()
        .find(|n| n.tag_name().name() == "Signature")
        .and_then(|n| n.attribute("BaseLoc"))
        .ok_or_else(|| unreadable("Signatures.xml lists no signature"))?
        .to_owned();
    let signature_xml = file(&base).ok_or_else(|| unreadable(format!("{base} is missing")))?;
    let description = parse_xml(&base, signature_xml)?;
    let mut report = Report::new("GB/T 38540 electronic seal (SM2, SM3)");
    report.files_unchanged(&package, &description);
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
    let verified = sm2_verify(
        &certificate,
        &options.sm2_id,
        &parsed.tbs_der,
        &parsed.signature,
    );
    report.check(
        "the SM2 signature verifies with the signer's certificate",
        verified,
        || "the signature does not match the signed data: the seal was altered".into(),
    );

    let maker = report.seal_holds(&parsed)?;
    let time = parsed.time.unix_duration();
    let mut at_hand = vec![certificate.clone(), maker.clone()];
    at_hand.extend(options.roots.iter().cloned());
    report.judge_trust(&certificate, std::slice::from_ref(&maker), &options.roots);
    report.certificates_issued(
        &[("signer", &certificate), ("seal maker", &maker)],
        &at_hand,
    );
    report.signed_at = crate::sign::time::iso(time);
    validity(&mut report, &certificate, time);
    if let Some(token) = &parsed.time_stamp {
        report.timestamp(token, &parsed.signature);
    }
    report.metadata(ofd_metadata(&package)?);
    Ok(report)
}

/// The `CustomData` entries of `OFD.xml`'s `DocInfo`.
fn ofd_metadata(package: &package::Package) -> Result<Vec<MetadataEntry>> {
    let Some(entry) = package.file("OFD.xml") else {
        return Ok(Vec::new());
    };
    let doc = parse_xml("OFD.xml", entry)?;
    Ok(doc
        .descendants()
        .filter(|n| n.tag_name().name() == "CustomData")
        .map(|n| MetadataEntry {
            name: n.attribute("Name").unwrap_or_default().to_owned(),
            value: n.text().unwrap_or_default().to_owned(),
        })
        .collect())
}
