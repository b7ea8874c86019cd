//! What becomes of a message whose worker failed: a [`FailurePolicy`] per entrypoint
//! (`#[event_handler]`, `#[entrypoint(consume(..))]`): delayed retries carried by RabbitMQ
//! ([`Retry`]), a dead-letter queue after the last attempt, and what to do with a message
//! the entrypoint cannot decode ([`OnMalformed`]); [`RetryLater`], the error a method
//! returns to ask for a retry.
//!
//! The default policy is Nameko's (a failed message is acknowledged, or requeued with
//! `requeue_on_error`; an undecodable one is rejected), so a Python service sharing the
//! queue sees nothing new.
//!
//! # How a retry travels
//!
//! A failed message with retries left is published, with its properties and headers, to a
//! delay queue of its own (`<queue>--retry-<ms>ms`, one per delay, declared with
//! `x-message-ttl` and dead-lettered to the default exchange with the queue's name as
//! routing key), then acknowledged. RabbitMQ holds it there and routes it back to the
//! entrypoint's queue, and to that queue only, when the delay has passed: no worker sleeps,
//! and a retry pending while the service restarts still happens. The header
//! `x-nameko-attempts` counts the failed attempts.
//!
//! After the last attempt (or at the first failure with [`dead_letter`](FailurePolicy::dead_letter)
//! and no retry) the message goes to the entrypoint's dead-letter queue,
//! `dlq-<service>.<method>` ([`wire::dead_letter_queue`](crate::wire::dead_letter_queue)),
//! with the failure in its headers: `x-nameko-exc-type`, `x-nameko-exc-message`,
//! `x-nameko-attempts`, `x-nameko-first-failure`, `x-nameko-last-failure` (HTTP dates),
//! and where it came from (`x-nameko-original-exchange`, `x-nameko-original-routing-key`,
//! `x-nameko-original-queue`, `x-nameko-entrypoint`). `nameko dlq list|show|replay|purge`
//! reads them.
//!
//! ```
//! use std::time::Duration;
//! use nameko_amqp::failure::{FailurePolicy, Retry};
//!
//! let policy = FailurePolicy::retry(
//!     Retry::new(5)
//!         .delay(Duration::from_secs(1))
//!         .backoff(2.0)
//!         .max_delay(Duration::from_secs(60)),
//! );
//! let retry = policy.retry.unwrap();
//! assert_eq!(retry.delay_for(0), Duration::from_secs(1));
//! assert_eq!(retry.delay_for(3), Duration::from_secs(8));
//! assert_eq!(retry.delay_for(10), Duration::from_secs(60));
//! ```
//!
//! # In the config
//!
//! `FAILURE_POLICY` sets the policy of an entrypoint by `<service>.<method>`, over the
//! one in code:
//!
//! ```yaml
//! FAILURE_POLICY:
//!   orders.on_payment:
//!     retry: {max: 5, delay: 1, backoff: 2, max_delay: 60}
//!     on_malformed: dead_letter
//! ```

use std::error::Error as StdError;
use std::time::Duration;

use nameko_core::config::de;
use serde::Deserialize;

/// What becomes of a message whose worker failed, or which the entrypoint cannot decode.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct FailurePolicy {
    /// Delayed retries; after the last one the message is dead-lettered.
    pub retry: Option<Retry>,
    /// Without `retry`: a failed message goes to the dead-letter queue at once, instead
    /// of being acknowledged (or requeued with `requeue_on_error`).
    pub dead_letter: bool,
    /// A message the entrypoint cannot decode (not JSON, or not the method's parameters).
    pub on_malformed: OnMalformed,
    /// The most times a message is delivered, redeliveries after a lost worker or
    /// connection (a crash) and retries included; a message delivered more often goes to the
    /// dead-letter queue without running. Redeliveries are counted by RabbitMQ's
    /// `x-delivery-count` on quorum queues (`QUEUE_TYPE: quorum`); on a classic queue a
    /// redelivered message counts one redelivery, whatever its number.
    pub delivery_limit: Option<u32>,
}

