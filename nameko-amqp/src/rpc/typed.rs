//! Typed RPC clients: what `#[service]` and `#[rpc_client]` generate a client type on.
//!
//! `#[service(name = "service_y")]` on `impl ServiceY` also generates `ServiceYClient`, with
//! one method per `#[rpc]` method: same name, same parameters, and the method's result as
//! `Result<T, RpcError>`. A wrong argument or result type is a compile error, not a
//! `MalformedRequest` at run time. For a service written in Python, declare its methods on
//! a trait with `#[rpc_client(name = "...")]` to get the same kind of client.
//!
//! The client calls through an [`RpcCaller`]:
//!
//! - as a dependency of another service, through an [`RpcProxy`]: a field `y: ServiceYClient`
//!   (the default caller) listed in `dependencies(y)` and built with `ServiceYClient::new()`;
//! - from outside any service, through a [`ClusterRpc`]:
//!   [`cluster.client::<ServiceYClient>()`](ClusterRpc::client).
//!
//! ```no_run
//! use nameko_amqp::RpcError;
//! use nameko_core::{rpc, service};
//!
//! pub struct ServiceY;
//!
//! #[service(name = "service_y")]
//! impl ServiceY {
//!     #[rpc]
//!     async fn append_identifier(&self, value: String) -> String {
//!         format!("{value}-y")
//!     }
//! }
//!
//! pub struct ServiceX {
//!     y: ServiceYClient,
//! }
//!
//! #[service(name = "service_x", dependencies(y))]
//! impl ServiceX {
//!     #[rpc]
//!     async fn remote_method(&self, value: String) -> Result<String, RpcError> {
//!         self.y.append_identifier(format!("{value}-x")).await
//!     }
//! }
//!
//! // ServiceX { y: ServiceYClient::new() }
//!
//! # async fn run(cluster: &nameko_amqp::ClusterRpc) -> Result<(), RpcError> {
//! let y = cluster.client::<ServiceYClient>();
//! assert_eq!(y.append_identifier("a".to_owned()).await?, "a-y");
//! // Several calls in flight at once:
//! let a = y.append_identifier_async("a".to_owned()).await?;
//! let b = y.append_identifier_async("b".to_owned()).await?;
//! assert_eq!((a.result().await?, b.result().await?), ("a-y".to_owned(), "b-y".to_owned()));
//! # Ok(()) }
//! ```

use std::future::Future;
use std::marker::PhantomData;

use nameko_core::Arguments;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::RpcError;
use crate::rpc::client::{ClusterRpc, RpcProxy, RpcReply, ServiceRpc};

/// What a typed client sends its calls through: an [`RpcProxy`] (as a dependency of a
/// service), a [`ServiceRpc`] (from a [`ClusterRpc`]), or a caller of your own.
///
/// The caller knows the service it calls; the client gives the method and its arguments.
pub trait RpcCaller: Send + Sync {
    /// Sends a call of `method` with `args` and returns at once; [`RpcReply::result`]
    /// waits for the reply.
    fn send(
        &self,
        method: &str,
        args: Arguments,
    ) -> impl Future<Output = Result<RpcReply, RpcError>> + Send;
}

impl RpcCaller for RpcProxy {
    fn send(
        &self,
        method: &str,
        args: Arguments,
    ) -> impl Future<Output = Result<RpcReply, RpcError>> + Send {
        self.call_async(method, args)
    }
}

impl RpcCaller for ServiceRpc<'_> {
    fn send(
        &self,
        method: &str,
        args: Arguments,
    ) -> impl Future<Output = Result<RpcReply, RpcError>> + Send {
        self.call_async(method, args)
    }
}

impl<C: RpcCaller + ?Sized> RpcCaller for &C {
    fn send(
        &self,
        method: &str,
        args: Arguments,
    ) -> impl Future<Output = Result<RpcReply, RpcError>> + Send {
        C::send(self, method, args)
    }
}

impl<C: RpcCaller + ?Sized> RpcCaller for std::sync::Arc<C> {
    fn send(
        &self,
        method: &str,
        args: Arguments,
    ) -> impl Future<Output = Result<RpcReply, RpcError>> + Send {
        C::send(self, method, args)
    }
}

