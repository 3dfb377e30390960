"""Message search: the full-text index the models cannot declare (services.fulltext)

SQLite: an FTS5 table over message.body (unicode61, accents removed) kept by triggers, filled from the messages
there are. PostgreSQL: a text search configuration without accents (when the server has unaccent) and a GIN index
on the expression the search uses. The statements are the ones services.fulltext.install had at this revision.

Revision ID: 0003
Revises: 0002
Created: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE message_fts USING fts5(body, content='message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='3')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message WHEN new.event IS NULL BEGIN "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message WHEN old.event IS NULL BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON message WHEN old.event IS NULL BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    'INSERT INTO message_fts(rowid, body) SELECT id, body FROM message WHERE event IS NULL',
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for statement in SQLITE:
            op.execute(statement)
        return
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql('CREATE EXTENSION IF NOT EXISTS unaccent')
        savepoint.commit()
        unaccent = True
    except sa.exc.DBAPIError:
        savepoint.rollback()
        unaccent = False
    op.execute('DROP TEXT SEARCH CONFIGURATION IF EXISTS parley_search')
    op.execute('CREATE TEXT SEARCH CONFIGURATION parley_search (COPY = simple)')
    if unaccent:
        op.execute('ALTER TEXT SEARCH CONFIGURATION parley_search ALTER MAPPING FOR hword, hword_part, word '
                   'WITH unaccent, simple')
    op.execute("CREATE INDEX ix_message_search ON message USING gin (to_tsvector('parley_search', body)) "
               'WHERE event IS NULL')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER IF EXISTS message_fts_{trigger}')
        op.execute('DROP TABLE IF EXISTS message_fts')
        return
    op.execute('DROP INDEX IF EXISTS ix_message_search')
    op.execute('DROP TEXT SEARCH CONFIGURATION IF EXISTS parley_search')
