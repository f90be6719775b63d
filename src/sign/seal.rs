//! The issuing authority's electronic seal on an OFD: GB/T 38540-2020 (信息安全技术 安全电子
//! 签章密码技术规范) in an OFD package as GB/T 33190-2016 §18 (数字签名) places it.
//!
//! The package gets `Doc_0/Signs/Signatures.xml` (the list, `Type="Seal"`) and
//! `Doc_0/Signs/Sign_0/` holding:
//! - `Signature.xml`: `SignedInfo` with the provider, the signature method (SM2 with SM3,
//!   `1.2.156.10197.1.501`), the signing time, `References` (`CheckMethod` SM3,
//!   `1.2.156.10197.1.401`) with the SM3 digest of every other file of the package, base64,
//!   and the `StampAnnot` where the seal shows (the spec's seal element's box);
//! - `SignedValue.dat`: the DER of the v4 `SES_Signature`:
//!
//! ```text
//! SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING (the signer's X.509),
//!                              signatureAlgID OBJECT IDENTIFIER, signature BIT STRING }
//! TBS_Sign      ::= SEQUENCE { version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime,
//!                              dataHash BIT STRING (SM3 of Signature.xml),
//!                              propertyInfo IA5String (Signature.xml's path) }
//! SESeal        ::= SEQUENCE { esealInfo SES_SealInfo, cert OCTET STRING (the maker's),
//!                              signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
//! SES_SealInfo  ::= SEQUENCE { header SES_Header, esID IA5String,
//!                              property SES_ESPropertyInfo, picture SES_ESPictureInfo }
//! SES_Header    ::= SEQUENCE { id IA5String ("ES"), version INTEGER (4), vid IA5String }
//! SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER (1),
//!                              certList SEQUENCE OF OCTET STRING, createDate, validStart,
//!                              validEnd GeneralizedTime }
//! SES_ESPictureInfo  ::= SEQUENCE { type IA5String, data OCTET STRING,
//!                              width INTEGER, height INTEGER (mm) }
//! ```
//!
//! Sources: GB/T 38540-2020 §5–§7 as the public open-source implementations of it lay the
//! v4 structures out (ofdrw's `org.ofdrw.gm.ses.v4`, Apache-2.0; the `gm_0031_38540_verifier`
//! ASN.1 module), read to learn, not copied.
//!
//! The seal (`SESeal`) is one a seal system issued ([`Seal`], an `.esl` file, used as it
//! is), or, without one, made here from the seal's artwork and signed by the signer's own
//! key as its maker (制章者) ([`make_seal`], which also makes `.esl` files for authorities
//! trying certpress). No timestamp yet (`timeStamp` is optional). The SM2 signer ID is the
//! spec's `signer_id`, by default `1234567812345678`.

use base64::Engine as _;
use der::asn1::{
    BitString, GeneralizedTime, Ia5String, ObjectIdentifier as Oid, OctetString, Utf8StringRef,
};
use der::Encode;
use sm3::{Digest, Sm3};

use super::keys::{KeyKind, Signer};
use super::time::{self, SigningTime};
use crate::deflate::Compressors;
use crate::error::{Error, Result};
use crate::ofd::{Entry, Package};

/// SM2 signature with SM3 (GM/T 0006).
pub(crate) const SM2_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
/// SM3 (GM/T 0006).
pub(crate) const SM3_OID: &str = "1.2.156.10197.1.401";

/// Where the seal goes and what it shows.
#[derive(Debug, Clone)]
pub(crate) struct SealOptions {
    /// The seal's name (印章名称): the authority's.
    pub name: String,
    /// The seal's picture: its file's bytes and type (`PNG`, `SVG`, `JPG`).
    pub picture: (Vec<u8>, String),
    /// Its size on the sheet, mm.
    pub size_mm: (u32, u32),
    /// The stamp's box on page 1: `x y width height` in mm.
    pub boundary: [f64; 4],
    /// The signing time.
    pub time: SigningTime,
    /// The seal a seal system issued, used as it is; none: a seal made here from
    /// `picture`, the signer its own maker.
    pub seal: Option<Seal>,
    /// A time-stamping authority whose token over the signature goes into `timeStamp`.
    pub tsa: Option<super::tsa::Tsa>,
}

