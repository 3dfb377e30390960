"""NiceGUI pages and components. They call services and subscribe to events; no database here."""
import logging

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from nicegui import Client, app, run, ui
from nicegui.page import page
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from services.i18n import N_, _
from services.container import Parley
from ui.internals import nicegui_not_found, quiet_redis_listener_errors
from ui.theme import page_setup, use_shared_head

log = logging.getLogger(__name__)


def register(parley: Parley) -> None:
    """Define every page for this Parley (called by main.py, never at import time)."""
    from ui import (admin, auth_pages, chat, customers, embed, files, inbound_api, items, messenger, replies,
                    settings, stylesheet)
    use_shared_head(stylesheet.serve())
    if parley.redis is not None:
        quiet_redis_listener_errors()
    embed.register(parley)
    inbound_api.register(parley)
    files.register(parley)
    admin.register(parley)
    auth_pages.register(parley)
    messenger.register(parley)
    chat.register(parley)
    settings.register(parley)
    replies.register(parley)
    items.register(parley)
    customers.register(parley)
    _serve_health_before_sessions(parley)
    app.on_page_exception(_error_page)
    app.add_exception_handler(404, _not_found)


def _serve_health_before_sessions(parley: Parley) -> None:
    """The browser's session cookie, then /healthz, then NiceGUI's per-browser storage (in that order, outer first).

    A load balancer's check carries no cookie: behind NiceGUI's request tracking each check would open a new browser
    session (with Redis: a read, a subscription and a connection, kept until NiceGUI prunes it). NiceGUI appends its
    request tracking innermost when a SessionMiddleware is already there, which is what this adds, with the settings
    ui.run would give it (tests/ui/test_auth_pages.py checks a check leaves no session behind)."""
    settings = parley.settings
    app.add_middleware(HealthCheck, parley=parley)
    app.add_middleware(SessionMiddleware, secret_key=settings.resolved_storage_secret(), same_site='lax',
                       https_only=settings.public_url.startswith('https:'))


class HealthCheck:
    """GET/HEAD /healthz for the load balancer: 200 when the database (and Redis, when set) answer, else 503 saying
    which. Every other request goes on."""

    def __init__(self, app: ASGIApp, parley: Parley) -> None:
        self.app, self.parley = app, parley

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or scope['path'] != '/healthz':
            await self.app(scope, receive, send)
            return
        if scope['method'] not in ('GET', 'HEAD'):
            response = JSONResponse({'detail': 'Method Not Allowed'}, status_code=405, headers={'Allow': 'GET, HEAD'})
        else:
            checks = await run.io_bound(self.parley.health)
            ok = all(checks.values())
            response = JSONResponse({'ok': ok, **checks}, status_code=200 if ok else 503,
                                    headers={'Cache-Control': 'no-store'})
        await response(scope, receive, send)


async def _not_found(request: Request, exception: Exception) -> Response:
    """Unknown addresses get Parley's own page; NiceGUI's resources and APIs keep their answers."""
    if request.url.path.startswith('/_nicegui') or request.scope.get('endpoint') is not None:
        return await nicegui_not_found(request, exception)
    with Client(page(''), request=request) as client:
        _apology('search_off', N_('Page not found'), N_('There is nothing at this address.'))
    return client.build_response(request, 404)


def _error_page(exception: Exception) -> None:
    """What a user sees when building a page fails: an apology and a way on, never a traceback."""
    log.error('page failed: %r', exception, exc_info=exception)
    _apology('error_outline', N_('Something went wrong'),
             N_('The problem has been logged. Reload the page, or go back to your conversations.'))


def _apology(icon: str, title: str, detail: str) -> None:
    page_setup(title)
    with ui.column().classes('w-full min-h-[100dvh] items-center justify-center text-center gap-2 p-6'):
        ui.icon(icon, size='xl', color='grey-6')
        ui.label(_(title)).classes('text-xl font-semibold')
        ui.label(_(detail)).classes('text-slate-600 max-w-md')
        ui.button(_('Go to your conversations'), on_click=lambda: ui.navigate.to('/messenger')) \
            .props('unelevated no-caps').classes('mt-2')
