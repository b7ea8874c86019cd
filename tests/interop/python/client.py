"""A Python ClusterRpcProxy client driven by a JSON plan, printing JSON outcomes.

Usage: AMQP_URI=... python client.py '<plan>'

plan: {"context_data": {...} (optional), "timeout": seconds (optional),
       "serializer": "msgpack" (optional, the config's `serializer`),
       "calls": [{"service": s, "method": m, "args": [...], "kwargs": {...},
                  "async": false}, ...]}

Prints one JSON list with one outcome per call, in order: {"result": value} or
{"error": {"class": "<module>.<name>", "args": [...], "str": str(exc),
           "exc_type": ..., "value": ...}} (the last two for RemoteError).
Asynchronous calls are all sent before any result is awaited.
"""

import eventlet

eventlet.monkey_patch()  # noqa: E402

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402


def describe(exc):
    cls = type(exc)
    out = {
        "class": "{}.{}".format(cls.__module__, cls.__name__),
        "args": [a if isinstance(a, (str, int, float, bool, type(None))) else repr(a)
                 for a in exc.args],
        "str": str(exc),
    }
    for attr in ("exc_type", "value"):
        if hasattr(exc, attr):
            out[attr] = getattr(exc, attr)
    return out


def main():
    plan = json.loads(sys.argv[1])
    config = {"AMQP_URI": os.environ["AMQP_URI"]}
    if plan.get("serializer"):
        config["serializer"] = plan["serializer"]
    outcomes = [None] * len(plan["calls"])
    pending = []
    with ClusterRpcProxy(
        config,
        context_data=plan.get("context_data"),
        timeout=plan.get("timeout", 10),
    ) as cluster_rpc:
        for i, call in enumerate(plan["calls"]):
            method = getattr(getattr(cluster_rpc, call["service"]), call["method"])
            args = call.get("args", [])
            kwargs = call.get("kwargs", {})
            try:
                if call.get("async"):
                    pending.append((i, method.call_async(*args, **kwargs)))
                else:
                    outcomes[i] = {"result": method(*args, **kwargs)}
            except Exception as exc:
                outcomes[i] = {"error": describe(exc)}
        for i, reply in pending:
            try:
                outcomes[i] = {"result": reply.result()}
            except Exception as exc:
                outcomes[i] = {"error": describe(exc)}
    sys.stdout.write(json.dumps(outcomes, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
