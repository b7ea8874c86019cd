//! Unit tests of the seed's events services, as a user writes them: the dispatcher faked,
//! the handlers fired, no broker. They pass with RabbitMQ stopped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use example_events::{ListenerService, ServiceA, ServiceB};
use nameko::testing::{FakeEventDispatcher, entrypoint_hook, entrypoint_waiter, worker_factory};
use nameko::{Config, Value, json};

#[tokio::test]
async fn service_a_dispatches_the_payload() {
    let config = Config::new().with("AMQP_URI", "amqp://guest:guest@127.0.0.1:1/");
    let svc = worker_factory(ServiceA::default())
        .config(config)
        .await
        .unwrap();
    let dispatch: FakeEventDispatcher = svc.double("dispatch").unwrap();

    let out = entrypoint_hook(&svc, "dispatching_method", (json!({"n": 1}),))
        .context("user_id", "u1")
        .await
        .unwrap();
    assert_eq!(out, Value::Null);

    let events = dispatch.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "event_type");
    assert_eq!(events[0].payload, json!({"n": 1}));
    assert_eq!(events[0].source_service.as_deref(), Some("service_a"));
    assert_eq!(events[0].context_data["user_id"], "u1");
    let stack = events[0].context_data["call_id_stack"].as_array().unwrap();
    assert!(
        stack[0]
            .as_str()
            .unwrap()
            .starts_with("service_a.dispatching_method."),
        "{stack:?}"
    );
    svc.stop().await;
}

#[tokio::test]
async fn service_b_handles_an_event() {
    let svc = worker_factory(ServiceB).await.unwrap();
    // The handler's one parameter is the payload.
    let out = entrypoint_hook(&svc, "handle_event", ("hellø",))
        .await
        .unwrap();
    assert_eq!(out, Value::Null);

    let err = entrypoint_hook(&svc, "handle_event", ()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "IncorrectSignature handle_event() missing 1 required positional argument: 'payload'"
    );
    let err = entrypoint_hook(&svc, "handle_event", (1, 2))
        .await
        .unwrap_err();
    assert_eq!(err.exc_type(), Some("IncorrectSignature"));
}

#[tokio::test]
async fn an_event_from_a_reaches_b() {
    let a = worker_factory(ServiceA::default()).await.unwrap();
    let b = Arc::new(worker_factory(ServiceB).await.unwrap());
    let dispatch: FakeEventDispatcher = a.double("dispatch").unwrap();

    entrypoint_hook(&a, "dispatching_method", ("hellø",))
        .context("language", "fr")
        .await
        .unwrap();
    let event = dispatch.events_of("event_type").remove(0);

    // Deliver it to service_b as the broker would, headers and all, and wait for the
    // worker as a test of a running service would.
    let waiter = entrypoint_waiter(&*b, "handle_event")
        .unwrap()
        .timeout(Duration::from_secs(5));
    let delivered = {
        let b = Arc::clone(&b);
        tokio::spawn(async move {
            entrypoint_hook(&*b, "handle_event", (event.payload.clone(),))
                .context_data(event.context_data.clone())
                .await
        })
    };
    let done = waiter.await.unwrap();
    assert!(done.is_success());
    assert_eq!(done.context_data()["language"], "fr");
    assert!(done.call_id().starts_with("service_b.handle_event."));
    delivered.await.unwrap().unwrap();
}

#[tokio::test]
async fn listener_answers_a_ping() {
    let svc = worker_factory(ListenerService).await.unwrap();
    let waiter = entrypoint_waiter(&svc, "ping").unwrap();
    entrypoint_hook(&svc, "ping", (json!({}),)).await.unwrap();
    assert_eq!(waiter.await.unwrap().result(), Ok(&Value::Null));
}
