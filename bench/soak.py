"""`make soak`: agents and customers on their real pages at once, from another process than the server.

Parley runs as `make run` starts it. Each agent and each customer is a socket page (bench/sockets.py: python-socketio
over aiohttp) that speaks NiceGUI's page protocol as a browser does: it GETs the page with its cookie,
connects the page's socket, signs in through the form, types into the composer (update:modelValue) and
presses Send (click), and keeps the elements the server sends. A few pairs are real Chromium pages instead.
So the server's memory is the server's alone.

Rounds (six in `make soak`): everyone connects, talks, and leaves; the server drops the pages after its
reconnect grace. A message counts once its sender sees it in the thread, as a person waits to. Checked:
every acknowledged message stored exactly once and shown live on the other side, no error in the server's
log, presence empty after each round, and the server's memory after each round (RSS: CPython keeps freed
memory, so it is whether the rounds level off that tells a leak).
`python -m bench.soak --tiny OUT` is what `make test` runs. `SOAK_CLUSTER=1 make soak` runs the same against the
cluster (bench/cluster.py: three processes, PostgreSQL, Redis, HAProxy): the clients connect through HAProxy, the
memory is the processes' together, the log is theirs together.
"""
import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, UTC
import json
from pathlib import Path
import os
import random
import re
import shutil
import sys
import tempfile
import time

from playwright.async_api import async_playwright
from sqlalchemy import create_engine, text as sql

from bench import cluster
from bench.browser import CHROMIUM, CHROMIUM_ARGS, _signed_in, free_port, process, rss_mb
from bench.common import build_workspace, cid, machine, percentiles
from bench.sockets import SocketPage, socket_agent, socket_customer
from ui.chat import AWAY

ROOT = Path(__file__).resolve().parents[1]
ACK_TIMEOUT = 30   # seconds a person waits to see their message in the thread
FULL = dict(pairs=50, seconds=60, chromium_pairs=3, interval=1.0, rounds=6, grace=10)
TINY = dict(pairs=3, seconds=3, chromium_pairs=1, interval=0.5, rounds=2, grace=1)


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
                 pids: list[int], grace: float) -> dict:
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
            agent = await socket_agent(base, email, conversation_id)
            customer = await socket_customer(base, fragment)
        sides.append((Side('agent', conversation_id, agent, name), Side('customer', conversation_id, customer, name)))
    connected = _rss(pids)
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
    peak = _rss(pids)
    problems = [p for pair in sides for side in pair if isinstance(side.page, SocketPage) for p in side.page.problems]
    for pair in sides:
        for side in pair:
            if isinstance(side.page, SocketPage):
                await side.page.close()
    for context in contexts:
        await context.close()
    await asyncio.sleep(grace + 3)   # the server keeps a dropped page for its reconnect grace, then frees it
    left = _rss(pids)
    # Presence forgot every agent page: a customer arriving now is told that no one is online.
    cleared_after = None
    waited = time.monotonic()
    while time.monotonic() - waited < 60:
        probe = await socket_customer(base, pairs[0][1])
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
        grace: float, on_cluster: bool = False) -> dict:
    sizes = (chromium_pairs, seconds, interval, rounds, grace)
    if on_cluster:
        with cluster.running({'PARLEY_RECONNECT_SECONDS': str(grace)}, folder=folder / 'cluster') as started:
            setup = _setup(build_workspace(folder, agents=pairs, customers=pairs, database_url=started.database_url,
                                           storage_secret=started.secret))
            result = asyncio.run(_soak(started.address, [p.proc.pid for p in started.processes if p.proc], setup,
                                       *sizes))
            log = '\n'.join(p.log() for p in started.processes)
            result.update(_stored(started.database_url, result['rounds']))
    else:
        setup = _setup(build_workspace(folder, agents=pairs, customers=pairs))
        port = free_port()
        env = {**os.environ, 'PARLEY_DATABASE_URL': f'sqlite:///{folder / "parley.db"}', 'PARLEY_PORT': str(port),
               'PARLEY_DATA_DIR': str(folder), 'PARLEY_DEMO': 'false', 'PARLEY_RECONNECT_SECONDS': str(grace)}
        with process([sys.executable, 'main.py'], env, port, folder / 'parley.log') as server:
            result = asyncio.run(_soak(f'http://127.0.0.1:{port}', [server.pid], setup, *sizes))
        log = (folder / 'parley.log').read_text()
        result.update(_stored(f'sqlite:///{folder / "parley.db"}', result['rounds']))
    result['server_errors'] = log.count('Traceback') + len(re.findall(r' (ERROR|CRITICAL) ', log))
    result.update(pairs=pairs, chromium_pairs=chromium_pairs, interval=interval, grace=grace, cluster=on_cluster)
    return result


def _setup(ws) -> list[tuple[str, str, int]]:
    """A customer conversation per agent: (the agent's email, the customer's chat fragment, its id)."""
    parley = ws.parley
    try:
        setup = []
        for agent, customer in zip(ws.agents, ws.customers, strict=True):
            conversation = parley.conversations.create_conversation(
                agent, participant_ids=[customer.id], body=f'Hello {customer.name}', client_id=cid(),
                with_customer=True)
            link = parley.chat.link(customer.id, conversation.id)
            setup.append((agent.email, link.split('#', 1)[1], conversation.id))
        return setup
    finally:
        parley.close()


def _rss(pids: list[int]) -> float:
    return sum(rss_mb(pid) for pid in pids)


async def _soak(base, pids, setup, chromium_pairs, seconds, interval, rounds, grace) -> dict:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # Warm-up: one visitor of each kind, so first-use caches do not count as growth.
            agent = await socket_agent(base, *setup[0][::2])
            customer = await socket_customer(base, setup[0][1])
            await agent.close()
            await customer.close()
            await asyncio.sleep(grace + 3)
            start = _rss(pids)
            done = [await _round(f'round {i + 1}', base, browser, setup, chromium_pairs, seconds, interval, pids,
                                 grace) for i in range(rounds)]
        finally:
            await browser.close()
    return {'rss_start_mb': round(start, 1), 'rounds': done}


def _stored(database_url: str, rounds: list[dict]) -> dict:
    """Every acknowledged message stored exactly once."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            bodies = Counter(body for (body,) in connection.execute(sql("SELECT body FROM message")))
    finally:
        engine.dispose()
    acknowledged = [t for r in rounds for t in r.pop('_texts')]
    return {'stored': sum(bodies.values()), 'acknowledged': len(acknowledged),
            'lost': sum(1 for t in acknowledged if bodies[t] == 0),
            'duplicated': sum(1 for t in acknowledged if bodies[t] > 1)}


def summary(r: dict) -> str:
    first = r['rounds'][0]
    sent = sum(x['sent'] for x in r['rounds'])
    return (('Against the cluster (3 processes, PostgreSQL, Redis, HAProxy): ' if r.get('cluster') else '') +
            f'{r["pairs"]} agents + {r["pairs"]} customers ({r["chromium_pairs"]} pairs in Chromium), '
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
        result = run(folder, **sizes, on_cluster=os.environ.get('SOAK_CLUSTER', '') not in ('', '0'))
    except BaseException:
        print(f'The soak failed; the server log is in {folder / "parley.log"}', file=sys.stderr)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    result['when'] = datetime.now(UTC).isoformat(timespec='seconds')
    result['machine'] = machine()
    out = Path(argv[argv.index('--tiny') + 1]) if tiny else \
        ROOT / 'bench' / 'results' / ('soak-cluster.json' if result['cluster'] else 'soak.json')
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(summary(result))


if __name__ == '__main__':
    main(sys.argv[1:])
