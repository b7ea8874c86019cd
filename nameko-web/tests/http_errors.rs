//! Handler errors through a real socket: Nameko's default mapping, expected exceptions,
//! per-error and per-entrypoint overrides, panics, and what dependency providers see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::{TestService, config, get, route, start};
use nameko_core::{DependencyProvider, Extension, RemoteError, WorkerContext, WorkerResult};
use nameko_web::http::StatusCode;
use nameko_web::{Http, HttpError, Response, ResponseFromError, into_http_result};

#[derive(Debug)]
struct Teapot(String);

impl std::fmt::Display for Teapot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "short and stout: {}", self.0)
    }
}

impl ResponseFromError for Teapot {
    fn response_from_error(&self) -> Response {
        Response::new(format!("{{\"teapot\": \"{}\"}}", self.0))
            .with_status(StatusCode::IM_A_TEAPOT)
            .with_mimetype("application/json")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("widget {0} is broken")]
struct WidgetBroken(u32);

/// Records what `worker_result` saw.
#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Extension for Recorder {}

#[nameko_core::async_trait]
impl DependencyProvider for Recorder {
    async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
        let line = match result {
            WorkerResult::Success(_) => format!("{} ok", ctx.entrypoint_name()),
            WorkerResult::Failure(e) => format!(
                "{} failed {}",
                ctx.entrypoint_name(),
                e.remote_error().exc_type
            ),
            _ => format!("{} other", ctx.entrypoint_name()),
        };
        self.0.lock().unwrap().push(line);
    }
}

fn failing(recorder: Recorder) -> TestService {
    TestService::new("failing", || {
        vec![
            route("remote", "GET", "/remote", |_r, _p| async move {
                Err(RemoteError::new("ValueError", "bad value").into())
            }),
            route("bad_request", "GET", "/bad_request", |_r, _p| async move {
                Err(RemoteError::malformed_request("missing thing").into())
            }),
            Box::new(
                Http::new("expected", "GET", "/expected", |_r, _p| {
                    Box::pin(async move { Err(RemoteError::new("InvalidThing", "nope").into()) })
                })
                .expected_exceptions(["InvalidThing"]),
            ),
            Box::new(
                Http::new("overridden", "GET", "/overridden/<int:n>", |_r, mut p| {
                    Box::pin(async move {
                        let n: u32 = p.take("n")?;
                        if n == 0 {
                            Err(RemoteError::new("Conflict", "taken").into())
                        } else {
                            Err(RemoteError::new("Other", "x").into())
                        }
                    })
                })
                .error_response(|err| {
                    (err.exc_type == "Conflict").then(|| {
                        Response::new(format!("conflict: {}", err.value))
                            .with_status(StatusCode::CONFLICT)
                    })
                }),
            ),
            route(
                "own_response",
                "GET",
                "/own_response",
                |_r, _p| async move {
                    let result: Result<String, Teapot> = Err(Teapot("tea".into()));
                    match result {
                        Ok(v) => into_http_result(v),
                        Err(e) => Err(nameko_web::__private::http_error!(e)),
                    }
                },
            ),
            route(
                "display_error",
                "GET",
                "/display_error",
                |_r, _p| async move {
                    let result: Result<String, WidgetBroken> = Err(WidgetBroken(7));
                    match result {
                        Ok(v) => into_http_result(v),
                        Err(e) => Err(nameko_web::__private::http_error!(e)),
                    }
                },
            ),
            route("panics", "GET", "/panics", |_r, _p| async move {
                if std::hint::black_box(true) {
                    panic!("boom");
                }
                into_http_result("unreachable")
            }),
            Box::new(Http::new(
                "panics_early",
                "GET",
                "/panics_early",
                |_r, _p| {
                    if std::hint::black_box(true) {
                        panic!("before the future");
                    }
                    Box::pin(async move { into_http_result("unreachable") })
                },
            )),
            route("bad_status", "GET", "/bad_status", |_r, _p| async move {
                into_http_result((1000u16, "x"))
            }),
            route("ok", "GET", "/ok", |_r, _p| async move {
                let ctx = WorkerContext::current().expect("a worker context");
                into_http_result(format!("{} {}", ctx.call_id(), ctx.call_id_stack().len()))
            }),
            route("http_error", "GET", "/http_error", |_r, _p| async move {
                Err(HttpError::with_response(
                    RemoteError::new("Gone", "moved on"),
                    Response::new("gone").with_status(StatusCode::GONE),
                ))
            }),
        ]
    })
    .with_dependency(recorder)
}