fn failed(message: impl std::fmt::Display) -> Error {
    Error::Render {
        message: format!("sealing the OFD failed: {message}"),
    }
}

/// The path of the signature's description in the package.
const SIGNATURE_XML: &str = "Doc_0/Signs/Sign_0/Signature.xml";
const SIGNED_VALUE: &str = "Doc_0/Signs/Sign_0/SignedValue.dat";
const SIGNATURES_XML: &str = "Doc_0/Signs/Signatures.xml";

/// SM3, base64, as `CheckValue` holds it.
pub(crate) fn sm3_base64(bytes: &[u8]) -> String {
    check_value(&Sm3::digest(bytes).into())
}

/// An SM3 digest in base64, as `CheckValue` holds it.
fn check_value(digest: &[u8; 32]) -> String {
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// Seals an OFD package's files with the signer's SM2 key, and zips them.
pub(crate) fn seal(
    package: Package,
    compressors: &Compressors,
    signer: &Signer,
    options: &SealOptions,
) -> Result<Vec<u8>> {
    signer.require(&[KeyKind::Sm2], "the OFD's electronic seal (GB/T 38540)")?;
    let mut entries = package.entries;
    // OFD.xml points its document body at the signature list.
    let entry = entries
        .iter_mut()
        .find(|entry| entry.name == "OFD.xml")
        .ok_or_else(|| failed("no OFD.xml"))?;
    let text = std::str::from_utf8(&entry.bytes).map_err(failed)?;
    let at = text
        .rfind("</ofd:DocBody>")
        .ok_or_else(|| failed("OFD.xml has no DocBody"))?;
    let with_signatures = format!(
        "{}<ofd:Signatures>{SIGNATURES_XML}</ofd:Signatures>{}",
        &text[..at],
        &text[at..]
    );
    entry.bytes = with_signatures.into_bytes().into();

    let signature_xml = signature_xml(&entries, options);
    let signed_value = ses_signature(&signature_xml, signer, options)?;
    let list = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Signatures xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:MaxSignId>1</ofd:MaxSignId><ofd:Signature ID=\"1\" Type=\"Seal\" BaseLoc=\"/{SIGNATURE_XML}\"/></ofd:Signatures>"
    );
    entries.push(Entry::new(SIGNATURES_XML, list.into_bytes()));
    entries.push(Entry::new(SIGNATURE_XML, signature_xml));
    // DER around the stamp's PNG: deflate finds nothing to take out.
    entries.push(Entry::compressed(SIGNED_VALUE, signed_value));
    // The files made once for the spec (the template page) are copied as they are
    // compressed: sealing recompresses nothing of them.
    Package { entries }.zip(compressors)
}

/// `Signature.xml`: what is protected (every file but the signature's own), how, when,
/// and where the stamp shows.
fn signature_xml(entries: &[Entry], options: &SealOptions) -> Vec<u8> {
    let escape = |s: &str| quick_xml::escape::escape(s).into_owned();
    let d = time::iso(options.time);
    // GB/T 33190's SignatureDateTime: yyyyMMddHHmmssZ.
    let stamp = format!(
        "{}{}{}{}{}{}Z",
        &d[0..4],
        &d[5..7],
        &d[8..10],
        &d[11..13],
        &d[14..16],
        &d[17..19]
    );
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    x.push_str("<ofd:Signature xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:SignedInfo>");
    x.push_str(&format!(
        "<ofd:Provider ProviderName=\"certpress\" Version=\"{}\" Company=\"certpress\"/>",
        env!("CARGO_PKG_VERSION")
    ));
    x.push_str(&format!(
        "<ofd:SignatureMethod>{SM2_SM3}</ofd:SignatureMethod>"
    ));
    x.push_str(&format!(
        "<ofd:SignatureDateTime>{stamp}</ofd:SignatureDateTime>"
    ));
    x.push_str(&format!("<ofd:References CheckMethod=\"{SM3_OID}\">"));
    for entry in entries {
        // A file made once for the spec is hashed once.
        let digest = match &entry.shared {
            Some(shared) => *shared
                .seal_digest
                .get_or_init(|| Sm3::digest(&entry.bytes).into()),
            None => Sm3::digest(&entry.bytes).into(),
        };
        x.push_str(&format!(
            "<ofd:Reference FileRef=\"/{}\"><ofd:CheckValue>{}</ofd:CheckValue></ofd:Reference>",
            escape(&entry.name),
            check_value(&digest)
        ));
    }
    x.push_str("</ofd:References>");
    let [bx, by, bw, bh] = options.boundary;
    x.push_str(&format!(
        "<ofd:StampAnnot ID=\"1\" PageRef=\"1\" Boundary=\"{} {} {} {}\"/>",
        crate::ofd::num(bx),
        crate::ofd::num(by),
        crate::ofd::num(bw),
        crate::ofd::num(bh)
    ));
    x.push_str(&format!(
        "</ofd:SignedInfo><ofd:SignedValue>/{SIGNED_VALUE}</ofd:SignedValue></ofd:Signature>"
    ));
    x.into_bytes()
}

