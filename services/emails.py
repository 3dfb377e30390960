"""The emails Parley writes, from Jinja2 templates (services/templates): the .html ones autoescape, so a name or a
message can never be markup; the .txt ones are plain text. Each email has both."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

_environment = Environment(loader=FileSystemLoader(Path(__file__).parent / 'templates'),
                           autoescape=select_autoescape(['html']), undefined=StrictUndefined,
                           keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
_environment.filters['flat'] = lambda text, limit: ' '.join(str(text).split())[:limit]   # one line, cut short
_environment.filters['lines'] = lambda text: Markup('<br>').join(escape(text).split('\n'))   # line breaks kept


def render(name: str, **values) -> tuple[str, str]:
    """(text, html) of the email `name` (name.txt and name.html)."""
    return (_environment.get_template(f'{name}.txt').render(**values),
            _environment.get_template(f'{name}.html').render(**values))
