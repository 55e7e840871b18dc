"""Bounded integers for input: ids and counts must fit the database's INTEGER columns, so an
out-of-range number is a ``validation_error`` instead of a database failure."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_INT = 2**31 - 1

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
