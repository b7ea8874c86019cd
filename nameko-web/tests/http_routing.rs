//! Routing through a real socket: werkzeug's converters, 404, 405 with Allow, HEAD,
//! trailing-slash redirects, percent-decoding, request bodies and queries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestService, config, curl, get, route, start};
use nameko_web::{PathParams, Request, into_http_result};

fn router() -> TestService {
    TestService::new("router", || {
        vec![
            route(
                "get_int",
                "GET",
                "/get/<int:value>",
                |_r, mut p: PathParams| async move {
                    let v: i64 = p.take("value")?;
                    into_http_result(format!("int {v}"))
                },
            ),
            route(
                "signed",
                "GET",
                "/signed/<int(signed=True):n>",
                |_r, mut p: PathParams| async move {
                    let n: i64 = p.take("n")?;
                    into_http_result(format!("signed {n}"))
                },
            ),
            route(
                "float",
                "GET",
                "/float/<float:x>",
                |_r, mut p: PathParams| async move {
                    let x: f64 = p.take("x")?;
                    into_http_result(format!("float {x:?}"))
                },
            ),
            route(
                "sfloat",
                "GET",
                "/sfloat/<float(signed=True):x>",
                |_r, mut p: PathParams| async move {
                    let x: f64 = p.take("x")?;
                    into_http_result(format!("sfloat {x:?}"))
                },
            ),
            route(
                "uuid",
                "GET",
                "/uuid/<uuid:u>",
                |_r, mut p: PathParams| async move {
                    let u: uuid::Uuid = p.take("u")?;
                    into_http_result(format!("uuid {u}"))
                },
            ),
            route(
                "files",
                "GET",
                "/files/<path:p>",
                |_r, mut p: PathParams| async move {
                    let path: String = p.take("p")?;
                    into_http_result(format!("path {path}"))
                },
            ),
            route(
                "edit",
                "GET",
                "/files/<path:p>/edit",
                |_r, mut p: PathParams| async move {
                    let path: String = p.take("p")?;
                    into_http_result(format!("edit {path}"))
                },
            ),
            route(
                "kind",
                "GET",
                "/kind/<any(about, help):page>",
                |_r, mut p: PathParams| async move {
                    let page: String = p.take("page")?;
                    into_http_result(format!("any {page}"))
                },
            ),
            route(
                "string",
                "GET",
                "/str/<name>",
                |r: Request, mut p: PathParams| async move {
                    let name: String = p.take("name")?;
                    assert_eq!(r.path_values(), [("name".to_owned(), name.clone())]);
                    into_http_result(format!("string {name}"))
                },
            ),
            route(
                "small",
                "GET",
                "/small/<int:n>",
                |_r, mut p: PathParams| async move {
                    let n: u8 = p.take("n")?;
                    into_http_result(format!("u8 {n}"))
                },
            ),
            route("a_int", "GET", "/a/<int:n>", |_r, _p| async move {
                into_http_result("a int")
            }),
            route("a_str", "GET", "/a/<name>", |_r, _p| async move {
                into_http_result("a string")
            }),
            route("a_static", "GET", "/a/static", |_r, _p| async move {
                into_http_result("a static")
            }),
            route(
                "multi_write",
                "POST,PUT",
                "/multi",
                |r: Request, _p| async move { into_http_result(format!("write {}", r.method())) },
            ),
            route("multi_read", "GET", "/multi", |r: Request, _p| async move {
                into_http_result(format!("read {}", r.method()))
            }),
            route("slash", "GET", "/slash/", |_r, _p| async move {
                into_http_result("slash")
            }),
            route("echo", "POST", "/echo", |r: Request, _p| async move {
                into_http_result(format!("received: {}", r.text()?))
            }),
            route("json", "POST", "/json", |r: Request, _p| async move {
                let v: serde_json::Value = r.json()?;
                into_http_result(format!("name={}", v["name"].as_str().unwrap_or("?")))
            }),
            route("query", "GET", "/query", |r: Request, _p| async move {
                into_http_result(format!(
                    "q={:?} all={:?} raw={} ua={}",
                    r.query_param("q"),
                    r.query_params("x"),
                    r.query_string(),
                    r.header("user-agent").unwrap_or("")
                ))
            }),
        ]
    })
}

#[tokio::test]
async fn converters_of_each_type() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![router()]).await;
    let cases = [
        ("/get/42", 200, "int 42"),
        ("/get/007", 200, "int 7"),
        ("/get/abc", 404, ""),
        ("/get/-1", 404, ""),
        ("/get/1.5", 404, ""),
        ("/get/", 404, ""),
        ("/signed/-17", 200, "signed -17"),
        ("/signed/17", 200, "signed 17"),
        ("/float/1.5", 200, "float 1.5"),
        ("/float/2", 404, ""),
        ("/float/-1.5", 404, ""),
        ("/sfloat/-0.25", 200, "sfloat -0.25"),
        (
            "/uuid/a0b1c2d3-e4f5-6789-abcd-ef0123456789",
            200,
            "uuid a0b1c2d3-e4f5-6789-abcd-ef0123456789",
        ),
        (
            "/uuid/A0B1C2D3-E4F5-6789-ABCD-EF0123456789",
            200,
            "uuid a0b1c2d3-e4f5-6789-abcd-ef0123456789",
        ),
        ("/uuid/not-a-uuid", 404, ""),
        ("/files/a/b/c.txt", 200, "path a/b/c.txt"),
        ("/files/x", 200, "path x"),
        ("/files/a/b/edit", 200, "edit a/b"),
        ("/files/", 404, ""),
        ("/kind/help", 200, "any help"),
        ("/kind/other", 404, ""),
        ("/str/hell%C3%B8%20w", 200, "string hellø w"),
        ("/str/a/b", 404, ""),
        ("/small/255", 200, "u8 255"),
        ("/small/300", 404, ""),
        ("/a/static", 200, "a static"),
        ("/a/5", 200, "a int"),
        ("/a/x", 200, "a string"),
    ];
    for (path, status, body) in cases {
        let r = get(addr, path).await;
        assert_eq!(r.status(), status, "{path}: {r:?}");
        if status == 200 {
            assert_eq!(r.text(), body, "{path}");
            assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        } else {
            assert_eq!(r.status_line, "HTTP/1.1 404 Not Found");
            assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
            assert!(r.text().contains("<title>404 Not Found</title>"), "{path}");
        }
    }
    runner.stop().await;
}

