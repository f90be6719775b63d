//! The electronic licence identifier (电子证照标识) of GB/T 36904-2018.
//!
//! Six parts separated by full stops: the electronic licence root code `1.2.156.3005.2`,
//! the licence type code (证照类型代码), the issuing authority's code (证照颁发机构代码, its
//! unified social credit code), a serial number (流水号), a three-digit version (版本号)
//! and one check character (校验位). The check character is computed over the type code,
//! authority code, serial and version written one after the other, with the hybrid
//! system MOD 37,36 of GB/T 17710 (ISO/IEC 7064), over the alphabet `0–9 A–Z`.
//!
//! Sources: the standard's structure as the issuing platforms' public interface
//! documents quote it, e.g. `1.2.156.3005.2.11100000000013338W011.11430000006122244L.
//! 20230000403.001.U` (a construction-safety certificate, Hunan) and the order
//! "电子证照根代码.证照类型代码.证照颁发机构代码.流水号.版本号.检验位" with the check over
//! `类型代码 + 颁发机构代码 + 流水号 + 版本号` by ISO 7064 MOD 37 HYBRID 36 in the public
//! licence-platform code that builds them. The tests check published identifiers.

/// The root code every electronic licence identifier starts with.
pub(crate) const ROOT: &str = "1.2.156.3005.2";

/// The modulus of the hybrid system MOD 37,36: the alphabet's size.
const M: u32 = 36;

/// A character's value in the alphabet `0–9 A–Z`.
fn value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        _ => None,
    }
}

fn character(v: u32) -> char {
    char::from_digit(v, M).map_or('?', |c| c.to_ascii_uppercase())
}

/// Why an identifier part is refused: empty, or a character outside `0–9 A–Z`.
pub(crate) fn check_part(part: &str) -> Result<(), String> {
    if part.is_empty() {
        return Err("is empty".into());
    }
    match part.chars().enumerate().find(|(_, c)| value(*c).is_none()) {
        Some((i, c)) => Err(format!(
            "has `{c}` at position {}; only upper-case letters and digits may appear",
            i + 1
        )),
        None => Ok(()),
    }
}

/// The check character of `data` by ISO/IEC 7064 MOD 37,36 (GB/T 17710 §5.3, hybrid
/// system with M = 36): `None` when `data` holds a character outside `0–9 A–Z`.
pub fn check_character(data: &str) -> Option<char> {
    let mut p = M;
    for c in data.chars() {
        let s = (p + value(c)?) % M;
        let s = if s == 0 { M } else { s };
        p = (s * 2) % (M + 1);
    }
    Some(character((M + 1 - p) % M))
}

/// The identifier of a licence: `1.2.156.3005.2.TYPE.ISSUER.SERIAL.VVV.C`. Each part is
/// checked; the error names the part and what is wrong with it.
pub(crate) fn build(
    type_code: &str,
    issuer_code: &str,
    serial: &str,
    version: u16,
) -> Result<String, String> {
    for (name, part) in [
        ("type_code (证照类型代码)", type_code),
        ("issuer_code (证照颁发机构代码)", issuer_code),
        ("serial (流水号)", serial),
    ] {
        check_part(part).map_err(|problem| format!("{name} `{part}` {problem}"))?;
    }
    if !(1..=999).contains(&version) {
        return Err(format!("version {version} is out of range 1–999"));
    }
    let version = format!("{version:03}");
    let check = check_character(&format!("{type_code}{issuer_code}{serial}{version}"))
        .ok_or("a part holds a character outside 0–9 A–Z")?;
    Ok(format!(
        "{ROOT}.{type_code}.{issuer_code}.{serial}.{version}.{check}"
    ))
}

/// Whether `identifier` is well formed and its check character right.
pub fn verify(identifier: &str) -> bool {
    let Some(rest) = identifier
        .strip_prefix(ROOT)
        .and_then(|r| r.strip_prefix('.'))
    else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    let [type_code, issuer, serial, version, check] = parts[..] else {
        return false;
    };
    version.len() == 3
        && version.bytes().all(|b| b.is_ascii_digit())
        && check.len() == 1
        && check_character(&format!("{type_code}{issuer}{serial}{version}"))
            .is_some_and(|c| check.starts_with(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Identifiers published by issuing platforms, with their check characters: one
    /// quoted as the format of a provincial interface, one in the file name of a licence
    /// served by a provincial platform. (An API's illustrative example,
    /// `…209FA4E88F9E4C878F3E9BED2CE7EA49.001.M`, does not verify: its check character
    /// was made up; the algorithm gives `D`.)
    const PUBLISHED: [&str; 2] = [
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    ];

    #[test]
    fn published_identifiers_verify() {
        for id in PUBLISHED {
            assert!(verify(id), "{id}");
        }
    }

    #[test]
    fn rebuilding_a_published_identifier_gives_its_check_character() {
        let id = build(
            "11100000000013338W011",
            "11430000006122244L",
            "20230000403",
            1,
        )
        .unwrap();
        assert_eq!(id, PUBLISHED[0]);
        let id = build(
            "11100000000013338W009",
            "11330105002500287C",
            "2025052201",
            2,
        )
        .unwrap();
        assert_eq!(id, PUBLISHED[1]);
    }

    #[test]
    fn a_changed_character_is_caught() {
        for id in PUBLISHED {
            // Change one digit of the serial: the check no longer holds.
            let changed = id
                .replacen(".2023", ".2024", 1)
                .replacen(".2025", ".2026", 1);
            assert_ne!(changed, id);
            assert!(!verify(&changed), "{changed}");
        }
    }

    #[test]
    fn bad_parts_are_named() {
        let err = build("1110000000001333", "1143000000612224", "2023-1", 1).unwrap_err();
        assert!(err.contains("serial") && err.contains('-'), "{err}");
        assert!(build("A", "B", "C", 1000).unwrap_err().contains("version"));
        assert!(build("", "B", "C", 1).unwrap_err().contains("empty"));
    }
}
