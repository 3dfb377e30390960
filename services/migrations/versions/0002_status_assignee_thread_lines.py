"""Open, snoozed, closed; assignees; thread lines

A conversation's status becomes a plain text column holding the enum's value ('open', as every enum added since),
so "snoozed" needs no change of a PostgreSQL enum type; participants get a copy of it for the inbox index. A
customer conversation an agent has answered gets that agent as its assignee.

Revision ID: 0002
Revises: 0001
Created: 2026-12-02 09:17:39.956830
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.alter_column('status', type_=sa.String(), existing_nullable=False,
                              postgresql_using='lower(status::text)')
        batch_op.add_column(sa.Column('status_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('snoozed_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_conversation_assignee', ['assignee_id', 'status', 'last_message_at', 'id'], unique=False)
        batch_op.create_index('ix_conversation_snoozed', ['status', 'snoozed_until'], unique=False)
        batch_op.create_foreign_key('fk_conversation_assignee', 'user', ['assignee_id'], ['id'])
        batch_op.create_foreign_key('fk_conversation_status_by', 'user', ['status_by_id'], ['id'])
    if postgresql:
        sa.Enum(name='conversationstatus').drop(op.get_bind())
    else:
        op.execute("UPDATE conversation SET status = lower(status)")

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event', sa.String(), nullable=True))

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(), server_default='open', nullable=False))
        batch_op.drop_index(batch_op.f('ix_participant_user_recent'))
        batch_op.create_index('ix_participant_inbox', ['user_id', 'status', 'last_message_at', 'conversation_id',
                                                       'unread_count'], unique=False)
    op.execute("UPDATE participant SET status = (SELECT c.status FROM conversation c "
               "WHERE c.id = participant.conversation_id)")
    # The agent who answered a customer conversation has it: the first agent to have joined it.
    op.execute("UPDATE conversation SET assignee_id = (SELECT p.user_id FROM participant p JOIN \"user\" u "
               "ON u.id = p.user_id WHERE p.conversation_id = conversation.id AND u.kind = 'AGENT' "
               "ORDER BY p.joined_at, p.user_id LIMIT 1) WHERE kind = 'CUSTOMER' AND NOT unassigned")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index('ix_participant_inbox')
        batch_op.create_index(batch_op.f('ix_participant_user_recent'), ['user_id', 'last_message_at', 'conversation_id'], unique=False)
        batch_op.drop_column('status')

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('event')

    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_conversation_status_by', type_='foreignkey')
        batch_op.drop_constraint('fk_conversation_assignee', type_='foreignkey')
        batch_op.drop_index('ix_conversation_snoozed')
        batch_op.drop_index('ix_conversation_assignee')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('snoozed_until')
        batch_op.drop_column('status_by_id')
    # 0.1 knew open and closed only, by name.
    op.execute("UPDATE conversation SET status = CASE WHEN status = 'closed' THEN 'CLOSED' ELSE 'OPEN' END")
    status = sa.Enum('OPEN', 'CLOSED', name='conversationstatus')
    if postgresql:
        status.create(op.get_bind())
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.alter_column('status', type_=status, existing_nullable=False,
                              postgresql_using='status::conversationstatus')
