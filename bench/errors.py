"""The one exception the bench raises on purpose: a scenario that could not be measured."""


class BenchError(Exception):
    """A scenario failed (a server did not start, an answer was wrong, a tool is missing)."""
