//! A service with several `#[rpc]` methods of the shapes the macro supports.
#![deny(warnings)]

use std::collections::HashMap;
use std::fmt;

use nameko::{RemoteError, rpc, service};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct Point {
    pub x: i64,
    pub y: i64,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub count: usize,
}

/// An error with its own conversion into a remote error.
#[derive(Debug)]
pub struct NotFound(pub String);

impl From<NotFound> for RemoteError {
    fn from(err: NotFound) -> Self {
        RemoteError::new("NotFound", err.0)
    }
}

/// An error with only `Display` (and `Error`).
#[derive(Debug)]
pub struct Invalid;

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid input")
    }
}

impl std::error::Error for Invalid {}

pub struct ServiceX {
    prefix: String,
}

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn remote_method(&self, value: String, count: Option<u32>) -> String {
        format!("{}{value}{}", self.prefix, count.unwrap_or(0))
    }

    #[rpc]
    async fn sum(&self, values: Vec<i64>, point: Point) -> i64 {
        values.iter().sum::<i64>() + point.x + point.y
    }

    #[rpc]
    async fn echo(
        &self,
        r#type: serde_json::Value,
        _unused: Option<bool>,
        mut n: u8,
    ) -> serde_json::Value {
        n += 1;
        serde_json::json!({ "type": r#type, "n": n })
    }

    #[rpc]
    async fn lookup(&self, key: String) -> Result<Summary, NotFound> {
        if key.is_empty() {
            return Err(NotFound(key));
        }
        Ok(Summary { count: key.len() })
    }

    #[rpc]
    async fn validate(&self, input: HashMap<String, (u8, [u8; 2])>) -> Result<(), Invalid> {
        if input.is_empty() {
            Err(Invalid)
        } else {
            Ok(())
        }
    }

    #[rpc]
    async fn io_result(&self) -> std::io::Result<Vec<u8>> {
        Ok(self.helper())
    }

    #[rpc]
    async fn remote(&self) -> Result<u8, RemoteError> {
        Err(RemoteError::new("ValueError", "nope"))
    }

    #[rpc]
    async fn nothing(&self) {}

    #[nameko::rpc]
    async fn qualified(&self) -> &'static str {
        "qualified"
    }

    /// A helper without a marker: left alone.
    fn helper(&self) -> Vec<u8> {
        self.prefix.as_bytes().to_vec()
    }
}

fn main() {
    use nameko::Service;
    use std::sync::Arc;

    let service = Arc::new(ServiceX {
        prefix: String::new(),
    });
    assert_eq!(service.name(), "service_x");
    let names: Vec<String> = service
        .entrypoints()
        .iter()
        .map(|e| e.method_name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "remote_method",
            "sum",
            "echo",
            "lookup",
            "validate",
            "io_result",
            "remote",
            "nothing",
            "qualified"
        ]
    );
    assert!(service.dependencies().is_empty());
}
