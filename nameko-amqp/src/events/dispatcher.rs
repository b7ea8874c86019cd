//! Publishing events: [`EventDispatcher`] (a dependency) and [`StandaloneDispatcher`]
//! (Nameko's `event_dispatcher(config)`, for code outside any service).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use lapin::ExchangeKind;
use lapin::options::ExchangeDeclareOptions;
use lapin::types::FieldTable;
use nameko_core::context::ContextData;
use nameko_core::{
    BoxError, Config, ContainerHandle, DependencyProvider, Extension, RemoteError, WorkerContext,
};
use serde::Serialize;
use serde_json::Value;
use tracing::Instrument;

use crate::connection::AmqpConnection;
use crate::error::AmqpError;
use crate::outgoing::{Outgoing, Sending};
use crate::wire;

/// Why an event could not be dispatched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// The payload could not be encoded as JSON.
    #[error("cannot encode the payload of event `{event_type}` as JSON: {source}")]
    Encode {
        /// The event type.
        event_type: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// The dispatcher was used where no connection is available.
    #[error("EventDispatcher is not connected: use it inside a worker of a started service")]
    NotConnected,
    /// The broker could not be reached, or did not confirm the event.
    #[error(transparent)]
    Amqp(#[from] AmqpError),
}

impl nameko_core::ToRemoteError for DispatchError {
    fn to_remote_error(&self) -> RemoteError {
        RemoteError::new("EventDispatchError", self.to_string())
            .with_path("nameko_amqp.events.DispatchError")
    }
}

impl From<DispatchError> for RemoteError {
    fn from(err: DispatchError) -> RemoteError {
        nameko_core::ToRemoteError::to_remote_error(&err)
    }
}

/// Publishes events of one source service to `<service>.events`, declaring that exchange
/// once per connection.
#[derive(Debug)]
struct Publisher {
    connection: Arc<AmqpConnection>,
    auto_delete: bool,
    declared: Mutex<HashSet<String>>,
}

impl Publisher {
    fn new(connection: Arc<AmqpConnection>, config: &Config) -> Self {
        let auto_delete = config
            .get(wire::AUTO_DELETE_EVENT_EXCHANGES)
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Publisher {
            connection,
            auto_delete,
            declared: Mutex::new(HashSet::new()),
        }
    }

    async fn dispatch(
        &self,
        source: &str,
        event_type: &str,
        payload: &impl Serialize,
        context: &ContextData,
    ) -> Result<(), DispatchError> {
        let body = serde_json::to_vec(payload).map_err(|source| DispatchError::Encode {
            event_type: event_type.to_owned(),
            source,
        })?;
        let exchange = wire::events_exchange(source);
        let known = lock(&self.declared).contains(&exchange);
        if !known {
            declare_events_exchange(&self.connection, &exchange, self.auto_delete).await?;
            lock(&self.declared).insert(exchange.clone());
        }
        let (span, properties) =
            Outgoing::new(Sending::Event, &exchange, event_type, context).build();
        self.connection
            .publish(&exchange, event_type, false, &body, properties)
            .instrument(span)
            .await?;
        tracing::debug!(target: "nameko_amqp::events", %exchange, %event_type, "dispatched");
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Declares `<service>.events`: topic, durable.
pub(crate) async fn declare_events_exchange(
    connection: &AmqpConnection,
    exchange: &str,
    auto_delete: bool,
) -> Result<(), AmqpError> {
    // A channel of its own: a failed declare closes its channel, never the publisher's.
    let channel = connection.create_channel().await?;
    let declared = declare_events_exchange_on(&channel, exchange, auto_delete).await;
    crate::connection::close_channel(&channel, "OK").await;
    declared
}

/// Declares `<service>.events` on `channel`: topic, durable.
pub(crate) async fn declare_events_exchange_on(
    channel: &lapin::Channel,
    exchange: &str,
    auto_delete: bool,
) -> Result<(), AmqpError> {
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                auto_delete,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(AmqpError::op(format!("exchange.declare {exchange}")))
}

/// A dependency that dispatches events from its service, Nameko's `EventDispatcher()`.
///
/// Events go to the exchange `<service>.events` with the event type as routing key,
/// persistent, carrying the worker's context data and call-id stack; `dispatch` returns
/// once the broker has confirmed the event.
///
/// ```
/// use nameko_amqp::{DispatchError, EventDispatcher};
/// use nameko_core::{rpc, service};
/// use serde_json::Value;
///
/// pub struct ServiceA {
///     dispatch: EventDispatcher,
/// }
///
/// #[service(name = "service_a", dependencies(dispatch))]
/// impl ServiceA {
///     #[rpc]
///     async fn dispatching_method(&self, payload: Value) -> Result<(), DispatchError> {
///         self.dispatch.dispatch("event_type", &payload).await
///     }
/// }
/// ```
#[derive(Debug, Default)]
pub struct EventDispatcher {
    state: OnceLock<(Arc<str>, Arc<Publisher>)>,
    /// The test double events go to instead, once replaced.
    #[cfg(feature = "testing")]
    fake: OnceLock<crate::testing::FakeEventDispatcher>,
}

impl EventDispatcher {
    /// A dispatcher for the service it belongs to.
    pub fn new() -> Self {
        Self::default()
    }

    async fn state(&self) -> Result<(Arc<str>, Arc<Publisher>), DispatchError> {
        if let Some((s, p)) = self.state.get() {
            return Ok((Arc::clone(s), Arc::clone(p)));
        }
        let container = WorkerContext::current()
            .and_then(|ctx| ctx.container().cloned())
            .ok_or(DispatchError::NotConnected)?;
        let state = container_publisher(&container).await?;
        let (s, p) = self.state.get_or_init(|| state);
        Ok((Arc::clone(s), Arc::clone(p)))
    }

    /// Dispatches `payload` as an event of type `event_type` and waits for the broker's
    /// confirm.
    pub async fn dispatch(
        &self,
        event_type: &str,
        payload: &impl Serialize,
    ) -> Result<(), DispatchError> {
        #[cfg(feature = "testing")]
        if let Some(fake) = self.fake.get() {
            return fake.dispatch(event_type, payload);
        }
        let (service, publisher) = self.state().await?;
        let context = WorkerContext::current()
            .map(|ctx| ctx.outgoing_data())
            .unwrap_or_default();
        publisher
            .dispatch(&service, event_type, payload, &context)
            .await
    }
}

/// The publisher shared by the dispatchers of one container.
#[derive(Debug)]
struct ContainerPublisher(Arc<Publisher>);

#[nameko_core::async_trait]
impl nameko_core::Resource for ContainerPublisher {}

async fn container_publisher(
    container: &ContainerHandle,
) -> Result<(Arc<str>, Arc<Publisher>), AmqpError> {
    let connection = AmqpConnection::shared(container).await?;
    let config = Arc::clone(container.config());
    let publisher = container
        .local()
        .get_or_try_init(|| async move {
            Ok::<_, AmqpError>(ContainerPublisher(Arc::new(Publisher::new(
                connection, &config,
            ))))
        })
        .await?;
    Ok((container.service_name_arc(), Arc::clone(&publisher.0)))
}

#[nameko_core::async_trait]
impl Extension for EventDispatcher {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        #[cfg(feature = "testing")]
        if self.fake.get().is_some() {
            return Ok(());
        }
        let state = container_publisher(container).await?;
        let _ = self.state.set(state);
        Ok(())
    }
}

impl DependencyProvider for EventDispatcher {
    /// With feature `testing`: turns the dispatcher into a
    /// [`FakeEventDispatcher`](crate::testing::FakeEventDispatcher) (the same one if it
    /// was turned already) and returns its handle. Events are then recorded there, with
    /// the worker's context data; `setup` connects to nothing. Without the feature:
    /// `None`.
    #[cfg(feature = "testing")]
    fn replace_with_double(&self) -> Option<Box<dyn std::any::Any + Send>> {
        let fake = self
            .fake
            .get_or_init(crate::testing::FakeEventDispatcher::new);
        Some(Box::new(fake.clone()))
    }
}

/// Dispatches events from outside any service, Nameko's standalone `event_dispatcher`.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use nameko_amqp::events::StandaloneDispatcher;
/// use nameko_core::Config;
///
/// let config = Config::new().with("AMQP_URI", "pyamqp://guest:guest@localhost");
/// let dispatcher = StandaloneDispatcher::connect(&config).await?;
/// dispatcher.dispatch("monitor", "ping", &serde_json::json!({"n": 1})).await?;
/// dispatcher.close().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StandaloneDispatcher {
    publisher: Publisher,
    context_data: ContextData,
}

impl StandaloneDispatcher {
    /// Connects to the broker of `config`.
    pub async fn connect(config: &Config) -> Result<Self, DispatchError> {
        let connection = Arc::new(AmqpConnection::connect(config).await?);
        Ok(StandaloneDispatcher {
            publisher: Publisher::new(connection, config),
            context_data: ContextData::new(),
        })
    }

    /// Context data sent as headers with every event.
    pub fn with_context_data(mut self, data: ContextData) -> Self {
        self.context_data = data;
        self
    }

    /// Dispatches an event as if `source_service` had, and waits for the broker's confirm.
    pub async fn dispatch(
        &self,
        source_service: &str,
        event_type: &str,
        payload: &impl Serialize,
    ) -> Result<(), DispatchError> {
        self.publisher
            .dispatch(source_service, event_type, payload, &self.context_data)
            .await
    }

    /// Closes the connection.
    pub async fn close(&self) {
        self.publisher.connection.close().await;
    }
}
