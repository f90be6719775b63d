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
//! within `package::Limits` while it inflates, XML within a node count, DER by the length
//! of the bytes it sits in. The report also carries the licence's metadata (GB/T 36903) as
//! the file states it, with its identifier's check character re-computed (GB/T 36904).

mod ofd;
mod pdf;

// Each format's verifier alone, for the fuzz targets; callers use `verify`.
pub use super::package::Limits;
#[cfg(feature = "stages")]
pub use ofd::verify_ofd_with;
#[cfg(feature = "stages")]
pub use pdf::verify_pdf_with;

use der::Encode;
use x509_cert::Certificate;

use super::certs::{self, Issued};
use super::keys::DEFAULT_SM2_ID;
use super::package;
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

pub(super) fn unreadable(message: impl std::fmt::Display) -> Error {
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
        pdf::verify_pdf_with(bytes, options)
    } else if bytes.starts_with(b"PK") {
        ofd::verify_ofd_with(bytes, options)
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

pub(super) fn find_all<'a>(haystack: &'a [u8], needle: &[u8]) -> impl Iterator<Item = usize> + 'a {
    let needle = needle.to_vec();
    (0..haystack.len().saturating_sub(needle.len() - 1))
        .rev()
        .filter(move |&i| haystack[i..].starts_with(&needle))
}

/// The certificate's validity at `time`.
pub(super) fn validity(report: &mut Report, certificate: &Certificate, time: std::time::Duration) {
    let v = &certificate.tbs_certificate.validity;
    let ok = time >= v.not_before.to_unix_duration() && time <= v.not_after.to_unix_duration();
    report.check("the certificate was valid at the signing time", ok, || {
        format!("valid {} to {}", v.not_before, v.not_after)
    });
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

pub(super) fn xml_options<'a>() -> roxmltree::ParsingOptions<'a> {
    roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_XML_NODES,
        ..Default::default()
    }
}