#[derive(der::Sequence)]
struct SesHeader {
    id: Ia5String,
    version: u32,
    vid: Ia5String,
}

#[derive(der::Sequence)]
struct SesPropertyInfo<'a> {
    kind: u32,
    name: Utf8StringRef<'a>,
    cert_list_type: u32,
    cert_list: Vec<OctetString>,
    create_date: GeneralizedTime,
    valid_start: GeneralizedTime,
    valid_end: GeneralizedTime,
}

#[derive(der::Sequence)]
struct SesPictureInfo {
    kind: Ia5String,
    data: OctetString,
    width: u32,
    height: u32,
}

#[derive(der::Sequence)]
struct SesSealInfo<'a> {
    header: SesHeader,
    es_id: Ia5String,
    property: SesPropertyInfo<'a>,
    picture: SesPictureInfo,
}

#[derive(der::Sequence)]
struct SeSeal<'a> {
    eseal_info: SesSealInfo<'a>,
    cert: OctetString,
    sign_alg_id: Oid,
    signed_value: BitString,
}

#[derive(der::Sequence)]
struct TbsSign {
    version: u32,
    eseal: der::Any,
    time_info: GeneralizedTime,
    data_hash: BitString,
    property_info: Ia5String,
}

#[derive(der::Sequence)]
struct SesSignature {
    to_sign: TbsSign,
    cert: OctetString,
    signature_alg_id: Oid,
    signature: BitString,
    /// `timeStamp [0] EXPLICIT BIT STRING OPTIONAL`: an RFC 3161 token over `signature`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    time_stamp: Option<BitString>,
}

/// What a seal says: the fields of `SES_SealInfo` a maker fills.
#[derive(Debug, Clone)]
pub struct SealSpec {
    /// The seal's name (印章名称).
    pub name: String,
    /// Its ID (`esID`), unique in the seal system.
    pub es_id: String,
    /// Its type: 1 an organisation's seal (单位印章), 2 a person's (个人印章).
    pub kind: u32,
    /// Valid from and until.
    pub valid: (SigningTime, SigningTime),
    /// Its picture: bytes and type (`PNG`, `JPG`).
    pub picture: (Vec<u8>, String),
    /// The picture's size on the sheet, mm.
    pub size_mm: (u32, u32),
    /// The certificates (DER) of the signers the seal authorises.
    pub signers: Vec<Vec<u8>>,
}

