//! Items used by code that `#[service]` generates. Not a public API: no stability promise.

pub use async_trait::async_trait;
pub use serde_json;
pub use serde_json::Value;

pub use crate::error::RemoteError;
/// Also used by the transports for call ids and correlation ids.
pub use crate::ids::uuid_v4;
pub use crate::payload::{ArgBinder, Arguments, encode_result};

/// A boxed, sendable future.
pub type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'static>>;

/// Wraps a method's error for conversion into a [`RemoteError`]: through the error's own
/// `Into<RemoteError>` when it has one (autoref specialisation picks [`ViaInto`]), else
/// through [`RemoteError::from_error`] ([`ViaDisplay`]).
#[derive(Debug)]
pub struct ErrorWrap<E>(pub E);

/// Conversion used when the error implements `Into<RemoteError>`.
pub trait ViaInto {
    /// Converts.
    fn __nameko_into_remote(self) -> RemoteError;
}

impl<E: Into<RemoteError>> ViaInto for ErrorWrap<E> {
    fn __nameko_into_remote(self) -> RemoteError {
        self.0.into()
    }
}

/// Conversion used for any other displayable error.
pub trait ViaDisplay {
    /// Converts.
    fn __nameko_into_remote(self) -> RemoteError;
}

impl<E: std::fmt::Display + 'static> ViaDisplay for &ErrorWrap<E> {
    fn __nameko_into_remote(self) -> RemoteError {
        RemoteError::from_error(&self.0)
    }
}

pub use serde;

pub use crate::dependency::DependencyProvider;
pub use crate::entrypoint::Entrypoint;
pub use crate::service::Service;
