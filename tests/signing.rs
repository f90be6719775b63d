//! Signed licences: PAdES on the PDF, the GB/T 38540 seal on the OFD, `certpress verify`,
//! and implementations we did not write checking them: ofd-core's SM3 digests, OpenSSL's
//! SM2, pyHanko's PAdES validation (each skipped, saying so, where absent).

mod common;
#[path = "common/keys.rs"]
mod keys;

use std::path::{Path, PathBuf};
use std::process::Command;

use certpress::pdf::PdfStandard;
use certpress::sign::{time, verify, Signer};
use certpress::{OfdOptions, PdfOptions, Record};
use common::{liuzhou, rezip, unzip};
use keys::{identity, write, Algorithm, TestIdentity, FROM, UNTIL};

const ELECTRONIC: &str = "specs/liuzhou/electronic-copy.json";
const SIGN_TIME: &str = "2022-09-26T10:00:00+08:00";

fn signer(identity: &TestIdentity) -> Signer {
    Signer::from_pem(&identity.key_pem, &identity.cert_pem, "1234567812345678").unwrap()
}

fn when() -> std::time::Duration {
    time::parse(SIGN_TIME).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-sign-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn signed_pdf(identity: &TestIdentity, standard: PdfStandard) -> Vec<u8> {
    let record = Record::load(ELECTRONIC).unwrap();
    let options = PdfOptions {
        standard,
        ..Default::default()
    };
    liuzhou()
        .issue(&record)
        .unwrap()
        .signed_pdf(&options, &signer(identity), when())
        .unwrap()
}

fn sealed_ofd(identity: &TestIdentity) -> Vec<u8> {
    let record = Record::load(ELECTRONIC).unwrap();
    liuzhou()
        .issue(&record)
        .unwrap()
        .sealed_ofd(&OfdOptions::default(), &signer(identity), when())
        .unwrap()
}

/// The first occurrence of `needle` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> usize {
    from + haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[test]
fn a_pades_signature_verifies_and_a_changed_byte_is_caught() {
    for (algorithm, seed) in [
        (Algorithm::P256, "pades p256"),
        (Algorithm::Rsa, "pades rsa"),
    ] {
        let id = identity(algorithm, seed, FROM, UNTIL);
        let pdf = signed_pdf(&id, PdfStandard::Plain);
        let report = verify::verify(&pdf).unwrap();
        assert!(report.intact(), "{report:?}");
        assert_eq!(report.signed_at, "2022-09-26T02:00:00Z");
        assert!(report.signer.contains("柳州市鱼峰区行政审批局"));
        // The same licence, key and time: the same bytes.
        assert_eq!(pdf, signed_pdf(&id, PdfStandard::Plain));
        // lopdf reads the signed file: the field, its dictionary, the byte range.
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let form = doc.catalog().unwrap().get(b"AcroForm").unwrap();
        let form = doc.dereference(form).unwrap().1.as_dict().unwrap();
        assert_eq!(form.get(b"SigFlags").unwrap().as_i64().unwrap(), 3);

        // One byte of the page's content stream (the licence's text) changed after signing.
        let stream = find(
            &pdf,
            b"stream\n",
            find(&pdf, b"/FlateDecode", pdf.len() / 3),
        ) + 20;
        let mut changed = pdf.clone();
        changed[stream] ^= 0x01;
        let report = verify::verify(&changed).unwrap();
        assert!(!report.intact());
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.what.as_str())
            .collect();
        assert_eq!(
            failed,
            ["the signed bytes are unchanged (SHA-256)"],
            "{report:?}"
        );
    }
}

#[test]
fn signed_pdfs_stay_within_their_standard() {
    let id = identity(Algorithm::P256, "pades standards", FROM, UNTIL);
    let a3b = signed_pdf(&id, PdfStandard::A3b);
    assert!(verify::verify(&a3b).unwrap().intact());
    let doc = lopdf::Document::load_mem(&a3b).unwrap();
    assert!(doc.catalog().unwrap().get(b"OutputIntents").is_ok());
    assert!(String::from_utf8_lossy(&a3b).contains("<pdfaid:part>3</pdfaid:part>"));
    // Visible over the seal in PDF/A, where annotations may sit on the page.
    let widget = |pdf: &[u8]| -> Vec<f32> {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let field = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .find(|d| d.get(b"FT").ok().and_then(|v| v.as_name().ok()) == Some(b"Sig"))
            .expect("a signature field")
            .clone();
        field
            .get(b"Rect")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_float().unwrap())
            .collect()
    };
    let rect = widget(&a3b);
    // The seal: 292–334 mm across, 217–259 mm down the sheet (in points, y up).
    let pt = |mm: f32| mm * 72.0 / 25.4;
    assert!(rect[0] >= pt(291.0) && rect[2] <= pt(335.0), "{rect:?}");
    assert!(
        rect[1] >= pt(297.0 - 260.0) && rect[3] <= pt(297.0 - 216.0),
        "{rect:?}"
    );
    // Invisible in PDF/X-4, which keeps annotations off the sheet.
    let x4 = signed_pdf(&id, PdfStandard::X4);
    assert!(verify::verify(&x4).unwrap().intact());
    assert!(x4.starts_with(b"%PDF-1.6"));
    assert_eq!(widget(&x4), [0.0; 4]);
}

