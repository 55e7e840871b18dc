"""What an import remembers for the next one: the column mapping a person confirmed for a header
row, and the company's value maps (the grade labels of the CRM it left: 重要客户 → A).

A mapping is saved when an import runs with an explicit mapping (by whoever may import into the
pool, which the import has checked) and applies by default to the next file with the same header
row; an explicit mapping still wins, column by column. Value maps are edited by the admins and
the pool admins of any pool, in the import's preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, pools_for
from highseas.customers.models import GRADES
from highseas.db import is_postgresql
from highseas.intake.mapping import HeaderRules, header_hash, header_rules
from highseas.intake.models import ImportValueMap, RememberedMapping
from highseas.org.models import User

VALUE_MAP_FIELDS = {"grade": GRADES}
"""The fields a company maps its own values for, and the values each may be mapped to."""
MAX_VALUE_LENGTH = 100
MAX_VALUES = 500
"""Values one call may map: a CRM's grade labels are a handful."""


def remembered_mapping(session: Session, header: list[str]) -> dict[str, str] | None:
    """The mapping confirmed for files with this header row, if one was."""
    found = session.scalars(
        select(RememberedMapping.mapping).where(RememberedMapping.header_hash == header_hash(header))
    ).first()
    return dict(found) if found is not None else None


def rules_for(session: Session, header: list[str], explicit: Mapping[str, str]) -> tuple[HeaderRules, bool]:
    """How to read a file with this header: the remembered mapping with the explicit one over it;
    and whether a remembered mapping applied."""
    remembered = remembered_mapping(session, header)
    if remembered is None:
        return header_rules(explicit), False
    return header_rules(remembered | dict(explicit)), True


def _upsert(session: Session, model: type[Any], rows: list[dict[str, Any]], key: list[str]) -> None:
    """Insert the rows, or update the one already there with the same ``key``: two people saving
    the same mapping or value at once both succeed, the later one's kept."""
    insert = postgresql.insert if is_postgresql(session) else sqlite.insert
    statement = insert(model).values(rows)
    changed = {name: statement.excluded[name] for name in rows[0] if name not in key}
    session.execute(statement.on_conflict_do_update(index_elements=key, set_=changed))


def remember_mapping(
    session: Session, actor: User, pool_id: int, header: list[str], mapping: dict[str, str]
) -> None:
    """Keep ``mapping`` (every column's field) for files with this header row. The caller is the
    import, which has checked that ``actor`` may import into ``pool_id``."""
    if remembered_mapping(session, header) == mapping:
        return
    row = {
        "header_hash": header_hash(header),
        "header": header,
        "mapping": mapping,
        "updated_by_id": actor.id,
        "updated_at": clock.now(),
    }
    _upsert(session, RememberedMapping, [row], ["header_hash"])
    audit(session, "import_mapping_saved", actor_id=actor.id, pool_id=pool_id, header=header, mapping=mapping)
    session.flush()


def value_maps(session: Session) -> dict[str, dict[str, str]]:
    """The company's value maps, by field: ``{"grade": {"重要客户": "A"}}``."""
    maps: dict[str, dict[str, str]] = {}
    rows = session.execute(
        select(ImportValueMap.field, ImportValueMap.source_value, ImportValueMap.target_value)
    )
    for field, source, target in rows:
        maps.setdefault(field, {})[source] = target
    return maps


def _checked(field: str, mapping: Mapping[str, str | None]) -> dict[str, str | None]:
    allowed = VALUE_MAP_FIELDS.get(field)
    if allowed is None:
        raise errors.InvalidInput(
            "value_map", f"{field!r}: only {', '.join(VALUE_MAP_FIELDS)} values are mapped"
        )
    if len(mapping) > MAX_VALUES:
        raise errors.InvalidInput("value_map", f"{field}: more than {MAX_VALUES} values")
    checked: dict[str, str | None] = {}
    for source, target in mapping.items():
        key = source.strip()
        if not key or len(key) > MAX_VALUE_LENGTH:
            raise errors.InvalidInput(
                "value_map", f"{field}: a value must have 1 to {MAX_VALUE_LENGTH} characters"
            )
        value = target.strip().upper() if target and target.strip() else None
        if value is not None and value not in allowed:
            raise errors.InvalidInput(
                "value_map", f"{field}: {source!r} must map to one of {', '.join(allowed)}"
            )
        checked[key] = value
    return checked


def set_value_map(session: Session, actor: User, field: str, mapping: Mapping[str, str | None]) -> None:
    """Map each source value of ``field`` to its target (an empty target forgets the value), for
    every later import; for the admins and the pool admins of any pool, audited."""
    if not pools_for(session, actor, Action.IMPORT):
        raise errors.Forbidden("value maps are for admins and pool admins")
    checked = _checked(field, mapping)
    if not checked:
        return
    current = value_maps(session).get(field, {})
    changes = {source: target for source, target in checked.items() if current.get(source) != target}
    if not changes:
        return
    forgotten = [source for source, target in changes.items() if target is None]
    if forgotten:
        session.execute(
            delete(ImportValueMap).where(
                ImportValueMap.field == field, ImportValueMap.source_value.in_(forgotten)
            )
        )
    now = clock.now()
    kept = [
        {
            "field": field,
            "source_value": source,
            "target_value": target,
            "updated_by_id": actor.id,
            "updated_at": now,
        }
        for source, target in changes.items()
        if target is not None
    ]
    if kept:
        _upsert(session, ImportValueMap, kept, ["field", "source_value"])
    audit(
        session,
        "import_value_map",
        actor_id=actor.id,
        field=field,
        changes={source: {"from": current.get(source), "to": target} for source, target in changes.items()},
    )
    session.flush()


def set_value_maps(session: Session, actor: User, maps: Mapping[str, Mapping[str, str | None]]) -> None:
    """:func:`set_value_map` for each field of ``maps``."""
    for field, mapping in maps.items():
        set_value_map(session, actor, field, mapping)
