"""`make soak`: agents and customers on their real pages at once, from another process than the server.

Parley runs as `make run` starts it. Each agent and each customer is a socket client here (python-socketio
over aiohttp) that speaks NiceGUI's page protocol as a browser does: it GETs the page with its cookie,
connects the page's socket, signs in through the form, types into the composer (update:modelValue) and
presses Send (click), and keeps the elements the server sends. A few pairs are real Chromium pages instead.
So the server's memory is the server's alone.

Rounds (six in `make soak`): everyone connects, talks, and leaves; the server drops the pages after its
reconnect grace. A message counts once its sender sees it in the thread, as a person waits to. Checked:
every acknowledged message stored exactly once and shown live on the other side, no error in the server's
log, presence empty after each round, and the server's memory after each round (RSS: CPython keeps freed
memory, so it is whether the rounds level off that tells a leak).
`python -m bench.soak --tiny OUT` is what `make test` runs.
"""
import ast
import asyncio
import base64
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
import json
from pathlib import Path
import os
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from urllib.parse import urlencode
import uuid

import aiohttp
from playwright.async_api import async_playwright
import socketio

from bench.browser import CHROMIUM, CHROMIUM_ARGS, _signed_in, free_port, process, rss_mb
from bench.common import PASSWORD, build_workspace, cid, machine, percentiles
from ui.chat import AWAY

ROOT = Path(__file__).resolve().parents[1]
ACK_TIMEOUT = 30   # seconds a person waits to see their message in the thread
FULL = dict(pairs=50, seconds=60, chromium_pairs=3, interval=1.0, rounds=6, grace=10)
TINY = dict(pairs=3, seconds=3, chromium_pairs=1, interval=0.5, rounds=2, grace=1)
_ELEMENTS = re.compile(r'parseElements\(String\.raw`(.*?)`\)', re.S)
_PUT = re.compile(r'^runMethod\(\d+, "put", .*?atob\("([A-Za-z0-9+/=]*)"\)', re.M)   # ui/live.py call(): a line each
_SENT = re.compile(r'^window\.parleySent\(.*?atob\("([A-Za-z0-9+/=]*)"\)', re.M)   # ui/composer.py, after a send
_QUERY = re.compile(r'query: (\{.*?\}),\n')
_UNESCAPE = (('&#36;', '$'), ('&#96;', '`'), ('&gt;', '>'), ('&lt;', '<'), ('&amp;', '&'))