#[test]
fn bad_keys_and_certificates_are_refused_before_anything_is_made() {
    let record = Record::load(ELECTRONIC).unwrap();
    let licence = liuzhou().issue(&record).unwrap();
    let p256 = identity(Algorithm::P256, "refusals p256", FROM, UNTIL);
    let sm2 = identity(Algorithm::Sm2, "refusals sm2", FROM, UNTIL);
    let message = |r: certpress::Result<Vec<u8>>| r.unwrap_err().to_string();

    // A key with another key's certificate.
    let other = identity(Algorithm::P256, "another key", FROM, UNTIL);
    let err = Signer::from_pem(&p256.key_pem, &other.cert_pem, "1234567812345678").unwrap_err();
    assert!(err.to_string().contains("do not belong together"), "{err}");
    // A certificate expired at the signing time.
    let expired = identity(Algorithm::P256, "expired", 1_262_304_000, 1_420_070_400);
    let err = message(licence.signed_pdf(&PdfOptions::default(), &signer(&expired), when()));
    assert!(err.contains("not at the signing time"), "{err}");
    // The wrong kind of key for each signature.
    let err = message(licence.signed_pdf(&PdfOptions::default(), &signer(&sm2), when()));
    assert!(err.contains("PAdES") && err.contains("SM2"), "{err}");
    let err = message(licence.sealed_ofd(&OfdOptions::default(), &signer(&p256), when()));
    assert!(err.contains("GB/T 38540") && err.contains("P-256"), "{err}");
    // Not a key at all; an encrypted or legacy key says how to convert it.
    assert!(Signer::from_pem("hello", &p256.cert_pem, "1").is_err());
    let legacy = p256.key_pem.replace("PRIVATE KEY", "EC PRIVATE KEY");
    let err = Signer::from_pem(&legacy, &p256.cert_pem, "1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("PKCS#8"), "{err}");
    // The signer never prints its key.
    let shown = format!("{:?}", signer(&p256));
    let body: String = p256
        .key_pem
        .lines()
        .nth(1)
        .unwrap()
        .chars()
        .take(16)
        .collect();
    assert!(!shown.contains(&body), "{shown}");
}

#[test]
fn the_ofd_seal_verifies_and_ofd_core_recomputes_its_digests() {
    let id = identity(Algorithm::Sm2, "seal", FROM, UNTIL);
    let ofd = sealed_ofd(&id);
    assert_eq!(
        ofd,
        sealed_ofd(&id),
        "a fixed signing time gives the same bytes"
    );
    let report = verify::verify(&ofd).unwrap();
    assert!(report.intact(), "{report:?}");
    assert!(report.checks.len() > 8);

    // ofd-core: its own SM3 over every referenced file.
    let mut reader = ofd_core::OfdReader::new(
        ofd_core::OfdPackage::new(std::io::Cursor::new(ofd.clone())).unwrap(),
    )
    .unwrap();
    let check = ofd_core::check_reader(&mut reader);
    assert!(check.conforms(), "{check:?}");
    assert_eq!(check.signatures.len(), 1);
    assert_eq!(check.signatures[0].verdict(), ofd_core::SigVerdict::Valid);
    assert!(check.signatures[0].references.len() >= 8);

    // The page's text changed after sealing: both verifiers say which file.
    let entries = unzip(&ofd);
    let mut changed = Vec::new();
    for (name, mut bytes) in entries {
        if name.ends_with("Content.xml") {
            let text = String::from_utf8(bytes)
                .unwrap()
                .replace("桂香螺蛳粉店", "桂香螺蛳粉馆");
            bytes = text.into_bytes();
        }
        changed.push((name, bytes));
    }
    let changed = rezip(&changed);
    let report = verify::verify(&changed).unwrap();
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.what.as_str())
        .collect();
    assert_eq!(
        failed,
        ["/Doc_0/Pages/Page_0/Content.xml is unchanged (SM3)"],
        "{report:?}"
    );
    let mut reader =
        ofd_core::OfdReader::new(ofd_core::OfdPackage::new(std::io::Cursor::new(changed)).unwrap())
            .unwrap();
    let check = ofd_core::check_reader(&mut reader);
    assert_eq!(check.signatures[0].verdict(), ofd_core::SigVerdict::Invalid);
}

/// The seal's SES_Signature split the way GB/T 38540 lays it out: the TBS_Sign's DER and
/// the signature's bits (a generic DER walk, not certpress's parser).
fn tbs_and_signature(signed_value: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use der::{Decode, Encode, Reader};
    let mut reader = der::SliceReader::new(signed_value).unwrap();
    reader
        .sequence(|r| {
            let tbs = der::Any::decode(r)?.to_der()?;
            let _cert = der::asn1::OctetString::decode(r)?;
            let _alg = der::asn1::ObjectIdentifier::decode(r)?;
            let sig = der::asn1::BitString::decode(r)?;
            Ok((tbs, sig.raw_bytes().to_vec()))
        })
        .unwrap()
}

fn openssl_sm2() -> bool {
    Command::new("openssl")
        .args(["list", "-digest-algorithms"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .to_lowercase()
                .contains("sm3")
        })
}