/// A typed client of one service, as `#[service]` and `#[rpc_client]` generate them
/// (`ServiceYClient`).
///
/// A client type is generic over its [`RpcCaller`], [`RpcProxy`] by default; `With<D>`
/// is the same client calling through `D`.
pub trait RpcClient {
    /// The name of the service the client calls (`#[service(name = "service_y")]`).
    const SERVICE_NAME: &'static str;

    /// This client, calling through `D`.
    type With<D: RpcCaller>: RpcClient;

    /// The client calling through `caller`, which must call [`Self::SERVICE_NAME`]:
    /// `<ServiceYClient>::with_caller(RpcProxy::new("service_y").without_timeout())`.
    fn with_caller<D: RpcCaller>(caller: D) -> Self::With<D>;
}

impl ClusterRpc {
    /// A typed client of a service, calling through this cluster proxy:
    /// `cluster.client::<ServiceYClient>()`, where `ServiceYClient` is the client that
    /// `#[service]` or `#[rpc_client]` generated. The calls carry this proxy's timeout and
    /// context data.
    ///
    /// ```no_run
    /// # use nameko_amqp::{ClusterRpc, RpcError};
    /// # use nameko_core::{rpc, service};
    /// # pub struct ServiceY;
    /// # #[service(name = "service_y")]
    /// # impl ServiceY {
    /// #     #[rpc]
    /// #     async fn append_identifier(&self, value: String) -> String {
    /// #         format!("{value}-y")
    /// #     }
    /// # }
    /// # async fn run(cluster: &ClusterRpc) -> Result<(), RpcError> {
    /// let y = cluster.client::<ServiceYClient>();
    /// let out: String = y.append_identifier("hellø".to_owned()).await?;
    /// # let _ = out;
    /// # Ok(()) }
    /// ```
    pub fn client<T: RpcClient>(&self) -> T::With<ServiceRpc<'_>> {
        T::with_caller(self.service(T::SERVICE_NAME))
    }
}

/// The pending reply of a typed call (`append_identifier_async`), whose result is a `T`.
pub struct TypedReply<T> {
    reply: RpcReply,
    method: &'static str,
    result: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for TypedReply<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedReply")
            .field("method", &self.method)
            .field("result", &std::any::type_name::<T>())
            .field("reply", &self.reply)
            .finish()
    }
}

impl<T> TypedReply<T> {
    fn new(method: &'static str, reply: RpcReply) -> Self {
        TypedReply {
            reply,
            method,
            result: PhantomData,
        }
    }

    /// Waits for the reply and decodes its result. A remote error is
    /// [`RpcError::Remote`]; a result that is not a `T`, [`RpcError::DecodeResult`].
    ///
    /// # Cancel safety
    /// Not cancel safe: dropping the future drops the reply.
    pub async fn result(self) -> Result<T, RpcError>
    where
        T: DeserializeOwned,
    {
        self.result_for::<()>().await
    }

    /// [`TypedReply::result`], with the decoding bound that generated clients check where
    /// they are called (see [`RpcReturn`]). Not a public API.
    #[doc(hidden)]
    pub async fn result_for<C: ?Sized>(self) -> Result<T, RpcError>
    where
        T: RpcReturn<C>,
    {
        let method = self.method;
        let value = self.reply.value().await?;
        T::from_result(value).map_err(|source| RpcError::DecodeResult {
            method: method.to_owned(),
            source,
        })
    }

    /// Waits for the reply's raw JSON result.
    pub async fn value(self) -> Result<Value, RpcError> {
        self.reply.value().await
    }

    /// The untyped reply.
    pub fn into_untyped(self) -> RpcReply {
        self.reply
    }
}

/// A type a typed client sends as an argument: any `serde::Serialize` type.
///
/// The client `#[service]` generates takes the parameter types the service declares,
/// which need only `Deserialize`. A client method whose parameter type is not `Serialize`
/// stays in the client, and calling it is a compile error that names the missing
/// `Serialize`. `C` is the client's caller: it makes the bound checked where the method is
/// called, not where the service is declared.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as an RPC argument: it does not implement `serde::Serialize`",
    label = "not `Serialize`",
    note = "the client sends its arguments as JSON: derive `serde::Serialize` for it (a service needs only `Deserialize` of its parameters), or call the method untyped with `RpcProxy::call`"
)]
pub trait RpcArgument<C: ?Sized> {
    /// The argument as JSON.
    fn to_argument(&self) -> Result<Value, serde_json::Error>;
}

