//! Checks a signed licence: a PDF with a PAdES signature or an OFD with a GB/T 38540 seal.
//!
//! What "intact" means here: every digest holds, the signature verifies, and the
//! certificate that verifies it is bound to the signature (PAdES: the ESS
//! signing-certificate-v2 hash and the signer identifier name it; the OFD: the signed seal
//! lists it, and the seal's maker signature holds), each certificate's own signature holds
//! against its issuer when the file carries it (or itself, when self-signed), and the
//! certificates were valid at the signing time. Whether the signer is *trusted* is a
//! separate statement, made only against roots the caller names ([`VerifyOptions::roots`]).
//!
//! The input is anyone's file: its size is bounded before it is read, the OFD package
//! within [`package::Limits`] while it inflates, XML within a node count, DER by the length
//! of the bytes it sits in. The report also carries the licence's metadata (GB/T 36903) as
//! the file states it, with its identifier's check character re-computed (GB/T 36904).

use der::{Decode, Encode, SliceReader};
use sha2::{Digest as _, Sha256};
use sm3::Sm3;
use x509_cert::Certificate;

use super::certs::{self, Issued};
use super::keys::DEFAULT_SM2_ID;
use super::package::{self, Limits};
use super::seal;
use crate::error::{Error, Result};

/// The largest file `verify` reads: a licence is a few MB at most.
pub const MAX_FILE: u64 = 50 << 20;

/// XML nodes in one file of an OFD package: a licence page has a few thousand.
const MAX_XML_NODES: u32 = 200_000;

/// `/ByteRange` candidates tried, from the end of the file.
const MAX_BYTE_RANGE_CANDIDATES: usize = 64;

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

/// One metadata entry as the file states it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MetadataEntry {
    /// Its name as the file gives it (`证照编号` in an OFD, `licenceNumber` in a PDF's XMP).
    pub name: String,
    /// Its value.
    pub value: String,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// The kind of signature (`PAdES` or `GB/T 38540 seal`).
    pub kind: String,
    /// The signer's certificate subject: the certificate that verifies the signature and
    /// is bound to it (see the checks).
    pub signer: String,
    /// The signing time, ISO 8601.
    pub signed_at: String,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// Whether the signer's certificate chains to a trusted root; `None` when no root was
    /// given, which says nothing either way.
    pub trusted: Option<bool>,
    /// The trust finding in words: the root reached, where the chain ended, or why no
    /// trust was judged.
    pub trust: String,
    /// The licence's metadata as the file states it.
    pub metadata: Vec<MetadataEntry>,
    /// An OFD's seal: what it says (its maker's signature and the signer's authorisation
    /// are among the checks).
    pub seal: Option<SealInfo>,
    /// The RFC 3161 timestamp of the signature, when it has one (its check is among the
    /// checks): the time a TSA vouches for, and the TSA.
    pub timestamp: Option<super::tsa::TokenInfo>,
}

/// What an OFD's seal says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SealInfo {
    /// 印章名称.
    pub name: String,
    /// Its ID (esID).
    pub es_id: String,
    /// Its maker's certificate subject.
    pub maker: String,
    /// Valid from and until, as the seal says.
    pub valid: (String, String),
    /// Whether its maker is the signer itself: a seal made by certpress from artwork,
    /// rather than one a seal system issued.
    pub made_by_signer: bool,
}

impl Report {
    fn new(kind: &str) -> Self {
        Self {
            kind: kind.into(),
            signer: String::new(),
            signed_at: String::new(),
            checks: Vec::new(),
            trusted: None,
            trust: "not judged: no trusted root given (--trust ROOT.pem)".into(),
            metadata: Vec::new(),
            seal: None,
            timestamp: None,
        }
    }

