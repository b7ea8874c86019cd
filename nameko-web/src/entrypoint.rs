//! The [`Http`] entrypoint: Nameko's `@http(method, url)`.

use std::sync::{Arc, Mutex};

use http::Method;
use nameko_core::BoxFuture;
use nameko_core::entrypoint::{FireError, FireInput, FireOutput};
use nameko_core::{
    BoxError, ContainerHandle, Entrypoint, EntrypointOptions, Extension, RemoteError,
};
use nameko_rule::{HttpMethodError, Rule, RuleError};

use crate::error::Error;
use crate::request::{PathParams, Request};
use crate::response::Response;
use crate::schema::RouteDoc;
use crate::server::{ErrorResponder, HandlerFn, HttpResult, Route, WebServer};
use nameko_core::sync::lock;

/// The HTTP entrypoint of one method: `@http('GET,POST', '/path/<int:id>')`.
///
/// Its route is served by the runner's one [`WebServer`] (see [`crate::server`] for the
/// lifecycle and routing). Each request runs as a worker of the service: it counts
/// against `max_workers`, waiting for a free worker when all are busy, and runs with a
/// [`WorkerContext`](nameko_core::WorkerContext), so it can call other services through
/// `nameko_amqp::RpcProxy` and dispatch events.
///
/// ```
/// use nameko_web::{Http, PathParams, Request, into_http_result};
///
/// let entrypoint = Http::new("get_method", "GET", "/get/<int:value>", |_req: Request, mut params: PathParams| {
///     Box::pin(async move {
///         let value: i64 = params.take("value")?;
///         into_http_result(format!(r#"{{"value": {value}}}"#))
///     }) as _
/// });
/// assert_eq!(entrypoint.rule().unwrap().as_str(), "/get/<int:value>");
/// ```
pub struct Http {
    method_name: &'static str,
    methods_source: String,
    methods: Result<Vec<Method>, HttpMethodError>,
    rule_source: String,
    rule: Result<Rule, RuleError>,
    handler: HandlerFn,
    expected: Arc<[String]>,
    options: Arc<EntrypointOptions>,
    error_responder: Option<ErrorResponder>,
    doc: RouteDoc,
    registered: Mutex<Option<(Arc<WebServer>, Arc<Route>)>>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("method_name", &self.method_name)
            .field("methods", &self.methods_source)
            .field("rule", &self.rule_source)
            .finish()
    }
}

fn parse_methods(methods: &str) -> Result<Vec<Method>, HttpMethodError> {
    Ok(nameko_rule::parse_methods(methods)?
        .into_iter()
        .filter_map(|m| Method::from_bytes(m.as_bytes()).ok())
        .collect())
}

impl Http {
    /// The entrypoint of `method_name`, for `methods` (one name or a comma-separated list)
    /// on `rule` (werkzeug syntax), calling `handler` for each request.
    ///
    /// A bad method list or rule does not panic: the entrypoint's `setup` fails with a
    /// clear error, so the service does not start. Use [`try_new`](Self::try_new) to
    /// learn it at once. (`#[http]` checks both at compile time.)
    pub fn new<F>(method_name: &'static str, methods: &str, rule: &str, handler: F) -> Self
    where
        F: Fn(Request, PathParams) -> BoxFuture<HttpResult> + Send + Sync + 'static,
    {
        Http {
            method_name,
            methods_source: methods.to_owned(),
            methods: parse_methods(methods),
            rule_source: rule.to_owned(),
            rule: Rule::parse(rule),
            handler: Arc::new(handler),
            expected: Arc::from(Vec::new()),
            options: Arc::default(),
            error_responder: None,
            doc: RouteDoc::new(),
            registered: Mutex::new(None),
        }
    }

    /// Like [`new`](Self::new), but a bad method list or rule is an error here.
    pub fn try_new<F>(
        method_name: &'static str,
        methods: &str,
        rule: &str,
        handler: F,
    ) -> Result<Self, Error>
    where
        F: Fn(Request, PathParams) -> BoxFuture<HttpResult> + Send + Sync + 'static,
    {
        let http = Http::new(method_name, methods, rule, handler);
        http.check()?;
        Ok(http)
    }

    fn check(&self) -> Result<(), Error> {
        if let Err(source) = &self.methods {
            return Err(Error::Methods {
                methods: self.methods_source.clone(),
                source: source.clone(),
            });
        }
        if let Err(source) = &self.rule {
            return Err(Error::Rule {
                rule: self.rule_source.clone(),
                source: source.clone(),
            });
        }
        Ok(())
    }

    /// Errors whose `exc_type` is one of `names` are answered `400` instead of `500` by
    /// the default error response: Nameko's `expected_exceptions`.
    pub fn expected_exceptions<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expected = names.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the entrypoint's options: `expected_exceptions` (answered `400`, logged at
    /// WARNING) and `sensitive_arguments` (path values redacted in logs).
    pub fn options(mut self, options: EntrypointOptions) -> Self {
        self.options = Arc::new(options);
        self
    }

    /// Overrides the default error response for errors that have no response of their
    /// own: `f` sees the error and returns the response, or `None` for the default
    /// ([`Response::from_remote_error`]). The equivalent of overriding Nameko's
    /// `response_from_exception` for every error of a service.
    pub fn error_response<F>(mut self, f: F) -> Self
    where
        F: Fn(&RemoteError) -> Option<Response> + Send + Sync + 'static,
    {
        self.error_responder = Some(Arc::new(f));
        self
    }

    /// Documents what the route reads and answers (its typed body, query and response):
    /// `describe()` carries it, and so the OpenAPI document. The `#[http]` macro sets it
    /// from the method's signature.
    pub fn doc(mut self, doc: RouteDoc) -> Self {
        self.doc = doc;
        self
    }

    /// The rule, if it parsed.
    pub fn rule(&self) -> Option<&Rule> {
        self.rule.as_ref().ok()
    }

    /// The methods, if they parsed (without the implied `HEAD`).
    pub fn methods(&self) -> Option<&[Method]> {
        self.methods.as_deref().ok()
    }

    fn registered(&self) -> Option<(Arc<WebServer>, Arc<Route>)> {
        lock(&self.registered).clone()
    }
}

impl Http {
    /// This entrypoint's route, served by a container's web server or fired alone.
    fn route(&self, rule: &Rule, methods: &[Method], container: &ContainerHandle) -> Arc<Route> {
        Arc::new(Route::new(
            rule.clone(),
            methods.to_vec(),
            self.method_name,
            container.clone(),
            Arc::clone(&self.handler),
            Arc::clone(&self.expected),
            Arc::clone(&self.options),
            self.error_responder.clone(),
        ))
    }
}

#[nameko_core::async_trait]
impl Extension for Http {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        self.check()?;
        let (Ok(rule), Ok(methods)) = (&self.rule, &self.methods) else {
            return Ok(());
        };
        let server = WebServer::shared(container).await?;
        let route = self.route(rule, methods, container);
        server.register(Arc::clone(&route));
        *lock(&self.registered) = Some((server, route));
        Ok(())
    }

