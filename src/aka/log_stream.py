"""A stream handler that writes lines in batches: one `write` per batch, not per line.

Why: a server writes an access line for every request. Measured over HTTP (`make bench`
resolve, SQLite, 64 connections, docs/performance.md "Resolve (issue 15)"), writing each
line as it was made cost ~100 µs a request, against ~25 µs to make the line: each
`write` releases the GIL, and granian's I/O threads, which need it to hand requests to
the event loop and take answers back, contend for it at every line. Lines gathered and
written by one thread a few times a second cost the event loop only the append.

What is kept: every line, in order. A line at WARNING or above is written at once,
with whatever was waiting before it, so an error is never held back behind a crash;
INFO lines wait at most `FLUSH_S`. A process killed outright (SIGKILL) loses at most
that window of INFO lines; a normal exit, a signal granian handles and
`logging.shutdown` (at interpreter exit) all flush, and so does the end of a
multiprocessing child such as a granian worker.
"""

from __future__ import annotations

import logging
import multiprocessing.util
import threading
import time
from typing import Final, TextIO

FLUSH_S: Final = 0.05
"""How long an INFO line may wait for others to share its write."""

MAX_PENDING: Final = 512
"""Lines from which the batch is written at once, whatever the time."""


class BatchedStreamHandler(logging.StreamHandler[TextIO]):
    """`logging.StreamHandler`, writing lines below WARNING in batches (module doc)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._closed = False
        # A multiprocessing child (each granian worker) ends with `os._exit`, which runs
        # no `atexit` hook, so not `logging.shutdown` either; its finalizers do run.
        multiprocessing.util.Finalize(None, self.flush, exitpriority=100)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._add(line, urgent=record.levelno >= logging.WARNING)

    def write_line(self, line: str) -> None:
        """An already rendered line below WARNING (`aka.logging.log_access`)."""
        self._add(line, urgent=False)

    def _add(self, line: str, *, urgent: bool) -> None:
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            first = not self._pending
            self._pending.append(line + self.terminator)
            urgent = urgent or len(self._pending) >= MAX_PENDING
            if not urgent and not self._closed:
                if first:  # the writer sleeps until a batch begins
                    self._start_writer()
                    self._wake.set()
                return
            self._write_pending()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_pending()

    def close(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._closed = True
            self._write_pending()
        self._wake.set()
        super().close()

    def _start_writer(self) -> None:
        # Started on first use, in the process that logs: a handler made before a fork
        # (granian's workers) gets its own writer in each child.
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(
                target=self._write_forever, name="aka-log-writer", daemon=True
            )
            self._writer.start()

    def _write_forever(self) -> None:
        while not self._closed:
            self._wake.wait()
            # Let the lines of the next few milliseconds join this write. Cleared before
            # writing: a batch begun while this one is written wakes the next turn.
            time.sleep(FLUSH_S)
            self._wake.clear()
            self.flush()

    def _write_pending(self) -> None:
        """Under `self.lock`: write and flush every waiting line, oldest first."""
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        try:
            self.stream.write("".join(lines))
            self.stream.flush()
        except Exception:  # a closed or broken stream: as StreamHandler, never raise
            logging.Handler.handleError(self, logging.makeLogRecord({"msg": "log write"}))
