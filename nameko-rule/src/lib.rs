//! # nameko-rule
//!
//! Werkzeug's URL rule syntax and HTTP method lists, for
//! [nameko-rs](https://github.com/nameko-rs/nameko-rs)'s `#[http]` entrypoint. The same
//! code checks a rule while `#[service]` expands (so a bad rule is a compile error) and
//! matches request paths at run time in `nameko-web`. It has no dependencies.
//!
//! Users never depend on this crate directly: they write `#[http("GET", "/get/<int:value>")]`
//! and depend on `nameko-web`.
//!
//! ```
//! use nameko_rule::{Converter, Rule, parse_methods};
//!
//! let rule = Rule::parse("/get/<int:value>").unwrap();
//! assert_eq!(rule.variables().count(), 1);
//! let values = rule.match_path("/get/42").unwrap();
//! assert_eq!(values, vec![("value", "42")]);
//! assert!(rule.match_path("/get/abc").is_none()); // werkzeug: 404
//! assert!(rule.match_path("/get/-1").is_none()); // int is non-negative unless signed=True
//!
//! let signed = Rule::parse("/t/<int(signed=True):n>").unwrap();
//! assert_eq!(signed.match_path("/t/-1").unwrap(), vec![("n", "-1")]);
//! assert!(matches!(signed.variables().next().unwrap().converter, Converter::Int { signed: true, .. }));
//!
//! assert_eq!(parse_methods("GET,PUT,POST,DELETE").unwrap(), ["GET", "PUT", "POST", "DELETE"]);
//! assert!(parse_methods("FETCH").is_err());
//! ```
//!
//! ## Rule syntax (werkzeug's)
//!
//! A rule starts with `/` and mixes static text with variables `<name>` or
//! `<converter:name>` or `<converter(args):name>`. Names are identifiers
//! (`[A-Za-z_][A-Za-z0-9_]*`) and unique within a rule. Converters:
//!
//! | converter | matches | arguments |
//! |---|---|---|
//! | `string` (default) | one or more characters, no `/` | `minlength=1`, `maxlength`, `length` |
//! | `path` | one or more characters, `/` included, not starting with `/` | none |
//! | `int` | ASCII digits; a leading `-` only with `signed=True` | `fixed_digits`, `min`, `max`, `signed=False` |
//! | `float` | digits `.` digits (the dot is required); `-` only with `signed=True` | `min`, `max`, `signed=False` |
//! | `uuid` | canonical `8-4-4-4-12` hexadecimal | none |
//! | `any` | one of the listed words | the words: `any(about, help, "a,b")` |
//!
//! Arguments are written as werkzeug writes them: positional or `name=value`, with values
//! `True`, `False`, `None`, integers, floats, bare words or quoted strings.
//!
//! Differences from werkzeug: `\d` in werkzeug's patterns also matches non-ASCII decimal
//! digits; here `int` and `float` take ASCII digits only.
#![forbid(unsafe_code)]

mod args;
mod converter;
mod error;
mod methods;
mod rule;

pub use args::ArgValue;
pub use converter::Converter;
#[allow(deprecated)]
pub use error::MethodError;
pub use error::{HttpMethodError, RuleError};
pub use methods::{STANDARD_METHODS, parse_methods};
pub use rule::{Part, Rule, Variable, Weight};
