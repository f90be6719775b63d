//! Trusted time from a time-stamping authority (RFC 3161): a signature's value sent as a
//! SHA-256 imprint, the token checked before it is used, and checked again by `verify`.
//!
//! The request goes over HTTP/1.1 (`application/timestamp-query`, with a nonce and a
//! request for the TSA's certificate). A token is used only when: the TSA granted it, its
//! `TSTInfo` carries our imprint and nonce, the certificate that signed it is in it and is
//! for time-stamping (extended key usage `timeStamping`), and its CMS signature verifies
//! (the signed message digest being that of the `TSTInfo`). A TSA that is down, slow, or
//! answers anything else is an error that says which; each request is tried three times
//! with a growing pause, then given up.
//!
//! Only `http://` URLs: certpress carries no TLS stack, and a token's integrity does not
//! rest on the transport (the checks above do).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use der::asn1::{Int, ObjectIdentifier as Oid, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use super::certs;
use crate::error::{Error, Result};
use crate::timestamp::SigningTime;

/// SHA-256.
const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-ct-TSTInfo.
const TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-kp-timeStamping.
const TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
/// The message digest signed attribute.
const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
/// The largest answer read from a TSA.
const MAX_ANSWER: u64 = 1 << 20;
/// Tries per request.
const TRIES: u32 = 3;

fn failed(message: impl std::fmt::Display) -> Error {
    Error::Render {
        message: format!("the time-stamping authority: {message}"),
    }
}

/// A time-stamping authority at an `http://host[:port]/path` URL.
#[derive(Debug, Clone)]
pub struct Tsa {
    host: String,
    port: u16,
    path: String,
    /// How long one attempt may take to connect, and to answer.
    pub timeout: Duration,
}

/// What a checked token says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    /// The time the TSA vouches for, ISO 8601.
    pub time: String,
    /// The TSA certificate's subject.
    pub tsa: String,
}

impl Tsa {
    /// The TSA at `url` (`http://host[:port]/path`).
    pub fn new(url: &str) -> Result<Self> {
        let bad = |why: &str| Error::Options {
            message: format!("--tsa {url}: {why}"),
        };
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| bad("give an http:// URL (certpress carries no TLS; a token's integrity is checked, not the transport's)"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| bad("the port is no number"))?,
            ),
            None => (authority, 80),
        };
        if host.is_empty() || host.contains(['@', ' ']) {
            return Err(bad("no host"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            path: path.to_owned(),
            timeout: Duration::from_secs(10),
        })
    }

    /// A checked token over `message` (its SHA-256 imprint): the DER of the token's
    /// `ContentInfo`.
    pub fn stamp(&self, message: &[u8]) -> Result<Vec<u8>> {
        let imprint = Sha256::digest(message);
        // A nonce no one can predict: the imprint and the moment, hashed.
        let moment = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let mut nonce = Sha256::new();
        nonce.update(imprint);
        nonce.update(moment.to_le_bytes());
        let mut nonce: [u8; 8] = nonce.finalize()[..8].try_into().unwrap_or_default();
        // Positive and minimal as DER writes it: the top bit clear, the first byte not 0.
        nonce[0] = (nonce[0] & 0x7F) | 0x40;
        let nonce = &nonce[..];
        let request = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: spki::AlgorithmIdentifier {
                    oid: SHA256,
                    parameters: None,
                },
                hashed_message: OctetString::new(imprint.to_vec()).map_err(failed)?,
            },
            req_policy: None,
            nonce: Some(Int::new(nonce).map_err(failed)?),
            cert_req: true,
            extensions: None,
        }
        .to_der()
        .map_err(failed)?;
        let mut last = String::new();
        for attempt in 0..TRIES {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(250 << attempt));
            }
            match self.post(&request) {
                Ok(answer) => return token(&answer, message, Some(nonce)).map(|(der, _)| der),
                Err(why) => last = why,
            }
        }
        Err(failed(format!(
            "{}:{}{} did not answer after {TRIES} tries: {last}",
            self.host, self.port, self.path
        )))
    }

    /// One HTTP POST; the body of a 200 answer, or why not.
    fn post(&self, body: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let address = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| format!("no address: {e}"))?
            .next()
            .ok_or("no address")?;
        let mut stream =
            TcpStream::connect_timeout(&address, self.timeout).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(self.timeout))
            .and_then(|()| stream.set_write_timeout(Some(self.timeout)))
            .map_err(|e| e.to_string())?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/timestamp-query\r\nAccept: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.host,
            self.port,
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body))
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream
            .take(MAX_ANSWER + 1)
            .read_to_end(&mut answer)
            .map_err(|e| e.to_string())?;
        if answer.len() as u64 > MAX_ANSWER {
            return Err("an answer over 1 MiB".into());
        }
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("an answer without HTTP headers")?;
        let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
        let status = head
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        if status != "200" {
            return Err(format!("HTTP status {status}"));
        }
        if head.contains("transfer-encoding: chunked") {
            return Err("a chunked answer, which certpress does not read".into());
        }
        Ok(answer[split + 4..].to_vec())
    }
}

