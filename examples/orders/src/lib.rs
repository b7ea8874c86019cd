//! The flagship example: a small shop of four services.
//!
//! - `gateway` (HTTP, JSON in and out): `POST /orders`, `GET /orders/<id>`, `GET /orders`,
//!   `GET /notifications`; it calls `orders` and `notifications` over typed RPC
//!   ([`OrdersClient`], [`NotificationsClient`]).
//! - `orders` (RPC): stores orders in Postgres ([`nameko::postgres::Database`], one
//!   transaction per worker, committed when the method succeeds) and dispatches
//!   `order_created`.
//! - `notifications` (event handler, `service_pool`): keeps a count and the last orders in
//!   Redis ([`nameko::redis::Redis`]).
//! - `reporter` (timer): every few seconds, logs how many orders Postgres holds and how many
//!   were notified, and keeps the last report in Redis.
//!
//! A Python Nameko service can join: `python/audit.py` handles `order_created` too.

use std::time::Duration;

use nameko::postgres::sqlx;
use nameko::postgres::{Database, DatabaseError};
use nameko::redis::redis::AsyncCommands;
use nameko::redis::{Redis, RedisError};
use nameko::web::http::StatusCode;
use nameko::web::{Response, ResponseFromError};
use nameko::{
    EventDispatcher, RemoteError, Request, RpcError, ToRemoteError, event_handler, http, rpc,
    service, timer,
};
use serde::{Deserialize, Serialize};

/// The orders table, created by [`ensure_schema`].
pub const SCHEMA: &str = include_str!("../schema.sql");

/// The key of `REDIS_URIS` the example uses.
pub const REDIS_KEY: &str = "notifications";

/// How many orders `notifications` remembers.
pub const RECENT: isize = 10;

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Its id, given by Postgres.
    pub id: i64,
    /// Who ordered.
    pub customer: String,
    /// What.
    pub item: String,
    /// How many (at least 1).
    pub quantity: i32,
}

/// A row of the orders table, as sqlx reads it.
type OrderRow = (i64, String, String, i32);

impl From<OrderRow> for Order {
    fn from((id, customer, item, quantity): OrderRow) -> Self {
        Order {
            id,
            customer,
            item,
            quantity,
        }
    }
}

/// An order to place: what `POST /orders` takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    /// Who orders.
    pub customer: String,
    /// What.
    pub item: String,
    /// How many (at least 1).
    pub quantity: i32,
}

/// An order that cannot be placed (`exc_type` `InvalidOrder`): the caller's mistake.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidOrder(pub String);

/// No such order (`exc_type` `OrderNotFound`).
#[derive(Debug, thiserror::Error)]
#[error("order {0} not found")]
pub struct OrderNotFound(pub i64);

/// What the `orders` service fails with. `InvalidOrder` and `OrderNotFound` are
/// `expected_exceptions` of its methods (logged at WARNING); the others are failures
/// (ERROR).
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The order is not valid.
    #[error("{0}")]
    Invalid(#[source] InvalidOrder),
    /// No such order.
    #[error("{0}")]
    NotFound(#[source] OrderNotFound),
    /// The database failed (`exc_type` `DatabaseError`).
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// `order_created` could not be dispatched (`exc_type` `DispatchError`).
    #[error("cannot dispatch order_created: {0}")]
    Dispatch(String),
}

impl From<sqlx::Error> for OrderError {
    fn from(error: sqlx::Error) -> Self {
        OrderError::Database(DatabaseError::from(error))
    }
}

impl ToRemoteError for OrderError {
    fn to_remote_error(&self) -> RemoteError {
        let exc_type = match self {
            OrderError::Invalid(_) => "InvalidOrder",
            OrderError::NotFound(_) => "OrderNotFound",
            OrderError::Database(e) => return e.to_remote_error(),
            OrderError::Dispatch(_) => "DispatchError",
        };
        RemoteError::new(exc_type, self.to_string())
    }
}

/// Creates the orders table if it is not there.
pub async fn ensure_schema(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(SCHEMA).execute(pool).await.map(|_| ())
}

/// Keys in Redis, under a prefix (so several shops can share one Redis).
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys under `prefix`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Keys {
            prefix: prefix.into(),
        }
    }

    /// The count of orders notified.
    pub fn count(&self) -> String {
        format!("{}:orders_notified", self.prefix)
    }

    /// The last orders notified, newest first (JSON).
    pub fn recent(&self) -> String {
        format!("{}:recent_orders", self.prefix)
    }

    /// The reporter's last report (JSON).
    pub fn report(&self) -> String {
        format!("{}:last_report", self.prefix)
    }
}

impl Default for Keys {
    fn default() -> Self {
        Keys::new("shop")
    }
}

/// `orders`: stores orders in Postgres and tells the others about new ones.
#[derive(Debug)]
pub struct Orders {
    /// The orders database (`DB_URIS.orders`).
    pub db: Database,
    /// Dispatches `order_created`.
    pub events: EventDispatcher,
}

