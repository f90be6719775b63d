//! Reading a batch file: JSON Lines or CSV, each record with its line, a bad one kept as
//! its error so that it stops nothing.

use std::path::Path;

use crate::error::{Error, Result};
use crate::record::{RawValue, Record};
use crate::spec::{FieldKind, LoadedSpec};

/// Largest records file accepted.
const MAX_BATCH_BYTES: u64 = 1 << 30;
/// Longest line of a JSON Lines file (one record).
const MAX_LINE_BYTES: usize = 1 << 20;
/// Separator of list items in a CSV cell: `食品经营许可证|公共场所卫生许可证`.
pub const CSV_LIST_SEPARATOR: char = '|';

/// One record of a batch file, or why it could not be read.
#[derive(Debug)]
pub struct BatchRecord {
    /// Line of the file it starts on (1-based).
    pub line: u64,
    /// The record, or the error reading it.
    pub record: Result<Record>,
}

/// Reads a batch file: `.jsonl` (one JSON object per line; blank lines skipped) or `.csv`
/// (a header row of record keys; list fields split on [`CSV_LIST_SEPARATOR`]; an empty cell
/// leaves the key out).
pub fn read_records(path: &Path, spec: &LoadedSpec) -> Result<Vec<BatchRecord>> {
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    if len > MAX_BATCH_BYTES {
        return Err(Error::Options {
            message: format!(
                "{}: {len} bytes, over the 1 GiB limit; split the batch",
                path.display()
            ),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    // Spreadsheets save UTF-8 CSV with a byte-order mark; it is not part of the first key.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let file = path.display().to_string();
    let mut records = match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl" | "ndjson") => read_json_lines(text, &file),
        Some("csv") => read_csv(text, &file, spec)?,
        _ => {
            return Err(Error::Options {
                message: format!("{file}: unknown batch format; name it .jsonl or .csv"),
            })
        }
    };
    // Image paths in the records (a seal) resolve in the batch file's folder.
    let folder = path.parent().unwrap_or(Path::new("")).to_path_buf();
    for batch_record in &mut records {
        if let Ok(record) = &mut batch_record.record {
            record.folder = Some(folder.clone());
        }
    }
    Ok(records)
}

fn read_json_lines(text: &str, file: &str) -> Vec<BatchRecord> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let line_no = i as u64 + 1;
            let name = format!("{file}:{line_no}");
            let record = if line.len() > MAX_LINE_BYTES {
                Err(Error::Record {
                    record: name,
                    field: None,
                    message: format!("{} bytes, over the 1 MiB limit", line.len()),
                    hint: None,
                })
            } else {
                Record::from_json(line, name)
            };
            BatchRecord {
                line: line_no,
                record,
            }
        })
        .collect()
}

fn read_csv(text: &str, file: &str, spec: &LoadedSpec) -> Result<Vec<BatchRecord>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Options {
            message: format!("{file}: the header row: {e}"),
        })?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    // A column twice would let one cell silently win over the other.
    if let Some((i, twice)) = headers
        .iter()
        .enumerate()
        .find(|(i, h)| headers[..*i].contains(h))
    {
        return Err(Error::Options {
            message: format!(
                "{file}: the header row: the column `{twice}` appears twice (column {}); give each field one column",
                i + 1
            ),
        });
    }
    let mut out = Vec::new();
    for row in reader.records() {
        let (line, record) = match row {
            Ok(row) => {
                let line = row.position().map_or(0, |p| p.line());
                let mut values = std::collections::BTreeMap::new();
                for (key, cell) in headers.iter().zip(row.iter()) {
                    if cell.is_empty() {
                        continue;
                    }
                    let list = matches!(
                        spec.spec.fields.get(key).map(|f| f.kind),
                        Some(FieldKind::List)
                    );
                    let value = if list {
                        RawValue::List(
                            cell.split(CSV_LIST_SEPARATOR)
                                .map(|s| s.trim().to_owned())
                                .collect(),
                        )
                    } else {
                        RawValue::Text(cell.to_owned())
                    };
                    values.insert(key.clone(), value);
                }
                let name = format!("{file}:{line}");
                (
                    line,
                    Ok(Record {
                        name,
                        values,
                        folder: None,
                    }),
                )
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let record = Err(Error::Record {
                    record: format!("{file}:{line}"),
                    field: None,
                    message: e.to_string(),
                    hint: Some("every row has as many cells as the header".into()),
                });
                (line, record)
            }
        };
        out.push(BatchRecord { line, record });
    }
    Ok(out)
}