    /// Every file the signature description references, by its SM3; and none added.
    fn files_unchanged(
        &mut self,
        package: &package::Package,
        description: &roxmltree::Document<'_>,
    ) {
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
            let actual = package.file(&name).map(seal::sm3_base64);
            self.check(
                format!("{name} is unchanged (SM3)"),
                actual.as_deref() == Some(expected.as_str()),
                || match actual {
                    None => "the file is gone".into(),
                    Some(_) => "its content was changed after sealing".into(),
                },
            );
            referenced.push(name.trim_start_matches('/').to_owned());
        }
        let added: Vec<&str> = package
            .entries
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !n.starts_with("Doc_0/Signs/") && !referenced.iter().any(|r| r == n))
            .collect();
        self.check("no file was added after sealing", added.is_empty(), || {
            added.join(", ")
        });
    }

    /// The seal inside the signed part: it authorises the signer, its maker's signature
    /// holds, it was valid at the signing time. Returns the maker's certificate.
    fn seal_holds(&mut self, parsed: &seal::ParsedSignature) -> Result<Certificate> {
        // The signer must be one the seal authorises: the seal (inside the signed part) lists
        // its signers' certificates, or their digests.
        let seal = &parsed.seal;
        let authorised = seal.authorises(&parsed.certificate);
        self.check(
            "the seal authorises the signer's certificate (its certificate list)",
            authorised,
            || {
                format!(
                    "the signed seal `{}` lists {} other certificate(s): the certificate beside the signature was replaced, or the signer may not use this seal",
                    seal.name,
                    seal.cert_list.len()
                )
            },
        );
        let maker = seal.maker().map_err(|e| unreadable(e.to_string()))?;
        let made = seal.maker_signature_holds();
        self.check(
            format!(
                "the seal's maker signature holds (made by {})",
                maker.tbs_certificate.subject
            ),
            made,
            || {
                "the seal's information does not match its maker's signature: the seal was altered"
                    .into()
            },
        );
        let time = parsed.time.unix_duration();
        self.check(
            "the seal was valid at the signing time",
            seal.valid_at(time),
            || format!("valid {} to {}", seal.valid.0, seal.valid.1),
        );
        self.seal = Some(SealInfo {
            name: seal.name.clone(),
            es_id: seal.es_id.clone(),
            maker: maker.tbs_certificate.subject.to_string(),
            valid: (seal.valid.0.to_string(), seal.valid.1.to_string()),
            made_by_signer: seal.maker_certificate == parsed.certificate,
        });
        Ok(maker)
    }

    /// Checks a timestamp token over `signature` and reports it.
    fn timestamp(&mut self, token: &[u8], signature: &[u8]) {
        match super::tsa::check(token, signature, None) {
            Ok(info) => {
                self.check(
                    format!(
                        "the timestamp holds (RFC 3161, {} at {})",
                        info.tsa, info.time
                    ),
                    true,
                    String::new,
                );
                self.timestamp = Some(info);
            }
            Err(why) => self.check("the timestamp holds (RFC 3161)", false, || why),
        }
    }

    /// Whether nothing was changed and the named signer is the one that signed: every
    /// check held. Says nothing of trust ([`Report::trusted`]).
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

    /// Each certificate's own signature, against an issuer among `all` (or itself).
    fn certificates_issued(&mut self, labelled: &[(&str, &Certificate)], all: &[Certificate]) {
        let mut absent = Vec::new();
        for (label, certificate) in labelled {
            let subject = certificate.tbs_certificate.subject.to_string();
            match certs::issued(certificate, all) {
                Issued::SelfSigned => self.check(
                    format!("the {label}'s certificate holds (self-signed: {subject})"),
                    true,
                    String::new,
                ),
                Issued::By(issuer) => self.check(
                    format!("the {label}'s certificate holds (issued by {issuer})"),
                    true,
                    String::new,
                ),
                Issued::Broken(why) => self.check(
                    format!("the {label}'s certificate holds ({subject})"),
                    false,
                    || format!("{why}: the certificate was altered or forged"),
                ),
                Issued::IssuerAbsent(issuer) => absent.push(format!(
                    "the {label}'s certificate's issuer ({issuer}) is not in the file"
                )),
            }
        }
        if !absent.is_empty() && self.trusted.is_none() {
            self.trust = format!("{}; {}", self.trust, absent.join("; "));
        }
    }

    /// Judges trust: the signer's certificate chained through `intermediates` to `roots`.
    fn judge_trust(
        &mut self,
        signer: &Certificate,
        intermediates: &[Certificate],
        roots: &[Certificate],
    ) {
        if roots.is_empty() {
            return;
        }
        match certs::chain_to(signer, intermediates, roots) {
            Ok(root) => {
                self.trusted = Some(true);
                self.trust = format!("trusted: the signer's certificate chains to {root}");
            }
            Err(why) => {
                self.trusted = Some(false);
                self.trust = format!("NOT trusted: {why}");
            }
        }
    }

    /// The metadata, with the identifier's check character re-computed.
    fn metadata(&mut self, entries: Vec<MetadataEntry>) {
        if let Some(id) = entries
            .iter()
            .find(|e| e.name == "证照标识" || e.name == "identifier")
        {
            let value = id.value.clone();
            self.check(
                "the licence identifier (证照标识) is well formed and its check character holds (GB/T 36904)",
                crate::identifier::verify(&value),
                || format!("{value} does not check"),
            );
        }
        self.metadata = entries;
    }
}

