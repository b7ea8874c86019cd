//! nameko-timer's keys, read into [`TimerSettings`].
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `TIMER_SINGLETON_RETRY_INTERVAL` | 1 | seconds an instance waits before it tries again to wait for the lease of a `singleton` timer after the attempt failed (the broker cannot be reached, refused the lease's queue) |
//!
//! The struct is registered as a [`SettingsCheck`],
//! so a bad value is an error when the config is loaded:
//!
//! ```
//! use std::time::Duration;
//! use nameko_core::Config;
//! use nameko_timer::TimerSettings;
//!
//! let config = Config::from_yaml_str("TIMER_SINGLETON_RETRY_INTERVAL: 0.5\n")?;
//! let settings: TimerSettings = config.settings()?;
//! assert_eq!(settings.singleton_retry_interval, Duration::from_millis(500));
//!
//! let err = Config::from_yaml_str("TIMER_SINGLETON_RETRY_INTERVAL: 0\n").unwrap_err();
//! assert!(err.to_string().starts_with("config key `TIMER_SINGLETON_RETRY_INTERVAL`"));
//! # Ok::<(), nameko_core::ConfigError>(())
//! ```

use std::time::Duration;

use nameko_core::config::{SettingsCheck, de, inventory};
use serde::Deserialize;

/// Config key: seconds an instance waits before it tries again to wait for the lease of a
/// `singleton` timer, after the attempt failed (default 1).
pub const TIMER_SINGLETON_RETRY_INTERVAL: &str = "TIMER_SINGLETON_RETRY_INTERVAL";

/// Default of [`TIMER_SINGLETON_RETRY_INTERVAL`]: one second.
pub const DEFAULT_SINGLETON_RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// Every key nameko-timer reads, checked, each with its default (see the
/// [module docs](self)).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TimerSettings {
    /// `TIMER_SINGLETON_RETRY_INTERVAL`: how long an instance whose attempt to wait for
    /// a singleton timer's lease failed waits before the next attempt. (Waiting for a
    /// lease held elsewhere is not an attempt that fails: the lease's backend hands it
    /// over as soon as the holder is gone.)
    #[serde(
        rename = "TIMER_SINGLETON_RETRY_INTERVAL",
        deserialize_with = "de::seconds"
    )]
    pub singleton_retry_interval: Duration,
}

impl Default for TimerSettings {
    fn default() -> Self {
        TimerSettings {
            singleton_retry_interval: DEFAULT_SINGLETON_RETRY_INTERVAL,
        }
    }
}

inventory::submit!(SettingsCheck::of::<TimerSettings>("nameko-timer"));
