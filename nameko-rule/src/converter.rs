//! Werkzeug's converters: what a rule variable matches, and which Rust types can hold it.

use crate::args::{ArgValue, Args, parse_args};
use crate::error::RuleError;

/// The converter names, for error messages.
pub(crate) const CONVERTER_NAMES: [&str; 7] =
    ["string", "default", "path", "int", "float", "uuid", "any"];

/// How a rule variable matches a piece of the path, with its werkzeug arguments.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Converter {
    /// `string` (the default): characters without `/`; at least `minlength` of them (1 by
    /// default), at most `maxlength`, or exactly `length`.
    String {
        /// Fewest characters (default 1).
        minlength: usize,
        /// Most characters.
        maxlength: Option<usize>,
        /// Exact number of characters; overrides the other two.
        length: Option<usize>,
    },
    /// `path`: like `string` but `/` is allowed (not as the first character).
    Path,
    /// `int`: ASCII digits, with a leading `-` only if `signed`.
    Int {
        /// When not 0, the value must have exactly this many characters.
        fixed_digits: usize,
        /// Smallest value accepted.
        min: Option<i128>,
        /// Largest value accepted.
        max: Option<i128>,
        /// Whether a leading `-` is accepted.
        signed: bool,
    },
    /// `float`: digits, a dot, digits; a leading `-` only if `signed`.
    Float {
        /// Smallest value accepted.
        min: Option<f64>,
        /// Largest value accepted.
        max: Option<f64>,
        /// Whether a leading `-` is accepted.
        signed: bool,
    },
    /// `uuid`: the canonical `8-4-4-4-12` hexadecimal form.
    Uuid,
    /// `any(a, b, c)`: exactly one of the words.
    Any(Vec<String>),
}

const INT_TYPES: [&str; 12] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];
const FLOAT_TYPES: [&str; 2] = ["f32", "f64"];
const UUID_TYPES: [&str; 2] = ["Uuid", "String"];
const STRING_TYPES: [&str; 1] = ["String"];