#[test]
fn openssl_verifies_the_seals_sm2_signature() {
    if !openssl_sm2() {
        eprintln!(
            "SKIPPED: no OpenSSL with SM2/SM3; certpress verified the seal with RustCrypto's SM2"
        );
        return;
    }
    let id = identity(Algorithm::Sm2, "openssl", FROM, UNTIL);
    let ofd = sealed_ofd(&id);
    let value = unzip(&ofd)
        .into_iter()
        .find(|(n, _)| n.ends_with("SignedValue.dat"))
        .unwrap()
        .1;
    let (tbs, signature) = tbs_and_signature(&value);
    let dir = scratch("openssl");
    let (_, cert) = write(&id, &dir, "seal");
    let public = dir.join("public.pem");
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-pubkey", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    std::fs::write(&public, out.stdout).unwrap();
    let verify = |tbs: &[u8]| -> bool {
        std::fs::write(dir.join("tbs.der"), tbs).unwrap();
        std::fs::write(dir.join("sig.der"), &signature).unwrap();
        let out = Command::new("openssl")
            .args(["dgst", "-sm3", "-verify"])
            .arg(&public)
            .arg("-signature")
            .arg(dir.join("sig.der"))
            .args(["-sigopt", "distid:1234567812345678"])
            .arg(dir.join("tbs.der"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("Verified OK")
    };
    assert!(
        verify(&tbs),
        "OpenSSL does not verify the seal's SM2 signature"
    );
    let mut altered = tbs.clone();
    let last = altered.len() - 5;
    altered[last] ^= 0x01;
    assert!(!verify(&altered), "OpenSSL verifies an altered TBS_Sign");
    let _ = std::fs::remove_dir_all(&dir);
}

fn python_with_pyhanko() -> bool {
    Command::new("python3")
        .args(["-c", "import pyhanko, pyhanko_certvalidator"])
        .output()
        .is_ok_and(|o| o.status.success())
}

const PYHANKO: &str = r#"
import sys
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.keys import load_cert_from_pemder
from pyhanko_certvalidator import ValidationContext
root = load_cert_from_pemder(sys.argv[2])
vc = ValidationContext(trust_roots=[root], allow_fetching=False)
with open(sys.argv[1], 'rb') as f:
    reader = PdfFileReader(f, strict=False)
    sig = reader.embedded_signatures[0]
    status = validate_pdf_signature(sig, vc)
    print('intact', status.intact)
    print('valid', status.valid)
    print('trusted', status.trusted)
    print('coverage', status.coverage.name)
    print('subfilter', sig.sig_object['/SubFilter'])
"#;

#[test]
fn pyhanko_validates_the_pades_signature() {
    if !python_with_pyhanko() {
        eprintln!("SKIPPED: pyHanko is not installed (pip install pyhanko); certpress verify checked the signature");
        return;
    }
    let dir = scratch("pyhanko");
    for (algorithm, seed, standard) in [
        (Algorithm::P256, "pyhanko p256", PdfStandard::A3b),
        (Algorithm::Rsa, "pyhanko rsa", PdfStandard::Plain),
    ] {
        let id = identity(algorithm, seed, FROM, UNTIL);
        let (_, cert) = write(&id, &dir, seed);
        let pdf = dir.join("signed.pdf");
        let bytes = signed_pdf(&id, standard);
        std::fs::write(&pdf, &bytes).unwrap();
        let run = |pdf: &Path| {
            let out = Command::new("python3")
                .args(["-c", PYHANKO])
                .arg(pdf)
                .arg(&cert)
                .output()
                .unwrap();
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (out, err) = run(&pdf);
        for line in [
            "intact True",
            "valid True",
            "trusted True",
            "coverage ENTIRE_FILE",
            "subfilter /ETSI.CAdES.detached",
        ] {
            assert!(out.contains(line), "{seed}: pyHanko says\n{out}\n{err}");
        }
        // A byte of the content changed: pyHanko finds the signature no longer intact.
        let mut changed = bytes.clone();
        let at = find(
            &changed,
            b"stream\n",
            find(&changed, b"/FlateDecode", changed.len() / 3),
        ) + 20;
        changed[at] ^= 0x01;
        std::fs::write(&pdf, &changed).unwrap();
        let (out, err) = run(&pdf);
        assert!(
            out.contains("intact False"),
            "{seed}: pyHanko says\n{out}\n{err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The command line: render signs with the keys it is given, verify says 0, 1 or 2.
#[test]
fn the_command_line_signs_and_verifies() {
    let dir = scratch("cli");
    let (seal_key, seal_cert) = write(
        &identity(Algorithm::Sm2, "cli seal", FROM, UNTIL),
        &dir,
        "seal",
    );
    let (pades_key, pades_cert) = write(
        &identity(Algorithm::P256, "cli pades", FROM, UNTIL),
        &dir,
        "pades",
    );
    let bin = env!("CARGO_BIN_EXE_certpress");
    let (pdf, ofd) = (dir.join("licence.pdf"), dir.join("licence.ofd"));
    let out = Command::new(bin)
        .args([
            "render",
            "specs/liuzhou/licence.ron",
            "--data",
            ELECTRONIC,
            "--pdf-standard",
            "a-3b",
        ])
        .arg("--pdf")
        .arg(&pdf)
        .arg("--ofd")
        .arg(&ofd)
        .arg("--sign-key")
        .arg(&seal_key)
        .arg("--sign-cert")
        .arg(&seal_cert)
        .arg("--sign-key")
        .arg(&pades_key)
        .arg("--sign-cert")
        .arg(&pades_cert)
        .args(["--sign-time", SIGN_TIME])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verify = |file: &Path| Command::new(bin).arg("verify").arg(file).output().unwrap();
    for file in [&pdf, &ofd] {
        let out = verify(file);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));
    }
    // The archive PDF carries the sealed OFD.
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.windows(11).any(|w| w == b"licence.ofd"));

    // Changed after signing: exit 1, naming the part.
    let mut bytes = std::fs::read(&pdf).unwrap();
    let at = find(&bytes, b"/Producer", 0) + 12;
    bytes[at] ^= 0x20;
    let changed = dir.join("changed.pdf");
    std::fs::write(&changed, &bytes).unwrap();
    let out = verify(&changed);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL the signed bytes are unchanged"));
    // Not a signed file: exit 2.
    let garbage = dir.join("garbage.pdf");
    std::fs::write(&garbage, b"%PDF-1.7\nnot really").unwrap();
    assert_eq!(verify(&garbage).status.code(), Some(2));

    // A key that signs none of the outputs asked for, and nothing is written.
    let lonely = dir.join("lonely.pdf");
    let out = Command::new(bin)
        .args(["render", "specs/liuzhou/licence.ron", "--data", ELECTRONIC])
        .arg("--pdf")
        .arg(&lonely)
        .arg("--sign-key")
        .arg(&seal_key)
        .arg("--sign-cert")
        .arg(&seal_cert)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no OFD is written"));
    assert!(!lonely.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

mod damaged {
    //! A signed file damaged anywhere (bytes flipped, cut short) is reported changed or
    //! unreadable by `verify`, never a panic, never intact.
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn files() -> &'static (Vec<u8>, Vec<u8>) {
        static FILES: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
        FILES.get_or_init(|| {
            let pdf = signed_pdf(
                &identity(Algorithm::P256, "damaged pdf", FROM, UNTIL),
                PdfStandard::Plain,
            );
            let ofd = sealed_ofd(&identity(Algorithm::Sm2, "damaged ofd", FROM, UNTIL));
            (pdf, ofd)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn damage_is_never_intact_and_never_a_panic(
            ofd in any::<bool>(),
            at in 0.0f64..1.0,
            flip in 1u8..=255,
            cut in any::<bool>(),
        ) {
            let original = if ofd { &files().1 } else { &files().0 };
            let mut bytes = original.clone();
            let index = ((bytes.len() - 1) as f64 * at) as usize;
            if cut {
                bytes.truncate(index.max(1));
            } else {
                bytes[index] ^= flip;
            }
            let outcome = std::panic::catch_unwind(|| verify::verify(&bytes));
            prop_assert!(outcome.is_ok(), "verify panicked");
            if let Ok(Ok(report)) = outcome {
                // A flipped byte in the signature's zero padding changes nothing signed.
                let in_padding = !ofd && !cut && {
                    // The Contents hex string: its zeros after the CMS's last digit.
                    let start = find(original, b"/Contents <", 0) + b"/Contents <".len();
                    let end = start + original[start..].iter().position(|&b| b == b'>').unwrap();
                    let last = start + original[start..end].iter().rposition(|&b| b != b'0').unwrap();
                    index > last && index < end
                };
                // A flipped byte in a ZIP header field no reader uses (a timestamp) changes
                // no file of the package.
                let same_files = ofd
                    && std::panic::catch_unwind(|| unzip(&bytes)).ok() == Some(unzip(original));
                prop_assert!(
                    !report.intact() || in_padding || same_files,
                    "a damaged file verified intact: {report:?}"
                );
            }
        }
    }
}

/// A record field holding the signature dictionary's placeholder text, as a hostile or
/// unlucky record may: `甲[0 2147483647 2147483647 2147483647]`.
const PLACEHOLDER: &str = "甲[0 2147483647 2147483647 2147483647]";

/// The electronic record with the placeholder in every free-text field that reaches the
/// file: page text, Info and XMP (the holder, the licence number), the attached record.
fn record_spelling_the_placeholder() -> Record {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ELECTRONIC).unwrap()).unwrap();
    for key in [
        "operator_name",
        "legal_representative",
        "industry_category",
        "business_address",
        "issuing_authority",
        "licence_number",
    ] {
        json[key] = PLACEHOLDER.into();
    }
    json["permits"][0] = PLACEHOLDER.into();
    json["approval_departments"][0] = PLACEHOLDER.into();
    let mut record = Record::from_json(&json.to_string(), "placeholder").unwrap();
    record.folder = Some("specs/liuzhou".into());
    record
}

#[test]
fn a_record_that_spells_the_placeholder_signs_and_verifies() {
    let id = identity(Algorithm::P256, "placeholder", FROM, UNTIL);
    let template = liuzhou();
    let licence = template.issue(&record_spelling_the_placeholder()).unwrap();
    let dir = scratch("placeholder");
    let (_, cert) = write(&id, &dir, "placeholder");
    for standard in [PdfStandard::Plain, PdfStandard::A3b] {
        let options = PdfOptions {
            standard,
            ..Default::default()
        };
        let pdf = licence.signed_pdf(&options, &signer(&id), when()).unwrap();
        // The placeholder is in the file more than once (XMP, Info), so a signer that
        // searched would have patched the wrong one.
        let spelled = pdf
            .windows(PLACEHOLDER.len() - 3)
            .filter(|w| *w == &PLACEHOLDER.as_bytes()[3..])
            .count();
        assert!(
            spelled >= 1,
            "{standard:?}: the record's text is in the file"
        );
        let report = verify::verify(&pdf).unwrap();
        assert!(report.intact(), "{standard:?}: {report:?}");
        assert!(report
            .metadata
            .iter()
            .any(|e| e.name == "holder" && e.value == PLACEHOLDER));
        // lopdf finds the signature dictionary's byte range where the signer put it.
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let range: Vec<i64> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .find(|d| d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"Sig"))
            .unwrap()
            .get(b"ByteRange")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_i64().unwrap())
            .collect();
        assert_eq!(range[0], 0);
        assert_eq!((range[2] + range[3]) as usize, pdf.len());
        assert_eq!(pdf[range[1] as usize], b'<');
        if python_with_pyhanko() {
            let path = dir.join("placeholder.pdf");
            std::fs::write(&path, &pdf).unwrap();
            let out = Command::new("python3")
                .args(["-c", PYHANKO])
                .arg(&path)
                .arg(&cert)
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(
                said.contains("intact True") && said.contains("valid True"),
                "{standard:?}: pyHanko says {said}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        } else {
            eprintln!("SKIPPED (pyHanko part): pyHanko is not installed; certpress verify and lopdf checked the file");
        }
    }
    let seal_id = identity(Algorithm::Sm2, "placeholder seal", FROM, UNTIL);
    let ofd = licence
        .sealed_ofd(&OfdOptions::default(), &signer(&seal_id), when())
        .unwrap();
    assert!(verify::verify(&ofd).unwrap().intact());
    let _ = std::fs::remove_dir_all(&dir);
}

/// An OFD whose page entry inflates to `inflated` bytes of zeros.
fn bomb(inflated: usize) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    writer.start_file("OFD.xml", options).unwrap();
    writer.write_all(b"<ofd:OFD/>").unwrap();
    writer
        .start_file("Doc_0/Pages/Page_0/Content.xml", options)
        .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..inflated >> 20 {
        writer.write_all(&zeros).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn a_zip_bomb_is_refused_by_its_limit_not_inflated() {
    // 200 MB of zeros in about 200 KB: past the ratio and the entry limit alike.
    let bytes = bomb(200 << 20);
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    let message = verify::verify(&bytes).unwrap_err().to_string();
    assert!(
        message.contains("ZIP bomb") || message.contains("limit"),
        "{message}"
    );
    // Too big to read at all.
    let huge = vec![b'P'; (verify::MAX_FILE + 1) as usize];
    let message = verify::verify(&huge).unwrap_err().to_string();
    assert!(message.contains("over the limit of 50 MiB"), "{message}");
    // The command line: exit 2, naming the limit.
    let dir = scratch("bomb");
    let path = dir.join("bomb.ofd");
    std::fs::write(&path, &bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_certpress"))
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inflates"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `bytes` with the first occurrence of `from` at or after `start` replaced by `to` (of the
/// same length).
fn replace_once(bytes: &mut [u8], start: usize, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let at = find(bytes, from, start);
    bytes[at..at + from.len()].copy_from_slice(to);
}

/// Asserts that, among `report`'s failed checks, one names each of `needles`.
fn assert_failed(report: &verify::Report, needles: &[&str]) {
    let failed_checks = failed(report);
    for needle in needles {
        assert!(
            failed_checks.iter().any(|c| c.contains(needle)),
            "no failed check names {needle:?}: {failed_checks:?}"
        );
    }
}

/// The names of the failed checks.
fn failed(report: &verify::Report) -> Vec<String> {
    report
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.what.clone())
        .collect()
}

#[test]
fn a_certificate_swapped_beside_the_signature_does_not_bind() {
    // The OFD: the certificate after the signed part of SES_Signature renamed `(fake)`.
    let id = identity(Algorithm::Sm2, "swap seal", FROM, UNTIL);
    let ofd = sealed_ofd(&id);
    let mut entries = unzip(&ofd);
    let value = entries
        .iter_mut()
        .find(|(n, _)| n.ends_with("SignedValue.dat"))
        .unwrap();
    let original = value.1.clone();
    let (tbs, _) = tbs_and_signature(&original);
    let after_tbs = find(&original, &tbs, 0) + tbs.len();
    // Its issuer and subject both (still self-issued, its signature now broken).
    replace_once(
        &mut value.1,
        after_tbs,
        "(test)".as_bytes(),
        "(fake)".as_bytes(),
    );
    replace_once(
        &mut value.1,
        after_tbs,
        "(test)".as_bytes(),
        "(fake)".as_bytes(),
    );
    let report = verify::verify(&rezip(&entries)).unwrap();
    assert!(!report.intact());
    assert!(report.signer.contains("(fake)"), "{report:?}");
    assert_failed(
        &report,
        &[
            "the seal authorises the signer's certificate",
            "the signer's certificate holds",
        ],
    );
    // Its issuer alone: the issuer is not at hand, and still the seal does not list it.
    let value = entries
        .iter_mut()
        .find(|(n, _)| n.ends_with("SignedValue.dat"))
        .unwrap();
    value.1 = original;
    replace_once(
        &mut value.1,
        after_tbs,
        "(test)".as_bytes(),
        "(fake)".as_bytes(),
    );
    let report = verify::verify(&rezip(&entries)).unwrap();
    assert!(!report.intact());
    assert_failed(&report, &["the seal authorises the signer's certificate"]);

    // The PDF: the certificate inside the CMS (outside the byte range) renamed.
    let id = identity(Algorithm::P256, "swap pades", FROM, UNTIL);
    let mut pdf = signed_pdf(&id, PdfStandard::Plain);
    let open = find(&pdf, b"/Contents <", 0) + b"/Contents <".len();
    let close = open + pdf[open..].iter().position(|&b| b == b'>').unwrap();
    let hex = |bytes: &[u8]| -> Vec<u8> {
        bytes
            .iter()
            .flat_map(|b| format!("{b:02X}").into_bytes())
            .collect()
    };
    let test = hex("(test)".as_bytes());
    let fake = hex("(fake)".as_bytes());
    // Every `(test)` of the CMS: the certificate's subject and issuer, and the signer
    // info's issuer.
    let mut at = open;
    while let Some(i) = pdf[at..close]
        .windows(test.len())
        .position(|w| w == &test[..])
    {
        pdf[at + i..at + i + test.len()].copy_from_slice(&fake);
        at += i + test.len();
    }
    let report = verify::verify(&pdf).unwrap();
    assert!(!report.intact());
    assert_failed(
        &report,
        &[
            "ESS signing-certificate-v2",
            "the signer's certificate holds",
        ],
    );
    // The signed digest is untouched: only the binding fails.
    assert!(!failed(&report).iter().any(|c| c.contains("unchanged")));
}

#[test]
fn trust_is_judged_against_the_roots_given_and_kept_apart_from_intact() {
    use keys::{authority, issued};
    let dir = scratch("trust");
    let root = authority(Algorithm::P256, "Test Root CA", FROM, UNTIL);
    let other = authority(Algorithm::P256, "Another CA", FROM, UNTIL);
    let leaf = issued(Algorithm::P256, "Test Bureau", "Test Root CA", FROM, UNTIL);
    let record = Record::load(ELECTRONIC).unwrap();
    let pdf = liuzhou()
        .issue(&record)
        .unwrap()
        .signed_pdf(&PdfOptions::default(), &signer(&leaf), when())
        .unwrap();
    let roots =
        |id: &TestIdentity| certpress::sign::certs::read_roots(id.cert_pem.as_bytes()).unwrap();
    let plain = verify::verify(&pdf).unwrap();
    assert!(plain.intact(), "{plain:?}");
    assert_eq!(plain.trusted, None);
    assert!(plain.trust.contains("not judged"), "{}", plain.trust);
    let options = |roots| verify::VerifyOptions {
        roots,
        ..Default::default()
    };
    let trusted = verify::verify_with(&pdf, &options(roots(&root))).unwrap();
    assert!(
        trusted.intact() && trusted.trusted == Some(true),
        "{trusted:?}"
    );
    assert!(trusted
        .checks
        .iter()
        .any(|c| c.ok && c.what.contains("issued by CN=Test Root CA")));
    // A certificate that is no CA's issues nothing, even when its signature holds.
    {
        use der::DecodePem;
        let cert = |id: &TestIdentity| x509_cert::Certificate::from_pem(&id.cert_pem).unwrap();
        let not_a_ca = issued(Algorithm::P256, "Not A CA", "Test Root CA", FROM, UNTIL);
        let below = issued(Algorithm::P256, "Below It", "Not A CA", FROM, UNTIL);
        let chained =
            certpress::sign::certs::chain_to(&cert(&below), &[cert(&not_a_ca)], &roots(&root));
        assert!(chained.is_err(), "{chained:?}");
        assert!(certpress::sign::certs::chain_to(&cert(&not_a_ca), &[], &roots(&root)).is_ok());
    }
    let untrusted = verify::verify_with(&pdf, &options(roots(&other))).unwrap();
    assert!(untrusted.intact(), "intact, whoever is trusted");
    assert_eq!(untrusted.trusted, Some(false));

    // The OFD seal by an SM2 certificate the SM2 root issued.
    let sm2_root = authority(Algorithm::Sm2, "Test SM2 Root", FROM, UNTIL);
    let sm2_leaf = issued(Algorithm::Sm2, "Test Seal", "Test SM2 Root", FROM, UNTIL);
    let ofd = liuzhou()
        .issue(&record)
        .unwrap()
        .sealed_ofd(&OfdOptions::default(), &signer(&sm2_leaf), when())
        .unwrap();
    let report = verify::verify_with(&ofd, &options(roots(&sm2_root))).unwrap();
    assert!(
        report.intact() && report.trusted == Some(true),
        "{report:?}"
    );

    // The command line: 0 trusted, 1 not.
    let bin = env!("CARGO_BIN_EXE_certpress");
    let file = dir.join("leaf.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let (_, root_pem) = write(&root, &dir, "root");
    let (_, other_pem) = write(&other, &dir, "other");
    let run = |trust: &Path| {
        Command::new(bin)
            .arg("verify")
            .arg(&file)
            .arg("--trust")
            .arg(trust)
            .output()
            .unwrap()
    };
    let out = run(&root_pem);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("trusted: the signer's certificate chains to CN=Test Root CA"));
    let out = run(&other_pem);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT trusted"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A seal as a seal system issues it: made with the maker's key, authorising `signers`.
fn issued_seal(maker: &TestIdentity, signers: &[&TestIdentity], valid: (&str, &str)) -> Vec<u8> {
    use certpress::sign::seal::{make_seal, SealSpec};
    let der = |id: &TestIdentity| {
        use der::{DecodePem, Encode};
        x509_cert::Certificate::from_pem(&id.cert_pem)
            .unwrap()
            .to_der()
            .unwrap()
    };
    make_seal(
        &signer(maker),
        &SealSpec {
            name: "柳州市鱼峰区行政审批局".into(),
            es_id: "4502030000001".into(),
            kind: 1,
            valid: (time::parse(valid.0).unwrap(), time::parse(valid.1).unwrap()),
            picture: (
                std::fs::read("tests/pictures/photo.jpg").unwrap(),
                "JPG".into(),
            ),
            size_mm: (42, 42),
            signers: signers.iter().map(|s| der(s)).collect(),
        },
    )
    .unwrap()
}

#[test]
fn a_seal_from_a_seal_system_seals_the_ofd_as_it_is() {
    use certpress::sign::seal::Seal;
    let maker = keys::authority(Algorithm::Sm2, "seal system maker", FROM, UNTIL);
    let officer = keys::authority(Algorithm::Sm2, "issuing officer", FROM, UNTIL);
    let stranger = identity(Algorithm::Sm2, "someone else", FROM, UNTIL);
    let valid = ("2021-01-01T00:00:00+08:00", "2030-12-31T23:59:59+08:00");
    let esl = issued_seal(&maker, &[&officer], valid);
    let seal = Seal::read(&esl).unwrap();
    assert!(seal.maker_signature_holds());
    // The record needs no seal artwork: the seal's own picture is the stamp.
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ELECTRONIC).unwrap()).unwrap();
    json.as_object_mut().unwrap().remove("seal_image");
    let record = Record::from_json(&json.to_string(), "no artwork").unwrap();
    let template = liuzhou();
    let licence = template.issue(&record).unwrap();
    let ofd = licence
        .sealed_ofd_with(
            &OfdOptions::default(),
            &signer(&officer),
            when(),
            &certpress::Sealing {
                seal: Some(&seal),
                tsa: None,
            },
        )
        .unwrap();
    let report = verify::verify(&ofd).unwrap();
    assert!(report.intact(), "{report:?}");
    let info = report.seal.as_ref().unwrap();
    assert!(
        info.maker.contains("seal system maker") && !info.made_by_signer,
        "{info:?}"
    );
    // The seal's bytes are inside the signature as they are.
    let signed_value = unzip(&ofd)
        .into_iter()
        .find(|(n, _)| n.ends_with("SignedValue.dat"))
        .unwrap()
        .1;
    assert!(signed_value.windows(esl.len()).any(|w| w == &esl[..]));
    // ofd-core recomputes every digest.
    let mut reader = ofd_core::OfdReader::new(
        ofd_core::OfdPackage::new(std::io::Cursor::new(ofd.clone())).unwrap(),
    )
    .unwrap();
    assert_eq!(
        ofd_core::check_reader(&mut reader).signatures[0].verdict(),
        ofd_core::SigVerdict::Valid
    );

    // Refused, nothing made: a signer the seal does not authorise, a time outside it, a
    // seal whose maker signature does not hold, a file that is no seal.
    let refused = |seal: &Seal, who: &TestIdentity, at: &str| {
        licence
            .sealed_ofd_with(
                &OfdOptions::default(),
                &signer(who),
                time::parse(at).unwrap(),
                &certpress::Sealing {
                    seal: Some(seal),
                    tsa: None,
                },
            )
            .unwrap_err()
            .to_string()
    };
    assert!(refused(&seal, &stranger, SIGN_TIME).contains("does not authorise"));
    let expired = Seal::read(&issued_seal(
        &maker,
        &[&officer],
        ("2020-01-01T00:00:00+08:00", "2021-01-01T00:00:00+08:00"),
    ))
    .unwrap();
    assert!(refused(&expired, &officer, SIGN_TIME).contains("not at the signing time"));
    let mut altered = esl.clone();
    let at = find(&altered, "4502030000001".as_bytes(), 0);
    altered[at] = b'9';
    let altered = Seal::read(&altered).unwrap();
    assert!(!altered.maker_signature_holds());
    assert!(refused(&altered, &officer, SIGN_TIME).contains("maker's signature does not hold"));
    assert!(matches!(
        Seal::read(b"not a seal"),
        Err(certpress::Error::Unreadable { .. })
    ));

    // The command line: seal show (0 holds, 1 altered, 2 no seal), render --seal, verify.
    let dir = scratch("esl");
    let bin = env!("CARGO_BIN_EXE_certpress");
    let file = dir.join("seal.esl");
    std::fs::write(&file, &esl).unwrap();
    let show = |path: &Path| {
        Command::new(bin)
            .args(["seal", "show"])
            .arg(path)
            .output()
            .unwrap()
    };
    let out = show(&file);
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("4502030000001") && said.contains("issuing officer"),
        "{said}"
    );
    let mut bytes = esl.clone();
    bytes[at] = b'9';
    std::fs::write(dir.join("altered.esl"), &bytes).unwrap();
    assert_eq!(show(&dir.join("altered.esl")).status.code(), Some(1));
    std::fs::write(dir.join("junk.esl"), b"junk").unwrap();
    assert_eq!(show(&dir.join("junk.esl")).status.code(), Some(2));
    let (key, cert) = write(&officer, &dir, "officer");
    let record_file = dir.join("record.json");
    std::fs::write(&record_file, json.to_string()).unwrap();
    let ofd_file = dir.join("licence.ofd");
    let out = Command::new(bin)
        .args(["render", "specs/liuzhou/licence.ron", "--data"])
        .arg(&record_file)
        .arg("--ofd")
        .arg(&ofd_file)
        .arg("--sign-key")
        .arg(&key)
        .arg("--sign-cert")
        .arg(&cert)
        .arg("--seal")
        .arg(&file)
        .args(["--sign-time", SIGN_TIME])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(bin)
        .arg("verify")
        .arg(&ofd_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("made by CN=seal system maker"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A time-stamping authority on 127.0.0.1 for the tests: OpenSSL's `ts -reply` behind a
/// small HTTP server (a test CA, a TSA certificate for timeStamping). `garbage` answers
/// bytes that are no TimeStampResp. Returns its URL and the CA's certificate file.
fn local_tsa(dir: &Path, garbage: bool) -> (String, PathBuf) {
    use std::io::{BufRead, BufReader, Read, Write};
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(
        dir.join("tsa.cnf"),
        "[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = ./serial\ncrypto_device = builtin\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5\ndigests = sha256\naccuracy = secs:1\nordering = yes\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\ncerts = ./ca.crt\n[ ext ]\nextendedKeyUsage = critical,timeStamping\nbasicConstraints = CA:FALSE\n",
    )
    .unwrap();
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "9000",
        "-subj",
        "/CN=certpress test TSA root",
    ]);
    run(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=certpress test TSA",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "tsa.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "tsa.crt",
        "-days",
        "9000",
        "-extfile",
        "tsa.cnf",
        "-extensions",
        "ext",
    ]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let root = dir.join("ca.crt");
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().take(64).enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let answer = if garbage {
                b"this is no TimeStampResp".to_vec()
            } else {
                let (query, reply) = (dir.join(format!("q{n}.tsq")), dir.join(format!("r{n}.tsr")));
                std::fs::write(&query, &body).unwrap();
                Command::new("openssl")
                    .args([
                        "ts",
                        "-reply",
                        "-config",
                        "tsa.cnf",
                        "-signer",
                        "tsa.crt",
                        "-inkey",
                        "tsa.key",
                        "-queryfile",
                    ])
                    .arg(&query)
                    .arg("-out")
                    .arg(&reply)
                    .current_dir(&dir)
                    .output()
                    .unwrap();
                std::fs::read(&reply).unwrap_or_default()
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                answer.len()
            );
            let _ = stream.write_all(&answer);
        }
    });
    (format!("http://{address}/tsa"), root)
}

#[test]
fn signatures_are_time_stamped_by_a_tsa_and_the_token_is_checked() {
    use certpress::sign::tsa::{self, Tsa};
    if !openssl_sm2() {
        eprintln!("SKIPPED: no OpenSSL to run a test TSA; certpress's own checks of tokens ran in the other tests");
        return;
    }
    let dir = scratch("tsa");
    let (url, tsa_root) = local_tsa(&dir, false);
    let tsa = Tsa::new(&url).unwrap();
    let record = Record::load(ELECTRONIC).unwrap();
    let template = liuzhou();
    let licence = template.issue(&record).unwrap();

    // PAdES B-T.
    let pades = identity(Algorithm::P256, "tsa pades", FROM, UNTIL);
    let pdf = licence
        .signed_pdf_with(&PdfOptions::default(), &signer(&pades), when(), Some(&tsa))
        .unwrap();
    let report = verify::verify(&pdf).unwrap();
    assert!(report.intact(), "{report:?}");
    let stamp = report.timestamp.clone().expect("a timestamp");
    assert!(stamp.tsa.contains("certpress test TSA"), "{stamp:?}");
    // The OFD's seal carries the token in SES_Signature's timeStamp.
    let seal_key = identity(Algorithm::Sm2, "tsa seal", FROM, UNTIL);
    let ofd = licence
        .sealed_ofd_with(
            &OfdOptions::default(),
            &signer(&seal_key),
            when(),
            &certpress::Sealing {
                seal: None,
                tsa: Some(&tsa),
            },
        )
        .unwrap();
    let report = verify::verify(&ofd).unwrap();
    assert!(report.intact() && report.timestamp.is_some(), "{report:?}");
    let signed_value = unzip(&ofd)
        .into_iter()
        .find(|(n, _)| n.ends_with("SignedValue.dat"))
        .unwrap()
        .1;
    std::fs::write(dir.join("SignedValue.dat"), &signed_value).unwrap();
    let parsed = Command::new("openssl")
        .args(["asn1parse", "-inform", "DER", "-in"])
        .arg(dir.join("SignedValue.dat"))
        .output()
        .unwrap();
    let parsed = String::from_utf8_lossy(&parsed.stdout).into_owned();
    // The token is the BIT STRING inside `timeStamp [0]`: parsed by OpenSSL in turn.
    let lines: Vec<&str> = parsed.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("d=1") && l.contains("cont [ 0 ]"))
        .unwrap_or_else(|| panic!("no timeStamp [0] in SES_Signature:\n{parsed}"));
    let offset = lines[at + 1].split(':').next().unwrap().trim().to_owned();
    let token = Command::new("openssl")
        .args(["asn1parse", "-inform", "DER", "-strparse", &offset, "-in"])
        .arg(dir.join("SignedValue.dat"))
        .output()
        .unwrap();
    let token = String::from_utf8_lossy(&token.stdout);
    assert!(
        token.contains("id-smime-ct-TSTInfo"),
        "openssl finds no TSTInfo:\n{token}"
    );

    // A token checked against another message, or changed, does not hold.
    let query = std::fs::read(dir.join("r0.tsr")).unwrap();
    let token = tsa::token(&query, b"not the signature", None);
    assert!(token.is_err());

    // A TSA that is down, or answers garbage: an error, and the command writes nothing.
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        format!("http://{address}/tsa")
    };
    let err = licence
        .signed_pdf_with(
            &PdfOptions::default(),
            &signer(&pades),
            when(),
            Some(&Tsa::new(&down).unwrap()),
        )
        .unwrap_err();
    assert!(err.to_string().contains("did not answer"), "{err}");
    let garbage_dir = dir.join("garbage");
    std::fs::create_dir_all(&garbage_dir).unwrap();
    let (garbage, _) = local_tsa(&garbage_dir, true);
    let (key, cert) = write(&pades, &dir, "pades");
    let out_file = dir.join("stamped.pdf");
    let out = Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args([
            "render",
            "specs/liuzhou/licence.ron",
            "--data",
            ELECTRONIC,
            "--pdf",
        ])
        .arg(&out_file)
        .arg("--sign-key")
        .arg(&key)
        .arg("--sign-cert")
        .arg(&cert)
        .args(["--sign-time", SIGN_TIME, "--tsa", &garbage])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TimeStampResp"));
    assert!(!out_file.exists(), "nothing written");

    // pyHanko: the B-T signature's timestamp sound and trusted with the test TSA's root.
    if python_with_pyhanko() {
        let file = dir.join("bt.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let (_, cert) = write(&pades, &dir, "bt");
        let script = PYHANKO.replace(
            "vc = ValidationContext(trust_roots=[root], allow_fetching=False)",
            "vc = ValidationContext(trust_roots=[root, load_cert_from_pemder(sys.argv[3])], allow_fetching=False)",
        ) + "print('timestamp', status.timestamp_validity is not None and status.timestamp_validity.valid and status.timestamp_validity.intact)\nprint('ts_trusted', status.timestamp_validity is not None and status.timestamp_validity.trusted)\n";
        let out = Command::new("python3")
            .args(["-c", &script])
            .arg(&file)
            .arg(&cert)
            .arg(&tsa_root)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains("intact True")
                && said.contains("timestamp True")
                && said.contains("ts_trusted True"),
            "pyHanko says {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        eprintln!("SKIPPED (pyHanko part): pyHanko is not installed");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Debian's SoftHSM2 module, when installed.
fn softhsm() -> Option<PathBuf> {
    let module = PathBuf::from("/usr/lib/softhsm/libsofthsm2.so");
    let util = Command::new("softhsm2-util")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (module.exists() && util).then_some(module)
}

#[test]
fn a_key_that_never_leaves_its_token_signs_the_pdf() {
    use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
    use cryptoki::mechanism::Mechanism;
    use cryptoki::object::{Attribute, AttributeType};
    use cryptoki::session::UserType;
    use cryptoki::types::AuthPin;
    use der::{Decode, Encode, EncodePem};
    let Some(module) = softhsm() else {
        eprintln!("SKIPPED: SoftHSM2 is not installed (apt-get install softhsm2); the PEM keys were tested");
        return;
    };
    let dir = scratch("pkcs11");
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    let init = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "certpress test",
            "--so-pin",
            "0000",
            "--pin",
            "1234",
        ])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    // The key is made inside the token; only its public half comes out.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let context = Pkcs11::new(&module).unwrap();
    context
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    let slot = context
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| context.get_token_info(*s).unwrap().label().trim() == "certpress test")
        .unwrap();
    let session = context.open_rw_session(slot).unwrap();
    session
        .login(UserType::User, Some(&AuthPin::new("1234".into())))
        .unwrap();
    let p256 = der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7")
        .to_der()
        .unwrap();
    let (public, _) = session
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[
                Attribute::EcParams(p256),
                Attribute::Token(true),
                Attribute::Label(b"pades".to_vec()),
                Attribute::Verify(true),
            ],
            &[
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sign(true),
                Attribute::Label(b"pades".to_vec()),
            ],
        )
        .unwrap();
    let point = session
        .get_attributes(public, &[AttributeType::EcPoint])
        .unwrap();
    let Attribute::EcPoint(point) = &point[0] else {
        panic!("no EC point")
    };
    let point = der::asn1::OctetString::from_der(point).unwrap();
    drop(session);
    drop(context);
    // Its certificate, issued by a software CA of the test.
    let ca = keys::authority(Algorithm::P256, "token test CA", FROM, UNTIL);
    let ca_key =
        p256::SecretKey::from_slice(&<sha2::Sha256 as sha2::Digest>::digest(b"token test CA"))
            .unwrap();
    let ca_key = p256::ecdsa::SigningKey::from(&ca_key);
    let spki = spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: "1.2.840.10045.2.1".parse().unwrap(),
            parameters: Some(
                der::Any::from_der(
                    &der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7")
                        .to_der()
                        .unwrap(),
                )
                .unwrap(),
            ),
        },
        subject_public_key: der::asn1::BitString::from_bytes(point.as_bytes()).unwrap(),
    };
    let algorithm = spki::AlgorithmIdentifierOwned {
        oid: "1.2.840.10045.4.3.2".parse().unwrap(),
        parameters: None,
    };
    let time = |secs| {
        x509_cert::time::Time::UtcTime(
            der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(secs)).unwrap(),
        )
    };
    let tbs = x509_cert::TbsCertificate {
        version: x509_cert::Version::V3,
        serial_number: x509_cert::serial_number::SerialNumber::new(&[7]).unwrap(),
        signature: algorithm.clone(),
        issuer: "CN=token test CA,O=certpress tests,C=CN".parse().unwrap(),
        validity: x509_cert::time::Validity {
            not_before: time(FROM),
            not_after: time(UNTIL),
        },
        subject: "CN=Test Bureau (token),O=certpress tests,C=CN"
            .parse()
            .unwrap(),
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        // A signing certificate: digital signature and non-repudiation, as PAdES
        // validators (pyHanko) ask of a signer.
        extensions: Some(vec![x509_cert::ext::Extension {
            extn_id: der::oid::db::rfc5280::ID_CE_KEY_USAGE,
            critical: true,
            extn_value: der::asn1::OctetString::new(
                x509_cert::ext::pkix::KeyUsage(
                    x509_cert::ext::pkix::KeyUsages::DigitalSignature
                        | x509_cert::ext::pkix::KeyUsages::NonRepudiation,
                )
                .to_der()
                .unwrap(),
            )
            .unwrap(),
        }]),
    };
    let signature: p256::ecdsa::Signature =
        signature::Signer::sign(&ca_key, &tbs.to_der().unwrap());
    let certificate = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: algorithm,
        signature: der::asn1::BitString::from_bytes(signature.to_der().as_bytes()).unwrap(),
    };
    let cert_file = dir.join("token.cert.pem");
    std::fs::write(
        &cert_file,
        certificate.to_pem(pkcs8::LineEnding::LF).unwrap(),
    )
    .unwrap();
    let (_, ca_file) = write(&ca, &dir, "ca");

    // The command line signs with it; the PIN only in the environment.
    let bin = env!("CARGO_BIN_EXE_certpress");
    let pdf = dir.join("token.pdf");
    let render = |pin: Option<&str>, key: &str| {
        let mut command = Command::new(bin);
        command
            .args([
                "render",
                "specs/liuzhou/licence.ron",
                "--data",
                ELECTRONIC,
                "--pdf",
            ])
            .arg(&pdf)
            .args(["--sign-key", key, "--sign-cert"])
            .arg(&cert_file)
            .arg("--pkcs11-module")
            .arg(&module)
            .args(["--sign-time", SIGN_TIME])
            .env("SOFTHSM2_CONF", &conf)
            .env_remove("CERTPRESS_PKCS11_PIN");
        if let Some(pin) = pin {
            command.env("CERTPRESS_PKCS11_PIN", pin);
        }
        command.output().unwrap()
    };
    let uri = "pkcs11:token=certpress%20test;object=pades";
    let out = render(Some("1234"), uri);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&pdf).unwrap();
    let report = verify::verify(&bytes).unwrap();
    assert!(report.intact(), "{report:?}");
    assert!(report.signer.contains("Test Bureau (token)"));
    let trusted = verify::verify_with(
        &bytes,
        &verify::VerifyOptions {
            roots: certpress::sign::certs::read_roots(ca.cert_pem.as_bytes()).unwrap(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(trusted.trusted, Some(true), "{}", trusted.trust);
    // pyHanko: the signature the token made is intact, valid and trusted with the test CA.
    if python_with_pyhanko() {
        let out = Command::new("python3")
            .args(["-c", PYHANKO])
            .arg(&pdf)
            .arg(&ca_file)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains("intact True")
                && said.contains("valid True")
                && said.contains("trusted True"),
            "pyHanko says {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        eprintln!("SKIPPED (pyHanko part): pyHanko is not installed");
    }
    // Two keys from one module in one process (as `serve` loads one per spec).
    std::env::set_var("CERTPRESS_PKCS11_PIN", "1234");
    let first = certpress::sign::Signer::from_token(uri, &module, &cert_file).unwrap();
    let second = certpress::sign::Signer::from_token(uri, &module, &cert_file).unwrap();
    let record = Record::load(ELECTRONIC).unwrap();
    let licence = liuzhou().issue(&record).unwrap();
    for signer in [&first, &second] {
        let pdf = licence
            .signed_pdf(&PdfOptions::default(), signer, when())
            .unwrap();
        assert!(verify::verify(&pdf).unwrap().intact());
    }
    std::env::remove_var("CERTPRESS_PKCS11_PIN");
    // No PIN, a wrong PIN, a key that is not there: refused, saying which, nothing written.
    std::fs::remove_file(&pdf).unwrap();
    for (pin, key, says) in [
        (None, uri, "CERTPRESS_PKCS11_PIN"),
        (Some("9999"), uri, "logging in"),
        (
            Some("1234"),
            "pkcs11:token=certpress%20test;object=nothing",
            "no private key labelled",
        ),
    ] {
        let out = render(pin, key);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
        assert!(
            !stderr.contains("1234") && !stderr.contains("9999"),
            "the PIN is never printed"
        );
        assert!(!pdf.exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An SM2 key in a token: refused with the reason, before any module is loaded.
#[test]
fn an_sm2_key_in_a_token_is_refused_with_the_reason() {
    let dir = scratch("sm2-token");
    let id = identity(Algorithm::Sm2, "sm2 token", FROM, UNTIL);
    let (_, cert) = write(&id, &dir, "sm2");
    let err = Signer::from_token(
        "pkcs11:token=t;object=k",
        Path::new("/nonexistent/module.so"),
        &cert,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("PKCS#11 defines no SM2 mechanism"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// What sealing remembers (the template page's SM3, the stamp picture by what it draws,
/// the seal's maker signature by what it signs) changes nothing: on one template and one
/// signer, seals of records with different seal artwork, interleaved, are byte for byte
/// the seals made afresh.
#[test]
fn a_seal_made_from_what_was_remembered_is_the_seal_made_afresh() {
    let id = identity(Algorithm::Sm2, "remembered seal", FROM, UNTIL);
    let first = Record::load(ELECTRONIC).unwrap();
    // The same record sealed with other artwork: the emblem beside it.
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ELECTRONIC).unwrap()).unwrap();
    json["seal_image"] = "emblem-placeholder.svg".into();
    let mut second = Record::from_json(&json.to_string(), "other seal").unwrap();
    second.folder = Some("specs/liuzhou".into());
    let records = [first, second];
    let afresh: Vec<Vec<u8>> = records
        .iter()
        .map(|record| {
            certpress::Template::load(common::SPEC)
                .unwrap()
                .issue(record)
                .unwrap()
                .sealed_ofd(&OfdOptions::default(), &signer(&id), when())
                .unwrap()
        })
        .collect();
    assert!(afresh[0] != afresh[1], "the artwork changes the seal");
    let (template, sealer) = (liuzhou(), signer(&id));
    for round in 0..2 {
        for (i, record) in records.iter().enumerate() {
            let sealed = template
                .issue(record)
                .unwrap()
                .sealed_ofd(&OfdOptions::default(), &sealer, when())
                .unwrap();
            assert!(sealed == afresh[i], "round {round}, record {i}");
        }
    }
}
