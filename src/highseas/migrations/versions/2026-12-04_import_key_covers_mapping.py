"""import key covers the mapping

An import's key was the pool and the file's SHA-256, so a file imported with a wrong column mapping
could not be imported again with the corrected one. ``import_batch.mapping_sha256`` is the SHA-256
of the effective mapping (canonical JSON); the batches before it were imported with the default
mapping, the empty one. The unique key becomes (pool_id, file_sha256, mapping_sha256).

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-04 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# hashlib.sha256(b"{}").hexdigest(): the canonical JSON of the empty mapping.
EMPTY_MAPPING_SHA256 = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'


def upgrade() -> None:
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mapping_sha256', sa.String(length=64), nullable=True))
    op.execute(sa.text('UPDATE import_batch SET mapping_sha256 = :empty').bindparams(empty=EMPTY_MAPPING_SHA256))
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.alter_column('mapping_sha256', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint('uq_import_batch_pool_file', type_='unique')
        batch_op.create_unique_constraint(
            'uq_import_batch_pool_file_mapping', ['pool_id', 'file_sha256', 'mapping_sha256']
        )


def downgrade() -> None:
    # Fails while one file sits in a pool under two mappings: the old key allows only one.
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_constraint('uq_import_batch_pool_file_mapping', type_='unique')
        batch_op.create_unique_constraint('uq_import_batch_pool_file', ['pool_id', 'file_sha256'])
        batch_op.drop_column('mapping_sha256')
