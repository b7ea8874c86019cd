//! Unit tests of the gateway with the broker-free test kit: `orders` and `notifications`
//! are fakes, no broker, no database, no port.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use example_orders::{Gateway, NewOrder, Order};
use nameko::testing::{FakeRpcProxy, fire_http, worker_factory};
use nameko::web::http::{Request, StatusCode};
use nameko::{RemoteError, Value, json};

fn ada() -> Order {
    Order {
        id: 7,
        customer: "ada".into(),
        item: "tea".into(),
        quantity: 2,
    }
}

#[tokio::test]
async fn post_orders_places_the_order_through_the_orders_service() {
    let svc = worker_factory(Gateway::default()).await.unwrap();
    let orders: FakeRpcProxy = svc.double("orders").unwrap();
    orders.answer("create_order", |(order,): (NewOrder,)| {
        Ok::<_, RemoteError>(Order {
            id: 7,
            customer: order.customer,
            item: order.item,
            quantity: order.quantity,
        })
    });
    let request = Request::post("/orders")
        .body(r#"{"customer": "ada", "item": "tea", "quantity": 2}"#)
        .unwrap();
    let response = fire_http(&svc, "create_order", request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.json::<Order>().unwrap(), ada());
    let call = orders.last_call().unwrap();
    assert_eq!(
        call.args_as::<(NewOrder,)>().unwrap().0,
        NewOrder {
            customer: "ada".into(),
            item: "tea".into(),
            quantity: 2
        }
    );
}

#[tokio::test]
async fn errors_become_json_with_the_status_that_fits() {
    let svc = worker_factory(Gateway::default()).await.unwrap();
    let orders: FakeRpcProxy = svc.double("orders").unwrap();

    // Not an order: 400, and the orders service is not called.
    let response = fire_http(
        &svc,
        "create_order",
        Request::post("/orders").body("{oops").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().unwrap()["error"], "BadRequest");
    assert!(orders.calls().is_empty());

    orders.fails(
        "create_order",
        RemoteError::new("InvalidOrder", "quantity must be at least 1, not 0"),
    );
    let response = fire_http(
        &svc,
        "create_order",
        Request::post("/orders")
            .body(r#"{"customer": "bob", "item": "tea", "quantity": 0}"#)
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().unwrap(),
        json!({"error": "InvalidOrder", "message": "quantity must be at least 1, not 0"})
    );

    orders.fails(
        "get_order",
        RemoteError::new("OrderNotFound", "order 42 not found"),
    );
    let response = fire_http(
        &svc,
        "get_order",
        Request::get("/orders/42").body(()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // A failure of the database behind `orders`: 502.
    orders.fails(
        "list_orders",
        RemoteError::new("DatabaseError", "connection refused"),
    );
    let response = fire_http(
        &svc,
        "list_orders",
        Request::get("/orders").body(()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn get_orders_lists_them() {
    let svc = worker_factory(Gateway::default()).await.unwrap();
    let orders: FakeRpcProxy = svc.double("orders").unwrap();
    orders.returns("list_orders", json!([ada()]));
    let response = fire_http(
        &svc,
        "list_orders",
        Request::get("/orders").body(()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Vec<Order>>().unwrap(), [ada()]);
}
