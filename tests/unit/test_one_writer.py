"""One module writes ownership: the architecture test of DESIGN.md's invariant 9.

It walks the source of every module under ``src/highseas`` and fails when a module outside the
:mod:`highseas.ownership.writer` package writes a customer's ``owner_id`` — an attribute assignment, a
keyword argument (``.values(owner_id=…)``, ``Customer(owner_id=…)``), a key of a dict of values,
raw SQL that sets it — or inserts into the ownership event log.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import highseas

SOURCE = Path(highseas.__file__).parent
WRITER = SOURCE / "ownership" / "writer"
EVENT_INSERT = "an INSERT into the ownership event table"
# Migrations describe the schema; they never move a customer.
EXEMPT = (SOURCE / "migrations",)

_SQL_SETS_OWNER = re.compile(
    r"UPDATE\s+customer\s+SET\b[^;]*?\bowner_id\s*=|INSERT\s+INTO\s+customer\s*\([^)]*\bowner_id\b",
    re.I | re.S,
)
# Calls that write the columns named by their keywords (others, like audit(owner_id=…), only record).
_WRITING_CALLS = frozenset({"values", "update", "insert", "Customer"})
_SQL_LOGS_EVENT = re.compile(r"INSERT\s+INTO\s+ownership_event\b", re.I)


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [(node.lineno, "assigns .owner_id") for t in targets if _is_owner_attribute(t)]
        elif isinstance(node, ast.Call) and _called(node) in _WRITING_CALLS:
            found += [(k.value.lineno, "passes owner_id=") for k in node.keywords if k.arg == "owner_id"]
            if _inserts_events(node):
                found.append((node.lineno, EVENT_INSERT))
        elif isinstance(node, ast.Dict):
            keys = [k for k in node.keys if isinstance(k, ast.Constant) and k.value == "owner_id"]
            found += [(k.lineno, "a values dict with 'owner_id'") for k in keys]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _SQL_SETS_OWNER.search(node.value):
                found.append((node.lineno, "SQL that sets owner_id"))
            if _SQL_LOGS_EVENT.search(node.value):
                found.append((node.lineno, "SQL that inserts into ownership_event"))
        elif isinstance(node, ast.Call) and _inserts_events(node):
            found.append((node.lineno, EVENT_INSERT))
    return found


def _called(call: ast.Call) -> str | None:
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else None


def _is_owner_attribute(target: ast.expr) -> bool:
    if isinstance(target, ast.Tuple | ast.List):
        return any(_is_owner_attribute(t) for t in target.elts)
    return isinstance(target, ast.Attribute) and target.attr == "owner_id"


def _inserts_events(call: ast.Call) -> bool:
    """``insert(OwnershipEvent…)``, ``table_of(OwnershipEvent).insert()``, ``OwnershipEvent(…)``
    added to a session: any mention of the event model next to an insert or a constructor."""
    function = call.func
    names = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)}
    if "OwnershipEvent" not in names and "_event" not in names:
        return False
    if isinstance(function, ast.Name) and function.id in ("insert", "OwnershipEvent"):
        return True
    return isinstance(function, ast.Attribute) and function.attr == "insert"


def offending_lines() -> list[str]:
    problems = []
    for path in sorted(SOURCE.rglob("*.py")):
        if any(path.is_relative_to(exempt) for exempt in (WRITER, *EXEMPT)):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        problems += [f"{path.relative_to(SOURCE)}:{line}: {what}" for line, what in _writes(tree)]
    return problems


def test_only_the_writer_writes_owners_and_ownership_events() -> None:
    assert offending_lines() == []


def test_the_walk_finds_every_kind_of_write_it_forbids() -> None:
    # The check itself, on the shapes that existed before the writer: each must be caught.
    samples = {
        "customer.owner_id = user.id": "assigns .owner_id",
        "update(Customer).values(owner_id=user_id)": "passes owner_id=",
        "session.add(Customer(name='x', owner_id=me.id))": "passes owner_id=",
        "moved = {'owner_id': None, 'locked': False}": "a values dict with 'owner_id'",
        "text('UPDATE customer SET locked = false, owner_id = :u')": "SQL that sets owner_id",
        "text('INSERT INTO ownership_event (customer_id) SELECT id FROM customer')": (
            "SQL that inserts into ownership_event"
        ),
        "session.execute(table_of(OwnershipEvent).insert(), rows)": EVENT_INSERT,
        "session.add(OwnershipEvent(customer_id=1))": EVENT_INSERT,
    }
    for source, kind in samples.items():
        assert kind in [what for _, what in _writes(ast.parse(source))], source
    # Reading the owner, or recording which owner an export was of, is not writing it.
    reads = "select(Customer).where(Customer.owner_id == 1, c.owner_id.is_(None)); audit(s, owner_id=1)"
    assert _writes(ast.parse(reads)) == []
