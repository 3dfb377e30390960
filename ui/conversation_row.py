"""One row of the messenger's conversation list as a single element (ui/conversation_row.js).

It is a link (a real <a>: middle-click opens a new tab), so it derives from ui.link; the list updates a
row by replacing its data instead of drawing the list again.
"""
from functools import cache
import json

from nicegui import ui

from services import i18n
from services.i18n import _
from ui import live
from ui.internals import ShowsText


class ConversationRow(ShowsText, ui.link, component='conversation_row.js'):
    """Avatar, title, time, preview, ticket reference, unread or waiting badge; `data` from the messenger."""

    def __init__(self, conversation_id: int, data: dict) -> None:
        super().__init__(target=f'/messenger/{conversation_id}')
        self.classes(remove='nicegui-link')
        self.props['m'] = data
        self.props['t'] = words()
        self.mark(f'conversation-{conversation_id}')
        self.cursor: tuple | None = None   # where the list's next page starts, when this row is its last

    @property
    def data(self) -> dict:
        return self.props['m']

    def set_data(self, data: dict) -> None:
        """The row's new data, drawn in the browser with the page's other changes of this moment (live.call)."""
        with self.props.suspend_updates():
            self.props['m'] = data
        live.call(self, 'set', data)

    def shown_text(self) -> list:
        m, t = self.data, json.loads(self.props['t'])   # what the browser shows, for ElementFilter and the simulation
        return [m['title'], m['time'], m['preview'], f'#{m["ref"]}' if m['ref'] else None,
                t['waiting'] if m['waiting'] else None,
                t['unread'].replace('{count}', str(m['unread'])) if m['unread'] else None,
                m.get('snoozed'), t['assigned'].replace('{name}', m['assignee']) if m.get('assignee') else None]


def words() -> str:
    """The words of conversation_row.js in the page's language ({name} and {count} filled in by the row), as JSON:
    one string per language that every row shares (a dict in props would be copied into each row's)."""
    return _words(i18n.current())


@cache
def _words(language: str) -> str:
    with i18n.using(language):
        return json.dumps({'assigned': _('Assigned to {name}'), 'snoozed': _('Snoozed: it comes back to Open then'),
                           'waiting': _('Waiting'), 'unread': _('{count} unread'),
                           'customer': _('Conversation with a customer')}, ensure_ascii=False)
