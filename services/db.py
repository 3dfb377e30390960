"""Engine, SQLite pragmas, and transaction() whose on_commit hooks run only after a commit."""
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
import logging

from sqlalchemy import Column, event, inspect, literal, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.notifications import MESSAGES_OPEN

log = logging.getLogger(__name__)


class Transaction:
    """A connection in a transaction, plus callbacks to run once the commit has succeeded.

    `connection` is for plain statements (the send path uses only that); `session` is an ORM session on the
    same connection, made the first time it is asked for.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._session: Session | None = None
        self._on_commit: list[Callable[[], None]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

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
                for statement in _BEFORE_NEW_INDEXES.get(table.name, ()):
                    connection.execute(text(statement))
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
        with self.engine.begin() as connection:   # commits at the end of the block, rolls back on an error
            tx = Transaction(connection)
            try:
                yield tx
                if tx._session is not None:
                    tx._session.flush()
            finally:
                if tx._session is not None:
                    tx._session.close()
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

    def insert_or_update(self, table, *, keys: list[str], where, update: Callable[[object], dict]):
        """INSERT ... ON CONFLICT (keys) WHERE where DO UPDATE SET update(excluded): an upsert on a partial unique
        index, for SQLite and PostgreSQL. `update` gets the would-be row (`excluded`) and returns the new values."""
        statement = (sqlite_insert if self.is_sqlite else postgresql_insert)(table)
        return statement.on_conflict_do_update(index_elements=keys, index_where=where,
                                               set_=update(statement.excluded))

    def bulk(self, statement, columns: Sequence[str]) -> 'Bulk':
        return Bulk(self.engine, statement, columns)

    def dispose(self) -> None:
        self.engine.dispose()


# Data a newer Parley's indexes need, fixed when a table gains its columns (before the indexes are made).
_BEFORE_NEW_INDEXES = {
    # One open "new messages" notice per agent and conversation (models.notifications): older ones merge into
    # the latest.
    'notification': tuple(statement.format(open=MESSAGES_OPEN, same=(
        'o.user_id = notification.user_id AND o.conversation_id = notification.conversation_id')) for statement in (
        'UPDATE notification SET count = (SELECT count(*) FROM notification AS o WHERE {same} AND {open})'
        ' WHERE {open}',
        'DELETE FROM notification WHERE {open} AND id < (SELECT max(o.id) FROM notification AS o WHERE {same}'
        ' AND {open})')),
}


class Bulk:
    """A many-row INSERT compiled once and run on the driver's executemany, without SQLAlchemy's per-row work
    (parameter dicts, per-value type processing): for the send path, where one message is a row per teammate.

    Rows are tuples in `columns` order; the columns' own type processing (e.g. UTC datetimes) still applies.
    """

    def __init__(self, engine: Engine, statement, columns: Sequence[str]) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        self.sql = compiled.string
        table = statement.table
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        self._convert = [(i, p) for i, p in enumerate(processors) if p is not None]
        names = compiled.positiontup if dialect.positional else None
        if names is not None and list(names) != list(columns):
            unknown = set(names) - set(columns)
            if unknown:
                raise ValueError(f'statement has parameters besides the columns: {sorted(unknown)}')
        self._order = None if names is None or list(names) == list(columns) else [columns.index(n) for n in names]
        self._columns = tuple(columns)
        self._positional = dialect.positional

    def run(self, connection: Connection, rows: Sequence[tuple]) -> None:
        """One executemany for all the rows (rows of one send share most values: each is converted once)."""
        converted: dict = {}
        prepared = []
        for row in rows:
            if self._convert:
                row = list(row)
                for i, process in self._convert:
                    value = row[i]
                    if value is not None:
                        if (i, value) not in converted:
                            converted[i, value] = process(value)
                        row[i] = converted[i, value]
            if self._order is not None:
                row = [row[i] for i in self._order]
            prepared.append(tuple(row) if self._positional else dict(zip(self._columns, row, strict=True)))
        connection.exec_driver_sql(self.sql, prepared)


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
