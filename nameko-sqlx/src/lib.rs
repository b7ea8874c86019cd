#![doc = include_str!("../README.md")]

mod database;
mod error;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;

pub use database::{Database, WorkerTransaction};
pub use error::{DATABASE_ERROR_EXC_TYPE, DatabaseError};
pub use settings::{DB_POOL, DB_URIS, DEFAULT_ACQUIRE_TIMEOUT};

/// sqlx, as this crate uses it (its Postgres driver and tokio runtime), for queries.
pub use sqlx;
