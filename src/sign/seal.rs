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
//! What is and is not covered: the seal (`SESeal`) is made here from the seal's artwork and
//! signed by the signer's own key as its maker (制章者), since certpress holds no seal
//! system's key; a seal issued by a seal system (a `.esl` file) is not read yet. No
//! timestamp (`timeStamp` is optional). The SM2 signer ID is the spec's `signer_id`, by
//! default `1234567812345678`.

use base64::Engine as _;
use der::asn1::{
    BitString, GeneralizedTime, Ia5String, ObjectIdentifier as Oid, OctetString, Utf8StringRef,
};
use der::Encode;
use sm3::{Digest, Sm3};

use super::keys::{KeyKind, Signer};
use super::time::{self, SigningTime};
use crate::error::{Error, Result};

/// SM2 signature with SM3 (GM/T 0006).
pub const SM2_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
/// SM3 (GM/T 0006).
pub const SM3_OID: &str = "1.2.156.10197.1.401";

/// Where the seal goes and what it shows.
#[derive(Debug, Clone)]
pub struct SealOptions {
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
    base64::engine::general_purpose::STANDARD.encode(Sm3::digest(bytes))
}

/// Seals a finished OFD package with the signer's SM2 key.
pub fn seal(ofd: &[u8], signer: &Signer, options: &SealOptions) -> Result<Vec<u8>> {
    signer.require(&[KeyKind::Sm2], "the OFD's electronic seal (GB/T 38540)")?;
    let mut entries = super::package::read(ofd, &super::package::Limits::default())
        .map_err(failed)?
        .entries;
    if entries
        .iter()
        .any(|(name, _)| name.starts_with("Doc_0/Signs/"))
    {
        return Err(failed("the package is signed already"));
    }
    // OFD.xml points its document body at the signature list.
    let entry = entries
        .iter_mut()
        .find(|(name, _)| name == "OFD.xml")
        .ok_or_else(|| failed("no OFD.xml"))?;
    let text = String::from_utf8(entry.1.clone()).map_err(failed)?;
    let at = text
        .rfind("</ofd:DocBody>")
        .ok_or_else(|| failed("OFD.xml has no DocBody"))?;
    entry.1 = format!(
        "{}<ofd:Signatures>{SIGNATURES_XML}</ofd:Signatures>{}",
        &text[..at],
        &text[at..]
    )
    .into_bytes();

    let new_ofd_xml = entry.1.clone();
    let signature_xml = signature_xml(&entries, options);
    let signed_value = ses_signature(&signature_xml, signer, options)?;
    let list = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Signatures xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:MaxSignId>1</ofd:MaxSignId><ofd:Signature ID=\"1\" Type=\"Seal\" BaseLoc=\"/{SIGNATURE_XML}\"/></ofd:Signatures>"
    );
    // Every other file is copied as it is compressed: sealing recompresses nothing.
    crate::ofd::rewrite(
        ofd,
        &[("OFD.xml".into(), new_ofd_xml)],
        &[
            (SIGNATURES_XML.into(), list.into_bytes()),
            (SIGNATURE_XML.into(), signature_xml),
            (SIGNED_VALUE.into(), signed_value),
        ],
    )
}

/// `Signature.xml`: what is protected (every file but the signature's own), how, when,
/// and where the stamp shows.
fn signature_xml(entries: &[(String, Vec<u8>)], options: &SealOptions) -> Vec<u8> {
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
    for (name, bytes) in entries {
        x.push_str(&format!(
            "<ofd:Reference FileRef=\"/{}\"><ofd:CheckValue>{}</ofd:CheckValue></ofd:Reference>",
            escape(name),
            sm3_base64(bytes)
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
struct TbsSign<'a> {
    version: u32,
    eseal: SeSeal<'a>,
    time_info: GeneralizedTime,
    data_hash: BitString,
    property_info: Ia5String,
}

#[derive(der::Sequence)]
struct SesSignature<'a> {
    to_sign: TbsSign<'a>,
    cert: OctetString,
    signature_alg_id: Oid,
    signature: BitString,
}

/// The DER of the v4 `SES_Signature` over `signature_xml`.
fn ses_signature(signature_xml: &[u8], signer: &Signer, options: &SealOptions) -> Result<Vec<u8>> {
    let ia5 = |s: &str| Ia5String::new(s).map_err(failed);
    let octets = |b: &[u8]| OctetString::new(b.to_vec()).map_err(failed);
    let bits = |b: &[u8]| BitString::from_bytes(b).map_err(failed);
    let validity = &signer.certificate().tbs_certificate.validity;
    let when = time::generalized(options.time);
    let from = GeneralizedTime::from_unix_duration(validity.not_before.to_unix_duration())
        .map_err(failed)?;
    let until = GeneralizedTime::from_unix_duration(validity.not_after.to_unix_duration())
        .map_err(failed)?;
    // The seal's ID: derived from the certificate, so the same signer has the same seal.
    let es_id = format!("{:x}", Sm3::digest(signer.certificate_der()))[..32].to_uppercase();
    let seal_info = SesSealInfo {
        header: SesHeader {
            id: ia5("ES")?,
            version: 4,
            vid: ia5("certpress")?,
        },
        es_id: ia5(&es_id)?,
        property: SesPropertyInfo {
            // 1: an organisation's seal (单位印章).
            kind: 1,
            name: Utf8StringRef::new(&options.name).map_err(failed)?,
            cert_list_type: 1,
            cert_list: vec![octets(signer.certificate_der())?],
            create_date: from,
            valid_start: from,
            valid_end: until,
        },
        picture: SesPictureInfo {
            kind: ia5(&options.picture.1)?,
            data: octets(&options.picture.0)?,
            width: options.size_mm.0,
            height: options.size_mm.1,
        },
    };
    // The maker's signature over the seal's information: here the signer's own.
    let seal_signature = signer.sign(&seal_info.to_der().map_err(failed)?)?;
    let tbs = TbsSign {
        version: 4,
        eseal: SeSeal {
            eseal_info: seal_info,
            cert: octets(signer.certificate_der())?,
            sign_alg_id: SM2_SM3,
            signed_value: bits(&seal_signature)?,
        },
        time_info: when,
        data_hash: bits(&Sm3::digest(signature_xml))?,
        property_info: ia5(&format!("/{SIGNATURE_XML}"))?,
    };
    let tbs_der = tbs.to_der().map_err(failed)?;
    let signature = signer.sign(&tbs_der)?;
    SesSignature {
        to_sign: tbs,
        cert: octets(signer.certificate_der())?,
        signature_alg_id: SM2_SM3,
        signature: bits(&signature)?,
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

/// Reads a v4 `SESeal` from its DER.
pub fn parse_seal(der_bytes: &[u8]) -> std::result::Result<ParsedSeal, der::Error> {
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
