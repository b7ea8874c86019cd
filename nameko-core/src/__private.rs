//! Items used by code that `#[service]` generates. Not a public API: no stability promise.

pub use async_trait::async_trait;
pub use serde_json;
pub use serde_json::Value;

pub use crate::error::RemoteError;
/// Also used by the transports for call ids and correlation ids.
pub use crate::ids::uuid_v4;
pub use crate::payload::{ArgBinder, Arguments, encode_result};

pub use crate::BoxFuture;

pub use crate::worker::{CallArguments, EntrypointOptions, MethodError, ToRemoteError, is_error};

/// A reference to a method's error, probed by [`method_error!`](crate::__private::method_error)
/// to choose how it becomes a [`MethodError`] (autoref specialisation: the most specific
/// impl is found first).
#[derive(Debug)]
pub struct ErrorWrap<'a, E>(pub &'a E);

/// Kind: the error knows its wire form by reference; both forms are kept.
#[derive(Debug, Clone, Copy)]
pub struct ToRemoteKind;
/// Kind: the error converts into a [`RemoteError`]; only the wire form is kept.
#[derive(Debug, Clone, Copy)]
pub struct IntoRemoteKind;
/// Kind: a `std::error::Error`; kept, with [`RemoteError::from_error`] as wire form.
#[derive(Debug, Clone, Copy)]
pub struct StdErrorKind;
/// Kind: only displayable; [`RemoteError::from_error`] is kept.
#[derive(Debug, Clone, Copy)]
pub struct DisplayKind;

/// Priority 1: `E: ToRemoteError + Error`.
pub trait ViaToRemote {
    /// The kind.
    fn __nameko_error_kind(&self) -> ToRemoteKind {
        ToRemoteKind
    }
}
impl<E> ViaToRemote for &&&ErrorWrap<'_, E> where
    E: ToRemoteError + std::error::Error + Send + Sync + 'static
{
}

/// Priority 2: `E: Into<RemoteError>`.
pub trait ViaInto {
    /// The kind.
    fn __nameko_error_kind(&self) -> IntoRemoteKind {
        IntoRemoteKind
    }
}
impl<E: Into<RemoteError>> ViaInto for &&ErrorWrap<'_, E> {}

/// Priority 3: `E: std::error::Error`.
pub trait ViaStdError {
    /// The kind.
    fn __nameko_error_kind(&self) -> StdErrorKind {
        StdErrorKind
    }
}
impl<E: std::error::Error + Send + Sync + 'static> ViaStdError for &ErrorWrap<'_, E> {}

/// Priority 4: `E: Display`.
pub trait ViaDisplay {
    /// The kind.
    fn __nameko_error_kind(&self) -> DisplayKind {
        DisplayKind
    }
}
impl<E: std::fmt::Display + 'static> ViaDisplay for ErrorWrap<'_, E> {}

impl ToRemoteKind {
    /// Converts.
    pub fn __nameko_into_method_error<E>(self, err: E) -> MethodError
    where
        E: ToRemoteError + std::error::Error + Send + Sync + 'static,
    {
        MethodError::with_source(err.to_remote_error(), err)
    }
}

impl IntoRemoteKind {
    /// Converts.
    pub fn __nameko_into_method_error<E: Into<RemoteError>>(self, err: E) -> MethodError {
        MethodError::new(err.into())
    }
}

impl StdErrorKind {
    /// Converts.
    pub fn __nameko_into_method_error<E>(self, err: E) -> MethodError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        MethodError::from_error(err)
    }
}

impl DisplayKind {
    /// Converts.
    pub fn __nameko_into_method_error<E: std::fmt::Display + 'static>(self, err: E) -> MethodError {
        MethodError::new(RemoteError::from_error(&err))
    }
}

/// Converts a method's error into a [`MethodError`], by the priorities of
/// [`MethodError`]'s docs.
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_core_method_error {
    ($err:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{
            ViaDisplay as _, ViaInto as _, ViaStdError as _, ViaToRemote as _,
        };
        let __nameko_error = $err;
        let __nameko_kind =
            (&&&$crate::__private::ErrorWrap(&__nameko_error)).__nameko_error_kind();
        __nameko_kind.__nameko_into_method_error(__nameko_error)
    }};
}

pub use crate::__nameko_core_method_error as method_error;

pub use serde;

pub use crate::dependency::DependencyProvider;
pub use crate::entrypoint::Entrypoint;
pub use crate::service::Service;

/// Builds the entrypoint of a `#[entrypoint(kind, ...)]` method: `kind` is the user's
/// expression (a type that is not an entrypoint kind is reported at it).
pub fn custom_entrypoint<K, F>(
    kind: K,
    name: &'static str,
    options: EntrypointOptions,
    handler: F,
) -> Box<dyn crate::Entrypoint>
where
    K: crate::entrypoint::IntoEntrypoint,
    F: Fn(Arguments) -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
{
    kind.into_entrypoint(crate::entrypoint::Method {
        name,
        options,
        handler: std::sync::Arc::new(handler),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("plain {0}")]
    struct Plain(u8);

    #[derive(Debug, thiserror::Error)]
    #[error("mapped")]
    struct Mapped;
    impl ToRemoteError for Mapped {
        fn to_remote_error(&self) -> RemoteError {
            RemoteError::new("MappedError", "m")
        }
    }

    struct Converted;
    impl From<Converted> for RemoteError {
        fn from(_: Converted) -> Self {
            RemoteError::new("Converted", "c")
        }
    }

    #[test]
    fn priorities() {
        let e = method_error!(Mapped);
        assert_eq!(e.remote_error().exc_type, "MappedError");
        assert!(e.error().is::<Mapped>());

        let e = method_error!(RemoteError::new("ValueError", "v"));
        assert_eq!(e.remote_error().exc_type, "ValueError");
        assert!(e.error().is::<RemoteError>());

        let e = method_error!(Converted);
        assert_eq!(e.remote_error().exc_type, "Converted");

        let e = method_error!(Plain(3));
        assert_eq!(e.remote_error().exc_type, "Plain");
        assert!(e.error().is::<Plain>());

        let e = method_error!("just a message".to_owned());
        assert_eq!(e.remote_error().exc_type, "String");
        assert_eq!(e.remote_error().value, "just a message");
    }
}
