"""The service tests run twice: on SQLite, and on a fresh PostgreSQL database (tests/conftest.py)."""
import pytest

from services.container import Parley


@pytest.fixture(params=['sqlite', 'postgresql'])
def parley(request, parley_at, tmp_path) -> Parley:
    if request.param == 'sqlite':
        return parley_at(tmp_path / 'parley.db')
    return parley_at(request.getfixturevalue('postgres_url'))
