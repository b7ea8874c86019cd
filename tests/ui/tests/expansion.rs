//! The expansion of `#[service]` compiled as ordinary test code, so `cargo clippy
//! --all-targets -- -D warnings` (with pedantic lints on here) checks what it generates,
//! and the tests check the dispatch table it builds, run a macro-built timer, and serve
//! macro-built HTTP routes.
#![warn(clippy::pedantic)]

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nameko::web::http::StatusCode;
use nameko::web::{Request, Response, ResponseFromError};
use nameko::{
    Config, DependencyProvider, Extension, RemoteError, Service, ServiceContainer, ServiceRunner,
    WorkerContext, WorkerResult, event_handler, http, rpc, service, timer,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
struct Query {
    terms: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Hits {
    total: usize,
}

#[derive(Debug)]
struct Invalid;

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid")
    }
}

/// An error type to list in `expected_exceptions`.
#[derive(Debug)]
struct Missing;

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("missing")
    }
}

impl std::error::Error for Missing {}

#[derive(Default)]
struct Counter(AtomicU64);

impl Extension for Counter {}

impl DependencyProvider for Counter {}

#[derive(Default)]
struct Search {
    counter: Counter,
}

#[service(name = "search", dependencies(counter))]
impl Search {
    #[rpc(
        expected_exceptions(Missing, std::io::Error),
        sensitive_arguments("query.terms[0]")
    )]
    async fn search(&self, query: Query, limit: Option<usize>) -> Result<Hits, Invalid> {
        self.counter.0.fetch_add(1, Ordering::Relaxed);
        if query.terms.is_empty() {
            return Err(Invalid);
        }
        Ok(Hits {
            total: query.terms.len().min(limit.unwrap_or(usize::MAX)),
        })
    }

    #[rpc]
    async fn count(&self) -> u64 {
        self.counter.0.load(Ordering::Relaxed)
    }

    #[rpc(expected_exceptions = RemoteError)]
    async fn reset(&self) -> Result<(), RemoteError> {
        self.counter.0.store(0, Ordering::Relaxed);
        Ok(())
    }

    #[rpc]
    async fn ping(&self) {}
}

#[test]
fn dispatch_table() {
    let service = Arc::new(Search::default());
    assert_eq!(service.name(), "search");
    let entrypoints: Vec<(String, &str)> = service
        .entrypoints()
        .iter()
        .map(|e| (e.method_name().to_owned(), e.kind()))
        .collect();
    assert_eq!(
        entrypoints,
        [
            ("search".to_owned(), "rpc"),
            ("count".to_owned(), "rpc"),
            ("reset".to_owned(), "rpc"),
            ("ping".to_owned(), "rpc"),
        ]
    );
    assert_eq!(service.dependencies().len(), 1);
}

#[derive(Debug, Deserialize)]
struct Order {
    id: u64,
}

/// Event handlers and timers, next to an RPC method.
#[derive(Default)]
struct Shop {
    orders: AtomicU64,
    ticks: AtomicU64,
}

#[service(name = "shop")]
impl Shop {
    #[event_handler("checkout", "order_placed")]
    async fn count_order(&self, order: Order) {
        self.orders.fetch_add(order.id, Ordering::Relaxed);
    }

    #[event_handler(
        "checkout",
        "order_placed",
        handler_type = "broadcast",
        reliable_delivery = false,
        requeue_on_error = true,
        expected_exceptions = (Missing,),
        sensitive_arguments = "order"
    )]
    async fn check_order(&self, order: Order) -> Result<(), Invalid> {
        if order.id == 0 { Err(Invalid) } else { Ok(()) }
    }

    #[timer(interval = 0.01, eager = true)]
    async fn tick(&self) -> Result<u64, RemoteError> {
        Ok(self.ticks.fetch_add(1, Ordering::Relaxed))
    }

    #[timer(3600)]
    async fn hourly(&self) {}

    #[rpc]
    async fn orders(&self) -> u64 {
        self.orders.load(Ordering::Relaxed)
    }
}

#[test]
fn event_handler_and_timer_dispatch_table() {
    let service = Arc::new(Shop::default());
    let entrypoints: Vec<(String, &str)> = service
        .entrypoints()
        .iter()
        .map(|e| (e.method_name().to_owned(), e.kind()))
        .collect();
    assert_eq!(
        entrypoints,
        [
            ("count_order".to_owned(), "event_handler"),
            ("check_order".to_owned(), "event_handler"),
            ("tick".to_owned(), "timer"),
            ("hourly".to_owned(), "timer"),
            ("orders".to_owned(), "rpc"),
        ]
    );
}

