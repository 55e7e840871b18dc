"""audit event username index

The login limits ask whether a username logged in from an address before: an index on
``audit_event (username, at)`` answers from the few rows of that username.

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-04 04:00:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0011'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_username_at', ['username', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_username_at')
