"""A Python Nameko service joining the Rust shop (examples/orders).

It handles the same `order_created` events as the Rust `notifications` service (each
service has its own queue, so both get every event), and calls the Rust `orders` service
back over RPC to read the order as stored.

    nameko run --config config.yaml audit
"""

from nameko.events import event_handler
from nameko.rpc import RpcProxy, rpc


class Audit:
    name = "audit"

    orders = RpcProxy("orders")

    # Nameko makes a new instance per worker: keep what was seen on the class.
    seen = []

    @event_handler("orders", "order_created")
    def on_order_created(self, order):
        stored = self.orders.get_order(order["id"])
        Audit.seen.append({"event": order, "stored": stored})

    @rpc
    def seen_orders(self):
        return Audit.seen