#[tokio::test]
async fn nameko_default_error_mapping() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![failing(Recorder::default())]).await;

    let r = get(addr, "/remote").await;
    assert_eq!(r.status_line, "HTTP/1.1 500 Internal Server Error");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.text(), "Error: ValueError: bad value\n");
    assert_eq!(r.header("content-length"), Some("29"));

    let r = get(addr, "/bad_request").await;
    assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
    assert_eq!(r.text(), "Error: MalformedRequest: missing thing\n");

    let r = get(addr, "/expected").await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.text(), "Error: InvalidThing: nope\n");

    let r = get(addr, "/display_error").await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.text(), "Error: WidgetBroken: widget 7 is broken\n");

    let r = get(addr, "/bad_status").await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.text(),
        "Error: InvalidResponse: invalid HTTP status 1000\n"
    );
    runner.stop().await;
}

#[tokio::test]
async fn overrides() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![failing(Recorder::default())]).await;

    let r = get(addr, "/own_response").await;
    assert_eq!(r.status_line, "HTTP/1.1 418 I'm a teapot");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.text(), r#"{"teapot": "tea"}"#);

    let r = get(addr, "/overridden/0").await;
    assert_eq!(r.status(), 409);
    assert_eq!(r.text(), "conflict: taken");
    // the override returns None for other errors: the default mapping
    let r = get(addr, "/overridden/1").await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.text(), "Error: Other: x\n");

    let r = get(addr, "/http_error").await;
    assert_eq!(r.status(), 410);
    assert_eq!(r.text(), "gone");
    runner.stop().await;
}

#[tokio::test]
async fn panics_answer_500_and_the_server_keeps_serving() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![failing(Recorder::default())]).await;
    for _ in 0..3 {
        let r = get(addr, "/panics").await;
        assert_eq!(r.status_line, "HTTP/1.1 500 Internal Server Error");
        assert_eq!(r.text(), "Error: WorkerPanic: boom\n");
        let r = get(addr, "/panics_early").await;
        assert_eq!(r.status(), 500);
        assert_eq!(r.text(), "Error: WorkerPanic: before the future\n");
        let r = get(addr, "/ok").await;
        assert_eq!(r.status(), 200);
    }
    // the worker slots were all given back
    assert_eq!(runner.containers()[0].handle().running_workers(), 0);
    runner.stop().await;
}

#[tokio::test]
async fn handlers_are_workers() {
    common::init_tracing();
    let recorder = Recorder::default();
    let (runner, addr) = start(config(), vec![failing(recorder.clone())]).await;
    let r = get(addr, "/ok").await;
    let text = r.text();
    let (call_id, depth) = text.split_once(' ').unwrap();
    assert!(call_id.starts_with("failing.ok."), "{call_id}");
    assert!(uuid::Uuid::parse_str(call_id.rsplit('.').next().unwrap()).is_ok());
    assert_eq!(depth, "1");
    get(addr, "/remote").await;
    get(addr, "/own_response").await;
    get(addr, "/panics").await;
    // a path value that does not fit its type: 404, and the worker failed with NotFound
    let r = get(addr, "/overridden/99999999999").await;
    assert_eq!(r.status(), 404);
    runner.stop().await;
    let seen = recorder.0.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "ok ok",
            "remote failed ValueError",
            "own_response failed Teapot",
            "panics failed WorkerPanic",
            "overridden failed NotFound",
        ]
    );
}
