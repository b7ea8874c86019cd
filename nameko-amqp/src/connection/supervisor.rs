//! The reconnect supervisor: opens the connection (trying each URI of `AMQP_URI` in
//! turn), watches it, and re-establishes it with capped exponential back-off whenever it
//! is lost, for as long as the [`AmqpConnection`](super::AmqpConnection) is not closed.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::ConfirmSelectOptions;
use lapin::uri::AMQPUri;
use lapin::{Connection, ConnectionProperties};

use super::{Link, LinkState, LiveConnection};
use crate::error::AmqpError;

impl Link {
    /// Connects for the first time and starts supervising the connection; with `retry`,
    /// a broker that cannot be reached is retried with back-off until it can.
    pub(super) async fn start(self: &Arc<Self>, retry: bool) -> Result<(), AmqpError> {
        let link = self;
        let mut attempt = 0u32;
        let live = loop {
            match link.open_any().await {
                Ok(live) => break live,
                Err(e) if !retry => return Err(e),
                Err(e) => {
                    let wait = link.backoff.delay(attempt);
                    tracing::warn!(
                        target: "nameko_amqp::connection",
                        attempt = attempt + 1,
                        error = %e,
                        "cannot reach the broker; retrying in {wait:?}"
                    );
                    tokio::select! {
                        _ = link.closing.cancelled() => return Err(AmqpError::Closed),
                        _ = tokio::time::sleep(wait) => {}
                    }
                    attempt = attempt.saturating_add(1);
                }
            }
        };
        link.state.send_replace(LinkState::Up(Arc::clone(&live)));
        link.metrics.connected(true);
        tokio::spawn(Arc::clone(link).supervise(live));
        Ok(())
    }

    /// Tries each URI once, in order.
    async fn open_any(&self) -> Result<Arc<LiveConnection>, AmqpError> {
        let mut last = None;
        for (uri, shown) in self.uris.iter().zip(&self.shown) {
            match self.open(uri, shown).await {
                Ok(live) => return Ok(live),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(AmqpError::Closed))
    }

    async fn open(&self, uri: &AMQPUri, shown: &str) -> Result<Arc<LiveConnection>, AmqpError> {
        let connect_error = |source: lapin::Error| AmqpError::Connect {
            uri: shown.to_owned(),
            source,
        };
        let runtime = lapin::runtime::default_runtime().map_err(connect_error)?;
        let conn = Connection::connect_uri_with_config(
            uri.clone(),
            ConnectionProperties::default(),
            self.tls.clone(),
            runtime,
        )
        .await
        .map_err(connect_error)?;
        let publisher = conn
            .create_channel()
            .await
            .map_err(AmqpError::op("channel.open"))?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(AmqpError::op("confirm.select"))?;
        let generation = self.generations.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::info!(target: "nameko_amqp::connection", uri = %shown, generation, "connected to the broker");
        Ok(Arc::new(LiveConnection {
            conn,
            publisher,
            generation,
            uri: shown.to_owned(),
        }))
    }

    /// Watches the live connection; when it is lost, reconnects with back-off, for as
    /// long as the connection is not closed.
    async fn supervise(self: Arc<Self>, mut live: Arc<LiveConnection>) {
        loop {
            let reason = tokio::select! {
                _ = self.closing.cancelled() => return,
                reason = lost(&live) => reason,
            };
            if self.closing.is_cancelled() {
                return;
            }
            tracing::warn!(
                target: "nameko_amqp::connection",
                uri = %live.uri,
                %reason,
                "connection to the broker lost; reconnecting"
            );
            self.state.send_replace(LinkState::Down);
            self.metrics.connected(false);
            let down_since = tokio::time::Instant::now();
            let mut attempt = 0u32;
            live = loop {
                let wait = self.backoff.delay(attempt);
                tokio::select! {
                    _ = self.closing.cancelled() => return,
                    _ = tokio::time::sleep(if attempt == 0 { Duration::ZERO } else { wait }) => {}
                }
                match self.open_any().await {
                    Ok(live) => break live,
                    Err(e) => {
                        tracing::warn!(
                            target: "nameko_amqp::connection",
                            attempt = attempt + 1,
                            error = %e,
                            "cannot reconnect to the broker; retrying in {:?}",
                            self.backoff.delay(attempt + 1)
                        );
                        attempt = attempt.saturating_add(1);
                    }
                }
            };
            if self.closing.is_cancelled() {
                let _ = live.conn.close(200, "OK".into()).await;
                return;
            }
            tracing::info!(
                target: "nameko_amqp::connection",
                uri = %live.uri,
                down_ms = u64::try_from(down_since.elapsed().as_millis()).unwrap_or(u64::MAX),
                "reconnected to the broker"
            );
            self.state.send_replace(LinkState::Up(Arc::clone(&live)));
            self.metrics.connected(true);
            self.metrics.reconnected();
        }
    }
}

/// Completes when `live` is lost, with the reason.
async fn lost(live: &LiveConnection) -> String {
    let mut events = live.conn.events_listener();
    loop {
        match events.next().await {
            // A channel's error (a queue not found) closes that channel only.
            Some(lapin::Event::Error(e)) if e.is_amqp_soft_error() && live.is_connected() => {
                tracing::debug!(target: "nameko_amqp::connection", error = %e, "channel error");
            }
            Some(lapin::Event::Error(e)) => return e.to_string(),
            Some(lapin::Event::ConnectionBlocked(reason)) => {
                tracing::warn!(target: "nameko_amqp::connection", %reason, "the broker blocked the connection");
            }
            Some(lapin::Event::ConnectionUnblocked) => {
                tracing::info!(target: "nameko_amqp::connection", "the broker unblocked the connection");
            }
            Some(_) => {}
            None => return "the connection was closed".to_owned(),
        }
        if !live.is_connected() {
            return "the connection was closed".to_owned();
        }
    }
}
