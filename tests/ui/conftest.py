"""NiceGUI user-fixture tests: main.py runs in-process on a temporary SQLite file."""
import pytest
from nicegui import app, ui
from nicegui.testing import User

from services.container import Parley
from services.views import UserView
from tests.conftest import PASSWORD

SLOW = 50  # should_see retries (0.1 s each) for steps that hash a password in a worker thread


@pytest.fixture(autouse=True)
def parley_env(tmp_path, monkeypatch):
    """Point main.py at a fresh database before the user fixture runs it."""
    monkeypatch.setenv('PARLEY_DATABASE_URL', f'sqlite:///{tmp_path / "ui.db"}')
    monkeypatch.setenv('PARLEY_DATA_DIR', str(tmp_path))
    monkeypatch.setenv('PARLEY_STORAGE_SECRET', 'test secret')
    monkeypatch.delenv('PARLEY_DEMO', raising=False)


@pytest.fixture
def app_parley(user: User) -> Parley:
    """The Parley that main.py wired for this test (same bus as the pages)."""
    return app.state.parley


@pytest.fixture
def people(app_parley) -> dict[str, UserView]:
    d = app_parley.directory
    return {
        'alice': d.create_agent(name='Alice Admin', email='alice@example.com', password=PASSWORD, is_admin=True),
        'susan': d.create_agent(name='Susan Miller', email='susan@example.com', password=PASSWORD),
        'john': d.create_agent(name='John Smith', email='john@example.com', password=PASSWORD),
        'mike': d.create_agent(name='Mike Brown', email='mike@example.com', password=PASSWORD),
    }


async def sign_in(user: User, email: str, *, path: str = '/login') -> None:
    await user.open(path)
    user.find('Email').type(email)
    user.find('Password').type(PASSWORD)
    user.find(kind=ui.button, content='Sign in').click()
    await user.should_see('Conversations', retries=SLOW)


async def sign_out(user: User) -> None:
    """Sign out through /logout (a page asking for the click: a link from elsewhere cannot sign anyone out)."""
    await user.open('/logout')
    await user.should_see('Sign out of Parley?')
    user.find(kind=ui.button, content='Sign out').click()
    await user.should_see('Sign in')


async def start_draft(user: User) -> None:
    """Add conversation -> Conversation with user; waits for the draft."""
    user.find('Add conversation').click()
    user.find(marker='new-user-conversation').click()
    await user.should_see('New conversation')
    await user.should_see('Discard draft')
