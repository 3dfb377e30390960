"""Who is signed in on this browser, and where to send them otherwise."""
from urllib.parse import quote, urlsplit

from fastapi.responses import RedirectResponse
from nicegui import app

from services.container import Parley
from services.views import UserView

HOME = '/messenger'


def current_agent(parley: Parley) -> UserView | None:
    """The signed-in, still active agent of this browser session, or None."""
    return parley.auth.get_agent(app.storage.user.get('user_id'))


def sign_in(agent: UserView) -> None:
    app.storage.user['user_id'] = agent.id


def sign_out() -> None:
    app.storage.user.clear()


def login_redirect(path: str) -> RedirectResponse:
    """Send an anonymous visitor to sign in, coming back to `path` afterwards."""
    target = '/login' if path in ('', '/', HOME) else f'/login?next={quote(path, safe="/")}'
    return RedirectResponse(target, status_code=303)


def safe_next(target: str | None) -> str:
    """A local path to return to after sign-in; anything else (other sites, odd schemes) goes home."""
    if not target or not target.startswith('/') or target.startswith('//') or '\\' in target:
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return HOME
    return target
