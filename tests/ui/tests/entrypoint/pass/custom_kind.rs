//! A kind defined next to the service, with `expected_exceptions` and
//! `sensitive_arguments`: the options reach `into_entrypoint`, and `describe` shows them.
#![deny(warnings)]

use std::sync::Arc;

use nameko::entrypoint::{IntoEntrypoint, Method, describe_entrypoint};
use nameko::{Entrypoint, Extension, Service, Value, async_trait, entrypoint, rpc, service};

/// Messages sent to inbox `name` (never started here).
pub struct Inbox(String);

pub fn inbox(name: &str) -> Inbox {
    Inbox(name.to_owned())
}

struct InboxEntrypoint {
    inbox: String,
    method: Method,
}

impl IntoEntrypoint for Inbox {
    fn into_entrypoint(self, method: Method) -> Box<dyn Entrypoint> {
        Box::new(InboxEntrypoint {
            inbox: self.0,
            method,
        })
    }
}

impl Extension for InboxEntrypoint {}

#[async_trait]
impl Entrypoint for InboxEntrypoint {
    fn method_name(&self) -> &str {
        self.method.name
    }

    fn kind(&self) -> &'static str {
        "inbox"
    }

    fn describe(&self) -> Value {
        let mut d = describe_entrypoint("inbox", self.method.name, Some(&self.method.options));
        d.insert("inbox".into(), Value::from(self.inbox.as_str()));
        Value::Object(d)
    }
}

#[derive(Debug)]
pub struct Invalid;

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid")
    }
}

impl std::error::Error for Invalid {}

pub struct Shop;

#[service(name = "shop")]
impl Shop {
    #[entrypoint(
        inbox("orders"),
        expected_exceptions(Invalid, std::io::Error),
        sensitive_arguments("card")
    )]
    async fn on_order(&self, order: u64, card: String) -> Result<u64, Invalid> {
        if card.is_empty() {
            Err(Invalid)
        } else {
            Ok(order)
        }
    }

    #[entrypoint(self::inbox(&format!("{}-{}", "audit", 1)))]
    async fn audit(&self) {}

    #[rpc]
    async fn ping(&self) -> &'static str {
        "pong"
    }
}

fn main() {
    let service = Arc::new(Shop);
    let described: Vec<Value> = Service::entrypoints(&service)
        .iter()
        .map(|e| e.describe())
        .collect();
    assert_eq!(described[0]["kind"], "inbox");
    assert_eq!(described[0]["method"], "on_order");
    assert_eq!(described[0]["inbox"], "orders");
    assert_eq!(described[0]["params"], nameko::json!(["order", "card"]));
    assert_eq!(
        described[0]["expected_exceptions"],
        nameko::json!(["Invalid", "std::io::Error"])
    );
    assert_eq!(described[0]["sensitive_arguments"], nameko::json!(["card"]));
    assert_eq!(described[1]["inbox"], "audit-1");
    assert_eq!(described[2]["kind"], "rpc");
}
