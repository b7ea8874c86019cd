//! A third-party entrypoint kind under `#[service]`, through `#[entrypoint(...)]` and the
//! public `IntoEntrypoint` trait only: an in-memory inbox whose messages run workers.
//! Argument binding, `expected_exceptions`, `sensitive_arguments`, dependency hooks and
//! panics behave as for the built-in markers.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(missing_docs, missing_debug_implementations)]

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use nameko::entrypoint::{IntoEntrypoint, Method};
use nameko::worker::{Call, CallArguments};
use nameko::{
    Arguments, BoxError, Config, ContainerHandle, DependencyProvider, Entrypoint, Extension,
    Outcome, RemoteError, ServiceContainer, Value, WorkerContext, WorkerResult, async_trait,
    entrypoint, json, service,
};
use tokio::sync::{mpsc, oneshot};

// ---- the transport crate's side: an entrypoint kind --------------------------------------

type Message = (Arguments, oneshot::Sender<Result<Value, RemoteError>>);

static INBOXES: LazyLock<Mutex<HashMap<String, mpsc::UnboundedSender<Message>>>> =
    LazyLock::new(Mutex::default);

/// The entrypoint kind: messages sent to inbox `name`.
pub struct Inbox(String);

/// `#[entrypoint(inbox("name"))]`.
pub fn inbox(name: &str) -> Inbox {
    Inbox(name.to_owned())
}

/// Sends `args` to inbox `name` and waits for the worker's result.
async fn send(name: &str, args: Arguments) -> Result<Value, RemoteError> {
    let (reply, answer) = oneshot::channel();
    let sender = INBOXES
        .lock()
        .unwrap()
        .get(name)
        .cloned()
        .expect("no such inbox");
    sender.send((args, reply)).unwrap();
    answer.await.unwrap()
}

struct InboxEntrypoint {
    inbox: String,
    method: Method,
    options: Arc<nameko::EntrypointOptions>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl IntoEntrypoint for Inbox {
    fn into_entrypoint(self, method: Method) -> Box<dyn Entrypoint> {
        Box::new(InboxEntrypoint {
            inbox: self.0,
            options: Arc::new(method.options.clone()),
            method,
            task: Mutex::new(None),
        })
    }
}

#[async_trait]
impl Extension for InboxEntrypoint {
    async fn start(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
        INBOXES.lock().unwrap().insert(self.inbox.clone(), tx);
        let container = container.clone();
        let (name, handler, options) = (
            self.method.name,
            Arc::clone(&self.method.handler),
            Arc::clone(&self.options),
        );
        *self.task.lock().unwrap() = Some(tokio::spawn(async move {
            while let Some((args, reply)) = rx.recv().await {
                let call =
                    Call::new(name, "inbox", &options).arguments(CallArguments::Rpc(args.clone()));
                let answer = match container.invoke(call, handler(args)).await {
                    Outcome::Success(value) => Ok(value),
                    Outcome::Failed(failure) => Err(failure.into_remote_error()),
                    _ => Err(RemoteError::new("Stopped", "the container is stopping")),
                };
                let _ = reply.send(answer);
            }
        }));
        Ok(())
    }

    async fn stop(&self) {
        INBOXES.lock().unwrap().remove(&self.inbox);
        if let Some(task) = self.task.lock().unwrap().take() {
            task.abort();
        }
    }
}

#[async_trait]
impl Entrypoint for InboxEntrypoint {
    fn method_name(&self) -> &str {
        self.method.name
    }
    fn kind(&self) -> &'static str {
        "inbox"
    }
    fn describe(&self) -> Value {
        let mut d =
            nameko::entrypoint::describe_entrypoint("inbox", self.method.name, Some(&self.options));
        d.insert("inbox".into(), Value::from(self.inbox.as_str()));
        Value::Object(d)
    }
}

// ---- the user's side: a service --------------------------------------------------------

/// Records what the dependency hooks see.
#[derive(Default)]
pub struct Recorder(Mutex<Vec<String>>);

impl Extension for Recorder {}