/// Only timers: a container runs them without a broker.
#[derive(Default)]
struct Clock {
    ticks: Arc<AtomicU64>,
}

#[service(name = "clock")]
impl Clock {
    #[timer(interval = 0.01, eager = true)]
    async fn tick(&self) {
        self.ticks.fetch_add(1, Ordering::Relaxed);
    }

    /// Fails every time: the timer keeps going.
    #[timer(0.01)]
    async fn fail(&self) -> Result<(), Invalid> {
        Err(Invalid)
    }
}

#[tokio::test]
async fn macro_timer_ticks() {
    let clock = Clock::default();
    let ticks = Arc::clone(&clock.ticks);
    let container = ServiceContainer::new(clock, Arc::new(Config::new()));
    container.start().await.unwrap();
    let ticked = tokio::time::timeout(Duration::from_secs(10), async {
        while ticks.load(Ordering::Relaxed) < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    container.stop().await;
    assert!(ticked.is_ok(), "the timer ticked {ticks:?} times");
}

/// An error with its own response.
#[derive(Debug)]
struct Teapot(u64);

impl fmt::Display for Teapot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "teapot {}", self.0)
    }
}

impl ResponseFromError for Teapot {
    fn response_from_error(&self) -> Response {
        Response::new(self.to_string()).with_status(StatusCode::IM_A_TEAPOT)
    }
}

/// HTTP routes with each converter and return convention.
struct Web;

#[service(name = "web")]
impl Web {
    #[http("GET", "/get/<int:value>")]
    async fn get_method(&self, request: Request, value: i64) -> String {
        format!("{} {value}", request.path())
    }

    #[http("GET,POST", "/signed/<int(signed=True):n>/<float(signed=True):x>")]
    async fn signed(&self, x: f64, n: i32) -> (u16, String) {
        (201, format!("{n} {x}"))
    }

    #[http("GET", "/uuid/<uuid:id>")]
    async fn uuid(&self, id: uuid::Uuid) -> String {
        id.hyphenated().to_string()
    }

    #[http("GET", "/files/<path:rest>/<any(about, help):page>")]
    async fn files(&self, rest: String, page: String) -> Response {
        Response::new(format!("{rest} {page}"))
    }

    #[http("GET", "/small/<int:n>")]
    async fn small(&self, n: u8) -> String {
        n.to_string()
    }

    #[http("GET", "/teapot/<int:n>")]
    async fn teapot(&self, n: u64) -> Result<&'static str, Teapot> {
        if n == 0 { Ok("fine") } else { Err(Teapot(n)) }
    }

    #[http("GET", "/remote")]
    async fn remote(&self) -> Result<(), RemoteError> {
        Err(RemoteError::new("ValueError", "bad"))
    }

    #[http("DELETE", "/nothing")]
    async fn nothing(&self) {}
}

#[tokio::test]
async fn macro_http_routes() {
    let mut runner = ServiceRunner::new(Config::new().with("WEB_SERVER_ADDRESS", "127.0.0.1:0"));
    runner.add_service(Web).unwrap();
    runner.start().await.unwrap();
    let addr = nameko::web::bound_address(runner.shared()).unwrap();
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str| {
        let request = client.request(method, format!("http://{addr}{path}"));
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let get = reqwest::Method::GET;
    assert_eq!(
        call(get.clone(), "/get/42").await,
        (200, "/get/42 42".to_owned())
    );
    assert_eq!(call(get.clone(), "/get/-1").await.0, 404);
    assert_eq!(
        call(reqwest::Method::POST, "/signed/-3/-0.5").await,
        (201, "-3 -0.5".to_owned())
    );
    let id = "a0b1c2d3-e4f5-6789-abcd-ef0123456789";
    assert_eq!(
        call(get.clone(), &format!("/uuid/{id}")).await,
        (200, id.to_owned())
    );
    assert_eq!(
        call(get.clone(), "/files/a/b.txt/help").await,
        (200, "a/b.txt help".to_owned())
    );
    assert_eq!(call(get.clone(), "/files/a/b.txt/other").await.0, 404);
    // Matched by the rule, but too large for the `u8`: `404`, as werkzeug answers it.
    assert_eq!(
        call(get.clone(), "/small/255").await,
        (200, "255".to_owned())
    );
    assert_eq!(call(get.clone(), "/small/300").await.0, 404);
    assert_eq!(
        call(get.clone(), "/teapot/0").await,
        (200, "fine".to_owned())
    );
    assert_eq!(
        call(get.clone(), "/teapot/7").await,
        (418, "teapot 7".to_owned())
    );
    assert_eq!(
        call(get.clone(), "/remote").await,
        (500, "Error: ValueError: bad\n".to_owned())
    );
    assert_eq!(
        call(reqwest::Method::DELETE, "/nothing").await,
        (200, String::new())
    );
    runner.stop().await;
}

/// Wraps an I/O error, its `source()`.
#[derive(Debug)]
struct Wrapped(std::io::Error);

impl fmt::Display for Wrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wrapped: {}", self.0)
    }
}

