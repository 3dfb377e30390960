"""The language of the page being drawn, and small helpers for words that go into Quasar props.

Each page says its language once, as it is built (`use_page_language`): the agent's choice in their settings, else the
browser's Accept-Language; on the live chat, the customer's stored language. services.i18n asks `page_language` for
every word translated while that page's code runs (building it, its handlers, live updates: all run inside the page's
client).
"""
from nicegui import app, context, ui
from starlette.requests import Request

from services import i18n
from services.i18n import _, negotiate

KEY = 'language'


def page_language() -> str | None:
    """The language of the page whose code is running, None outside a page (a worker, a test's service call)."""
    try:
        return context.client.storage.get(KEY)
    except RuntimeError:   # no page's code is running
        return None


def use_page_language(request: Request | None, chosen: str | None = None) -> str:
    """Set this page's language: `chosen` (an agent's setting, a customer's language), else the browser's, else the
    team's default. Returns it."""
    language = (i18n.normalize(chosen) or
                negotiate(request.headers.get('accept-language') if request is not None else None) or
                i18n.default())
    app.storage.client[KEY] = language
    ui.query('html').props(f'lang={language.replace("_", "-")}')   # for screen readers and spelling checkers
    return language


def prop(prop_name: str, text: str, /, **arguments: object) -> str:
    """A Quasar prop carrying words, translated: .props(prop('placeholder', 'Search')); {named} arguments filled in
    after. Double quotes become single ones (they would end the prop's value)."""
    words = _(text).format(**arguments) if arguments else _(text)
    return f'{prop_name}="{words.replace(chr(34), chr(39))}"'


def aria(text: str, /, **arguments: object) -> str:
    """aria-label="…" in the page's language."""
    return prop('aria-label', text, **arguments)


i18n.set_resolver(page_language)
