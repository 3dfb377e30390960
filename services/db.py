"""Engine, SQLite pragmas, and transaction() whose on_commit hooks run only after a commit."""
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
import logging

from sqlalchemy import event, inspect
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
        """Create missing tables; refuse a database written by an older Parley with other columns."""
        SQLModel.metadata.create_all(self.engine)
        existing = inspect(self.engine)
        for table in SQLModel.metadata.sorted_tables:
            have = {c['name'] for c in existing.get_columns(table.name)}
            missing = sorted(set(table.columns.keys()) - have)
            if missing:
                raise RuntimeError(f'The database {self.engine.url} was created by an older Parley (table '
                                   f'{table.name} lacks {", ".join(missing)}). Move it away (or delete it for a demo '
                                   'workspace) and start again.')

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

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA busy_timeout=10000')
    cursor.close()