/// A v4 `SESeal` as a seal system (制章系统) makes one: `spec`'s information, signed
/// by `maker` (SM2 with SM3), the maker's certificate inside. What a `.esl` file holds.
pub fn make_seal(maker: &Signer, spec: &SealSpec) -> Result<Vec<u8>> {
    maker.require(&[KeyKind::Sm2], "a seal's maker signature (GB/T 38540)")?;
    let ia5 = |s: &str| Ia5String::new(s).map_err(failed);
    let octets = |b: &[u8]| OctetString::new(b.to_vec()).map_err(failed);
    let seal_info = SesSealInfo {
        header: SesHeader {
            id: ia5("ES")?,
            version: 4,
            vid: ia5("certpress")?,
        },
        es_id: ia5(&spec.es_id)?,
        property: SesPropertyInfo {
            kind: spec.kind,
            name: Utf8StringRef::new(&spec.name).map_err(failed)?,
            cert_list_type: 1,
            cert_list: spec
                .signers
                .iter()
                .map(|c| octets(c))
                .collect::<Result<_>>()?,
            create_date: time::generalized(spec.valid.0),
            valid_start: time::generalized(spec.valid.0),
            valid_end: time::generalized(spec.valid.1),
        },
        picture: SesPictureInfo {
            kind: ia5(&spec.picture.1)?,
            data: octets(&spec.picture.0)?,
            width: spec.size_mm.0,
            height: spec.size_mm.1,
        },
    };
    let signature = maker.sign_once(&seal_info.to_der().map_err(failed)?)?;
    SeSeal {
        eseal_info: seal_info,
        cert: octets(maker.certificate_der())?,
        sign_alg_id: SM2_SM3,
        signed_value: BitString::from_bytes(&signature).map_err(failed)?,
    }
    .to_der()
    .map_err(failed)
}

/// A seal's picture from a file: a PNG or JPEG as it is (decoded once to prove it is
/// one), SVG artwork rasterised at 600 dpi into `size_mm` in `rgb` on a transparent
/// ground (readers draw no SVG stamp). Returns the bytes and their type (`PNG`, `JPG`).
pub fn picture_file(
    path: &std::path::Path,
    size_mm: (u32, u32),
    rgb: [u8; 3],
) -> Result<(Vec<u8>, String)> {
    let bad = |message: String| Error::Options {
        message: format!("the seal's picture {}: {message}", path.display()),
    };
    let svg = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if svg {
        let asset = crate::assets::SvgAsset::load(path).map_err(bad)?;
        let png = crate::raster::stamp::svg_png(
            &asset,
            (f64::from(size_mm.0), f64::from(size_mm.1)),
            rgb,
            crate::raster::stamp::STAMP_DPI,
        )?;
        return Ok((png, "PNG".into()));
    }
    let bytes = crate::bitmap::read_picture_file(path).map_err(bad)?;
    crate::bitmap::Bitmap::decode(&bytes).map_err(bad)?;
    let kind = match crate::bitmap::sniff(&bytes).map_err(bad)? {
        crate::bitmap::Format::Png => "PNG",
        crate::bitmap::Format::Jpeg => "JPG",
    };
    Ok((bytes, kind.into()))
}

/// The largest seal file read: a seal is its picture and a few certificates.
const MAX_SEAL_BYTES: usize = 4 << 20;

/// A seal a seal system issued (an `.esl` file, the DER of a v4 `SESeal`), read and
/// parsed; its bytes go into every signature as they are.
#[derive(Debug, Clone)]
pub struct Seal {
    /// The file's bytes.
    pub der: Vec<u8>,
    /// What it says.
    pub parsed: ParsedSeal,
}

fn unreadable_seal(message: impl std::fmt::Display) -> Error {
    Error::Unreadable {
        what: "the seal (.esl)".into(),
        message: message.to_string(),
    }
}

impl Seal {
    /// Reads a seal from its bytes: at most 4 MiB, a v4 `SESeal` with nothing after it.
    pub fn read(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_SEAL_BYTES {
            return Err(unreadable_seal(format!(
                "{} bytes, over the limit of {} MiB",
                bytes.len(),
                MAX_SEAL_BYTES >> 20
            )));
        }
        let parsed = parse_seal(bytes)
            .map_err(|e| unreadable_seal(format!("not a GB/T 38540 v4 SESeal: {e}")))?;
        Ok(Self {
            der: bytes.to_vec(),
            parsed,
        })
    }

    /// Reads a seal file, refusing one over the limit before reading it.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        use std::io::Read as _;
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut bytes = Vec::new();
        file.take(MAX_SEAL_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        Self::read(&bytes)
    }

    /// The maker's certificate.
    pub fn maker(&self) -> Result<x509_cert::Certificate> {
        self.parsed.maker()
    }