    async fn start(&self, _container: &ContainerHandle) -> Result<(), BoxError> {
        if let Some((server, route)) = self.registered() {
            server.start().await?;
            route.activate();
        }
        Ok(())
    }

    async fn stop(&self) {
        if let Some((server, route)) = self.registered() {
            route.stop();
            server.route_stopped();
        }
    }

    async fn kill(&self) {
        self.stop().await;
    }
}

#[nameko_core::async_trait]
impl Entrypoint for Http {
    fn method_name(&self) -> &str {
        self.method_name
    }

    fn kind(&self) -> &'static str {
        "http"
    }

    /// `kind`, `method`, `params`, `http_methods` (as written, e.g. `"GET,POST"`), `rule`
    /// (werkzeug syntax, as written), `path_params` (each rule variable's `name` and
    /// werkzeug `converter`), and what [`doc`](Self::doc) knows: `body_schema`,
    /// `query_schema`, `response_schema` (JSON Schemas, absent when untyped),
    /// `body_content_type`, `response_content_type`.
    fn describe(&self) -> serde_json::Value {
        let mut d = nameko_core::entrypoint::describe_entrypoint(
            "http",
            self.method_name,
            Some(&self.options),
        );
        d.insert("http_methods".into(), self.methods_source.as_str().into());
        d.insert("rule".into(), self.rule_source.as_str().into());
        if let Ok(rule) = &self.rule {
            let params: Vec<serde_json::Value> = rule
                .variables()
                .map(|v| serde_json::json!({ "name": v.name, "converter": v.converter.name() }))
                .collect();
            d.insert("path_params".into(), params.into());
        }
        self.doc.describe_into(&mut d);
        serde_json::Value::Object(d)
    }

    /// Answers one request as the server would answer it on this route, without a
    /// server: `fire.input` is the request, an `http::Request<bytes::Bytes>` or a
    /// [`Request`]. The path is matched against the rule (`404`, or the trailing-slash
    /// redirect, when it does not match; `405` for a method the route does not allow),
    /// its values bound to the method's parameters, and the worker runs with
    /// `fire.context_data`; its result or error becomes a response by the same
    /// conventions as on the server. Answers [`FireOutput::Response`] with an
    /// `http::Response<bytes::Bytes>` (no body for `HEAD`, as the server sends).
    ///
    /// `nameko_web::testing::fire_http` (feature `testing`) does this by method name.
    async fn fire(
        &self,
        container: &ContainerHandle,
        mut fire: FireInput,
    ) -> Result<FireOutput, FireError> {
        let invalid = |source: BoxError| FireError::Invalid {
            kind: "http",
            method: self.method_name.to_owned(),
            source,
        };
        self.check().map_err(|e| invalid(Box::new(e)))?;
        let (Ok(rule), Ok(methods)) = (&self.rule, &self.methods) else {
            return Err(invalid("the rule or the methods do not parse".into()));
        };
        let request = match fire.take_input::<http::Request<bytes::Bytes>>() {
            Some(request) => Request::new(request),
            None => match fire.take_input::<Request>() {
                Some(request) => request,
                None => {
                    return Err(FireError::MissingInput {
                        kind: "http",
                        method: self.method_name.to_owned(),
                        expected: "a request: an `http::Request<bytes::Bytes>` (see `nameko_web::testing::fire_http`)",
                    });
                }
            },
        };
        let head = request.method() == Method::HEAD;
        let route = self.route(rule, methods, container);
        let response = route.answer_alone(request, fire.context_data).await;
        let (parts, body) = response.into_inner().into_parts();
        let body = if head {
            bytes::Bytes::new()
        } else {
            body.to_bytes().await.map_err(|e| invalid(e.into_inner()))?
        };
        Ok(FireOutput::Response(Box::new(http::Response::from_parts(
            parts, body,
        ))))
    }
}
