"""Parley as three processes behind HAProxy, on PostgreSQL and Redis (bench/cluster.py starts them the way
`make cluster` does), with an SMTP sink; Chromium pages pinned to one process by HAProxy's cookie."""
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from bench.cluster import Cluster, running
from services.config import Settings
from services.container import Parley, build_parley
from tests.conftest import Sink, mark_folder, running_sink
from tests.e2e.conftest import browser  # noqa: F401  (the fixture)

EMAIL_FALLBACK_SECONDS = 3
LEASE_SECONDS = 5
PASSWORD = 'cluster-demo-password'


def pytest_collection_modifyitems(items) -> None:
    mark_folder(items, __file__, pytest.mark.cluster)


@pytest.fixture(scope='session')
def cluster_sink() -> Iterator[Sink]:
    with running_sink() as handler:
        yield handler


@pytest.fixture(scope='package')   # stopped once its tests are done, not kept through the rest of the run
def cluster(cluster_sink: Sink, tmp_path_factory) -> Iterator[Cluster]:
    settings = {'PARLEY_SMTP_URL': f'smtp://127.0.0.1:{cluster_sink.port}?starttls=off',
                'PARLEY_EMAIL_FALLBACK_SECONDS': str(EMAIL_FALLBACK_SECONDS),
                'PARLEY_EMAIL_LEASE_SECONDS': str(LEASE_SECONDS), 'PARLEY_DEMO_PASSWORD': PASSWORD}
    with running(settings, folder=tmp_path_factory.mktemp('cluster')) as started:
        yield started
        assert not started.tracebacks(), started.tracebacks()


@pytest.fixture
def cluster_parley(cluster: Cluster) -> Iterator[Parley]:
    """Services on the cluster's database (no Redis: its events reach no page), to set up data and read it."""
    parley = build_parley(Settings(database_url=cluster.database_url, data_dir=cluster.folder / 'tests',
                                   files_dir=cluster.folder / 'files', email_fallback_seconds=EMAIL_FALLBACK_SECONDS))
    yield parley
    parley.close()


@pytest.fixture
def pinned(browser: Browser, cluster: Cluster):  # noqa: F811
    """A browser context whose requests HAProxy sends to process `slot` (its sticky cookie), and its page."""
    contexts: list[BrowserContext] = []

    async def open_on(slot: int, *, viewport=None) -> Page:
        context = await browser.new_context(base_url=cluster.address,
                                            viewport=viewport or {'width': 1280, 'height': 800})
        await pin(context, cluster, slot)
        contexts.append(context)
        return await context.new_page()
    yield open_on


async def pin(context: BrowserContext, cluster: Cluster, slot: int) -> None:
    await context.add_cookies([{'name': 'PARLEY_SERVER', 'value': f'parley{slot}', 'url': cluster.address}])


async def sign_in(page: Page, email: str) -> None:
    await page.goto('/login')
    await page.get_by_label('Email').fill(email)
    await page.get_by_label('Password').fill(PASSWORD)
    await page.get_by_role('button', name='Sign in').click()
    await page.wait_for_url('**/messenger')
    await page.get_by_text('Conversations', exact=True).wait_for()
