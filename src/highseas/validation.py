"""Input checks shared by the services: ids and counts must fit the database's INTEGER columns
(so an out-of-range number is a ``validation_error``, not a database failure), and partial updates
may not null a required field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated

from pydantic import Field

from highseas import errors

MAX_INT = 2**31 - 1

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]


def reject_nulls(changes: Mapping[str, object], fields: Iterable[str]) -> None:
    """A partial update may leave these fields out, but may not set them to null."""
    for field in fields:
        if field in changes and changes[field] is None:
            raise errors.InvalidInput(field, "must not be null")
