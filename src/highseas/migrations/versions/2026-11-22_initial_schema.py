"""initial schema

Instants are BIGINT microseconds since the Unix epoch (see highseas.db.Instant).

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 11:19:49.370543
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('company_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('default_capacity', sa.Integer(), nullable=False),
    sa.Column('default_lock_cap', sa.Integer(), nullable=False),
    sa.Column('won_counts_toward_capacity', sa.Boolean(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('default_pool_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['default_pool_id'], ['pool.id'], name='fk_company_settings_default_pool_id_pool', use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_settings'))
    )
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['department.id'], name=op.f('fk_department_parent_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department'))
    )
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_parent_id'), ['parent_id'], unique=False)

    op.create_table('job_lock',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_run_at', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_lock'))
    )
    op.create_table('pool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.Column('hide_contact', sa.Boolean(), nullable=False),
    sa.Column('reclaim_protection_days', sa.Integer(), nullable=False),
    sa.Column('daily_claim_limit', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool')),
    sa.UniqueConstraint('name', name=op.f('uq_pool_name'))
    )
    op.create_table('pool_member_department',
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_pool_member_department_department_id_department')),
    sa.ForeignKeyConstraint(['pool_id'], ['pool.id'], name=op.f('fk_pool_member_department_pool_id_pool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'department_id', name=op.f('pk_pool_member_department'))
    )
    with op.batch_alter_table('pool_member_department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_member_department_department_id'), ['department_id'], unique=False)

    op.create_table('recycle_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('no_followup', 'no_deal', 'no_repurchase', name='rulekind', native_enum=False, length=16), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('grades', sa.String(length=5), nullable=True),
    sa.Column('only_not_won', sa.Boolean(), nullable=False),
    sa.Column('remind_days_before', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['pool_id'], ['pool.id'], name=op.f('fk_recycle_rule_pool_id_pool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recycle_rule'))
    )
    with op.batch_alter_table('recycle_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recycle_rule_pool_id'), ['pool_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('admin', 'manager', 'sales', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('lock_cap', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_user_account_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_department_id'), ['department_id'], unique=False)

    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('phone_e164', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('email_key', sa.String(length=254), nullable=True),
    sa.Column('wechat', sa.String(length=64), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('grade', sa.String(length=1), nullable=True),
    sa.Column('stage', sa.Enum('lead', 'opportunity', 'customer', name='stage', native_enum=False, length=16), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('custom_fields', sa.JSON(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('previous_owner_id', sa.Integer(), nullable=True),
    sa.Column('won', sa.Boolean(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('claimed_at', sa.BigInteger(), nullable=True),
    sa.Column('released_at', sa.BigInteger(), nullable=True),
    sa.Column('last_followup_at', sa.BigInteger(), nullable=True),
    sa.Column('last_deal_at', sa.BigInteger(), nullable=True),
    sa.Column('due_at', sa.BigInteger(), nullable=True),
    sa.Column('due_rule_id', sa.Integer(), nullable=True),
    sa.Column('remind_at', sa.BigInteger(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_customer_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['due_rule_id'], ['recycle_rule.id'], name=op.f('fk_customer_due_rule_id_recycle_rule'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_customer_owner_id_user_account')),
    sa.ForeignKeyConstraint(['pool_id'], ['pool.id'], name=op.f('fk_customer_pool_id_pool')),
    sa.ForeignKeyConstraint(['previous_owner_id'], ['user_account.id'], name=op.f('fk_customer_previous_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_email_key'), ['email_key'], unique=False)
        batch_op.create_index('ix_customer_owner_due', ['owner_id', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_phone_e164'), ['phone_e164'], unique=False)
        batch_op.create_index('ix_customer_pool_owner', ['pool_id', 'owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_remind_at'), ['remind_at'], unique=False)

    op.create_table('pool_admin',
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['pool.id'], name=op.f('fk_pool_admin_pool_id_pool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_pool_admin_user_id_user_account')),
    sa.PrimaryKeyConstraint('pool_id', 'user_id', name=op.f('pk_pool_admin'))
    )
    with op.batch_alter_table('pool_admin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_admin_user_id'), ['user_id'], unique=False)

    op.create_table('pool_member_user',
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['pool.id'], name=op.f('fk_pool_member_user_pool_id_pool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_pool_member_user_user_id_user_account')),
    sa.PrimaryKeyConstraint('pool_id', 'user_id', name=op.f('pk_pool_member_user'))
    )
    with op.batch_alter_table('pool_member_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_member_user_user_id'), ['user_id'], unique=False)

    op.create_table('deal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('signed_at', sa.BigInteger(), nullable=False),
    sa.Column('repurchase', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_deal_customer_id_customer')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_deal_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal'))
    )
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_customer_id'), ['customer_id'], unique=False)

    op.create_table('followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('call', 'visit', 'message', 'meeting', 'email', name='followupkind', native_enum=False, length=16), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_followup_customer_id_customer')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_followup_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup'))
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_customer_id'), ['customer_id'], unique=False)

    op.create_table('ownership_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('create', 'import', 'claim', 'release', 'assign', 'transfer', 'recycle', name='eventkind', native_enum=False, length=16), nullable=False),
    sa.Column('from_user_id', sa.Integer(), nullable=True),
    sa.Column('to_user_id', sa.Integer(), nullable=True),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_ownership_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_ownership_event_customer_id_customer')),
    sa.ForeignKeyConstraint(['from_user_id'], ['user_account.id'], name=op.f('fk_ownership_event_from_user_id_user_account')),
    sa.ForeignKeyConstraint(['pool_id'], ['pool.id'], name=op.f('fk_ownership_event_pool_id_pool')),
    sa.ForeignKeyConstraint(['rule_id'], ['recycle_rule.id'], name=op.f('fk_ownership_event_rule_id_recycle_rule'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_user_id'], ['user_account.id'], name=op.f('fk_ownership_event_to_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ownership_event'))
    )
    with op.batch_alter_table('ownership_event', schema=None) as batch_op:
        batch_op.create_index('ix_ownership_event_actor_kind_at', ['actor_id', 'kind', 'at'], unique=False)
        batch_op.create_index('ix_ownership_event_customer', ['customer_id', 'id'], unique=False)

    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_reminder_customer_id_customer')),
    sa.ForeignKeyConstraint(['rule_id'], ['recycle_rule.id'], name=op.f('fk_reminder_rule_id_recycle_rule'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_reminder_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder'))
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_customer_due', ['customer_id', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_user_id'))
        batch_op.drop_index('ix_reminder_customer_due')

    op.drop_table('reminder')
    with op.batch_alter_table('ownership_event', schema=None) as batch_op:
        batch_op.drop_index('ix_ownership_event_customer')
        batch_op.drop_index('ix_ownership_event_actor_kind_at')

    op.drop_table('ownership_event')
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_customer_id'))

    op.drop_table('followup')
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_customer_id'))

    op.drop_table('deal')
    with op.batch_alter_table('pool_member_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pool_member_user_user_id'))

    op.drop_table('pool_member_user')
    with op.batch_alter_table('pool_admin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pool_admin_user_id'))

    op.drop_table('pool_admin')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_remind_at'))
        batch_op.drop_index('ix_customer_pool_owner')
        batch_op.drop_index(batch_op.f('ix_customer_phone_e164'))
        batch_op.drop_index('ix_customer_owner_due')
        batch_op.drop_index(batch_op.f('ix_customer_email_key'))
        batch_op.drop_index(batch_op.f('ix_customer_due_at'))
        batch_op.drop_index(batch_op.f('ix_customer_credit_code'))

    op.drop_table('customer')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_department_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('recycle_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recycle_rule_pool_id'))

    op.drop_table('recycle_rule')
    with op.batch_alter_table('pool_member_department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pool_member_department_department_id'))

    op.drop_table('pool_member_department')
    op.drop_table('pool')
    op.drop_table('job_lock')
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_parent_id'))

    op.drop_table('department')
    op.drop_table('company_settings')
