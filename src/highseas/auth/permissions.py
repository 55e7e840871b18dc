"""Who may see and act on what, by DESIGN.md's rules: one function, :func:`can`.

Visibility is open downward and closed upward in the org tree: admins see everything, managers
the customers of their department subtree and the pools shared with it, sales users their own
customers and the pools they belong to. A customer the actor may not see is ``not_found``.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, or_, select, true
from sqlalchemy.orm import Session

from highseas import errors
from highseas.customers.models import Customer
from highseas.org.models import Role, User
from highseas.org.queries import get_user, manages
from highseas.pools.models import Pool
from highseas.pools.queries import (
    contacts_hidden_clause,
    is_pool_admin,
    is_pool_member,
    managed_users_query,
    viewer_parameters,
    visible_pool_ids,
    visible_pools_query,
)


class Action(StrEnum):
    VIEW = "view"  # a customer, pool or user
    EDIT = "edit"  # a customer's descriptive fields; a pool's rules and claim settings; a user's name
    ASSIGN = "assign"  # a customer, to the user ``to``
    TRANSFER = "transfer"  # an owned customer, to the user ``to``
    DELETE = "delete"  # soft-delete or restore a customer
    IMPORT = "import"  # leads into a pool
    DISTRIBUTE = "distribute"  # a pool's unowned customers, in bulk (each move is also an ASSIGN)
    EXPORT = "export"  # a pool's unowned customers, or the customers a user owns
    MERGE = "merge"  # a customer with another record of the same real customer (asked of both)
    ADMINISTER = "administer"  # the org tree, users, settings, pools' membership and hiding, sweeps


Target = Customer | Pool | User | None

SYSTEM = User(id=None, username="system", name="HighSeas", role=Role.ADMIN, active=True)
"""The actor of the bootstrap paths that serve no request (``highseas createadmin``, ``highseas
demo``, tests' fixtures): an admin that is no row. No edge serving a request may use it (a test
holds the API and the web to that); the audit trail records it with no actor id."""


def can(session: Session, actor: User, action: Action, target: Target = None, to: User | None = None) -> bool:
    """The one place that decides who may do what; :func:`visible_customers_clause` is its SQL twin.

    It answers whether a visible target may be acted on: callers answer ``not_found`` for a target
    the actor may not VIEW before they ask about anything else."""
    if actor.role is Role.ADMIN:
        return True
    if isinstance(target, Customer):
        return _can_on_customer(session, actor, action, target, to)
    if isinstance(target, Pool):
        return _can_on_pool(session, actor, action, target)
    if isinstance(target, User):
        return _can_on_user(session, actor, action, target)
    return False


def _can_on_pool(session: Session, actor: User, action: Action, pool: Pool) -> bool:
    """Pool admins run the pool's customers and its rules; its name, members, admins and hiding
    are the admins' (ADMINISTER, answered above)."""
    if action is Action.VIEW:
        return pool.id in visible_pool_ids(session, actor)
    pool_admin = is_pool_admin(session, actor, pool.id)
    if action is Action.DISTRIBUTE:
        # A manager hands out what the pools shared with their subtree hold; to whom is ASSIGN's.
        return pool_admin or (actor.role is Role.MANAGER and pool.id in visible_pool_ids(session, actor))
    return action in (Action.EDIT, Action.IMPORT, Action.EXPORT) and pool_admin


def _can_on_user(session: Session, actor: User, action: Action, user: User) -> bool:
    if action in (Action.VIEW, Action.EXPORT):
        return manages(session, actor, user)
    return action is Action.EDIT and user.id == actor.id


def _can_on_customer(
    session: Session, actor: User, action: Action, customer: Customer, to: User | None
) -> bool:
    owner = get_user(session, customer.owner_id) if customer.owner_id is not None else None
    manages_owner = owner is not None and actor.role is Role.MANAGER and manages(session, actor, owner)
    pool_admin = owner is None and is_pool_admin(session, actor, customer.pool_id)
    if action is Action.VIEW:
        in_visible_pool = owner is None and customer.pool_id in visible_pool_ids(session, actor)
        return customer.owner_id == actor.id or manages_owner or in_visible_pool
    if action in (Action.EDIT, Action.MERGE):
        # A merge asks this of both records: an owner merges two of their own, a pool admin two
        # of their pools' unowned ones; a manager over the owner edits, but does not merge.
        return customer.owner_id == actor.id or pool_admin or (action is Action.EDIT and manages_owner)
    manages_target = to is not None and actor.role is Role.MANAGER and manages(session, actor, to)
    if action is Action.ASSIGN:
        # A pool admin hands out their pool's customers to its members; a manager gives what they
        # can see to someone of their subtree. Never to oneself: that would be a claim that skips
        # the pool's claim rules (membership, daily limit, reclaim protection).
        if to is None or to.id == actor.id:
            return False
        to_pool_member = pool_admin and is_pool_member(session, to, customer.pool_id)
        return to_pool_member or (manages_target and can(session, actor, Action.VIEW, customer))
    if action is Action.TRANSFER:
        return manages_owner and manages_target
    return False


