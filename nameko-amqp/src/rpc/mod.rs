//! Nameko RPC over AMQP: the `#[rpc]` entrypoint and the clients.

pub mod client;
pub mod deadline;
pub mod entrypoint;
pub mod typed;

pub use client::{ClusterRpc, RpcProxy, RpcReply, ServiceRpc};
pub use entrypoint::{Rpc, RpcHandler};
pub use typed::{RpcArgument, RpcCaller, RpcClient, RpcReturn, TypedReply};
