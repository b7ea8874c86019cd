//! `#[event_handler("source_service", "event_type", handler_type = ..., ...)]`.

use syn::{Attribute, Expr, ExprLit, Lit, LitStr};

use super::{
    Arg, FailureArgs, WorkerArgs, WorkerKeys, bool_value, path_to_string, python_args, set_once,
};
use crate::ctxt::Ctxt;

const MARKER: &str = "event_handler";

/// The keys `#[event_handler(...)]` accepts, as error messages list them.
const KEYS: &str = "`handler_type`, `reliable_delivery`, `requeue_on_error`, `retry(...)`, `dead_letter`, `delivery_limit`, `on_malformed`, `expected_exceptions(...)`, `sensitive_arguments(...)`, and `source_service` and `event_type` when they are not given first";

/// The handler types, as error messages list them.
const HANDLER_TYPES: &str = "`\"service_pool\"` (the default), `\"singleton\"`, `\"broadcast\"`";

/// The form every "needs ..." message shows.
const EXAMPLE: &str = "`#[event_handler(\"service_a\", \"event_type\")]`";

/// How events are shared between instances: Nameko's `SERVICE_POOL`, `SINGLETON` and
/// `BROADCAST`, emitted as `nameko_amqp`'s `HandlerType`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum HandlerType {
    #[default]
    ServicePool,
    Singleton,
    Broadcast,
}

impl HandlerType {
    const ALL: [HandlerType; 3] = [
        HandlerType::ServicePool,
        HandlerType::Singleton,
        HandlerType::Broadcast,
    ];

    /// Nameko's value, as `handler_type = "..."` takes it.
    fn as_str(self) -> &'static str {
        match self {
            HandlerType::ServicePool => "service_pool",
            HandlerType::Singleton => "singleton",
            HandlerType::Broadcast => "broadcast",
        }
    }

    /// The variant of `nameko_amqp`'s `HandlerType`.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            HandlerType::ServicePool => "ServicePool",
            HandlerType::Singleton => "Singleton",
            HandlerType::Broadcast => "Broadcast",
        }
    }

    /// A `handler_type` string, in any case (`"broadcast"`, `"BROADCAST"`).
    fn from_str_any_case(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(value))
    }

    /// The handler type a bare name means: Python's `BROADCAST`, `events.SERVICE_POOL`,
    /// or Rust's `HandlerType::Singleton`. Only used to suggest the string.
    fn from_name(path: &syn::Path) -> Option<Self> {
        let last = path.segments.last()?.ident.to_string().replace('_', "");
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().replace('_', "").eq_ignore_ascii_case(&last))
    }
}

/// Arguments of `#[event_handler(...)]`, Python's `@event_handler(source_service,
/// event_type, handler_type=SERVICE_POOL, reliable_delivery=True, requeue_on_error=False,
/// expected_exceptions=(), sensitive_arguments=())`.
#[derive(Debug)]
pub(crate) struct EventHandlerArgs {
    /// The service that dispatches the events.
    pub(crate) source_service: LitStr,
    /// The event type, the routing key of the handler's queue binding.
    pub(crate) event_type: LitStr,
    pub(crate) handler_type: HandlerType,
    pub(crate) reliable_delivery: bool,
    pub(crate) requeue_on_error: bool,
    /// `retry(...)`, `dead_letter`, `on_malformed` (nameko-rs).
    pub(crate) failure: FailureArgs,
    pub(crate) worker: WorkerArgs,
}

