"""The container's HEALTHCHECK: exit 0 when this container's aka answers `GET /readyz`
with 200 (the database answers and the schema is current, or newer during a rolling
upgrade), else 1.

Python, not curl: the slim image has no curl, and this adds nothing to it. It asks the
port `aka serve` listens on, read the way `aka serve` reads it (`aka.config`), on the
loopback address.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from aka import config

PROBE = "/readyz"


def main() -> int:
    url = f"http://127.0.0.1:{config.load().port}{PROBE}"
    try:
        with urllib.request.urlopen(url, timeout=4) as answer:
            return 0 if answer.status == 200 else 1
    except (urllib.error.URLError, OSError) as err:
        print(f"{url}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
