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

    def _insert(self, table):
        """An INSERT that can say what to do on a conflict (SQLite and PostgreSQL)."""
        return (sqlite_insert if self.is_sqlite else postgresql_insert)(table)

    def insert_ignoring_duplicates(self, table):
        """INSERT ... ON CONFLICT DO NOTHING: a duplicate key inserts nothing."""
        return self._insert(table).on_conflict_do_nothing()

    def insert_or_update(self, table, *, keys: list[str], where, update: Callable[[object], dict]):
        """INSERT ... ON CONFLICT (keys) WHERE where DO UPDATE SET update(excluded): an upsert on a partial unique
        index. `update` gets the would-be row (`excluded`) and returns the new values."""
        statement = self._insert(table)
        return statement.on_conflict_do_update(index_elements=keys, index_where=where,
                                               set_=update(statement.excluded))

    def prepare(self, statement, columns: Sequence[str] | None = None) -> 'Prepared':
        return Prepared(self.engine, statement, columns)

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


_UNSET = object()   # a bind with no value yet (Prepared._row_plan)


class Prepared:
    """A statement compiled once and run on the driver, without SQLAlchemy's per-call work (parameter handling,
    result processing): for the send path, which runs a handful of statements per message, one of them with a
    row per teammate.

    Values are given by bind name (an INSERT's binds are its columns); constants in the statement keep their
    compiled values, and each bind's own type processing (UTC datetimes, enums) still applies. Results come
    back as the driver's plain values (enums as their names, booleans as 0/1).
    """

    def __init__(self, engine: Engine, statement, columns: Sequence[str] | None = None) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect, column_keys=list(columns) if columns else None)
        self.sql = compiled.string
        self._defaults = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        self._names = list(compiled.positiontup) if dialect.positional else list(compiled.binds)
        self._positional = dialect.positional
        self._process = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self._process[name] = process
        self._columns = tuple(columns or ())
        self._plan = self._row_plan()

    def _row_plan(self):
        """For execute_many on a positional driver (SQLite): the parameters with every constant already in place
        and converted, and where each column's value goes; None where a bind has neither (the generic path)."""
        if not (self._positional and self._columns):
            return None
        constants = {name: value if value is None or name not in self._process else self._process[name](value)
                     for name, value in self._defaults.items()}
        template = [constants.get(name, _UNSET) for name in self._names]
        places = []
        for index, column in enumerate(self._columns):
            slots = [slot for slot, name in enumerate(self._names) if name == column]
            for slot in slots:
                template[slot] = None
            places.append((index, tuple(slots), self._process.get(column)))
        return None if _UNSET in template else (template, tuple(places))

    def _params(self, values: dict, converted: dict):
        merged = {**self._defaults, **values}
        for name, process in self._process.items():
            value = merged.get(name)
            if value is not None:
                if (name, value) not in converted:   # rows of one send share most values: convert each once
                    converted[name, value] = process(value)
                merged[name] = converted[name, value]
        return tuple(merged[n] for n in self._names) if self._positional else merged

    def execute(self, connection: Connection, **values):
        return connection.exec_driver_sql(self.sql, self._params(values, {}))

    def execute_many(self, connection: Connection, rows: Sequence[tuple]) -> None:
        """One executemany; rows are tuples in the order of the columns given when compiling."""
        converted: dict = {}   # rows of one send share most values (its time, its message): convert each once
        if self._plan is None:
            params = [self._params(dict(zip(self._columns, row, strict=True)), converted) for row in rows]
        else:   # the same values as _params gives, without a dict per row (a send has a row per teammate)
            template, places = self._plan
            params = []
            for row in rows:
                if len(row) != len(places):
                    raise ValueError(f'a row of {len(row)} values for {len(places)} columns')
                values = template.copy()
                for index, slots, process in places:
                    value = row[index]
                    if process is not None and value is not None:
                        key = (index, value)
                        if key not in converted:
                            converted[key] = process(value)
                        value = converted[key]
                    for slot in slots:
                        values[slot] = value
                params.append(tuple(values))
        connection.exec_driver_sql(self.sql, params)


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