/// Parses the arguments of an `#[event_handler]` attribute; every mistake is reported.
pub(crate) fn event_handler_args(attr: &Attribute) -> syn::Result<EventHandlerArgs> {
    let mut cx = Ctxt::new();
    let args = python_args(&mut cx, attr, MARKER)?;
    // `Some(None)`: given, but not valid (already reported).
    let mut source: Option<Option<LitStr>> = None;
    let mut event_type: Option<Option<LitStr>> = None;
    let mut handler_type: Option<Option<HandlerType>> = None;
    let mut reliable: Option<Option<bool>> = None;
    let mut requeue: Option<Option<bool>> = None;
    let mut worker = WorkerKeys::new(MARKER, true);
    let mut failure = FailureArgs::default();
    let mut positional = 0;
    for arg in args {
        match arg {
            Arg::Positional(value) => {
                if worker.bare(&mut cx, &value) || failure.positional(&mut cx, &value) {
                    continue;
                }
                if let Some(hint) = bare_handler_type(&value) {
                    cx.error_spanned_by(&value, hint);
                    continue;
                }
                if let Some(key) = bare_key(&value) {
                    cx.error_spanned_by(&value, format!("`{key}` needs a value: `{key} = ...`"));
                    continue;
                }
                match positional {
                    0 => {
                        let lit = string(&mut cx, &value, "source service");
                        set_once(&mut cx, &mut source, lit, &value, "source_service", MARKER);
                    }
                    1 => {
                        let lit = string(&mut cx, &value, "event type");
                        set_once(&mut cx, &mut event_type, lit, &value, "event_type", MARKER);
                    }
                    _ => cx.error_spanned_by(
                        &value,
                        "`#[event_handler]` takes two positional arguments, the source service and the event type; pass the others by name, e.g. `handler_type = \"broadcast\"`",
                    ),
                }
                positional += 1;
            }
            Arg::Named { key, value } => {
                if worker.named(&mut cx, &key, &value) || failure.named(&mut cx, &key, &value) {
                    continue;
                }
                let name = path_to_string(&key);
                match name.as_str() {
                    "source_service" => {
                        let lit = string(&mut cx, &value, "source service");
                        set_once(&mut cx, &mut source, lit, &key, &name, MARKER);
                    }
                    "event_type" => {
                        let lit = string(&mut cx, &value, "event type");
                        set_once(&mut cx, &mut event_type, lit, &key, &name, MARKER);
                    }
                    "handler_type" => {
                        let parsed = handler_type_value(&mut cx, &value);
                        set_once(&mut cx, &mut handler_type, parsed, &key, &name, MARKER);
                    }
                    "reliable_delivery" => {
                        let parsed = bool_value(&mut cx, &value, &name);
                        set_once(&mut cx, &mut reliable, parsed, &key, &name, MARKER);
                    }
                    "requeue_on_error" => {
                        let parsed = bool_value(&mut cx, &value, &name);
                        set_once(&mut cx, &mut requeue, parsed, &key, &name, MARKER);
                    }
                    other => cx.error_spanned_by(
                        &key,
                        format!("unknown `#[event_handler]` key `{other}`: valid keys are {KEYS}"),
                    ),
                }
            }
        }
    }
    if let Some(message) = missing(source.is_some(), event_type.is_some()) {
        cx.error_spanned_by(attr, message);
    }
    cx.into_result()?;
    match (source.flatten(), event_type.flatten()) {
        (Some(source_service), Some(event_type)) => Ok(EventHandlerArgs {
            source_service,
            event_type,
            handler_type: handler_type.flatten().unwrap_or_default(),
            reliable_delivery: reliable.flatten().unwrap_or(true),
            requeue_on_error: requeue.flatten().unwrap_or(false),
            failure,
            worker: worker.finish(),
        }),
        // Unreachable: a missing or invalid value is reported above.
        _ => Err(syn::Error::new_spanned(
            attr,
            format!("`#[event_handler]` needs the source service and the event type: {EXAMPLE}"),
        )),
    }
}

/// What is missing when the source service or the event type was not given (given but
/// invalid is reported where it was given).
fn missing(source: bool, event_type: bool) -> Option<String> {
    let what = match (source, event_type) {
        (false, false) => "the source service and the event type",
        (true, false) => "the event type after the source service",
        (false, true) => "the source service before the event type",
        (true, true) => return None,
    };
    Some(format!("`#[event_handler]` needs {what}: {EXAMPLE}"))
}

/// A non-empty string literal for the source service or the event type.
fn string(cx: &mut Ctxt, value: &Expr, what: &str) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => {
            if lit.value().trim().is_empty() {
                let example = if what == "event type" {
                    "the name the source dispatches, e.g. `\"event_type\"`"
                } else {
                    "the name of the service that dispatches the events, e.g. `\"service_a\"`"
                };
                cx.error_spanned_by(
                    lit,
                    format!("`#[event_handler]` needs a non-empty {what}: {example}"),
                );
                None
            } else {
                Some(lit.clone())
            }
        }
        other => {
            cx.error_spanned_by(
                other,
                format!("the {what} of `#[event_handler]` must be a string literal: {EXAMPLE}"),
            );
            None
        }
    }
}

/// The value of `handler_type = "..."`: Nameko's name of a handler type in any case.
fn handler_type_value(cx: &mut Ctxt, value: &Expr) -> Option<HandlerType> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => {
            let parsed = HandlerType::from_str_any_case(&lit.value());
            if parsed.is_none() {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "unknown `handler_type` {:?}: valid handler types are {HANDLER_TYPES}",
                        lit.value()
                    ),
                );
            }
            parsed
        }
        Expr::Path(path) => {
            let message = match HandlerType::from_name(&path.path) {
                Some(t) => format!(
                    "`handler_type` takes a string: write `handler_type = \"{}\"` for Python's `{}`",
                    t.as_str(),
                    t.as_str().to_uppercase()
                ),
                None => format!(
                    "`handler_type` takes a string, one of {HANDLER_TYPES}: e.g. `handler_type = \"broadcast\"`"
                ),
            };
            cx.error_spanned_by(value, message);
            None
        }
        other => {
            cx.error_spanned_by(
                other,
                format!(
                    "`handler_type` takes a string, one of {HANDLER_TYPES}: e.g. `handler_type = \"broadcast\"`"
                ),
            );
            None
        }
    }
}

/// Python's `BROADCAST` (or `SERVICE_POOL`, `SINGLETON`) passed positionally, as Python
/// allows: the message shows the key and the string.
fn bare_handler_type(value: &Expr) -> Option<String> {
    let Expr::Path(path) = value else {
        return None;
    };
    let t = HandlerType::from_name(&path.path)?;
    Some(format!(
        "pass the handler type by name, as a string: write `handler_type = \"{}\"` for Python's `{}`",
        t.as_str(),
        t.as_str().to_uppercase()
    ))
}

/// A key written without its value, e.g. `#[event_handler("a", "b", reliable_delivery)]`.
fn bare_key(value: &Expr) -> Option<String> {
    let Expr::Path(path) = value else {
        return None;
    };
    let key = path.path.get_ident()?.to_string();
    matches!(
        key.as_str(),
        "source_service" | "event_type" | "handler_type" | "reliable_delivery" | "requeue_on_error"
    )
    .then_some(key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
