//! Errors of rule and method-list parsing. Messages are lowercase, name what is wrong, and
//! say what is accepted, so the macros can show them as they are.

use std::fmt;

/// Why a URL rule is not valid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleError {
    /// The rule does not start with `/`.
    NoLeadingSlash,
    /// A `<` that does not open a well-formed variable (`<name>`, `<conv:name>`,
    /// `<conv(args):name>`), e.g. an unclosed `<` or a `<` inside static text.
    Malformed {
        /// Byte offset of the `<` in the rule.
        at: usize,
        /// What was found there.
        text: String,
    },
    /// A variable without a name, `<>` or `<int:>`.
    EmptyName {
        /// Byte offset of the `<` in the rule.
        at: usize,
    },
    /// A variable name that is not an identifier.
    InvalidName {
        /// The name as written.
        name: String,
    },
    /// Two variables with the same name.
    DuplicateVariable {
        /// The name.
        name: String,
    },
    /// A converter name that is not one of werkzeug's.
    UnknownConverter {
        /// The converter as written.
        converter: String,
    },
    /// Arguments a converter does not accept or cannot parse.
    BadArguments {
        /// The converter.
        converter: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::NoLeadingSlash => {
                f.write_str("URL rules must start with a leading slash `/`")
            }
            RuleError::Malformed { at, text } => write!(
                f,
                "malformed variable at byte {at}: `{text}` (expected `<name>`, `<converter:name>` or `<converter(args):name>`)"
            ),
            RuleError::EmptyName { at } => write!(f, "variable at byte {at} has no name"),
            RuleError::InvalidName { name } => write!(
                f,
                "variable name `{name}` is not an identifier (letters, digits and `_`, not starting with a digit)"
            ),
            RuleError::DuplicateVariable { name } => write!(f, "variable name `{name}` used twice"),
            RuleError::UnknownConverter { converter } => write!(
                f,
                "unknown converter `{converter}`; the converters are {}",
                crate::converter::CONVERTER_NAMES.join(", ")
            ),
            RuleError::BadArguments { converter, message } => {
                write!(f, "bad arguments for converter `{converter}`: {message}")
            }
        }
    }
}

impl std::error::Error for RuleError {}

/// Why an HTTP method list is not valid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpMethodError {
    /// The list is empty, or has an empty item (`"GET,,POST"`).
    Empty,
    /// A name that is not a standard HTTP method.
    Unknown {
        /// The name as written.
        method: String,
    },
}

impl fmt::Display for HttpMethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpMethodError::Empty => f.write_str(
                "empty HTTP method; write one method or a comma-separated list such as \"GET,POST\"",
            ),
            HttpMethodError::Unknown { method } => write!(
                f,
                "unknown HTTP method `{method}`; the methods are {}",
                crate::methods::STANDARD_METHODS.join(", ")
            ),
        }
    }
}

impl std::error::Error for HttpMethodError {}

/// The former name of [`HttpMethodError`], which read as `nameko_core::MethodError` (the
/// error a service method returns).
#[deprecated(note = "renamed to `HttpMethodError`")]
pub type MethodError = HttpMethodError;
