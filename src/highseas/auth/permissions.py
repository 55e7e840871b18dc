"""Who may see and act on what, by DESIGN.md's rules.

Visibility is open downward and closed upward in the org tree: admins see everything, managers
the customers of their department subtree and the pools shared with it, sales users their own
customers and the pools they belong to. A customer the actor may not see is ``not_found``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import Session

from highseas import errors
from highseas.customers.models import Customer
from highseas.org.models import Role, User
from highseas.org.service import department_subtree, get_user, manages
from highseas.pools.models import Pool, PoolAdmin
from highseas.pools.service import is_pool_admin, visible_pool_ids


def can_see_customer(session: Session, actor: User, customer: Customer) -> bool:
    if actor.role is Role.ADMIN or customer.owner_id == actor.id:
        return True
    if customer.owner_id is None:
        return customer.pool_id in visible_pool_ids(session, actor)
    return actor.role is Role.MANAGER and manages(session, actor, get_user(session, customer.owner_id))


def ensure_admin(actor: User, doing: str) -> None:
    if actor.role is not Role.ADMIN:
        raise errors.Forbidden(f"only an admin may {doing}")


def can_assign(session: Session, actor: User, customer: Customer, target: User) -> bool:
    """Admins; a pool admin for the customers sitting in their pool; a manager over the target
    for pool customers they can see and customers of users they manage."""
    if actor.role is Role.ADMIN:
        return True
    if customer.owner_id is None and is_pool_admin(session, actor, customer.pool_id):
        return True
    return (
        actor.role is Role.MANAGER
        and manages(session, actor, target)
        and can_see_customer(session, actor, customer)
    )


def can_transfer(session: Session, actor: User, owner: User, target: User) -> bool:
    return actor.role is Role.ADMIN or (
        actor.role is Role.MANAGER and manages(session, actor, owner) and manages(session, actor, target)
    )


def visible_customers(session: Session, actor: User) -> ColumnElement[bool]:
    """The SQL twin of :func:`can_see_customer`: the customers ``actor`` may see at all."""
    if actor.role is Role.ADMIN:
        return true()
    in_visible_pool = and_(
        Customer.owner_id.is_(None), Customer.pool_id.in_(visible_pool_ids(session, actor))
    )
    clauses: list[ColumnElement[bool]] = [Customer.owner_id == actor.id, in_visible_pool]
    if actor.role is Role.MANAGER:
        clauses.append(Customer.owner_id.in_(managed_user_ids(session, actor)))
    return or_(*clauses)


def managed_user_ids(session: Session, actor: User) -> Select[int]:
    """Users of the actor's department subtree (everyone, for an admin), as a subquery."""
    if actor.role is Role.ADMIN:
        return select(User.id)
    return select(User.id).where(User.department_id.in_(department_subtree(session, actor.department_id)))


def contact_hidden_pool_ids(session: Session, actor: User) -> set[int]:
    """Pools whose unowned customers' contact details this actor may not see."""
    if actor.role is Role.ADMIN:
        return set()
    hidden = set(session.scalars(select(Pool.id).where(Pool.hide_contact.is_(True))))
    administered = set(session.scalars(select(PoolAdmin.pool_id).where(PoolAdmin.user_id == actor.id)))
    return hidden - administered


def contact_visible(customer_owner_id: int | None, customer_pool_id: int, hidden_pool_ids: set[int]) -> bool:
    return customer_owner_id is not None or customer_pool_id not in hidden_pool_ids