#[tokio::test]
async fn not_found_and_method_not_allowed() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![router()]).await;
    let r = get(addr, "/nowhere").await;
    assert_eq!(r.status_line, "HTTP/1.1 404 Not Found");
    assert_eq!(
        r.text(),
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n"
    );

    let r = curl(addr, "DELETE", "/get/1", None).await;
    assert_eq!(r.status_line, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    assert!(
        r.text()
            .contains("The method is not allowed for the requested URL.")
    );

    // two rules on one path: the methods of both are allowed
    let r = curl(addr, "PATCH", "/multi", None).await;
    assert_eq!(r.status(), 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, POST, PUT"));
    assert_eq!(
        curl(addr, "PUT", "/multi", Some("")).await.text(),
        "write PUT"
    );
    assert_eq!(
        curl(addr, "POST", "/multi", Some("x")).await.text(),
        "write POST"
    );
    assert_eq!(get(addr, "/multi").await.text(), "read GET");

    // no automatic OPTIONS, as werkzeug's Map
    let r = curl(addr, "OPTIONS", "/get/1", None).await;
    assert_eq!(r.status(), 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    // a method on a path no rule matches is a 404, not a 405
    assert_eq!(curl(addr, "DELETE", "/nowhere", None).await.status(), 404);
    runner.stop().await;
}

#[tokio::test]
async fn head_is_get_without_body() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![router()]).await;
    let r = curl(addr, "HEAD", "/get/42", None).await;
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("content-length"), Some("6"));
    assert!(r.body.is_empty());
    runner.stop().await;
}

#[tokio::test]
async fn trailing_slash_redirects() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![router()]).await;
    let r = get(addr, "/slash?a=1").await;
    assert_eq!(r.status_line, "HTTP/1.1 308 Permanent Redirect");
    assert_eq!(
        r.header("location"),
        Some(format!("http://{addr}/slash/?a=1").as_str())
    );
    assert_eq!(get(addr, "/slash/").await.text(), "slash");
    // the other way round is a 404, as werkzeug
    assert_eq!(get(addr, "/multi/").await.status(), 404);
    runner.stop().await;
}

#[tokio::test]
async fn bodies_and_queries_through_reqwest() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![router()]).await;
    let client = reqwest::Client::new();
    let text = "hellø wörld ✓ 你好";
    let r = client
        .post(format!("http://{addr}/echo"))
        .body(text)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let expected = format!("received: {text}");
    assert_eq!(r.content_length(), Some(expected.len() as u64));
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), expected);

    // a body that is not UTF-8, read with text(): 400 as Nameko's BadRequest
    let r = client
        .post(format!("http://{addr}/echo"))
        .body(vec![0xff, 0xfe])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(
        body.starts_with("Error: BadRequest: request body is not valid UTF-8"),
        "{body}"
    );

    let r = client
        .post(format!("http://{addr}/json"))
        .json(&serde_json::json!({"name": "ünïcode"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "name=ünïcode");
    let r = client
        .post(format!("http://{addr}/json"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .starts_with("Error: BadRequest: request body is not the JSON expected")
    );

    let r = client
        .get(format!("http://{addr}/query?q=a+b&x=1&x=%C3%A9"))
        .header("user-agent", "tester/1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        r#"q=Some("a b") all=["1", "é"] raw=q=a+b&x=1&x=%C3%A9 ua=tester/1"#
    );
    runner.stop().await;
}

#[tokio::test]
async fn keep_alive_connections_serve_many_requests() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![router()]).await;
    let client = reqwest::Client::new();
    for i in 0..20 {
        let r = client
            .get(format!("http://{addr}/get/{i}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), format!("int {i}"));
    }
    runner.stop().await;
}

#[tokio::test]
async fn health_endpoints_unless_a_route_claims_the_path() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![router()]).await;
    let r = get(addr, "/health/live").await;
    assert_eq!((r.status(), r.text().as_str()), (200, "ok"));
    // No broker here: every shared resource (the web server) is ready.
    let r = get(addr, "/health/ready").await;
    assert_eq!((r.status(), r.text().as_str()), (200, "ready"));
    assert_eq!(
        curl(addr, "POST", "/health/live", Some("")).await.status(),
        404
    );
    runner.stop().await;

    let claims = TestService::new("claims", || {
        vec![route(
            "own_live",
            "GET",
            "/health/live",
            |_r, _p: PathParams| async move { into_http_result("mine") },
        )]
    });
    let (runner, addr) = start(config(), vec![claims]).await;
    assert_eq!(get(addr, "/health/live").await.text(), "mine");
    assert_eq!(get(addr, "/health/ready").await.status(), 200);
    runner.stop().await;
}