impl FailurePolicy {
    /// Retries per `retry`, then the dead-letter queue.
    pub fn retry(retry: Retry) -> Self {
        FailurePolicy {
            retry: Some(retry),
            ..FailurePolicy::default()
        }
    }

    /// Failed messages go to the dead-letter queue at once.
    pub fn dead_letter() -> Self {
        FailurePolicy {
            dead_letter: true,
            ..FailurePolicy::default()
        }
    }

    /// Sets the delivery limit (see [`delivery_limit`](Self::delivery_limit)).
    pub fn delivery_limit(mut self, limit: u32) -> Self {
        self.delivery_limit = Some(limit.max(1));
        self
    }

    /// Sets what becomes of a message the entrypoint cannot decode.
    pub fn on_malformed(mut self, on_malformed: OnMalformed) -> Self {
        self.on_malformed = on_malformed;
        self
    }

    /// Whether this policy can send a message to the dead-letter queue (which is then
    /// declared when the entrypoint starts).
    pub fn dead_letters(&self) -> bool {
        self.retry.is_some()
            || self.dead_letter
            || self.delivery_limit.is_some()
            || self.on_malformed == OnMalformed::DeadLetter
    }

    /// Whether it is Nameko's default (no retry, no dead-lettering).
    pub fn is_default(&self) -> bool {
        *self == FailurePolicy::default()
    }

    /// The policy as `describe` shows it.
    pub(crate) fn describe(&self) -> serde_json::Value {
        let retry = self.retry.map(|r| {
            serde_json::json!({
                "max": r.max,
                "delay": r.delay.as_secs_f64(),
                "backoff": r.backoff,
                "max_delay": r.max_delay.as_secs_f64(),
            })
        });
        serde_json::json!({
            "retry": retry,
            "dead_letter": self.dead_letter,
            "delivery_limit": self.delivery_limit,
            "on_malformed": match self.on_malformed {
                OnMalformed::Reject => "reject",
                OnMalformed::DeadLetter => "dead_letter",
            },
        })
    }
}

/// Delayed retries with exponential back-off: `max` retries after the first attempt
/// (so `max + 1` attempts in all), the first after `delay`, each next one `backoff` times
/// longer, none longer than `max_delay`.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Retry {
    /// Retries after the first attempt.
    pub max: u32,
    /// The wait before the first retry (seconds in the config).
    #[serde(deserialize_with = "de::seconds")]
    pub delay: Duration,
    /// The factor between two waits (at least 1).
    #[serde(deserialize_with = "backoff_factor")]
    pub backoff: f64,
    /// The longest wait (seconds in the config).
    #[serde(deserialize_with = "de::seconds")]
    pub max_delay: Duration,
}

impl Default for Retry {
    /// 3 retries, 1 s, 2 s, 4 s (at most 60 s).
    fn default() -> Self {
        Retry {
            max: 3,
            delay: Duration::from_secs(1),
            backoff: 2.0,
            max_delay: Duration::from_secs(60),
        }
    }
}

impl Retry {
    /// `max` retries, 1 s first, doubling, at most 60 s.
    pub fn new(max: u32) -> Self {
        Retry {
            max,
            ..Retry::default()
        }
    }

    /// Sets the wait before the first retry (at least 1 ms).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay.max(Duration::from_millis(1));
        self
    }

    /// Sets the factor between two waits (1 keeps them equal; less than 1 is taken as 1).
    pub fn backoff(mut self, backoff: f64) -> Self {
        self.backoff = if backoff.is_finite() {
            backoff.max(1.0)
        } else {
            1.0
        };
        self
    }

    /// Sets the longest wait.
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay.max(Duration::from_millis(1));
        self
    }

    /// The wait before retry `retry` (0 for the first), rounded to whole milliseconds
    /// (the delay queues' TTL).
    pub fn delay_for(&self, retry: u32) -> Duration {
        let factor = self.backoff.powi(i32::try_from(retry).unwrap_or(i32::MAX));
        let secs = (self.delay.as_secs_f64() * factor).min(self.max_delay.as_secs_f64());
        let ms = (secs * 1000.0).round().max(1.0);
        // A float beyond u64 saturates in `as`.
        Duration::from_millis(ms as u64)
    }
}

