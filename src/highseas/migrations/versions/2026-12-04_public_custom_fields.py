"""public custom fields per pool; dedup hits looked up per user

``pool.public_custom_fields`` lists the custom field keys a pool shows while it hides contact
details (none by default); ``ix_audit_event_actor_at`` answers "how many dedup hits did this user
make lately" for the dedup rate limit.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pool', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_custom_fields', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_actor_at', ['actor_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_actor_at')
    with op.batch_alter_table('pool', schema=None) as batch_op:
        batch_op.drop_column('public_custom_fields')
