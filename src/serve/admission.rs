//! The render pool: at most `workers` renders run at once (rendering is CPU work, one core
//! each), at most `queue` more wait for a worker, and anything beyond is refused at once,
//! so that a burst makes 503s with `Retry-After` instead of a growing heap and timeouts for
//! everyone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Why a piece of work was not done.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Every worker is busy and the queue is full.
    Full,
    /// No worker came free within the wait.
    Waited(Duration),
    /// The work panicked; the message, for the log.
    Panicked(String),
}

/// The bounded render pool and its queue.
pub struct Admission {
    workers: usize,
    queue: usize,
    slots: Arc<Semaphore>,
    /// Requests admitted and not yet finished: running or waiting.
    admitted: Arc<AtomicUsize>,
    /// Renders running now.
    running: Arc<AtomicUsize>,
}

/// Decrements a counter when the work it counts is over, however that ends.
struct Counted(Arc<AtomicUsize>);

impl Counted {
    fn new(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Counted(Arc::clone(counter))
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    /// A pool of `workers` (at least one) with `queue` places to wait.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Admission {
            workers,
            queue,
            slots: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(AtomicUsize::new(0)),
            running: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Renders running now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Requests waiting for a worker.
    pub fn waiting(&self) -> usize {
        self.admitted
            .load(Ordering::SeqCst)
            .saturating_sub(self.running())
    }

    /// The pool's size.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Runs `work` on a worker thread once one is free, waiting at most `wait` for it;
    /// refused at once when the pool and its queue are full. Work that has started runs to
    /// its end and keeps its worker even when the caller goes away (a render cannot be
    /// stopped half-way), so the pool never holds more than `workers` renders.
    pub async fn run<T: Send + 'static>(
        &self,
        wait: Duration,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Refusal> {
        let ticket = {
            // Admit only below the bound, atomically: a burst cannot overshoot it.
            let limit = self.workers + self.queue;
            self.admitted
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < limit).then_some(n + 1)
                })
                .map_err(|_| Refusal::Full)?;
            Counted(Arc::clone(&self.admitted))
        };
        let slot = match tokio::time::timeout(wait, Arc::clone(&self.slots).acquire_owned()).await {
            Ok(Ok(slot)) => slot,
            // The semaphore is never closed; a closed one would be a pool shut down.
            Ok(Err(_)) | Err(_) => return Err(Refusal::Waited(wait)),
        };
        let running = Arc::clone(&self.running);
        let handle = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let _ticket = ticket;
            let _running = Counted::new(&running);
            work()
        });
        handle.await.map_err(|err| match err.try_into_panic() {
            Ok(payload) => Refusal::Panicked(panic_message(payload.as_ref())),
            Err(_) => Refusal::Panicked("the render task was cancelled".to_owned()),
        })
    }
}

/// What a panic said, when it said it with a string.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_panic_is_answered_and_the_pool_goes_on() {
        runtime().block_on(async {
            let pool = Admission::new(1, 0);
            let refused = pool
                .run(Duration::from_secs(5), || -> u32 {
                    panic!("a renderer bug");
                })
                .await;
            assert_eq!(refused, Err(Refusal::Panicked("a renderer bug".to_owned())));
            // The worker and the queue place were given back.
            assert_eq!(pool.running(), 0);
            assert_eq!(pool.waiting(), 0);
            assert_eq!(pool.run(Duration::from_secs(5), || 7).await, Ok(7));
        });
    }

    #[test]
    fn beyond_workers_and_queue_work_is_refused_at_once() {
        runtime().block_on(async {
            let pool = Arc::new(Admission::new(1, 1));
            let (release, gate) = mpsc::channel::<()>();
            let gate = Arc::new(std::sync::Mutex::new(gate));
            // One running (held by the gate), one waiting.
            let mut held = Vec::new();
            for _ in 0..2 {
                let pool = Arc::clone(&pool);
                let gate = Arc::clone(&gate);
                held.push(tokio::spawn(async move {
                    pool.run(Duration::from_secs(30), move || {
                        gate.lock().unwrap().recv().unwrap();
                    })
                    .await
                }));
            }
            // Both are admitted, one running and one waiting; a task is counted waiting for
            // a moment before it starts, so wait for that state (bounded), not for a sum.
            for _ in 0..2000 {
                if pool.running() == 1 && pool.waiting() == 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            assert_eq!(pool.running(), 1);
            assert_eq!(pool.waiting(), 1);
            assert_eq!(
                pool.run(Duration::from_secs(30), || ()).await,
                Err(Refusal::Full)
            );
            release.send(()).unwrap();
            release.send(()).unwrap();
            for task in held {
                assert_eq!(task.await.unwrap(), Ok(()));
            }
            assert_eq!(pool.running() + pool.waiting(), 0);
        });
    }

    #[test]
    fn a_caller_that_waited_too_long_is_told_so() {
        runtime().block_on(async {
            let pool = Arc::new(Admission::new(1, 4));
            let (release, gate) = mpsc::channel::<()>();
            let busy = {
                let pool = Arc::clone(&pool);
                tokio::spawn(async move {
                    pool.run(Duration::from_secs(30), move || gate.recv().unwrap())
                        .await
                })
            };
            while pool.running() == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let wait = Duration::from_millis(50);
            assert_eq!(pool.run(wait, || ()).await, Err(Refusal::Waited(wait)));
            assert_eq!(pool.waiting(), 0, "the place in the queue was given back");
            release.send(()).unwrap();
            assert_eq!(busy.await.unwrap(), Ok(()));
        });
    }
}
