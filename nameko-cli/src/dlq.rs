//! `nameko dlq list|show|replay|purge`: the dead-letter queues of entrypoints with a
//! failure policy (`dlq-<service>.<method>`), on `nameko_amqp::dead_letters`.

use std::sync::Arc;

use clap::Subcommand;
use nameko_amqp::AmqpConnection;
use nameko_amqp::dead_letters::DeadLetterQueue;
use nameko_core::Config;
use serde_json::{Value, json};

use crate::error::CliError;

/// What to do with a dead-letter queue.
#[derive(Debug, Clone, Subcommand)]
pub enum DlqCommand {
    /// One line of JSON per message: its failure, origin and body (the messages stay).
    List {
        /// The queue, `dlq-<service>.<method>` (or `<service>.<method>`).
        queue: String,
        /// At most this many messages.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// The messages in full, headers included, as a JSON array (the messages stay).
    Show {
        /// The queue, `dlq-<service>.<method>` (or `<service>.<method>`).
        queue: String,
        /// At most this many messages.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Publish the messages back to their original exchange and routing key, with their
    /// original headers, removing each from the queue once the broker confirmed it.
    Replay {
        /// The queue, `dlq-<service>.<method>` (or `<service>.<method>`).
        queue: String,
        /// At most this many messages (default: all).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Remove every message.
    Purge {
        /// The queue, `dlq-<service>.<method>` (or `<service>.<method>`).
        queue: String,
    },
}

/// The queue a name means: `service.method` is the entrypoint's dead-letter queue.
pub fn queue_name(name: &str) -> String {
    if name.starts_with("dlq-") {
        return name.to_owned();
    }
    match name.split_once('.') {
        Some((service, method)) if !service.is_empty() && !method.is_empty() => {
            nameko_amqp::wire::dead_letter_queue(service, method)
        }
        _ => name.to_owned(),
    }
}

/// Runs `command`; the lines to print.
pub async fn run(config: &Config, command: &DlqCommand) -> Result<Vec<Value>, CliError> {
    let queue = match command {
        DlqCommand::List { queue, .. }
        | DlqCommand::Show { queue, .. }
        | DlqCommand::Replay { queue, .. }
        | DlqCommand::Purge { queue } => queue_name(queue),
    };
    let connection = Arc::new(AmqpConnection::connect(config).await?);
    let dlq = DeadLetterQueue::new(Arc::clone(&connection), queue.clone());
    let result = async {
        Ok::<_, CliError>(match command {
            DlqCommand::List { limit, .. } => dlq
                .peek(*limit)
                .await?
                .iter()
                .map(|l| l.summary())
                .collect(),
            DlqCommand::Show { limit, .. } => {
                let letters = dlq.peek(*limit).await?;
                vec![Value::Array(letters.iter().map(|l| l.to_json()).collect())]
            }
            DlqCommand::Replay { limit, .. } => {
                let done = dlq.replay(*limit).await?;
                vec![json!({"queue": queue, "replayed": done.replayed, "left": done.left})]
            }
            DlqCommand::Purge { .. } => {
                let purged = dlq.purge().await?;
                vec![json!({"queue": queue, "purged": purged})]
            }
        })
    }
    .await;
    connection.close().await;
    result
}
