//! The nameko-rs guide. Each chapter is a markdown file in `docs/guide/`, included here so
//! that `cargo test -p nameko-docs` compiles every Rust block in it.

#[doc = include_str!("../guide/getting-started.md")]
pub mod getting_started {}

#[doc = include_str!("../guide/rpc.md")]
pub mod rpc {}

#[doc = include_str!("../guide/events.md")]
pub mod events {}

#[doc = include_str!("../guide/timer.md")]
pub mod timer {}

#[doc = include_str!("../guide/dependencies.md")]
pub mod dependencies {}

#[doc = include_str!("../guide/errors.md")]
pub mod errors {}

#[doc = include_str!("../guide/production.md")]
pub mod production {}

#[doc = include_str!("../guide/configuration.md")]
pub mod configuration {}

#[doc = include_str!("../guide/migrating-from-python.md")]
pub mod migrating_from_python {}
