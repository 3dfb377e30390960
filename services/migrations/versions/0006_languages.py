"""Languages: each person's language

`user.language` is the language Parley speaks to an agent (their choice in their settings; NULL: their browser's) or
to a customer (from the live chat, or set by an agent; NULL: the team's default). Only adds a column, so processes of
the previous version keep working during a rolling restart.

Revision ID: 0006
Revises: 0005
Created: 2026-12-02 23:05:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
