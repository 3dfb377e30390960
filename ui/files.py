"""Files over HTTP: uploads streamed to the store, downloads behind the same access gate as their messages.

POST /files (the composer's uploads, ui/uploads.js): the body is the file itself, its name in X-File-Name. An agent
is known by their session; a customer on the live chat by the chat's session token in X-Parley-Chat. The custom
headers also keep other sites out (a form cannot send them, and a script from elsewhere needs a CORS preflight
this server never grants). A declared size over the limit is refused before a byte is read, and an upload that
breaks off leaves nothing behind.

GET /files/{id}/{name}: agents by their session; customers by the signed link (?t=) in their chat or email. A
file the viewer may not read is "not found", like one that does not exist. Every answer tells the browser to
run nothing: only raster images are shown inline; everything else is an attachment, with nosniff and a
Content-Security-Policy that sandboxes it (an SVG or HTML file opened directly runs no script in this origin).
"""
from html import escape
from urllib.parse import quote, unquote
import logging

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from nicegui import app, run
from starlette.requests import ClientDisconnect

from services.attachments import FILE_NOT_FOUND, ServedFile, Variant, address
from services.container import Parley
from services.i18n import _, negotiate, using
from services.errors import NotFound, ParleyError, SignedOut
from services.files import TooLarge
from services.views import UserView
from ui.session import current_agent

log = logging.getLogger(__name__)

UPLOAD_PATH = '/files'
CHAT_HEADER = 'X-Parley-Chat'
NAME_HEADER = 'X-File-Name'
BUFFER = 1024 * 1024   # bytes gathered before each write to disk (in a worker thread)
SANDBOX = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"


file_path = address   # a kept file's address (a customer's carries their signed link)


def register(parley: Parley) -> None:
    @app.post(UPLOAD_PATH, include_in_schema=False)
    async def upload(request: Request) -> JSONResponse:
        actor = _uploader(parley, request)   # its refusals in the uploader's language, else the browser's
        with using((actor.language if actor else None) or negotiate(request.headers.get('accept-language'))):
            return await _upload(parley, request)

    @app.delete('/files/{attachment_id}', include_in_schema=False)
    async def remove(attachment_id: str, request: Request) -> Response:
        actor, number = _uploader(parley, request), _number(attachment_id)
        if actor is None or number is None:
            return Response(status_code=404)
        await run.io_bound(parley.files.remove_staged, actor, number)
        return Response(status_code=204)

    @app.get('/files/{attachment_id}/{name}', include_in_schema=False)
    async def download(attachment_id: str, name: str, request: Request) -> Response:
        return await _download(parley, attachment_id, request)


def _number(raw: str) -> int | None:
    """A file id from the address: ASCII digits only ('²' and '٣' are digits to Python, not ids); else None."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _uploader(parley: Parley, request: Request) -> UserView | None:
    """Who is uploading: the signed-in agent, or the live chat's customer (by its session token)."""
    token = request.headers.get(CHAT_HEADER)
    if token:
        try:
            return parley.chat.resume(token[:2000]).customer
        except ParleyError:
            return None
    return current_agent(parley)


def _refused(message: str, status: int) -> JSONResponse:
    return JSONResponse({'error': message}, status_code=status, headers={'Cache-Control': 'no-store'})


async def _upload(parley: Parley, request: Request) -> JSONResponse:
    if not request.headers.get(NAME_HEADER):
        return _refused(_('Send the file with its name (X-File-Name).'), 400)
    actor = _uploader(parley, request)
    if actor is None:
        return _refused(_('Your session has ended. Reload the page to attach files.'), 401)
    name = unquote(request.headers[NAME_HEADER][:4000])
    declared = request.headers.get('content-length')
    try:
        pending = await run.io_bound(parley.files.begin, actor, name=name,
                                     declared_size=int(declared) if declared and declared.isdigit() else None)
    except SignedOut:
        return _refused(_('Your session has ended. Reload the page to attach files.'), 401)
    except ParleyError as problem:
        return _refused(str(problem), 413 if 'can be up to' in problem.message_id else 400)
    try:
        buffer = bytearray()
        async for chunk in request.stream():
            buffer += chunk
            if len(buffer) >= BUFFER:
                await run.io_bound(pending.write, bytes(buffer))
                buffer.clear()
        if buffer:
            await run.io_bound(pending.write, bytes(buffer))
        view = await run.io_bound(parley.files.finish, actor, pending, name=name)
    except TooLarge as problem:
        return _refused(str(problem), 413)
    except ParleyError as problem:   # refused (its file is gone), or signed out meanwhile (gone here)
        pending.abort()
        return _refused(str(problem), 401 if isinstance(problem, SignedOut) else 400)
    except ClientDisconnect:
        pending.abort()
        log.info('an upload of %r broke off; nothing was kept', name[:100])
        return _refused(_('The upload broke off.'), 400)
    except BaseException:
        pending.abort()
        raise
    token = await run.io_bound(parley.files.link_token, actor.id, view.id) if request.headers.get(CHAT_HEADER) \
        else None
    return JSONResponse({'id': view.id, 'name': view.name, 'size': view.size, 'sizeText': view.size_text,
                         'image': view.image, 'type': view.content_type,
                         'thumb': file_path(view, Variant.THUMBNAIL, token) if view.image else None},
                        headers={'Cache-Control': 'no-store'})


async def _download(parley: Parley, attachment_id: str, request: Request) -> Response:
    variant = request.query_params.get('v', Variant.ORIGINAL)
    token = request.query_params.get('t')
    number = _number(attachment_id)
    try:
        if token:
            served = await run.io_bound(parley.files.file_by_link, token[:2000], number, variant)
        else:
            agent = current_agent(parley)
            if agent is None:
                raise NotFound(FILE_NOT_FOUND)
            served = await run.io_bound(parley.files.file, agent, number, variant)
    except ParleyError:
        return _not_found()
    return _send(parley, served)


def _send(parley: Parley, served: ServedFile) -> Response:
    disposition = 'inline' if served.inline else 'attachment'
    headers = {'Content-Disposition': f"{disposition}; filename*=UTF-8''{quote(served.name, safe='')}",
               'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': SANDBOX,
               'Cache-Control': 'private, max-age=86400', 'Cross-Origin-Resource-Policy': 'same-origin'}
    path = parley.files.store.local_path(served.digest)
    if path is not None:
        return FileResponse(path, media_type=served.content_type, headers=headers)
    try:
        source = parley.files.store.open(served.digest)
    except (OSError, ValueError):
        log.error('file %s is missing from the store', served.digest)
        return _not_found()
    def chunks():
        with source:
            yield from iter(lambda: source.read(64 * 1024), b'')
    return StreamingResponse(chunks(), media_type=served.content_type, headers=headers)


def _not_found() -> HTMLResponse:
    return HTMLResponse(f'<!doctype html><meta charset="utf-8"><title>File not found</title>'
                        f'<body style="font-family:system-ui,sans-serif;text-align:center;padding:4rem 1rem;'
                        f'color:#334155"><h1 style="font-size:1.25rem">File not found</h1>'
                        f'<p>{escape(FILE_NOT_FOUND)}</p></body>',
                        status_code=404, headers={'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
                                                  'Content-Security-Policy': SANDBOX})
