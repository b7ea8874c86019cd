//! What an operator sees of a failed worker: an unexpected error or a panic at ERROR with
//! service, entrypoint, call id and the error's `source()` chain; an expected error at
//! WARNING; sensitive arguments never in the clear.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use nameko_core::worker::is_error;
use nameko_core::{
    Arguments, Call, CallArguments, Config, Entrypoint, EntrypointOptions, MethodError, Outcome,
    Service, ServiceContainer,
};
use serde_json::{Value, json};

struct Svc;

impl Service for Svc {
    fn name(&self) -> &str {
        "accounts"
    }
    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        Vec::new()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("account {0} not found")]
struct NotFound(u32);

#[derive(Debug, thiserror::Error)]
#[error("cannot reach the ledger")]
struct LedgerDown(#[source] std::io::Error);

/// Log lines written while the test runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
    }
}

fn call(options: &Arc<EntrypointOptions>) -> Call {
    let args: Arguments = serde_json::from_value(json!({
        "args": ["alice", "hunter2"],
        "kwargs": {"card": {"number": "4111111111111111", "holder": "Alice"}}
    }))
    .unwrap();
    Call::new("login", "rpc", options).arguments(CallArguments::Rpc(args))
}

#[tokio::test]
async fn failures_are_logged_at_their_level_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let c = ServiceContainer::new(Svc, Arc::new(Config::new()));
    c.start().await.unwrap();
    captured.take();
    let options = Arc::new(
        EntrypointOptions::new()
            .params(&["username", "password", "card"])
            .expected("NotFound", is_error::<NotFound>)
            .sensitive(["password", "card.number"]),
    );

    // An unexpected error: ERROR, with its source chain.
    let out = c
        .handle()
        .invoke(call(&options), async {
            Err::<Value, _>(MethodError::from_error(LedgerDown(std::io::Error::other(
                "connection refused",
            ))))
        })
        .await;
    assert!(matches!(out, Outcome::Failed(ref f) if !f.is_expected()));
    let log = captured.take();
    assert!(log.contains("ERROR"), "{log}");
    assert!(
        log.contains("error handling worker: cannot reach the ledger: connection refused"),
        "{log}"
    );
    assert!(log.contains("service=\"accounts\""), "{log}");
    assert!(log.contains("entrypoint=\"login\""), "{log}");
    assert!(log.contains("call_id=\"accounts.login."), "{log}");
    assert!(log.contains("exc_type=\"LedgerDown\""), "{log}");
    assert!(log.contains("\"username\":\"alice\""), "{log}");
    assert!(log.contains("\"password\":\"********\""), "{log}");
    assert!(log.contains("\"number\":\"********\""), "{log}");
    assert!(!log.contains("hunter2"), "{log}");
    assert!(!log.contains("4111111111111111"), "{log}");

    // An expected error: WARNING, not ERROR.
    let out = c
        .handle()
        .invoke(call(&options), async {
            Err::<Value, _>(MethodError::from_error(NotFound(3)))
        })
        .await;
    assert!(matches!(out, Outcome::Failed(ref f) if f.is_expected()));
    let log = captured.take();
    assert!(log.contains(" WARN "), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
    assert!(
        log.contains("(expected) error handling worker: account 3 not found"),
        "{log}"
    );
    assert!(!log.contains("hunter2"), "{log}");

    // A panic: ERROR with the location.
    let out = c
        .handle()
        .invoke(call(&options), async {
            if options.param_names().len() == 3 {
                panic!("ledger invariant broken");
            }
            Ok::<Value, MethodError>(Value::Null)
        })
        .await;
    assert!(matches!(out, Outcome::Failed(ref f) if f.is_panic()));
    let log = captured.take();
    assert!(log.contains("ERROR"), "{log}");
    assert!(
        log.contains("worker panicked: ledger invariant broken"),
        "{log}"
    );
    assert!(log.contains("failure_logging.rs:"), "{log}");
    assert!(!log.contains("hunter2"), "{log}");

    // A caller's mistake: WARNING.
    let out = c
        .handle()
        .invoke(call(&options), async {
            Err::<Value, _>(MethodError::from(
                nameko_core::RemoteError::incorrect_signature(
                    "login() takes 4 positional arguments but 5 were given",
                ),
            ))
        })
        .await;
    assert!(matches!(out, Outcome::Failed(_)));
    let log = captured.take();
    assert!(log.contains(" WARN ") && !log.contains("ERROR"), "{log}");

    c.stop().await;
}
