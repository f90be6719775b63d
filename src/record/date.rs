//! Calendar dates as records carry them (ISO 8601) and as licences print them.

use crate::spec::DateStyle;

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year, 1900–2199.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` and checks that the day exists.
    pub fn parse_iso(text: &str) -> Result<Self, String> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err("not an ISO date (YYYY-MM-DD)".into());
        }
        let number = |range: std::ops::Range<usize>| text[range].parse::<u16>().unwrap_or(0);
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        if !(1900..2200).contains(&year) {
            return Err(format!("year {year} is outside 1900–2199"));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("month {month} does not exist"));
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if day == 0 || day > days {
            return Err(format!("{year}-{month:02} has no day {day}"));
        }
        Ok(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The date in ISO 8601 (`2022-09-26`), as metadata carries it.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// The date as a licence prints it.
    pub(crate) fn format(&self, style: DateStyle) -> String {
        match style {
            DateStyle::Arabic => format!("{}年{}月{}日", self.year, self.month, self.day),
            DateStyle::ChineseNumerals => {
                let year: String = self.year.to_string().chars().map(digit).collect();
                format!(
                    "{year}年{}月{}日",
                    chinese_number(self.month),
                    chinese_number(self.day)
                )
            }
        }
    }
}

/// 〇 to 九 for one decimal digit, as years are written digit by digit.
fn digit(c: char) -> char {
    const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    DIGITS[c.to_digit(10).unwrap_or(0) as usize]
}

/// 1–31 in Chinese numerals: 九, 十, 十一, 二十, 二十六, 三十一.
fn chinese_number(n: u8) -> String {
    let ones = |n: u8| digit(char::from(b'0' + n));
    match n {
        0..=9 => ones(n).to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", ones(n - 10)),
        _ if n % 10 == 0 => format!("{}十", ones(n / 10)),
        _ => format!("{}十{}", ones(n / 10), ones(n % 10)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_both_styles() {
        let d = Date::parse_iso("2022-09-26").unwrap();
        assert_eq!(d.format(DateStyle::Arabic), "2022年9月26日");
        assert_eq!(
            d.format(DateStyle::ChineseNumerals),
            "二〇二二年九月二十六日"
        );
        let d = Date::parse_iso("2020-10-10").unwrap();
        assert_eq!(d.format(DateStyle::ChineseNumerals), "二〇二〇年十月十日");
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert!(Date::parse_iso("2023-02-29").is_err());
        assert!(Date::parse_iso("2024-02-29").is_ok());
        assert!(Date::parse_iso("2100-02-29").is_err());
        assert!(Date::parse_iso("2022-13-01").is_err());
        assert!(Date::parse_iso("2022-9-26").is_err());
        assert!(Date::parse_iso("２０２２-09-26").is_err());
    }
}
