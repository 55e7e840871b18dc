"""record order per customer

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:11:04.573039
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_seq', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('ownership_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('ownership_event', schema=None) as batch_op:
        batch_op.drop_column('seq')

    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_column('seq')

    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.drop_column('seq')

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('record_seq')

