//! Items used by code that `#[service]` generates. Not a public API.

use nameko_core::__private::{Arguments, BoxFuture, EntrypointOptions, MethodError, Value};
use nameko_core::Entrypoint;

/// The lease of a `#[timer(..., singleton)]` method.
pub fn timer_lease() -> ::std::option::Option<::std::sync::Arc<dyn nameko_core::lease::Lease>> {
    Some(::std::sync::Arc::new(crate::AmqpLease::new()))
}

/// Builds the entrypoint of an `#[rpc]` method.
pub fn rpc<F>(method: &'static str, options: EntrypointOptions, handler: F) -> Box<dyn Entrypoint>
where
    F: Fn(Arguments) -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
{
    Box::new(crate::rpc::Rpc::new(method, handler).options(options))
}

pub use crate::events::HandlerType;

/// Builds the entrypoint of an `#[event_handler]` method.
#[allow(clippy::too_many_arguments)]
pub fn event_handler<F>(
    method: &'static str,
    source_service: &'static str,
    event_type: &'static str,
    handler_type: HandlerType,
    reliable_delivery: bool,
    requeue_on_error: bool,
    failure_policy: crate::FailurePolicy,
    options: EntrypointOptions,
    handler: F,
) -> Box<dyn Entrypoint>
where
    F: Fn(Value) -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
{
    Box::new(
        crate::events::EventHandler::new(method, source_service, event_type, handler)
            .options(options)
            .handler_type(handler_type)
            .reliable_delivery(reliable_delivery)
            .requeue_on_error(requeue_on_error)
            .failure_policy(failure_policy),
    )
}

/// The failure policy of `#[event_handler(retry(...), dead_letter = .., on_malformed = ..)]`:
/// `retry` is `(max, delay_ms, backoff, max_delay_ms)`.
pub fn failure_policy(
    retry: Option<(u32, u64, f64, u64)>,
    dead_letter: bool,
    delivery_limit: Option<u32>,
    malformed_dead_letter: bool,
) -> crate::FailurePolicy {
    use std::time::Duration;
    crate::FailurePolicy {
        retry: retry.map(|(max, delay, backoff, max_delay)| {
            crate::Retry::new(max)
                .delay(Duration::from_millis(delay))
                .backoff(backoff)
                .max_delay(Duration::from_millis(max_delay))
        }),
        dead_letter,
        delivery_limit,
        on_malformed: if malformed_dead_letter {
            crate::OnMalformed::DeadLetter
        } else {
            crate::OnMalformed::Reject
        },
    }
}

// Typed clients: the client struct and its impls come from `rpc_client!`, the methods
// from the macro.
pub use crate::__nameko_amqp_rpc_client as rpc_client;
pub use crate::error::RpcError;
pub use crate::rpc::typed::{RpcArgument, RpcCaller, RpcClient, RpcReturn, TypedCall, TypedReply};
pub use nameko_core::__private::async_trait;
pub use nameko_core::{
    BoxError, ContainerHandle, DependencyProvider, Extension, WorkerContext, WorkerResult,
};

/// The decoders of what arrives from the broker, for the fuzz targets (`fuzz/`): the
/// event body, and `nameko.*` headers into context data (and back, as they are
/// propagated).
#[doc(hidden)]
pub mod decode {
    pub use crate::events::handler::decode_payload;
    pub use crate::wire::{context_to_headers, headers_to_context};
}
