//! Record binding: a licence record (JSON or RON) checked against the fields a spec
//! declares, turned into typed values.
//!
//! A record is a flat map from keys to strings or lists of strings. Binding refuses what
//! could print a wrong licence: missing or empty required fields, unknown keys, a value
//! of the wrong type (a number, or one string where a list belongs), an empty list item,
//! an invalid credit code, full-width letters or digits in a code, a date that does not
//! exist, control and bidirectional-override characters. A `null` is an absent field, as
//! Java and Python serialisers write one. The rules are the same for every record format
//! (JSON, JSON Lines, RON, CSV): they live in `bind_record`, and nothing in a record is rewritten
//! beyond trimming the white space at either end of a text.

pub mod credit_code;
mod date;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use date::Date;

use crate::error::{Error, Result};
use crate::spec::{DateStyle, FieldKind, Spec};

/// Largest record file accepted.
const MAX_RECORD_BYTES: u64 = 1 << 20;
/// Most items in a list field.
const MAX_LIST_ITEMS: usize = 200;
/// Most pictures in a list of pictures (the approvals on a landing page).
pub(crate) const MAX_PICTURES: usize = 20;

/// A record value as written: a string, a list of strings, `null`, or something else that
/// binding refuses naming the field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum RawValue {
    /// A string.
    Text(String),
    /// A list of strings.
    List(Vec<String>),
    /// `null` (JSON) or `None`/`()` (RON): the field is absent.
    Null,
    /// A value of another type, described as found: `a number`, `an object`, `a list
    /// holding a number at [2]`.
    Invalid(String),
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawValue, E> {
                Ok(RawValue::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<RawValue, E> {
                Ok(RawValue::Text(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<RawValue, E> {
                Ok(RawValue::Null)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<RawValue, E> {
                Ok(RawValue::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
                RawValue::deserialize(d)
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<RawValue, E> {
                Ok(RawValue::Invalid("a boolean".into()))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<RawValue, E> {
                Ok(RawValue::Invalid("a number".into()))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<RawValue, E> {
                Ok(RawValue::Invalid("a number".into()))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<RawValue, E> {
                Ok(RawValue::Invalid("a number".into()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawValue, A::Error> {
                // Drained so the parser stays in step; nesting is bounded by the format's
                // recursion limit.
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(RawValue::Invalid("an object".into()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawValue, A::Error> {
                let mut items = Vec::new();
                let mut invalid = None;
                while let Some(item) = seq.next_element::<RawValue>()? {
                    if items.len() == MAX_LIST_ITEMS {
                        return Err(serde::de::Error::custom(format!(
                            "a list holds at most {MAX_LIST_ITEMS} items"
                        )));
                    }
                    let found = match item {
                        RawValue::Text(text) => {
                            items.push(text);
                            continue;
                        }
                        RawValue::Null => "null".to_owned(),
                        RawValue::List(_) => "a list".to_owned(),
                        RawValue::Invalid(what) => {
                            what.split(" holding ").next().unwrap_or(&what).to_owned()
                        }
                    };
                    invalid.get_or_insert(format!("a list holding {found} at [{}]", items.len()));
                    items.push(String::new());
                }
                Ok(match invalid {
                    Some(what) => RawValue::Invalid(what),
                    None => RawValue::List(items),
                })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A record's key–value map as parsed, with the first key that appeared twice: a
/// duplicate is kept aside rather than letting the last value win silently (a front end
/// that validated the first value would otherwise be fooled).
struct Fields {
    values: BTreeMap<String, RawValue>,
    duplicate: Option<String>,
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Fields;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of field keys to strings or lists of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Fields, A::Error> {
                let mut fields = Fields {
                    values: BTreeMap::new(),
                    duplicate: None,
                };
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<RawValue>()?;
                    match fields.values.entry(key) {
                        std::collections::btree_map::Entry::Occupied(seen) => {
                            fields.duplicate.get_or_insert_with(|| seen.key().clone());
                        }
                        std::collections::btree_map::Entry::Vacant(slot) => {
                            slot.insert(value);
                        }
                    }
                }
                Ok(fields)
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl Fields {
    /// The values, or the refusal of a key that appears twice.
    fn into_values(self, name: &str) -> Result<BTreeMap<String, RawValue>> {
        match self.duplicate {
            Some(key) => Err(record_error(
                name,
                Some(&key),
                format!("`{key}` appears twice"),
                Some("give each field once: which of the two values is meant cannot be told"),
            )),
            None => Ok(self.values),
        }
    }
}

/// A record as read, before it is checked against a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// How messages name the record: its file, or `file:line` in a batch.
    pub name: String,
    /// Values by key.
    pub values: BTreeMap<String, RawValue>,
    /// The folder image paths (a seal) are resolved in, and confined to: the record file's
    /// folder when it was loaded from one. `None` for a record made in memory: image paths
    /// are then refused at layout.
    pub folder: Option<PathBuf>,
}

impl Record {
    /// Reads a record file: `.json` as JSON, `.ron` as RON.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let len = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        if len > MAX_RECORD_BYTES {
            return Err(record_error(
                &name,
                None,
                format!("{len} bytes, over the 1 MiB limit"),
                None,
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let folder = Some(path.parent().unwrap_or(Path::new("")).to_path_buf());
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Self::from_json(&text, name).map(|r| Record { folder, ..r }),
            Some("ron") => Self::from_ron(&text, name).map(|r| Record { folder, ..r }),
            _ => Err(record_error(
                &name,
                None,
                "unknown record format".into(),
                Some("name the file .json or .ron"),
            )),
        }
    }

    /// Parses a JSON object.
    pub fn from_json(text: &str, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let fields: Fields = serde_json::from_str(text).map_err(|e| {
            // serde_json ends its message with the place; put the place first instead.
            let place = format!(" at line {} column {}", e.line(), e.column());
            let message = e.to_string();
            let message = message.strip_suffix(&place).unwrap_or(&message);
            record_error(
                &name,
                None,
                format!("line {} column {}: {message}", e.line(), e.column()),
                None,
            )
        })?;
        let values = fields.into_values(&name)?;
        Ok(Record {
            name,
            values,
            folder: None,
        })
    }

    /// Parses a RON map.
    pub fn from_ron(text: &str, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let fields: Fields = ron::Options::default()
            .with_recursion_limit(8)
            .from_str(text)
            .map_err(|e| {
                record_error(
                    &name,
                    None,
                    format!(
                        "line {} column {}: {}",
                        e.span.start.line, e.span.start.col, e.code
                    ),
                    None,
                )
            })?;
        let values = fields.into_values(&name)?;
        Ok(Record {
            name,
            values,
            folder: None,
        })
    }
}

/// A checked field value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text (also a URL, an image path or a credit code, already checked).
    Text(String),
    /// A list of texts.
    List(Vec<String>),
    /// A calendar date.
    Date(Date),
}

impl Value {
    /// The value as printed: lists joined with `join`, dates in `date_style`.
    pub(crate) fn display(&self, join: &str, date_style: DateStyle) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::List(items) => join_items(items, join),
            Value::Date(date) => date.format(date_style),
        }
    }
}

/// Sentence punctuation an item may end with, after which a punctuation separator would
/// double it ("。；").
const ENDS_ITSELF: &str = "。！？；，、：.!?;,:";

/// List items joined with `join`: a separator that is punctuation is left out after an
/// item that ends in its own (the items are not changed); a line break always joins.
fn join_items(items: &[String], join: &str) -> String {
    let punctuation = join.chars().next().is_some_and(|c| ENDS_ITSELF.contains(c));
    let mut text = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            let ends_itself = text.chars().last().is_some_and(|c| ENDS_ITSELF.contains(c));
            if !(punctuation && ends_itself) {
                text.push_str(join);
            }
        }
        text.push_str(item);
    }
    text
}

/// A record checked against a spec's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundRecord {
    /// The record's name for messages.
    pub name: String,
    values: BTreeMap<String, Value>,
    /// Where its image paths resolve (see [`Record::folder`]).
    pub folder: Option<PathBuf>,
}

impl BoundRecord {
    /// A field's value, if the record has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    /// The checked record as JSON, keys in order: texts as strings, lists as arrays, dates
    /// in ISO 8601. What an archived licence carries as its data.
    pub fn to_json(&self) -> serde_json::Value {
        let map = self
            .values
            .iter()
            .map(|(key, value)| {
                let value = match value {
                    Value::Text(text) => serde_json::Value::String(text.clone()),
                    Value::List(items) => serde_json::json!(items),
                    Value::Date(date) => serde_json::Value::String(date.iso()),
                };
                (key.clone(), value)
            })
            .collect();
        serde_json::Value::Object(map)
    }
}

/// What an integrator needs to know of one record key to build a form: what `certpress
/// fields --json` prints and the service's `/v1/specs/{name}/fields` answers.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct FieldInfo {
    /// The record key.
    pub key: String,
    /// Its name on the certificate (`经营者名称`).
    pub name: String,
    /// What it holds: `Text`, `List`, `Date`, `CreditCode`, `Url` or `ImagePath`.
    #[cfg_attr(feature = "serve", schema(value_type = String))]
    pub kind: FieldKind,
    /// Whether a record must carry it.
    pub required: bool,
    /// The longest value accepted, in characters (a list: all items together).
    pub max_chars: usize,
}

/// The record keys `spec` expects, in key order.
pub fn field_list(spec: &Spec) -> Vec<FieldInfo> {
    spec.fields
        .iter()
        .map(|(key, field)| FieldInfo {
            key: key.clone(),
            name: field.name.clone(),
            kind: field.kind,
            required: field.required,
            max_chars: field.max_chars,
        })
        .collect()
}

/// A record skeleton for `spec`: every field with a placeholder of its kind that binds
/// (the field's name as text, a valid example credit code, an example date and URL), for
/// an integrator to fill. Image paths are left out: they name files the record ships.
pub fn skeleton(spec: &Spec) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    // The licence's version is digits: the first issue.
    let version_key = spec
        .electronic
        .as_ref()
        .and_then(|e| e.version.as_ref())
        .and_then(|v| v.key());
    for (key, field) in &spec.fields {
        let value = match field.kind {
            FieldKind::Text if version_key == Some(key.as_str()) => serde_json::json!("1"),
            FieldKind::Text => serde_json::json!(field.name),
            FieldKind::List => {
                serde_json::json!([format!("{}一", field.name), format!("{}二", field.name)])
            }
            FieldKind::Date => serde_json::json!("2026-01-01"),
            FieldKind::CreditCode => {
                let first17 = "91000000MA0000000";
                let check = credit_code::check_character(first17).unwrap_or('0');
                serde_json::json!(format!("{first17}{check}"))
            }
            FieldKind::Url => serde_json::json!("https://example.gov.cn/licence/0001"),
            FieldKind::ImagePath | FieldKind::ImageList => continue,
        };
        let value = match value {
            serde_json::Value::String(s) if s.chars().count() > field.max_chars => {
                serde_json::Value::String(s.chars().take(field.max_chars).collect())
            }
            other => other,
        };
        map.insert(key.clone(), value);
    }
    map
}

/// Checks a record against the spec's fields as [`crate::Template::issue`] does, for
/// driving the layout alone.
#[cfg(feature = "stages")]
pub fn bind(spec: &Spec, record: &Record) -> Result<BoundRecord> {
    bind_record(spec, record)
}

/// Checks a record against the spec's field declarations.
pub(crate) fn bind_record(spec: &Spec, record: &Record) -> Result<BoundRecord> {
    let name = &record.name;
    if let Some(key) = record.values.keys().find(|k| !spec.fields.contains_key(*k)) {
        let known: Vec<_> = spec.fields.keys().map(String::as_str).collect();
        return Err(record_error(
            name,
            Some(key),
            "unknown key".into(),
            Some(&format!("this spec's keys: {}", known.join(", "))),
        ));
    }
    let mut values = BTreeMap::new();
    for (key, field) in &spec.fields {
        let err =
            |message: String, hint: Option<&str>| record_error(name, Some(key), message, hint);
        let raw = match record.values.get(key) {
            Some(raw) if !matches!(raw, RawValue::Null) => raw,
            _ if field.required => return Err(err(missing(&field.name), None)),
            _ => continue,
        };
        let expected = match field.kind {
            FieldKind::List | FieldKind::ImageList => "a list of strings",
            _ => "a string",
        };
        let found = match (field.kind, raw) {
            (_, RawValue::Invalid(found)) => Some(found.as_str()),
            (FieldKind::List | FieldKind::ImageList, RawValue::Text(_)) => Some("a string"),
            (FieldKind::List | FieldKind::ImageList, _) => None,
            (_, RawValue::List(_)) => Some("a list"),
            _ => None,
        };
        if let Some(found) = found {
            let hint = match field.kind {
                FieldKind::List | FieldKind::ImageList => {
                    "write a list, [\"…\", \"…\"], even of one item"
                }
                _ => "write the value as a JSON string",
            };
            return Err(err(
                format!("expected {expected}, found {found}"),
                Some(hint),
            ));
        }
        if let RawValue::List(items) = raw {
            if let Some(i) = items.iter().position(|item| item.trim().is_empty()) {
                return Err(record_error(
                    name,
                    Some(&format!("{key}[{i}]")),
                    format!("item {i} of {} is empty", field.name),
                    Some("leave out the empty item; the others print as given"),
                ));
            }
        }
        if is_blank(raw) {
            if field.required {
                return Err(err(missing(&field.name), None));
            }
            continue;
        }
        let value = match (field.kind, raw) {
            (FieldKind::ImageList, RawValue::List(items)) => {
                let items = check_pictures(name, key, items)?;
                values.insert(key.clone(), Value::List(items));
                continue;
            }
            (FieldKind::List, RawValue::List(items)) => {
                Value::List(items.iter().map(|s| s.trim().to_owned()).collect())
            }
            (_, RawValue::List(_) | RawValue::Null | RawValue::Invalid(_)) => {
                return Err(err(format!("expected {expected}"), None));
            }
            (kind, RawValue::Text(text)) => {
                let (value, printed) = text_value(name, key, kind, text)?;
                if !printed {
                    values.insert(key.clone(), value);
                    continue;
                }
                value
            }
        };
        check_characters(&value, field.max_chars).map_err(|m| err(m, None))?;
        values.insert(key.clone(), value);
    }
    Ok(BoundRecord {
        name: name.clone(),
        values,
        folder: record.folder.clone(),
    })
}

/// A text value of `kind`, trimmed and checked: `(value, printed)`. A picture given
/// inline is checked whole but is not printed text, so `max_chars` does not apply to it.
fn text_value(name: &str, key: &str, kind: FieldKind, text: &str) -> Result<(Value, bool)> {
    let err = |message: String, hint: Option<&str>| record_error(name, Some(key), message, hint);
    let text = text.trim();
    if matches!(
        kind,
        FieldKind::Date | FieldKind::CreditCode | FieldKind::Url
    ) {
        check_half_width(text).map_err(|(message, hint)| err(message, Some(&hint)))?;
    }
    let value = match kind {
        FieldKind::Date => Value::Date(Date::parse_iso(text).map_err(|m| {
            err(
                format!("{text:?}: {m}"),
                Some("write dates as YYYY-MM-DD, e.g. 2022-09-26"),
            )
        })?),
        FieldKind::CreditCode => {
            credit_code::validate(text).map_err(|e| {
                err(
                    format!("{text:?} {e}"),
                    Some("check the code against the business licence"),
                )
            })?;
            Value::Text(text.to_owned())
        }
        FieldKind::Url => {
            let ok = (text.starts_with("https://") || text.starts_with("http://"))
                && text.len() > 8
                && !text.chars().any(|c| c.is_whitespace());
            if !ok {
                return Err(err(format!("{text:?} is not an http(s) URL"), None));
            }
            Value::Text(text.to_owned())
        }
        FieldKind::ImagePath if crate::data_url::is_data_url(text) => {
            // Checked whole here, so that a bad picture is refused with
            // the record; `max_chars` is for printed text, not pictures.
            crate::data_url::decode(text).map_err(|m| err(m, Some(crate::data_url::HINT)))?;
            return Ok((Value::Text(text.to_owned()), false));
        }
        FieldKind::ImagePath => {
            check_image_path(text).map_err(|m| {
                err(
                    format!("{text:?}: {m}"),
                    Some("give the picture's path relative to the record's folder, e.g. seals/yufeng.png, or the picture itself as a data:image/png;base64,… URL"),
                )
            })?;
            Value::Text(text.to_owned())
        }
        _ => Value::Text(text.to_owned()),
    };
    Ok((value, true))
}

/// An image path a record may name: relative, inside the folder it is resolved against
/// (no `..`), SVG artwork or a PNG or JPEG picture.
/// A list of pictures: at most [`MAX_PICTURES`], each a PNG or JPEG `data:` URL (decoded
/// and checked against its media type) or a PNG or JPEG file's path beside the record.
/// A refusal names the item (`permit_images[2]`).
fn check_pictures(record: &str, key: &str, items: &[String]) -> Result<Vec<String>> {
    if items.len() > MAX_PICTURES {
        return Err(record_error(
            record,
            Some(key),
            format!("{} pictures, over the limit of {MAX_PICTURES}", items.len()),
            Some("leave out the pictures that are not approvals of this licence"),
        ));
    }
    let mut checked = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item = item.trim();
        let refuse = |message: String| {
            record_error(
                record,
                Some(&format!("{key}[{i}]")),
                message,
                Some("give each picture as a PNG or JPEG file beside the record (approvals/1.png), or as data:image/png;base64,… / data:image/jpeg;base64,…"),
            )
        };
        if crate::data_url::is_data_url(item) {
            match crate::data_url::decode(item) {
                Ok((crate::data_url::Media::Svg, _)) => {
                    return Err(refuse(
                        "SVG artwork: an approval's copy is a PNG or JPEG picture".into(),
                    ))
                }
                Ok(_) => {}
                Err(message) => return Err(refuse(message)),
            }
        } else {
            check_image_path(item).map_err(|m| refuse(format!("{item:?}: {m}")))?;
            if item.to_ascii_lowercase().ends_with(".svg") {
                return Err(refuse(format!(
                    "{item:?}: SVG artwork: an approval's copy is a PNG or JPEG picture"
                )));
            }
        }
        checked.push(item.to_owned());
    }
    Ok(checked)
}

fn check_image_path(text: &str) -> std::result::Result<(), String> {
    let path = std::path::Path::new(text);
    if path.is_absolute() || text.starts_with('/') || text.starts_with('\\') || text.contains(':') {
        return Err("an absolute path; records name images relative to their folder".into());
    }
    if path.components().any(|c| {
        !matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    }) || text.split(['/', '\\']).any(|part| part == "..")
    {
        return Err("the path leaves the record's folder".into());
    }
    let known = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["svg", "png", "jpg", "jpeg"]
            .iter()
            .any(|k| e.eq_ignore_ascii_case(k))
    });
    if !known {
        return Err("not an SVG, PNG or JPEG file".into());
    }
    Ok(())
}

fn is_blank(raw: &RawValue) -> bool {
    match raw {
        RawValue::Text(text) => text.trim().is_empty(),
        RawValue::List(items) => items.iter().all(|s| s.trim().is_empty()),
        RawValue::Null => true,
        RawValue::Invalid(_) => false,
    }
}

fn missing(name: &str) -> String {
    format!("{name} is required but missing or empty")
}

/// Refuses full-width letters, digits and signs in a code, a date or a URL (a Chinese
/// input method types `９１４５…`): the hint shows the half-width form, but the record is
/// not rewritten, since the issuer's system should send what it means.
fn check_half_width(text: &str) -> std::result::Result<(), (String, String)> {
    let full_width = |c: char| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}');
    let Some(first) = text.chars().find(|&c| full_width(c)) else {
        return Ok(());
    };
    let half: String = text
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            c if full_width(c) => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect();
    Err((
        format!(
            "{text:?} contains the full-width character {first:?} (U+{:04X})",
            first as u32
        ),
        format!("write it half-width: {half:?}"),
    ))
}

/// Refuses control characters and bidirectional overrides (they can make a printed text
/// differ from what a screen shows), and bounds the length.
fn check_characters(value: &Value, max_chars: usize) -> std::result::Result<(), String> {
    let texts: Vec<&str> = match value {
        Value::Text(text) => vec![text],
        Value::List(items) => items.iter().map(String::as_str).collect(),
        Value::Date(_) => return Ok(()),
    };
    let mut total = 0;
    for text in texts {
        for c in text.chars() {
            let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
            if c.is_control()
                || bidi
                || matches!(c, '\u{FEFF}' | '\u{200B}' | '\u{2028}' | '\u{2029}')
            {
                return Err(format!(
                    "contains the invisible or control character U+{:04X}; remove it",
                    c as u32
                ));
            }
            total += 1;
        }
    }
    if total > max_chars {
        return Err(format!(
            "{total} characters, over the spec's limit of {max_chars}"
        ));
    }
    Ok(())
}

fn record_error(record: &str, field: Option<&str>, message: String, hint: Option<&str>) -> Error {
    Error::Record {
        record: record.to_owned(),
        field: field.map(str::to_owned),
        message,
        hint: hint.map(str::to_owned),
    }
}