fn backoff_factor<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match v.as_f64() {
        Some(f) if f.is_finite() && f >= 1.0 => Ok(f),
        _ => Err(serde::de::Error::custom(format!(
            "expected a factor of at least 1, got {v}"
        ))),
    }
}

/// What becomes of a message the entrypoint cannot decode: its body is not JSON, or does
/// not fit the method's parameters. No retry could succeed, so it is never retried.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OnMalformed {
    /// Rejected without requeue (Nameko's behaviour): dropped, or taken by the queue's own
    /// dead-letter exchange if it has one.
    #[default]
    Reject,
    /// Sent to the entrypoint's dead-letter queue, with why in its headers.
    DeadLetter,
}

/// The error a method returns to ask for its message to be tried again later, Nameko-amqp-
/// retry's `Backoff`: the message is retried per the entrypoint's [`Retry`] (or, when it has
/// none, [`Retry::default`]), after `delay` when it is given. It counts as an attempt, so
/// a message still asking after the last one is dead-lettered.
///
/// ```
/// use std::time::Duration;
/// use nameko_amqp::failure::RetryLater;
///
/// fn charge(gateway_up: bool) -> Result<(), RetryLater> {
///     if !gateway_up {
///         return Err(RetryLater::after(Duration::from_secs(30), "payment gateway down"));
///     }
///     Ok(())
/// }
/// assert_eq!(charge(false).unwrap_err().delay(), Some(Duration::from_secs(30)));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("retry later: {reason}")]
pub struct RetryLater {
    delay: Option<Duration>,
    reason: String,
}

impl RetryLater {
    /// Retry after the policy's delay.
    pub fn new(reason: impl Into<String>) -> Self {
        RetryLater {
            delay: None,
            reason: reason.into(),
        }
    }

    /// Retry after `delay`.
    pub fn after(delay: Duration, reason: impl Into<String>) -> Self {
        RetryLater {
            delay: Some(delay.max(Duration::from_millis(1))),
            reason: reason.into(),
        }
    }

    /// The delay asked for, if any.
    pub fn delay(&self) -> Option<Duration> {
        self.delay
    }

    /// Why.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The `RetryLater` in `error` or in its chain of sources, if any.
    pub fn find<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a RetryLater> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(found) = e.downcast_ref::<RetryLater>() {
                return Some(found);
            }
            next = e.source();
        }
        None
    }
}

impl nameko_core::ToRemoteError for RetryLater {
    fn to_remote_error(&self) -> nameko_core::RemoteError {
        nameko_core::RemoteError::new("RetryLater", self.to_string())
            .with_path("nameko_amqp.failure.RetryLater")
    }
}

impl From<RetryLater> for nameko_core::RemoteError {
    fn from(err: RetryLater) -> Self {
        nameko_core::ToRemoteError::to_remote_error(&err)
    }
}

/// What to do with a failed message, decided from the policy and the attempts so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decision {
    /// Not the policy's business: Nameko's behaviour (ack, or requeue).
    Default,
    /// Publish to the delay queue of `delay`, as failed attempt number `attempt`.
    Retry { delay: Duration, attempt: u32 },
    /// To the dead-letter queue, after `attempts` failed attempts.
    DeadLetter { attempts: u32 },
}