impl<T: Serialize + ?Sized, C: ?Sized> RpcArgument<C> for T {
    fn to_argument(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

/// A type a typed client decodes a result into: any `serde::de::DeserializeOwned` type.
///
/// As for [`RpcArgument`], a client method whose result type is not `DeserializeOwned`
/// (a `&'static str`, a type that is only `Serialize`, as the service needs) can be called
/// only in its `_async` form, whose [`TypedReply::value`] gives the JSON.
#[diagnostic::on_unimplemented(
    message = "the RPC result `{Self}` cannot be decoded: it does not implement `serde::de::DeserializeOwned`",
    label = "not `DeserializeOwned`",
    note = "the client decodes the reply from JSON: derive `serde::Deserialize` for it (a service needs only `Serialize` of its result), or take the JSON with the method's `_async` form and `TypedReply::value`"
)]
pub trait RpcReturn<C: ?Sized>: Sized {
    /// Decodes a result.
    fn from_result(value: Value) -> Result<Self, serde_json::Error>;
}

impl<T: DeserializeOwned, C: ?Sized> RpcReturn<C> for T {
    fn from_result(value: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(value)
    }
}

/// A call being built by generated client code: the method and its positional arguments,
/// encoded as they are added. Not a public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct TypedCall {
    method: &'static str,
    args: Result<Vec<Value>, serde_json::Error>,
}

impl TypedCall {
    /// A call of `method`, with no arguments yet.
    pub fn new(method: &'static str) -> Self {
        TypedCall {
            method,
            args: Ok(Vec::new()),
        }
    }

    /// Adds the next positional argument, with the encoding bound of the client calling
    /// through `C` (see [`RpcArgument`]).
    pub fn arg<C: ?Sized, A: RpcArgument<C> + ?Sized>(mut self, value: &A) -> Self {
        if let Ok(args) = &mut self.args {
            match value.to_argument() {
                Ok(value) => args.push(value),
                Err(error) => self.args = Err(error),
            }
        }
        self
    }

    /// Sends the call through `caller`.
    pub async fn send<T, C: RpcCaller + ?Sized>(
        self,
        caller: &C,
    ) -> Result<TypedReply<T>, RpcError> {
        let method = self.method;
        let args = self.args.map_err(|source| RpcError::EncodeArguments {
            method: method.to_owned(),
            source,
        })?;
        let reply = caller.send(method, Arguments::positional(args)).await?;
        Ok(TypedReply::new(method, reply))
    }
}

