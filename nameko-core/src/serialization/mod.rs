//! Message serializers, as kombu's registry names them: [`Serializer`], the one registry of
//! them, and [`Serializers`], the `serializer` and `ACCEPT` of a config, which every
//! message nameko-rs sends or receives goes through.
//!
//! | name | content type | content encoding | what |
//! |---|---|---|---|
//! | `json` (default) | `application/json` | `utf-8` | JSON, as kombu's `json` |
//! | `msgpack` | `application/x-msgpack` | `binary` | MessagePack, as kombu's `msgpack` (`packb(use_bin_type=True)`, `unpackb(raw=False)`) |
//! | `yaml` | `application/x-yaml` | `utf-8` | YAML, as kombu's `yaml` (`yaml.safe_dump` / `safe_load`) |
//!
//! `pickle` (kombu's `application/x-python-serialize`) is refused wherever it is named:
//! unpickling a message runs whatever code its sender put in it.
//!
//! # Settings
//!
//! As in Nameko 2.9 and later (`nameko/serialization.py`): `serializer` (default `json`)
//! encodes every message a service or client sends; `ACCEPT` (default: `[<serializer>]`)
//! lists the serializers whose content types are decoded. A reply is encoded the way its
//! request was when that is accepted, so a JSON client can call a service with
//! `ACCEPT: [json, msgpack]` and a msgpack one too. Both are checked when a config is
//! loaded: an unknown name is an error naming the registered ones.
//!
//! ```
//! use nameko_core::Config;
//!
//! let config = Config::from_yaml_str("serializer: msgpack\nACCEPT: [msgpack, json]\n")?;
//! let serializers = config.serializers();
//! assert_eq!(serializers.serializer().name(), "msgpack");
//! assert!(serializers.accepts("application/json"));
//! assert!(!serializers.accepts("application/x-yaml"));
//!
//! let body = serializers.serializer().to_vec(&serde_json::json!({"args": [1], "kwargs": {}}))?;
//! let back = serializers.decode(Some("application/x-msgpack"), &body)?;
//! assert_eq!(back["args"][0], 1);
//!
//! let err = Config::from_yaml_str("serializer: pickle\n").unwrap_err();
//! assert!(err.to_string().contains("unpickling a message runs code"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Decoding
//!
//! A message is decoded by its `content_type`: one that no accepted serializer has is
//! [`SerializationError::Disallowed`] (kombu's `ContentDisallowed`); a message without a
//! content type is decoded with the configured `serializer` (kombu would hand such a body
//! over undecoded, as bytes, which no Nameko entrypoint can use). Every serializer decodes
//! into a [`serde_json::Value`], the value type of nameko-rs; see
//! [`MessagePack`] for how MessagePack's bytes and extension types map onto it.
//!
//! # Registering a serializer
//!
//! A serializer of your own is a `'static` value implementing [`Serializer`], registered
//! once with [`inventory::submit!`] and a [`Registration`]; its name is then valid in
//! `serializer` and `ACCEPT` of every config the binary loads:
//!
//! ```
//! use nameko_core::serialization::{Registration, Serializer, erased_serde};
//! use nameko_core::{BoxError, Config};
//! use serde_json::Value;
//!
//! /// JSON with a newline after each message, under a content type of its own.
//! struct JsonLines;
//!
//! impl Serializer for JsonLines {
//!     fn name(&self) -> &str { "jsonl" }
//!     fn content_type(&self) -> &str { "application/x-jsonl" }
//!     fn content_encoding(&self) -> &str { "utf-8" }
//!     fn encode(&self, value: &dyn erased_serde::Serialize) -> Result<Vec<u8>, BoxError> {
//!         let mut body = serde_json::to_vec(value)?;
//!         body.push(b'\n');
//!         Ok(body)
//!     }
//!     fn decode(&self, body: &[u8]) -> Result<Value, BoxError> {
//!         Ok(serde_json::from_slice(body)?)
//!     }
//! }
//!
//! nameko_core::config::inventory::submit!(Registration::new(&JsonLines));
//!
//! let config = Config::from_yaml_str("serializer: jsonl\n")?;
//! let serializers = config.serializers();
//! let body = serializers.serializer().to_vec(&[1, 2])?;
//! assert_eq!(body, b"[1,2]\n");
//! assert_eq!(serializers.decode(Some("application/x-jsonl"), &body)?, serde_json::json!([1, 2]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Two serializers of one name, or of one content type, make every config fail to load
//! (the registry could not tell which to use).

mod msgpack;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

pub use erased_serde;
use serde::Serialize;
use serde_json::Value;

