"""remembered import mappings and value maps

``import_mapping`` keeps the column mapping a person confirmed for a header row (keyed by a hash
of the normalised header), applied by default to the next file with the same header;
``import_value_map`` keeps the company's own values for a field (grade labels of the CRM it
left: 重要客户 → A), one per (field, source value).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('header_hash', sa.String(length=64), nullable=False),
    sa.Column('header', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_import_mapping_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mapping')),
    sa.UniqueConstraint('header_hash', name=op.f('uq_import_mapping_header_hash'))
    )
    op.create_table('import_value_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('source_value', sa.String(length=100), nullable=False),
    sa.Column('target_value', sa.String(length=100), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_import_value_map_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_value_map')),
    sa.UniqueConstraint('field', 'source_value', name='uq_import_value_map_field_source')
    )


def downgrade() -> None:
    op.drop_table('import_value_map')
    op.drop_table('import_mapping')
