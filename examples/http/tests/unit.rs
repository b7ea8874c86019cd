//! Unit tests of the seed's HTTP services, as a user writes them: routes fired with a
//! request, no server, no port.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use example_http::{AdvancedHttpService, HttpService};
use nameko::testing::{TestError, entrypoint_waiter, fire_http, worker_factory};
use nameko::web::http::{Request, StatusCode};
use nameko::{Value, json};

#[tokio::test]
async fn get_with_a_path_value() {
    let svc = worker_factory(HttpService).await.unwrap();
    let response = fire_http(
        &svc,
        "get_method",
        Request::get("/get/42").body(()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(response.text(), r#"{"value": 42}"#);
    assert_eq!(response.json::<Value>().unwrap(), json!({"value": 42}));
}

#[tokio::test]
async fn post_with_a_body() {
    let svc = worker_factory(HttpService).await.unwrap();
    let request = Request::post("/post").body("hellø").unwrap();
    let response = fire_http(&svc, "do_post", request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "received: hellø");
}

#[tokio::test]
async fn a_path_the_rule_does_not_match_is_404() {
    let svc = worker_factory(HttpService).await.unwrap();
    for path in ["/get/abc", "/get/", "/other"] {
        let response = fire_http(&svc, "get_method", Request::get(path).body(()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // The converter matches, the parameter's type does not fit: 404 too.
    let response = fire_http(
        &svc,
        "get_method",
        Request::get("/get/99999999999999999999").body(()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn methods_of_a_route() {
    let svc = worker_factory(HttpService).await.unwrap();
    let response = fire_http(&svc, "do_multi", Request::put("/multi").body(()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.text(), "PUT");
    let response = fire_http(&svc, "do_multi", Request::patch("/multi").body(()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response.header("allow"),
        Some("DELETE, GET, HEAD, POST, PUT")
    );
    let response = fire_http(
        &svc,
        "get_method",
        Request::head("/get/1").body(()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.body().is_empty());
}

#[tokio::test]
async fn an_error_with_its_own_response() {
    let svc = worker_factory(HttpService).await.unwrap();
    let waiter = entrypoint_waiter(&svc, "custom_exception").unwrap();
    let response = fire_http(
        &svc,
        "custom_exception",
        Request::get("/custom_exception").body(()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        response.json::<Value>().unwrap(),
        json!({"error": "INVALID_ARGUMENTS", "message": "Argument `foo` is required."})
    );
    // The worker failed, as the waiter saw.
    let done = waiter.await.unwrap();
    assert_eq!(done.result().unwrap_err().exc_type, "InvalidArgumentsError");
}

#[tokio::test]
async fn return_conventions() {
    let svc = worker_factory(AdvancedHttpService).await.unwrap();
    let get = |path: &str| Request::get(path).body(()).unwrap();
    let response = fire_http(&svc, "forbidden", get("/privileged"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.text(), "Forbidden");
    let response = fire_http(&svc, "redirect", get("/headers")).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.header("location"),
        Some("https://www.example.com/widget/1")
    );
    assert!(response.body().is_empty());
    let response = fire_http(&svc, "custom", get("/custom")).await.unwrap();
    assert_eq!(response.text(), "payload");

    let err = fire_http(&svc, "nope", get("/custom")).await.unwrap_err();
    assert!(matches!(err, TestError::NoEntrypoint { .. }), "{err}");
}
