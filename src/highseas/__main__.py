"""``python -m highseas`` is the ``highseas`` command."""

from highseas.cli import app

app()
