//! Errors: each names the input that failed (spec file and line, record and field) and,
//! where there is one, what to do about it.

use std::fmt;
use std::path::PathBuf;

/// Result with certpress's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a spec file something is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecLocation {
    /// The spec file.
    pub file: PathBuf,
    /// One-based line, when known.
    pub line: Option<u32>,
    /// One-based column, when known.
    pub column: Option<u32>,
}

impl fmt::Display for SpecLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong between a spec, a record and the output files.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The spec is not valid RON or does not match the spec format.
    SpecSyntax {
        /// Where.
        at: SpecLocation,
        /// What the parser said.
        message: String,
    },
    /// The spec parses but says something impossible (an unknown ink, a duplicate id).
    SpecInvalid {
        /// Where.
        at: SpecLocation,
        /// The element concerned, if any.
        element: Option<String>,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<String>,
    },
    /// A font file is missing or cannot be parsed.
    Font {
        /// The font file or family.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// The record cannot be read, or a field of it is missing or invalid.
    Record {
        /// The record (file name, or `file:line` in a batch).
        record: String,
        /// The field key, when one field is at fault.
        field: Option<String>,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<String>,
    },
    /// A character of a text is in none of its family's faces.
    MissingGlyph {
        /// What the text is (the record and field, or the element), for the message.
        element: String,
        /// The record field the text came from, if any: for machine-readable reports.
        field: Option<String>,
        /// The character.
        character: char,
        /// The font family searched.
        family: String,
    },
    /// A content does not fit its box even at its smallest allowed size.
    Overflow {
        /// What the text is (the record and field), for the message.
        element: String,
        /// The record field the text came from: for machine-readable reports.
        field: Option<String>,
        /// Length of the text in characters.
        chars: usize,
        /// The box, described.
        area: String,
        /// What it would need at the smallest size.
        needed: String,
    },
    /// A QR payload is too dense for its box.
    QrTooDense {
        /// Element id.
        element: String,
        /// Payload size in bytes.
        bytes: usize,
        /// Module side it would get, mm.
        module_mm: f64,
        /// Smallest module allowed, mm.
        min_mm: f64,
    },
    /// A licence whose record changed since it was issued, re-issued without a raised
    /// version (版本号): different content would go out under one identifier.
    VersionNotRaised {
        /// How messages name the record.
        record: String,
        /// The record field the version comes from, when the spec takes it from one.
        field: Option<String>,
        /// The version it was issued as.
        previous: u16,
        /// The version it carries now.
        version: u16,
    },
    /// A file handed in to be read (a signed licence to verify) is not what it should be,
    /// or passes one of the limits its reader keeps.
    Unreadable {
        /// The file, or what it was meant to be.
        what: String,
        /// What is wrong: the part that breaks, or the limit passed.
        message: String,
    },
    /// A scan or photo of a printed sheet cannot be measured: where the sheet is, how
    /// large, or whether all of it is there cannot be told.
    Scan {
        /// What could not be told.
        failure: ScanFailure,
        /// What was found.
        message: String,
        /// What to do.
        hint: String,
    },
    /// An output option is invalid (a calibration, a view that needs another pass).
    Options {
        /// What is wrong and what to do.
        message: String,
    },
    /// Rendering failed (a size the rasteriser cannot allocate, a font the subsetter
    /// refuses).
    Render {
        /// What failed.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::SpecSyntax { at, message } => write!(f, "{at}: {message}"),
            Error::SpecInvalid {
                at,
                element,
                message,
                hint,
            } => {
                write!(f, "{at}: ")?;
                if let Some(element) = element {
                    write!(f, "element `{element}`: ")?;
                }
                write!(f, "{message}")?;
                if let Some(hint) = hint {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            Error::Font { what, message } => write!(f, "font {what}: {message}"),
            Error::Record {
                record,
                field,
                message,
                hint,
            } => {
                write!(f, "record {record}")?;
                if let Some(field) = field {
                    write!(f, ", field `{field}`")?;
                }
                write!(f, ": {message}")?;
                if let Some(hint) = hint {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            Error::MissingGlyph {
                element,
                character,
                family,
                ..
            } => write!(
                f,
                "{element}: the character {character:?} (U+{:04X}) is in no face of the font \
                 family `{family}`\n  hint: add a face that has it to the family's chain \
                 (`--font {family}=PATH`), or correct the record",
                *character as u32
            ),
            Error::Overflow {
                element,
                chars,
                area,
                needed,
                ..
            } => write!(
                f,
                "{element}: the text ({chars} characters) does not fit {area}; at the \
                 smallest allowed size it needs {needed}\n  hint: shorten the text, or give \
                 the element a larger box or a smaller minimum size in the spec"
            ),
            Error::QrTooDense {
                element,
                bytes,
                module_mm,
                min_mm,
            } => write!(
                f,
                "{element}: a {bytes}-byte QR payload gives modules of {module_mm:.3} mm, \
                 under the {min_mm:.2} mm minimum\n  hint: put a URL in the record's QR URL \
                 field (the dynamic code) instead of the full listing"
            ),
            Error::Unreadable { what, message } => write!(f, "{what} cannot be read: {message}"),
            Error::VersionNotRaised {
                record,
                field,
                previous,
                version,
            } => {
                write!(
                    f,
                    "{record}: the licence changed since it was issued as version {previous}, and its version is {version}: different content would go out under the same identifier"
                )?;
                match field {
                    Some(field) => write!(f, "\n  hint: set `{field}` to {} for the re-issue", previous + 1),
                    None => write!(f, "\n  hint: the spec takes no version from the record (electronic: version: Field(…)), so a changed licence cannot be re-issued under it"),
                }
            }
            Error::Scan {
                failure,
                message,
                hint,
            } => write!(f, "{}: {message}\n  hint: {hint}", failure.what()),
            Error::Options { message } => write!(f, "invalid option: {message}"),
            Error::Render { message } => write!(f, "rendering failed: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why a scan cannot be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanFailure {
    /// The registration frame is not found, not straight, or not a frame a capture can show.
    Registration,
    /// The frame is found but its size says the resolution is not what the file records.
    Resolution,
    /// The picture holds only part of the sheet: the frame runs off it.
    PartialSheet,
}

impl ScanFailure {
    /// The stable code machine-readable reports carry.
    pub fn code(self) -> &'static str {
        match self {
            ScanFailure::Registration => "scan-registration",
            ScanFailure::Resolution => "scan-resolution",
            ScanFailure::PartialSheet => "scan-partial-sheet",
        }
    }

    fn what(self) -> &'static str {
        match self {
            ScanFailure::Registration => "scan registration failed",
            ScanFailure::Resolution => "scan resolution wrong",
            ScanFailure::PartialSheet => "scan shows only part of the sheet",
        }
    }
}

/// An error as issuing systems read it, from the CLI (`--json`) and the service alike:
/// `{"error": {"code", "field", "message"}}` is this inside an `error` key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct ErrorReport {
    /// A short stable code: [`Error::code`], or the shell's own (`usage`, `malformed-json`,
    /// `unknown-spec`, `overloaded`, …).
    pub code: String,
    /// The record field or spec element concerned, when there is one.
    pub field: Option<String>,
    /// What went wrong and what to do, for a person.
    pub message: String,
}

impl Error {
    /// This error as issuing systems read it.
    pub fn report(&self) -> ErrorReport {
        ErrorReport {
            code: self.code().to_owned(),
            field: self.field().map(str::to_owned),
            message: self.to_string(),
        }
    }

    /// A short stable code for machine-readable reports (`record`, `overflow`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::SpecSyntax { .. } => "spec-syntax",
            Error::SpecInvalid { .. } => "spec-invalid",
            Error::Font { .. } => "font",
            Error::Record { .. } => "record",
            Error::MissingGlyph { .. } => "missing-glyph",
            Error::Overflow { .. } => "overflow",
            Error::QrTooDense { .. } => "qr-too-dense",
            Error::Unreadable { .. } => "unreadable",
            Error::VersionNotRaised { .. } => "version-not-raised",
            Error::Scan { failure, .. } => failure.code(),
            Error::Options { .. } => "options",
            Error::Render { .. } => "render",
        }
    }

    /// The record field or spec element an error concerns, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Record { field, .. } | Error::VersionNotRaised { field, .. } => field.as_deref(),
            Error::SpecInvalid { element, .. } => element.as_deref(),
            Error::MissingGlyph { field, .. } | Error::Overflow { field, .. } => field.as_deref(),
            Error::QrTooDense { element, .. } => Some(element),
            _ => None,
        }
    }

    /// Where in a spec file the error is, for a spec's own errors.
    pub fn spec_location(&self) -> Option<&SpecLocation> {
        match self {
            Error::SpecSyntax { at, .. } | Error::SpecInvalid { at, .. } => Some(at),
            _ => None,
        }
    }

    /// This error, said of the record field `key` when it concerns a text and names no
    /// field yet (the shaper knows the text, the layout which field it came from).
    pub(crate) fn in_field(mut self, key: &str) -> Self {
        if let Error::MissingGlyph { field, .. } | Error::Overflow { field, .. } = &mut self {
            field.get_or_insert_with(|| key.to_owned());
        }
        self
    }

    /// An I/O failure on `path`, for callers that read their own files (a record, a
    /// batch) and report them as the library does.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
