"""The floor: the least NiceGUI can do for a chat, measured in the same run as Parley.

A plain list that every connected page appends to when anyone sends; no database, no sign-in.
`/` is the broadcast page, `/thread` shows 50 messages (the memory floor). Run: python -m bench.floor PORT
"""
import sys
import time

from nicegui import app, ui

pages: list[ui.column] = []


@app.middleware('http')
async def server_timing(request, call_next):
    """The same Server-Timing Parley sends (ui/embed.py): the server's own time from request to response."""
    started = time.perf_counter()
    response = await call_next(request)
    response.headers['Server-Timing'] = f'app;dur={(time.perf_counter() - started) * 1000:.1f}'
    return response
history = [f'Message {i} of the floor thread' for i in range(50)]


@ui.page('/')
def broadcast() -> None:
    messages = ui.column()
    pages.append(messages)
    ui.context.client.on_delete(lambda: pages.remove(messages))
    text = ui.input(placeholder='Message').props('aria-label=Message')

    def send() -> None:
        for column in list(pages):
            with column:
                ui.label(text.value)
        text.value = ''
    ui.button('Send', on_click=send).props('aria-label=Send')


@ui.page('/thread')
def thread() -> None:
    with ui.column():
        for line in history:
            ui.label(line)


if __name__ in {'__main__', '__mp_main__'}:
    app.on_startup(lambda: print('floor ready', flush=True))
    ui.run(port=int(sys.argv[1]), host='127.0.0.1', reload=False, show=False, show_welcome_message=False,
           reconnect_timeout=30, ws_per_message_deflate=False)   # as main.py runs Parley
