"""`python -m aka` is the `aka` command."""

from aka.cli.main import app

app()
