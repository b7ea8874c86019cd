//! The entrypoint kind: a Redis pub/sub channel subscriber, written against the public API
//! of `nameko` only ([`IntoEntrypoint`], [`Entrypoint`], [`Extension`],
//! [`ContainerHandle::invoke`]).
//!
//! ```text
//! #[entrypoint(redis_channel("orders.created"))]
//! async fn on_order_created(&self, order: Order) { ... }
//! ```
//!
//! Each message published to the channel runs one worker of the method, with the message
//! (JSON) as its one argument. A message that is not JSON is logged and skipped. Redis
//! pub/sub delivers to whoever listens at the time: messages published while the
//! subscriber is reconnecting, or while no worker slot is free for long, are the
//! publisher's loss, as with any pub/sub subscriber.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use nameko::entrypoint::{
    FireError, FireInput, FireOutput, IntoEntrypoint, Method, describe_entrypoint,
};
use nameko::sync::lock;
use nameko::worker::{Call, CallArguments};
use nameko::{
    Arguments, BoxError, ContainerHandle, ContextData, Entrypoint, EntrypointOptions, Extension,
    MethodError, Outcome, Value, async_trait,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The entrypoint's kind, in logs, [`Call`]s and `describe()`.
pub const KIND: &str = "redis_channel";

/// The config key mapping names to Redis URIs, as `nameko-redis` reads it:
/// `REDIS_URIS: {default: redis://localhost:6379/0}`.
pub const REDIS_URIS: &str = "REDIS_URIS";

/// The key of `REDIS_URIS` a subscriber connects to unless told otherwise
/// ([`RedisChannel::uri_key`]).
pub const DEFAULT_URI_KEY: &str = "default";

/// An optional config key: a prefix put before every channel name (`"staging."`), so that
/// environments (or tests) sharing one Redis do not hear each other.
pub const CHANNEL_PREFIX: &str = "REDIS_CHANNEL_PREFIX";

/// The entrypoint kind: messages published to a Redis channel. Made by [`redis_channel`];
/// `#[entrypoint(redis_channel("orders.created").uri_key("events"))]`.
#[derive(Debug, Clone)]
pub struct RedisChannel {
    channel: String,
    uri_key: String,
    first_retry: Duration,
    max_retry: Duration,
}

/// Subscribes to Redis channel `channel`: `#[entrypoint(redis_channel("orders.created"))]`.
///
/// The Redis is `REDIS_URIS["default"]` of the service's config
/// ([`RedisChannel::uri_key`] picks another).
pub fn redis_channel(channel: impl Into<String>) -> RedisChannel {
    RedisChannel {
        channel: channel.into(),
        uri_key: DEFAULT_URI_KEY.to_owned(),
        first_retry: Duration::from_millis(100),
        max_retry: Duration::from_secs(10),
    }
}

/// The same as [`redis_channel`]: `#[entrypoint(channel::subscribe("orders.created"))]`.
pub fn subscribe(channel: impl Into<String>) -> RedisChannel {
    redis_channel(channel)
}

impl RedisChannel {
    /// Connects to `REDIS_URIS[key]` instead of `REDIS_URIS["default"]`.
    pub fn uri_key(mut self, key: impl Into<String>) -> Self {
        self.uri_key = key.into();
        self
    }

    /// After a lost connection, waits `first` before subscribing again, then twice as
    /// long after each failed attempt, up to `max` (default: 100 ms, up to 10 s).
    pub fn reconnect_delay(mut self, first: Duration, max: Duration) -> Self {
        self.first_retry = first;
        self.max_retry = max.max(first);
        self
    }
}

/// What is wrong with the subscriber's config: its `setup` fails with it.
#[derive(Debug, thiserror::Error)]
#[error("redis_channel entrypoint `{method}` (channel `{channel}`): {message}")]
pub struct ChannelConfigError {
    /// The method.
    pub method: String,
    /// The channel, as declared.
    pub channel: String,
    /// What is wrong, naming the config key.
    pub message: String,
}

impl IntoEntrypoint for RedisChannel {
    fn into_entrypoint(self, method: Method) -> Box<dyn Entrypoint> {
        let (stop, _) = watch::channel(false);
        Box::new(ChannelEntrypoint {
            shared: Arc::new(Shared {
                options: Arc::new(method.options.clone()),
                method,
                kind: self,
            }),
            client: Mutex::new(None),
            stop,
            task: Mutex::new(None),
        })
    }
}

/// What the subscriber task and the workers share.
struct Shared {
    kind: RedisChannel,
    method: Method,
    options: Arc<EntrypointOptions>,
}

impl Shared {
    /// Runs one worker: `ContainerHandle::invoke` takes a `max_workers` slot, runs the
    /// dependency hooks, catches panics, logs failures (`expected_exceptions` as
    /// warnings, `sensitive_arguments` redacted).
    async fn run(
        &self,
        container: &ContainerHandle,
        arguments: Arguments,
        context_data: ContextData,
    ) -> Outcome<Value, MethodError> {
        let call = Call::new(self.method.name, KIND, &self.options)
            .context_data(context_data)
            .arguments(CallArguments::Rpc(arguments.clone()));
        let handler = Arc::clone(&self.method.handler);
        // Lazily: a panic while building the handler's future is caught too.
        container
            .invoke(call, async move { handler(arguments).await })
            .await
    }

    fn config_error(&self, message: String) -> ChannelConfigError {
        ChannelConfigError {
            method: self.method.name.to_owned(),
            channel: self.kind.channel.clone(),
            message,
        }
    }
}

/// One `#[entrypoint(redis_channel(..))]` method of a service.
struct ChannelEntrypoint {
    shared: Arc<Shared>,
    /// Set up from the config: the client and the full channel name.
    client: Mutex<Option<(redis::Client, String)>>,
    /// Tells the subscriber task to stop.
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for ChannelEntrypoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelEntrypoint")
            .field("method", &self.shared.method.name)
            .field("channel", &self.shared.kind.channel)
            .finish_non_exhaustive()
    }
}