impl Default for Orders {
    fn default() -> Self {
        Orders {
            db: Database::new(),
            events: EventDispatcher::new(),
        }
    }
}

#[service(name = "orders", dependencies(db, events))]
impl Orders {
    /// Stores `order` and dispatches `order_created` with it. The insert is committed
    /// before the caller gets the order; a failure after it (the dispatch) rolls it back.
    #[rpc(expected_exceptions(InvalidOrder))]
    pub async fn create_order(&self, order: NewOrder) -> Result<Order, OrderError> {
        if order.quantity < 1 {
            return Err(OrderError::Invalid(InvalidOrder(format!(
                "quantity must be at least 1, not {}",
                order.quantity
            ))));
        }
        if order.customer.trim().is_empty() || order.item.trim().is_empty() {
            return Err(OrderError::Invalid(InvalidOrder(
                "customer and item must not be empty".to_owned(),
            )));
        }
        let created: Order = {
            let mut tx = self.db.transaction().await?;
            sqlx::query_as::<_, OrderRow>(
                "INSERT INTO orders (customer, item, quantity) VALUES ($1, $2, $3) \
                 RETURNING id, customer, item, quantity",
            )
            .bind(&order.customer)
            .bind(&order.item)
            .bind(order.quantity)
            .fetch_one(&mut **tx)
            .await?
            .into()
        };
        self.events
            .dispatch("order_created", &created)
            .await
            .map_err(|e| OrderError::Dispatch(e.to_string()))?;
        Ok(created)
    }

    /// The order `id`.
    #[rpc(expected_exceptions(OrderNotFound))]
    pub async fn get_order(&self, id: i64) -> Result<Order, OrderError> {
        let pool = self.db.pool()?;
        sqlx::query_as::<_, OrderRow>(
            "SELECT id, customer, item, quantity FROM orders WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&pool)
        .await?
        .map(Order::from)
        .ok_or(OrderError::NotFound(OrderNotFound(id)))
    }

    /// The last `limit` orders, newest first.
    #[rpc]
    pub async fn list_orders(&self, limit: Option<i64>) -> Result<Vec<Order>, OrderError> {
        let pool = self.db.pool()?;
        let rows = sqlx::query_as::<_, OrderRow>(
            "SELECT id, customer, item, quantity FROM orders ORDER BY id DESC LIMIT $1",
        )
        .bind(limit.unwrap_or(20).clamp(1, 1000))
        .fetch_all(&pool)
        .await?;
        Ok(rows.into_iter().map(Order::from).collect())
    }

    /// How many orders there are.
    #[rpc]
    pub async fn count_orders(&self) -> Result<i64, OrderError> {
        let pool = self.db.pool()?;
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM orders")
            .fetch_one(&pool)
            .await?;
        Ok(n)
    }
}

/// `notifications`: remembers what was ordered, in Redis.
#[derive(Debug)]
pub struct Notifications {
    /// Redis (`REDIS_URIS.notifications`).
    pub cache: Redis,
    /// Where in Redis.
    pub keys: Keys,
}

impl Notifications {
    /// The service on `REDIS_URIS[REDIS_KEY]`, with `keys`.
    pub fn new(keys: Keys) -> Self {
        Notifications {
            cache: Redis::new(REDIS_KEY),
            keys,
        }
    }
}

#[service(name = "notifications", dependencies(cache))]
impl Notifications {
    /// One instance of the service handles each `order_created` (`service_pool`).
    #[event_handler("orders", "order_created")]
    pub async fn on_order_created(&self, order: Order) -> Result<(), RedisError> {
        let mut redis = self.cache.client()?;
        let json = serde_json::to_string(&order).unwrap_or_default();
        let recent = self.keys.recent();
        let _: () = redis.lpush(&recent, json).await?;
        let _: () = redis.ltrim(&recent, 0, RECENT - 1).await?;
        let notified: u64 = redis.incr(self.keys.count(), 1).await?;
        tracing::info!(order = order.id, customer = %order.customer, notified, "order notified");
        Ok(())
    }

    /// The orders notified last, newest first, and how many were notified in all.
    #[rpc]
    pub async fn recent(&self) -> Result<Recent, RedisError> {
        let mut redis = self.cache.client()?;
        let raw: Vec<String> = redis.lrange(self.keys.recent(), 0, RECENT - 1).await?;
        let notified: Option<u64> = redis.get(self.keys.count()).await?;
        Ok(Recent {
            notified: notified.unwrap_or(0),
            orders: raw
                .iter()
                .filter_map(|s| serde_json::from_str(s).ok())
                .collect(),
        })
    }
}

/// What `notifications.recent` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recent {
    /// Orders notified so far.
    pub notified: u64,
    /// The last ones, newest first.
    pub orders: Vec<Order>,
}

/// A report of the `reporter` timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Orders in Postgres.
    pub orders: i64,
    /// Orders notified (Redis).
    pub notified: u64,
}

