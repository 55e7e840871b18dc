"""lead intake

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:48:22.014405
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('invalid', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('possible_duplicates', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_import_batch_actor_id_user_account')),
    sa.ForeignKeyConstraint(['pool_id'], ['pool.id'], name=op.f('fk_import_batch_pool_id_pool')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch')),
    sa.UniqueConstraint('pool_id', 'file_sha256', name='uq_import_batch_pool_file')
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_actor_id'), ['actor_id'], unique=False)

    op.create_table('import_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('column_name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('invalid', 'duplicate', 'possible', name='issuekind', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('duplicate_of_row', sa.Integer(), nullable=True),
    sa.Column('existing_customer_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_issue_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_import_issue_customer_id_customer')),
    sa.ForeignKeyConstraint(['existing_customer_id'], ['customer.id'], name=op.f('fk_import_issue_existing_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_issue'))
    )
    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.create_index('ix_import_issue_batch_row', ['batch_id', 'row_number'], unique=False)

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('import_batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_customer_company_key'), ['company_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_import_batch_id'), ['import_batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_customer_import_batch_id_import_batch'), 'import_batch', ['import_batch_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customer_import_batch_id_import_batch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_customer_import_batch_id'))
        batch_op.drop_index(batch_op.f('ix_customer_company_key'))
        batch_op.drop_column('import_batch_id')
        batch_op.drop_column('company_key')

    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.drop_index('ix_import_issue_batch_row')

    op.drop_table('import_issue')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_actor_id'))

    op.drop_table('import_batch')
