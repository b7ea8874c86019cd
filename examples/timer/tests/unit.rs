//! Unit tests of the seed's timer service: one tick fired, without waiting for the
//! schedule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use example_timer::Service;
use nameko::Value;
use nameko::testing::{entrypoint_hook, entrypoint_waiter, worker_factory};

#[tokio::test]
async fn one_tick() {
    let svc = worker_factory(Service).await.unwrap();
    let waiter = entrypoint_waiter(&svc, "ping").unwrap();
    assert_eq!(
        entrypoint_hook(&svc, "ping", ()).await.unwrap(),
        Value::Null
    );
    assert!(waiter.await.unwrap().is_success());

    let err = entrypoint_hook(&svc, "ping", (1,)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "IncorrectSignature ping() takes 1 positional argument but 2 were given"
    );
}
