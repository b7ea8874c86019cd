//! [`EntrypointOptions`]: Nameko's `expected_exceptions` and `sensitive_arguments`, and the
//! redaction of sensitive arguments.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::failure::error_chain;
use crate::payload::Arguments;

/// What a redacted argument is replaced with (Nameko's `REDACTED`).
pub const REDACTED: &str = "********";

/// A test of whether an error is of one expected type.
type ErrorTest = fn(&(dyn StdError + 'static)) -> bool;

/// Whether `error` is a `T`: the test `expected_exceptions(T)` generates.
pub fn is_error<T: StdError + 'static>(error: &(dyn StdError + 'static)) -> bool {
    error.is::<T>()
}

/// Options of one entrypoint that the core applies to each of its workers: Nameko's
/// `expected_exceptions` and `sensitive_arguments`, and the method's parameter names
/// (to show a call's arguments by name).
///
/// `#[rpc(expected_exceptions(NotFound), sensitive_arguments("password"))]` builds:
///
/// ```
/// use nameko_core::worker::{EntrypointOptions, is_error};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("not found")]
/// struct NotFound;
///
/// let options = EntrypointOptions::new()
///     .params(&["username", "password"])
///     .expected("NotFound", is_error::<NotFound>)
///     .sensitive(["password"]);
/// assert!(options.is_expected(&NotFound));
/// ```
#[derive(Clone, Default)]
pub struct EntrypointOptions {
    params: &'static [&'static str],
    expected: Vec<(&'static str, ErrorTest)>,
    sensitive: Vec<Arc<str>>,
}

impl fmt::Debug for EntrypointOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expected: Vec<&str> = self.expected.iter().map(|(name, _)| *name).collect();
        f.debug_struct("EntrypointOptions")
            .field("params", &self.params)
            .field("expected", &expected)
            .field("sensitive", &self.sensitive)
            .finish()
    }
}

impl EntrypointOptions {
    /// No expected errors, no sensitive arguments.
    pub fn new() -> Self {
        Self::default()
    }

    /// The method's parameter names, in order.
    pub fn params(mut self, params: &'static [&'static str]) -> Self {
        self.params = params;
        self
    }

    /// Adds an expected error type, Nameko's `expected_exceptions`: a failure with an error
    /// for which `test` holds (anywhere in its `source()` chain) is logged at WARNING, not
    /// ERROR, and an HTTP entrypoint answers it with `400`. `name` is for logs.
    pub fn expected(mut self, name: &'static str, test: ErrorTest) -> Self {
        self.expected.push((name, test));
        self
    }

    /// Adds sensitive arguments, Nameko's `sensitive_arguments`: names of parameters, or
    /// paths into them (`"card.number"`, `"items[0]"`), whose values are replaced with
    /// [`REDACTED`] wherever arguments are logged or shown to dependency providers.
    pub fn sensitive<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Arc<str>>,
    {
        self.sensitive.extend(names.into_iter().map(Into::into));
        self
    }

    /// The parameter names.
    pub fn param_names(&self) -> &'static [&'static str] {
        self.params
    }

    /// The names of the expected error types.
    pub fn expected_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.expected.iter().map(|(name, _)| *name)
    }

    /// The sensitive argument paths.
    pub fn sensitive_arguments(&self) -> impl Iterator<Item = &str> {
        self.sensitive.iter().map(|s| &**s)
    }

    /// Whether `error`, or an error in its `source()` chain, is of an expected type.
    pub fn is_expected(&self, error: &(dyn StdError + 'static)) -> bool {
        !self.expected.is_empty()
            && error_chain(error).any(|e| self.expected.iter().any(|(_, test)| test(e)))
    }

    /// `args` by parameter name, with the sensitive ones redacted.
    pub fn redact(&self, args: &CallArguments) -> Value {
        let mut named = args.named(self.params);
        for path in &self.sensitive {
            redact_path(&mut named, path);
        }
        Value::Object(named)
    }
}

/// The arguments of one call, as the transport received them.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum CallArguments {
    /// None (a timer tick).
    #[default]
    None,
    /// An RPC call's positional and keyword arguments.
    Rpc(Arguments),
    /// Arguments by name (an event's payload, an HTTP request's path values).
    Named(Map<String, Value>),
}

