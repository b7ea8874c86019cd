//! The entrypoint kind [`rpc()`]: a method called over the WebSocket endpoint.

use std::sync::{Arc, Mutex};

use http::{Method as HttpMethod, StatusCode};
use nameko_core::entrypoint::{FireError, FireInput, FireOutput, IntoEntrypoint, Method};
use nameko_core::{BoxError, ContainerHandle, Entrypoint, EntrypointOptions, Extension};
use nameko_rule::Rule;
use serde_json::Value;

use super::connection::{WebSocketServer, WsMethod, run_worker};
use super::{KIND, PATH, lock};
use crate::response::error_page;
use crate::server::{HandlerFn, Route, WebServer};

/// The entrypoint kind of [`rpc()`]: a method called over the WebSocket endpoint.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WebSocketRpcKind;

/// The former name of [`WebSocketRpcKind`].
#[deprecated(note = "renamed to `WebSocketRpcKind`")]
pub type Rpc = WebSocketRpcKind;

/// Nameko's `nameko.web.websocket.rpc`: `#[entrypoint(nameko::web::websocket::rpc())]`.
///
/// The method's first parameter receives the socket id (a `String`); the others are bound
/// by name from the call's `data`, as an RPC call's keyword arguments are.
///
/// ```
/// use nameko_core::entrypoint::IntoEntrypoint;
///
/// fn is_an_entrypoint_kind<K: IntoEntrypoint>(_: K) {}
/// is_an_entrypoint_kind(nameko_web::websocket::rpc());
/// ```
pub fn rpc() -> WebSocketRpcKind {
    WebSocketRpcKind
}

impl IntoEntrypoint for WebSocketRpcKind {
    fn into_entrypoint(self, method: Method) -> Box<dyn Entrypoint> {
        Box::new(WebSocketRpc {
            options: Arc::new(method.options.clone()),
            method,
            registered: Mutex::new(None),
        })
    }
}

struct Registered {
    web: Arc<WebServer>,
    server: Arc<WebSocketServer>,
    route: Arc<Route>,
    method: Arc<WsMethod>,
}

/// The entrypoint of one method served over WebSocket (Nameko's `WebSocketRpc`), made
/// by [`rpc()`] through `#[entrypoint(...)]`.
pub struct WebSocketRpc {
    method: Method,
    options: Arc<EntrypointOptions>,
    registered: Mutex<Option<Arc<Registered>>>,
}

impl std::fmt::Debug for WebSocketRpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketRpc")
            .field("method", &self.method.name)
            .finish_non_exhaustive()
    }
}

impl WebSocketRpc {
    fn registered(&self) -> Option<Arc<Registered>> {
        lock(&self.registered).clone()
    }
}

#[nameko_core::async_trait]
impl Extension for WebSocketRpc {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let web = WebServer::shared(container).await?;
        let server = WebSocketServer::shared(container).await?;
        let rule = Rule::parse(PATH)?;
        // The route's handler never runs: the server upgrades the request instead.
        let handler: HandlerFn = Arc::new(|_request, _params| {
            Box::pin(async { Ok(error_page(StatusCode::BAD_REQUEST)) })
        });
        let route = Arc::new(
            Route::new(
                rule,
                vec![HttpMethod::GET],
                self.method.name,
                container.clone(),
                handler,
                Arc::from(Vec::new()),
                Arc::clone(&self.options),
                None,
            )
            .with_upgrade(Arc::clone(&server) as _),
        );
        web.register(Arc::clone(&route));
        let method = Arc::new(WsMethod {
            name: self.method.name,
            handler: Arc::clone(&self.method.handler),
            options: Arc::clone(&self.options),
            container: container.clone(),
        });
        *lock(&self.registered) = Some(Arc::new(Registered {
            web,
            server,
            route,
            method,
        }));
        Ok(())
    }

    async fn start(&self, _container: &ContainerHandle) -> Result<(), BoxError> {
        if let Some(r) = self.registered() {
            r.web.start().await?;
            r.server.register_method(Arc::clone(&r.method));
            r.route.activate();
        }
        Ok(())
    }

    async fn stop(&self) {
        if let Some(r) = self.registered() {
            r.server.unregister_method(&r.method);
            r.route.stop();
            r.web.route_stopped();
        }
    }

    async fn kill(&self) {
        self.stop().await;
    }
}

#[nameko_core::async_trait]
impl Entrypoint for WebSocketRpc {
    fn method_name(&self) -> &str {
        self.method.name
    }

    fn kind(&self) -> &'static str {
        KIND
    }

    /// `kind`, `method`, `params` and `path` (`/ws`).
    fn describe(&self) -> Value {
        let mut d = nameko_core::entrypoint::describe_entrypoint(
            KIND,
            self.method.name,
            Some(&self.options),
        );
        d.insert("path".into(), Value::from(PATH));
        Value::Object(d)
    }

    /// Runs the method as a call on a socket would, with `fire.arguments` as given (put
    /// the socket id first, as the endpoint does).
    async fn fire(
        &self,
        container: &ContainerHandle,
        fire: FireInput,
    ) -> Result<FireOutput, FireError> {
        let method = WsMethod {
            name: self.method.name,
            handler: Arc::clone(&self.method.handler),
            options: Arc::clone(&self.options),
            container: container.clone(),
        };
        FireOutput::from_outcome(run_worker(&method, fire.arguments, fire.context_data).await)
    }
}
