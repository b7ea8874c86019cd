"""Messaging services for the messaging interop tests (nameko.messaging).

`PyPublisher` publishes with a `Publisher` to the `interop_shop` topic exchange, routing
key `rust.<...>`, which the Rust consumer's queue `to_rust` is bound to. `PyConsumer`
consumes the queue `to_python` (bound with `python.*`), where a Rust `Publisher` sends,
and appends one JSON line per message to the file named by the config key
MESSAGING_LOG: {"payload": ..., "call_id_stack": [...], "language": ...}.
"""

import json

from kombu import Exchange, Queue
from nameko.dependency_providers import Config
from nameko.messaging import Publisher, consume
from nameko.rpc import rpc

from interop_services import WorkerCtx

shop = Exchange("interop_shop", type="topic", durable=True)
to_rust = Queue("to_rust", exchange=shop, routing_key="rust.*")
to_python = Queue("to_python", exchange=shop, routing_key="python.*")


class PyPublisher:
    """Publishes to `interop_shop` with routing key `rust.hello`."""

    name = "py_publisher"

    publish = Publisher(exchange=shop, declare=[to_rust])

    @rpc
    def send(self, payload):
        self.publish(payload, routing_key="rust.hello")


class PyConsumer:
    """Consumes `to_python`."""

    name = "py_consumer"

    config = Config()
    ctx = WorkerCtx()

    @consume(to_python)
    def handle(self, payload):
        with open(self.config["MESSAGING_LOG"], "a", encoding="utf-8") as f:
            f.write(
                json.dumps(
                    {
                        "payload": payload,
                        "call_id_stack": self.ctx.call_id_stack,
                        "language": self.ctx.data.get("language"),
                    }
                )
                + "\n"
            )

    @rpc
    def ping(self):
        return "pong"
