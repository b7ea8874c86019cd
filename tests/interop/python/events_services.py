"""Event services for the events interop tests.

Handlers append one JSON line per event to the file named by the config key EVENTS_LOG:
{"who": ..., "payload": ..., "call_id_stack": [...]}.
"""

import json

from nameko.dependency_providers import Config
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import rpc

from interop_services import WorkerCtx


def _log(service, who, payload):
    with open(service.config["EVENTS_LOG"], "a", encoding="utf-8") as f:
        f.write(
            json.dumps(
                {
                    "who": who,
                    "payload": payload,
                    "call_id_stack": service.ctx.call_id_stack,
                    "language": service.ctx.data.get("language"),
                }
            )
            + "\n"
        )


class PySource:
    """Dispatches `evt` events as `py_source`."""

    name = "py_source"

    dispatch = EventDispatcher()

    @rpc
    def fire(self, payload):
        self.dispatch("evt", payload)


class PyListener:
    """Handles `evt` events from the Rust `rust_source`."""

    name = "py_listener"

    config = Config()
    ctx = WorkerCtx()

    @event_handler("rust_source", "evt")
    def handle(self, payload):
        _log(self, "py_listener", payload)

    @rpc
    def ping(self):
        return "pong"


class SharedListener:
    """The Python instance of `shared_listener`; a Rust instance shares its queue."""

    name = "shared_listener"

    config = Config()
    ctx = WorkerCtx()

    @event_handler("py_source", "evt")
    def handle(self, payload):
        _log(self, "python", payload)

    @rpc
    def ping(self):
        return "pong"
