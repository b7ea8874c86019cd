//! Items used by code that `#[service]` generates. Not a public API.

use std::time::Duration;

use nameko_core::__private::{BoxFuture, EntrypointOptions, MethodError, Value};
use nameko_core::Entrypoint;

/// Builds the entrypoint of a `#[timer]` method. The interval was checked at compile time.
pub fn timer<F>(
    method: &'static str,
    interval_secs: f64,
    eager: bool,
    options: EntrypointOptions,
    handler: F,
) -> Box<dyn Entrypoint>
where
    F: Fn() -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
{
    let interval = Duration::try_from_secs_f64(interval_secs).unwrap_or(Duration::from_secs(1));
    Box::new(
        crate::timer::Timer::new(method, interval, handler)
            .eager(eager)
            .options(options),
    )
}
