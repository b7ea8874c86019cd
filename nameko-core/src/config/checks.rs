//! [`SettingsCheck`]: the settings of every crate linked into a binary, checked whenever a
//! config is loaded.

use serde::de::DeserializeOwned;

use super::{Config, ConfigError};

/// The settings struct of one crate, registered so that every loader of a [`Config`]
/// (`from_file`, `from_yaml_str`, `from_json`) and [`Config::validate`] check it: a typo
/// or a bad value in a transport's keys (`AMQP_URI: 5`, `WEB_MAX_BODY_SIZE: big`) is found
/// when the file is loaded, before anything starts, by whichever crates are linked.
///
/// A crate registers its struct once, next to it:
///
/// ```
/// use nameko_core::config::{Config, SettingsCheck, de, inventory};
/// use serde::Deserialize;
///
/// #[derive(Debug, Default, Deserialize)]
/// #[serde(default)]
/// struct ShopSettings {
///     #[serde(rename = "SHOP_MAX_ITEMS", deserialize_with = "de::optional_positive")]
///     max_hits: Option<u32>,
/// }
///
/// inventory::submit!(SettingsCheck::of::<ShopSettings>("shop"));
///
/// let err = Config::from_yaml_str("SHOP_MAX_ITEMS: 0\n").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "config key `SHOP_MAX_ITEMS`: expected a positive integer, or null, got 0"
/// );
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SettingsCheck {
    owner: &'static str,
    check: fn(&Config) -> Result<(), ConfigError>,
}

impl SettingsCheck {
    /// The check that `T` can be read from a config ([`Config::settings::<T>`]); `owner`
    /// names the crate (or part of one) whose keys they are.
    pub const fn of<T: DeserializeOwned>(owner: &'static str) -> Self {
        SettingsCheck {
            owner,
            check: check_as::<T>,
        }
    }

    /// Whose keys these are.
    pub fn owner(&self) -> &'static str {
        self.owner
    }

    /// Checks `config`.
    pub fn check(&self, config: &Config) -> Result<(), ConfigError> {
        (self.check)(config)
    }
}

fn check_as<T: DeserializeOwned>(config: &Config) -> Result<(), ConfigError> {
    config.settings::<T>().map(drop)
}

inventory::collect!(SettingsCheck);

inventory::submit!(SettingsCheck::of::<super::CoreSettings>("nameko-core"));

/// Runs every registered [`SettingsCheck`] on `config`, failing on the first that fails.
pub(super) fn check_all(config: &Config) -> Result<(), ConfigError> {
    let mut checks: Vec<&SettingsCheck> = inventory::iter::<SettingsCheck>.into_iter().collect();
    // The order inventory gives is the linker's; make the first error reported stable.
    checks.sort_by_key(|c| c.owner);
    checks.into_iter().try_for_each(|c| c.check(config))
}
