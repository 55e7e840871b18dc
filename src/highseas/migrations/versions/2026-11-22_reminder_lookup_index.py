"""reminder lookup index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 12:42:19.207825
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_customer_due'))
        batch_op.drop_index(batch_op.f('ix_reminder_user_id'))
        batch_op.create_index('ix_reminder_customer_due_user', ['customer_id', 'due_at', 'user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_customer_due_user')
        batch_op.create_index(batch_op.f('ix_reminder_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_customer_due'), ['customer_id', 'due_at'], unique=False)

