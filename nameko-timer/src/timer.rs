//! The [`Timer`] entrypoint.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nameko_core::BoxFuture;
use nameko_core::entrypoint::{FireError, FireInput, FireOutput};
use nameko_core::payload::ArgBinder;
use nameko_core::{
    BoxError, Call, ContainerHandle, Entrypoint, EntrypointOptions, Extension, MethodError, Outcome,
};
use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The function a timer calls on each tick.
pub type TickFn = Arc<dyn Fn() -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static>;

/// Why a timer cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TimerError {
    /// The interval is zero, negative or not a finite number of seconds.
    #[error("timer interval must be a positive number of seconds, got {0}")]
    InvalidInterval(f64),
}

/// A timer entrypoint, Nameko's `@timer(interval, eager=False)`.
///
/// ```
/// use std::time::Duration;
/// use nameko_timer::Timer;
///
/// let timer = Timer::new("ping", Duration::from_secs(1), || {
///     Box::pin(async {
///         println!("pong");
///         Ok(serde_json::Value::Null)
///     })
/// })
/// .eager(true);
/// ```
pub struct Timer {
    method: &'static str,
    interval: Duration,
    eager: bool,
    options: Arc<EntrypointOptions>,
    tick: TickFn,
    stop: CancellationToken,
    started: Mutex<bool>,
}

impl std::fmt::Debug for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timer")
            .field("method", &self.method)
            .field("interval", &self.interval)
            .field("eager", &self.eager)
            .finish()
    }
}

impl Timer {
    /// A timer calling `tick` every `interval`.
    pub fn new<F>(method: &'static str, interval: Duration, tick: F) -> Self
    where
        F: Fn() -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
    {
        Timer {
            method,
            interval,
            eager: false,
            options: Arc::default(),
            tick: Arc::new(tick),
            stop: CancellationToken::new(),
            started: Mutex::new(false),
        }
    }

    /// A timer with an interval in seconds, checked to be positive and finite.
    pub fn from_secs<F>(
        method: &'static str,
        interval_secs: f64,
        tick: F,
    ) -> Result<Self, TimerError>
    where
        F: Fn() -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
    {
        match Duration::try_from_secs_f64(interval_secs) {
            Ok(d) if !d.is_zero() => Ok(Timer::new(method, d, tick)),
            _ => Err(TimerError::InvalidInterval(interval_secs)),
        }
    }

    /// Fires the first tick at start instead of after one interval.
    pub fn eager(mut self, eager: bool) -> Self {
        self.eager = eager;
        self
    }

    /// Sets the entrypoint's options (`expected_exceptions`: a tick failing with an
    /// expected error is logged at WARNING).
    pub fn options(mut self, options: EntrypointOptions) -> Self {
        self.options = Arc::new(options);
        self
    }

    /// The interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

#[nameko_core::async_trait]
impl Extension for Timer {
    async fn start(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        {
            let mut started = nameko_core::sync::lock(&self.started);
            if std::mem::replace(&mut *started, true) {
                return Ok(());
            }
        }
        let run = TimerLoop {
            container: container.clone(),
            method: Arc::from(self.method),
            options: Arc::clone(&self.options),
            interval: self.interval,
            eager: self.eager,
            tick: Arc::clone(&self.tick),
            stop: self.stop.clone(),
        };
        // Tracked: a graceful stop waits for a running tick.
        container.spawn(run.run());
        Ok(())
    }

    async fn stop(&self) {
        self.stop.cancel();
    }

    async fn kill(&self) {
        self.stop.cancel();
    }
}

#[nameko_core::async_trait]
impl Entrypoint for Timer {
    fn method_name(&self) -> &str {
        self.method
    }

    fn kind(&self) -> &'static str {
        "timer"
    }

    /// `kind`, `method`, `params` (none), `interval` (seconds) and `eager`.
    fn describe(&self) -> Value {
        let mut d =
            nameko_core::entrypoint::describe_entrypoint("timer", self.method, Some(&self.options));
        d.insert("interval".into(), Value::from(self.interval.as_secs_f64()));
        d.insert("eager".into(), Value::from(self.eager));
        Value::Object(d)
    }

    /// Runs one tick, as the schedule would: a worker with no arguments (any argument is
    /// an `IncorrectSignature`) and the context data given. Answers [`FireOutput::Result`]
    /// with the method's result or error.
    async fn fire(
        &self,
        container: &ContainerHandle,
        fire: FireInput,
    ) -> Result<FireOutput, FireError> {
        let FireInput {
            arguments,
            context_data,
            ..
        } = fire;
        let method = self.method;
        let call = Call::new(method, "timer", &self.options).context_data(context_data);
        let tick = Arc::clone(&self.tick);
        let outcome = container
            .invoke(call, async move {
                // A tick takes no argument: Python's wording for any given.
                ArgBinder::new(method, &[], arguments).map_err(MethodError::from)?;
                tick().await
            })
            .await;
        FireOutput::from_outcome(outcome)
    }
}

struct TimerLoop {
    container: ContainerHandle,
    method: Arc<str>,
    options: Arc<EntrypointOptions>,
    interval: Duration,
    eager: bool,
    tick: TickFn,
    stop: CancellationToken,
}

impl TimerLoop {
    async fn run(self) {
        let start = Instant::now();
        let mut count: u32 = if self.eager { 0 } else { 1 };
        loop {
            // The k-th tick is due at start + k * interval, whatever the ticks before took;
            // an overdue tick fires at once.
            let due = start + self.interval.saturating_mul(count);
            tokio::select! {
                biased;
                _ = self.stop.cancelled() => break,
                _ = tokio::time::sleep_until(due) => {}
            }
            let call = Call::new(Arc::clone(&self.method), "timer", &self.options);
            let tick = Arc::clone(&self.tick);
            match self
                .container
                .invoke(call, async move { tick().await })
                .await
            {
                // A failed tick (an error or a panic) was logged by the container; the
                // next one runs on schedule.
                Outcome::Success(_) | Outcome::Failed(_) => {}
                Outcome::Rejected | Outcome::Killed => break,
            }
            count = count.saturating_add(1);
        }
    }
}
