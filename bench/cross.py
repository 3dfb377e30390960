"""Several processes (bench/cluster.py): delivery as a team sees it across processes beside within one, in the same
run, and group sends per second on PostgreSQL (the SQLite figure is bench/throughput.py's in the same run).

One sender page pinned to process 1 and two receiver pages of the same agent, one pinned to process 1 and one to
process 2 (HAProxy's cookie): every message reaches both, so the two figures share every condition but the hop
through Redis.
"""
import asyncio
from pathlib import Path

from playwright.async_api import Page, async_playwright

from bench import cluster, throughput
from bench.browser import ARRIVED, CHROMIUM, CHROMIUM_ARGS, OBSERVER, SEND, _body
from bench.common import cid, percentiles
from services.config import Settings
from services.container import build_parley
from tests import postgres


def run(folder: Path, *, messages: int = 100, sends: int = 3000, receivers: int = 25) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    with postgres.cluster() as url:
        sent = throughput.run(folder / 'throughput', messages=sends, receivers=receivers, database_url=url)
    with cluster.running(folder=folder / 'cluster') as started:
        delivery = asyncio.run(_delivery(started, messages))
        errors = started.tracebacks().count('Traceback')
    return {'postgresql': {k: sent[k] for k in ('group', 'customer')}, **delivery, 'server_errors': errors}


async def _delivery(started: cluster.Cluster, messages: int) -> dict:
    parley = build_parley(Settings(database_url=started.database_url, data_dir=started.folder / 'bench'))
    try:
        alice = parley.auth.authenticate('alice@example.com', started.password)
        susan = parley.auth.authenticate('susan@example.com', started.password)
        conversation = parley.conversations.create_conversation(
            alice, participant_ids=[susan.id], body='Across processes', client_id=cid())
    finally:
        parley.close()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            sender = await _page(browser, started, 1, 'alice@example.com', conversation.id)
            same = await _page(browser, started, 1, 'susan@example.com', conversation.id)
            other = await _page(browser, started, 2, 'susan@example.com', conversation.id)
            for page in (same, other):
                await page.evaluate(OBSERVER)
            times = await _send(sender, [same, other], messages)
        finally:
            await browser.close()
    one, two = times
    return {'same_process_ms': one, 'cross_process_ms': two,
            'ratio_p95': round(two['p95'] / max(one['p95'], 1), 2)}


async def _page(browser, started: cluster.Cluster, slot: int, email: str, conversation_id: int) -> Page:
    context = await browser.new_context(base_url=started.address, viewport={'width': 1280, 'height': 800})
    await context.add_cookies([{'name': 'PARLEY_SERVER', 'value': f'parley{slot}', 'url': started.address}])
    page = await context.new_page()
    await page.goto('/login')
    await page.get_by_label('Email').fill(email)
    await page.get_by_label('Password').fill(started.password)
    await page.get_by_role('button', name='Sign in').click()
    await page.wait_for_url('**/messenger')
    await page.goto(f'/messenger/{conversation_id}')
    await page.get_by_label('Message', exact=True).wait_for()
    return page


async def _send(sender: Page, receivers: list[Page], messages: int) -> list[dict]:
    """One message at a time, each waited for on every receiver; per receiver, its delivery times."""
    box = sender.get_by_label('Message', exact=True)
    keys = []
    missing = [0] * len(receivers)
    for i in range(messages):
        key = f'8-{i}'
        keys.append(key)
        await box.fill(_body(key))
        await asyncio.sleep(0.05)
        arrived = [asyncio.ensure_future(page.evaluate(ARRIVED, key)) for page in receivers]
        await sender.evaluate(SEND, ['button[aria-label="Send"]', key])
        for n, ok in enumerate(await asyncio.gather(*arrived)):
            missing[n] += not ok
        await asyncio.sleep(0.05)
    sent = await sender.evaluate('window.__sent')
    figures = []
    for n, page in enumerate(receivers):
        seen = await page.evaluate('window.__seen')
        figures.append({**percentiles([seen[k] - sent[k] for k in keys if k in seen]), 'missing': missing[n]})
    return figures
