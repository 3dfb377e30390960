"""Languages: gettext catalogs (locales/, managed by Babel), and dates, numbers and plurals per language.

Every word a person reads goes through `_` (or `ngettext`) at the moment it is shown, in the language of whoever
reads it:
- `using(language)` sets it for a block: an email to a customer, a digest to an agent;
- else the registered resolver answers (the UI registers one: the open page's language);
- else the team's default (PARLEY_DEFAULT_LANGUAGE).

Text that is written before anyone reads it (a constant, an error's sentence) is marked with `N_` and translated
where it is shown; errors (services.errors) keep their message id and arguments for that.
"""
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import cache
import io
import json
import logging
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from babel.dates import format_date, format_datetime, format_skeleton, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

DOMAIN = 'parley'
LOCALES = Path(__file__).resolve().parent.parent / 'locales'
# The languages Parley speaks, by their own names (the account settings and the customer page offer these).
LANGUAGES: dict[str, str] = {'en': 'English', 'pt_PT': 'Português (Portugal)'}
DEFAULT = 'en'

_current: ContextVar[str | None] = ContextVar('parley_language', default=None)
_resolver: Callable[[], str | None] | None = None
_default = DEFAULT


def N_(message: str) -> str:
    """Marks text for the catalog that is translated later, where it is shown."""
    return message


def pN_(context: str, message: str) -> tuple[str, str]:
    """Marks a word whose translation depends on what it is about (context, message), for `pgettext(*pair)` later:
    "Open" is "Abertas" as a list of conversations and "Aberto" as a ticket's status."""
    return context, message


def set_default(language: str) -> None:
    """The team's default language (PARLEY_DEFAULT_LANGUAGE)."""
    global _default
    _default = normalize(language) or DEFAULT


def default() -> str:
    return _default


def set_resolver(resolver: Callable[[], str | None] | None) -> None:
    """Who says the language when no `using` block does (the UI: the current page's)."""
    global _resolver
    _resolver = resolver


def current() -> str:
    if (language := _current.get()) is not None:
        return language
    if _resolver is not None and (language := _resolver()) is not None:
        return language
    return _default


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Everything translated inside the block is in `language` (None or unknown: the team's default)."""
    chosen = normalize(language) or _default
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def normalize(tag: str | None) -> str | None:
    """One of LANGUAGES for a tag as browsers and people write it ('pt-PT', 'pt', 'pt_BR', 'en-GB'), else None.

    Any Portuguese is European Portuguese here (the closest Parley has); any English is English.
    """
    if not tag:
        return None
    tag = tag.strip().replace('-', '_')
    if tag in LANGUAGES:
        return tag
    base = tag.split('_', 1)[0].lower()
    return {'pt': 'pt_PT', 'en': 'en'}.get(base)


def negotiate(accept_language: str | None) -> str | None:
    """The first language of an Accept-Language header that Parley speaks (by the browser's weights), else None."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or '').split(',')):
        tag, _, parameters = part.strip().partition(';')
        weight = 1.0
        if parameters.strip().startswith('q='):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                weight = 0.0
        if (language := normalize(tag)) is not None and weight > 0:
            choices.append((-weight, position, language))
    return min(choices)[2] if choices else None


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of `language` (`make` compiles locales/*/LC_MESSAGES/parley.mo from the .po files).

    A catalog not compiled yet (python main.py straight from a checkout) is compiled in memory from its .po.
    """
    if language == DEFAULT:
        return NullTranslations()   # the message ids are the English text
    folder = LOCALES / language / 'LC_MESSAGES'
    compiled, source = folder / f'{DOMAIN}.mo', folder / f'{DOMAIN}.po'
    if compiled.exists() and (not source.exists() or compiled.stat().st_mtime >= source.stat().st_mtime):
        with compiled.open('rb') as file:
            return Translations(file, domain=DOMAIN)
    if not source.exists():
        log.warning('no catalog for %s in %s: showing English', language, folder)
        return NullTranslations()
    with source.open('rb') as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(message: str) -> str:
    return translations(current()).ugettext(message)


def deferred(message: str, /, **arguments: object) -> str:
    """Words stored now and read later by someone whose language is not known yet (a notice's title): the message id
    and its arguments as JSON, which `shown` turns into words in the reader's language."""
    return json.dumps({'t': message, 'a': arguments}, ensure_ascii=False, separators=(',', ':'))


def english(stored: str) -> str:
    """Stored words in English: for logs, and answers to other machines (mail servers, APIs)."""
    with using('en'):
        return shown(stored)


def fitted(stored: str, limit: int) -> str:
    """Stored words for a column of `limit` characters: as they are when they fit, else put into words in English and
    cut (cutting the JSON would leave neither message id nor words)."""
    return stored if len(stored) <= limit else english(stored)[:limit]


def shown(stored: str | None) -> str:
    """Stored words (`deferred`) in the reader's language; any other text as it is."""
    if not stored or not stored.startswith('{"t":'):
        return stored or ''
    try:
        data = json.loads(stored)
        message, arguments = data['t'], data['a']
        text = gettext(message)
        # An argument may be stored words itself (a matched-by phrase, an error): worded for the same reader.
        return text.format(**{k: shown(v) if isinstance(v, str) else v for k, v in arguments.items()}) \
            if arguments else text
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return stored


def pgettext(context: str, message: str) -> str:
    return translations(current()).upgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ungettext(singular, plural, n)


_ = gettext


def locale() -> Locale:
    return _babel_locale(current())


@cache
def _babel_locale(language: str) -> Locale:
    try:   # English dates and times as Europe writes them: 3 Nov, 14:05 (not Nov 3, 2:05 PM)
        return Locale.parse({'en': 'en_GB'}.get(language, language))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT)


def number(value: float) -> str:
    """1,234.5 in English, 1234,5 in Portuguese."""
    return format_decimal(value, locale=locale())


def date(moment: datetime, form: str = 'medium') -> str:
    return format_date(moment, form, locale=locale())


def date_time(moment: datetime, form: str = 'medium') -> str:
    return format_datetime(moment, form, locale=locale())


def pattern(moment: datetime, skeleton: str) -> str:
    """A date or time in the language's own order for a CLDR skeleton ('MMMEd': "Mon, 3 Nov" / "seg., 3/11")."""
    return format_skeleton(skeleton, moment, locale=locale())


def name_list(names: list[str]) -> str:
    """"Ann, Bo and Cy" / "Ann, Bo e Cy"."""
    return format_list(names, locale=locale()) if names else ''


def duration(delta: timedelta) -> str:
    """"5 minutes" / "5 minutos"."""
    return format_timedelta(delta, locale=locale())