/// Checks a `TimeStampResp` (`answer`) for `message`: granted, our imprint (and nonce),
/// the token signed by a time-stamping certificate it carries. The token's DER and what
/// it says.
pub fn token(answer: &[u8], message: &[u8], nonce: Option<&[u8]>) -> Result<(Vec<u8>, TokenInfo)> {
    let response = TimeStampResp::from_der(answer)
        .map_err(|e| failed(format!("an answer that is no TimeStampResp: {e}")))?;
    use cmpv2::status::PkiStatus;
    if !matches!(
        response.status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        return Err(failed(format!(
            "the request was refused ({:?})",
            response.status.status
        )));
    }
    let token = response
        .time_stamp_token
        .ok_or_else(|| failed("granted, but no token"))?;
    let der = token.to_der().map_err(failed)?;
    let info = check(&der, message, nonce).map_err(failed)?;
    Ok((der, info))
}

/// Checks a token (a `ContentInfo` holding a `SignedData` over a `TSTInfo`) against the
/// `message` it stamps: what `verify` runs on a token in a file.
pub(crate) fn check(
    token: &[u8],
    message: &[u8],
    nonce: Option<&[u8]>,
) -> std::result::Result<TokenInfo, String> {
    let info = cms::content_info::ContentInfo::from_der(token).map_err(|e| e.to_string())?;
    let signed: cms::signed_data::SignedData =
        info.content.decode_as().map_err(|e| e.to_string())?;
    let encapsulated = &signed.encap_content_info;
    if encapsulated.econtent_type != TST_INFO {
        return Err("the token holds no TSTInfo".into());
    }
    let econtent = encapsulated
        .econtent
        .as_ref()
        .ok_or("the token's TSTInfo is missing")?;
    let tst_der = econtent
        .decode_as::<OctetString>()
        .map_err(|e| e.to_string())?
        .into_bytes();
    let tst = TstInfo::from_der(&tst_der).map_err(|e| format!("its TSTInfo: {e}"))?;
    if tst.message_imprint.hash_algorithm.oid != SHA256
        || tst.message_imprint.hashed_message.as_bytes() != &Sha256::digest(message)[..]
    {
        return Err("the token stamps another message (its imprint differs)".into());
    }
    if let Some(nonce) = nonce {
        let theirs = tst.nonce.as_ref().map(|n| n.as_bytes());
        let ours = Int::new(nonce).map_err(|e| e.to_string())?;
        if theirs != Some(ours.as_bytes()) {
            return Err("the token's nonce is not the request's (a replayed answer?)".into());
        }
    }
    let signer_info = signed
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or("the token has no signer")?;
    let carried = certs::carried(&signed);
    let certificate = certs::named_by(&carried, &signer_info.sid)
        .ok_or("the token does not carry its TSA's certificate")?;
    let time_stamping = certificate
        .tbs_certificate
        .extensions
        .as_ref()
        .and_then(|exts| {
            exts.iter()
                .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE)
        })
        .and_then(|e| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|eku| eku.0.contains(&TIME_STAMPING));
    if !time_stamping {
        return Err(format!(
            "its certificate ({}) is not for time-stamping (extended key usage timeStamping)",
            certificate.tbs_certificate.subject
        ));
    }
    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or("the token has no signed attributes")?;
    if signer_info.digest_alg.oid != SHA256 {
        return Err(format!(
            "its digest algorithm {} is not one certpress checks",
            signer_info.digest_alg.oid
        ));
    }
    let digest = attrs
        .iter()
        .find(|a| a.oid.to_string() == MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or("the token signs no message digest")?;
    if digest.as_bytes() != &Sha256::digest(&tst_der)[..] {
        return Err("the token's TSTInfo was changed after the TSA signed it".into());
    }
    let signed_bytes = attrs.to_der().map_err(|e| e.to_string())?;
    let verified = certs::verify_with(
        certificate,
        &signer_info.signature_algorithm.oid.to_string(),
        &signed_bytes,
        signer_info.signature.as_bytes(),
    )?;
    if !verified {
        return Err("the TSA's signature does not verify".into());
    }
    Ok(TokenInfo {
        time: crate::timestamp::iso(time_of(&tst)),
        tsa: certificate.tbs_certificate.subject.to_string(),
    })
}

/// The time a token vouches for.
fn time_of(tst: &TstInfo) -> SigningTime {
    tst.gen_time.to_unix_duration()
}
