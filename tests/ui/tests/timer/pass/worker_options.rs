//! `expected_exceptions` on `#[timer]`, in both forms.
#![deny(warnings)]

use nameko::{RemoteError, service, timer};

pub struct Poller;

#[service(name = "poller")]
impl Poller {
    #[timer(interval = 1, expected_exceptions(RemoteError, std::io::Error))]
    async fn poll(&self) -> Result<(), RemoteError> {
        Ok(())
    }

    #[timer(5, eager = true, expected_exceptions = (std::io::Error,))]
    async fn sync(&self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {}