#[async_trait]
impl DependencyProvider for Recorder {
    async fn worker_setup(&self, ctx: &WorkerContext) {
        self.0.lock().unwrap().push(format!(
            "setup {} {}",
            ctx.entrypoint_name(),
            ctx.arguments()
        ));
    }
    async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
        let what = match result.failure() {
            None => "ok".to_owned(),
            Some(f) => format!("{} expected={}", f.remote_error().exc_type, f.is_expected()),
        };
        self.0
            .lock()
            .unwrap()
            .push(format!("result {} {what}", ctx.entrypoint_name()));
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no greeting for {0}")]
pub struct NotFound(String);

#[derive(Default)]
pub struct Greeter {
    recorder: Recorder,
}

#[service(name = "greeter", dependencies(recorder))]
impl Greeter {
    #[entrypoint(inbox("greet"), sensitive_arguments("secret"))]
    async fn greet(&self, name: String, secret: Option<String>) -> String {
        format!(
            "hello {name}{}",
            if secret.is_some() {
                " (with a secret)"
            } else {
                ""
            }
        )
    }

    #[entrypoint(inbox("lookup"), expected_exceptions(NotFound))]
    async fn lookup(&self, name: String) -> Result<String, NotFound> {
        Err(NotFound(name))
    }

    #[entrypoint(inbox("boom"))]
    async fn boom(&self) -> u32 {
        panic!("kaboom")
    }
}

#[tokio::test]
async fn a_third_party_entrypoint_runs_workers_like_the_built_in_ones() {
    let container = ServiceContainer::new(Greeter::default(), Arc::new(Config::new()));
    container.start().await.unwrap();
    let described: Vec<Value> = container
        .entrypoints()
        .iter()
        .map(|e| e.describe())
        .collect();
    assert_eq!(described[0]["kind"], "inbox");
    assert_eq!(described[0]["method"], "greet");
    assert_eq!(described[0]["params"], json!(["name", "secret"]));
    assert_eq!(described[0]["inbox"], "greet");
    assert_eq!(described[1]["expected_exceptions"], json!(["NotFound"]));

    // Bound by position and keyword, as RPC arguments are.
    let out = send("greet", Arguments::positional(vec![json!("ada")])).await;
    assert_eq!(out.unwrap(), json!("hello ada"));
    let mut kwargs = serde_json::Map::new();
    kwargs.insert("name".into(), json!("bob"));
    kwargs.insert("secret".into(), json!("s3cret"));
    let out = send(
        "greet",
        Arguments {
            args: vec![],
            kwargs,
        },
    )
    .await;
    assert_eq!(out.unwrap(), json!("hello bob (with a secret)"));
    // Wrong arguments: Nameko's IncorrectSignature, and the consumer goes on.
    let err = send(
        "greet",
        Arguments::positional(vec![json!(1), json!(2), json!(3)]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.exc_type, "IncorrectSignature");

    // An expected error, and a panic answered with the next call served.
    let err = send("lookup", Arguments::positional(vec![json!("eve")]))
        .await
        .unwrap_err();
    assert_eq!(
        (err.exc_type.as_str(), err.value.as_str()),
        ("NotFound", "no greeting for eve")
    );
    let err = send("boom", Arguments::default()).await.unwrap_err();
    assert_eq!(
        (err.exc_type.as_str(), err.value.as_str()),
        ("WorkerPanic", "kaboom")
    );
    assert_eq!(
        send("greet", Arguments::positional(vec![json!("cy")]))
            .await
            .unwrap(),
        json!("hello cy")
    );

    let service = container.service::<Greeter>().unwrap();
    let seen = service.recorder.0.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            r#"setup greet {"name":"ada"}"#,
            "result greet ok",
            r#"setup greet {"name":"bob","secret":"********"}"#,
            "result greet ok",
            // Redacted by name, even when given by position.
            r#"setup greet {"args[2]":3,"name":1,"secret":"********"}"#,
            "result greet IncorrectSignature expected=false",
            r#"setup lookup {"name":"eve"}"#,
            "result lookup NotFound expected=true",
            "setup boom {}",
            "result boom WorkerPanic expected=false",
            r#"setup greet {"name":"cy"}"#,
            "result greet ok",
        ]
    );
    container.stop().await;
}