pub use msgpack::MessagePack;

use crate::error::{BoxError, RemoteError};

/// Name of the JSON serializer, the default.
pub const JSON: &str = "json";
/// Name of the MessagePack serializer.
pub const MSGPACK: &str = "msgpack";
/// Name of the YAML serializer.
pub const YAML: &str = "yaml";
/// Name of kombu's pickle serializer, which nameko-rs refuses.
pub const PICKLE: &str = "pickle";
/// Content type of JSON bodies.
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// Content type of MessagePack bodies.
pub const CONTENT_TYPE_MSGPACK: &str = "application/x-msgpack";
/// Content type of YAML bodies.
pub const CONTENT_TYPE_YAML: &str = "application/x-yaml";
/// Content type of pickled bodies (kombu's `pickle`), never decoded.
pub const CONTENT_TYPE_PICKLE: &str = "application/x-python-serialize";

/// Why `pickle` is refused, with what to use instead.
pub const PICKLE_REFUSED: &str = "`pickle` is refused: unpickling a message runs code that \
    its sender chose, so any client could run code in the service; use `json` or `msgpack` \
    (on every service of the cluster)";

/// One message format, as one entry of kombu's serializer registry: a name (what
/// `serializer` and `ACCEPT` say), the content type and encoding messages carry, and the
/// two directions.
///
/// Every value nameko-rs sends is `Serialize`: [`encode`](Self::encode) takes it
/// type-erased ([`erased_serde`], re-exported here); a `&dyn erased_serde::Serialize` is
/// itself `Serialize`, so an implementation hands it to its format's `to_vec`. Decoding
/// gives a [`serde_json::Value`]. See the [module docs](self#registering-a-serializer) to
/// register one.
pub trait Serializer: Send + Sync + 'static {
    /// The name in `serializer` and `ACCEPT` (`json`, `msgpack`).
    fn name(&self) -> &str;
    /// The `content_type` property of the messages it encodes, by which a received one
    /// is matched to it (`application/json`).
    fn content_type(&self) -> &str;
    /// The `content_encoding` property of the messages it encodes (`utf-8`, `binary`).
    fn content_encoding(&self) -> &str;
    /// Encodes a value as a message body.
    fn encode(&self, value: &dyn erased_serde::Serialize) -> Result<Vec<u8>, BoxError>;
    /// Decodes a message body.
    fn decode(&self, body: &[u8]) -> Result<Value, BoxError>;
}

impl fmt::Debug for dyn Serializer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serializer")
            .field("name", &self.name())
            .field("content_type", &self.content_type())
            .finish()
    }
}

impl dyn Serializer {
    /// Encodes `value` with this serializer; the error names the serializer.
    pub fn to_vec<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, SerializationError> {
        self.encode(&value as &dyn erased_serde::Serialize)
            .map_err(|source| SerializationError::Encode {
                serializer: self.name().to_owned(),
                source,
            })
    }

    /// Decodes `body` with this serializer; the error names the serializer.
    pub fn from_slice(&self, body: &[u8]) -> Result<Value, SerializationError> {
        self.decode(body)
            .map_err(|source| SerializationError::Decode {
                serializer: self.name().to_owned(),
                source,
            })
    }
}

/// A [`Serializer`] in the registry, submitted with [`inventory::submit!`] (see the
/// [module docs](self#registering-a-serializer)).
#[derive(Debug)]
pub struct Registration {
    serializer: &'static dyn Serializer,
}

impl Registration {
    /// Registers `serializer`.
    pub const fn new(serializer: &'static dyn Serializer) -> Self {
        Registration { serializer }
    }

    /// The registered serializer.
    pub fn serializer(&self) -> &'static dyn Serializer {
        self.serializer
    }
}

inventory::collect!(Registration);

inventory::submit!(Registration::new(&Json));
inventory::submit!(Registration::new(&MessagePack));
inventory::submit!(Registration::new(&Yaml));

/// Every registered serializer, by name.
pub fn registered() -> Vec<&'static dyn Serializer> {
    let mut all: Vec<&'static dyn Serializer> = inventory::iter::<Registration>
        .into_iter()
        .map(Registration::serializer)
        .collect();
    all.sort_by(|a, b| a.name().cmp(b.name()));
    all
}

