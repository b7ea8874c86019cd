//! The nameko-rs guide and READMEs. Each chapter is a markdown file in `docs/guide/` (and
//! `docs/zh/`), included here so that `cargo test -p nameko-docs` compiles every Rust block
//! in it; the READMEs of the repository and of each crate are included the same way.

#[doc = include_str!("../../README.md")]
pub mod readme {}

#[doc = include_str!("../guide/getting-started.md")]
pub mod getting_started {}

#[doc = include_str!("../guide/rpc.md")]
pub mod rpc {}

#[doc = include_str!("../guide/typed-clients.md")]
pub mod typed_clients {}

#[doc = include_str!("../guide/events.md")]
pub mod events {}

#[doc = include_str!("../guide/http.md")]
pub mod http {}

#[doc = include_str!("../guide/timer.md")]
pub mod timer {}

#[doc = include_str!("../guide/dependencies.md")]
pub mod dependencies {}

#[doc = include_str!("../guide/dependencies-with-state.md")]
pub mod dependencies_with_state {}

#[doc = include_str!("../guide/databases.md")]
pub mod databases {}

#[doc = include_str!("../guide/messaging.md")]
pub mod messaging {}

#[doc = include_str!("../guide/failures.md")]
pub mod failures {}

#[doc = include_str!("../guide/writing-an-entrypoint.md")]
pub mod writing_an_entrypoint {}

#[doc = include_str!("../guide/testing.md")]
pub mod testing {}

#[doc = include_str!("../guide/errors.md")]
pub mod errors {}

#[doc = include_str!("../guide/production.md")]
pub mod production {}

#[doc = include_str!("../guide/observability.md")]
pub mod observability {}

#[doc = include_str!("../guide/configuration.md")]
pub mod configuration {}

#[doc = include_str!("../guide/operations.md")]
pub mod operations {}

#[doc = include_str!("../guide/migrating-from-python.md")]
pub mod migrating_from_python {}

/// 中文文档 (Chinese pages).
pub mod zh {
    #[doc = include_str!("../zh/built-in-extensions.md")]
    pub mod built_in_extensions {}
}

/// The README of each published crate.
pub mod crates {
    #[doc = include_str!("../../nameko/README.md")]
    pub mod nameko {}

    #[doc = include_str!("../../nameko-core/README.md")]
    pub mod nameko_core {}

    #[doc = include_str!("../../nameko-macros/README.md")]
    pub mod nameko_macros {}

    #[doc = include_str!("../../nameko-amqp/README.md")]
    pub mod nameko_amqp {}

    #[doc = include_str!("../../nameko-web/README.md")]
    pub mod nameko_web {}

    #[doc = include_str!("../../nameko-rule/README.md")]
    pub mod nameko_rule {}

    #[doc = include_str!("../../nameko-timer/README.md")]
    pub mod nameko_timer {}

    #[doc = include_str!("../../nameko-cli/README.md")]
    pub mod nameko_cli {}

    #[doc = include_str!("../../nameko-sqlx/README.md")]
    pub mod nameko_sqlx {}

    #[doc = include_str!("../../nameko-redis/README.md")]
    pub mod nameko_redis {}
}
