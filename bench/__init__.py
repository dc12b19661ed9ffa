"""aka's benchmark harness: `python -m bench` (or `make bench`, `make bench-quick`).

Every aka figure is measured beside a floor taken in the same run, on the same rows and
the same server: the raw database doing the same writes, or a bare ASGI app under the
same granian. docs/performance.md explains each scenario and the method.
"""
