"""A page without a browser: a socket client (python-socketio over aiohttp) that speaks NiceGUI's page protocol.

It GETs the page with its cookie, connects the page's socket, types into fields (update:modelValue) and clicks,
and keeps the elements and message bodies the server sends, acknowledging them as a browser does. `make soak`
runs a team of them; `make bench` uses them as the other agents' browsers, which in a real team run on
machines of their own, not on the server's cores.
"""
import ast
import asyncio
import base64
import json
import re
import time
from urllib.parse import urlencode
import uuid

import aiohttp
import socketio

from bench.common import PASSWORD

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


async def socket_agent(base: str, email: str, conversation_id: int | None) -> SocketPage:
    """A socket page signed in as `email`, on that conversation (or on no page yet, for None)."""
    page = SocketPage(base)
    await page.open('/login')
    await page.type(page.find(label='Email'), email)
    await page.type(page.find(label='Password'), PASSWORD)
    await page.click(page.find(label='Sign in'))
    await asyncio.wait_for(page.navigated.get(), 30)
    if conversation_id is None:
        await page.leave()
    else:
        await page.open(f'/messenger/{conversation_id}')
    return page


async def socket_customer(base: str, fragment: str) -> SocketPage:
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
