"""Who is signed in on this browser, and where to send them otherwise."""
from urllib.parse import quote, urlsplit

from collections.abc import Callable

from fastapi.responses import RedirectResponse
from nicegui import app, run

from services.container import Parley
from services.views import UserView

HOME = '/messenger'
CHOOSE_PASSWORD_PATH = '/welcome/password'   # an agent with a temporary password goes here before anything else


def current_agent(parley: Parley) -> UserView | None:
    """The signed-in, still active agent of this browser session (not signed out elsewhere since), or None."""
    storage = app.storage.user
    return parley.auth.get_agent(storage.get('user_id'), generation=storage.get('generation', 0))


# Set while this browser changes its password: the SessionsEnded that follows is not for it (it takes the new
# session generation as soon as the change returns).
KEEPING = 'keeping_session'


def session_ended(parley: Parley) -> bool:
    """Whether this browser's session ended (a SessionsEnded arrived): not while it is changing its password."""
    return current_agent(parley) is None and not app.storage.user.get(KEEPING)


async def keeping_this_browser(change: Callable[[], int]) -> None:
    """Run a password change (blocking, argon2) that ends the agent's sessions, this browser staying signed in with
    the session generation it returns; a refusal (ParleyError) comes through."""
    storage = app.storage.user
    storage[KEEPING] = True   # this browser's pages ignore the SessionsEnded coming
    try:
        storage['generation'] = await run.io_bound(change)
    finally:
        storage.pop(KEEPING, None)


def sign_in(parley: Parley, agent: UserView) -> None:
    app.storage.user.update(user_id=agent.id, generation=parley.directory.session_generation(agent.id))


def sign_out(parley: Parley) -> None:
    """End this agent's sessions in every browser (their open pages go to the sign-in page)."""
    user_id = app.storage.user.get('user_id')
    if current_agent(parley) is not None:
        parley.directory.end_sessions(user_id)
    app.storage.user.clear()


def first_things_first(agent: UserView) -> RedirectResponse | None:
    """Where an agent must go before any page: choosing their own password after a temporary one."""
    if agent.must_change_password:
        return RedirectResponse(CHOOSE_PASSWORD_PATH, status_code=303)
    return None


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


def client_address(client) -> str | None:
    """The browser's network address (for per-address limits); behind a proxy, the proxy's."""
    peer = getattr(getattr(client, 'request', None), 'client', None)
    return getattr(peer, 'host', None)
