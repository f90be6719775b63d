//! An electronic licence's metadata (GB/T 36903 电子证照元数据): what the spec's
//! `electronic` section says, filled from the record, with the licence identifier of
//! GB/T 36904 built from it. The OFD's `CustomDatas` and the PDF's XMP carry the same
//! entries.

use crate::error::{Error, Result};
use crate::identifier;
use crate::record::{BoundRecord, Value};
use crate::spec::{DateStyle, Electronic, Source};

/// One metadata entry: its GB/T 36903 name, an ASCII key for XMP, and the value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// ASCII key (`licenceNumber`), for XMP properties and JSON.
    pub key: &'static str,
    /// The standard's Chinese name (`证照编号`), for OFD `CustomData`.
    pub name: &'static str,
    /// The value as text; dates in ISO 8601 (`2022-09-26`).
    pub value: String,
}

/// A licence's metadata, in the order GB/T 36903 lists the elements.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Metadata {
    /// The licence identifier (证照标识), check character included.
    pub identifier: String,
    /// The licence's version (版本号), 1 on first issue, raised on each re-issue.
    pub version: u16,
    /// Every entry, the identifier first.
    pub entries: Vec<Entry>,
}

impl Metadata {
    /// The value of the entry with `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    }
}

/// How a list field reads as one metadata value.
const LIST_JOIN: &str = "；";

/// The text a source gives for `record`: `None` when it names a field the record lacks.
pub(crate) fn text_of(source: &Source, record: &BoundRecord) -> Option<String> {
    match source {
        Source::Text(text) => Some(text.clone()),
        Source::Field(key) => record.get(key).map(|value| match value {
            // Metadata dates are ISO 8601, whatever the printed style.
            Value::Date(date) => date.iso(),
            other => other.display(LIST_JOIN, DateStyle::Arabic),
        }),
        Source::DigitsOf(key) => record.get(key).map(|value| {
            value
                .display("", DateStyle::Arabic)
                .chars()
                .filter(char::is_ascii_digit)
                .collect()
        }),
    }
}

/// The metadata of the licence issued from `record`. A value the spec takes from a field
/// the record lacks, or an identifier part that GB/T 36904 does not allow, is an error
/// naming the record and the field.
pub(crate) fn resolve(spec: &Electronic, record: &BoundRecord) -> Result<Metadata> {
    let required = |name: &'static str, key: &'static str, source: &Source| -> Result<Entry> {
        let value = text_of(source, record)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| missing(record, source, name))?;
        Ok(Entry { key, name, value })
    };
    let mut entries = vec![
        required("证照类型名称", "licenceType", &spec.type_name)?,
        required("证照类型代码", "licenceTypeCode", &spec.type_code)?,
        required("证照编号", "licenceNumber", &spec.number)?,
        required("证照颁发机构", "issuer", &spec.issuer)?,
        required("证照颁发机构代码", "issuerCode", &spec.issuer_code)?,
        required("证照颁发日期", "issueDate", &spec.issue_date)?,
    ];
    // GB/T 36905: an optional item is absent, never empty; the validity has an end, or
    // says 长期 (no end). A spec that maps the end takes it from the record, which must
    // then carry it: a licence with a term never goes out as 长期 by omission.
    if let Some(value) = spec
        .valid_from
        .as_ref()
        .and_then(|s| text_of(s, record))
        .filter(|v| !v.is_empty())
    {
        check_date(
            record,
            spec.valid_from.as_ref(),
            "有效期起始日期",
            &value,
            false,
        )?;
        entries.push(Entry {
            key: "validFrom",
            name: "有效期起始日期",
            value,
        });
    }
    let until = match &spec.valid_until {
        Some(source) => {
            let value = required("有效期截止日期", "validUntil", source)?;
            check_date(record, Some(source), "有效期截止日期", &value.value, true)?;
            value
        }
        None => Entry {
            key: "validUntil",
            name: "有效期截止日期",
            value: NO_END.into(),
        },
    };
    entries.push(until);
    let holder_code = required("持证主体代码", "holderCode", &spec.holder_code)?;
    let code_type = required("持证主体代码类型", "holderCodeType", &spec.holder_code_type)?;
    check_holder_code(spec, record, &code_type.value, &holder_code.value)?;
    entries.extend([
        required("持证主体", "holder", &spec.holder)?,
        holder_code,
        code_type,
    ]);
    let serial = required("流水号", "serial", &spec.serial)?;
    let part = |key: &str| {
        entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    };
    let version = version(spec, record)?;
    let identifier = identifier::build(
        part("licenceTypeCode").unwrap_or_default(),
        part("issuerCode").unwrap_or_default(),
        &serial.value,
        version,
    )
    .map_err(|problem| {
        // Name the record field the offending part came from, when it came from one.
        let field = [
            ("type_code", &spec.type_code),
            ("issuer_code", &spec.issuer_code),
            ("serial", &spec.serial),
        ]
        .into_iter()
        .find(|(name, _)| problem.starts_with(name))
        .and_then(|(_, source)| source.key());
        Error::Record {
            record: record.name.clone(),
            field: field.map(str::to_owned),
            message: format!("the licence identifier (证照标识) cannot be built: {problem}"),
            hint: Some(
                "identifier parts are upper-case letters and digits (GB/T 36904); correct the record or the spec's `electronic` section"
                    .into(),
            ),
        }
    })?;
    entries.insert(
        0,
        Entry {
            key: "identifier",
            name: "证照标识",
            value: identifier.clone(),
        },
    );
    entries.push(Entry {
        key: "version",
        name: "版本号",
        value: version.to_string(),
    });
    Ok(Metadata {
        identifier,
        version,
        entries,
    })
}

