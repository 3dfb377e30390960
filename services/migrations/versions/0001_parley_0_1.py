"""Parley 0.1: conversations, messages, deliveries, notifications, items, email

The schema exactly as Parley 0.1 made it with create_all (before migrations). A database of that release has no
alembic_version table: services.migrate checks its tables and marks it as this revision.

Revision ID: 0001
Revises:
Created: 2026-12-02 06:16:57.755832
"""
from alembic import op
import sqlalchemy as sa

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('AGENT', 'CUSTOMER', name='userkind'), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('email', sa.String(), nullable=False),
    sa.Column('organization', sa.String(), nullable=True),
    sa.Column('password_hash', sa.String(), nullable=True),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('session_generation', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_email'), ['email'], unique=True)
        batch_op.create_index(batch_op.f('ix_user_kind'), ['kind'], unique=False)

    op.create_table('item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('TICKET', 'TASK', name='itemkind'), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('priority', sa.String(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'number', name='uq_item_kind_number')
    )
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index('ix_item_assignee', ['assignee_id', 'kind'], unique=False)
        batch_op.create_index('ix_item_kind_status', ['kind', 'status', 'updated_at'], unique=False)

    op.create_table('notificationsettings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('grid', sa.Text(), nullable=False),
    sa.Column('email_delay_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('INTERNAL', 'CUSTOMER', name='conversationkind'), nullable=False),
    sa.Column('status', sa.Enum('OPEN', 'CLOSED', name='conversationstatus'), nullable=False),
    sa.Column('subject', sa.String(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_preview', sa.String(), nullable=False),
    sa.Column('last_message_author_id', sa.Integer(), nullable=True),
    sa.Column('unassigned', sa.Boolean(), nullable=False),
    sa.Column('customer_preview', sa.String(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_conversation_unassigned', ['unassigned', 'last_message_at'], unique=False)

    op.create_table('customerthread',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('reply_token', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('conversation_id', 'customer_id'),
    sa.UniqueConstraint('reply_token')
    )
    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(), nullable=False),
    sa.Column('client_id', sa.String(), nullable=False),
    sa.Column('is_note', sa.Boolean(), nullable=False),
    sa.Column('via', sa.String(), nullable=False),
    sa.Column('attachments', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('author_id', 'client_id', name='uq_message_author_client')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_conversation_id', ['conversation_id', 'id'], unique=False)

    op.create_table('outboundemail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(), nullable=False),
    sa.Column('to_name', sa.String(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('reply_to', sa.String(), nullable=True),
    sa.Column('message_id', sa.String(), nullable=False),
    sa.Column('in_reply_to', sa.String(), nullable=True),
    sa.Column('references', sa.String(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('QUEUED', 'RETRYING', 'SENT', 'FAILED', 'KEPT', name='emailstatus'), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('outboundemail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outboundemail_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index('ix_outboundemail_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('participant',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.Column('unread_count', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('conversation_id', 'user_id')
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index('ix_participant_user_conversation', ['user_id', 'conversation_id'], unique=False)
        batch_op.create_index('ix_participant_user_recent', ['user_id', 'last_message_at', 'conversation_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('QUEUED', 'LIVE', 'SEEN', 'EMAILED', 'EMAIL_FAILED', 'REPLIED', name='deliverystate'), nullable=False),
    sa.Column('email_due_at', sa.DateTime(), nullable=False),
    sa.Column('email_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['email_id'], ['outboundemail.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id', 'customer_id', name='uq_delivery_message_customer')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_conversation_customer', ['conversation_id', 'customer_id', 'state'], unique=False)
        batch_op.create_index('ix_delivery_due', ['state', 'email_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_email_id'), ['email_id'], unique=False)

    op.create_table('inboundemail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('from_address', sa.String(), nullable=False),
    sa.Column('from_name', sa.String(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('email_message_id', sa.String(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('POSTED', 'DUPLICATE', 'BOUNCE', 'AUTO_REPLY', 'EMPTY', 'UNMATCHED', 'NOT_PARTICIPANT', 'QUARANTINED', 'ATTACHED', 'DISCARDED', name='inboundoutcome'), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attachments', sa.String(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inboundemail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inboundemail_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inboundemail_email_message_id'), ['email_message_id'], unique=False)
        batch_op.create_index('ix_inboundemail_outcome', ['outcome', 'id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('preview', sa.String(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('link', sa.String(), nullable=False),
    sa.Column('channels', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('email_due_at', sa.DateTime(), nullable=True),
    sa.Column('emailed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'key', name='uq_notification_user_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_email_due', ['emailed_at', 'read_at', 'email_due_at'], unique=False)
        batch_op.create_index('ix_notification_user_conversation', ['user_id', 'conversation_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notification_user_unread', ['user_id', 'read_at', 'id'], unique=False)
        batch_op.create_index('uq_notification_unread_messages', ['user_id', 'conversation_id'], unique=True, sqlite_where=sa.text("kind = 'message' AND read_at IS NULL AND emailed_at IS NULL"), postgresql_where=sa.text("kind = 'message' AND read_at IS NULL AND emailed_at IS NULL"))


ENUMS = ('userkind', 'itemkind', 'conversationkind', 'conversationstatus', 'emailstatus', 'deliverystate',
         'inboundoutcome')


def downgrade() -> None:
    for table in ('notification', 'inboundemail', 'delivery', 'participant', 'outboundemail', 'message',
                  'customerthread', 'conversation', 'notificationsettings', 'item', 'user'):
        op.drop_table(table)   # with its indexes
    for name in ENUMS:   # PostgreSQL's enum types outlive their tables
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
