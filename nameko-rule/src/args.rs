//! Converter arguments, as werkzeug's `parse_converter_args` reads them:
//! `int(fixed_digits=4, signed=True)`, `any(about, help, "a,b")`.

use std::fmt;

/// One converter argument value, read as werkzeug reads it (`_pythonize`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ArgValue {
    /// `None`.
    None,
    /// `True` or `False`.
    Bool(bool),
    /// An integer such as `4` or `-1`.
    Int(i128),
    /// A number with a fraction or exponent such as `0.5`.
    Float(f64),
    /// A bare word (`about`) or a quoted string (`"a,b"`), without its quotes.
    Str(String),
}

impl fmt::Display for ArgValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgValue::None => f.write_str("None"),
            ArgValue::Bool(true) => f.write_str("True"),
            ArgValue::Bool(false) => f.write_str("False"),
            ArgValue::Int(n) => write!(f, "{n}"),
            ArgValue::Float(x) => write!(f, "{x:?}"),
            ArgValue::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// Positional and keyword arguments.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Args {
    pub(crate) positional: Vec<ArgValue>,
    pub(crate) keyword: Vec<(String, ArgValue)>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Parses the text between a converter's parentheses.
///
/// Differences from werkzeug: a leading `-` is accepted on numbers (werkzeug cannot parse
/// `min=-5`), and a keyword given twice is an error rather than the last one winning.
pub(crate) fn parse_args(text: &str) -> Result<Args, String> {
    let mut args = Args::default();
    let mut rest = text.trim_start();
    if rest.is_empty() {
        return Ok(args);
    }
    loop {
        // optional `name =`
        let mut name = None;
        let word_len: usize = rest
            .char_indices()
            .find(|&(_, c)| !is_word_char(c))
            .map_or(rest.len(), |(i, _)| i);
        if word_len > 0 {
            let after = rest[word_len..].trim_start();
            if let Some(value) = after.strip_prefix('=') {
                name = Some(&rest[..word_len]);
                rest = value.trim_start();
            }
        }
        let (value, after) = parse_value(rest)?;
        rest = after.trim_start();
        match name {
            None if !args.keyword.is_empty() => {
                return Err(format!(
                    "positional argument {value} follows a keyword argument"
                ));
            }
            None => args.positional.push(value),
            Some(n) if args.keyword.iter().any(|(k, _)| k == n) => {
                return Err(format!("argument `{n}` given twice"));
            }
            Some(n) => args.keyword.push((n.to_owned(), value)),
        }
        if rest.is_empty() {
            return Ok(args);
        }
        match rest.strip_prefix(',') {
            Some(after) => {
                rest = after.trim_start();
                // a trailing comma is allowed, as in Python
                if rest.is_empty() {
                    return Ok(args);
                }
            }
            None => return Err(format!("cannot parse converter argument `{rest}`")),
        }
    }
}

/// One value and the text after it.
fn parse_value(text: &str) -> Result<(ArgValue, &str), String> {
    // Python string prefixes werkzeug allows: u, r (either case).
    let unprefixed = match text.as_bytes() {
        [b'u' | b'r' | b'U' | b'R', b'"' | b'\'', ..] => &text[1..],
        _ => text,
    };
    if let Some(quote) = unprefixed
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')
    {
        let body = &unprefixed[1..];
        return match body.find(quote) {
            Some(end) => Ok((ArgValue::Str(body[..end].to_owned()), &body[end + 1..])),
            None => Err(format!("unterminated string `{unprefixed}`")),
        };
    }
    let len = text
        .char_indices()
        .find(|&(i, c)| !(is_word_char(c) || c == '.' || (i == 0 && c == '-')))
        .map_or(text.len(), |(i, _)| i);
    let word = &text[..len];
    if word.is_empty() || word == "-" {
        let shown = if text.is_empty() { "(nothing)" } else { text };
        return Err(format!("cannot parse converter argument `{shown}`"));
    }
    Ok((pythonize(word), &text[len..]))
}

/// werkzeug's `_pythonize`: constants, then int, then float, else the text.
fn pythonize(word: &str) -> ArgValue {
    match word {
        "None" => return ArgValue::None,
        "True" => return ArgValue::Bool(true),
        "False" => return ArgValue::Bool(false),
        _ => {}
    }
    if let Ok(n) = word.parse::<i128>() {
        return ArgValue::Int(n);
    }
    if word.bytes().any(|b| b.is_ascii_digit())
        && let Ok(x) = word.parse::<f64>()
    {
        return ArgValue::Float(x);
    }
    ArgValue::Str(word.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(args: &Args) -> Vec<(&str, &ArgValue)> {
        args.keyword.iter().map(|(k, v)| (k.as_str(), v)).collect()
    }

    #[test]
    fn values() {
        let a = parse_args("1, -2, 0.5, True, False, None, word, 'q,x', \"dq\", u'p'").unwrap();
        assert_eq!(
            a.positional,
            vec![
                ArgValue::Int(1),
                ArgValue::Int(-2),
                ArgValue::Float(0.5),
                ArgValue::Bool(true),
                ArgValue::Bool(false),
                ArgValue::None,
                ArgValue::Str("word".into()),
                ArgValue::Str("q,x".into()),
                ArgValue::Str("dq".into()),
                ArgValue::Str("p".into()),
            ]
        );
        assert!(a.keyword.is_empty());
    }

    #[test]
    fn keywords() {
        let a = parse_args("4, signed = True, min=-3,").unwrap();
        assert_eq!(a.positional, vec![ArgValue::Int(4)]);
        assert_eq!(
            kw(&a),
            vec![
                ("signed", &ArgValue::Bool(true)),
                ("min", &ArgValue::Int(-3))
            ]
        );
        assert_eq!(parse_args("").unwrap(), Args::default());
        assert_eq!(parse_args("  ").unwrap(), Args::default());
    }

    #[test]
    fn errors() {
        assert!(parse_args("a b").unwrap_err().contains("cannot parse"));
        assert!(parse_args("'open").unwrap_err().contains("unterminated"));
        assert!(
            parse_args("x=1, 2")
                .unwrap_err()
                .contains("follows a keyword")
        );
        assert!(parse_args("x=1, x=2").unwrap_err().contains("given twice"));
        assert!(parse_args(",").is_err());
        assert!(parse_args("a,,b").is_err());
        assert!(parse_args("x=").is_err());
        assert!(parse_args("-").is_err());
    }

    #[test]
    fn display() {
        assert_eq!(ArgValue::Bool(true).to_string(), "True");
        assert_eq!(ArgValue::Str("a".into()).to_string(), "\"a\"");
        assert_eq!(ArgValue::Float(1.0).to_string(), "1.0");
    }
}
