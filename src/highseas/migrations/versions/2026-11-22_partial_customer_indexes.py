"""partial customer indexes

The dedup, due-date, owner and import-batch indexes of ``customer`` leave out the rows whose
leading column is null (see ``highseas.customers.models._where_set``): every query through them
compares that column, and a bulk import no longer pays index entries for absent values.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 15:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('ix_customer_owner_due', ('owner_id', 'due_at')),
    ('ix_customer_phone_e164', ('phone_e164',)),
    ('ix_customer_email_key', ('email_key',)),
    ('ix_customer_credit_code', ('credit_code',)),
    ('ix_customer_company_key', ('company_key',)),
    ('ix_customer_due_at', ('due_at',)),
    ('ix_customer_remind_at', ('remind_at',)),
    ('ix_customer_import_batch_id', ('import_batch_id',)),
)


def _recreate(partial: bool) -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        for name, columns in INDEXES:
            where = sa.text(f'{columns[0]} IS NOT NULL') if partial else None
            batch_op.drop_index(name)
            batch_op.create_index(name, list(columns), unique=False, postgresql_where=where, sqlite_where=where)


def upgrade() -> None:
    _recreate(partial=True)


def downgrade() -> None:
    _recreate(partial=False)
