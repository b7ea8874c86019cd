//! Nameko events (publish-subscribe) over AMQP: [`EventDispatcher`],
//! [`StandaloneDispatcher`] and the [`EventHandler`] entrypoint.

pub mod dispatcher;
pub mod handler;

pub use dispatcher::{DispatchError, EventDispatcher, StandaloneDispatcher};
pub use handler::{EventHandler, HandlerType};
