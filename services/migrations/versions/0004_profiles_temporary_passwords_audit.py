"""Agent profiles, temporary passwords, deleted customers, the audit log

Agents get a profile (avatar colour and initials, time zone) and a flag for a temporary password they must
replace; a deleted customer keeps their row (their messages stay) with the time of deletion; admin actions are
recorded in auditentry. An unmatched email can become a ticket: PostgreSQL's inboundoutcome type gets TICKETED
(a value stays in the type on downgrade; PostgreSQL cannot drop one).

Revision ID: 0004
Revises: 0003
Created: 2026-12-02 13:57:38.242916
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TYPE inboundoutcome ADD VALUE IF NOT EXISTS 'TICKETED'")
    op.create_table('auditentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['subject_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.create_index('ix_auditentry_action', ['action', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_subject_id'), ['subject_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('avatar_color', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('avatar_initials', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('time_zone', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('time_zone')
        batch_op.drop_column('avatar_initials')
        batch_op.drop_column('avatar_color')
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditentry_subject_id'))
        batch_op.drop_index(batch_op.f('ix_auditentry_actor_id'))
        batch_op.drop_index('ix_auditentry_action')

    op.drop_table('auditentry')
