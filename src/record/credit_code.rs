//! The unified social credit code (统一社会信用代码) of GB 32100-2015.
//!
//! Eighteen characters from a 31-character alphabet (digits and capitals without I, O, Z,
//! S, V); the last is a check character computed from the first seventeen with weights
//! 3^i mod 31.

/// The code's alphabet; a character's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1 to 17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a credit code is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCodeError {
    /// Not 18 characters.
    Length(usize),
    /// A character outside the alphabet, at a one-based position.
    Character(usize, char),
    /// Positions 3–8 (the administrative division code) are not digits.
    Division,
    /// The check character does not match.
    Check {
        /// What the code has.
        found: char,
        /// What the first 17 characters require.
        expected: char,
    },
}

impl std::fmt::Display for CreditCodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CreditCodeError::Length(n) => {
                write!(f, "has {n} characters; a unified social credit code has 18")
            }
            CreditCodeError::Character(pos, c) => write!(
                f,
                "character {pos} is {c:?}, which GB 32100 does not use (allowed: digits and \
                 capitals except I, O, Z, S, V)"
            ),
            CreditCodeError::Division => {
                write!(
                    f,
                    "characters 3–8 (administrative division code) must be digits"
                )
            }
            CreditCodeError::Check { found, expected } => write!(
                f,
                "check character is {found:?} but the first 17 characters give {expected:?}"
            ),
        }
    }
}

/// The check character for the first 17 characters of a code, if they are all valid.
pub fn check_character(first17: &str) -> Option<char> {
    let mut sum = 0;
    let mut count = 0;
    for (i, c) in first17.chars().enumerate() {
        let value = ALPHABET.iter().position(|&a| char::from(a) == c)? as u32;
        sum += value * WEIGHTS.get(i)?;
        count += 1;
    }
    if count != 17 {
        return None;
    }
    let check = (31 - sum % 31) % 31;
    Some(char::from(ALPHABET[check as usize]))
}

/// Checks a code's length, alphabet, division digits and check character.
pub fn validate(code: &str) -> Result<(), CreditCodeError> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(CreditCodeError::Length(chars.len()));
    }
    if let Some((i, c)) = chars
        .iter()
        .enumerate()
        .find(|(_, c)| !c.is_ascii() || !ALPHABET.contains(&(**c as u8)))
    {
        return Err(CreditCodeError::Character(i + 1, *c));
    }
    if !chars[2..8].iter().all(char::is_ascii_digit) {
        return Err(CreditCodeError::Division);
    }
    let expected = check_character(&code[..17]).ok_or(CreditCodeError::Length(chars.len()))?;
    if chars[17] != expected {
        return Err(CreditCodeError::Check {
            found: chars[17],
            expected,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_pass() {
        // Published codes of well-known companies.
        assert_eq!(validate("91350100M000100Y43"), Ok(()));
        assert_eq!(validate("91110000100006485K"), Ok(()));
    }

    #[test]
    fn a_wrong_check_character_names_the_expected_one() {
        assert_eq!(
            validate("91350100M000100Y44"),
            Err(CreditCodeError::Check {
                found: '4',
                expected: '3'
            })
        );
    }

    #[test]
    fn letters_outside_the_alphabet_are_refused() {
        assert_eq!(
            validate("91350100I000100Y43"),
            Err(CreditCodeError::Character(9, 'I'))
        );
        assert_eq!(validate("9135010"), Err(CreditCodeError::Length(7)));
        assert_eq!(
            validate("91A50100M000100Y43"),
            Err(CreditCodeError::Division)
        );
    }
}
