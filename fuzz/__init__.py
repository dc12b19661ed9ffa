"""The fuzzing run: Schemathesis over the whole `/openapi.json` of a real `aka serve`.

`python -m fuzz` (or `make fuzz-ci`, `make fuzz`) starts `aka serve` on a fresh SQLite
file and a fresh PostgreSQL database in turn and runs Schemathesis against each, seeded
and bounded. It fails on any 5xx and on any answer the document does not describe
(status, media type or body schema). `fuzz.hooks` keeps the run's own keys alive and
signs Mimecast requests, so the fuzzer reaches past authentication everywhere.
"""
