//! Signing finished licences, above the back ends: it takes finished bytes and returns
//! signed bytes, never reaching into the layout.
//!
//! - `pades`: a PAdES baseline B-B signature (CMS, SHA-256) over a PDF written with a
//!   [`crate::pdf::SignatureSlot`], with an ECDSA P-256 or RSA key.
//! - [`seal`]: the issuing authority's electronic seal on an OFD, SM2 with SM3 digests in
//!   the structure of GB/T 38540.
//! - [`verify`]: checks either kind of file.
//!
//! [`Signer`] reads a key and its certificate and checks they belong together; the key is
//! never printed or written.

pub mod certs;
pub mod keys;
pub(crate) mod package;
pub(crate) mod pades;
pub mod seal;
pub(crate) mod token;
pub mod tsa;
pub mod verify;

use crate::error::{Error, Result};
pub use crate::timestamp as time;
pub use keys::{KeyKind, Signer};
use time::SigningTime;

/// How an OFD is sealed besides the key and the time: with a seal a seal system issued,
/// and a time-stamping authority. Default: a seal made from the spec's artwork, no
/// timestamp.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sealing<'a> {
    /// The issued seal (`.esl`).
    pub seal: Option<&'a seal::Seal>,
    /// The TSA.
    pub tsa: Option<&'a tsa::Tsa>,
}

/// The keys a run signs with, each used for what it fits: an SM2 key seals the OFD, an
/// ECDSA P-256 or RSA key signs the PDF. Loaded once; a batch signs every licence with the
/// same keys.
#[derive(Debug)]
pub struct Signing {
    /// Signs the PDF (PAdES).
    pub pades: Option<Signer>,
    /// Seals the OFD (GB/T 38540).
    pub seal: Option<Signer>,
    /// The signing time of every signature.
    pub time: SigningTime,
    /// The seal a seal system issued (`.esl`), which the OFD is sealed with as it is;
    /// none: a seal made from the spec's seal artwork, the signer its own maker.
    pub issued_seal: Option<seal::Seal>,
    /// The time-stamping authority every signature is stamped by (RFC 3161); none: no
    /// timestamp.
    pub tsa: Option<tsa::Tsa>,
}

impl Signing {
    /// How OFDs are sealed: the issued seal and the TSA.
    pub fn sealing(&self) -> Sealing<'_> {
        Sealing {
            seal: self.issued_seal.as_ref(),
            tsa: self.tsa.as_ref(),
        }
    }
}

impl Signing {
    /// Sorts `signers` by what they sign; two keys for the same thing are refused.
    pub fn new(signers: Vec<Signer>, time: SigningTime) -> Result<Self> {
        let mut signing = Self {
            pades: None,
            seal: None,
            time,
            issued_seal: None,
            tsa: None,
        };
        for signer in signers {
            let slot = match signer.kind() {
                KeyKind::Sm2 => &mut signing.seal,
                KeyKind::P256 | KeyKind::Rsa => &mut signing.pades,
            };
            if slot.is_some() {
                return Err(Error::Options {
                    message: "two keys for the same signature: give one SM2 key (the OFD's seal) and at most one ECDSA P-256 or RSA key (the PDF's PAdES signature)".into(),
                });
            }
            signer.require_valid_at(time)?;
            *slot = Some(signer);
        }
        Ok(signing)
    }

    /// Seals the OFDs with `issued` (a seal system's `.esl`), checked once against the SM2
    /// key and the signing time: its maker's signature, the key among the signers it
    /// authorises, its validity.
    pub fn with_issued_seal(mut self, issued: seal::Seal) -> Result<Self> {
        let signer = self.seal.as_ref().ok_or_else(|| Error::Options {
            message: "a seal (--seal) needs the SM2 key it authorises (--sign-key, --sign-cert)"
                .into(),
        })?;
        issued.check_for(signer, self.time)?;
        self.issued_seal = Some(issued);
        Ok(self)
    }

    /// Refuses keys that sign none of the outputs asked for, and outputs no key signs:
    /// nothing is left unsigned by surprise.
    pub fn check_outputs(&self, pdf: bool, ofd: bool) -> Result<()> {
        let refuse = |message: &str| {
            Err(Error::Options {
                message: message.into(),
            })
        };
        match (pdf, &self.pades, ofd, &self.seal) {
            (false, Some(_), _, _) => refuse("an ECDSA P-256 or RSA key signs the PDF, and no PDF is written: add --pdf"),
            (_, _, false, Some(_)) => refuse("the SM2 key seals the OFD, and no OFD is written: add --ofd"),
            (true, None, _, _) => refuse("the PDF would be left unsigned: its PAdES signature needs an ECDSA P-256 or RSA key (the SM2 key seals the OFD); add one, or leave out --pdf"),
            (_, _, true, None) => refuse("the OFD would be left unsealed: its seal needs an SM2 key; add one, or leave out --ofd"),
            _ => Ok(()),
        }
    }
}
