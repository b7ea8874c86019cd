//! Runs the shop: `gateway`, `orders`, `notifications` and `reporter` in one process.
//!
//! ```text
//! cargo run -p example-orders -- --config examples/orders/config.yaml
//! ```
//!
//! Before starting the services it creates the orders table (`schema.sql`) in the database
//! of `DB_URIS.orders`.

use std::process::ExitCode;

use clap::Parser;
use example_orders::{Gateway, Keys, Notifications, Orders, Reporter, ensure_schema};
use nameko::cli::RunArgs;
use nameko::postgres::sqlx;

/// Connects to `DB_URIS.orders` and creates the table.
fn prepare_database(args: &RunArgs) -> Result<(), String> {
    let config = args.load_config().map_err(|e| e.to_string())?;
    let uri: String = config
        .get_as("DB_URIS")
        .map_err(|e| e.to_string())?
        .and_then(|uris: std::collections::HashMap<String, String>| uris.get("orders").cloned())
        .ok_or("the config has no DB_URIS.orders")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(&uri)
            .await
            .map_err(|e| format!("cannot connect to DB_URIS.orders: {e}"))?;
        ensure_schema(&pool)
            .await
            .map_err(|e| format!("cannot create the orders table: {e}"))?;
        pool.close().await;
        Ok(())
    })
}

fn main() -> ExitCode {
    let args = RunArgs::parse();
    if !args.describe
        && let Err(e) = prepare_database(&args)
    {
        eprintln!("example-orders: error: {e}");
        return ExitCode::FAILURE;
    }
    nameko::cli::run_with_args("example-orders", args, |runner| {
        // Where the shop keeps its keys in Redis (`SHOP_KEY_PREFIX`, default `shop`).
        let keys = match runner.config().get_as::<String>("SHOP_KEY_PREFIX")? {
            Some(prefix) => Keys::new(prefix),
            None => Keys::default(),
        };
        runner.add_service(Orders::default())?;
        runner.add_service(Notifications::new(keys.clone()))?;
        runner.add_service(Reporter::new(keys))?;
        runner.add_service(Gateway::default())?;
        Ok(())
    })
}
