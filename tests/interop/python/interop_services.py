"""Python services the interop tests run against Rust services and clients."""

from nameko.contextdata import Language, UserId
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc, RpcProxy


class WorkerCtx(DependencyProvider):
    """Gives the worker its own WorkerContext."""

    def get_dependency(self, worker_ctx):
        return worker_ctx


def context_view(worker_ctx, language, user_id):
    return {
        "call_id": worker_ctx.call_id,
        "call_id_stack": worker_ctx.call_id_stack,
        "data": dict(worker_ctx.data),
        "language": language,
        "user_id": user_id,
    }


class NoAccount(Exception):
    """An application exception, for a Rust caller to map to a type of its own."""


class PyErrors:
    """Raises Python exceptions for a Rust caller to receive."""

    name = "py_errors"

    @rpc
    def balance(self, account_id):
        raise NoAccount(account_id)

    @rpc
    def value_error(self):
        raise ValueError("bad value", 3)

    @rpc
    def unicode_error(self, value):
        raise ValueError(u"cannot take {}".format(value))

    @rpc
    def takes_two(self, a, b):
        return [a, b]


class PyContext:
    """Reports the context it sees, and relays to the Rust service_x."""

    name = "py_context"

    ctx = WorkerCtx()
    language = Language()
    user_id = UserId()
    x = RpcProxy("service_x")

    @rpc
    def report(self):
        return context_view(self.ctx, self.language, self.user_id)

    @rpc
    def relay(self):
        return {
            "python": context_view(self.ctx, self.language, self.user_id),
            "rust": self.x.context_report(),
        }
