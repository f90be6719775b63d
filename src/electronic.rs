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
pub fn text_of(source: &Source, record: &BoundRecord) -> Option<String> {
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
pub fn resolve(spec: &Electronic, record: &BoundRecord) -> Result<Metadata> {
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
    for (name, key, source) in [
        ("有效期起始日期", "validFrom", &spec.valid_from),
        ("有效期截止日期", "validUntil", &spec.valid_until),
    ] {
        if let Some(value) = source.as_ref().and_then(|s| text_of(s, record)) {
            entries.push(Entry { key, name, value });
        }
    }
    entries.extend([
        required("持证主体", "holder", &spec.holder)?,
        required("持证主体代码", "holderCode", &spec.holder_code)?,
        required("持证主体代码类型", "holderCodeType", &spec.holder_code_type)?,
    ]);
    let serial = required("流水号", "serial", &spec.serial)?;
    let part = |key: &str| {
        entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    };
    let identifier = identifier::build(
        part("licenceTypeCode").unwrap_or_default(),
        part("issuerCode").unwrap_or_default(),
        &serial.value,
        spec.version,
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
    Ok(Metadata {
        identifier,
        entries,
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
