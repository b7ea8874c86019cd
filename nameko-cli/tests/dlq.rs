//! `nameko dlq list|show|replay|purge` against the real RabbitMQ: a handler with
//! `dead_letter = true` fails, its events land in `dlq-payments.on_paid`, the command
//! lists and shows them, replays them to the fixed handler (which consumes them), and
//! purges the queue.
#![allow(clippy::unwrap_used)] // helpers of the tests, outside `#[test]` functions

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use nameko_amqp::AmqpConnection;
use nameko_amqp::StandaloneDispatcher;
use nameko_amqp::dead_letters::DeadLetterQueue;
use nameko_core::{ServiceRunner, event_handler, service};
use nameko_integration_tests::eventually;
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

const NAMEKO: &str = env!("CARGO_BIN_EXE_nameko");

/// What the handler fails with.
#[derive(Debug, thiserror::Error)]
#[error("the ledger is down")]
pub struct LedgerDown;

/// Fails while `broken`; counts what it handled.
#[derive(Debug)]
pub struct Payments {
    broken: Arc<AtomicBool>,
    handled: Arc<AtomicUsize>,
}

#[service(name = "payments")]
impl Payments {
    #[event_handler("shop", "paid", dead_letter = true)]
    async fn on_paid(&self, _payment: Value) -> Result<(), LedgerDown> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(LedgerDown);
        }
        self.handled.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn nameko(vhost: &TestVhost, args: &[&str]) -> Output {
    Command::new(NAMEKO)
        .args(["--broker", &vhost.uri()])
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn ok_lines(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn dead_letters_are_listed_shown_replayed_to_the_fixed_handler_and_purged() {
    let vhost = TestVhost::create("cli-dlq").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let broken = Arc::new(AtomicBool::new(true));
    let handled = Arc::new(AtomicUsize::new(0));
    let mut runner = ServiceRunner::new(vhost.config());
    runner
        .add_service(Payments {
            broken: Arc::clone(&broken),
            handled: Arc::clone(&handled),
        })
        .unwrap();
    rt.block_on(runner.start()).unwrap();
    let config = vhost.config();
    let connection = Arc::new(rt.block_on(AmqpConnection::connect(&config)).unwrap());
    let dlq = DeadLetterQueue::new(Arc::clone(&connection), "dlq-payments.on_paid");
    rt.block_on(async {
        let d = StandaloneDispatcher::connect(&config).await.unwrap();
        for n in [1, 2] {
            d.dispatch("shop", "paid", &json!({"payment": n}))
                .await
                .unwrap();
        }
        d.close().await;
        assert!(
            eventually(Duration::from_secs(10), || async {
                dlq.len().await.unwrap_or(0) == 2
            })
            .await
        );
    });

    let listed = ok_lines(&nameko(&vhost, &["dlq", "list", "payments.on_paid"]));
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["exc_type"], "LedgerDown");
    assert_eq!(listed[0]["exc_message"], "the ledger is down");
    assert_eq!(listed[0]["attempts"], 1);
    assert_eq!(listed[0]["entrypoint"], "payments.on_paid");
    assert_eq!(listed[0]["original_exchange"], "shop.events");
    assert_eq!(listed[0]["original_routing_key"], "paid");
    assert_eq!(listed[0]["body"], json!({"payment": 1}));
    assert_eq!(listed[1]["body"], json!({"payment": 2}));

    let shown = ok_lines(&nameko(
        &vhost,
        &["dlq", "show", "dlq-payments.on_paid", "--limit", "1"],
    ));
    let shown = shown[0].as_array().unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(
        shown[0]["original_queue"],
        "evt-shop-paid--payments.on_paid"
    );
    assert_eq!(shown[0]["headers"]["x-nameko-exc-type"], "LedgerDown");
    assert_eq!(
        rt.block_on(dlq.len()).unwrap(),
        2,
        "list and show leave them"
    );

    // The handler is fixed: a replay brings both back to it.
    broken.store(false, Ordering::SeqCst);
    let replayed = ok_lines(&nameko(&vhost, &["dlq", "replay", "payments.on_paid"]));
    assert_eq!(replayed[0]["replayed"], 2, "{replayed:?}");
    assert_eq!(replayed[0]["left"], json!([]));
    rt.block_on(async {
        assert!(
            eventually(Duration::from_secs(10), || async {
                handled.load(Ordering::SeqCst) == 2
            })
            .await,
            "the fixed handler consumes the replayed events"
        );
    });
    assert_eq!(rt.block_on(dlq.len()).unwrap(), 0);

    // One more dead letter, purged.
    broken.store(true, Ordering::SeqCst);
    rt.block_on(async {
        let d = StandaloneDispatcher::connect(&config).await.unwrap();
        d.dispatch("shop", "paid", &json!({"payment": 3}))
            .await
            .unwrap();
        d.close().await;
        assert!(
            eventually(Duration::from_secs(10), || async {
                dlq.len().await.unwrap_or(0) == 1
            })
            .await
        );
    });
    let purged = ok_lines(&nameko(&vhost, &["dlq", "purge", "payments.on_paid"]));
    assert_eq!(purged[0]["purged"], 1);
    assert_eq!(rt.block_on(dlq.len()).unwrap(), 0);

    // A queue that does not exist is a clear error.
    let missing = nameko(&vhost, &["dlq", "list", "nobody.nothing"]);
    assert_eq!(missing.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("dlq-nobody.nothing"), "{stderr}");

    rt.block_on(async {
        connection.close().await;
        runner.stop().await;
    });
}
