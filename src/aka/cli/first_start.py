"""What the first use of an empty store does, whichever command comes first: `aka serve`,
or `aka import` into `default` before the store was ever served (ADR 0032)."""

from __future__ import annotations

import logging

import typer

from aka.config import Settings
from aka.core.ports import Store
from aka.service import admin

log = logging.getLogger("aka")


def bootstrap(store: Store, settings: Settings) -> None:
    """On an empty store, workspace `default` and its admin key (`AKA_ADMIN_KEY`'s, else
    a new one printed once on stderr: whoever comes first must show it, or nobody will)."""
    issued = admin.bootstrap(store, settings.admin_key)
    if issued is None or settings.admin_key is not None:
        return
    if settings.log_format == "json":  # every stderr line stays one JSON object
        log.warning("created workspace 'default' and admin key %s (shown once)", issued.secret)
    else:
        typer.echo(
            f"Created workspace 'default' and an admin key (shown once):\n"
            f"  {issued.secret}\nSet AKA_ADMIN_KEY to choose your own.",
            err=True,
        )
