//! The subscriptions of a hub: which sockets listen to which channel. Shared by the
//! [`WebSocketHub`](super::WebSocketHub), which subscribes sockets and sends them events,
//! and the endpoint, which drops a socket's subscriptions when it closes.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use super::lock;

/// The subscriptions of one [`WebSocketHub`](super::WebSocketHub).
#[derive(Default)]
pub(super) struct HubState {
    pub(super) inner: Mutex<HubInner>,
}

#[derive(Default)]
pub(super) struct HubInner {
    /// channel -> sockets
    pub(super) subscriptions: HashMap<String, HashSet<String>>,
    /// socket -> channels
    pub(super) connections: HashMap<String, BTreeSet<String>>,
}

impl HubState {
    /// Removes a closed socket from every channel.
    pub(super) fn cleanup(&self, socket_id: &str) {
        let mut inner = lock(&self.inner);
        if let Some(channels) = inner.connections.remove(socket_id) {
            for channel in channels {
                if let Some(subs) = inner.subscriptions.get_mut(&channel) {
                    subs.remove(socket_id);
                    if subs.is_empty() {
                        inner.subscriptions.remove(&channel);
                    }
                }
            }
        }
    }
}