impl std::error::Error for Wrapped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// What a dependency provider saw of one worker: the entrypoint, the call's arguments
/// (redacted), and whether its failure was expected (`None`: it succeeded).
type Record = (String, serde_json::Value, Option<bool>);

#[derive(Default)]
struct Recorder(Arc<Mutex<Vec<Record>>>);

impl Extension for Recorder {}

#[nameko::async_trait]
impl DependencyProvider for Recorder {
    async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
        let expected = result.failure().map(|failure| failure.is_expected());
        if let Ok(mut records) = self.0.lock() {
            records.push((ctx.entrypoint_name().to_owned(), ctx.arguments(), expected));
        }
    }
}

/// `expected_exceptions` and `sensitive_arguments`, as the runtime applies them.
#[derive(Default)]
struct Guarded {
    recorder: Recorder,
}

#[service(name = "guarded", dependencies(recorder))]
impl Guarded {
    #[timer(
        interval = 3600,
        eager = true,
        expected_exceptions(Missing, std::io::Error)
    )]
    async fn expected(&self) -> Result<(), Missing> {
        Err(Missing)
    }

    /// Expected through the error's `source()`.
    #[timer(interval = 3600, eager = true, expected_exceptions = std::io::Error)]
    async fn wrapped(&self) -> Result<(), Wrapped> {
        Err(Wrapped(std::io::Error::other("disk")))
    }

    #[timer(interval = 3600, eager = true, expected_exceptions = (std::io::Error,))]
    async fn unexpected(&self) -> Result<(), Missing> {
        Err(Missing)
    }

    #[http(
        "GET",
        "/secret/<token>/<int:n>",
        expected_exceptions(Missing),
        sensitive_arguments("token")
    )]
    async fn secret(&self, token: String, n: u32) -> Result<String, Missing> {
        if n == 0 {
            Err(Missing)
        } else {
            Ok(format!("{} {n}", token.len()))
        }
    }
}

#[tokio::test]
async fn macro_worker_options() {
    let guarded = Guarded::default();
    let records = Arc::clone(&guarded.recorder.0);
    let mut runner = ServiceRunner::new(Config::new().with("WEB_SERVER_ADDRESS", "127.0.0.1:0"));
    runner.add_service(guarded).unwrap();
    runner.start().await.unwrap();
    let addr = nameko::web::bound_address(runner.shared()).unwrap();
    let get = |path: &str| {
        let request = reqwest::get(format!("http://{addr}{path}"));
        async move {
            let response = request.await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    assert_eq!(get("/secret/abc/5").await, (200, "3 5".to_owned()));
    // An expected error gets Nameko's `400`.
    assert_eq!(get("/secret/abc/0").await.0, 400);
    let timers_ran = tokio::time::timeout(Duration::from_secs(10), async {
        while records.lock().unwrap().len() < 5 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    runner.stop().await;
    assert!(timers_ran.is_ok(), "{:?}", records.lock().unwrap());
    let mut records = records.lock().unwrap().clone();
    records.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
    let redacted = serde_json::json!({"token": nameko::worker::REDACTED, "n": "5"});
    let failed = serde_json::json!({"token": nameko::worker::REDACTED, "n": "0"});
    let none = serde_json::json!({});
    assert_eq!(
        records,
        [
            ("expected".to_owned(), none.clone(), Some(true)),
            ("secret".to_owned(), redacted, None),
            ("secret".to_owned(), failed, Some(true)),
            ("unexpected".to_owned(), none.clone(), Some(false)),
            ("wrapped".to_owned(), none, Some(true)),
        ]
    );
}
