//! The RPC payload: `{"args": [...], "kwargs": {...}}`, and binding it to a method's typed
//! parameters by position and by name, as Python binds a call.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::RemoteError;

/// Positional and keyword arguments of an RPC call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Arguments {
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments.
    pub kwargs: Map<String, Value>,
}

impl Arguments {
    /// Arguments from positional values.
    pub fn positional(args: Vec<Value>) -> Self {
        Arguments {
            args,
            kwargs: Map::new(),
        }
    }

    /// Parses a request body, as Nameko does: it must be a JSON object with `args` (a list)
    /// and `kwargs` (an object). Anything else is a `MalformedRequest`.
    pub fn from_body(body: &[u8]) -> Result<Self, RemoteError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            RemoteError::malformed_request(format!("Message is not valid JSON: {e}"))
        })?;
        Self::from_value(value)
    }

    /// Reads a decoded request body (of any serializer, see
    /// [`serialization`](crate::serialization)), as [`from_body`](Self::from_body) does.
    pub fn from_value(value: Value) -> Result<Self, RemoteError> {
        let Value::Object(mut map) = value else {
            return Err(RemoteError::malformed_request(
                "Message missing `args` or `kwargs`",
            ));
        };
        match (map.remove("args"), map.remove("kwargs")) {
            (Some(Value::Array(args)), Some(Value::Object(kwargs))) => {
                Ok(Arguments { args, kwargs })
            }
            (Some(_), Some(_)) => Err(RemoteError::malformed_request(
                "`args` must be a list and `kwargs` an object",
            )),
            _ => Err(RemoteError::malformed_request(
                "Message missing `args` or `kwargs`",
            )),
        }
    }
}

/// Anything that can be sent as RPC arguments: a tuple of serialisable values (positional
/// arguments), a `Vec<Value>`, or [`Arguments`] with keyword arguments.
///
/// ```
/// use nameko_core::payload::IntoArguments;
/// let args = ("hellø", 3).into_arguments().unwrap();
/// assert_eq!(args.args, vec![serde_json::json!("hellø"), serde_json::json!(3)]);
/// ```
pub trait IntoArguments {
    /// Converts into [`Arguments`].
    fn into_arguments(self) -> Result<Arguments, serde_json::Error>;
}

impl IntoArguments for Arguments {
    fn into_arguments(self) -> Result<Arguments, serde_json::Error> {
        Ok(self)
    }
}

impl IntoArguments for Vec<Value> {
    fn into_arguments(self) -> Result<Arguments, serde_json::Error> {
        Ok(Arguments::positional(self))
    }
}

impl IntoArguments for () {
    fn into_arguments(self) -> Result<Arguments, serde_json::Error> {
        Ok(Arguments::default())
    }
}

macro_rules! tuple_args {
    ($($name:ident),+) => {
        impl<$($name: Serialize),+> IntoArguments for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_arguments(self) -> Result<Arguments, serde_json::Error> {
                let ($($name,)+) = self;
                Ok(Arguments::positional(vec![$(serde_json::to_value($name)?),+]))
            }
        }
    };
}
tuple_args!(A);
tuple_args!(A, B);
tuple_args!(A, B, C);
tuple_args!(A, B, C, D);
tuple_args!(A, B, C, D, E);
tuple_args!(A, B, C, D, E, F);
tuple_args!(A, B, C, D, E, F, G);
tuple_args!(A, B, C, D, E, F, G, H);

/// Binds [`Arguments`] to a method's parameters, as Python binds a call: positional
/// arguments first, then keyword arguments by name. Mistakes are `IncorrectSignature`
/// errors with Python's wording.
///
/// ```
/// use nameko_core::payload::{ArgBinder, Arguments};
/// use serde_json::json;
///
/// let args: Arguments = serde_json::from_value(json!({"args": ["a"], "kwargs": {"n": 2}})).unwrap();
/// let mut b = ArgBinder::new("f", &["s", "n"], args).unwrap();
/// let s: String = b.take(0).unwrap();
/// let n: u32 = b.take(1).unwrap();
/// assert_eq!((s.as_str(), n), ("a", 2));
/// ```
#[derive(Debug)]
pub struct ArgBinder<'a> {
    method: &'a str,
    params: &'a [&'a str],
    slots: Vec<Option<Value>>,
}

impl<'a> ArgBinder<'a> {
    /// Places `args` into the slots of `params` (the method's parameter names, in order).
    pub fn new(
        method: &'a str,
        params: &'a [&'a str],
        args: Arguments,
    ) -> Result<Self, RemoteError> {
        if args.args.len() > params.len() {
            // Python counts `self`, as nameko's `inspect.getcallargs(fn, None, *args)` does.
            let n = params.len() + 1;
            let given = args.args.len() + 1;
            return Err(RemoteError::incorrect_signature(format!(
                "{method}() takes {n} positional argument{} but {given} were given",
                if n == 1 { "" } else { "s" },
            )));
        }
        let mut slots: Vec<Option<Value>> = Vec::with_capacity(params.len());
        slots.extend(args.args.into_iter().map(Some));
        slots.resize(params.len(), None);
        for (key, value) in args.kwargs {
            let Some(i) = params.iter().position(|p| *p == key) else {
                return Err(RemoteError::incorrect_signature(format!(
                    "{method}() got an unexpected keyword argument '{key}'"
                )));
            };
            if slots[i].is_some() {
                return Err(RemoteError::incorrect_signature(format!(
                    "{method}() got multiple values for argument '{key}'"
                )));
            }
            slots[i] = Some(value);
        }
        Ok(ArgBinder {
            method,
            params,
            slots,
        })
    }

    /// Decodes parameter `index`. A missing argument is accepted only by a type that
    /// deserialises from `null` (an `Option`); a value of the wrong type is an
    /// `IncorrectSignature` naming the parameter.
    pub fn take<T: DeserializeOwned>(&mut self, index: usize) -> Result<T, RemoteError> {
        let name = self.params.get(index).copied().unwrap_or("?");
        match self.slots.get_mut(index).and_then(Option::take) {
            Some(value) => serde_json::from_value(value).map_err(|e| {
                RemoteError::incorrect_signature(format!(
                    "{}() argument '{name}': {e}",
                    self.method
                ))
            }),
            None => serde_json::from_value(Value::Null).map_err(|_| {
                let missing: Vec<String> = self
                    .params
                    .iter()
                    .enumerate()
                    .skip(index)
                    .filter(|(i, _)| self.slots.get(*i).is_some_and(Option::is_none))
                    .map(|(_, p)| format!("'{p}'"))
                    .collect();
                let missing = if missing.is_empty() {
                    vec![format!("'{name}'")]
                } else {
                    missing
                };
                RemoteError::incorrect_signature(format!(
                    "{}() missing {} required positional argument{}: {}",
                    self.method,
                    missing.len(),
                    if missing.len() == 1 { "" } else { "s" },
                    join_python(&missing),
                ))
            }),
        }
    }
}

fn join_python(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Encodes a method's return value as the reply's `result`; a value that cannot be
/// encoded is an `UnserializableValueError`.
pub fn encode_result<T: Serialize>(value: T) -> Result<Value, RemoteError> {
    serde_json::to_value(value).map_err(RemoteError::unserializable_value)
}

#[cfg(test)]
mod tests;
