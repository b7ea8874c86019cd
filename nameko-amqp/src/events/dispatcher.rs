//! Publishing events: [`EventDispatcher`] (a dependency) and [`StandaloneDispatcher`]
//! (Nameko's `event_dispatcher(config)`, for code outside any service), both built on the
//! messaging [`Publisher`], as Nameko's `nameko/events.py` builds them.

use nameko_core::serialization::SerializationError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use nameko_core::context::ContextData;
use nameko_core::{
    BoxError, Config, ContainerHandle, DependencyProvider, Extension, RemoteError, WorkerContext,
};
use serde::Serialize;

use crate::connection::AmqpConnection;
use crate::error::AmqpError;
use crate::messaging::{Exchange, PublishOptions, Publisher};
use crate::settings::AmqpSettings;
use crate::wire;
use nameko_core::sync::lock;

/// Why an event could not be dispatched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// The payload could not be encoded with the configured serializer.
    #[error("cannot encode the payload of event `{event_type}`: {source}")]
    Encode {
        /// The event type.
        event_type: String,
        /// The serializer's error.
        #[source]
        source: SerializationError,
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

/// The exchange of `source`'s events: `<source>.events`, topic, durable, `auto_delete`
/// with `AUTO_DELETE_EVENT_EXCHANGES`.
pub(crate) fn events_exchange(source: &str, settings: &AmqpSettings) -> Exchange {
    Exchange::topic(wire::events_exchange(source)).auto_delete(settings.auto_delete_event_exchanges)
}

/// The events of one source service: a messaging [`Publisher`] to its `<source>.events`
/// exchange, as Nameko's `EventDispatcher` is a `Publisher`, which declares that exchange
/// before its first event. An event is published with its type as the routing key.
#[derive(Debug)]
struct SourceEvents {
    publisher: Publisher,
    connection: Arc<AmqpConnection>,
    declared: tokio::sync::OnceCell<()>,
}

impl SourceEvents {
    fn new(connection: Arc<AmqpConnection>, source: &str) -> Self {
        SourceEvents {
            publisher: Publisher::new()
                .exchange(events_exchange(source, connection.settings()))
                .sending_events(),
            connection,
            declared: tokio::sync::OnceCell::new(),
        }
    }

    async fn dispatch(
        &self,
        event_type: &str,
        payload: &impl Serialize,
        context: &ContextData,
    ) -> Result<(), DispatchError> {
        let body = self
            .connection
            .serializers()
            .serializer()
            .to_vec(payload)
            .map_err(|source| DispatchError::Encode {
                event_type: event_type.to_owned(),
                source,
            })?;
        self.declared
            .get_or_try_init(|| self.publisher.declare_on(&self.connection))
            .await?;
        let options = PublishOptions::new().routing_key(event_type);
        self.publisher
            .send_on(&self.connection, &body, &options, context)
            .await?;
        tracing::debug!(target: "nameko_amqp::events", %event_type, "dispatched");
        Ok(())
    }
}

/// A dependency that dispatches events from its service, Nameko's `EventDispatcher()`.
///
/// Events go to the exchange `<service>.events` with the event type as routing key,
/// persistent, carrying the worker's context data and call-id stack; `dispatch` returns
/// once the broker has confirmed the event. As in Nameko, it is a messaging
/// [`Publisher`] to that exchange (declared before the first event) that publishes each
/// event with its type as the routing key.
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
    events: OnceLock<Arc<SourceEvents>>,
    /// The test double events go to instead, once replaced.
    #[cfg(feature = "testing")]
    fake: OnceLock<crate::testing::FakeEventDispatcher>,
}

impl EventDispatcher {
    /// A dispatcher for the service it belongs to.
    pub fn new() -> Self {
        Self::default()
    }

    async fn events(&self) -> Result<Arc<SourceEvents>, DispatchError> {
        if let Some(events) = self.events.get() {
            return Ok(Arc::clone(events));
        }
        let container = WorkerContext::current()
            .and_then(|ctx| ctx.container().cloned())
            .ok_or(DispatchError::NotConnected)?;
        let events = container_events(&container).await?;
        Ok(Arc::clone(self.events.get_or_init(|| events)))
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
        let events = self.events().await?;
        let context = WorkerContext::current()
            .map(|ctx| ctx.outgoing_data())
            .unwrap_or_default();
        events.dispatch(event_type, payload, &context).await
    }
}

/// The events of a container's service, shared by its dispatchers.
#[derive(Debug)]
struct ContainerEvents(Arc<SourceEvents>);

#[nameko_core::async_trait]
impl nameko_core::Resource for ContainerEvents {}

async fn container_events(container: &ContainerHandle) -> Result<Arc<SourceEvents>, AmqpError> {
    let connection = AmqpConnection::shared(container).await?;
    let service = container.service_name_arc();
    let events = container
        .local()
        .get_or_try_init(|| async move {
            Ok::<_, AmqpError>(ContainerEvents(Arc::new(SourceEvents::new(
                connection, &service,
            ))))
        })
        .await?;
    Ok(Arc::clone(&events.0))
}

#[nameko_core::async_trait]
impl Extension for EventDispatcher {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        #[cfg(feature = "testing")]
        if self.fake.get().is_some() {
            return Ok(());
        }
        let events = container_events(container).await?;
        let _ = self.events.set(events);
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
    connection: Arc<AmqpConnection>,
    /// The events of each source service dispatched for so far.
    sources: Mutex<HashMap<String, Arc<SourceEvents>>>,
    context_data: ContextData,
}

impl StandaloneDispatcher {
    /// Connects to the broker of `config`.
    pub async fn connect(config: &Config) -> Result<Self, DispatchError> {
        let connection = Arc::new(AmqpConnection::connect(config).await?);
        Ok(StandaloneDispatcher {
            connection,
            sources: Mutex::default(),
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
        let events = Arc::clone(
            lock(&self.sources)
                .entry(source_service.to_owned())
                .or_insert_with(|| {
                    Arc::new(SourceEvents::new(
                        Arc::clone(&self.connection),
                        source_service,
                    ))
                }),
        );
        events
            .dispatch(event_type, payload, &self.context_data)
            .await
    }

    /// Closes the connection.
    pub async fn close(&self) {
        self.connection.close().await;
    }
}
