"""Attachments, message edits and deletions, saved replies

Kept files get a row each in `attachment` (an upload waits there until it is sent; a file from an email until
that email is posted); a message can be edited (earlier text in `messageversion`) or deleted (`deleted_at`);
saved replies are the team's (owner_id NULL) or one agent's.

Revision ID: 0005
Revises: 0004
Created: 2026-12-02 16:57:45.093257
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('savedreply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('shortcut', sa.String(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('savedreply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savedreply_owner_id'), ['owner_id'], unique=False)

    op.create_table('messageversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('messageversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messageversion_message_id'), ['message_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(), nullable=False),
    sa.Column('digest', sa.String(), nullable=False),
    sa.Column('image', sa.Boolean(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('preview_digest', sa.String(), nullable=True),
    sa.Column('thumb_digest', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['inbound_id'], ['inboundemail.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['uploader_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_digest'), ['digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_inbound_id'), ['inbound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_message_id'), ['message_id'], unique=False)
        batch_op.create_index('ix_attachment_staged', ['uploader_id', 'message_id'], unique=False)

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('edited_at')

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_staged')
        batch_op.drop_index(batch_op.f('ix_attachment_message_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_inbound_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_digest'))

    op.drop_table('attachment')
    with op.batch_alter_table('messageversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messageversion_message_id'))

    op.drop_table('messageversion')
    with op.batch_alter_table('savedreply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savedreply_owner_id'))

    op.drop_table('savedreply')
