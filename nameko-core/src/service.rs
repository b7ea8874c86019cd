//! The [`Service`] trait: what `#[service]` implements, and what a hand-written service
//! implements itself.

use std::sync::Arc;

use crate::dependency::DependencyProvider;
use crate::entrypoint::Entrypoint;

/// A service: a name, a dispatch table of entrypoints, and the dependency providers its
/// workers use.
///
/// `#[service(name = "...")]` on an `impl` block generates this impl; everything it
/// generates can be written by hand:
///
/// ```
/// use std::sync::Arc;
/// use nameko_core::{Entrypoint, Service};
///
/// struct Greeter;
///
/// impl Service for Greeter {
///     fn name(&self) -> &str {
///         "greeter"
///     }
///     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
///         // e.g. nameko_amqp::rpc::Rpc::new("hello", handler) per method
///         Vec::new()
///     }
/// }
/// ```
pub trait Service: Send + Sync + Sized + 'static {
    /// The service's name (`name = "service_x"` in Python).
    fn name(&self) -> &str;

    /// One entrypoint per entrypoint method: the service's dispatch table.
    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>>;

    /// The fields that are dependency providers. None by default.
    fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
        Vec::new()
    }

    /// The names of the fields [`dependencies`](Self::dependencies) returns, in the same
    /// order (`#[service(dependencies(y, dispatch))]` gives `["y", "dispatch"]`). Used in
    /// error messages and by the test kit to find a dependency by name, as Nameko's
    /// `replace_dependencies(container, "y")` does. None by default.
    fn dependency_names(&self) -> &'static [&'static str] {
        &[]
    }
}
