"""A WebSocket client speaking Nameko's frame format (nameko/web/websocket.py), driven
by a JSON plan, printing JSON outcomes. It uses the `websocket-client` package and reads
errors back with Nameko's own `nameko.exceptions.deserialize`.

Usage: python ws_client.py '<plan>'

plan: {"url": "ws://127.0.0.1:PORT/ws", "sockets": N (default 1), "timeout": seconds,
       "steps": [
         {"socket": i, "method": m, "data": {...}, "correlation_id": c},  # a call
         {"socket": i, "raw": "<text>"},              # a frame sent as is, then its answer
         {"socket": i, "event": "<name>"},            # wait for an event frame
       ]}

Each socket is opened and its `connected` event read before any step. A call waits for
the result frame with its correlation id; event frames that arrive meanwhile are kept
for later `event` steps. `raw` waits for the next result frame.

Prints one JSON object: {"connected": [<frame>, ...], "steps": [<outcome>, ...]}, where
an outcome is {"frame": <the frame, parsed>, "text": <the frame as received>} and, for a
failed call, "exception": {"class": "<module>.<name>", "args": [...], "str": str(exc)}
of `deserialize(frame["error"])`. Sockets are closed (1000) before printing.
"""

import json
import sys

import websocket

from nameko.exceptions import deserialize


class Socket:
    def __init__(self, url, timeout):
        self.ws = websocket.create_connection(url, timeout=timeout)
        self.events = []
        self.results = []

    def read(self):
        text = self.ws.recv()
        frame = json.loads(text)
        if frame.get("type") == "event":
            self.events.append((frame, text))
        else:
            self.results.append((frame, text))

    def result(self, match):
        while True:
            for i, (frame, text) in enumerate(self.results):
                if match(frame):
                    del self.results[i]
                    return frame, text
            self.read()

    def event(self, name):
        while True:
            for i, (frame, text) in enumerate(self.events):
                if frame.get("event") == name:
                    del self.events[i]
                    return frame, text
            self.read()


def outcome(frame, text):
    out = {"frame": frame, "text": text}
    if frame.get("type") == "result" and not frame.get("success"):
        exc = deserialize(frame["error"])
        cls = type(exc)
        out["exception"] = {
            "class": "{}.{}".format(cls.__module__, cls.__name__),
            "args": list(exc.args),
            "str": str(exc),
        }
    return out


def main():
    plan = json.loads(sys.argv[1])
    timeout = plan.get("timeout", 10)
    sockets = [Socket(plan["url"], timeout) for _ in range(plan.get("sockets", 1))]
    connected = [s.event("connected")[0] for s in sockets]
    steps = []
    try:
        for step in plan["steps"]:
            sock = sockets[step.get("socket", 0)]
            if "method" in step:
                call = {"method": step["method"]}
                for key in ("data", "correlation_id"):
                    if key in step:
                        call[key] = step[key]
                sock.ws.send(json.dumps(call))
                cid = step.get("correlation_id")
                steps.append(outcome(*sock.result(lambda f: f.get("correlation_id") == cid)))
            elif "raw" in step:
                sock.ws.send(step["raw"])
                steps.append(outcome(*sock.result(lambda f: True)))
            else:
                steps.append(outcome(*sock.event(step["event"])))
    finally:
        for s in sockets:
            s.ws.close()
    print(json.dumps({"connected": connected, "steps": steps}))


if __name__ == "__main__":
    main()
