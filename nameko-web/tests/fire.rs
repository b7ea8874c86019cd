//! `Http::fire` and `nameko_web::testing`: a route answers a request without a server.
//! Run with `cargo test -p nameko-web --features testing --test fire`.
#![cfg(feature = "testing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use nameko_core::entrypoint::FireError;
use nameko_core::testing::{TestError, entrypoint_hook, worker_factory};
use nameko_core::{Entrypoint, RemoteError, Service, WorkerContext};
use nameko_web::testing::fire_http;
use nameko_web::{Http, PathParams, Request, Response, into_http_result};

struct Web;

impl Service for Web {
    fn name(&self) -> &str {
        "web"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![
            Box::new(Http::new(
                "boom",
                "GET",
                "/boom",
                |_req: Request, _p: PathParams| {
                    Box::pin(async move {
                        if true {
                            panic!("kaboom");
                        }
                        into_http_result("never")
                    }) as _
                },
            )),
            Box::new(Http::new(
                "language",
                "GET",
                "/language",
                |_req: Request, _p: PathParams| {
                    Box::pin(async move {
                        let ctx = WorkerContext::current().unwrap();
                        into_http_result(ctx.language().unwrap_or_else(|| "none".to_owned()))
                    }) as _
                },
            )),
            Box::new(Http::new(
                "folder",
                "GET",
                "/folder/",
                |req: Request, _p: PathParams| {
                    Box::pin(async move { into_http_result(req.path().to_owned()) }) as _
                },
            )),
            Box::new(
                Http::new(
                    "teapot",
                    "GET",
                    "/teapot/<name>",
                    |_req: Request, mut p: PathParams| {
                        Box::pin(async move {
                            let name: String = p.take("name")?;
                            Err(RemoteError::new("Teapot", name).into())
                        }) as _
                    },
                )
                .error_response(|remote| {
                    Some(
                        Response::new(format!("short and stout: {}", remote.value))
                            .with_status(StatusCode::IM_A_TEAPOT),
                    )
                }),
            ),
            Box::new(Http::new(
                "bad_rule",
                "GET",
                "/<nope:x>",
                |_req: Request, _p: PathParams| Box::pin(async move { into_http_result("") }) as _,
            )),
        ]
    }
}

fn get(path: &str) -> http::Request<()> {
    http::Request::get(path).body(()).unwrap()
}

#[tokio::test]
async fn a_panic_is_a_500() {
    let svc = worker_factory(Web).await.unwrap();
    let response = fire_http(&svc, "boom", get("/boom")).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.text(), "Error: WorkerPanic: kaboom\n");
}

#[tokio::test]
async fn context_data_reaches_the_worker() {
    let svc = worker_factory(Web).await.unwrap();
    let fired = entrypoint_hook(&svc, "language", ())
        .input(http::Request::get("/language").body(Bytes::new()).unwrap())
        .context("language", "fr")
        .fire()
        .await
        .unwrap();
    let response: http::Response<Bytes> = fired.into_response().unwrap();
    assert_eq!(response.body(), "fr");
    // Without: as from the server, none.
    let response = fire_http(&svc, "language", get("/language")).await.unwrap();
    assert_eq!(response.text(), "none");
}

#[tokio::test]
async fn trailing_slash_redirect_and_error_override() {
    let svc = worker_factory(Web).await.unwrap();
    let response = fire_http(&svc, "folder", get("/folder?a=1")).await.unwrap();
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.header("location"), Some("/folder/?a=1"));
    let response = fire_http(&svc, "folder", get("/folder/")).await.unwrap();
    assert_eq!(response.text(), "/folder/");

    let response = fire_http(&svc, "teapot", get("/teapot/earl%20grey"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(response.text(), "short and stout: earl grey");
}

#[tokio::test]
async fn misuse_is_reported() {
    let svc = worker_factory(Web).await.unwrap();
    let err = entrypoint_hook(&svc, "language", ()).await.unwrap_err();
    assert!(
        matches!(
            err,
            TestError::Fire(FireError::MissingInput { kind: "http", .. })
        ),
        "{err}"
    );
    let err = fire_http(&svc, "bad_rule", get("/x")).await.unwrap_err();
    assert!(
        matches!(
            err,
            TestError::Fire(FireError::Invalid { kind: "http", .. })
        ),
        "{err}"
    );
    let err = entrypoint_hook(&svc, "language", ())
        .input(http::Request::get("/language").body(Bytes::new()).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, TestError::TransportResponse { .. }), "{err}");
}
