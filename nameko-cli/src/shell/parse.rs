//! The shell's line syntax: Python-ish calls.
//!
//! ```text
//! service_x.remote_method("hellø")          # positional arguments
//! echo.add(a=1, b=2)                         # keyword arguments
//! n.rpc.echo.echo({'k': [1, 2.5, True, None]})  # Nameko's spelling works too
//! dispatch("source", "event_type", {"id": 1})
//! help | exit | quit
//! ```
//!
//! Values are JSON, plus Python's `True`, `False`, `None`, single-quoted strings, tuples
//! (as lists) and trailing commas.

use nameko_core::Arguments;
use serde_json::{Map, Number, Value};

/// One parsed line.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Line {
    /// Nothing (blank, or a `#` comment).
    Empty,
    /// `help`.
    Help,
    /// `exit` or `quit`.
    Exit,
    /// `service.method(args...)`.
    Call {
        /// The service.
        service: String,
        /// The method.
        method: String,
        /// Positional and keyword arguments.
        arguments: Arguments,
    },
    /// `dispatch(source, event_type, payload)`.
    Dispatch {
        /// The source service.
        source: String,
        /// The event type.
        event_type: String,
        /// The payload (`null` if not given).
        payload: Value,
    },
}

/// A line that does not parse: what was expected, and where (a character offset).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at column {})", .column + 1)]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// The 0-based column (in characters).
    pub column: usize,
}

/// Parses one shell line.
///
/// ```
/// use nameko_cli::shell::parse::{Line, parse_line};
///
/// let Line::Call { service, method, arguments } = parse_line("service_x.remote_method('hellø')").unwrap()
/// else { panic!() };
/// assert_eq!((service.as_str(), method.as_str()), ("service_x", "remote_method"));
/// assert_eq!(arguments.args, vec![serde_json::json!("hellø")]);
/// ```
pub fn parse_line(line: &str) -> Result<Line, ParseError> {
    let mut p = Parser {
        chars: line.chars().collect(),
        pos: 0,
        depth: 0,
    };
    p.ws();
    if p.at_end() || p.peek() == Some('#') {
        return Ok(Line::Empty);
    }
    let start = p.pos;
    let mut path = vec![p.ident()?];
    p.ws();
    while p.eat('.') {
        p.ws();
        path.push(p.ident()?);
        p.ws();
    }
    if p.at_end() && path.len() == 1 {
        match path[0].as_str() {
            "help" => return Ok(Line::Help),
            "exit" | "quit" => return Ok(Line::Exit),
            _ => {}
        }
    }
    if !p.eat('(') {
        return Err(p.error(
            "expected `(`: write service.method(args...), dispatch(source, event_type, payload), help or exit",
        ));
    }
    let (args, kwargs) = p.arguments()?;
    p.ws();
    if !p.at_end() {
        return Err(p.error("unexpected text after `)`"));
    }
    // Nameko's `n.rpc.service.method(...)` spelling.
    if path.len() > 2 && path[0] == "n" && path[1] == "rpc" {
        path.drain(..2);
    }
    if path.len() == 1 && path[0] == "dispatch" {
        return dispatch(args, kwargs, start);
    }
    if path.len() != 2 {
        return Err(ParseError {
            message: format!(
                "`{}`: expected service.method(...) or dispatch(...)",
                path.join(".")
            ),
            column: start,
        });
    }
    let method = path.pop().unwrap_or_default();
    let service = path.pop().unwrap_or_default();
    Ok(Line::Call {
        service,
        method,
        arguments: Arguments { args, kwargs },
    })
}

fn dispatch(
    args: Vec<Value>,
    mut kwargs: Map<String, Value>,
    column: usize,
) -> Result<Line, ParseError> {
    let names = ["source", "event_type", "payload"];
    let mut values: Vec<Option<Value>> = args.into_iter().map(Some).collect();
    if values.len() > 3 {
        return Err(ParseError {
            message: "dispatch takes 3 arguments: source, event_type, payload".into(),
            column,
        });
    }
    values.resize(3, None);
    for (i, name) in names.iter().enumerate() {
        if let Some(v) = kwargs.remove(*name) {
            if values[i].is_some() {
                return Err(ParseError {
                    message: format!("dispatch got `{name}` twice"),
                    column,
                });
            }
            values[i] = Some(v);
        }
    }
    if let Some(extra) = kwargs.keys().next() {
        return Err(ParseError {
            message: format!("dispatch has no argument `{extra}`"),
            column,
        });
    }
    let string = |i: usize, values: &mut Vec<Option<Value>>| match values[i].take() {
        Some(Value::String(s)) => Ok(s),
        _ => Err(ParseError {
            message: format!("dispatch: `{}` must be a string", names[i]),
            column,
        }),
    };
    let source = string(0, &mut values)?;
    let event_type = string(1, &mut values)?;
    Ok(Line::Dispatch {
        source,
        event_type,
        payload: values[2].take().unwrap_or(Value::Null),
    })
}

