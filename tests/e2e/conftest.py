"""Browser tests: Parley runs as its own process (as `make run` starts it) and Debian's Chromium
drives it through Playwright, one browser context per person."""
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
import os
import sys

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from bench.browser import process
from services.config import Settings
from services.container import build_parley
from tests.conftest import Sink, free_port, mark_folder, running_sink

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get('PARLEY_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run', '--disable-quic']
DEMO_PASSWORD = 'e2e-demo-password'
EMAIL_FALLBACK_SECONDS = 3
WIDGET_SECRET = 'e2e widget secret'
INBOUND_SECRET = 'e2e inbound secret'


def pytest_collection_modifyitems(items) -> None:
    """Every test in this folder is `e2e` (`pytest -m "not e2e"` leaves the browser out)."""
    mark_folder(items, __file__, pytest.mark.e2e)


@pytest.fixture(scope='session')
def mail_sink() -> Iterator[Sink]:
    """An SMTP server on a free port that keeps what the Parley process sends."""
    with running_sink() as handler:
        yield handler


@pytest.fixture(scope='session')
def server_database(tmp_path_factory) -> tuple[str, Path]:
    data = tmp_path_factory.mktemp('parley-e2e')
    return f'sqlite:///{data / "parley.db"}', data


@pytest.fixture
def server_parley(server: str, server_database):
    """Services on the server's database, to set up data a browser then looks at."""
    parley = build_parley(Settings(database_url=server_database[0], data_dir=server_database[1]))
    yield parley
    parley.close()


@pytest.fixture(scope='session')
def inbound_port() -> int:
    """The port of the server's inbound SMTP listener."""
    return free_port()


@pytest.fixture(scope='session')
def server(server_database, mail_sink, inbound_port) -> str:
    """A Parley process with the demo workspace, on a free port and its own database, mailing the sink."""
    url, data = server_database
    env = {'PARLEY_DATABASE_URL': url, 'PARLEY_DATA_DIR': str(data),
           'PARLEY_SMTP_URL': f'smtp://127.0.0.1:{mail_sink.port}?starttls=off',
           'PARLEY_EMAIL_FALLBACK_SECONDS': str(EMAIL_FALLBACK_SECONDS), 'PARLEY_WIDGET_SECRET': WIDGET_SECRET,
           'PARLEY_INBOUND_SMTP': f'127.0.0.1:{inbound_port}', 'PARLEY_INBOUND_SECRET': INBOUND_SECRET}
    with parley_process(env, data / 'server.log') as address:
        yield address


@contextmanager
def parley_process(settings: dict[str, str], log_path: Path) -> Iterator[str]:
    """`python main.py` with the demo workspace and these PARLEY_ settings on a free port; its address.

    At the end the process is stopped and its log must hold no traceback.
    """
    port = free_port()
    env = {**os.environ, 'PARLEY_PORT': str(port), 'PARLEY_DEMO': 'true', 'PARLEY_DEMO_PASSWORD': DEMO_PASSWORD,
           **settings}
    with process([sys.executable, 'main.py'], env, port, log_path):   # NiceGUI's test settings left out
        yield f'http://127.0.0.1:{port}'
    server_log = log_path.read_text()
    assert 'Traceback' not in server_log, server_log


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f'{CHROMIUM} is missing: `make test` installs Debian\'s chromium (apt-get install chromium)')
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        await instance.close()


@pytest.fixture
def new_person(browser: Browser, server: str):
    """Signs a demo agent in, in a browser context of their own; returns their page."""
    async def open_as(email: str, *, viewport=None) -> Page:
        context: BrowserContext = await browser.new_context(base_url=server,
                                                            viewport=viewport or {'width': 1280, 'height': 800})
        page = await context.new_page()
        await page.goto('/login')
        await page.get_by_label('Email').fill(email)
        await page.get_by_label('Password').fill(DEMO_PASSWORD)
        await page.get_by_role('button', name='Sign in').click()
        await page.wait_for_url('**/messenger')
        await page.get_by_text('Conversations', exact=True).wait_for()
        return page
    return open_as
