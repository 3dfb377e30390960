"""The messenger's search: a field above the list; as one types, results take the list's place (conversations,
tickets and tasks named by reference, messages with the matched words marked). A message opens its conversation
scrolled to it."""
from collections.abc import Callable

from nicegui import ui

from services.i18n import _
from services.container import Parley
from services.errors import ParleyError
from services.search import MessageHit, SearchResults
from services.views import ConversationView, ItemKind, UserView
from ui import live
from ui.i18n import aria
from ui.formatting import list_time

SEARCH_DELAY = 0.2   # seconds after a keystroke (a burst of them searches once)


class SearchBox:
    """The field and, while it holds words, the results in place of the list (`showing` says which)."""

    def __init__(self, parley: Parley, agent: UserView, zone, *, on_toggle: Callable[[bool], None]) -> None:
        self.parley, self.agent, self.zone, self.on_toggle = parley, agent, zone, on_toggle
        self.showing = False
        self._soon = live.Soon(SEARCH_DELAY, self._search, 'search')
        self.field = ui.input(placeholder=_('Search messages, people, #T-12')) \
            .props('outlined dense clearable type=search maxlength=500  data-search=1 ' + aria('Search')) \
            .classes('w-full').mark('search')
        with self.field.add_slot('prepend'):
            ui.icon('search', size='20px', color='grey-6')
        self.field.on_value_change(lambda: self._soon())
        self.field.on('keydown.escape', self.clear)

    def clear(self) -> None:
        self.field.value = ''

    def results_panel(self) -> None:
        """Where the results go (built hidden; shown instead of the list while there is a query)."""
        self.panel = ui.column().classes('parley-scroll flex-1 w-full overflow-y-auto gap-0') \
            .props('role=region data-list=results ' + aria('Search results')).mark('search-results')
        self.panel.visible = False

    def _search(self) -> None:
        query = (self.field.value or '').strip()
        showing = bool(query)
        if showing != self.showing:
            self.showing = showing
            self.panel.visible = showing
            self.on_toggle(showing)
        if not showing:
            self.panel.clear()
            return
        try:
            results = self.parley.search.search(self.agent, query)
        except ParleyError as problem:
            results, said = None, str(problem)
        else:
            said = ''
        self.panel.clear()
        with self.panel:
            if results is None:
                ui.label(said).classes('p-4 text-sm text-negative')
            else:
                self._show(results)

    def _show(self, results: SearchResults) -> None:
        if results.empty:
            with ui.column().classes('items-center text-center p-8 gap-2 text-slate-500 w-full'):
                ui.icon('search_off', size='lg', color='grey-5')
                ui.label(_('Nothing matches “{value}”').format(
                           value=results.query[:80])).classes('font-medium text-slate-700')
                ui.label(_('Try fewer or shorter words; accents do not matter.')).classes('text-sm')
            return
        if results.conversations or results.items:
            _heading(_('Conversations'))
            for link in results.items:
                with ui.link(target=link.path).classes('parley-item no-underline text-inherit flex items-center gap-3 '
                                                      'px-4 py-2 w-full'):
                    ui.icon('confirmation_number' if link.kind == ItemKind.TICKET else 'task_alt', color='primary')
                    ui.label(link.label).classes('truncate text-sm font-medium')
            for conversation in results.conversations:
                self._conversation(conversation)
        if results.messages:
            _heading(_('Messages'))
            for hit in results.messages:
                self._message(hit)

    def _conversation(self, conversation: ConversationView) -> None:
        with ui.link(target=f'/messenger/{conversation.id}') \
                .classes('parley-item no-underline text-inherit block px-4 py-2 w-full min-w-0') \
                .mark(f'found-conversation-{conversation.id}'):
            with ui.row().classes('w-full no-wrap items-baseline gap-2'):
                ui.label(conversation.title).classes('truncate flex-1 min-w-0 text-sm font-medium')
                ui.label(list_time(conversation.last_message_at, self.zone)).classes('text-xs text-slate-400')
            ui.label(', '.join(p.name for p in conversation.participants if p.id != self.agent.id) or 'Only you') \
                .classes('truncate w-full text-xs text-slate-500')

    def _message(self, hit: MessageHit) -> None:
        with ui.link(target=f'/messenger/{hit.conversation.id}?m={hit.message_id}') \
                .classes('parley-item no-underline text-inherit block px-4 py-2 w-full min-w-0') \
                .mark(f'found-message-{hit.message_id}'):
            with ui.row().classes('w-full no-wrap items-baseline gap-2'):
                ui.label(hit.conversation.title).classes('truncate flex-1 min-w-0 text-sm font-medium')
                ui.label(list_time(hit.at, self.zone)).classes('text-xs text-slate-400 shrink-0')
            with ui.element('div').classes('text-sm text-slate-600 line-clamp-2 break-words'):
                ui.label(f'{hit.author.name}{" (note)" if hit.is_note else ""}: ') \
                    .classes('inline font-medium text-slate-700')
                for text, matched in hit.snippet:
                    ui.label(text).classes('inline whitespace-pre-wrap' +
                                           (' bg-amber-100 text-slate-900 font-semibold rounded-sm' if matched else ''))


def _heading(text: str) -> None:
    ui.label(text).classes('text-xs font-semibold uppercase tracking-wide text-slate-500 px-4 pt-3 pb-1') \
        .props('role=heading aria-level=2')
