"""The full-text index of messages, which the models cannot declare: the database keeps it in the transaction that
writes a message (SQLite: an FTS5 table kept by triggers; PostgreSQL: a GIN index on an expression).

A new database gets it from `install` (after the models' tables); an older one from revision 0003, which holds
the same statements as they were then. Lines about the conversation (services.threadlines) are not indexed.
"""
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

FTS_TABLE = 'message_fts'
PG_INDEX = 'ix_message_search'
PG_CONFIG = 'parley_search'   # a text search configuration: words as written, without their accents

SQLITE = (
    # unicode61 with remove_diacritics 2: "razao" finds "razão", "cafe" finds "Café"; a prefix index of three
    # letters answers "raz"* from the index (services.search).
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body, content='message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='3')",
    f"CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON message WHEN new.event IS NULL BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON message WHEN old.event IS NULL BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.id, old.body); END",
    f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF body ON message WHEN old.event IS NULL BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.id, old.body); "
    f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
)
SQLITE_FILL = f'INSERT INTO {FTS_TABLE}(rowid, body) SELECT id, body FROM message WHERE event IS NULL'
POSTGRESQL_INDEX = (f"CREATE INDEX {PG_INDEX} ON message USING gin (to_tsvector('{PG_CONFIG}', body)) "
                    'WHERE event IS NULL')


def install(connection: Connection) -> None:
    """Create the index on a database whose tables were just made from the models."""
    if connection.dialect.name == 'sqlite':
        for statement in SQLITE:
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql(SQLITE_FILL)
    else:
        postgresql_config(connection)
        connection.exec_driver_sql(POSTGRESQL_INDEX)


def postgresql_config(connection: Connection) -> None:
    """The search configuration: PostgreSQL's `simple` words, accents removed by the unaccent extension when the
    server has it (its contrib package); without it, words keep their accents."""
    savepoint = connection.begin_nested()
    try:
        connection.exec_driver_sql('CREATE EXTENSION IF NOT EXISTS unaccent')
        savepoint.commit()
        unaccent = True
    except DBAPIError:
        savepoint.rollback()
        unaccent = False
    connection.exec_driver_sql(f'DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}')
    connection.exec_driver_sql(f'CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = simple)')
    if unaccent:
        connection.exec_driver_sql(f'ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} ALTER MAPPING FOR '
                                   'hword, hword_part, word WITH unaccent, simple')


def unmanaged(name: str) -> bool:
    """Whether a table or index is this module's (Alembic's comparison with the models leaves it alone)."""
    return name == PG_INDEX or name.startswith(FTS_TABLE)
