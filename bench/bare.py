"""The browser's own floor: the same chat and thread pages with no framework at all, measured in the same run.

A raw WebSocket that every connected page appends a <div> to, and a static page with the 50-message thread
in its HTML: no NiceGUI, Vue, Quasar or socket.io. What one Chromium on this machine takes for these is
what no page built on any stack can beat, so it tells whether an absolute target is reachable here.
`/` is the broadcast page (same labels as the floor's), `/thread` the static thread.
Run: python -m bench.bare PORT
"""
import contextlib
import html
import sys

from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
import uvicorn

sockets: set[WebSocket] = set()
THREAD = ''.join(f'<div>{html.escape(f"Message {i} of the floor thread")}</div>' for i in range(50))
BROADCAST = '''<!doctype html><html><head><meta charset="utf-8"><title>bare</title></head><body>
<div id="messages"></div>
<input aria-label="Message" placeholder="Message" id="box"><button aria-label="Send" id="send">Send</button>
<script>
const socket = new WebSocket(`ws://${location.host}/ws`);
socket.onmessage = (event) => {
  const line = document.createElement('div');
  line.textContent = event.data;
  document.getElementById('messages').append(line);
};
document.getElementById('send').onclick = () => {
  const box = document.getElementById('box');
  socket.send(box.value);
  box.value = '';
};
</script></body></html>'''


async def broadcast(_request) -> HTMLResponse:
    return HTMLResponse(BROADCAST)


async def thread(_request) -> HTMLResponse:
    return HTMLResponse(f'<!doctype html><html><head><meta charset="utf-8"><title>bare</title></head>'
                        f'<body>{THREAD}</body></html>')


async def socket(ws: WebSocket) -> None:
    await ws.accept()
    sockets.add(ws)
    try:
        while True:
            text = await ws.receive_text()
            for other in list(sockets):
                with contextlib.suppress(Exception):  # a page that just closed: it leaves in its own finally
                    await other.send_text(text)
    except WebSocketDisconnect:
        pass
    finally:
        sockets.discard(ws)


app = Starlette(routes=[Route('/', broadcast), Route('/thread', thread), WebSocketRoute('/ws', socket)])

if __name__ == '__main__':
    uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')