/// How deep lists and objects may nest (as `serde_json`'s limit): deeper is an error,
/// not a stack overflow.
const MAX_DEPTH: usize = 128;

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// Lists and objects open at `pos`.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            column: self.pos,
        }
    }

    fn ident(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error("expected a name"));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    /// After `(`: values and `name=value`s up to `)`.
    fn arguments(&mut self) -> Result<(Vec<Value>, Map<String, Value>), ParseError> {
        let mut args = Vec::new();
        let mut kwargs = Map::new();
        loop {
            self.ws();
            if self.eat(')') {
                return Ok((args, kwargs));
            }
            if self.at_end() {
                return Err(self.error("expected `)`"));
            }
            let save = self.pos;
            let keyword = match self.ident() {
                Ok(name) => {
                    self.ws();
                    if self.peek() == Some('=') {
                        self.pos += 1;
                        Some(name)
                    } else {
                        self.pos = save;
                        None
                    }
                }
                Err(_) => {
                    self.pos = save;
                    None
                }
            };
            let value = self.value()?;
            match keyword {
                Some(name) => {
                    if kwargs.insert(name.clone(), value).is_some() {
                        return Err(ParseError {
                            message: format!("keyword argument `{name}` repeated"),
                            column: save,
                        });
                    }
                }
                None if !kwargs.is_empty() => {
                    return Err(ParseError {
                        message: "positional argument follows keyword argument".into(),
                        column: save,
                    });
                }
                None => args.push(value),
            }
            self.ws();
            if !self.eat(',') && self.peek() != Some(')') {
                return Err(self.error("expected `,` or `)`"));
            }
        }
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        self.ws();
        match self.peek() {
            None => Err(self.error("expected a value")),
            Some('"' | '\'') => self.string().map(Value::String),
            Some(open @ ('[' | '(' | '{')) => {
                if self.depth >= MAX_DEPTH {
                    return Err(self.error(format!("nested more than {MAX_DEPTH} deep")));
                }
                self.pos += 1;
                self.depth += 1;
                let value = match open {
                    '[' => self.sequence(']').map(Value::Array),
                    '(' => self.sequence(')').map(Value::Array),
                    _ => self.object(),
                };
                self.depth -= 1;
                value
            }
            Some(c) if c == '-' || c == '+' || c == '.' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => {
                let start = self.pos;
                let word = self.ident()?;
                match word.as_str() {
                    "true" | "True" => Ok(Value::Bool(true)),
                    "false" | "False" => Ok(Value::Bool(false)),
                    "null" | "None" => Ok(Value::Null),
                    _ => Err(ParseError {
                        message: format!("unknown name `{word}`: strings need quotes (\"{word}\")"),
                        column: start,
                    }),
                }
            }
            Some(c) => Err(self.error(format!("unexpected `{c}`: expected a value"))),
        }
    }

    fn sequence(&mut self, close: char) -> Result<Vec<Value>, ParseError> {
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.eat(close) {
                return Ok(items);
            }
            items.push(self.value()?);
            self.ws();
            if !self.eat(',') && self.peek() != Some(close) {
                return Err(self.error(format!("expected `,` or `{close}`")));
            }
        }
    }

    fn object(&mut self) -> Result<Value, ParseError> {
        let mut map = Map::new();
        loop {
            self.ws();
            if self.eat('}') {
                return Ok(Value::Object(map));
            }
            let start = self.pos;
            let key = match self.value()? {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(ParseError {
                        message: "object keys must be strings, numbers or booleans".into(),
                        column: start,
                    });
                }
            };
            self.ws();
            if !self.eat(':') {
                return Err(self.error("expected `:`"));
            }
            let value = self.value()?;
            map.insert(key, value);
            self.ws();
            if !self.eat(',') && self.peek() != Some('}') {
                return Err(self.error("expected `,` or `}`"));
            }
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let quote = self.bump().unwrap_or('"');
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(ParseError {
                    message: "unterminated string".into(),
                    column: start,
                });
            };
            match c {
                c if c == quote => return Ok(out),
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(self.error("unterminated string"));
                    };
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        '0' => out.push('\0'),
                        '\\' | '\'' | '"' | '/' => out.push(e),
                        'x' => out.push(self.hex(2)?),
                        'u' => {
                            let c = self.hex_code(4)?;
                            // A JSON surrogate pair: `\ud83d\ude00`.
                            if (0xD800..0xDC00).contains(&c)
                                && self.chars.get(self.pos) == Some(&'\\')
                                && self.chars.get(self.pos + 1) == Some(&'u')
                            {
                                self.pos += 2;
                                let low = self.hex_code(4)?;
                                let code = 0x10000
                                    + ((c - 0xD800) << 10)
                                    + (low.wrapping_sub(0xDC00) & 0x3FF);
                                out.push(self.char_of(code)?);
                            } else {
                                out.push(self.char_of(c)?);
                            }
                        }
                        'U' => {
                            let c = self.hex_code(8)?;
                            out.push(self.char_of(c)?);
                        }
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn hex_code(&mut self, digits: usize) -> Result<u32, ParseError> {
        let start = self.pos;
        let text: String = self.chars.iter().skip(self.pos).take(digits).collect();
        if text.chars().count() != digits {
            return Err(self.error("truncated escape"));
        }
        self.pos += digits;
        u32::from_str_radix(&text, 16).map_err(|_| ParseError {
            message: format!("bad escape `{text}`"),
            column: start,
        })
    }

    fn hex(&mut self, digits: usize) -> Result<char, ParseError> {
        let c = self.hex_code(digits)?;
        self.char_of(c)
    }

    fn char_of(&self, code: u32) -> Result<char, ParseError> {
        char::from_u32(code).ok_or_else(|| self.error(format!("bad character code {code:#x}")))
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.' | '_'))
        {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos]
            .iter()
            .filter(|c| **c != '_')
            .collect();
        let text = text.strip_prefix('+').unwrap_or(&text);
        let bad = || ParseError {
            message: format!("bad number `{text}`"),
            column: start,
        };
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Ok(Value::from(u));
        }
        let f: f64 = text.parse().map_err(|_| bad())?;
        Number::from_f64(f).map(Value::Number).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests;
