//! What the studio shows: the spec as last loaded (the last good one kept while a broken
//! edit is on disk), the record being edited, and the pictures rendered from them.
//!
//! The spec file (and the record file, when given) is watched by polling its size and
//! modification time; an edit is picked up once it has held for one look (within two
//! [`POLL`]s). Each change raises the version the page polls for, so the page re-renders
//! only when something changed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use axum::body::Bytes;
use certpress::error::ErrorReport;
use certpress::qa::lint;
use certpress::record::{self, FieldInfo};
use certpress::Colorant;
use certpress::Placement;
use certpress::{Error, Record, Template, TemplateOptions};

/// How often the watched files are looked at (a change is taken at the second look that
/// finds it: 0.1–0.2 s after the save).
pub const POLL: Duration = Duration::from_millis(100);
/// Pictures remembered: a few zoom levels of the views in use.
const RENDERS_KEPT: usize = 12;
/// How a record made in the studio names itself in messages.
const RECORD_NAME: &str = "the studio's record";

/// A spec's or a record's refusal as the page shows it: the CLI's error, with the spec
/// file's line when it is the spec's.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(flatten)]
    pub report: ErrorReport,
    /// The spec file, for the spec's own errors.
    pub file: Option<String>,
    /// Its line, when known.
    pub line: Option<u32>,
}

impl Problem {
    /// The library's error as the page shows it.
    pub fn from_error(err: &Error) -> Self {
        Self::of(err)
    }

    /// A request the studio cannot do, said as the CLI says a bad option.
    pub fn options(message: String) -> Self {
        Self::of(&Error::Options { message })
    }

    fn of(err: &Error) -> Self {
        let at = err.spec_location();
        let mut report = err.report();
        report.message = err.to_string();
        Self {
            report,
            file: at.map(|a| a.file.display().to_string()),
            line: at.and_then(|a| a.line),
        }
    }
}

/// One element as the page draws it: its parts' boxes, its line in the spec.
#[derive(Serialize)]
pub struct ElementView {
    id: String,
    kind: &'static str,
    line: Option<u32>,
    parts: Vec<Placement>,
}

/// What the spec and the shown record make of the sheet, for the page: its size and
/// tolerance, every element, lint's warnings, the plates.
#[derive(Serialize, Default)]
pub struct SheetView {
    title: Option<String>,
    width_mm: Option<f64>,
    height_mm: Option<f64>,
    tolerance_mm: Option<f64>,
    elements: Vec<ElementView>,
    lint: Vec<lint::Warning>,
    plates: Vec<String>,
}

/// A plate's name as the page asks for it: its file name's stem (`K`, `foil_gold`).
pub fn plate_name(colorant: &Colorant) -> String {
    let file = colorant.file_name();
    file.strip_prefix("plate-")
        .and_then(|n| n.strip_suffix(".png"))
        .unwrap_or(&file)
        .to_owned()
}

/// A file's identity for the watcher: its length and modification time.
type Stamp = Option<(u64, SystemTime)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// The studio's state, shared by the watcher and the handlers.
pub struct Studio {
    pub spec_path: PathBuf,
    pub data_path: Option<PathBuf>,
    options: TemplateOptions,
    current: Mutex<Current>,
    renders: Mutex<Vec<(String, Bytes)>>,
    /// The sheet's view of the last version asked for.
    sheet: Mutex<Option<(u64, Arc<SheetView>)>>,
}

/// What is shown now.
pub struct Current {
    /// Raised by every change the page should see.
    pub version: u64,
    /// The last spec that loaded; `None` until one does.
    pub template: Option<Arc<Template>>,
    /// Why the spec on disk does not load, while it does not.
    pub spec_problem: Option<Problem>,
    /// The record being shown, as JSON.
    pub record: serde_json::Value,
    /// Why the record edited last is refused (the last good one is still shown).
    pub record_problem: Option<Problem>,
    /// The record the picture shows: the last one the spec accepted.
    pub shown: serde_json::Value,
    /// The last scan checked: its report and overlay.
    pub check: Option<(serde_json::Value, Bytes)>,
    spec_stamp: Stamp,
    data_stamp: Stamp,
    /// What the files looked like at the last look, to wait for a change to settle.
    spec_seen: Stamp,
    data_seen: Stamp,
}