/// The holder's code is what its type says it is, where certpress knows the type's rule
/// (a unified social credit code's check character).
fn check_holder_code(
    spec: &Electronic,
    record: &BoundRecord,
    code_type: &str,
    holder_code: &str,
) -> Result<()> {
    if code_type == CREDIT_CODE_TYPE {
        if let Err(problem) = crate::record::credit_code::validate(holder_code) {
            return Err(Error::Record {
                record: record.name.clone(),
                field: spec.holder_code.key().map(str::to_owned),
                message: format!(
                    "持证主体代码 {:?} is not a unified social credit code, which its type ({CREDIT_CODE_TYPE}) requires: {problem}",
                    holder_code
                ),
                hint: Some("give the holder's 18-character code".into()),
            });
        }
    }
    Ok(())
}

/// The licence's version (版本号, GB/T 36904): the spec's, or the record's (a record
/// without the field is version 1), a whole number 1–999.
pub(crate) fn version(spec: &Electronic, record: &BoundRecord) -> Result<u16> {
    let Some(source) = &spec.version else {
        return Ok(1);
    };
    let Some(text) = text_of(source, record).filter(|t| !t.is_empty()) else {
        return Ok(1);
    };
    text.parse::<u16>()
        .ok()
        .filter(|v| (1..=999).contains(v))
        .ok_or_else(|| Error::Record {
            record: record.name.clone(),
            field: source.key().map(str::to_owned),
            message: format!(
                "the licence's version (版本号) {text:?} is not a whole number from 1 to 999"
            ),
            hint: Some(
                "write the version as digits: 1 for the first issue, 2 for the first re-issue"
                    .into(),
            ),
        })
}

/// 有效期截止日期 of a licence without an end (GB/T 36905).
pub(crate) const NO_END: &str = "长期";

/// 持证主体代码类型 whose codes are unified social credit codes (GB 32100).
const CREDIT_CODE_TYPE: &str = "统一社会信用代码";

/// A validity date: ISO 8601 (`2026-12-31`), or 长期 where `no_end_allowed`.
fn check_date(
    record: &BoundRecord,
    source: Option<&Source>,
    name: &str,
    value: &str,
    no_end_allowed: bool,
) -> Result<()> {
    if no_end_allowed && value == NO_END {
        return Ok(());
    }
    if crate::record::Date::parse_iso(value).is_ok() {
        return Ok(());
    }
    Err(Error::Record {
        record: record.name.clone(),
        field: source.and_then(Source::key).map(str::to_owned),
        message: format!(
            "{name} {value:?} is not a date{}",
            if no_end_allowed { " or 长期" } else { "" }
        ),
        hint: Some("give a date field (YYYY-MM-DD)".into()),
    })
}

fn missing(record: &BoundRecord, source: &Source, name: &str) -> Error {
    Error::Record {
        record: record.name.clone(),
        field: source.key().map(str::to_owned),
        message: format!("the electronic licence needs {name}, and the record has none"),
        hint: Some(match source.key() {
            Some(key) => format!("add `{key}` to the record"),
            None => "give the value in the spec's `electronic` section".into(),
        })
        .as_deref()
        .map(str::to_owned),
    }
}
