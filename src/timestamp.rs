//! A moment to the second (a signing time: given with `--sign-time`, for tests and
//! re-issue, so the same input gives the same bytes, or now), in the forms ISO 8601, PDF
//! and ASN.1 write it. Ground level: the PDF back end writes a signature's time, the
//! signing room makes it.

use std::time::{Duration, SystemTime};

use der::DateTime;

use crate::error::{Error, Result};

/// Seconds since the Unix epoch, whole.
pub type SigningTime = Duration;

/// Now, to the second.
pub fn now() -> SigningTime {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(now.as_secs())
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` or with an offset `±HH:MM`.
pub fn parse(text: &str) -> Result<SigningTime> {
    let bad = || {
        Error::Options {
        message: format!(
            "the signing time `{text}` is not a time: give YYYY-MM-DDTHH:MM:SS with Z or an offset such as +08:00"
        ),
    }
    };
    let (stamp, offset_secs) = if let Some(stamp) = text.strip_suffix('Z') {
        (stamp, 0i64)
    } else {
        let cut = text.len().checked_sub(6).ok_or_else(bad)?;
        let (stamp, offset) = text.split_at(cut);
        let sign = match offset.as_bytes()[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(bad()),
        };
        let hours: i64 = offset[1..3].parse().map_err(|_| bad())?;
        let minutes: i64 = offset[4..6].parse().map_err(|_| bad())?;
        if &offset[3..4] != ":" || hours > 14 || minutes > 59 {
            return Err(bad());
        }
        (stamp, sign * (hours * 3600 + minutes * 60))
    };
    if stamp.len() != 19 || &stamp[10..11] != "T" {
        return Err(bad());
    }
    let field = |range: std::ops::Range<usize>| stamp[range].parse::<u16>().map_err(|_| bad());
    let datetime = DateTime::new(
        field(0..4)?,
        field(5..7)? as u8,
        field(8..10)? as u8,
        field(11..13)? as u8,
        field(14..16)? as u8,
        field(17..19)? as u8,
    )
    .map_err(|_| bad())?;
    let local = datetime.unix_duration().as_secs() as i64;
    u64::try_from(local - offset_secs)
        .map(Duration::from_secs)
        .map_err(|_| bad())
}

fn datetime(time: SigningTime) -> DateTime {
    DateTime::from_unix_duration(time).unwrap_or(DateTime::INFINITY)
}

/// `2022-09-26T02:00:00Z`.
pub(crate) fn iso(time: SigningTime) -> String {
    let d = datetime(time);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minutes(),
        d.seconds()
    )
}

/// The PDF date of the signature dictionary's `M`, in UTC.
pub(crate) fn pdf(time: SigningTime) -> pdf_writer::Date {
    let d = datetime(time);
    pdf_writer::Date::new(d.year())
        .month(d.month())
        .day(d.day())
        .hour(d.hour())
        .minute(d.minutes())
        .second(d.seconds())
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// ASN.1 GeneralizedTime.
pub(crate) fn generalized(time: SigningTime) -> der::asn1::GeneralizedTime {
    der::asn1::GeneralizedTime::from_date_time(datetime(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_applied() {
        let utc = parse("2022-09-26T02:00:00Z").unwrap();
        assert_eq!(parse("2022-09-26T10:00:00+08:00").unwrap(), utc);
        assert_eq!(iso(utc), "2022-09-26T02:00:00Z");
        for bad in [
            "2022-09-26",
            "2022-09-26 10:00:00Z",
            "2022-13-26T10:00:00Z",
            "2022-09-26T10:00:00+8",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