/// `redis://user:***@host` for logs and errors.
fn redact(uri: &str) -> String {
    nameko::config::redact::redact_uri(uri)
}

#[async_trait]
impl Extension for ChannelEntrypoint {
    /// Reads `REDIS_URIS[key]` (and the optional channel prefix); a missing or invalid
    /// value fails the service's start with a message naming the key.
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let shared = &self.shared;
        let key = &shared.kind.uri_key;
        let config = container.config();
        let uris: HashMap<String, String> = config
            .get_as(REDIS_URIS)
            .map_err(|e| shared.config_error(e.to_string()))?
            .ok_or_else(|| {
                shared.config_error(format!(
                    "config key `{REDIS_URIS}` is not set (write `{REDIS_URIS}: {{{key}: redis://localhost:6379/0}}`)"
                ))
            })?;
        let uri = uris.get(key).ok_or_else(|| {
            let mut known: Vec<&str> = uris.keys().map(String::as_str).collect();
            known.sort_unstable();
            shared.config_error(format!(
                "`{REDIS_URIS}` has no key `{key}` (it has: {})",
                if known.is_empty() {
                    "nothing".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        let client = redis::Client::open(uri.as_str()).map_err(|e| {
            shared.config_error(format!(
                "`{REDIS_URIS}.{key}` is not a valid Redis URI (`{}`): {e}",
                redact(uri)
            ))
        })?;
        let prefix: String = config
            .get_as(CHANNEL_PREFIX)
            .map_err(|e| shared.config_error(e.to_string()))?
            .unwrap_or_default();
        let channel = format!("{prefix}{}", shared.kind.channel);
        *lock(&self.client) = Some((client, channel));
        Ok(())
    }

    /// Subscribes (so that a message published once the service has started is heard),
    /// then reads messages in a task of its own. If Redis cannot be reached, the service
    /// starts anyway and the task keeps trying.
    async fn start(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let (client, channel) = lock(&self.client)
            .clone()
            .ok_or("the redis_channel entrypoint was started without setup")?;
        let stop = self.stop.subscribe();
        let first = match connect(&client, &channel).await {
            Ok(pubsub) => Some(pubsub),
            Err(e) => {
                tracing::warn!(
                    target: "example_custom_entrypoint",
                    service = container.service_name(),
                    method = self.shared.method.name,
                    channel,
                    error = %e,
                    "cannot subscribe to the Redis channel; retrying"
                );
                None
            }
        };
        let subscriber = Subscriber {
            shared: Arc::clone(&self.shared),
            container: container.clone(),
            client,
            channel,
        };
        *lock(&self.task) = Some(tokio::spawn(subscriber.run(first, stop)));
        Ok(())
    }

    /// Stops reading messages (the connection is closed, which unsubscribes). Workers
    /// already running were spawned on the container, which waits for them.
    async fn stop(&self) {
        self.stop.send_replace(true);
        let task = lock(&self.task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    async fn kill(&self) {
        self.stop.send_replace(true);
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

#[async_trait]
impl Entrypoint for ChannelEntrypoint {
    fn method_name(&self) -> &str {
        self.shared.method.name
    }

    fn kind(&self) -> &'static str {
        KIND
    }

    /// As Redis would deliver a message: `fire.arguments` are bound to the method (one
    /// positional argument: the payload), in a worker like any other.
    async fn fire(
        &self,
        container: &ContainerHandle,
        fire: FireInput,
    ) -> Result<FireOutput, FireError> {
        let outcome = self
            .shared
            .run(container, fire.arguments, fire.context_data)
            .await;
        FireOutput::from_outcome(outcome)
    }

    /// `kind`, `method`, `params`, the options, and `channel` (as declared, without the
    /// config's prefix) and `redis_uri_key`.
    fn describe(&self) -> Value {
        let shared = &self.shared;
        let mut d = describe_entrypoint(KIND, shared.method.name, Some(&shared.options));
        d.insert("channel".into(), Value::from(shared.kind.channel.as_str()));
        d.insert(
            "redis_uri_key".into(),
            Value::from(shared.kind.uri_key.as_str()),
        );
        Value::Object(d)
    }
}

/// How long subscribing may take before it counts as a failed attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

async fn connect(client: &redis::Client, channel: &str) -> Result<redis::aio::PubSub, BoxError> {
    let subscribe = async {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(channel).await?;
        Ok::<_, redis::RedisError>(pubsub)
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, subscribe).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(format!("no answer from Redis within {CONNECT_TIMEOUT:?}").into()),
    }
}

/// The task reading one channel.
struct Subscriber {
    shared: Arc<Shared>,
    container: ContainerHandle,
    client: redis::Client,
    channel: String,
}

impl Subscriber {
    /// Reads messages until told to stop; subscribes again, with back-off, whenever the
    /// connection is lost.
    async fn run(self, mut pubsub: Option<redis::aio::PubSub>, mut stop: watch::Receiver<bool>) {
        let kind = &self.shared.kind;
        let mut delay = kind.first_retry;
        loop {
            let connection = match pubsub.take() {
                Some(connection) => connection,
                None => {
                    tokio::select! {
                        _ = stop.wait_for(|stopped| *stopped) => return,
                        () = tokio::time::sleep(delay) => {}
                    }
                    match connect(&self.client, &self.channel).await {
                        Ok(connection) => {
                            tracing::info!(
                                target: "example_custom_entrypoint",
                                service = self.container.service_name(),
                                channel = self.channel,
                                "subscribed to the Redis channel again"
                            );
                            delay = kind.first_retry;
                            connection
                        }
                        Err(e) => {
                            delay = (delay * 2).min(kind.max_retry);
                            tracing::warn!(
                                target: "example_custom_entrypoint",
                                service = self.container.service_name(),
                                channel = self.channel,
                                error = %e,
                                retry_in = ?delay,
                                "cannot subscribe to the Redis channel"
                            );
                            continue;
                        }
                    }
                }
            };
            let mut messages = connection.into_on_message();
            loop {
                tokio::select! {
                    biased;
                    _ = stop.wait_for(|stopped| *stopped) => return,
                    message = messages.next() => match message {
                        Some(message) => self.dispatch(&message),
                        None => {
                            tracing::warn!(
                                target: "example_custom_entrypoint",
                                service = self.container.service_name(),
                                channel = self.channel,
                                "lost the connection to Redis; subscribing again"
                            );
                            break;
                        }
                    },
                }
            }
        }
    }

    /// Runs one worker for `message`, in a task the container waits for when it stops.
    fn dispatch(&self, message: &redis::Msg) {
        let payload: Value = match nameko::serde_json::from_slice(message.get_payload_bytes()) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::warn!(
                    target: "example_custom_entrypoint",
                    service = self.container.service_name(),
                    method = self.shared.method.name,
                    channel = self.channel,
                    error = %e,
                    "skipping a message that is not JSON"
                );
                return;
            }
        };
        let shared = Arc::clone(&self.shared);
        let container = self.container.clone();
        self.container.spawn(async move {
            let arguments = Arguments::positional(vec![payload]);
            match shared.run(&container, arguments, ContextData::new()).await {
                // A failure was logged by `invoke`; pub/sub has no one to answer.
                Outcome::Success(_) | Outcome::Failed(_) => {}
                Outcome::Rejected | Outcome::Killed => tracing::warn!(
                    target: "example_custom_entrypoint",
                    service = container.service_name(),
                    method = shared.method.name,
                    "the container is stopping: a message was dropped"
                ),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("redis://localhost:6379/0"),
            "redis://localhost:6379/0"
        );
        assert_eq!(
            redact("redis://u:secret@h:6379/1"),
            "redis://u:***@h:6379/1"
        );
        assert_eq!(redact("redis://:secret@h/0"), "redis://:***@h/0");
    }
}
