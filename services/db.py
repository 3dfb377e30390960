"""Engine, SQLite pragmas, and transaction(): its domain events run their handlers inside it (Hooks,
services.hooks), its on_commit callbacks run only after the commit. The schema is services.migrate's."""
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
import logging

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)


E = TypeVar('E')


class Hooks:
    """Handlers per domain event type (services.hooks); `emit` runs them, in order, in the caller's transaction."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Callable[[Transaction, Any], None]]] = {}

    def on(self, kind: type[E], handler: 'Callable[[Transaction, E], None]') -> None:
        self._handlers.setdefault(kind, []).append(handler)

    def emit(self, tx: 'Transaction', event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            handler(tx, event)


class Transaction:
    """A connection in a transaction, plus callbacks to run once the commit has succeeded.

    `connection` is for plain statements (the send path uses only that); `session` is an ORM session on the
    same connection, made the first time it is asked for.
    """

    def __init__(self, connection: Connection, hooks: Hooks) -> None:
        self.connection = connection
        self.hooks = hooks
        self._session: Session | None = None
        self._on_commit: list[Callable[[], None]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit.append(callback)

    def emit(self, event: object) -> None:
        """Run the handlers registered for this domain event, now, in this transaction (services.hooks)."""
        self.hooks.emit(self, event)


class Database:
    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        self.hooks = Hooks()   # handlers of the domain events a transaction emits (registered by build_parley)
        self._prepared: dict[int, tuple[object, Prepared]] = {}
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == 'sqlite'
        kwargs: dict = {}
        if self.is_sqlite:
            if parsed.database and parsed.database != ':memory:':
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs['connect_args'] = {'check_same_thread': False, 'timeout': 10}
        elif pool_size is not None:   # PostgreSQL: each process keeps pool_size, and as many again when busy
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        # The file of an SQLite database (None in memory), for the copy made before an upgrade.
        self.sqlite_path = Path(parsed.database) if self.is_sqlite and parsed.database not in (None, '', ':memory:') \
            else None
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, 'connect', _sqlite_pragmas)

    def session(self) -> Session:
        """A read session; objects stay readable after it closes."""
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Commit on success, roll back on error; on_commit hooks run after the commit only."""
        with self.engine.begin() as connection:   # commits at the end of the block, rolls back on an error
            tx = Transaction(connection, self.hooks)
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

    def insert_or_update(self, table, *, keys: list[str], where, update: Callable[[Any], dict]):
        """INSERT ... ON CONFLICT (keys) WHERE where DO UPDATE SET update(excluded): an upsert on a partial unique
        index. `update` gets the would-be row (`excluded`) and returns the new values."""
        statement = self._insert(table)
        return statement.on_conflict_do_update(index_elements=keys, index_where=where,
                                               set_=update(statement.excluded))

    def prepare(self, statement, columns: Sequence[str] | None = None) -> 'Prepared':
        return Prepared(self.engine, statement, columns)

    def prepared(self, statement) -> 'Prepared':
        """The statement prepared once for this database (a module-level statement used by many calls)."""
        found = self._prepared.get(id(statement))
        if found is None or found[0] is not statement:
            found = self._prepared[id(statement)] = (statement, Prepared(self.engine, statement))
        return found[1]

    def dispose(self) -> None:
        self.engine.dispose()


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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA busy_timeout=10000')
    cursor.close()