/// Binds werkzeug-style arguments to a converter's parameters, as Python binds a call.
fn bind(
    converter: &'static str,
    params: &[&'static str],
    args: Args,
) -> Result<Vec<Option<ArgValue>>, RuleError> {
    let bad = |message: String| RuleError::BadArguments { converter, message };
    if args.positional.len() > params.len() {
        return Err(bad(if params.is_empty() {
            "it takes no arguments".to_owned()
        } else {
            format!(
                "it takes at most {} arguments ({}), got {}",
                params.len(),
                params.join(", "),
                args.positional.len()
            )
        }));
    }
    let mut bound: Vec<Option<ArgValue>> = vec![None; params.len()];
    for (slot, value) in bound.iter_mut().zip(args.positional) {
        *slot = Some(value);
    }
    for (name, value) in args.keyword {
        let Some(i) = params.iter().position(|p| *p == name) else {
            return Err(bad(if params.is_empty() {
                "it takes no arguments".to_owned()
            } else {
                format!(
                    "unknown argument `{name}`; the arguments are {}",
                    params.join(", ")
                )
            }));
        };
        if bound[i].is_some() {
            return Err(bad(format!("argument `{name}` given twice")));
        }
        bound[i] = Some(value);
    }
    Ok(bound)
}

fn as_count(
    converter: &'static str,
    name: &str,
    v: Option<ArgValue>,
) -> Result<Option<usize>, RuleError> {
    match v {
        None | Some(ArgValue::None) => Ok(None),
        Some(ArgValue::Int(n)) if n >= 0 => {
            usize::try_from(n)
                .map(Some)
                .map_err(|_| RuleError::BadArguments {
                    converter,
                    message: format!("`{name}` is too large"),
                })
        }
        Some(other) => Err(RuleError::BadArguments {
            converter,
            message: format!("`{name}` must be a non-negative integer, got {other}"),
        }),
    }
}

fn as_int(
    converter: &'static str,
    name: &str,
    v: Option<ArgValue>,
) -> Result<Option<i128>, RuleError> {
    match v {
        None | Some(ArgValue::None) => Ok(None),
        Some(ArgValue::Int(n)) => Ok(Some(n)),
        Some(other) => Err(RuleError::BadArguments {
            converter,
            message: format!("`{name}` must be an integer, got {other}"),
        }),
    }
}

fn as_float(
    converter: &'static str,
    name: &str,
    v: Option<ArgValue>,
) -> Result<Option<f64>, RuleError> {
    match v {
        None | Some(ArgValue::None) => Ok(None),
        // i128 -> f64 may round, as Python's comparison of an int with a float would not;
        // bounds that large are not meaningful for a URL.
        #[allow(clippy::cast_precision_loss)]
        Some(ArgValue::Int(n)) => Ok(Some(n as f64)),
        Some(ArgValue::Float(x)) => Ok(Some(x)),
        Some(other) => Err(RuleError::BadArguments {
            converter,
            message: format!("`{name}` must be a number, got {other}"),
        }),
    }
}

fn as_bool(converter: &'static str, name: &str, v: Option<ArgValue>) -> Result<bool, RuleError> {
    match v {
        None => Ok(false),
        Some(ArgValue::Bool(b)) => Ok(b),
        Some(other) => Err(RuleError::BadArguments {
            converter,
            message: format!("`{name}` must be True or False, got {other}"),
        }),
    }
}

/// Whether `s` is one or more ASCII digits.
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl Converter {
    /// The converter `name` with its arguments (the text between the parentheses, if any).
    pub fn from_parts(name: &str, args: Option<&str>) -> Result<Converter, RuleError> {
        let (canonical, params): (&'static str, &[&'static str]) = match name {
            "string" | "default" => ("string", &["minlength", "maxlength", "length"]),
            "path" => ("path", &[]),
            "int" => ("int", &["fixed_digits", "min", "max", "signed"]),
            "float" => ("float", &["min", "max", "signed"]),
            "uuid" => ("uuid", &[]),
            "any" => ("any", &[]),
            _ => {
                return Err(RuleError::UnknownConverter {
                    converter: name.to_owned(),
                });
            }
        };
        let args = parse_args(args.unwrap_or("")).map_err(|message| RuleError::BadArguments {
            converter: canonical,
            message,
        })?;
        if canonical == "any" {
            return Self::any(args);
        }
        let mut bound = bind(canonical, params, args)?.into_iter();
        let mut next = || bound.next().flatten();
        Ok(match canonical {
            "string" => {
                let minlength = as_count(canonical, "minlength", next())?.unwrap_or(1);
                let maxlength = as_count(canonical, "maxlength", next())?;
                let length = as_count(canonical, "length", next())?;
                if let Some(max) = maxlength
                    && max < minlength
                    && length.is_none()
                {
                    return Err(RuleError::BadArguments {
                        converter: canonical,
                        message: format!("maxlength {max} is smaller than minlength {minlength}"),
                    });
                }
                Converter::String {
                    minlength,
                    maxlength,
                    length,
                }
            }
            "int" => {
                let fixed_digits = as_count(canonical, "fixed_digits", next())?.unwrap_or(0);
                let min = as_int(canonical, "min", next())?;
                let max = as_int(canonical, "max", next())?;
                let signed = as_bool(canonical, "signed", next())?;
                Converter::Int {
                    fixed_digits,
                    min,
                    max,
                    signed,
                }
            }
            "float" => {
                let min = as_float(canonical, "min", next())?;
                let max = as_float(canonical, "max", next())?;
                let signed = as_bool(canonical, "signed", next())?;
                Converter::Float { min, max, signed }
            }
            "path" => Converter::Path,
            _ => Converter::Uuid,
        })
    }

    fn any(args: Args) -> Result<Converter, RuleError> {
        let bad = |message: String| RuleError::BadArguments {
            converter: "any",
            message,
        };
        if let Some((name, _)) = args.keyword.first() {
            return Err(bad(format!(
                "`any` takes only the words to match, not `{name}=`"
            )));
        }
        if args.positional.is_empty() {
            return Err(bad(
                "`any` needs at least one word, e.g. any(about, help)".to_owned()
            ));
        }
        let mut words = Vec::with_capacity(args.positional.len());
        for value in args.positional {
            match value {
                ArgValue::Str(s) if !s.is_empty() => words.push(s),
                other => {
                    return Err(bad(format!(
                        "`any` words must be bare words or quoted strings, got {other}"
                    )));
                }
            }
        }
        Ok(Converter::Any(words))
    }

    /// The converter's name, as written in a rule.
    pub fn name(&self) -> &'static str {
        match self {
            Converter::String { .. } => "string",
            Converter::Path => "path",
            Converter::Int { .. } => "int",
            Converter::Float { .. } => "float",
            Converter::Uuid => "uuid",
            Converter::Any(_) => "any",
        }
    }

    /// Whether the value may contain `/` (only `path`).
    pub fn spans_segments(&self) -> bool {
        matches!(self, Converter::Path)
    }

    /// werkzeug's converter weight, used to order rules: lower is tried first
    /// (`int`, `float`: 50; `string`, `uuid`, `any`: 100; `path`: 200).
    pub fn weight(&self) -> u16 {
        match self {
            Converter::Int { .. } | Converter::Float { .. } => 50,
            Converter::Path => 200,
            _ => 100,
        }
    }

    /// Whether `value` has the converter's shape (its werkzeug regular expression).
    pub fn matches_shape(&self, value: &str) -> bool {
        match self {
            Converter::String {
                minlength,
                maxlength,
                length,
            } => {
                if value.contains('/') {
                    return false;
                }
                if length.is_none() && maxlength.is_none() && *minlength <= 1 {
                    return value.len() >= *minlength;
                }
                let n = value.chars().count();
                match length {
                    Some(len) => n == *len,
                    None => n >= *minlength && maxlength.is_none_or(|max| n <= max),
                }
            }
            Converter::Path => !value.is_empty() && !value.starts_with('/'),
            Converter::Int { signed, .. } => {
                let digits = match value.strip_prefix('-') {
                    Some(rest) if *signed => rest,
                    _ => value,
                };
                all_digits(digits)
            }
            Converter::Float { signed, .. } => {
                let number = match value.strip_prefix('-') {
                    Some(rest) if *signed => rest,
                    _ => value,
                };
                match number.split_once('.') {
                    Some((int, frac)) => all_digits(int) && all_digits(frac),
                    None => false,
                }
            }
            Converter::Uuid => {
                let bytes = value.as_bytes();
                bytes.len() == 36
                    && bytes.iter().enumerate().all(|(i, b)| match i {
                        8 | 13 | 18 | 23 => *b == b'-',
                        _ => b.is_ascii_hexdigit(),
                    })
            }
            Converter::Any(words) => words.iter().any(|w| w == value),
        }
    }

    /// Whether a value of the right shape is accepted (werkzeug's `to_python` checks:
    /// `fixed_digits`, `min`, `max`). A value rejected here makes the rule not match.
    pub fn accepts(&self, value: &str) -> bool {
        match self {
            Converter::Int {
                fixed_digits,
                min,
                max,
                ..
            } => {
                if *fixed_digits != 0 && value.len() != *fixed_digits {
                    return false;
                }
                if min.is_none() && max.is_none() {
                    return true;
                }
                // A value too large for i128 is beyond any bound written in a rule.
                let (below_min, above_max) = match value.parse::<i128>() {
                    Ok(n) => (min.is_some_and(|m| n < m), max.is_some_and(|m| n > m)),
                    Err(_) if value.starts_with('-') => (min.is_some(), false),
                    Err(_) => (false, max.is_some()),
                };
                !below_min && !above_max
            }
            Converter::Float { min, max, .. } => match value.parse::<f64>() {
                Ok(x) => min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m),
                Err(_) => false,
            },
            _ => true,
        }
    }

    /// Whether `value` matches: the right shape and accepted.
    pub fn matches(&self, value: &str) -> bool {
        self.matches_shape(value) && self.accepts(value)
    }

    /// The Rust types a handler parameter bound to this variable may have, by the last
    /// segment of their path: `int` → the integer types, `float` → `f32`/`f64`,
    /// `uuid` → `Uuid` or `String`, the others → `String`.
    pub fn accepted_rust_types(&self) -> &'static [&'static str] {
        match self {
            Converter::Int { .. } => &INT_TYPES,
            Converter::Float { .. } => &FLOAT_TYPES,
            Converter::Uuid => &UUID_TYPES,
            _ => &STRING_TYPES,
        }
    }

    /// Checks a handler parameter's type, given as the last segment of its path (`i64`,
    /// `Uuid`, `String`); the error says what fits instead.
    pub fn check_rust_type(&self, last_path_segment: &str) -> Result<(), String> {
        let accepted = self.accepted_rust_types();
        if !accepted.contains(&last_path_segment) {
            return Err(format!(
                "a `{}` rule variable cannot be a `{last_path_segment}`; use {}",
                self.name(),
                accepted
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Converter::Int { signed: true, .. } = self
            && last_path_segment.starts_with('u')
        {
            return Err(format!(
                "an `int(signed=True)` rule variable can be negative: use a signed integer type, not `{last_path_segment}`"
            ));
        }
        Ok(())
    }

    /// Whether a handler parameter of this type (last path segment) can hold the value.
    pub fn fits_rust_type(&self, last_path_segment: &str) -> bool {
        self.check_rust_type(last_path_segment).is_ok()
    }
}

#[cfg(test)]
mod tests;