def can_see_customer(session: Session, actor: User, customer: Customer) -> bool:
    return can(session, actor, Action.VIEW, customer)


def visible_pool(session: Session, actor: User, pool_id: int) -> Pool:
    """The pool, or ``not_found`` when the actor may not see it."""
    pool = session.get(Pool, pool_id)
    if pool is None or not can(session, actor, Action.VIEW, pool):
        raise errors.NotFound(f"no pool {pool_id}")
    return pool


def visible_user(session: Session, actor: User, user_id: int) -> User:
    """The user, or ``not_found`` when the actor may not see them."""
    user = session.get(User, user_id)
    if user is None or not can(session, actor, Action.VIEW, user):
        raise errors.NotFound(f"no user {user_id}")
    return user


def pools_for(session: Session, actor: User, action: Action) -> list[Pool]:
    """The pools the actor sees and may do ``action`` on, by id (the pools are few)."""
    visible = session.scalars(
        select(Pool).where(Pool.id.in_(visible_pool_ids(session, actor))).order_by(Pool.id)
    )
    return [pool for pool in visible if can(session, actor, action, pool)]


def ensure(
    session: Session,
    actor: User,
    action: Action,
    target: Target = None,
    to: User | None = None,
    *,
    doing: str,
) -> None:
    """Raise ``forbidden`` unless ``can``; callers check visibility first (``not_found``)."""
    if not can(session, actor, action, target, to):
        raise errors.Forbidden(f"you may not {doing}")


@cache
def visible_customers_clause(role: Role) -> ColumnElement[bool]:
    """The SQL twin of ``can(…, Action.VIEW, customer)``: the customers a viewer of ``role`` may
    see at all, run with :func:`~highseas.pools.service.viewer_parameters`."""
    if role is Role.ADMIN:
        return true()
    in_visible_pool = and_(Customer.owner_id.is_(None), Customer.pool_id.in_(visible_pools_query(role)))
    clauses: list[ColumnElement[bool]] = [Customer.owner_id == bindparam("user_id"), in_visible_pool]
    if role is Role.MANAGER:
        clauses.append(Customer.owner_id.in_(managed_users_query(role)))
    return or_(*clauses)


def managed_user_ids(session: Session, actor: User) -> Select[int]:
    """The users the actor manages (everyone, for an admin), as a subquery."""
    users = managed_users_query(actor.role)
    if actor.role is Role.ADMIN:
        return users
    return users.params(**viewer_parameters(session, actor))


def contact_hidden_pool_ids(session: Session, actor: User) -> set[int]:
    """Pools whose unowned customers' contact details this actor may not see."""
    if actor.role is Role.ADMIN:
        return set()
    return set(session.scalars(_contact_hidden_pools_query(), {"user_id": actor.id}))


@cache
def _contact_hidden_pools_query() -> Select[int]:
    return select(Pool.id).where(contacts_hidden_clause())


@cache
def customer_contacts_hidden(role: Role) -> ColumnElement[bool]:
    """The SQL twin of ``not contacts_shown(…)``, for a viewer of ``role``, run with the
    ``user_id`` parameter: whether a customer's contact details are hidden from them."""
    if role is Role.ADMIN:
        return false()
    return and_(Customer.owner_id.is_(None), Customer.pool_id.in_(_contact_hidden_pools_query()))


def contacts_shown(owner_id: int | None, pool_id: int, hidden_pool_ids: set[int]) -> bool:
    """Whether a customer's phone, email and WeChat may be shown, given
    :func:`contact_hidden_pool_ids` of the viewer: only unowned customers hide them."""
    return owner_id is not None or pool_id not in hidden_pool_ids
