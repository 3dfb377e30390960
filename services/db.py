"""Engine, SQLite pragmas, and transaction() whose on_commit hooks run only after a commit."""
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
import logging

from sqlalchemy import Column, event, inspect, literal, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

import models  # noqa: F401  (registers every table on SQLModel.metadata)

log = logging.getLogger(__name__)


class Transaction:
    """A session plus callbacks to run once the commit has succeeded."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._on_commit: list[Callable[[], None]] = []

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit.append(callback)


class Database:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == 'sqlite'
        kwargs: dict = {}
        if self.is_sqlite:
            if parsed.database and parsed.database != ':memory:':
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs['connect_args'] = {'check_same_thread': False, 'timeout': 10}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, 'connect', _sqlite_pragmas)

    def create_all(self) -> None:
        """Create missing tables and add columns a newer Parley added; refuse what cannot be upgraded in place."""
        SQLModel.metadata.create_all(self.engine)
        existing = inspect(self.engine)
        for table in SQLModel.metadata.sorted_tables:
            have = {c['name'] for c in existing.get_columns(table.name)}
            missing = [table.columns[name] for name in table.columns.keys() if name not in have]
            if not missing:
                continue
            with self.engine.begin() as connection:
                for column in missing:
                    connection.execute(text(_add_column_sql(table.name, column, self.engine)))
                for index in table.indexes:
                    index.create(connection, checkfirst=True)
            log.info('upgraded table %s: added %s', table.name, ', '.join(c.name for c in missing))
        with self.engine.begin() as connection:  # copies a newer Parley keeps, filled in for older rows
            connection.execute(text('UPDATE participant SET last_message_at = (SELECT last_message_at FROM '
                                    'conversation WHERE conversation.id = participant.conversation_id) '
                                    'WHERE last_message_at IS NULL'))

    def session(self) -> Session:
        """A read session; objects stay readable after it closes."""
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Commit on success, roll back on error; on_commit hooks run after the commit only."""
        with Session(self.engine, expire_on_commit=False) as session:
            tx = Transaction(session)
            try:
                yield tx
                session.commit()
            except BaseException:
                session.rollback()
                raise
        for callback in tx._on_commit:
            try:
                callback()
            except Exception:  # the write is done; a failing hook must not turn it into an error
                log.exception('on_commit hook failed')

    def insert_ignoring_duplicates(self, table):
        """INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL): a duplicate key inserts nothing."""
        if self.is_sqlite:
            return sqlite_insert(table).on_conflict_do_nothing()
        return postgresql_insert(table).on_conflict_do_nothing()

    def dispose(self) -> None:
        self.engine.dispose()


def _add_column_sql(table: str, column: Column, engine: Engine) -> str:
    """ALTER TABLE for a column added in a later version: it needs a constant default (or NULL) to fill old rows."""
    default = column.default.arg if column.default is not None and column.default.is_scalar else None
    if column.primary_key or (column.foreign_keys and default is not None) or \
            (not column.nullable and default is None):
        raise RuntimeError(f'The database {engine.url} was created by an older Parley and its table {table} cannot '
                           f'be upgraded in place (column {column.name}). Move it away (or delete it for a demo '
                           'workspace) and start again.')
    if isinstance(default, Enum):
        default = default.name   # SQLAlchemy stores enum members by name
    sql = f'ALTER TABLE "{table}" ADD COLUMN "{column.name}" {column.type.compile(dialect=engine.dialect)}'
    if default is not None:
        value = literal(default).compile(dialect=engine.dialect, compile_kwargs={'literal_binds': True})
        sql += f' NOT NULL DEFAULT {value}' if not column.nullable else f' DEFAULT {value}'
    for key in column.foreign_keys:   # a new nullable reference keeps its constraint
        sql += f' REFERENCES "{key.column.table.name}" ("{key.column.name}")'
    return sql


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA busy_timeout=10000')
    cursor.close()