/// The registered serializer named `name`.
///
/// An error that says why when there is none: `pickle` is refused (see
/// [`PICKLE_REFUSED`]); another name is unknown, and the error lists the registered ones.
pub fn lookup(name: &str) -> Result<&'static dyn Serializer, SerializationError> {
    if name == PICKLE {
        return Err(SerializationError::Refused(PICKLE_REFUSED));
    }
    let all = registered();
    check_registry(&all)?;
    all.iter()
        .copied()
        .find(|s| s.name() == name)
        .ok_or_else(|| SerializationError::Unknown {
            name: name.to_owned(),
            registered: all.iter().map(|s| s.name().to_owned()).collect(),
        })
}

/// Two serializers of one name, or of one content type, cannot both be used.
fn check_registry(all: &[&'static dyn Serializer]) -> Result<(), SerializationError> {
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            if a.name() == b.name() || a.content_type() == b.content_type() {
                return Err(SerializationError::Conflict {
                    first: a.name().to_owned(),
                    second: b.name().to_owned(),
                    content_type: a.content_type().to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// The `serializer` and `ACCEPT` of a config, resolved against the registry: what every
/// message is encoded and decoded with. [`Config::serializers`](crate::Config::serializers)
/// gives the ones of a loaded config; see the [module docs](self).
#[derive(Clone)]
pub struct Serializers {
    serializer: &'static dyn Serializer,
    accept: Arc<[&'static dyn Serializer]>,
}

impl fmt::Debug for Serializers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accept: Vec<&str> = self.accept.iter().map(|s| s.name()).collect();
        f.debug_struct("Serializers")
            .field("serializer", &self.serializer.name())
            .field("accept", &accept)
            .finish()
    }
}

impl Default for Serializers {
    /// `json`, accepting `json`: Nameko's defaults.
    fn default() -> Self {
        Serializers {
            serializer: &Json,
            accept: Arc::from(vec![&Json as &'static dyn Serializer]),
        }
    }
}

impl Serializers {
    /// `serializer`, accepting the serializers named in `accept` (`None`: only
    /// `serializer`, as in Nameko); an error when a name is not registered.
    pub fn new(serializer: &str, accept: Option<&[String]>) -> Result<Self, SerializationError> {
        let main = lookup(serializer)?;
        let accept: Vec<&'static dyn Serializer> = match accept {
            None => vec![main],
            Some(names) => {
                let mut list: Vec<&'static dyn Serializer> = Vec::with_capacity(names.len());
                for name in names {
                    let found = lookup(name)?;
                    if !list.iter().any(|s| s.name() == found.name()) {
                        list.push(found);
                    }
                }
                list
            }
        };
        Ok(Serializers {
            serializer: main,
            accept: Arc::from(accept),
        })
    }

    /// The configured `serializer`: what every message is encoded with (a reply: see
    /// [`for_reply`](Self::for_reply)).
    pub fn serializer(&self) -> &'static dyn Serializer {
        self.serializer
    }

    /// The serializers of `ACCEPT`, in its order.
    pub fn accepted(&self) -> &[&'static dyn Serializer] {
        &self.accept
    }

    /// Whether messages of `content_type` are decoded.
    pub fn accepts(&self, content_type: &str) -> bool {
        self.accepted_by_type(content_type).is_some()
    }

    fn accepted_by_type(&self, content_type: &str) -> Option<&'static dyn Serializer> {
        self.accept
            .iter()
            .copied()
            .find(|s| s.content_type() == content_type)
    }

    /// Decodes a received body by its `content_type`: with the accepted serializer of that
    /// type, or, without a content type, with the configured serializer.
    /// [`SerializationError::Disallowed`] when the type is not accepted;
    /// [`SerializationError::Decode`] when the body is not what its type says.
    pub fn decode(
        &self,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Value, SerializationError> {
        self.decoder(content_type)?.from_slice(body)
    }

    /// The serializer a body of `content_type` is decoded with (the configured one when
    /// there is no content type); [`SerializationError::Disallowed`] when the type is not
    /// accepted.
    pub fn decoder(
        &self,
        content_type: Option<&str>,
    ) -> Result<&'static dyn Serializer, SerializationError> {
        let Some(content_type) = content_type else {
            return Ok(self.serializer);
        };
        self.accepted_by_type(content_type).ok_or_else(|| {
            let known = registered()
                .into_iter()
                .find(|s| s.content_type() == content_type)
                .map(|s| s.name().to_owned());
            let known =
                known.or_else(|| (content_type == CONTENT_TYPE_PICKLE).then(|| PICKLE.to_owned()));
            SerializationError::Disallowed {
                content_type: content_type.to_owned(),
                name: known,
            }
        })
    }

    /// The serializer a reply to a request of `request_content_type` is encoded with: the
    /// request's (Nameko answers in the request's serializer), when it is registered, even
    /// if it is not accepted: the caller then reads the `ContentDisallowed` error that
    /// answers it (Python Nameko gives it no answer at all). Otherwise the configured one.
    pub fn for_reply(&self, request_content_type: Option<&str>) -> &'static dyn Serializer {
        request_content_type
            .and_then(|t| {
                self.accepted_by_type(t)
                    .or_else(|| registered().into_iter().find(|s| s.content_type() == t))
            })
            .unwrap_or(self.serializer)
    }
}

/// Why a body could not be encoded or decoded, or a serializer not used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SerializationError {
    /// The value could not be encoded.
    #[error("cannot encode as {serializer}: {source}")]
    Encode {
        /// The serializer's name.
        serializer: String,
        /// Its error.
        #[source]
        source: BoxError,
    },
    /// The body is not what its content type says.
    #[error("cannot decode {serializer}: {source}")]
    Decode {
        /// The serializer's name.
        serializer: String,
        /// Its error.
        #[source]
        source: BoxError,
    },
    /// The body's content type is not in `ACCEPT` (kombu's `ContentDisallowed`).
    #[error(
        "Refusing to deserialize untrusted content of type {}",
        described(name, content_type)
    )]
    Disallowed {
        /// The content type.
        content_type: String,
        /// The name of the serializer of that type, when one is known.
        name: Option<String>,
    },
    /// No serializer of that name is registered.
    #[error(
        "unknown serializer `{name}` (registered: {}; register another with \
         `nameko_core::serialization::Registration`)",
        registered.join(", ")
    )]
    Unknown {
        /// The name asked for.
        name: String,
        /// The registered names.
        registered: Vec<String>,
    },
    /// The serializer is refused (`pickle`); the message says why.
    #[error("{0}")]
    Refused(&'static str),
    /// Two registered serializers share a name or a content type.
    #[error(
        "serializers `{first}` and `{second}` are both registered for `{first}` or for \
         content type `{content_type}`; register only one"
    )]
    Conflict {
        /// One of them.
        first: String,
        /// The other.
        second: String,
        /// The content type of the first.
        content_type: String,
    },
}

