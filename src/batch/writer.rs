//! The batch's writer: the files of rendered licences written in groups on a thread of
//! their own, so that rendering does not wait for the disk (until a bounded amount of
//! files is waiting for it: [`Budget`]).

use std::path::PathBuf;
use std::sync::{Condvar, Mutex};

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

/// Licences written per group at most: the disk's waits are paid per group.
const WRITE_GROUP: usize = 64;

/// Bytes of rendered files the workers may have waiting for the writer. Against a fixed
/// count of licences (it was four a worker), the workers go on rendering through a slow
/// sync, the writer takes bigger groups (fewer syncs) when the disk lags, and memory
/// stays bounded whatever the batch's size and whatever its files weigh (a PDF is 70 KB,
/// a 300 dpi PNG 5 MB).
const PENDING_BYTES: usize = 128 << 20;

/// The bytes rendered and not yet written: a worker waits while they would pass
/// [`PENDING_BYTES`] (one licence always passes, however large); the writer frees them as
/// it writes. When the writer is gone, no one waits.
#[derive(Default)]
pub(super) struct Budget {
    state: Mutex<BudgetState>,
    freed: Condvar,
}

#[derive(Default)]
struct BudgetState {
    pending: usize,
    closed: bool,
}

impl Budget {
    /// Waits until `bytes` more may be pending, and counts them.
    pub(super) fn take(&self, bytes: usize) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while !state.closed && state.pending > 0 && state.pending + bytes > PENDING_BYTES {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.pending += bytes;
    }

    /// `bytes` written (or given up): no longer pending.
    fn free(&self, bytes: usize) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.pending = state.pending.saturating_sub(bytes);
        self.freed.notify_all();
    }

    /// The writer has stopped: no worker waits on it again.
    fn close(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        self.freed.notify_all();
    }
}

impl Pending {
    /// The bytes this licence's files hold, as [`Budget`] counts them.
    pub(super) fn bytes(&self) -> usize {
        self.set.files.iter().map(|(_, bytes)| bytes.len()).sum()
    }
}

/// The writer: takes what the workers rendered, as much as has come (up to
/// [`WRITE_GROUP`]), and writes it as one group until the workers are done, freeing each
/// group's bytes from `budget` once written.
pub(super) fn write_all(
    rendered: &std::sync::mpsc::Receiver<(usize, Pending)>,
    budget: &Budget,
    settle: &(dyn Fn(usize, Outcome) + Sync),
) {
    // However the writer ends, a worker waiting on it goes on.
    struct Closing<'a>(&'a Budget);
    impl Drop for Closing<'_> {
        fn drop(&mut self) {
            self.0.close();
        }
    }
    let _closing = Closing(budget);
    while let Ok(first) = rendered.recv() {
        let mut group = vec![first];
        while group.len() < WRITE_GROUP {
            match rendered.try_recv() {
                Ok(more) => group.push(more),
                Err(_) => break,
            }
        }
        let bytes: usize = group.iter().map(|(_, p)| p.bytes()).sum();
        let sets: Vec<&FileSet> = group.iter().map(|(_, p)| &p.set).collect();
        let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write_sets(&sets)));
        budget.free(bytes);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A worker waits while the pending bytes are over the budget, goes on when the
    /// writer frees them, and never waits on a writer that has stopped; one licence
    /// larger than the whole budget still passes.
    #[test]
    fn workers_wait_for_room_and_never_for_a_stopped_writer() {
        let budget = Budget::default();
        budget.take(PENDING_BYTES + 1);
        std::thread::scope(|scope| {
            let (passed, waiting) = std::sync::mpsc::channel();
            let worker = |bytes: usize| {
                let passed = passed.clone();
                let budget = &budget;
                move || {
                    budget.take(bytes);
                    passed.send(bytes).unwrap();
                }
            };
            scope.spawn(worker(1));
            // Not before the writer frees room (if it passed, it would be here at once).
            assert!(waiting.recv_timeout(Duration::from_millis(200)).is_err());
            budget.free(PENDING_BYTES + 1);
            assert_eq!(waiting.recv_timeout(Duration::from_secs(30)), Ok(1));
            // Full again: this one waits until the writer stops.
            scope.spawn(worker(PENDING_BYTES));
            assert!(waiting.recv_timeout(Duration::from_millis(200)).is_err());
            budget.close();
            assert_eq!(
                waiting.recv_timeout(Duration::from_secs(30)),
                Ok(PENDING_BYTES)
            );
        });
    }
}