    /// Whether the maker's signature over the seal's information holds.
    pub fn maker_signature_holds(&self) -> bool {
        self.parsed.maker_signature_holds()
    }

    /// Whether the seal authorises the signer whose certificate is `certificate`.
    pub fn authorises(&self, certificate: &[u8]) -> bool {
        self.parsed.authorises(certificate)
    }

    /// Whether the seal is valid at `time`.
    pub fn valid_at(&self, time: SigningTime) -> bool {
        self.parsed.valid_at(time)
    }

    /// Refuses to seal with this seal for `signer` at `time`: a maker signature that does
    /// not hold, a signer the seal does not authorise, a time outside its validity.
    pub fn check_for(&self, signer: &Signer, time: SigningTime) -> Result<()> {
        let refuse = |message: String| Error::Options { message };
        if !self.maker_signature_holds() {
            return Err(refuse(format!(
                "the seal `{}` ({}): its maker's signature does not hold; the seal was altered, or was not made by the certificate it carries",
                self.parsed.name, self.parsed.es_id
            )));
        }
        if !self.authorises(signer.certificate_der()) {
            return Err(refuse(format!(
                "the seal `{}` ({}) does not authorise the signer {}: sign with a key whose certificate the seal lists, or have the seal system add it",
                self.parsed.name,
                self.parsed.es_id,
                signer.subject()
            )));
        }
        if !self.valid_at(time) {
            return Err(refuse(format!(
                "the seal `{}` ({}) is valid {} to {}, not at the signing time {}",
                self.parsed.name,
                self.parsed.es_id,
                self.parsed.valid.0,
                self.parsed.valid.1,
                time::iso(time)
            )));
        }
        Ok(())
    }
}

/// The DER of the v4 `SES_Signature` over `signature_xml`: with the seal a seal system
/// issued, as it is, when `options.seal` gives one; else a seal made here from the seal's
/// artwork, the signer its own maker.
fn ses_signature(signature_xml: &[u8], signer: &Signer, options: &SealOptions) -> Result<Vec<u8>> {
    use der::Decode as _;
    let ia5 = |s: &str| Ia5String::new(s).map_err(failed);
    let octets = |b: &[u8]| OctetString::new(b.to_vec()).map_err(failed);
    let bits = |b: &[u8]| BitString::from_bytes(b).map_err(failed);
    let seal_der = match &options.seal {
        Some(seal) => seal.der.clone(),
        None => {
            let validity = &signer.certificate().tbs_certificate.validity;
            // The seal's ID: derived from the certificate, so the same signer has the
            // same seal.
            let es_id = format!("{:x}", Sm3::digest(signer.certificate_der()))[..32].to_uppercase();
            make_seal(
                signer,
                &SealSpec {
                    name: options.name.clone(),
                    es_id,
                    kind: 1,
                    valid: (
                        validity.not_before.to_unix_duration(),
                        validity.not_after.to_unix_duration(),
                    ),
                    picture: options.picture.clone(),
                    size_mm: options.size_mm,
                    signers: vec![signer.certificate_der().to_vec()],
                },
            )?
        }
    };
    let tbs = TbsSign {
        version: 4,
        eseal: der::Any::from_der(&seal_der).map_err(failed)?,
        time_info: time::generalized(options.time),
        data_hash: bits(&Sm3::digest(signature_xml))?,
        property_info: ia5(&format!("/{SIGNATURE_XML}"))?,
    };
    let tbs_der = tbs.to_der().map_err(failed)?;
    // Everything before the time is the same for every licence the seal seals.
    let tail = [
        tbs.time_info.encoded_len(),
        tbs.data_hash.encoded_len(),
        tbs.property_info.encoded_len(),
    ]
    .into_iter()
    .try_fold(0usize, |sum, len| {
        Ok::<_, der::Error>(sum + usize::try_from(len?)?)
    })
    .map_err(failed)?;
    let signature = signer.sign_with_prefix(&tbs_der, tbs_der.len().saturating_sub(tail))?;
    let time_stamp = match &options.tsa {
        Some(tsa) => Some(bits(&tsa.stamp(&signature)?)?),
        None => None,
    };
    SesSignature {
        to_sign: tbs,
        cert: octets(signer.certificate_der())?,
        signature_alg_id: SM2_SM3,
        signature: bits(&signature)?,
        time_stamp,
    }
    .to_der()
    .map_err(failed)
}