impl FailurePolicy {
    /// The decision for a message that failed for the `failed_before + 1`-th time;
    /// `retry_later` is the delay asked by a [`RetryLater`] (`Some(None)`: no delay given).
    pub(crate) fn decide(
        &self,
        failed_before: u32,
        retry_later: Option<Option<Duration>>,
    ) -> Decision {
        let attempt = failed_before.saturating_add(1);
        let retry = match (self.retry, retry_later) {
            (Some(retry), _) => retry,
            (None, Some(_)) => Retry::default(),
            (None, None) if self.dead_letter => return Decision::DeadLetter { attempts: attempt },
            (None, None) => return Decision::Default,
        };
        if failed_before < retry.max {
            let delay = retry_later
                .flatten()
                .unwrap_or_else(|| retry.delay_for(failed_before));
            Decision::Retry { delay, attempt }
        } else {
            Decision::DeadLetter { attempts: attempt }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let r = Retry::new(5)
            .delay(Duration::from_millis(200))
            .backoff(2.0)
            .max_delay(Duration::from_secs(1));
        let delays: Vec<u128> = (0..5).map(|i| r.delay_for(i).as_millis()).collect();
        assert_eq!(delays, [200, 400, 800, 1000, 1000]);
        assert_eq!(Retry::new(1).backoff(0.5).backoff, 1.0);
        assert_eq!(Retry::new(1).backoff(f64::NAN).backoff, 1.0);
        assert_eq!(
            Retry::new(1).delay(Duration::ZERO).delay,
            Duration::from_millis(1)
        );
        assert_eq!(
            Retry::new(1).delay_for(u32::MAX),
            Duration::from_secs(60),
            "huge exponents saturate"
        );
    }

    #[test]
    fn decisions() {
        let p = FailurePolicy::retry(Retry::new(3).delay(Duration::from_millis(100)));
        assert_eq!(
            p.decide(0, None),
            Decision::Retry {
                delay: Duration::from_millis(100),
                attempt: 1
            }
        );
        assert_eq!(
            p.decide(2, None),
            Decision::Retry {
                delay: Duration::from_millis(400),
                attempt: 3
            }
        );
        assert_eq!(p.decide(3, None), Decision::DeadLetter { attempts: 4 });
        // RetryLater's own delay wins.
        assert_eq!(
            p.decide(0, Some(Some(Duration::from_secs(7)))),
            Decision::Retry {
                delay: Duration::from_secs(7),
                attempt: 1
            }
        );
        // Nameko's default, unless the method asks.
        let d = FailurePolicy::default();
        assert_eq!(d.decide(0, None), Decision::Default);
        assert!(matches!(d.decide(0, Some(None)), Decision::Retry { .. }));
        assert_eq!(
            d.decide(3, Some(None)),
            Decision::DeadLetter { attempts: 4 }
        );
        assert_eq!(
            FailurePolicy::dead_letter().decide(0, None),
            Decision::DeadLetter { attempts: 1 }
        );
        assert!(!d.dead_letters() && d.is_default());
        assert!(
            FailurePolicy::default()
                .on_malformed(OnMalformed::DeadLetter)
                .dead_letters()
        );
    }

    #[test]
    fn from_config() {
        let p: FailurePolicy = serde_json::from_value(serde_json::json!({
            "retry": {"max": 5, "delay": 0.5, "backoff": 3, "max_delay": 10},
            "on_malformed": "dead_letter",
        }))
        .unwrap();
        let r = p.retry.unwrap();
        assert_eq!(
            (r.max, r.delay, r.backoff),
            (5, Duration::from_millis(500), 3.0)
        );
        assert_eq!(p.on_malformed, OnMalformed::DeadLetter);
        for bad in [
            serde_json::json!({"retry": {"max": 1, "delay": "1s"}}),
            serde_json::json!({"retry": {"max": 1, "backoff": 0.5}}),
            serde_json::json!({"retry": {"maximum": 1}}),
            serde_json::json!({"on_malformed": "drop it"}),
            serde_json::json!({"dead_leter": true}),
        ] {
            assert!(
                serde_json::from_value::<FailurePolicy>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn retry_later_is_found_in_a_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("wrapped")]
        struct Wrapper(#[source] RetryLater);
        let e = Wrapper(RetryLater::after(Duration::from_secs(2), "busy"));
        let found = RetryLater::find(&e).unwrap();
        assert_eq!(found.delay(), Some(Duration::from_secs(2)));
        assert_eq!(found.reason(), "busy");
        assert!(RetryLater::find(&std::fmt::Error).is_none());
    }
}
