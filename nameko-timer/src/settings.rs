//! nameko-timer's keys, read into [`TimerSettings`].
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `TIMER_SINGLETON_HANDOVER` | 1 | seconds between two attempts of an instance to take the lease of a `singleton` timer that another instance holds: how soon after the holder is gone another one fires |
//!
//! The struct is registered as a [`SettingsCheck`](nameko_core::config::SettingsCheck),
//! so a bad value is an error when the config is loaded:
//!
//! ```
//! use std::time::Duration;
//! use nameko_core::Config;
//! use nameko_timer::TimerSettings;
//!
//! let config = Config::from_yaml_str("TIMER_SINGLETON_HANDOVER: 0.5\n")?;
//! let settings: TimerSettings = config.settings()?;
//! assert_eq!(settings.singleton_handover, Duration::from_millis(500));
//!
//! let err = Config::from_yaml_str("TIMER_SINGLETON_HANDOVER: 0\n").unwrap_err();
//! assert!(err.to_string().starts_with("config key `TIMER_SINGLETON_HANDOVER`"));
//! # Ok::<(), nameko_core::ConfigError>(())
//! ```

use std::time::Duration;

use nameko_core::config::{SettingsCheck, de, inventory};
use serde::Deserialize;

/// Config key: seconds between two attempts of an instance to take the lease of a
/// `singleton` timer held by another instance (default 1).
pub const TIMER_SINGLETON_HANDOVER: &str = "TIMER_SINGLETON_HANDOVER";

/// Default of [`TIMER_SINGLETON_HANDOVER`]: one second.
pub const DEFAULT_SINGLETON_HANDOVER: Duration = Duration::from_secs(1);

/// Every key nameko-timer reads, checked, each with its default (see the
/// [module docs](self)).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TimerSettings {
    /// `TIMER_SINGLETON_HANDOVER`: how often an instance that does not hold a singleton
    /// timer's lease tries to take it. An instance that lost the lease waits twice as
    /// long before it tries again, so that another one takes over.
    #[serde(rename = "TIMER_SINGLETON_HANDOVER", deserialize_with = "de::seconds")]
    pub singleton_handover: Duration,
}

impl Default for TimerSettings {
    fn default() -> Self {
        TimerSettings {
            singleton_handover: DEFAULT_SINGLETON_HANDOVER,
        }
    }
}

inventory::submit!(SettingsCheck::of::<TimerSettings>("nameko-timer"));