/// A `SESeal` as read: what its maker signed, and what it says.
#[derive(Debug, Clone)]
pub struct ParsedSeal {
    /// The DER of `SES_SealInfo`, exactly as the maker signed it.
    pub info_der: Vec<u8>,
    /// The seal's ID (`esID`).
    pub es_id: String,
    /// The seal's type (1: an organisation's seal).
    pub kind: u32,
    /// The seal's name.
    pub name: String,
    /// 1: `cert_list` holds certificates; 2: digests of certificates.
    pub cert_list_type: u32,
    /// The signers the seal authorises: certificates' DER, or `(algorithm, digest)`
    /// pairs' digests when `cert_list_type` is 2.
    pub cert_list: Vec<Vec<u8>>,
    /// The digest algorithm of each entry of a type-2 list.
    pub digest_types: Vec<String>,
    /// Valid from and until.
    pub valid: (der::DateTime, der::DateTime),
    /// The picture's type (`PNG`, `JPG`, …), its bytes and size in mm.
    pub picture: (String, Vec<u8>, u32, u32),
    /// The maker's (制章者) certificate.
    pub maker_certificate: Vec<u8>,
    /// The maker's signature algorithm (an OID) and signature over `info_der`.
    pub maker_signature: (String, Vec<u8>),
}

impl ParsedSeal {
    /// The maker's certificate.
    pub fn maker(&self) -> Result<x509_cert::Certificate> {
        use der::Decode;
        x509_cert::Certificate::from_der(&self.maker_certificate)
            .map_err(|e| unreadable_seal(format!("the maker's certificate: {e}")))
    }

    /// Whether the maker's signature over the seal's information holds.
    pub fn maker_signature_holds(&self) -> bool {
        self.maker().is_ok_and(|maker| {
            super::certs::verify_with(
                &maker,
                &self.maker_signature.0,
                &self.info_der,
                &self.maker_signature.1,
            )
            .unwrap_or(false)
        })
    }

    /// Whether the seal authorises the signer whose certificate is `certificate` (its
    /// list of certificates, or of their SM3 or SHA-256 digests).
    pub fn authorises(&self, certificate: &[u8]) -> bool {
        match self.cert_list_type {
            1 => self.cert_list.iter().any(|c| c == certificate),
            2 => self
                .cert_list
                .iter()
                .zip(&self.digest_types)
                .any(|(d, kind)| {
                    use sha2::Digest as _;
                    let kind = kind.to_ascii_lowercase();
                    (kind.contains("sm3") && d[..] == Sm3::digest(certificate)[..])
                        || (kind.contains("sha256")
                            && d[..] == sha2::Sha256::digest(certificate)[..])
                }),
            _ => false,
        }
    }

    /// Whether the seal is valid at `time`.
    pub fn valid_at(&self, time: SigningTime) -> bool {
        let (from, until) = self.valid;
        time >= from.unix_duration() && time <= until.unix_duration()
    }
}