/// What the `reporter` fails with.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `orders.count_orders` failed.
    #[error("cannot count orders: {0}")]
    Orders(#[from] RpcError),
    /// Redis failed.
    #[error(transparent)]
    Redis(#[from] RedisError),
}

impl From<nameko::redis::redis::RedisError> for ReportError {
    fn from(error: nameko::redis::redis::RedisError) -> Self {
        ReportError::Redis(RedisError::from(error))
    }
}

/// `reporter`: every few seconds, how many orders there are and how many were notified.
#[derive(Debug)]
pub struct Reporter {
    /// The `orders` service.
    pub orders: OrdersClient,
    /// Redis, where the last report is kept.
    pub cache: Redis,
    /// Where in Redis.
    pub keys: Keys,
}

impl Reporter {
    /// The reporter, with `keys`.
    pub fn new(keys: Keys) -> Self {
        Reporter {
            orders: OrdersClient::new().with_timeout(Duration::from_secs(10)),
            cache: Redis::new(REDIS_KEY),
            keys,
        }
    }
}

#[service(name = "reporter", dependencies(orders, cache))]
impl Reporter {
    /// Logs the counts, and keeps them in Redis.
    #[timer(interval = 2)]
    pub async fn report(&self) -> Result<(), ReportError> {
        let orders = self.orders.count_orders().await?;
        let mut redis = self.cache.client()?;
        let notified: Option<u64> = redis.get(self.keys.count()).await?;
        let report = Report {
            orders,
            notified: notified.unwrap_or(0),
        };
        tracing::info!(orders = report.orders, notified = report.notified, "report");
        let json = serde_json::to_string(&report).unwrap_or_default();
        let _: () = redis.set(self.keys.report(), json).await?;
        Ok(())
    }
}

/// What the gateway answers when a call fails: JSON `{"error": exc_type, "message": ...}`
/// with the status that fits.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The request body is not an order.
    #[error("{0}")]
    BadRequest(String),
    /// A service answered with an error, or could not be reached.
    #[error(transparent)]
    Rpc(#[from] RpcError),
}

impl ResponseFromError for GatewayError {
    fn response_from_error(&self) -> Response {
        let (status, error, message) = match self {
            GatewayError::BadRequest(m) => (StatusCode::BAD_REQUEST, "BadRequest", m.clone()),
            GatewayError::Rpc(RpcError::Remote(remote)) => {
                let status = match remote.exc_type.as_str() {
                    "InvalidOrder" => StatusCode::BAD_REQUEST,
                    "OrderNotFound" => StatusCode::NOT_FOUND,
                    _ => StatusCode::BAD_GATEWAY,
                };
                (status, remote.exc_type.as_str(), remote.value.clone())
            }
            GatewayError::Rpc(other) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                other.to_string(),
            ),
        };
        json_response(
            status,
            &serde_json::json!({ "error": error, "message": message }),
        )
    }
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match Response::json(body) {
        Ok(response) => response.with_status(status),
        Err(e) => Response::new(format!("cannot encode the response: {e}"))
            .with_status(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// `gateway`: the shop's HTTP API.
#[derive(Debug)]
pub struct Gateway {
    /// The `orders` service.
    pub orders: OrdersClient,
    /// The `notifications` service.
    pub notifications: NotificationsClient,
}

impl Default for Gateway {
    fn default() -> Self {
        Gateway {
            orders: OrdersClient::new().with_timeout(Duration::from_secs(10)),
            notifications: NotificationsClient::new().with_timeout(Duration::from_secs(10)),
        }
    }
}

#[service(name = "gateway", dependencies(orders, notifications))]
impl Gateway {
    /// Places the order in the body: `201` with the order.
    #[http("POST", "/orders")]
    pub async fn create_order(&self, request: Request) -> Result<Response, GatewayError> {
        let order: NewOrder = request
            .json()
            .map_err(|e| GatewayError::BadRequest(format!("not an order: {e}")))?;
        let created = self.orders.create_order(order).await?;
        Ok(json_response(StatusCode::CREATED, &created))
    }

    /// The order `id`, or `404`.
    #[http("GET", "/orders/<int:id>")]
    pub async fn get_order(&self, id: i64) -> Result<Response, GatewayError> {
        let order = self.orders.get_order(id).await?;
        Ok(json_response(StatusCode::OK, &order))
    }

    /// The last orders, newest first.
    #[http("GET", "/orders")]
    pub async fn list_orders(&self) -> Result<Response, GatewayError> {
        let orders = self.orders.list_orders(None).await?;
        Ok(json_response(StatusCode::OK, &orders))
    }

    /// What `notifications` remembers.
    #[http("GET", "/notifications")]
    pub async fn recent(&self) -> Result<Response, GatewayError> {
        let recent = self.notifications.recent().await?;
        Ok(json_response(StatusCode::OK, &recent))
    }
}
