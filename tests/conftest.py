"""Shared fixtures: a Parley wired to a temporary SQLite file (or a PostgreSQL database), and a few agents in it."""
from contextlib import contextmanager
from datetime import datetime, UTC
from email import message_from_bytes, policy
import os
from pathlib import Path
import socket
import time
import uuid

import limits.storage.memory
import psycopg
import pytest
from aiosmtpd.controller import Controller

import services.ratelimit
from services.config import Settings
from services.container import Parley, build_parley
from services.inbound_smtp import InboundListener
from services.views import UserView
from tests import postgres

PASSWORD = 'correct horse battery'


@pytest.fixture
def parley_at(tmp_path):
    """Build a Parley on a given SQLite file, or a database URL (closed at the end of the test)."""
    built = []

    def build(where) -> Parley:
        url = where if isinstance(where, str) and '://' in where else f'sqlite:///{where}'
        built.append(build_parley(Settings(database_url=url, data_dir=tmp_path)))
        return built[-1]
    yield build
    for instance in built:
        instance.close()


@pytest.fixture
def parley(parley_at, tmp_path) -> Parley:
    """On SQLite (tests/services/conftest.py runs the service tests on PostgreSQL as well)."""
    return parley_at(tmp_path / 'parley.db')


@pytest.fixture(scope='session')
def postgres_server() -> str:
    """The test PostgreSQL: PARLEY_TEST_DATABASE_URL when set (a role that may create databases), else a private
    server for this test session (tests/postgres.py). The URL of a database to connect to for CREATE DATABASE."""
    given = os.environ.get('PARLEY_TEST_DATABASE_URL')
    if given:
        yield given
        return
    with postgres.cluster() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the test PostgreSQL, dropped after the test."""
    name = f'test_{uuid.uuid4().hex[:12]}'
    admin = postgres_server.replace('postgresql+psycopg://', 'postgresql://')
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE {name}')
    yield postgres_server.rsplit('/', 1)[0] + f'/{name}'
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


@pytest.fixture(params=['sqlite', 'postgresql'])
def any_parley(request, parley_at, tmp_path) -> Parley:
    """A Parley on SQLite, then on a fresh PostgreSQL database: for what must hold on both."""
    if request.param == 'sqlite':
        return parley_at(tmp_path / 'parley.db')
    return parley_at(request.getfixturevalue('postgres_url'))


@pytest.fixture
def team(parley) -> dict[str, UserView]:
    """alice (admin), susan, john, mike, and a customer."""
    people = {
        'alice': parley.directory.create_agent(name='Alice Admin', email='alice@example.com',
                                               password=PASSWORD, is_admin=True),
        'susan': parley.directory.create_agent(name='Susan Miller', email='susan@example.com', password=PASSWORD),
        'john': parley.directory.create_agent(name='John Smith', email='john@example.com', password=PASSWORD),
        'mike': parley.directory.create_agent(name='Mike Brown', email='mike@example.com', password=PASSWORD),
    }
    people['customer'] = parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    return people


def cid() -> str:
    return uuid.uuid4().hex


class Sink:
    def __init__(self):
        self.messages = []
        self.sessions_with_tls = []   # per message: whether it came inside TLS

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        self.sessions_with_tls.append(session.ssl is not None)
        return '250 OK'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextmanager
def running_sink():
    """An SMTP server on a free port that keeps what it is sent (its port: `.port`)."""
    handler = Sink()
    controller = Controller(handler, hostname='127.0.0.1', port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def sink():
    with running_sink() as handler:
        yield handler, handler.port


def mark_folder(items, conftest: str, marker) -> None:
    """Put `marker` on every test collected under the folder of this conftest.py."""
    here = Path(conftest).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(marker)


@contextmanager
def smtp_listener(inbound):
    """Parley's inbound SMTP listener on a free port, for as long as the with-block runs."""
    server = InboundListener(inbound, '127.0.0.1', free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


class LimitsTime:
    """Stands in for the `time` module where the rate limits read it (limits' memory storage, services.ratelimit)."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def limits_time(monkeypatch) -> LimitsTime:
    """A clock the rate limits and sign-in throttles follow: move `.now` (seconds) forward."""
    fake = LimitsTime()
    monkeypatch.setattr(limits.storage.memory, 'time', fake)
    monkeypatch.setattr(services.ratelimit, 'time', fake)
    return fake


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


@pytest.fixture(scope='session')
def redis_server(tmp_path_factory):
    """A private `redis-server --save ''` for this test session (bench/cluster.py), on loopback."""
    from bench.cluster import RedisServer
    server = RedisServer(tmp_path_factory.mktemp('redis'))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """The test Redis, emptied for this test."""
    import redis
    with redis.Redis.from_url(redis_server.url) as client:
        client.flushall()
    return redis_server.url
