//! Keys that never leave their token: PKCS#11 (a smart card, a USB key, an HSM), through
//! the `cryptoki` crate.
//!
//! The key is named by an RFC 7512 URI, `pkcs11:token=NAME;object=LABEL` (the token's label
//! and the private key's label; `%XX` escapes read), found in the token the module lists,
//! and used in a session logged in with the PIN from `CERTPRESS_PKCS11_PIN`, which is read
//! from the environment only, held as a secret and never printed. ECDSA P-256 signs with
//! `CKM_ECDSA` over the SHA-256 digest certpress computes (the token returns `r‖s`, written
//! here as DER); RSA with `CKM_SHA256_RSA_PKCS`. SM2 needs a module with an SM2 mechanism,
//! which the PKCS#11 standard does not define: Chinese tokens offer it through their GM/T
//! 0016 (SKF) or GM/T 0018 (SDF) interfaces, or vendor mechanisms (`SGD_SM2_1`) that a
//! module would have to map; certpress refuses such a key with that said, rather than guess
//! a vendor's numbers.

use std::path::Path;
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use sha2::{Digest, Sha256};

use super::keys::KeyKind;
use crate::error::{Error, Result};

/// The environment variable the token's PIN comes from.
pub(crate) const PIN_VARIABLE: &str = "CERTPRESS_PKCS11_PIN";

fn token_error(uri: &str, message: impl std::fmt::Display) -> Error {
    Error::Options {
        message: format!("the token key {uri}: {message}"),
    }
}

/// A private key in a token, in a logged-in session.
pub(crate) struct TokenKey {
    /// The key's algorithm (from its certificate).
    pub kind: KeyKind,
    session: Mutex<Session>,
    key: ObjectHandle,
    uri: String,
    // Kept so the module stays loaded while the session lives.
    _context: Pkcs11,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("uri", &self.uri)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// `pkcs11:token=NAME;object=LABEL` → (token, object), `%XX` escapes decoded.
fn parse_uri(uri: &str) -> Option<(String, String)> {
    let path = uri.strip_prefix("pkcs11:")?;
    let path = path.split('?').next()?;
    let (mut token, mut object) = (None, None);
    for part in path.split(';') {
        let (name, value) = part.split_once('=')?;
        let value = unescape(value)?;
        match name {
            "token" => token = Some(value),
            "object" => object = Some(value),
            _ => {}
        }
    }
    Some((token?, object?))
}

fn unescape(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

impl TokenKey {
    /// Opens the key `uri` names through `module`, logged in with the PIN from
    /// [`PIN_VARIABLE`].
    pub fn open(uri: &str, module: &Path, kind: KeyKind) -> Result<Self> {
        if kind == KeyKind::Sm2 {
            return Err(token_error(
                uri,
                "an SM2 key: PKCS#11 defines no SM2 mechanism, so a module must offer its vendor's (GM/T 0016/0018, SGD_SM2_1); this one is not used for SM2. Seal with an SM2 key file, or a module certpress is taught to drive",
            ));
        }
        let (token, object) = parse_uri(uri)
            .ok_or_else(|| token_error(uri, "give pkcs11:token=NAME;object=LABEL (RFC 7512)"))?;
        let pin = std::env::var(PIN_VARIABLE)
            .map_err(|_| token_error(uri, format!("set the token's PIN in {PIN_VARIABLE}")))?;
        let context = Pkcs11::new(module)
            .map_err(|e| token_error(uri, format!("the module {}: {e}", module.display())))?;
        // A module another key of this process (another spec's, in `serve`) initialised
        // already is ready as it is.
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(())
            | Err(cryptoki::error::Error::Pkcs11(
                cryptoki::error::RvError::CryptokiAlreadyInitialized,
                _,
            )) => {}
            Err(e) => return Err(token_error(uri, e)),
        }
        let slot = context
            .get_slots_with_token()
            .map_err(|e| token_error(uri, e))?
            .into_iter()
            .find(|slot| {
                context
                    .get_token_info(*slot)
                    .is_ok_and(|info| info.label().trim() == token)
            })
            .ok_or_else(|| token_error(uri, format!("no token labelled `{token}`")))?;
        let session = context
            .open_ro_session(slot)
            .map_err(|e| token_error(uri, e))?;
        // Logging in is per token for the whole process: another key's session may have
        // done it already.
        match session.login(UserType::User, Some(&AuthPin::new(pin.into()))) {
            Ok(())
            | Err(cryptoki::error::Error::Pkcs11(
                cryptoki::error::RvError::UserAlreadyLoggedIn,
                _,
            )) => {}
            Err(e) => return Err(token_error(uri, format!("logging in: {e}"))),
        }
        let key = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(object.clone().into_bytes()),
            ])
            .map_err(|e| token_error(uri, e))?
            .into_iter()
            .next()
            .ok_or_else(|| token_error(uri, format!("no private key labelled `{object}`")))?;
        Ok(Self {
            kind,
            session: Mutex::new(session),
            key,
            uri: uri.to_owned(),
            _context: context,
        })
    }

    /// Signs `message` in the token: ECDSA P-256 over its SHA-256 (DER `SEQUENCE { r, s }`
    /// back), or RSA PKCS#1 v1.5 with SHA-256.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let failed = |e: cryptoki::error::Error| Error::Render {
            message: format!("the token key {} could not sign: {e}", self.uri),
        };
        match self.kind {
            KeyKind::P256 => {
                let digest = Sha256::digest(message);
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.key, &digest)
                    .map_err(failed)?;
                if raw.len() != 64 {
                    return Err(Error::Render {
                        message: format!(
                            "the token key {} gave a {}-byte ECDSA signature, not r‖s of 64",
                            self.uri,
                            raw.len()
                        ),
                    });
                }
                Ok(super::keys::der_signature(&raw[..32], &raw[32..]))
            }
            KeyKind::Rsa => session
                .sign(&Mechanism::Sha256RsaPkcs, self.key, message)
                .map_err(failed),
            KeyKind::Sm2 => Err(Error::Render {
                message: "an SM2 key in a token is not used".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7512_uris_name_the_token_and_the_key() {
        assert_eq!(
            parse_uri("pkcs11:token=Bureau%20Seal;object=pades-key"),
            Some(("Bureau Seal".into(), "pades-key".into()))
        );
        assert_eq!(
            parse_uri("pkcs11:object=k;token=t;type=private"),
            Some(("t".into(), "k".into()))
        );
        assert_eq!(parse_uri("pkcs11:token=t"), None);
        assert_eq!(parse_uri("file:key.pem"), None);
        assert_eq!(parse_uri("pkcs11:token=%zz;object=k"), None);
    }
}
