//! The batch's writer: the files of rendered licences written in groups on a thread of
//! their own, so that rendering never waits for the disk.

use std::path::PathBuf;

use super::{panic_text, BatchError, Outcome};
use crate::output::{write_sets, FileSet};

/// What rendering one record leaves: an outcome already, or files for the writer.
pub(super) enum Rendered {
    /// Skipped or refused: nothing to write.
    Done(Outcome),
    /// Rendered: its files to write.
    Files(Pending),
}

/// A rendered licence's files, waiting to be written.
pub(super) struct Pending {
    pub(super) line: u64,
    /// The outputs, then the stamp (written last: [`write_sets`]).
    pub(super) set: FileSet,
    /// Whether files of other inputs are being replaced.
    pub(super) rerendered: bool,
}

impl Pending {
    /// The outcome once written: the outputs (the stamp is bookkeeping).
    fn written(self) -> Outcome {
        let mut files: Vec<PathBuf> = self.set.files.into_iter().map(|(path, _)| path).collect();
        files.pop();
        if self.rerendered {
            Outcome::Rerendered { files }
        } else {
            Outcome::Written { files }
        }
    }

    /// Refused for a fault of certpress's own (`internal`, as a panic while rendering is).
    pub(super) fn failed(&self, message: &str) -> Outcome {
        Outcome::Failed(BatchError {
            line: self.line,
            field: None,
            code: "internal".into(),
            message: message.to_owned(),
        })
    }
}

/// Licences written per group at most: the disk's waits are paid per group. (The queue
/// from the workers, four licences a worker, usually bounds a group first.)
const WRITE_GROUP: usize = 64;

/// The writer: takes what the workers rendered, as much as has come (up to
/// [`WRITE_GROUP`]), and writes it as one group until the workers are done.
pub(super) fn write_all(
    rendered: &std::sync::mpsc::Receiver<(usize, Pending)>,
    settle: &(dyn Fn(usize, Outcome) + Sync),
) {
    while let Ok(first) = rendered.recv() {
        let mut group = vec![first];
        while group.len() < WRITE_GROUP {
            match rendered.try_recv() {
                Ok(more) => group.push(more),
                Err(_) => break,
            }
        }
        let sets: Vec<&FileSet> = group.iter().map(|(_, p)| &p.set).collect();
        let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write_sets(&sets)));
        match written {
            Ok(results) => {
                for ((i, pending), result) in group.into_iter().zip(results) {
                    let outcome = match result {
                        Ok(()) => pending.written(),
                        Err(err) => Outcome::Failed(BatchError {
                            line: pending.line,
                            field: err.field().map(str::to_owned),
                            code: err.code().into(),
                            message: err.to_string(),
                        }),
                    };
                    settle(i, outcome);
                }
            }
            Err(panic) => {
                let message = format!(
                    "writing this record's files failed inside certpress ({}); please report it",
                    panic_text(&*panic)
                );
                for (i, pending) in group {
                    settle(i, pending.failed(&message));
                }
            }
        }
    }
}
