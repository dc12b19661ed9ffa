"""The floor for HTTP figures: a bare ASGI app, served by the same granian as aka.

It does what no server can skip (parse the request, build a small JSON answer from the
query, send it) and nothing else: no routing table, no authentication, no database.
`python -m bench.bare_asgi --port P --workers N` starts it as `aka serve` starts aka.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more = True
    while more:  # read the whole request, as any real endpoint must
        more = (await receive()).get("more_body", False)
    query = scope["query_string"].decode("latin-1")
    body = json.dumps({"path": scope["path"], "query": query, "identifiers": []}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    return app


def main() -> None:
    from granian import Granian  # noqa: PLC0415 - only the launcher needs the server
    from granian.constants import Interfaces  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # The same construction as `aka serve` (src/aka/cli/main.py), app aside.
    Granian(
        "bench.bare_asgi:create_app",
        address="127.0.0.1",
        port=args.port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=args.workers,
        log_access=False,
    ).serve()


if __name__ == "__main__":
    main()
