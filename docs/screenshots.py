"""`make screenshots`: the README's pictures, taken from a fresh demo workspace in Debian's Chromium.

docs/screenshot.png   Alice's messenger: navigation, bell, the list and a customer conversation with a note.
docs/live-chat.png    the customer's side: the demo shop with the widget open on the same conversation.
"""
from pathlib import Path
import asyncio
import os
import socket
import sys
import tempfile
import uuid

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser import process  # noqa: E402  (after the path: run as a script from anywhere)
from services.config import Settings  # noqa: E402
from services.container import build_parley  # noqa: E402

PASSWORD = 'screenshot demo password'
SECRET = 'screenshot widget secret'
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run', '--disable-quic']


def _port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _conversation(data: Path) -> int:
    """A customer conversation worth looking at, written through the services on the server's database."""
    parley = build_parley(Settings(database_url=f'sqlite:///{data / "parley.db"}', data_dir=data))
    try:
        alice = parley.auth.authenticate('alice@example.com', PASSWORD)
        susan = parley.auth.authenticate('susan@example.com', PASSWORD)
        [customer] = [c for c in parley.directory.list_customers(alice) if c.email == 'customer@example.com']

        def say(who, body, **options):
            parley.conversations.send_message(who, conversation.id, body=body, client_id=uuid.uuid4().hex, **options)
        conversation = parley.conversations.create_conversation(
            alice, participant_ids=[customer.id, susan.id], client_id=uuid.uuid4().hex,
            body='Hi Sample, thanks for waiting. Your replacement toner cartridge ships today.')
        say(customer, 'Great, thank you! Will it arrive before Friday? We have a big print run.')
        say(susan, 'Courier confirmed pickup at 14:00, next-day delivery.', note=True)
        say(alice, 'Yes: it goes out this afternoon by next-day courier, so you will have it on Thursday.')
        say(customer, 'Perfect, that works for us.')
        return conversation.id
    finally:
        parley.close()


async def _shoot(address: str, conversation_id: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path='/usr/bin/chromium', args=CHROMIUM_ARGS)
        agent = await browser.new_context(base_url=address, viewport={'width': 1280, 'height': 760})
        page = await agent.new_page()
        await page.goto('/login')
        await page.get_by_label('Email').fill('alice@example.com')
        await page.get_by_label('Password').fill(PASSWORD)
        await page.get_by_role('button', name='Sign in').click()
        await page.wait_for_url('**/messenger')
        await page.goto(f'/messenger/{conversation_id}')
        await page.get_by_role('log', name='Messages').get_by_text('Perfect, that works for us.').wait_for()
        await page.mouse.click(1000, 300)   # the focus out of the message box: no caret in the picture
        await page.wait_for_timeout(500)
        await page.screenshot(path=ROOT / 'docs' / 'screenshot.png')

        shop = await browser.new_context(base_url=address, viewport={'width': 1100, 'height': 760})
        site = await shop.new_page()
        await site.goto('/demo/site?signed-in')
        await site.get_by_role('button', name='Chat with us').click()
        await site.frame_locator('#parley-chat').get_by_text('Perfect, that works for us.').wait_for()
        await site.wait_for_timeout(500)
        await site.screenshot(path=ROOT / 'docs' / 'live-chat.png')
        await browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data, port = Path(folder), _port()
        env = {**os.environ, 'PARLEY_DATABASE_URL': f'sqlite:///{data / "parley.db"}', 'PARLEY_DATA_DIR': str(data),
               'PARLEY_PORT': str(port), 'PARLEY_DEMO': 'true', 'PARLEY_DEMO_PASSWORD': PASSWORD,
               'PARLEY_WIDGET_SECRET': SECRET, 'PARLEY_EMAIL_FALLBACK_SECONDS': '3600'}
        with process([sys.executable, 'main.py'], env, port, data / 'server.log'):
            asyncio.run(_shoot(f'http://127.0.0.1:{port}', _conversation(data)))
    print('docs/screenshot.png and docs/live-chat.png taken')


if __name__ == '__main__':
    main()
