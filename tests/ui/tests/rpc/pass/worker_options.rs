//! `expected_exceptions` and `sensitive_arguments` on `#[rpc]`, in both forms, with
//! qualified and generic error types.
#![deny(warnings)]

use std::fmt;

use nameko::{RemoteError, rpc, service};
use serde::Deserialize;

#[derive(Debug)]
pub struct NotFound(pub String);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not found: {}", self.0)
    }
}

impl std::error::Error for NotFound {}

pub mod errors {
    use std::fmt;

    /// A generic error, named with a turbofish.
    #[derive(Debug)]
    pub struct Wrapper<T>(pub T);

    impl<T: fmt::Debug> fmt::Display for Wrapper<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "wrapped {:?}", self.0)
        }
    }

    impl<T: fmt::Debug> std::error::Error for Wrapper<T> {}
}

#[derive(Debug, Deserialize)]
pub struct Card {
    pub number: String,
    pub history: Vec<u32>,
}

pub struct Accounts;

#[service(name = "accounts")]
impl Accounts {
    #[rpc(
        expected_exceptions(NotFound, std::io::Error, errors::Wrapper::<u8>),
        sensitive_arguments("password", "card.number", "card.history[0]")
    )]
    async fn login(&self, username: String, password: String, card: Card) -> Result<(), NotFound> {
        let _ = (password, card.number, card.history);
        Err(NotFound(username))
    }

    #[rpc(expected_exceptions = NotFound, sensitive_arguments = "token")]
    async fn check(&self, token: String) -> Result<bool, RemoteError> {
        Ok(token.is_empty())
    }

    #[rpc(expected_exceptions = (NotFound, RemoteError), sensitive_arguments = ("a", "b"))]
    async fn pair(&self, a: String, b: String) -> String {
        a + &b
    }

    #[rpc(expected_exceptions())]
    async fn nothing_expected(&self) {}
}

fn main() {}
