"""Starting Parley as an operator would configure it, then signing in from a browser."""
from playwright.async_api import Browser

from tests.e2e.conftest import DEMO_PASSWORD, parley_process


async def test_a_data_folder_that_does_not_exist_yet_is_created_for_the_sessions(browser: Browser, tmp_path):
    """A storage secret from the environment and a database elsewhere: nothing else would create DATA_DIR."""
    (tmp_path / 'db').mkdir()
    data = tmp_path / 'not' / 'yet' / 'data'
    settings = {'PARLEY_DATABASE_URL': f'sqlite:///{tmp_path / "db" / "parley.db"}', 'PARLEY_DATA_DIR': str(data),
                'PARLEY_STORAGE_SECRET': 'a secret the operator keeps elsewhere'}
    with parley_process(settings, tmp_path / 'server.log') as address:
        context = await browser.new_context(base_url=address)
        page = await context.new_page()
        await page.goto('/login')
        await page.get_by_label('Email').fill('susan@example.com')
        await page.get_by_label('Password').fill(DEMO_PASSWORD)
        await page.get_by_role('button', name='Sign in').click()
        await page.wait_for_url('**/messenger')
        await page.get_by_text('Conversations', exact=True).wait_for()
        await page.reload()   # the session was stored, so it survives a reload
        await page.get_by_text('Conversations', exact=True).wait_for()
        assert page.url.endswith('/messenger')
        await context.close()
    assert (data / 'sessions').is_dir()
