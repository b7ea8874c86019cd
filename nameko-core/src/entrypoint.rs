//! The [`Entrypoint`] trait: an extension that starts workers (an RPC method, an event
//! handler, an HTTP route, a timer).

use crate::extension::Extension;

/// An extension that receives work from outside (a message, a request, a tick) and runs a
/// worker for it through [`ContainerHandle::invoke`](crate::ContainerHandle::invoke).
///
/// `#[service]` builds one entrypoint per marked method through the transport crate that
/// owns the marker (`nameko_amqp::rpc::Rpc` for `#[rpc]`); a hand-written
/// [`Service`](crate::Service) builds the same values itself.
pub trait Entrypoint: Extension {
    /// The method this entrypoint calls.
    fn method_name(&self) -> &str;

    /// What kind of entrypoint this is (`rpc`, `event_handler`, `http`, `timer`), for logs.
    fn kind(&self) -> &'static str;
}