/// The client struct of a generated typed client, and every impl that does not depend on
/// the service's methods: `Debug`, the constructors on [`RpcProxy`] (`new`,
/// `with_timeout`, `without_timeout`, `Default`), [`RpcClient`], and `Extension` and
/// `DependencyProvider` delegating every hook to the caller. `#[service]` and
/// `#[rpc_client]` invoke it; the methods are generated next to it. Not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_amqp_rpc_client {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident for $service:literal;
    ) => {
        $(#[$attr])*
        #[allow(dead_code, unreachable_pub)]
        $vis struct $name<__NamekoCaller = $crate::RpcProxy> {
            caller: __NamekoCaller,
        }

        #[allow(dead_code, unreachable_pub)]
        impl $name<$crate::RpcProxy> {
            #[doc = ::core::concat!(
                "A client of `", $service, "` to use as a dependency: a field of a service ",
                "listed in `#[service(dependencies(...))]`, which calls through an `RpcProxy`.",
            )]
            #[must_use]
            pub fn new() -> Self {
                $name {
                    caller: $crate::RpcProxy::new($service),
                }
            }

            /// Fails calls whose reply takes longer than `timeout` with
            /// `RpcError::Timeout`, instead of the config's `RPC_TIMEOUT` (default 30 s).
            #[must_use]
            pub fn with_timeout(self, timeout: ::core::time::Duration) -> Self {
                $name {
                    caller: self.caller.with_timeout(timeout),
                }
            }

            /// Waits for replies forever, as Python Nameko 2's `RpcProxy` does, whatever
            /// `RPC_TIMEOUT` says.
            #[must_use]
            pub fn without_timeout(self) -> Self {
                $name {
                    caller: self.caller.without_timeout(),
                }
            }
        }

        impl ::core::default::Default for $name<$crate::RpcProxy> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<__NamekoCaller> ::core::fmt::Debug for $name<__NamekoCaller>
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!($name))
                    .field("service", &$service)
                    .finish()
            }
        }

        impl<__NamekoCaller: $crate::__private::RpcCaller> $crate::__private::RpcClient
            for $name<__NamekoCaller>
        {
            const SERVICE_NAME: &'static str = $service;

            type With<__NamekoOther: $crate::__private::RpcCaller> = $name<__NamekoOther>;

            fn with_caller<__NamekoOther: $crate::__private::RpcCaller>(
                caller: __NamekoOther,
            ) -> $name<__NamekoOther> {
                $name { caller }
            }
        }

        const _: () = {
            // `async_trait` names `Box` unqualified: this one, whatever the user's
            // module calls `Box`.
            use ::std::boxed::Box;

            #[$crate::__private::async_trait]
            impl<__NamekoCaller: $crate::__private::Extension> $crate::__private::Extension
                for $name<__NamekoCaller>
            {
                async fn setup(
                    &self,
                    container: &$crate::__private::ContainerHandle,
                ) -> ::core::result::Result<(), $crate::__private::BoxError> {
                    $crate::__private::Extension::setup(&self.caller, container).await
                }

                async fn start(
                    &self,
                    container: &$crate::__private::ContainerHandle,
                ) -> ::core::result::Result<(), $crate::__private::BoxError> {
                    $crate::__private::Extension::start(&self.caller, container).await
                }

                async fn stop(&self) {
                    $crate::__private::Extension::stop(&self.caller).await;
                }

                async fn kill(&self) {
                    $crate::__private::Extension::kill(&self.caller).await;
                }
            }

            #[$crate::__private::async_trait]
            impl<__NamekoCaller: $crate::__private::DependencyProvider>
                $crate::__private::DependencyProvider for $name<__NamekoCaller>
            {
                async fn worker_setup(&self, ctx: &$crate::__private::WorkerContext) {
                    $crate::__private::DependencyProvider::worker_setup(&self.caller, ctx).await;
                }

                async fn worker_result(
                    &self,
                    ctx: &$crate::__private::WorkerContext,
                    result: $crate::__private::WorkerResult<'_>,
                ) {
                    $crate::__private::DependencyProvider::worker_result(&self.caller, ctx, result)
                        .await;
                }

                async fn worker_teardown(&self, ctx: &$crate::__private::WorkerContext) {
                    $crate::__private::DependencyProvider::worker_teardown(&self.caller, ctx)
                        .await;
                }

                fn replace_with_double(
                    &self,
                ) -> ::core::option::Option<
                    ::std::boxed::Box<dyn ::core::any::Any + ::core::marker::Send>,
                > {
                    $crate::__private::DependencyProvider::replace_with_double(&self.caller)
                }
            }
        };
    };
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;

    #[test]
    fn arguments_are_positional_in_order() {
        let call = TypedCall::new("m")
            .arg::<RpcProxy, _>("hellø")
            .arg::<RpcProxy, _>(&Some(3u8))
            .arg::<RpcProxy, _>(&vec![1, 2]);
        assert_eq!(
            call.args.unwrap(),
            vec![json!("hellø"), json!(3), json!([1, 2])]
        );
    }

    #[test]
    fn an_argument_that_does_not_encode_fails_the_call() {
        // JSON object keys must be strings.
        let bad: HashMap<(u8, u8), u8> = HashMap::from([((1, 2), 3)]);
        let call = TypedCall::new("m")
            .arg::<RpcProxy, _>(&bad)
            .arg::<RpcProxy, _>("after");
        assert!(call.args.is_err());
    }

    #[test]
    fn results_decode_through_rpc_return() {
        let value: Vec<String> =
            <Vec<String> as RpcReturn<RpcProxy>>::from_result(json!(["a", "b"])).unwrap();
        assert_eq!(value, ["a", "b"]);
        <() as RpcReturn<RpcProxy>>::from_result(Value::Null).unwrap();
        assert!(<u8 as RpcReturn<RpcProxy>>::from_result(json!("x")).is_err());
        let arg = <str as RpcArgument<RpcProxy>>::to_argument("x").unwrap();
        assert_eq!(arg, json!("x"));
    }
}
