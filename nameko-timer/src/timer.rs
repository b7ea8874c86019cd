//! The [`Timer`] entrypoint.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nameko_core::BoxFuture;
use nameko_core::entrypoint::{FireError, FireInput, FireOutput};
use nameko_core::lease::{Lease, LeaseName};
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

/// The [`LeaseName`] of a `singleton` timer: kind `timer`, the service and the method
/// (nameko-amqp's lease queue of it is `timer-singleton.<service>.<method>`).
pub fn lease_name(service: &str, method: &str) -> LeaseName {
    LeaseName::new("timer", service, method)
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
///
/// ## Singleton timers
///
/// With [`singleton`](Self::singleton), the timer fires on one instance of the service at
/// a time, across every process sharing the lease's backend (nameko-amqp's `AmqpLease`:
/// the broker), as `#[timer(interval = 1, singleton)]` does:
///
/// - each instance waits for the lease [`lease_name`]`(service, method)`; the one that
///   holds it fires, on the schedule above counted from when it took the lease (`eager`
///   fires at once then); the backend hands the lease to a waiting instance as soon as
///   the holder is gone (nameko-amqp: when its connection closes);
/// - when the holder loses the lease (its broker connection is lost), it stops at once:
///   no new tick, and a running tick is abandoned, since another instance may take over
///   from now on; then it waits for the lease again, behind the others;
/// - a graceful stop lets a running tick finish, then releases the lease, so another
///   instance takes over at once;
/// - an attempt to wait that fails (the broker cannot be reached) is logged and made
///   again after `TIMER_SINGLETON_RETRY_INTERVAL` seconds
///   ([`TimerSettings`](crate::TimerSettings), or [`retry_interval`](Self::retry_interval));
/// - a failing tick is logged, the holder keeps the lease and the schedule.
///
/// ```
/// # use std::sync::Arc;
/// # use std::time::Duration;
/// # use nameko_core::lease::{Lease, LeaseGuard, LeaseName};
/// # use nameko_core::{BoxError, ContainerHandle, async_trait};
/// # struct MyLease;
/// # #[async_trait]
/// # impl Lease for MyLease {
/// #     async fn acquire(&self, _: &ContainerHandle, _: &LeaseName)
/// #         -> Result<Box<dyn LeaseGuard>, BoxError> { Err("no backend".into()) }
/// # }
/// use nameko_timer::Timer;
///
/// // nameko-amqp's lease: `Arc::new(nameko_amqp::AmqpLease::new())`.
/// let lease: Arc<dyn Lease> = Arc::new(MyLease);
/// let timer = Timer::new("report", Duration::from_secs(60), || {
///     Box::pin(async { Ok(serde_json::Value::Null) })
/// })
/// .singleton(lease);
/// assert!(timer.is_singleton());
/// ```
pub struct Timer {
    method: &'static str,
    interval: Duration,
    eager: bool,
    lease: Option<Arc<dyn Lease>>,
    retry_interval: Option<Duration>,
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
            .field("singleton", &self.lease.is_some())
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
            lease: None,
            retry_interval: None,
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

    /// Makes the timer fire on one instance of the service at a time, the one holding
    /// the lease `lease` gives (see [Singleton timers](Self#singleton-timers)).
    pub fn singleton(mut self, lease: Arc<dyn Lease>) -> Self {
        self.lease = Some(lease);
        self
    }

    /// How long a singleton timer waits after a failed attempt to wait for its lease,
    /// instead of the config's `TIMER_SINGLETON_RETRY_INTERVAL`. A zero duration is taken
    /// as the default.
    pub fn retry_interval(mut self, retry_interval: Duration) -> Self {
        self.retry_interval = (!retry_interval.is_zero()).then_some(retry_interval);
        self
    }

    /// Whether the timer is a singleton ([`singleton`](Self::singleton)).
    pub fn is_singleton(&self) -> bool {
        self.lease.is_some()
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
        let retry = match self.retry_interval {
            Some(retry) => retry,
            None => {
                container
                    .config()
                    .settings::<crate::TimerSettings>()?
                    .singleton_retry_interval
            }
        };
        let run = TimerLoop {
            container: container.clone(),
            method: Arc::from(self.method),
            options: Arc::clone(&self.options),
            interval: self.interval,
            eager: self.eager,
            tick: Arc::clone(&self.tick),
            stop: self.stop.clone(),
        };
        // Tracked: a graceful stop waits for a running tick (and the lease's release).
        match &self.lease {
            None => container.spawn(async move {
                run.ticks(std::future::pending()).await;
            }),
            Some(lease) => container.spawn(run.contend(Arc::clone(lease), retry)),
        }
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

    /// `kind`, `method`, `params` (none), `interval` (seconds), `eager` and `singleton`.
    fn describe(&self) -> Value {
        let mut d =
            nameko_core::entrypoint::describe_entrypoint("timer", self.method, Some(&self.options));
        d.insert("interval".into(), Value::from(self.interval.as_secs_f64()));
        d.insert("eager".into(), Value::from(self.eager));
        d.insert("singleton".into(), Value::from(self.lease.is_some()));
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

/// Why [`TimerLoop::ticks`] ended.
#[derive(Debug, PartialEq)]
enum TicksEnd {
    /// The timer was stopped (or the container refused or killed a tick).
    Stopped,
    /// The lease was lost; `abandoned`: a tick was running, and was dropped.
    Lost { reason: String, abandoned: bool },
}

impl TimerLoop {
    /// Fires ticks on Nameko's schedule, from now, until the timer stops or `lost`
    /// completes (a singleton timer's lease was lost; never for the others).
    async fn ticks<L: Future<Output = String>>(&self, lost: L) -> TicksEnd {
        tokio::pin!(lost);
        let start = Instant::now();
        let mut count: u32 = if self.eager { 0 } else { 1 };
        loop {
            // The k-th tick is due at start + k * interval, whatever the ticks before took;
            // an overdue tick fires at once.
            let due = start + self.interval.saturating_mul(count);
            tokio::select! {
                biased;
                _ = self.stop.cancelled() => return TicksEnd::Stopped,
                reason = &mut lost => return TicksEnd::Lost { reason, abandoned: false },
                _ = tokio::time::sleep_until(due) => {}
            }
            let call = Call::new(Arc::clone(&self.method), "timer", &self.options);
            let tick = Arc::clone(&self.tick);
            let outcome = self.container.invoke(call, async move { tick().await });
            // A lost lease ends the tick at once: another instance may start one now.
            let outcome = tokio::select! {
                biased;
                reason = &mut lost => return TicksEnd::Lost { reason, abandoned: true },
                outcome = outcome => outcome,
            };
            match outcome {
                // A failed tick (an error or a panic) was logged by the container; the
                // next one runs on schedule.
                Outcome::Success(_) | Outcome::Failed(_) => {}
                Outcome::Rejected | Outcome::Killed => return TicksEnd::Stopped,
            }
            count = count.saturating_add(1);
        }
    }

    /// A singleton timer: waits for the lease, fires while it holds it, waits again when
    /// it lost it, and releases it when stopped; a failed attempt to wait is retried
    /// after `retry`.
    async fn contend(self, lease: Arc<dyn Lease>, retry: Duration) {
        let name = lease_name(self.container.service_name(), &self.method);
        let mut failures: u32 = 0;
        loop {
            let attempt = tokio::select! {
                biased;
                _ = self.stop.cancelled() => return,
                attempt = lease.acquire(&self.container, &name) => attempt,
            };
            let mut guard = match attempt {
                Ok(guard) => guard,
                Err(error) => {
                    // The first failure of a row is worth a warning; the rest repeat it.
                    if failures == 0 {
                        tracing::warn!(target: "nameko_timer", lease = %name, %error, "cannot wait for the singleton timer's lease; retrying every {retry:?}");
                    } else {
                        tracing::debug!(target: "nameko_timer", lease = %name, %error, attempt = failures + 1, "cannot wait for the singleton timer's lease");
                    }
                    failures = failures.saturating_add(1);
                    tokio::select! {
                        biased;
                        _ = self.stop.cancelled() => return,
                        _ = tokio::time::sleep(retry) => {}
                    }
                    continue;
                }
            };
            failures = 0;
            tracing::info!(target: "nameko_timer", lease = %name, "took the singleton timer's lease: this instance fires it");
            match self.ticks(guard.lost()).await {
                TicksEnd::Stopped => {
                    guard.release().await;
                    tracing::info!(target: "nameko_timer", lease = %name, "released the singleton timer's lease");
                    return;
                }
                TicksEnd::Lost { reason, abandoned } => {
                    tracing::warn!(
                        target: "nameko_timer",
                        lease = %name, %reason, abandoned_tick = abandoned,
                        "lost the singleton timer's lease: this instance stops firing it, and waits for the lease again"
                    );
                    guard.release().await;
                }
            }
        }
    }
}
