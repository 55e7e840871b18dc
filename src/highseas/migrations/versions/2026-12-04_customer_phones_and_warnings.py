"""customer phones after the first; import warnings and report parameters

``customer_phone`` holds every phone of a customer after the first (which stays in ``customer``),
indexed by its E.164 key for dedup; ``import_batch.warnings`` counts the rows imported without one
of their values; ``import_issue.params`` fills in the reason, now a message id translated for the
report's reader (earlier reasons are English sentences without parameters and stay readable).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-04 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('customer_phone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_phone_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_phone'))
    )
    with op.batch_alter_table('customer_phone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_phone_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_phone_phone_e164'), ['phone_e164'], unique=False)
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warnings', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.drop_column('params')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('warnings')
    with op.batch_alter_table('customer_phone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_phone_phone_e164'))
        batch_op.drop_index(batch_op.f('ix_customer_phone_customer_id'))
    op.drop_table('customer_phone')
