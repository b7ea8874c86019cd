//! Items used by code that `#[service]` generates. Not a public API.

use nameko_core::__private::{Arguments, BoxFuture, RemoteError, Value};
use nameko_core::Entrypoint;

/// Builds the entrypoint of an `#[rpc]` method.
pub fn rpc<F>(method: &'static str, handler: F) -> Box<dyn Entrypoint>
where
    F: Fn(Arguments) -> BoxFuture<Result<Value, RemoteError>> + Send + Sync + 'static,
{
    Box::new(crate::rpc::Rpc::new(method, handler))
}