impl Studio {
    /// Loads the spec and the record (`--data`, else the spec's `sample.json`, else a
    /// skeleton of the spec's fields). A spec that does not load is shown as its error.
    pub fn new(spec_path: PathBuf, data_path: Option<PathBuf>, options: TemplateOptions) -> Self {
        let data_path = data_path.or_else(|| {
            let sample = spec_path.parent()?.join("sample.json");
            sample.exists().then_some(sample)
        });
        let studio = Self {
            spec_path,
            data_path,
            options,
            current: Mutex::new(Current {
                version: 0,
                template: None,
                spec_problem: None,
                record: serde_json::Value::Object(Default::default()),
                record_problem: None,
                shown: serde_json::Value::Object(Default::default()),
                check: None,
                spec_stamp: None,
                data_stamp: None,
                spec_seen: None,
                data_seen: None,
            }),
            renders: Mutex::new(Vec::new()),
            sheet: Mutex::new(None),
        };
        studio.reload_record_file();
        studio.reload_spec();
        studio
    }

    pub fn current(&self) -> MutexGuard<'_, Current> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Looks at the watched files and reloads what changed; true when something did.
    ///
    /// A change is acted on once the file has kept it for one look: an editor that saves
    /// by truncating and writing can be caught between the two, and a half-written spec
    /// is not the author's error.
    pub fn poll(&self) -> bool {
        let spec_now = stamp(&self.spec_path);
        let data_now = self.data_path.as_deref().and_then(stamp);
        let (spec_changed, data_changed) = {
            let mut current = self.current();
            let settled = (
                spec_now != current.spec_stamp && spec_now == current.spec_seen,
                data_now != current.data_stamp && data_now == current.data_seen,
            );
            current.spec_seen = spec_now;
            current.data_seen = data_now;
            settled
        };
        if data_changed {
            self.reload_record_file();
        }
        if spec_changed {
            self.reload_spec();
        } else if data_changed {
            let record = self.current().record.clone();
            self.set_record(record);
        }
        spec_changed || data_changed
    }

    /// Loads the spec again: on success it replaces the last good one, on failure its
    /// error is shown and the last good one stays.
    fn reload_spec(&self) {
        let before = stamp(&self.spec_path);
        let loaded = Template::load_with(&self.spec_path, &self.options);
        {
            let mut current = self.current();
            current.spec_stamp = before;
            match loaded {
                Ok(template) => {
                    current.template = Some(Arc::new(template));
                    current.spec_problem = None;
                }
                Err(err) => current.spec_problem = Some(Problem::of(&err)),
            }
        }
        let record = self.current().record.clone();
        self.set_record(record);
    }

    /// Reads the record file, when there is one.
    fn reload_record_file(&self) {
        let Some(path) = &self.data_path else {
            return;
        };
        let before = stamp(path);
        let text = std::fs::read_to_string(path);
        let mut current = self.current();
        current.data_stamp = before;
        match text.map(|t| serde_json::from_str::<serde_json::Value>(&t)) {
            Ok(Ok(value)) => current.record = value,
            Ok(Err(err)) => {
                current.record_problem = Some(Problem::of(&Error::Options {
                    message: format!("{}: not JSON: {err}", path.display()),
                }))
            }
            Err(err) => current.record_problem = Some(Problem::of(&Error::io(path, err))),
        }
    }

    /// Shows `record` when the spec accepts it; else keeps the last good one and shows
    /// why at the record's field.
    pub fn set_record(&self, record: serde_json::Value) {
        let template = self.current().template.clone();
        let checked = template
            .as_ref()
            .map(|t| self.issue(t, &record).map(|_| ()));
        let mut current = self.current();
        if template.is_some()
            && current.shown.as_object().is_none_or(|o| o.is_empty())
            && record.as_object().is_none_or(|o| o.is_empty())
        {
            // Nothing to show yet: a skeleton of the spec's fields.
            if let Some(t) = &template {
                current.record =
                    serde_json::to_value(record::skeleton(t.model())).unwrap_or_default();
                current.shown = current.record.clone();
            }
        } else {
            current.record = record.clone();
            match checked {
                Some(Ok(())) => {
                    current.shown = record;
                    current.record_problem = None;
                }
                Some(Err(problem)) => current.record_problem = Some(problem),
                None => {}
            }
        }
        current.version += 1;
        current.check = None;
    }

    /// The record as the library reads it: confined to the record file's folder for its
    /// pictures, as `render` would.
    pub fn record(&self, value: &serde_json::Value) -> Result<Record, Problem> {
        let text = serde_json::to_string(value).unwrap_or_default();
        let mut record = Record::from_json(&text, RECORD_NAME).map_err(|e| Problem::of(&e))?;
        record.folder = self
            .data_path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        Ok(record)
    }