/// How to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The SM2 signer ID an OFD seal was signed with.
    pub sm2_id: String,
    /// Roots to judge trust against; none: trust is not judged.
    pub roots: Vec<Certificate>,
    /// Bounds of an OFD package.
    pub limits: Limits,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            sm2_id: DEFAULT_SM2_ID.into(),
            roots: Vec::new(),
            limits: Limits::default(),
        }
    }
}

fn unreadable(message: impl std::fmt::Display) -> Error {
    Error::Unreadable {
        what: "the file to verify".into(),
        message: message.to_string(),
    }
}

/// Verifies a signed PDF or OFD (told apart by their first bytes), with default options.
/// An error means the file could not be read as either, or passed a limit; a report with
/// a failed check means it was changed, or its certificates do not bind.
pub fn verify(bytes: &[u8]) -> Result<Report> {
    verify_with(bytes, &VerifyOptions::default())
}

/// [`verify`] with options: the SM2 signer ID, trusted roots, package limits.
pub fn verify_with(bytes: &[u8], options: &VerifyOptions) -> Result<Report> {
    if bytes.len() as u64 > MAX_FILE {
        return Err(unreadable(format!(
            "{} bytes, over the limit of {} MiB",
            bytes.len(),
            MAX_FILE >> 20
        )));
    }
    if bytes.starts_with(b"%PDF-") {
        verify_pdf_with(bytes, options)
    } else if bytes.starts_with(b"PK") {
        verify_ofd_with(bytes, options)
    } else {
        Err(unreadable("neither a PDF nor an OFD package"))
    }
}

/// Reads a file to verify, refusing one over [`MAX_FILE`] before reading it.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(unreadable(format!(
            "{} is over the limit of {} MiB",
            path.display(),
            MAX_FILE >> 20
        )));
    }
    Ok(bytes)
}

fn find_all<'a>(haystack: &'a [u8], needle: &[u8]) -> impl Iterator<Item = usize> + 'a {
    let needle = needle.to_vec();
    (0..haystack.len().saturating_sub(needle.len() - 1))
        .rev()
        .filter(move |&i| haystack[i..].starts_with(&needle))
}

/// The certificate's validity at `time`.
fn validity(report: &mut Report, certificate: &Certificate, time: std::time::Duration) {
    let v = &certificate.tbs_certificate.validity;
    let ok = time >= v.not_before.to_unix_duration() && time <= v.not_after.to_unix_duration();
    report.check("the certificate was valid at the signing time", ok, || {
        format!("valid {} to {}", v.not_before, v.not_after)
    });
}

/// A PAdES signature, with default options.
pub fn verify_pdf(pdf: &[u8]) -> Result<Report> {
    verify_pdf_with(pdf, &VerifyOptions::default())
}

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
    let labelled: Vec<(&str, &Certificate)> = carried
        .iter()
        .map(|c| {
            let signer = c.to_der().ok().as_deref() == Some(&certificate_der[..]);
            (if signer { "signer" } else { "chain" }, c)
        })
        .collect();
    let mut at_hand = carried.clone();
    at_hand.extend(options.roots.iter().cloned());
    report.judge_trust(&certificate, &carried, &options.roots);
    report.certificates_issued(&labelled, &at_hand);

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
            report.signed_at = super::time::iso(time);
            validity(&mut report, &certificate, time);
        }
        None => report.check("the signature has its signing time (/M)", false, || {
            "none found after the signature's contents".into()
        }),
    }
    report.metadata(pdf_metadata(pdf));
    Ok(report)
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

fn xml_options<'a>() -> roxmltree::ParsingOptions<'a> {
    roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_XML_NODES,
        ..Default::default()
    }
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
    super::time::parse(&iso).ok()
}

/// A GB/T 38540 seal on an OFD, with default options but the SM2 signer ID.
pub fn verify_ofd(ofd: &[u8], sm2_id: &str) -> Result<Report> {
    verify_ofd_with(
        ofd,
        &VerifyOptions {
            sm2_id: sm2_id.into(),
            ..VerifyOptions::default()
        },
    )
}

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
    report.signed_at = super::time::iso(time);
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

/// SM2 verification of a DER `SEQUENCE { r, s }` signature.
pub(crate) fn sm2_verify(
    certificate: &Certificate,
    sm2_id: &str,
    message: &[u8],
    signature: &[u8],
) -> bool {
    use signature::Verifier as _;
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
