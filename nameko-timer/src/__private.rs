//! Items used by code that `#[service]` generates. Not a public API.

use std::sync::Arc;
use std::time::Duration;

use nameko_core::__private::{BoxFuture, EntrypointOptions, MethodError, Value};
use nameko_core::Entrypoint;
use nameko_core::lease::Lease;

/// Builds the entrypoint of a `#[timer]` method. The interval was checked at compile time;
/// `lease` is the backend of a `singleton` timer (nameko-amqp's `__private::timer_lease`).
pub fn timer<F>(
    method: &'static str,
    interval_secs: f64,
    eager: bool,
    lease: Option<Arc<dyn Lease>>,
    options: EntrypointOptions,
    handler: F,
) -> Box<dyn Entrypoint>
where
    F: Fn() -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
{
    let interval = Duration::try_from_secs_f64(interval_secs).unwrap_or(Duration::from_secs(1));
    let timer = crate::timer::Timer::new(method, interval, handler)
        .eager(eager)
        .options(options);
    Box::new(match lease {
        Some(lease) => timer.singleton(lease),
        None => timer,
    })
}
