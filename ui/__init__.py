"""NiceGUI pages and components. They call services and subscribe to events; no database here."""
import logging

from nicegui import app, ui

from services.container import Parley

log = logging.getLogger(__name__)


def register(parley: Parley) -> None:
    """Define every page for this Parley (called by main.py, never at import time)."""
    from ui import auth_pages, messenger
    auth_pages.register(parley)
    messenger.register(parley)
    app.on_page_exception(_error_page)


def _error_page(exception: Exception) -> None:
    """What a user sees when building a page fails: an apology and a way on, never a traceback."""
    log.error('page failed: %r', exception, exc_info=exception)
    with ui.column().classes('w-full min-h-[100dvh] items-center justify-center text-center gap-2 p-6'):
        ui.icon('error_outline', size='xl', color='grey-6')
        ui.label('Something went wrong').classes('text-xl font-semibold')
        ui.label('The problem has been logged. Reload the page, or go back to your conversations.') \
            .classes('text-slate-600 max-w-md')
        ui.button('Back to conversations', on_click=lambda: ui.navigate.to('/messenger')).props('unelevated no-caps')
