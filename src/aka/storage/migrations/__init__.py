"""Alembic environment for aka's schema; run it through `aka.storage.migrate`."""