    fn issue(&self, template: &Template, value: &serde_json::Value) -> Result<(), Problem> {
        let record = self.record(value)?;
        template
            .issue(&record)
            .map(|_| ())
            .map_err(|e| Problem::of(&e))
    }

    /// A rendered picture by its key (version and options), made by `make` when not
    /// remembered.
    pub fn picture(
        &self,
        key: String,
        make: impl FnOnce() -> Result<Bytes, Problem>,
    ) -> Result<Bytes, Problem> {
        {
            let renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, png)) = renders.iter().find(|(k, _)| *k == key) {
                return Ok(png.clone());
            }
        }
        let png = make()?;
        let mut renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
        renders.retain(|(k, _)| *k != key);
        renders.push((key, png.clone()));
        if renders.len() > RENDERS_KEPT {
            renders.remove(0);
        }
        Ok(png)
    }

    /// What the spec and the shown record of `version` make of the sheet: laid out once
    /// per version, not on each of the page's polls (a layout, and lint over it).
    pub fn sheet(&self, version: u64) -> Arc<SheetView> {
        {
            let sheet = self.sheet.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, view)) = sheet.as_ref().filter(|(made, _)| *made == version) {
                return Arc::clone(view);
            }
        }
        let (now, template, shown) = {
            let c = self.current();
            (c.version, c.template.clone(), c.shown.clone())
        };
        let view = Arc::new(match template {
            Some(template) => self.sheet_of(&template, &shown),
            None => SheetView::default(),
        });
        *self.sheet.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, Arc::clone(&view)));
        view
    }

    fn sheet_of(&self, template: &Template, shown: &serde_json::Value) -> SheetView {
        let model = template.model();
        let licence = self
            .record(shown)
            .ok()
            .and_then(|record| template.issue(&record).ok());
        let report = licence.as_ref().map(|l| l.report());
        let elements = template
            .spec()
            .outline()
            .into_iter()
            .map(|(id, kind, at)| ElementView {
                parts: report
                    .iter()
                    .copied()
                    .flatten()
                    .filter(|p| p.element == id)
                    .cloned()
                    .collect(),
                id,
                kind,
                line: at.line,
            })
            .collect();
        SheetView {
            title: Some(model.name.clone()),
            width_mm: Some(model.page.width.get()),
            height_mm: Some(model.page.height.get()),
            tolerance_mm: Some(model.tolerance.get()),
            elements,
            lint: lint::lint(template.spec(), report),
            plates: licence
                .iter()
                .flat_map(|l| l.colorants())
                .map(|c| plate_name(&c))
                .collect(),
        }
    }

    /// The spec's fields, for the record form.
    pub fn fields(&self) -> Vec<FieldInfo> {
        self.current()
            .template
            .as_ref()
            .map(|t| record::field_list(t.model()))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An editor that saves by truncating and writing can be caught between the two: the
    /// empty file is not reported, and the spec it becomes is taken once it holds.
    #[test]
    fn a_save_caught_half_written_is_not_shown_as_an_error() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir =
            std::env::temp_dir().join(format!("certpress-studio-settle-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(root.join("specs/liuzhou")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
        let spec = dir.join("licence.ron");
        let text = std::fs::read_to_string(&spec).unwrap();
        let studio = Studio::new(spec.clone(), None, TemplateOptions::default());
        assert!(studio.current().spec_problem.is_none());
        let version = studio.current().version;

        // Truncated: seen once, not yet acted on.
        std::fs::write(&spec, "").unwrap();
        assert!(!studio.poll());
        assert!(studio.current().spec_problem.is_none());
        // Written in full before the next look (a new stamp: not settled either), then
        // taken once it holds.
        let moved = text.replacen("at: (x: 252.0, y: 244.0)", "at: (x: 252.0, y: 240.0)", 1);
        assert_ne!(moved, text);
        std::fs::write(&spec, &moved).unwrap();
        assert!(!studio.poll());
        assert!(studio.poll());
        assert!(studio.current().spec_problem.is_none());
        assert!(studio.current().version > version);

        // A broken spec that stays broken is shown, at its line.
        std::fs::write(&spec, moved.replacen("elements: [", "elements: [,,", 1)).unwrap();
        assert!(!studio.poll());
        assert!(studio.poll());
        let problem = studio
            .current()
            .spec_problem
            .clone()
            .expect("the broken spec is shown");
        assert_eq!(problem.report.code, "spec-syntax");
        assert!(problem.line.is_some_and(|l| l > 1), "{problem:?}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