impl CallArguments {
    /// By name: positional ones take the parameter names in order (`args[i]` past them).
    fn named(&self, params: &[&str]) -> Map<String, Value> {
        match self {
            CallArguments::None => Map::new(),
            CallArguments::Named(map) => map.clone(),
            CallArguments::Rpc(args) => {
                let mut map = Map::new();
                for (i, value) in args.args.iter().enumerate() {
                    let name = params
                        .get(i)
                        .map_or_else(|| format!("args[{i}]"), |p| (*p).to_owned());
                    map.insert(name, value.clone());
                }
                for (key, value) in &args.kwargs {
                    map.insert(key.clone(), value.clone());
                }
                map
            }
        }
    }
}

/// One step of a sensitive-argument path.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `a.b[0].c` into steps, as Nameko's `(\w+)|\[(\d+)\]` (Unicode word characters).
fn steps(path: &str) -> Vec<Step<'_>> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(c) = rest.chars().next() {
        if is_word(c) {
            let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
            out.push(Step::Key(&rest[..end]));
            rest = &rest[end..];
        } else if c == '[' {
            let digits = rest[1..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - 1);
            if digits > 0 && rest[1 + digits..].starts_with(']') {
                if let Ok(n) = rest[1..=digits].parse() {
                    out.push(Step::Index(n));
                }
                rest = &rest[digits + 2..];
            } else {
                rest = &rest[1..];
            }
        } else {
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn redact_path(args: &mut Map<String, Value>, path: &str) {
    let steps = steps(path);
    let Some((Step::Key(first), rest)) = steps.split_first() else {
        return;
    };
    let Some(mut value) = args.get_mut(*first) else {
        return;
    };
    for step in rest {
        let next = match (step, value) {
            (Step::Key(k), Value::Object(map)) => map.get_mut(*k),
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i),
            // Nameko also indexes a dict by a number-like key.
            (Step::Index(i), Value::Object(map)) => map.get_mut(&i.to_string()),
            _ => None,
        };
        match next {
            Some(v) => value = v,
            None => return,
        }
    }
    *value = Value::String(REDACTED.to_owned());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn unicode_names() {
        assert_eq!(
            steps("mot_de_passé.clé"),
            [Step::Key("mot_de_passé"), Step::Key("clé")]
        );
        assert_eq!(
            steps("a[x]b[2"),
            [
                Step::Key("a"),
                Step::Key("x"),
                Step::Key("b"),
                Step::Key("2")
            ]
        );
    }

    #[test]
    fn path_steps() {
        assert_eq!(
            steps("a.b[0][12].c_d"),
            [
                Step::Key("a"),
                Step::Key("b"),
                Step::Index(0),
                Step::Index(12),
                Step::Key("c_d")
            ]
        );
    }

    #[test]
    fn redacts_like_nameko() {
        let options = EntrypointOptions::new()
            .params(&["user", "password", "card"])
            .sensitive([
                "password",
                "card.number",
                "card.history[1]",
                "missing",
                "user.x.y",
            ]);
        let args = CallArguments::Rpc(Arguments {
            args: vec![json!("bob"), json!("s3cret")],
            kwargs: serde_json::from_value(
                json!({"card": {"number": "4111", "history": [1, 2, 3], "exp": "12/30"}}),
            )
            .unwrap(),
        });
        assert_eq!(
            options.redact(&args),
            json!({
                "user": "bob",
                "password": REDACTED,
                "card": {"number": REDACTED, "history": [1, REDACTED, 3], "exp": "12/30"},
            })
        );
    }

    #[test]
    fn extra_positional_arguments_keep_an_index() {
        let options = EntrypointOptions::new().params(&["a"]);
        let args = CallArguments::Rpc(Arguments::positional(vec![json!(1), json!(2)]));
        assert_eq!(options.redact(&args), json!({"a": 1, "args[1]": 2}));
    }

    #[test]
    fn expected_walks_the_source_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("wrapper")]
        struct Wrapper(#[source] std::io::Error);
        let options = EntrypointOptions::new().expected("io::Error", is_error::<std::io::Error>);
        assert!(options.is_expected(&std::io::Error::other("x")));
        assert!(options.is_expected(&Wrapper(std::io::Error::other("x"))));
        assert!(!options.is_expected(&std::fmt::Error));
        assert!(!EntrypointOptions::new().is_expected(&std::fmt::Error));
    }
}
