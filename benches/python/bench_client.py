"""The Python Nameko 2.14 clients of the benchmark; each prints one JSON line.

    AMQP_URI=... python bench_client.py rpc-seq CALLS WARMUP
    AMQP_URI=... python bench_client.py rpc-inflight CALLS IN_FLIGHT WARMUP
    AMQP_URI=... python bench_client.py events COUNT IN_FLIGHT

rpc-*: a ClusterRpcProxy calls bench_echo.echo(value) CALLS times, sequentially or with
IN_FLIGHT call_async calls outstanding, after WARMUP calls; prints
{"calls": CALLS, "total_calls": CALLS + WARMUP, "elapsed": seconds}.

events: the standalone event_dispatcher dispatches COUNT bench_source "tick" events
(confirmed), IN_FLIGHT at a time on green threads, then polls bench_listener.count()
until all were handled; prints {"events": COUNT, "elapsed": seconds} (first dispatch to
last handled).
"""

import eventlet

eventlet.monkey_patch()  # noqa: E402

import collections  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from nameko.standalone.events import event_dispatcher  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

CONFIG = {"AMQP_URI": os.environ["AMQP_URI"]}


def payload(n):
    return {"n": n, "text": "hello world"}


def check(n, out):
    if out != payload(n):
        raise RuntimeError("echo({!r}) returned {!r}".format(payload(n), out))


def rpc_seq(calls, warmup):
    with ClusterRpcProxy(CONFIG, timeout=60) as cluster:
        echo = cluster.bench_echo.echo
        for n in range(warmup):
            check(n, echo(payload(n)))
        start = time.perf_counter()
        for n in range(calls):
            check(n, echo(payload(n)))
        elapsed = time.perf_counter() - start
    return {"calls": calls, "total_calls": calls + warmup, "elapsed": elapsed}


def rpc_inflight(calls, in_flight, warmup):
    with ClusterRpcProxy(CONFIG, timeout=60) as cluster:
        echo = cluster.bench_echo.echo
        for n in range(warmup):
            check(n, echo(payload(n)))
        start = time.perf_counter()
        pending = collections.deque()
        sent = 0
        done = 0
        while done < calls:
            while sent < calls and len(pending) < in_flight:
                pending.append((sent, echo.call_async(payload(sent))))
                sent += 1
            n, reply = pending.popleft()
            check(n, reply.result())
            done += 1
        elapsed = time.perf_counter() - start
    return {"calls": calls, "total_calls": calls + warmup, "elapsed": elapsed}


def events(count, in_flight):
    dispatch = event_dispatcher(CONFIG)
    with ClusterRpcProxy(CONFIG, timeout=60) as cluster:
        before = cluster.bench_listener.count()
        start = time.perf_counter()
        pool = eventlet.GreenPool(in_flight)
        for n in range(count):
            pool.spawn_n(dispatch, "bench_source", "tick", payload(n))
        pool.waitall()
        while cluster.bench_listener.count() < before + count:
            time.sleep(0.002)
        elapsed = time.perf_counter() - start
    return {"events": count, "elapsed": elapsed}


def main():
    mode, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
    if mode == "rpc-seq":
        out = rpc_seq(*args)
    elif mode == "rpc-inflight":
        out = rpc_inflight(*args)
    elif mode == "events":
        out = events(*args)
    else:
        raise SystemExit("unknown mode {}".format(mode))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
