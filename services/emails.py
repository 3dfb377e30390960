"""The emails Parley writes, from Jinja2 templates (services/templates): the .html ones autoescape, so a name or a
message can never be markup; the .txt ones are plain text. Each email has both."""
from datetime import UTC
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from services.i18n import date_time, gettext, ngettext
from services.richtext import to_html, to_text

_environment = Environment(loader=FileSystemLoader(Path(__file__).parent / 'templates'),
                           autoescape=select_autoescape(['html']), undefined=StrictUndefined,
                           keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                           extensions=['jinja2.ext.i18n'])
# Words in the language of the block the email is rendered in (services.i18n.using): the recipient's.
_environment.install_gettext_callables(gettext, ngettext, newstyle=True)   # type: ignore[attr-defined]
_environment.filters['when'] = lambda moment: date_time(moment.replace(tzinfo=UTC), 'medium') + ' UTC'
_environment.filters['flat'] = lambda text, limit: ' '.join(str(text).split())[:limit]   # one line, cut short
_environment.filters['lines'] = lambda text: Markup('<br>').join(escape(text).split('\n'))   # line breaks kept
# A message as the messenger shows it: escaped text, the Markdown subset and links (services.richtext).
_environment.filters['rich'] = lambda text: Markup(to_html(str(text)))
_environment.filters['plain'] = lambda text: to_text(str(text))   # markup removed (a one-line excerpt)


def render(name: str, **values) -> tuple[str, str]:
    """(text, html) of the email `name` (name.txt and name.html)."""
    return (_environment.get_template(f'{name}.txt').render(**values),
            _environment.get_template(f'{name}.html').render(**values))
