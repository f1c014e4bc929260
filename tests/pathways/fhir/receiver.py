"""A small real HTTP endpoint for subscription tests: ``http.server`` in a thread that keeps
every notification it got (headers and body), and can be told to fail or to answer slowly."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.received: list[dict] = []
        self.status = 200  # what to answer
        self.delay = 0.0  # seconds to wait before answering
        self.arrived = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.status
                if status < 300:
                    with receiver._lock:
                        receiver.received.append({"headers": dict(self.headers), "body": body})
                receiver.arrived.set()
                time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender is gone (killed mid-post)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def bundles(self) -> list[dict]:
        with self._lock:
            return [json.loads(r["body"]) for r in self.received]

    def events(self) -> list[tuple[int, str]]:
        """(event number, focus reference) of every event received, in arrival order."""
        out = []
        for bundle in self.bundles():
            status = bundle["entry"][0]["resource"]
            for parameter in status["parameter"]:
                if parameter["name"] == "notification-event":
                    parts = {p["name"]: p for p in parameter["part"]}
                    out.append(
                        (
                            int(parts["event-number"]["valueString"]),
                            parts["focus"]["valueReference"]["reference"],
                        )
                    )
        return out
