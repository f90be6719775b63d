//! Work on the render pool: admitted, timed for the metrics, its refusals and panics
//! turned into answers.

use std::sync::Arc;
use std::time::Instant;

use axum::http::StatusCode;

use crate::serve::admission::Refusal;
use crate::serve::problem::Problem;
use crate::serve::Service;

/// Runs `work` on the render pool, timing it for the metrics; refusals become answers.
pub(super) async fn on_pool<T: Send + 'static>(
    service: &Arc<Service>,
    spec: &str,
    format: &'static str,
    work: impl FnOnce() -> certpress::Result<T> + Send + 'static,
) -> Result<T, Problem> {
    let timed = {
        let service = Arc::clone(service);
        move || {
            let started = Instant::now();
            let result = work();
            service.metrics.rendered(format, started.elapsed());
            result
        }
    };
    match service
        .admission
        .run(service.limits.request_timeout, timed)
        .await
    {
        Ok(result) => result.map_err(|err| Problem::from_error(&err)),
        Err(Refusal::Full) => Err(Problem::overloaded(
            format!(
                "every render worker is busy and {} requests wait already; retry shortly",
                service.limits.queue
            ),
            1,
        )),
        Err(Refusal::Waited(wait)) => Err(Problem::overloaded(
            format!(
                "no render worker came free within {} s; retry shortly",
                wait.as_secs_f64()
            ),
            1,
        )),
        Err(Refusal::Panicked(message)) => {
            eprintln!("certpress serve: rendering {format} for spec `{spec}` panicked: {message}");
            Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the renderer failed on this request (logged); the service goes on",
            ))
        }
    }
}
