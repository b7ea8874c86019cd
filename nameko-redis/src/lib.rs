#![doc = include_str!("../README.md")]

mod client;
mod error;
mod settings;

pub use client::Redis;
pub use error::RedisError;
pub use settings::{
    DEFAULT_CONNECTION_TIMEOUT, DEFAULT_RECONNECT_RETRIES, DEFAULT_RESPONSE_TIMEOUT, REDIS_OPTIONS,
    REDIS_URIS,
};

/// The redis-rs crate this one is built on, so a service uses the matching version:
/// `use nameko_redis::redis::AsyncCommands;`.
pub use redis;
