"""A webhook receiver for tests, run as its own process so a test can kill it -9:
`python -m tests.webhook_receiver PORT LOG SECRET`.

Each POST whose `Aka-Signature` verifies (`aka.core.webhook_signature.verify`) is
appended to LOG as one JSON line (`{"delivery_id", "webhook_id", "seqs", "types",
"headers"}`), flushed and fsynced *before* the 200 is sent: a line in LOG is a batch
the receiver acknowledged or was about to. A bad signature gets 401 and no line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aka.core import webhook_signature


def main(port: int, log_path: str, secret: str) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            header = self.headers.get(webhook_signature.HEADER) or ""
            if not webhook_signature.verify(secret, header, body, time.time()):
                self.send_response(401)
                self.end_headers()
                return
            batch: dict[str, Any] = json.loads(body)
            line = {
                "delivery_id": batch["delivery_id"],
                "webhook_id": batch["webhook_id"],
                "seqs": [e["seq"] for e in batch["events"]],
                "types": [e["type"] for e in batch["events"]],
                "events": batch["events"],
                "headers": {k: v for k, v in self.headers.items() if k.startswith("Aka-")},
            }
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(line) + "\n")
                log.flush()
                os.fsync(log.fileno())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads LOG, not the access lines."""

    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