class SocketPage:
    """One browser tab without a browser: the page's elements as the server sends them, and its events."""

    def __init__(self, base: str, *, boot: dict | None = None) -> None:
        self.base, self.boot = base, boot
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.sio: socketio.AsyncClient | None = None
        self.elements: dict[str, dict] = {}
        self.bodies: set[str] = set()   # every message body this page has shown
        self.navigated: asyncio.Queue[str] = asyncio.Queue()
        self.client_id = ''
        self.next_id = 0
        self.problems: list[str] = []

    async def open(self, path: str) -> None:
        await self.leave()
        async with self.http.get(self.base + path) as response:
            html = await response.text()
            if response.status != 200:
                raise RuntimeError(f'{path}: HTTP {response.status}')
        raw = _ELEMENTS.search(html).group(1)
        for escaped, text in _UNESCAPE:
            raw = raw.replace(escaped, text)
        self.elements = json.loads(raw)
        self._seen(self.elements.values())
        query = ast.literal_eval(_QUERY.search(html).group(1))
        self.client_id, self.next_id = query['client_id'], query['next_message_id']
        self.sio = socketio.AsyncClient(reconnection=False)
        for event in ('update', 'run_javascript', 'open', 'notify', 'load_js_components', 'disconnect'):
            self.sio.on(event, getattr(self, f'_on_{event}'))
        query = {**query, 'implicit_handshake': 'true', 'tab_id': str(uuid.uuid4()),
                 'document_id': str(uuid.uuid4()), 'old_tab_id': ''}
        cookies = '; '.join(f'{c.key}={c.value}' for c in self.http.cookie_jar)
        await self.sio.connect(f'{self.base}?{urlencode(query)}', socketio_path='/_nicegui_ws/socket.io',
                               transports=['websocket'], headers={'Cookie': cookies}, wait_timeout=20)

    async def leave(self) -> None:
        if self.sio is not None:
            sio, self.sio = self.sio, None
            await sio.disconnect()

    async def close(self) -> None:
        await self.leave()
        await self.http.close()

    def alerts(self) -> list[str]:
        """What the page says in its alerts (e.g. the composer's "please slow down")."""
        return [e.get('text') for e in self.elements.values()
                if e and e.get('props', {}).get('role') == 'alert' and e.get('text')]

    def find(self, **props) -> str:
        """The id of the element whose props include these (e.g. label='Email', **{'aria-label': 'Send'})."""
        for element_id, element in self.elements.items():
            if element and all(element.get('props', {}).get(k) == v for k, v in props.items()):
                return element_id
        raise LookupError(f'no element with {props}')

    async def event(self, element_id: str, kind: str, *args) -> None:
        listener = next(e['listener_id'] for e in self.elements[element_id]['events'] if e['type'] == kind)
        await self.sio.emit('event', {'id': int(element_id), 'client_id': self.client_id, 'listener_id': listener,
                                      'args': [json.dumps(a) for a in args]})

    async def type(self, element_id: str, text: str) -> None:
        kind = next(e['type'] for e in self.elements[element_id]['events'] if e['type'].startswith('update:'))
        await self.event(element_id, kind, text)   # update:value for inputs, as the browser sends it

    async def click(self, element_id: str) -> None:
        await self.event(element_id, 'click', {})

    # ----- what the server sends ----------------------------------------------------------------

    def _message(self, msg) -> None:
        if isinstance(msg, dict) and '_id' in msg:
            self.next_id = msg.pop('_id') + 1

    async def _ack(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.emit('ack', {'client_id': self.client_id, 'next_message_id': self.next_id})

    async def _on_update(self, msg) -> None:
        self._message(msg)
        for element_id, element in msg.items():
            if element is None:
                self.elements.pop(element_id, None)
            else:
                self.elements[element_id] = element
        self._seen(e for e in msg.values() if e)
        await self._ack()

    async def _on_run_javascript(self, msg) -> None:
        self._message(msg)
        for put in _PUT.finditer(msg.get('code', '')):   # new messages in a thread: put(items, at_start, first)
            self.bodies.update(item['body'] for item in json.loads(base64.b64decode(put.group(1)))[0])
        for sent in _SENT.finditer(msg.get('code', '')):   # as the browser does: say so, then empty the box
            box_id, client_id, _, _ = json.loads(base64.b64decode(sent.group(1)))
            await self.event('0', f'parley_sent_{box_id}', client_id)
            await self.type(box_id[1:], '')
        result = self.boot if '/*parley-chat-boot*/' in msg.get('code', '') else None
        if msg.get('request_id'):
            await self.sio.emit('javascript_response', {'request_id': msg['request_id'], 'client_id': self.client_id,
                                                        'result': result})

    async def _on_open(self, msg) -> None:
        self._message(msg)
        await self.navigated.put(msg['path'])

    async def _on_notify(self, msg) -> None:
        self._message(msg)
        if msg.get('type') == 'negative' or msg.get('color') == 'negative':
            self.problems.append(f'notification: {msg.get("message")}')

    async def _on_load_js_components(self, msg) -> None:
        self._message(msg)

    async def _on_disconnect(self, *args) -> None:
        if self.sio is not None:   # not our own leave()
            self.problems.append(f'the connection dropped ({", ".join(map(str, args)) or "no reason given"})')

    def _seen(self, elements) -> None:
        for element in elements:
            self.bodies.update(m['body'] for m in element.get('props', {}).get('messages') or ())


@dataclass
class Side:
    """One agent's or one customer's page in one conversation, and what they sent."""
    who: str
    conversation_id: int
    page: object
    round_name: str
    sent: list[str] = field(default_factory=list)   # acknowledged: shown in the sender's own thread
    ack_ms: list[float] = field(default_factory=list)
    unacknowledged: int = 0


async def _socket_agent(base: str, email: str, conversation_id: int) -> SocketPage:
    page = SocketPage(base)
    await page.open('/login')
    await page.type(page.find(label='Email'), email)
    await page.type(page.find(label='Password'), PASSWORD)
    await page.click(page.find(label='Sign in'))
    await asyncio.wait_for(page.navigated.get(), 30)
    await page.open(f'/messenger/{conversation_id}')
    return page


async def _socket_customer(base: str, fragment: str) -> SocketPage:
    page = SocketPage(base, boot={'hash': fragment, 'saved': None})
    await page.open('/chat')
    deadline = time.monotonic() + 30
    while not _has_composer(page):   # the chat draws the conversation once the boot script answered
        if time.monotonic() > deadline:
            raise RuntimeError('the live chat did not open')
        await asyncio.sleep(0.05)
    return page


def _has_composer(page: SocketPage) -> bool:
    try:
        page.find(**{'aria-label': 'Send'})
        return True
    except LookupError:
        return False


async def _talk(side: Side, seconds: float, interval: float) -> None:
    """Type, send, wait to see it in the thread (acknowledged), pause, again: as a person chats."""
    deadline = time.monotonic() + seconds
    await asyncio.sleep(random.uniform(0, interval))   # not all at once
    n = 0
    while time.monotonic() < deadline:
        text = f'{side.who} {side.conversation_id} #{n} ({side.round_name})'
        page = side.page
        started = time.monotonic()
        try:
            if isinstance(page, SocketPage):
                if page.sio is None or not page.sio.connected:
                    page.problems.append(f'{side.who} {side.conversation_id}: not connected, stopped talking')
                    return
                await page.type(page.find(**{'aria-label': 'Message'}), text)
                await page.click(page.find(**{'aria-label': 'Send'}))
                while text not in page.bodies:
                    if time.monotonic() - started > ACK_TIMEOUT:
                        raise TimeoutError
                    await asyncio.sleep(0.01)
            else:   # a Chromium page: type and press Enter as a person does
                box = page.get_by_label('Message', exact=True)
                await box.fill(text)
                await box.press('Enter')
                await page.get_by_role('log').get_by_text(text, exact=True).wait_for(timeout=ACK_TIMEOUT * 1000)
        except Exception:
            side.unacknowledged += 1
            if isinstance(page, SocketPage) and page.alerts():
                page.problems.append(f'{side.who} {side.conversation_id}: {"; ".join(page.alerts())}')
            return   # the composer keeps an unacknowledged text: this person stops and the soak reports it
        side.ack_ms.append((time.monotonic() - started) * 1000)
        side.sent.append(text)
        n += 1
        await asyncio.sleep(interval)


async def _round(name: str, base: str, browser, pairs, chromium_pairs: int, seconds: float, interval: float,
                 pid: int, grace: float) -> dict:
    sides: list[tuple[Side, Side]] = []
    contexts = []
    for i, (email, fragment, conversation_id) in enumerate(pairs):
        if i < chromium_pairs:
            context, agent = await _signed_in(browser, base, email)
            await agent.goto(f'/messenger/{conversation_id}')
            await agent.get_by_label('Message', exact=True).wait_for()
            customer_context = await browser.new_context(base_url=base)
            customer = await customer_context.new_page()
            await customer.goto(f'/chat#{fragment}')
            await customer.get_by_label('Message', exact=True).wait_for()
            contexts += [context, customer_context]
        else:
            agent = await _socket_agent(base, email, conversation_id)
            customer = await _socket_customer(base, fragment)
        sides.append((Side('agent', conversation_id, agent, name), Side('customer', conversation_id, customer, name)))
    connected = rss_mb(pid)
    began = time.monotonic()
    # Agents write every `interval` seconds; customers every 2.5 intervals, under the live chat's limit of 30
    # messages a minute per customer (a faster customer is told to slow down, which the soak would report).
    await asyncio.gather(*(_talk(side, seconds, interval * (2.5 if side.who == 'customer' else 1))
                           for pair in sides for side in pair))
    elapsed = time.monotonic() - began
    settle = time.monotonic()
    while True:   # the last messages reach the other side
        missing = 0
        for agent, customer in sides:
            for side, other in ((agent, customer), (customer, agent)):
                missing += await _missing(other.page, side.sent)
        if not missing or time.monotonic() - settle > 15:
            break
        await asyncio.sleep(1)
    peak = rss_mb(pid)
    problems = [p for pair in sides for side in pair if isinstance(side.page, SocketPage) for p in side.page.problems]
    for pair in sides:
        for side in pair:
            if isinstance(side.page, SocketPage):
                await side.page.close()
    for context in contexts:
        await context.close()
    await asyncio.sleep(grace + 3)   # the server keeps a dropped page for its reconnect grace, then frees it
    left = rss_mb(pid)
    # Presence forgot every agent page: a customer arriving now is told that no one is online.
    cleared_after = None
    waited = time.monotonic()
    while time.monotonic() - waited < 60:
        probe = await _socket_customer(base, pairs[0][1])
        nobody_online = any(e and e.get('text') == AWAY for e in probe.elements.values())
        await probe.close()
        if nobody_online:
            cleared_after = round(time.monotonic() - waited + grace + 3, 1)
            break
        await asyncio.sleep(2)
    sent = Counter({side.conversation_id: 0 for pair in sides for side in pair})
    for pair in sides:
        for side in pair:
            sent[side.conversation_id] += len(side.sent)
    acks = [ms for pair in sides for side in pair for ms in side.ack_ms]
    texts = [t for pair in sides for side in pair for t in side.sent]
    return {'sent': sum(sent.values()), 'per_conversation': dict(sent), 'seconds': round(elapsed, 1),
            'per_second': round(sum(sent.values()) / elapsed, 1), 'acknowledged_ms': percentiles(acks),
            'unacknowledged': sum(side.unacknowledged for pair in sides for side in pair), '_texts': texts,
            'missing_live': missing, 'problems': problems, 'presence_cleared': cleared_after is not None,
            'presence_cleared_after_s': cleared_after,
            'rss_connected_mb': round(connected, 1), 'rss_peak_mb': round(peak, 1), 'rss_after_mb': round(left, 1)}


async def _missing(page, texts: list[str]) -> int:
    """How many of these texts the page has not shown."""
    if isinstance(page, SocketPage):
        return sum(1 for text in texts if text not in page.bodies)
    missing = 0
    for text in texts[-3:]:   # a Chromium page: its last few, by what is on screen
        try:
            await page.get_by_text(text, exact=True).last.wait_for(timeout=5000)
        except Exception:
            missing += 1
    return missing


def run(folder: Path, *, pairs: int, seconds: float, chromium_pairs: int, interval: float, rounds: int,
        grace: float) -> dict:
    ws = build_workspace(folder, agents=pairs, customers=pairs)
    parley = ws.parley
    try:
        setup = []
        for agent, customer in zip(ws.agents, ws.customers, strict=True):
            conversation = parley.conversations.create_conversation(
                agent, participant_ids=[customer.id], body=f'Hello {customer.name}', client_id=cid(),
                with_customer=True)
            link = parley.chat.link(customer.id, conversation.id)
            setup.append((agent.email, link.split('#', 1)[1], conversation.id))
    finally:
        parley.close()
    port = free_port()
    env = {**os.environ, 'PARLEY_DATABASE_URL': f'sqlite:///{folder / "parley.db"}', 'PARLEY_PORT': str(port),
           'PARLEY_DATA_DIR': str(folder), 'PARLEY_DEMO': 'false', 'PARLEY_RECONNECT_SECONDS': str(grace)}
    with process([sys.executable, 'main.py'], env, port, folder / 'parley.log') as server:
        base = f'http://127.0.0.1:{port}'
        result = asyncio.run(_soak(base, server.pid, setup, chromium_pairs, seconds, interval, rounds, grace))
    log = (folder / 'parley.log').read_text()
    result['server_errors'] = log.count('Traceback') + len(re.findall(r' (ERROR|CRITICAL) ', log))
    result.update(_stored(folder / 'parley.db', result['rounds']))
    result.update(pairs=pairs, chromium_pairs=chromium_pairs, interval=interval, grace=grace)
    return result


async def _soak(base, pid, setup, chromium_pairs, seconds, interval, rounds, grace) -> dict:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # Warm-up: one visitor of each kind, so first-use caches do not count as growth.
            agent = await _socket_agent(base, *setup[0][::2])
            customer = await _socket_customer(base, setup[0][1])
            await agent.close()
            await customer.close()
            await asyncio.sleep(grace + 3)
            start = rss_mb(pid)
            done = [await _round(f'round {i + 1}', base, browser, setup, chromium_pairs, seconds, interval, pid,
                                 grace) for i in range(rounds)]
        finally:
            await browser.close()
    return {'rss_start_mb': round(start, 1), 'rounds': done}


def _stored(db: Path, rounds: list[dict]) -> dict:
    """Every acknowledged message stored exactly once."""
    with sqlite3.connect(db) as connection:
        bodies = Counter(body for (body,) in connection.execute('SELECT body FROM message'))
    acknowledged = [t for r in rounds for t in r.pop('_texts')]
    return {'stored': sum(bodies.values()), 'acknowledged': len(acknowledged),
            'lost': sum(1 for t in acknowledged if bodies[t] == 0),
            'duplicated': sum(1 for t in acknowledged if bodies[t] > 1)}


def summary(r: dict) -> str:
    first = r['rounds'][0]
    sent = sum(x['sent'] for x in r['rounds'])
    return (f'{r["pairs"]} agents + {r["pairs"]} customers ({r["chromium_pairs"]} pairs in Chromium), '
            f'{len(r["rounds"])} rounds of {first["seconds"]:.0f} s: {sent} messages acknowledged '
            f'({" and ".join(str(x["per_second"]) for x in r["rounds"])} a second; seen by the sender after '
            f'p50 {first["acknowledged_ms"]["p50"]:.0f} ms, p95 {first["acknowledged_ms"]["p95"]:.0f} ms in round 1), '
            f'{sum(x["unacknowledged"] for x in r["rounds"])} unacknowledged, {r["lost"]} lost, '
            f'{r["duplicated"]} duplicated, {sum(x["missing_live"] for x in r["rounds"])} not shown live, '
            f'{r["server_errors"]} server errors, {sum(len(x["problems"]) for x in r["rounds"])} client problems, '
            f'presence cleared after every round: {all(x["presence_cleared"] for x in r["rounds"])}. '
            f'Server RSS: {r["rss_start_mb"]} MB at start; ' +
            '; '.join(f'round {i + 1}: {x["rss_connected_mb"]} connected, {x["rss_peak_mb"]} at the end of the '
                      f'talk, {x["rss_after_mb"]} after the pages left' for i, x in enumerate(r['rounds'])) +
            '. After the pages left, growth from one round to the next: ' +
            ', '.join(f'{round(b["rss_after_mb"] - a["rss_after_mb"], 1)} MB'
                      for a, b in zip(r['rounds'], r['rounds'][1:], strict=False)) + '.')


def main(argv: list[str]) -> None:
    tiny = '--tiny' in argv
    sizes = dict(TINY if tiny else FULL)
    for name in ('pairs', 'seconds', 'rounds', 'chromium_pairs'):   # e.g. SOAK_PAIRS=10 make soak
        if f'SOAK_{name.upper()}' in os.environ:
            sizes[name] = type(sizes[name])(os.environ[f'SOAK_{name.upper()}'])
    folder = Path(tempfile.mkdtemp(prefix='parley-soak-'))
    try:
        result = run(folder, **sizes)
    except BaseException:
        print(f'The soak failed; the server log is in {folder / "parley.log"}', file=sys.stderr)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    result['when'] = datetime.now(timezone.utc).isoformat(timespec='seconds')
    result['machine'] = machine()
    out = Path(argv[argv.index('--tiny') + 1]) if tiny else ROOT / 'bench' / 'results' / 'soak.json'
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(summary(result))


if __name__ == '__main__':
    main(sys.argv[1:])
