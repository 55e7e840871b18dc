"""The one writer of ownership: every change of a customer's owner (and of the pool it sits in
unowned) and every row of the ownership event log are built here, and nowhere else
(``tests/unit/test_one_writer.py`` walks the source to keep it so): one package, its
single-row path in :mod:`.one`, its set-based path in :mod:`.many`.

Callers decide; this module writes. Each writer changes the rows and appends one event per
customer in the same transaction, from the same values:

- :func:`move_ownership` — one customer (claim, release, assign, transfer): a compare-and-set
  ``UPDATE`` that on PostgreSQL appends its event in the same statement;
- :func:`move_all` — every customer matching a condition (deactivation, distribution): two
  statements whatever the number of rows, the events first (they name the owner before the move);
- :func:`recycle` — the sweep's due customers, one statement on PostgreSQL;
- :func:`add_customer` and :func:`log_imported` — a created customer and an import batch's
  customers, each with its first event;
- :func:`merge_ownership` — two records of one customer merged, a ``merge`` event on each.

The caller holds the locks its rows need (see :mod:`highseas.ownership.service`); nothing here
waits for a lock the caller has not already ordered.
"""

from __future__ import annotations

from highseas.ownership.writer.many import Counts, count_recycled, log_imported, move_all, recycle
from highseas.ownership.writer.merging import merge_ownership
from highseas.ownership.writer.one import add_customer, move_ownership

__all__ = [
    "Counts",
    "add_customer",
    "count_recycled",
    "log_imported",
    "merge_ownership",
    "move_all",
    "move_ownership",
    "recycle",
]
