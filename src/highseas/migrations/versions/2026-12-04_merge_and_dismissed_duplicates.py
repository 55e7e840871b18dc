"""merged customers, dismissed possible duplicates, company keys as sales-ops compares them

``customer.merged_into_id`` names the customer a merged (soft-deleted) record lives on in;
``dismissed_duplicate`` holds the pairs someone decided are two companies (the lower id first, one
row per pair). Existing company keys are computed again: traditional characters now fold into
simplified, English legal forms go, a person's name is no company key, and a customer without a
company whose name reads as an organisation gets that name's key. The key needs Python (OpenCC),
so the rows are read in batches of :data:`BATCH` by id, and only the keys that change are written.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-04 19:30:00.000000
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from highseas.customers.companies import company_key, company_of

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000
log = logging.getLogger('alembic.runtime.migration')


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_customer_merged_into_id_customer'), 'customer', ['merged_into_id'], ['id'])
        where = sa.text('merged_into_id IS NOT NULL')
        batch_op.create_index('ix_customer_merged_into_id', ['merged_into_id'], unique=False, postgresql_where=where, sqlite_where=where)

    op.create_table('dismissed_duplicate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('customer_id < other_id', name=op.f('ck_dismissed_duplicate_ordered_pair')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_dismissed_duplicate_actor_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_dismissed_duplicate_customer_id_customer')),
    sa.ForeignKeyConstraint(['other_id'], ['customer.id'], name=op.f('fk_dismissed_duplicate_other_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dismissed_duplicate'))
    )
    with op.batch_alter_table('dismissed_duplicate', schema=None) as batch_op:
        batch_op.create_index('uq_dismissed_duplicate_pair', ['customer_id', 'other_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_dismissed_duplicate_other_id'), ['other_id'], unique=False)

    _recompute_company_keys()


def _recompute_company_keys() -> None:
    connection = op.get_bind()
    customer = sa.table('customer', sa.column('id'), sa.column('name'), sa.column('company'), sa.column('company_key'))
    total = connection.scalar(sa.select(sa.func.count()).select_from(customer)) or 0
    write = sa.update(customer).where(customer.c.id == sa.bindparam('row_id')).values(company_key=sa.bindparam('key'))
    last_id, done, changed = 0, 0, 0
    while True:
        rows = connection.execute(
            sa.select(customer.c.id, customer.c.name, customer.c.company, customer.c.company_key)
            .where(customer.c.id > last_id)
            .order_by(customer.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        updates = []
        for row_id, name, company, old_key in rows:
            named = company_of(company, name)
            key = company_key(named) if named else None
            if key != old_key:
                updates.append({'row_id': row_id, 'key': key})
        if updates:
            connection.execute(write, updates)
        last_id, done, changed = rows[-1][0], done + len(rows), changed + len(updates)
        log.info('company keys: %d of %d customers read, %d changed', done, total, changed)


def downgrade() -> None:
    with op.batch_alter_table('dismissed_duplicate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dismissed_duplicate_other_id'))
        batch_op.drop_index('uq_dismissed_duplicate_pair')
    op.drop_table('dismissed_duplicate')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_merged_into_id')
        batch_op.drop_constraint(batch_op.f('fk_customer_merged_into_id_customer'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