/// Reads a v4 `SESeal` from its DER.
pub(crate) fn parse_seal(der_bytes: &[u8]) -> std::result::Result<ParsedSeal, der::Error> {
    use der::{Decode, Reader, SliceReader};
    let mut reader = SliceReader::new(der_bytes)?;
    reader.sequence(|seal| {
        let info = der::Any::decode(seal)?;
        let info_der = info.to_der()?;
        let maker_certificate = OctetString::decode(seal)?.as_bytes().to_vec();
        let algorithm = Oid::decode(seal)?.to_string();
        let signature = BitString::decode(seal)?.raw_bytes().to_vec();
        let r = &mut SliceReader::new(info.value())?;
        let _header = der::Any::decode(r)?;
        let es_id = Ia5String::decode(r)?.to_string();
        let property = der::Any::decode(r)?;
        let picture = der::Any::decode(r)?;
        let p = &mut SliceReader::new(property.value())?;
        let kind = u32::decode(p)?;
        let name = der::asn1::Utf8StringRef::decode(p)?.to_string();
        let cert_list_type = u32::decode(p)?;
        let list = der::Any::decode(p)?;
        let (mut cert_list, mut digest_types) = (Vec::new(), Vec::new());
        let l = &mut SliceReader::new(list.value())?;
        while !l.is_finished() {
            if cert_list_type == 2 {
                let (kind, value) = l.sequence(|obj| {
                    let kind = der::asn1::PrintableStringRef::decode(obj)?.to_string();
                    let value = OctetString::decode(obj)?.as_bytes().to_vec();
                    Ok((kind, value))
                })?;
                digest_types.push(kind);
                cert_list.push(value);
            } else {
                cert_list.push(OctetString::decode(l)?.as_bytes().to_vec());
            }
        }
        let _created = GeneralizedTime::decode(p)?;
        let valid_start = GeneralizedTime::decode(p)?.to_date_time();
        let valid_end = GeneralizedTime::decode(p)?.to_date_time();
        let q = &mut SliceReader::new(picture.value())?;
        let picture_type = Ia5String::decode(q)?.to_string();
        let picture_data = OctetString::decode(q)?.as_bytes().to_vec();
        let width = u32::decode(q)?;
        let height = u32::decode(q)?;
        Ok(ParsedSeal {
            info_der,
            es_id,
            kind,
            name,
            cert_list_type,
            cert_list,
            digest_types,
            valid: (valid_start, valid_end),
            picture: (picture_type, picture_data, width, height),
            maker_certificate,
            maker_signature: (algorithm, signature),
        })
    })
}

/// The TBS_Sign's DER, the signature, and the signer's certificate of a `SignedValue.dat`:
/// what a verifier checks.
pub(crate) struct ParsedSignature {
    /// The seal inside the signed part.
    pub seal: ParsedSeal,
    /// The RFC 3161 token over the signature, when there is one.
    pub time_stamp: Option<Vec<u8>>,
    pub tbs_der: Vec<u8>,
    pub data_hash: Vec<u8>,
    pub property_info: String,
    pub time: der::DateTime,
    pub certificate: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Reads a `SignedValue.dat` (v4 `SES_Signature`), keeping the TBS bytes exactly as signed.
pub(crate) fn parse(signed_value: &[u8]) -> Result<ParsedSignature> {
    use der::{Decode, Reader, SliceReader};
    let bad = |e: der::Error| Error::Render {
        message: format!("SignedValue.dat is not a GB/T 38540 SES_Signature: {e}"),
    };
    let mut reader = SliceReader::new(signed_value).map_err(bad)?;
    reader
        .sequence(|outer| {
            let tbs_any = der::Any::decode(outer)?;
            let tbs_der = tbs_any.to_der()?;
            let cert = OctetString::decode(outer)?;
            let _alg = Oid::decode(outer)?;
            let signature = BitString::decode(outer)?;
            // timeStamp [0] EXPLICIT BIT STRING OPTIONAL
            let time_stamp = der::asn1::ContextSpecific::<BitString>::decode_explicit(
                outer,
                der::TagNumber::N0,
            )?
            .map(|c| c.value.raw_bytes().to_vec());
            let (seal, data_hash, property_info, time) = {
                let r = &mut SliceReader::new(tbs_any.value())?;
                let _version = u32::decode(r)?;
                let eseal = der::Any::decode(r)?;
                let seal = parse_seal(&eseal.to_der()?)?;
                let time = GeneralizedTime::decode(r)?;
                let hash = BitString::decode(r)?;
                let property = Ia5String::decode(r)?;
                // Optional extension data may follow.
                while !r.is_finished() {
                    der::Any::decode(r)?;
                }
                (
                    seal,
                    hash.raw_bytes().to_vec(),
                    property.to_string(),
                    time.to_date_time(),
                )
            };
            Ok(ParsedSignature {
                time_stamp,
                seal,
                tbs_der,
                data_hash,
                property_info,
                time,
                certificate: cert.as_bytes().to_vec(),
                signature: signature.raw_bytes().to_vec(),
            })
        })
        .map_err(bad)
}
