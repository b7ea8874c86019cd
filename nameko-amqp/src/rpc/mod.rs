//! Nameko RPC over AMQP: the `#[rpc]` entrypoint and the clients.

pub mod client;
pub mod entrypoint;

pub use client::{ClusterRpc, ReplyListener, RpcProxy, RpcReply, ServiceRpc};
pub use entrypoint::{Rpc, RpcConsumer, RpcHandler};
