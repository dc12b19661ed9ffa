"""The write engine: how use cases are run against the store, with no HTTP in it.

One transaction per unit of work (`runtime`), concurrent single writes sharing one
(`group_commit`) and concurrent reads one read (`read_batch`), and the loops that run
beside the server: background jobs (`job_worker`) and expiry sweeps (`housekeeper`),
both on `background`'s `Loop` and `Backoff`. The doors in `aka.http` call it; it
imports nothing from them (tests/test_layers.py).
"""
