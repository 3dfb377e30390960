"""The benchmarks that need real pages: delivery latency, memory per page and page load, each against the floors.

Parley, the floor (bench/floor.py, the least NiceGUI does) and the bare floor (bench/bare.py, the least a
browser does: a raw WebSocket and static HTML) run as their own processes, as `make run` starts Parley; one
Chromium (Debian's, through Playwright) opens every page, so every timestamp comes from one clock.
"""
import asyncio
from contextlib import contextmanager
from pathlib import Path
import os
import re
import socket
import subprocess
import sys
import time

import httpx
from playwright.async_api import Browser, Page, async_playwright, expect

from bench.common import PASSWORD, build_workspace, cid, percentiles
from bench.sockets import socket_agent

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get('PARLEY_CHROMIUM', '/usr/bin/chromium')
LISTED = 100   # conversations in the measured agent's list
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run', '--disable-quic', '--disable-background-timer-throttling',
                 '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows']
# Records when each "bench K-I" text first appears on the page, and tells whoever waits for it (ARRIVED).
OBSERVER = '''
window.__seen = {}; window.__waits = {};
new MutationObserver((records) => {
  const now = Date.now();
  for (const record of records) for (const node of record.addedNodes) {
    for (const match of (node.textContent || '').matchAll(/bench (\\d+-\\d+)/g))
      if (!(match[1] in window.__seen)) {
        window.__seen[match[1]] = now;
        if (window.__waits[match[1]]) window.__waits[match[1]](true);
      }
  }
}).observe(document.body, {childList: true, subtree: true});
'''
# Resolves once the text has arrived (no polling: the page's own observer says so), false after 10 s.
ARRIVED = '''(key) => new Promise((resolve) => {
  if (key in window.__seen) return resolve(true);
  window.__waits[key] = resolve;
  setTimeout(() => resolve(false), 10000);
})'''
SEND = '''([selector, key]) => { window.__sent = window.__sent || {}; window.__sent[key] = Date.now();
  document.querySelector(selector).click(); }'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextmanager
def process(command: list[str], env: dict, port: int, log: Path):
    """A server process; yields it once its port answers."""
    env = {k: v for k, v in env.items() if not k.startswith(('PYTEST_', 'NICEGUI_'))}
    with open(log, 'w') as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f'{command} exited early:\n{log.read_text()}')
                try:
                    with socket.create_connection(('127.0.0.1', port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f'{command} did not start within 60 s') from None
                    time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def rss_mb(pid: int) -> float:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return 0.0


def run(folder: Path, *, receivers: tuple[int, ...] = (1, 10, 25), messages: int = 100, pages: int = 20,
        loads: int = 20, rounds: int = 3) -> dict:
    """Everything at once: Parley and the two floors, each its own process, one browser."""
    size = max(receivers) + 1
    ws = build_workspace(folder, agents=2 * size, customers=1)   # the first group's agents, then the team's
    parley = ws.parley
    try:
        sender, others = ws.agents[0], ws.agents[1:size]
        group = parley.conversations.create_conversation(
            sender, participant_ids=[a.id for a in others], body='The benchmark group', subject='Benchmark',
            client_id=cid())
        team = parley.conversations.create_conversation(
            ws.agents[size], participant_ids=[a.id for a in ws.agents[size + 1:]], body='The team group',
            subject='Team', client_id=cid())
        pair = parley.conversations.create_conversation(sender, participant_ids=[others[0].id],
                                                        body='Message 0 of the thread', client_id=cid())
        for i in range(1, 50):
            parley.conversations.send_message(ws.agents[i % 2], pair.id, body=f'Message {i} of the thread',
                                              client_id=cid())
        customer = ws.customers[0]
        chat = parley.conversations.create_conversation(sender, participant_ids=[customer.id], client_id=cid(),
                                                        body='Message 0 of the chat', with_customer=True)
        for i in range(1, 50):
            parley.conversations.send_message(sender, chat.id, body=f'Message {i} of the chat', client_id=cid())
        chat_link = parley.chat.link(customer.id, chat.id)
        for i in range(LISTED - 3):   # an agent's list as the build measure wants it: 100 conversations
            parley.conversations.create_conversation(sender, participant_ids=[ws.agents[1 + i % (size - 1)].id],
                                                     body=f'Earlier conversation {i}', client_id=cid())
    finally:
        parley.close()
    port, floor_port, bare_port = free_port(), free_port(), free_port()
    env = {**os.environ, 'PARLEY_DATABASE_URL': f'sqlite:///{folder / "parley.db"}', 'PARLEY_PORT': str(port),
           'PARLEY_DATA_DIR': str(folder), 'PARLEY_DEMO': 'false'}
    with process([sys.executable, 'main.py'], env, port, folder / 'parley.log') as server, \
            process([sys.executable, '-m', 'bench.floor', str(floor_port)], dict(os.environ), floor_port,
                    folder / 'floor.log') as floor, \
            process([sys.executable, '-m', 'bench.bare', str(bare_port)], dict(os.environ), bare_port,
                    folder / 'bare.log'):
        base = f'http://127.0.0.1:{port}'
        floors = {'floor': f'http://127.0.0.1:{floor_port}', 'bare': f'http://127.0.0.1:{bare_port}'}
        ids = dict(group_id=group.id, team_id=team.id, pair_id=pair.id)
        result = asyncio.run(_measure(
            base, floors, server.pid, floor.pid, ws, ids, base + chat_link[chat_link.index('/chat'):], receivers,
            messages, pages, loads, rounds))
    log = (folder / 'parley.log').read_text()
    result['server_errors'] = log.count('Traceback')
    return result


async def _measure(base, floors, pid, floor_pid, ws, ids, chat_url, receivers, messages, pages, loads, rounds) -> dict:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The team's group first: its socket pages, once closed, stay subscribed for the reconnect grace,
            # and no later message is theirs. The same holds for the delivery pages and the memory pages.
            team = await _team_delivery(browser, base, ws.agents[len(ws.agents) // 2:], ids['team_id'], messages)
            delivery = await _delivery(browser, base, floors, ws, ids['group_id'], receivers, messages)
            delivery[str(max(receivers))]['team_ms'] = team
            memory = await _memory(browser, base, floors['floor'], pid, floor_pid, ws, ids['pair_id'], chat_url,
                                   pages)
            load = await _page_load(browser, base, floors, ws, ids['pair_id'], loads, rounds)
        finally:
            await browser.close()
    return {'delivery': delivery, 'memory': memory, 'page_load': load}


async def _signed_in(browser: Browser, base: str, email: str):
    context = await browser.new_context(base_url=base, viewport={'width': 1280, 'height': 800})
    page = await context.new_page()
    await page.goto('/login')
    await page.get_by_label('Email').fill(email)
    await page.get_by_label('Password').fill(PASSWORD)
    await page.get_by_role('button', name='Sign in').click()
    await page.wait_for_url('**/messenger')
    return context, page


# ----- delivery ----------------------------------------------------------------------------------

async def _delivery(browser, base, floors, ws, group_id, receivers, messages) -> dict:
    """Per receiver count: Parley's delivery times and each floor's, sent one after the other on the same browser."""
    results = {}
    _, sender = await _signed_in(browser, base, ws.agents[0].email)
    await sender.goto(f'/messenger/{group_id}')
    await sender.get_by_label('Message', exact=True).wait_for()
    parley_pages: list[Page] = []
    floor_senders, floor_pages = {}, {}
    for name, url in floors.items():
        context = await browser.new_context(base_url=url)
        floor_senders[name] = await context.new_page()
        await floor_senders[name].goto('/')
        floor_pages[name] = (context, [])
    for k in receivers:
        while len(parley_pages) < k:
            _, page = await _signed_in(browser, base, ws.agents[len(parley_pages) + 1].email)
            await page.goto(f'/messenger/{group_id}')
            await page.get_by_label('Message', exact=True).wait_for()
            await page.evaluate(OBSERVER)
            parley_pages.append(page)
            for context, opened in floor_pages.values():
                page = await context.new_page()
                await page.goto('/')
                await page.get_by_label('Message').wait_for()
                await page.evaluate(OBSERVER)
                opened.append(page)
        results[str(k)] = figures = {'parley_ms': (await _send_all(sender, parley_pages, k, messages, 'p'))[0]}
        for tag, name in enumerate(floors):
            figures[f'{name}_ms'], _ = await _send_all(floor_senders[name], floor_pages[name][1], k, messages,
                                                       str(tag))
        figures['ratio_p95'] = round(figures['parley_ms']['p95'] / max(figures['floor_ms']['p95'], 1), 2)
    return results


async def _send_all(sender: Page, receivers: list[Page], k: int, messages: int, tag: str) -> tuple[dict, list[str]]:
    """Send one message at a time and wait until every receiver shows it; the times are read at the end.
    Returns the figures and the keys of the messages sent (each body is _body(key)).

    Each receiver is asked once per message with a promise its own observer resolves, all at once: no
    polling, which would take the receivers' CPU from the rendering being measured.
    """
    box = sender.get_by_label('Message', exact=True)
    keys, missing = [], 0
    for i in range(messages):
        key = f'{k}{(tag == "p" and "9") or tag}-{i}'
        keys.append(key)
        await expect(box).to_have_value('')   # as a person would: the last send has cleared the box
        await box.fill(_body(key))
        await asyncio.sleep(0.05)
        arrived = [asyncio.ensure_future(page.evaluate(ARRIVED, key)) for page in receivers]
        await sender.evaluate(SEND, ['button[aria-label="Send"]', key])
        missing += sum(not ok for ok in await asyncio.gather(*arrived))
        await asyncio.sleep(0.05)
    sent = await sender.evaluate('window.__sent')
    latencies = []
    for page in receivers:
        seen = await page.evaluate('window.__seen')
        latencies += [seen[key] - sent[key] for key in keys if key in seen]
    return {**percentiles(latencies), 'missing': missing}, keys


def _body(key: str) -> str:
    return f'bench {key} hello'


async def _team_delivery(browser, base, team, group_id, messages) -> dict:
    """Delivery to one Chromium page while the server delivers to every other member's page too.

    The others are socket pages (bench/sockets.py): a team's agents each have a browser on a machine of their
    own, so here the server does the work of every page while one browser, not 25, shares its cores.
    """
    _, sender = await _signed_in(browser, base, team[0].email)
    _, receiver = await _signed_in(browser, base, team[1].email)
    for page in (sender, receiver):
        await page.goto(f'/messenger/{group_id}')
        await page.get_by_label('Message', exact=True).wait_for()
    await receiver.evaluate(OBSERVER)
    others = await asyncio.gather(*(socket_agent(base, agent.email, group_id) for agent in team[2:]))
    try:
        timed, keys = await _send_all(sender, [receiver], len(team) - 1, messages, '7')
        await asyncio.sleep(1)
        unseen = sum(_body(key) not in page.bodies for page in others for key in keys)
    finally:
        for page in others:
            await page.close()
        for page in (sender, receiver):
            await page.context.close()
    return {**timed, 'socket_pages': len(others), 'socket_missing': unseen}


# ----- memory ------------------------------------------------------------------------------------

async def _memory(browser, base, floor, pid, floor_pid, ws, pair_id, chat_url, pages) -> dict:
    agent_context, first = await _signed_in(browser, base, ws.agents[0].email)
    await first.goto(f'/messenger/{pair_id}')
    agent = await _per_page(agent_context, pid, f'/messenger/{pair_id}', 'Message 49 of the thread', pages)
    customer_context = await browser.new_context(base_url=base)
    warm = await customer_context.new_page()
    await warm.goto(chat_url)
    await warm.get_by_text('Message 49 of the chat', exact=True).last.wait_for()
    customer = await _per_page(customer_context, pid, chat_url, 'Message 49 of the chat', pages)
    floor_context = await browser.new_context(base_url=floor)
    warm = await floor_context.new_page()
    await warm.goto('/thread')
    floor_page = await _per_page(floor_context, floor_pid, '/thread', 'Message 49 of the floor thread', pages)
    for context in (agent_context, customer_context, floor_context):
        await context.close()
    return {'pages': pages, 'agent_page_mb': agent, 'customer_page_mb': customer, 'floor_page_mb': floor_page,
            'agent_ratio': round(agent / max(floor_page, 0.001), 1)}


async def _per_page(context, pid: int, url: str, last_text: str, count: int) -> float:
    await asyncio.sleep(1.5)
    before = rss_mb(pid)
    opened = []
    for _ in range(count):
        page = await context.new_page()
        await page.goto(url)
        await page.get_by_text(last_text, exact=True).last.wait_for()
        opened.append(page)
    await asyncio.sleep(1.5)
    after = rss_mb(pid)
    for page in opened:
        await page.close()
    return round((after - before) / count, 2)


# ----- page load ---------------------------------------------------------------------------------

async def _page_load(browser, base, floors, ws, pair_id, loads, rounds) -> dict:
    """Messenger ready with `loads` pages loading at once in this one browser, each floor's too, and apart.

    On this rig the pages' browsers share the server's two cores; a team's agents each have their own. So
    beside it: one page loading alone (the browser's part for one agent), the server building `loads`
    messenger pages at once for plain HTTP requests (the server's part), and one Chromium page loading while
    `loads - 1` socket pages load too (as a team sees it).
    """
    context, _ = await _signed_in(browser, base, ws.agents[0].email)
    url, last = f'/messenger/{pair_id}', 'Message 49 of the thread'
    result = {'pages_at_once': loads, 'parley_ms': await _loads(context, url, last, loads, rounds),
              'alone_ms': await _loads(context, url, last, 1, loads * rounds),
              'server_ms': await _requests(base, url, await context.cookies(), loads, rounds),
              'build_ms': await _builds(base, url, await context.cookies(), loads * rounds),
              'team_ms': await _team_loads(context, base, ws.agents[0].email, url, last, loads)}
    await context.close()
    for name, url in floors.items():
        context = await browser.new_context(base_url=url)
        result[f'{name}_ms'] = await _loads(context, '/thread', 'Message 49 of the floor thread', loads, rounds)
        result[f'{name}_alone_ms'] = await _loads(context, '/thread', 'Message 49 of the floor thread', 1, loads)
        await context.close()
    result['floor_build_ms'] = await _builds(floors['floor'], '/thread', [], loads * rounds)
    result['ratio_p95'] = round(result['parley_ms']['p95'] / max(result['floor_ms']['p95'], 1), 2)
    return result


async def _loads(context, url: str, last_text: str, loads: int, rounds: int) -> dict:
    times = []
    for _ in range(rounds):
        pages = [await context.new_page() for _ in range(loads)]
        times += await asyncio.gather(*(_timed_load(page, url, last_text) for page in pages))
        for page in pages:
            await page.close()
    return percentiles(times)


async def _timed_load(page: Page, url: str, last_text: str) -> float:
    """Milliseconds from navigating to `url` until its `last_text` shows."""
    started = time.perf_counter()
    await page.goto(url)
    await page.get_by_text(last_text, exact=True).last.wait_for()
    return (time.perf_counter() - started) * 1000


async def _requests(base: str, url: str, cookies: list[dict], loads: int, rounds: int) -> dict:
    """The time to the last byte of the page's HTML, for `loads` signed-in requests at once."""
    jar = httpx.Cookies()
    for cookie in cookies:
        jar.set(cookie['name'], cookie['value'], domain=cookie['domain'], path=cookie['path'])
    times = []
    async with httpx.AsyncClient(base_url=base, cookies=jar, timeout=60) as http:
        async def fetch() -> float:
            started = time.perf_counter()
            response = await http.get(url)
            if response.status_code != 200 or 'Message 49 of the thread' not in response.text:
                raise RuntimeError(f'{url} did not answer with the thread: {response.status_code}')
            return (time.perf_counter() - started) * 1000
        for _ in range(rounds):
            times += await asyncio.gather(*(fetch() for _ in range(loads)))
    return percentiles(times)


async def _builds(base: str, url: str, cookies: list[dict], count: int) -> dict:
    """The server's own time to build the page, one request at a time: the Server-Timing it sends (Parley's
    ui/embed.py, the floor's bench/floor.py measure the same span: from the request to the finished response)."""
    jar = httpx.Cookies()
    for cookie in cookies:
        jar.set(cookie['name'], cookie['value'], domain=cookie['domain'], path=cookie['path'])
    times = []
    async with httpx.AsyncClient(base_url=base, cookies=jar, timeout=60) as http:
        for _ in range(count + 3):
            response = await http.get(url)
            timing = re.search(r'(?:^|,)\s*app;dur=([0-9.]+)', response.headers.get('server-timing', ''))
            if response.status_code != 200 or timing is None:
                raise RuntimeError(f'{base}{url} answered {response.status_code} without its Server-Timing')
            times.append(float(timing.group(1)))
    return percentiles(times[3:])   # the first few warm caches up


async def _team_loads(context, base: str, email: str, url: str, last_text: str, loads: int) -> dict:
    """One Chromium page loading while `loads - 1` socket pages (the team's other browsers) load it too."""
    others = await asyncio.gather(*(socket_agent(base, email, None) for _ in range(loads - 1)))
    times = []
    try:
        for _ in range(loads):
            page = await context.new_page()
            timed, *_ = await asyncio.gather(_timed_load(page, url, last_text), *(other.open(url) for other in others))
            times.append(timed)
            await page.close()
    finally:
        for other in others:
            await other.close()
    return percentiles(times)
