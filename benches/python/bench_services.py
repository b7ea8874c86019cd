"""The Python Nameko 2.14 services of the benchmark, the same as the Rust ones.

    nameko run --config config.yaml bench_services:BenchEcho
    nameko run --config config.yaml bench_services:BenchListener
    nameko run --config config.yaml bench_services:BenchHello
"""

from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.web.handlers import http

# Events handled by this process.
COUNT = [0]


class BenchEcho:
    name = "bench_echo"

    @rpc
    def echo(self, value):
        return value


class BenchListener:
    name = "bench_listener"

    @event_handler("bench_source", "tick")
    def on_tick(self, payload):
        COUNT[0] += 1

    @rpc
    def count(self):
        return COUNT[0]


class BenchHello:
    name = "bench_hello"

    @http("GET", "/hello")
    def hello(self, request):
        return "hello world"
