"""Schema migrations with Alembic (services/migrations): what start-up and `python main.py --upgrade-only` run.

A database is upgraded to the newest revision in one transaction, one process at a time (a PostgreSQL advisory
lock; a lock file beside an SQLite database). Before an SQLite file is changed it is copied, with SQLite's online
backup, to `<file>.before-<revision>`. A database Parley 0.1 made (before migrations, no alembic_version table) is
revision 0001 once its tables are checked; a database a newer Parley wrote is refused.

New revision after changing models/: `python -m services.migrate revision "what changed"` (autogenerate; read it).
"""
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
import fcntl
import logging
import sqlite3
import sys

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models._types import EnumText, UTCDateTime
from services import fulltext
from services.db import Database

log = logging.getLogger(__name__)
logging.getLogger('alembic').setLevel(logging.WARNING)   # what was done is said in one line, below

FOLDER = Path(__file__).parent / 'migrations'
BASELINE = '0001'   # the schema of Parley 0.1, the last release without migrations
LOCK_KEY = 0x7061726c6579   # pg_advisory_xact_lock key: 'parley'


class NewerDatabase(RuntimeError):
    """The database was written by a newer Parley: this one must not touch it."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option('script_location', str(FOLDER))
    config.attributes['connection'] = connection
    return config


@cache
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    newest = scripts().get_current_head()
    if newest is None:
        raise RuntimeError('services/migrations/versions has no revision')
    return newest


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def differences(connection: Connection) -> list:
    """What the models have that the database lacks, or the reverse (empty when they agree)."""
    context = MigrationContext.configure(connection, opts={'compare_type': True, 'render_item': render_item,
                                                           'include_object': include_object})
    return compare_metadata(context, SQLModel.metadata)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """The full-text index (services.fulltext) is not the models': comparing them leaves it out."""
    return not (name and fulltext.unmanaged(name))


def render_item(type_: str, obj, autogen_context):
    """Migrations name plain SQLAlchemy types: UTCDateTime is DateTime in the database; AutoString and EnumText (an
    enum kept as its value) are String."""
    if type_ == 'type':
        if isinstance(obj, UTCDateTime):
            return 'sa.DateTime()'
        if isinstance(obj, EnumText) or type(obj).__name__ == 'AutoString':
            return 'sa.String()'
    return False


def upgrade(db: Database) -> str:
    """Bring the database to the newest revision; returns what was done, in one line (also logged)."""
    with _one_process(db):
        with db.engine.connect() as connection:
            versioned = current(connection) is not None
            before = _revision_of(connection)
        target = head()
        if versioned and before == target:
            said = f'database at revision {target} (up to date)'
        elif before is None:
            with db.engine.begin() as connection:   # a new database: the models' tables, marked newest
                SQLModel.metadata.create_all(connection)
                fulltext.install(connection)   # what the models cannot declare
                command.stamp(alembic_config(connection), target)
            said = f'database created at revision {target}'
        else:
            copy = _backup(db, before)
            with _upgrading(db) as connection:
                if not versioned:   # Parley 0.1's tables, checked by _revision_of
                    command.stamp(alembic_config(connection), BASELINE)
                command.upgrade(alembic_config(connection), 'head')
            said = (f'database upgraded from {f"revision {before}" if versioned else "Parley 0.1"} to revision '
                    f'{target}' + (f'; the copy from before is {copy}' if copy else ''))
    log.info(said)
    return said


@contextmanager
def _upgrading(db: Database) -> Iterator[Connection]:
    """One transaction for the whole upgrade. On SQLite, DDL included (Python's sqlite3 begins one only before a
    DML statement), with foreign keys checked once at the end instead of on each statement: a table a revision
    rebuilds (batch mode) is dropped while other tables' rows point to it (SQLite's own procedure for it)."""
    if not db.is_sqlite:
        with db.engine.begin() as connection:
            yield connection
        return
    with db.engine.connect() as connection:
        connection.exec_driver_sql('PRAGMA foreign_keys = OFF')   # only outside a transaction
        connection.commit()
        try:
            with connection.begin():
                connection.exec_driver_sql('BEGIN')
                yield connection
                broken = connection.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
                if broken:
                    raise RuntimeError(f'the upgrade would leave rows pointing nowhere: {broken[:5]}')
        finally:
            connection.exec_driver_sql('PRAGMA foreign_keys = ON')
            connection.commit()


def _revision_of(connection: Connection) -> str | None:
    """The database's revision: None when empty, BASELINE for Parley 0.1's tables; refuses the unknown."""
    revision = current(connection)
    if revision is None:
        tables = set(inspect(connection).get_table_names())
        if not tables:
            return None
        missing = {f'{table}.{column}' for table, columns in _baseline_columns().items()
                   for column in (columns if table in tables else ['*'])
                   if table not in tables or column not in {c['name'] for c in inspect(connection).get_columns(table)}}
        if missing:
            raise RuntimeError(f'The database {_name(connection)} was made by a Parley older than 0.1 (it lacks '
                               f'{", ".join(sorted(missing)[:5])}) and cannot be upgraded in place. Move it away '
                               '(or delete it, for a demo workspace) and start again.')
        return BASELINE
    try:
        scripts().get_revision(revision)
    except Exception:
        raise NewerDatabase(f'The database {_name(connection)} was written by a newer Parley (revision {revision}; '
                            f'this one knows up to {head()}). Run the newer Parley, or restore a copy made before '
                            'it upgraded.') from None
    return revision


@cache
def _baseline_columns() -> dict[str, list[str]]:
    """Each table's columns at BASELINE, read off a scratch in-memory database migrated that far."""
    engine = create_engine('sqlite://')
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), BASELINE)
        tables = {name: [c['name'] for c in inspect(connection).get_columns(name)]
                  for name in inspect(connection).get_table_names() if name != 'alembic_version'}
    engine.dispose()
    return tables


def _backup(db: Database, revision: str | None) -> Path | None:
    """An SQLite file database copied (online backup) to <file>.before-<revision>; None for other databases."""
    path = db.sqlite_path
    if path is None:
        return None
    copy = path.with_name(f'{path.name}.before-{revision}')
    raw = db.engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        with sqlite3.connect(copy) as target:
            source.backup(target)
        target.close()
    finally:
        raw.close()
    return copy


@contextmanager
def _one_process(db: Database) -> Iterator[None]:
    """Several processes starting together upgrade once: the others wait, then find it done."""
    if db.is_sqlite:
        path = db.sqlite_path
        if path is None:   # in memory: this process only
            yield
            return
        with open(path.with_name(f'{path.name}.lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    with db.engine.connect() as connection:   # held for the whole upgrade, on a connection of its own
        connection.execute(text('SELECT pg_advisory_lock(:key)'), {'key': LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text('SELECT pg_advisory_unlock(:key)'), {'key': LOCK_KEY})
            connection.commit()


def _name(connection: Connection) -> str:
    return connection.engine.url.render_as_string(hide_password=True)


def _new_revision(message: str) -> None:
    """Autogenerate a revision from the models against a scratch SQLite database at head."""
    engine = create_engine('sqlite://')
    with engine.begin() as connection:
        config = alembic_config(connection)
        command.upgrade(config, 'head')
        number = f'{int(head() or 0) + 1:04d}'
        command.revision(config, message=message, autogenerate=True, rev_id=number)


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] != 'revision':
        sys.exit('usage: python -m services.migrate revision "what changed"')
    _new_revision(sys.argv[2])