/// `msgpack (application/x-msgpack)`, as kombu's `parenthesize_alias`.
fn described(name: &Option<String>, content_type: &str) -> String {
    match name {
        Some(name) => format!("{name} ({content_type})"),
        None => content_type.to_owned(),
    }
}

impl SerializationError {
    /// Whether this is [`SerializationError::Disallowed`].
    pub fn is_disallowed(&self) -> bool {
        matches!(self, SerializationError::Disallowed { .. })
    }

    /// The error a received RPC request that failed this way is answered with: kombu's
    /// `ContentDisallowed` (path `kombu.exceptions.ContentDisallowed`) for a type not
    /// accepted, `MalformedRequest` for a body that does not decode.
    pub fn to_remote_error(&self) -> RemoteError {
        match self {
            SerializationError::Disallowed { .. } => {
                RemoteError::new("ContentDisallowed", self.to_string())
                    .with_path("kombu.exceptions.ContentDisallowed")
            }
            _ => RemoteError::malformed_request(self.to_string()),
        }
    }
}

/// JSON (`application/json`, `utf-8`): serde_json, the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl Serializer for Json {
    fn name(&self) -> &str {
        JSON
    }
    fn content_type(&self) -> &str {
        CONTENT_TYPE_JSON
    }
    fn content_encoding(&self) -> &str {
        "utf-8"
    }
    fn encode(&self, value: &dyn erased_serde::Serialize) -> Result<Vec<u8>, BoxError> {
        Ok(serde_json::to_vec(value)?)
    }
    fn decode(&self, body: &[u8]) -> Result<Value, BoxError> {
        Ok(serde_json::from_slice(body)?)
    }
}

/// YAML (`application/x-yaml`, `utf-8`), kombu's `yaml` (PyYAML's `safe_dump` and
/// `safe_load`): serde_yaml_ng. A mapping key that is not a string, and a value JSON
/// cannot hold (`.nan`), do not decode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Yaml;

impl Serializer for Yaml {
    fn name(&self) -> &str {
        YAML
    }
    fn content_type(&self) -> &str {
        CONTENT_TYPE_YAML
    }
    fn content_encoding(&self) -> &str {
        "utf-8"
    }
    fn encode(&self, value: &dyn erased_serde::Serialize) -> Result<Vec<u8>, BoxError> {
        Ok(serde_yaml_ng::to_string(value)?.into_bytes())
    }
    fn decode(&self, body: &[u8]) -> Result<Value, BoxError> {
        Ok(serde_yaml_ng::from_slice(body)?)
    }
}
