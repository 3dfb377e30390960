"""Shared fixtures: a Parley wired to a temporary SQLite file, and a few agents in it."""
import uuid

import pytest

from services.config import Settings
from services.container import Parley, build_parley
from services.views import UserView

PASSWORD = 'correct horse battery'


@pytest.fixture
def parley(tmp_path) -> Parley:
    instance = build_parley(Settings(database_url=f'sqlite:///{tmp_path / "parley.db"}', data_dir=tmp_path))
    yield instance
    instance.close()


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
