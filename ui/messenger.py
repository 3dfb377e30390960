"""The messenger: conversations on the left, the selected thread (or the draft) on the right."""
from bisect import bisect_right
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
import logging

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from services.i18n import N_, _, name_list, number, pN_, pgettext
from services.replies import fill
from services.container import Parley
from services.directory import matching
from services.drafts import new_draft
from services.conversations import NOT_FOUND, PAGE_SIZE, TYPING_EVERY, parse_conversation_id, unread_after
from services.errors import NotFound
from services.events import (CatchUp, ConversationChanged, ConversationRead, DeliveryChanged, Event, MessageChanged,
                             MessageSent, NotificationCreated, NotificationsRead, SeenUpTo, Typing)
from services.views import (ConversationStatus, ConversationView, Inbox, ItemKind, MessageView, UserKind, UserView,
                            preview_shown)
from ui import live
from ui.i18n import aria, prop
from ui.bell import Bell
from ui.composer import Composer
from ui.handoff import Handoff
from ui.search import SearchBox
from ui.formatting import list_time, short_time, viewer_zone, visibility_script
from ui.picker import NO_CUSTOMER, PeoplePicker
from ui.session import current_agent, first_things_first, login_redirect
from ui.conversation_row import ConversationRow
from ui.message_actions import MessageActions
from ui.messages import (AGENT_WIDTH, History, Throttle, TypingLine, avatar_data, line_data, message_data,
                         seen_line)
from ui.thread_actions import LIST_KEYS_SCRIPT, StatusActions, status_banner
from ui.theme import avatar, frame

log = logging.getLogger(__name__)

DRAFT_KEY = 'draft'
LIST_DELAY = 0.05   # seconds: list redraws wait this long and cover every event meanwhile
READ_DELAY = 0.05   # seconds: marking the open conversation read waits until the message is on every page
REVEAL_PAGES = 40   # older pages a search result loads at most to show its message (2,000 messages)
SEEN_DELAY = 0.2    # seconds: the seen avatars move once for a burst of reads
COUNTS_DELAY = 0.5  # seconds: the filters' counts are read again once for a burst of conversations turning
                    # unread or read (a new message in a conversation already listed changes no other count)
DRAFT_PATH = '/messenger/draft'
INBOX_KEY = 'inbox'   # the list filter chosen last (it survives a reload)
LIST_PAGE = 50        # rows a list shows at first, and adds each time it is scrolled to its end
WAITING_SHOWN = 20    # unassigned conversations above the Open list (all of them: the Unassigned filter)
INBOX_LABELS = {Inbox.OPEN: pN_('inbox', 'Open'), Inbox.UNREAD: pN_('inbox', 'Unread'),
                Inbox.MINE: pN_('inbox', 'Mine'), Inbox.UNASSIGNED: pN_('inbox', 'Unassigned'),
                Inbox.SNOOZED: pN_('inbox', 'Snoozed'), Inbox.CLOSED: pN_('inbox', 'Closed')}
EMPTY = {Inbox.OPEN: ('forum', N_('No open conversations'), N_('Start one with Add conversation: teammates see it '
                                                               'right away.')),
         Inbox.UNREAD: ('mark_chat_read', N_('All caught up'), N_('Nothing unread in your open conversations.')),
         Inbox.MINE: ('assignment_ind', N_('Nothing assigned to you'),
                      N_('Customer conversations you answer or are assigned show here.')),
         Inbox.UNASSIGNED: ('hourglass_empty', N_('No customer is waiting'),
                            N_('New live chats show here until an agent answers.')),
         Inbox.SNOOZED: ('snooze', N_('Nothing snoozed'), N_('Snoozed conversations come back to Open at their time.')),
         Inbox.CLOSED: ('check_circle', N_('Nothing closed yet'),
                        N_('Closed conversations open again when someone writes.'))}


def register(parley: Parley) -> None:
    @ui.page('/messenger')
    def messenger(request: Request):
        return _open(parley, request, None)

    @ui.page('/messenger/{conversation_id}')
    def messenger_conversation(request: Request, conversation_id: str):
        return _open(parley, request, conversation_id)


def _open(parley: Parley, request: Request, raw_id: str | None):
    agent = current_agent(parley)
    if agent is None:
        return login_redirect(request.url.path)
    if (first := first_things_first(agent)) is not None:
        return first
    storage = app.storage.user
    if raw_id == 'draft' and not storage.get(DRAFT_KEY):
        return RedirectResponse('/messenger', status_code=303)
    with frame(parley, agent, N_('Messenger')):
        MessengerPage(parley, agent, raw_id, storage=storage, zone=viewer_zone(request, agent),
                      message_id=_message_id(request.query_params.get('m')))
    return None


class MessengerPage:
    """One browser page of the messenger, for one signed-in agent."""

    def __init__(self, parley: Parley, agent: UserView, raw_id: str | None, *, storage, zone,
                 message_id: int | None = None) -> None:
        self.parley, self.agent, self.storage, self.zone = parley, agent, storage, zone
        self.conversations = parley.conversations
        self.selected: ConversationView | None = None
        self.thread: Thread | None = None
        missing = False
        if raw_id not in (None, 'draft'):
            try:
                conversation_id = parse_conversation_id(raw_id)
                self.conversations.mark_read(agent, conversation_id)  # opening it reads it
                self.selected = self.conversations.access_conversation(agent, conversation_id)
            except NotFound:
                missing = True
        self.drafting = raw_id == 'draft'
        detail = raw_id is not None
        try:
            self.inbox = Inbox(storage.get(INBOX_KEY, Inbox.OPEN))
        except ValueError:
            self.inbox = Inbox.OPEN
        self.shown = LIST_PAGE

        with ui.row().classes('w-full h-full no-wrap gap-0'):
            self._list_column(detail)
            with ui.column().classes('h-full flex-1 min-w-0 gap-0' + ('' if detail else ' max-md:hidden')) \
                    as self.thread_box:
                if self.drafting:
                    DraftPane(self)
                elif self.selected is not None:
                    self.thread = Thread(self, self.selected, reveal=message_id)
                elif missing:
                    _not_found()
                else:
                    _nothing_selected()

        self._list_events: list[tuple[Event, bool]] = []
        self._apply_list_soon = live.Soon(LIST_DELAY, self._apply_list, 'conversation-list')
        self._read_soon = live.Soon(READ_DELAY, self._read_now, 'conversation-read')
        self._counts_soon = live.Soon(COUNTS_DELAY, self._show_counts, 'inbox-counts')
        self.visible = True  # the agent just opened this page
        ui.add_head_html(visibility_script('parley_visibility'))
        ui.add_body_html(LIST_KEYS_SCRIPT)
        ui.on('parley_visibility', self._visibility_changed)
        live.subscribe(parley.bus, agent.id, self._on_event)
        bell = Bell.of_page()
        if bell is not None:  # what is on screen needs no pop-up
            bell.viewing = lambda: self.selected.id if self.selected is not None and self.visible else None
        client = ui.context.client
        # Presence knows which conversation this tab shows and whether it is on screen: a message sent there
        # meanwhile is read as it arrives.
        client.on_connect(lambda: parley.presence.page_opened(
            agent.id, client.id, conversation_id=self.selected.id if self.selected else None, visible=self.visible))
        client.on_delete(lambda: parley.presence.page_closed(client.id))

    # ----- the list ---------------------------------------------------------------------------

    def _list_column(self, detail: bool) -> None:
        """The header, search and filters, the list (its next page loads near its end), the search results."""
        with ui.column().classes('h-full gap-0 bg-white border-r border-slate-200 w-full md:w-[23.5rem] '
                                 'lg:w-[26rem] shrink-0' + (' max-md:hidden' if detail else '')):
            self._list_header()
            with ui.element('nav').classes('parley-scroll flex-1 w-full overflow-y-auto overflow-x-hidden') \
                    .props('data-list=conversations ' + aria('Conversations')) as self.nav:
                self._conversation_list()
            self.nav.on('scroll', self._load_more, throttle=0.3, js_handler='''(e) => {
                const t = e.target;
                if (t.scrollHeight - t.clientHeight - t.scrollTop < 400) emit();
            }''')
            self.search.results_panel()

    def _searching(self, showing: bool) -> None:
        """Search results take the list's place while the search field holds words."""
        self.nav.visible = self.filters.visible = not showing

    def _list_header(self) -> None:
        with ui.row().classes('w-full items-center px-4 pt-3 pb-2 no-wrap'):
            ui.label(_('Conversations')).classes('text-base font-semibold').props('role=heading aria-level=1')
            ui.space()
            with ui.button(_('Add conversation'), icon='add').props('unelevated no-caps dense no-wrap').classes('px-3'):
                with ui.menu().props('anchor="bottom right" self="top right" role=menu'):   # arrow keys: theme.py
                    ui.menu_item(_('Conversation with user'), on_click=lambda: self.start_draft('user')) \
                        .props('role=menuitem').mark('new-user-conversation')
                    ui.menu_item(_('Conversation with customer'), on_click=lambda: self.start_draft('customer')) \
                        .props('role=menuitem').mark('new-customer-conversation')
        with ui.element('div').classes('w-full px-3 pb-2'):
            self.search = SearchBox(self.parley, self.agent, self.zone, on_toggle=self._searching)
        with ui.tabs(value=self.inbox, on_change=lambda e: self.choose_inbox(e.value)) \
                .props('dense no-caps inline-label active-color=primary '
                       'indicator-color=primary align=left ' + aria('Filter conversations')) \
                .classes('w-full px-2 border-b border-slate-100 text-slate-600 shrink-0').mark('inbox-filters') \
                as self.filters:
            self.inbox_badges: dict[Inbox, ui.badge] = {}
            for inbox, label in INBOX_LABELS.items():
                with ui.tab(inbox.value, pgettext(*label)).classes('parley-tab').mark(f'inbox-{inbox.value}'):
                    self.inbox_badges[inbox] = ui.badge('', color='amber-8' if inbox == Inbox.UNASSIGNED
                                                        else 'grey-3', text_color=None if inbox == Inbox.UNASSIGNED
                                                        else 'grey-9') \
                        .props('rounded').classes('ml-1 text-[11px] px-1')
        self._show_counts()

    def _show_counts(self) -> None:
        """Each filter's count; only a count that changed goes to the browser (an update redraws the page)."""
        counts = self.conversations.inbox_counts(self.agent)
        for inbox, badge in self.inbox_badges.items():
            count = counts.get(inbox, 0)
            text = f'{count:,}' if count < 10_000 else '9999+'
            if badge.text != text:
                badge.set_text(text)
            if badge.visible != (count > 0):
                badge.set_visibility(count > 0)

    def choose_inbox(self, inbox: str) -> None:
        """Show another list (the choice is kept for the next visit)."""
        if inbox == self.inbox:
            return
        self.inbox = self.storage[INBOX_KEY] = Inbox(inbox)
        self.shown = LIST_PAGE
        self._conversation_list.refresh()

    def _rows(self) -> tuple[list[ConversationView], list[ConversationView]]:
        """The unassigned conversations above the list (Open only), and the list's rows as far as it was scrolled."""
        waiting = self.conversations.list_unassigned(self.agent, limit=WAITING_SHOWN) \
            if self.inbox == Inbox.OPEN else []
        conversations = self.conversations.list_conversations(self.agent, inbox=self.inbox, limit=self.shown)
        return waiting, conversations

    @ui.refreshable_method
    def _conversation_list(self) -> None:
        waiting, conversations = self._rows()
        drafting = bool(self.storage.get(DRAFT_KEY))
        self.list_shape = (self.inbox, bool(waiting), drafting, bool(conversations))
        self.sections: dict[str, _Section] = {}
        if waiting:
            with ui.list().classes('w-full bg-amber-50/60 border-b border-amber-100').props('separator=false') \
                    .mark('unassigned') as box:
                self.waiting_header = ui.item_label(_waiting_label(len(waiting))).props('header') \
                    .classes('text-xs font-semibold uppercase tracking-wide text-amber-800 px-4 pt-3 pb-1')
            self.sections['waiting'] = _Section(box, 1)
        with ui.list().classes('w-full').props('separator=false') as box:
            if drafting:
                self._draft_item()
        self.sections['open'] = _Section(box, 1 if drafting else 0)
        self._fill(waiting, conversations)
        self.more = len(conversations) >= self.shown
        if not conversations and not waiting and not drafting:
            icon, title, hint = EMPTY[self.inbox]
            with ui.column().classes('items-center text-center p-8 gap-2 text-slate-500').mark('empty-list'):
                ui.icon(icon, size='lg', color='grey-5')
                ui.label(_(title)).classes('font-medium text-slate-700')
                ui.label(_(hint)).classes('text-sm')

    def _load_more(self) -> None:
        """The list was scrolled to its end: the next page, after the last row shown (keyset, never OFFSET)."""
        section = self.sections.get('open')
        if not self.more or section is None or not section.rows:
            return
        last = section.rows[list(section.rows)[-1]].cursor
        page = self.conversations.list_conversations(self.agent, inbox=self.inbox, after=last, limit=LIST_PAGE)
        self.more = len(page) >= LIST_PAGE
        self.shown = len(section.rows) + len(page)
        with section.box:
            for conversation in page:
                if conversation.id not in section.rows:
                    section.rows[conversation.id] = self._new_row(conversation)

    def _update_list(self) -> None:
        """Bring the list up to date row by row: only rows that changed or moved go to the browser."""
        waiting, conversations = self._rows()
        self._show_counts()
        shape = (self.inbox, bool(waiting), bool(self.storage.get(DRAFT_KEY)), bool(conversations))
        if shape != self.list_shape:
            self._conversation_list.refresh()   # a section appears or goes: draw the list again
            return
        if waiting:
            self.waiting_header.text = _waiting_label(len(waiting))
        self._fill(waiting, conversations)

    def _fill(self, waiting: list[ConversationView], conversations: list[ConversationView]) -> None:
        for name, items in (('waiting', waiting), ('open', conversations)):
            section = self.sections.get(name)
            if section is None:
                continue
            wanted = {conversation.id for conversation in items}
            for gone in [i for i in section.rows if i not in wanted]:
                section.rows.pop(gone).delete()
            for index, conversation in enumerate(items):
                data = self._row_data(conversation)
                row = section.rows.get(conversation.id)
                if row is None:
                    with section.box:
                        row = section.rows[conversation.id] = self._new_row(conversation)
                elif row.data != data:
                    row.set_data(data)
                row.cursor = (conversation.last_message_at, conversation.id)
                if section.box.default_slot.children.index(row) != section.offset + index:
                    row.move(target_index=section.offset + index)
            section.rows = {conversation.id: section.rows[conversation.id] for conversation in items}   # in order

    def _new_row(self, conversation: ConversationView) -> ConversationRow:
        row = ConversationRow(conversation.id, self._row_data(conversation))
        row.cursor = (conversation.last_message_at, conversation.id)
        return row

    def _draft_item(self) -> None:
        with ui.item(on_click=lambda: ui.navigate.to(DRAFT_PATH)) \
                .classes('parley-item px-4 py-3' + (' bg-indigo-50' if self.drafting else '')).mark('draft-item'):
            with ui.item_section().props('avatar'):
                ui.avatar(icon='edit', color='grey-3', text_color='grey-8', size='40px')
            with ui.item_section():
                ui.item_label(_('New conversation with customer') if self.storage[DRAFT_KEY].get('kind') == 'customer'
                              else _('New conversation')).classes('font-medium')
                ui.item_label(_('Draft')).props('caption').classes('text-amber-700')

    def _row_data(self, conversation: ConversationView) -> dict:
        others = [p for p in conversation.participants if p.id != self.agent.id]
        if conversation.is_customer:  # the customer is who the conversation is about
            others = list(conversation.customers) or others
        face = None if len(others) > 1 else (others or [self.agent])[0]
        item = conversation.item
        return {'title': conversation.title, 'time': list_time(conversation.last_message_at, self.zone),
                'preview': preview_shown(conversation.last_message_preview), 'unread': conversation.unread_count,
                'waiting': conversation.unassigned, 'customer': conversation.is_customer,
                'selected': self.selected is not None and conversation.id == self.selected.id,
                'initials': face.initials if face is not None else None,
                'ref': item.ref if item is not None else None, 'item': item.label if item is not None else None,
                'snoozed': (_('Until {time}').format(time=short_time(conversation.snoozed_until, self.zone))
                            if conversation.snoozed_until else _('Until a reply'))
                if conversation.status == ConversationStatus.SNOOZED else None,
                'assignee': conversation.assignee.name if conversation.assignee and conversation.is_customer
                and conversation.assignee.id != self.agent.id else None}

    # ----- actions ----------------------------------------------------------------------------

    def start_draft(self, kind: str) -> None:
        """Open the draft of this kind (a draft of the other kind keeps its text, not its people)."""
        self.storage[DRAFT_KEY] = new_draft(kind, self.storage.get(DRAFT_KEY))
        ui.navigate.to(DRAFT_PATH)

    def save_draft(self, **changes) -> None:
        """Update the open draft (a draft that was created or discarded stays gone)."""
        if self.storage.get(DRAFT_KEY):
            self.storage[DRAFT_KEY] = {**self.storage[DRAFT_KEY], **changes}

    def discard_draft(self) -> None:
        self.storage.pop(DRAFT_KEY, None)
        ui.navigate.to('/messenger')

    # ----- live -------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        selected_id = self.selected.id if self.selected else None
        if isinstance(event, (NotificationCreated, NotificationsRead)):
            return   # the bell's business
        if isinstance(event, CatchUp):   # events may have been missed: the thread and the list read again
            if self.thread:
                self.thread.catch_up()
            self.list_soon()
            return
        if isinstance(event, DeliveryChanged):
            if event.conversation_id == selected_id and self.thread:
                self.thread.update_deliveries(event)
            return
        if isinstance(event, (Typing, SeenUpTo)):
            if event.conversation_id == selected_id and self.thread:
                if isinstance(event, Typing):
                    self.thread.typing.typing(event.user_id, event.name, note=event.note)
                else:
                    self.thread.seen_moved(event.user_id, event.message_id)
            return
        if isinstance(event, ConversationChanged) and event.conversation_id == selected_id and self.thread:
            self.thread.changed()
        if isinstance(event, MessageChanged) and event.conversation_id == selected_id and self.thread:
            self.thread.message_changed(event)
        reading = False
        if isinstance(event, MessageSent) and event.conversation_id == selected_id and self.thread:
            self.thread.receive(event)
            if self.visible and self.agent.id not in event.read_by:   # (read_by: read as it arrived)
                self._read_soon()
                reading = True
        if not self._list_events and self._update_row(event, reading=reading):
            return   # its row changed in place, in the same update to the browser as the thread
        self._list_changed(event, reading)

    def _update_row(self, event: Event, *, reading: bool) -> bool:
        """A new message or a read in a conversation already in the list: change its row here, no query.

        False when the list must be asked again (a new conversation, the Unassigned section, an assignment), which
        reads the filters' counts too; here they are read again only if the conversation became unread or read.
        """
        if not isinstance(event, (MessageSent, ConversationRead)) or self.inbox != Inbox.OPEN:
            return False
        section = self.sections.get('open')
        row = section.rows.get(event.conversation_id) if section is not None else None
        if row is None or row.data['waiting'] or event.conversation_id in self.sections.get('waiting', _NONE).rows:
            return False
        unread = unread_after(row.data['unread'], event, self.agent.id, on_screen=reading)
        if bool(unread) != bool(row.data['unread']):
            self._counts_soon()   # the Unread filter's count moves
        if isinstance(event, ConversationRead):
            if row.data['unread'] != unread:
                row.set_data({**row.data, 'unread': unread})
            return True
        if not event.at:
            return False
        row.set_data({**row.data, 'preview': preview_shown(event.preview),
                      'time': list_time(datetime.fromisoformat(event.at), self.zone), 'unread': unread})
        if section.box.default_slot.children.index(row) != section.offset:
            row.move(target_index=section.offset)   # the newest activity goes first
        return True

    def list_soon(self) -> None:
        """Read the list (and its counts) again a moment from now, once for a burst of changes."""
        self._list_events.append((ConversationChanged(recipients=(), conversation_id=0), False))
        self._apply_list_soon()

    def _read_now(self) -> None:
        """Mark the open conversation read (after the burst: the message is on every page first)."""
        if self.visible and self.selected is not None:
            self.conversations.mark_read(self.agent, self.selected.id)

    def _list_changed(self, event: Event, reading: bool) -> None:
        """The list follows a moment later, once for a burst of events: the open thread's update goes out first."""
        self._list_events.append((event, reading))
        self._apply_list_soon()

    def _apply_list(self) -> None:
        """Rows change in place from the events; the list is asked again only when one of them needs it."""
        events, self._list_events = self._list_events, []
        if not all(self._update_row(e, reading=r) for e, r in events):
            self._update_list()

    def _visibility_changed(self, event) -> None:
        # Read means seen: a message that arrived in a background tab stays unread until the tab shows.
        self.visible = event.args == 'visible'
        self.parley.presence.page_changed(ui.context.client.id, visible=self.visible)
        if self.visible and self.selected is not None:
            self.conversations.mark_read(self.agent, self.selected.id)


def _message_id(raw: str | None) -> int | None:
    """A message id from the address (?m=123), or None for anything else."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) <= 10 else None


def _waiting_label(count: int) -> str:
    shown = f'{number(count)}{"+" if count >= WAITING_SHOWN else ""}'
    return _('Unassigned · {count} waiting').format(count=shown)


@dataclass
class _Section:
    """A list of conversation rows: the container, how many other items come first, the rows by id."""
    box: ui.list
    offset: int
    rows: dict[int, ConversationRow] = field(default_factory=dict)


_NONE = _Section(None, 0)   # a section that is not there


class Thread:
    """The selected conversation: header, messages (latest page, older on scroll up), composer."""

    def __init__(self, page: MessengerPage, conversation: ConversationView, *, reveal: int | None = None) -> None:
        self.page, self.conversation = page, conversation
        self.agent, self.zone = page.agent, page.zone
        self._header()
        self.waiting_banner: ui.element | None = None
        if conversation.unassigned:
            with ui.row().classes('w-full items-center gap-2 px-4 py-2 bg-amber-50 border-b border-amber-100 '
                                  'text-sm text-amber-900 no-wrap') as self.waiting_banner:
                ui.icon('hourglass_top', size='xs')
                ui.label(_('This customer is waiting for an answer. Replying assigns the conversation to you.'))
        with ui.element('div').classes('parley-thread parley-scroll flex-1 w-full px-3 md:px-6 py-4') \
                .props('role=log aria-live=polite ' + aria('Messages')) as self.scroller:
            with ui.column().classes('w-full gap-0') as self.inner:
                self.actions = MessageActions(page.parley, self.agent, self.zone)
                self.history = History(self.scroller, self._draw, page_size=PAGE_SIZE, older=lambda before_id:
                                       page.conversations.list_messages(page.agent, conversation.id,
                                                                        before_id=before_id),
                                       changed=self._show_seen, on_action=self.actions)
        self.messages = self.actions.messages = self.history.messages
        # Team conversations: how far each teammate has read ({their id: message id}), shown as avatars.
        self.seen: dict[int, int] | None = None if conversation.is_customer else \
            page.conversations.seen_by(page.agent, conversation.id)
        self._seen_soon = live.Soon(SEEN_DELAY, self._show_seen, 'seen-by')
        self.history.start(page.conversations.list_messages(page.agent, conversation.id))
        if reveal is not None:
            self.reveal(reveal)
        self.typing = TypingLine('w-full px-4 md:px-6 h-5 text-xs italic text-slate-500 truncate')
        self._may_tell_typing = Throttle(TYPING_EVERY)
        placeholder = (_('Write to {names}…').format(names=', '.join(c.name for c in conversation.customers))
                       if conversation.is_customer else N_('Write a message…'))
        teammates = [p for p in conversation.participants if p.kind == UserKind.AGENT and p.id != self.agent.id]
        self.composer = Composer(on_send=self.send, action=N_('Send'), allow_notes=conversation.is_customer,
                                 placeholder=placeholder, keep=f'thread_{conversation.id}',
                                 was_sent=lambda client_id: page.conversations.was_sent(self.agent, client_id),
                                 mentions=_Mentions(lambda text, limit: matching(teammates, text)[:limit]),
                                 autofocus=True, on_text=self._typed,
                                 files={'limit': page.parley.files.max_bytes, 'drop': [self.scroller]},
                                 replies=_Replies(page.parley, self.agent, conversation),
                                 edit_last=self._edit_last)

    # ----- who read it, who is typing ---------------------------------------------------------

    def _show_seen(self) -> None:
        """Each teammate's avatar under the last message they have read (of those shown), unless they wrote it."""
        if self.seen is None:
            return
        people = {p.id: p for p in self.conversation.participants}
        shown = self.messages.shown_authors()
        ids = [message_id for message_id, _ in shown]
        placed: dict[int, list[dict]] = {}
        for user_id, last in sorted(self.seen.items(), key=lambda kv: people[kv[0]].name if kv[0] in people else ''):
            at = bisect_right(ids, last) - 1
            if user_id in people and user_id != self.agent.id and at >= 0 and shown[at][1] != user_id:
                placed.setdefault(ids[at], []).append({'initials': people[user_id].initials,
                                                       'name': people[user_id].name})
        self.messages.set_seen({message_id: seen_line(readers) for message_id, readers in placed.items()})

    def seen_moved(self, user_id: int, message_id: int) -> None:
        if self.seen is None or user_id == self.agent.id:
            return
        if message_id > self.seen.get(user_id, 0):
            self.seen[user_id] = message_id
            self._seen_soon()   # once for a burst (a group whose members all read at once)

    def _typed(self, text: str) -> None:
        """The agent types: the others hear of it, at most every few seconds (services.conversations.typing)."""
        if text.strip() and self._may_tell_typing():
            with suppress(NotFound):   # removed meanwhile: the page hears of it
                self.page.conversations.typing(self.agent, self.conversation.id, note=self.composer.is_note)

    def reveal(self, message_id: int) -> None:
        """Scroll to a message (a search result), loading older pages until it is there, and mark it a moment."""
        for _page in range(REVEAL_PAGES):
            if message_id in self.messages or not self.history.has_more:
                break
            self.history.load_older()
        if message_id in self.messages:
            self.messages.props['found'] = message_id   # a page being built: revealed as it is drawn
            live.call(self.messages, 'reveal', message_id)   # (else: now)
        else:
            ui.notify(_('That message is not in this conversation any more, or too far back: scroll up to find it.'))

    @ui.refreshable_method
    def _header(self) -> None:
        handoff = Handoff(self.page.parley, self.agent, self.conversation, self.changed)

        def actions() -> None:
            handoff.assignee_button()
            StatusActions(self.page.parley, self.agent, self.conversation, self.zone, self.changed)
            handoff.menu()
        _thread_header(self.conversation, self.agent, actions)
        status_banner(self.conversation, self.zone)

    def changed(self) -> None:
        """The conversation changed (here, or on another page): its header and the list show it as it is now."""
        try:
            self.conversation = self.page.conversations.access_conversation(self.agent, self.conversation.id)
        except NotFound:
            self.gone()
            return
        self._header.refresh()
        self.page.list_soon()

    def gone(self) -> None:
        """The agent may not open it any more (removed from it): the page says so, and keeps nothing of it."""
        self.page.thread = None
        self.page.selected = None
        self.page.thread_box.clear()
        with self.page.thread_box:
            _not_found(N_('You are no longer in this conversation'),
                       N_('Someone removed you from it, or it was handed to another agent.'))
        self.page.list_soon()

    def send(self, text: str, client_id: str, files: list[int]) -> None:
        message = self.page.conversations.send_message(self.agent, self.conversation.id, body=text,
                                                       client_id=client_id, note=self.composer.is_note,
                                                       attachment_ids=files)
        self._append(message)
        live.flush()   # the sender sees it at once
        if self.waiting_banner is not None:  # answered: it is this agent's conversation now
            self.waiting_banner.delete()
            self.waiting_banner = None

    def _edit_last(self) -> None:
        """↑ in the empty message box: edit one's own last message, if it is shown and can be edited."""
        mine = self.messages.last_editable(self.agent.id)
        if mine is not None:
            self.actions(mine, 'edit')

    def message_changed(self, event: MessageChanged) -> None:
        """A message shown here was edited or deleted: one read for all the agents' pages it reaches."""
        if event.message_id not in self.messages:
            return
        try:
            message = live.shared(event, lambda: self.page.conversations.get_message(self.agent, event.message_id))
        except NotFound:
            return
        self.messages.replace(message)

    def receive(self, event: MessageSent) -> None:
        self.typing.stopped(event.author_id)
        if self.seen is not None:   # the author and the teammates who had it on screen read it: shown with it below
            for reader in event.read_by:
                if reader != self.agent.id and event.message_id > self.seen.get(reader, 0):
                    self.seen[reader] = event.message_id
        if event.message_id in self.messages:
            self._show_seen()
            return
        message = event.agent_view   # as agents see it, sent with the event: no read
        if message is None:
            try:   # one read for all the agents' pages the message reaches
                message = live.shared(event, lambda: self.page.conversations.get_message(self.agent, event.message_id))
            except NotFound:
                return  # removed from the conversation meanwhile
        self._append(message)

    def catch_up(self) -> None:
        """Show what arrived while events could not reach this page (nothing twice), and the header as it is."""
        self.history.catch_up(self.page.conversations.list_messages(self.agent, self.conversation.id))
        self.changed()

    def update_deliveries(self, event: DeliveryChanged) -> None:
        shown = [i for i in event.message_ids if self.messages.delivery_shown(i)]
        if not shown:
            return
        # One read for all the agents' pages the change reaches (the states are the same for every agent).
        found = live.shared(event, lambda: self.page.conversations.deliveries(
            self.agent, self.conversation.id, event.message_ids))
        for message_id in shown:
            self.messages.set_delivery(message_id, found.get(message_id, ()))

    def _append(self, message: MessageView) -> None:
        self.history.append([message])

    def _draw(self, message: MessageView, previous: MessageView | None) -> dict:
        if message.event is not None:
            return line_data(message, previous, self.zone)
        own = message.author.id == self.agent.id
        customer = message.author.kind == UserKind.CUSTOMER
        if message.is_note:
            bubble = 'bg-amber-50 border border-amber-300 text-amber-950 ' + ('rounded-br-md' if own else
                                                                               'rounded-bl-md')
        elif own:
            bubble = 'bg-primary text-white rounded-br-md'
        elif customer:
            bubble = 'bg-sky-50 border border-sky-200 text-slate-900 rounded-bl-md'
        else:
            bubble = 'bg-white border border-slate-200 text-slate-900 rounded-bl-md'
        face = avatar_data(message, size='32px', spacer='w-8',
                           **({'color': 'light-blue-1', 'text': 'light-blue-9'} if customer else {}))
        return message_data(message, previous, self.zone, viewer_id=self.agent.id, bubble=bubble, avatar=face,
                            width=AGENT_WIDTH, name=_('You') if own else message.author.name, versions=True)


class DraftPane:
    """A conversation that does not exist yet: participants, first message, Create or Discard."""

    def __init__(self, page: MessengerPage) -> None:
        self.page = page
        draft = page.storage.get(DRAFT_KEY) or {}
        self.with_customer = draft.get('kind') == 'customer'
        directory = page.parley.directory
        chosen = [u for u in directory.get_users(draft.get('participants') or [])
                  if u.kind == UserKind.AGENT and u.id != page.agent.id]
        customers = [u for u in directory.get_users(draft.get('customers') or []) if u.kind == UserKind.CUSTOMER]
        title = _('New conversation with customer') if self.with_customer else _('New conversation')
        with ui.row().classes('w-full items-center px-4 py-3 bg-white border-b border-slate-200 no-wrap gap-2'):
            ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/messenger')) \
                .props('flat round dense ' + aria('Back to conversations')).classes('md:hidden')
            ui.label(title).classes('text-base font-semibold flex-1').props('role=heading aria-level=2')
            ui.button(icon='close', on_click=page.discard_draft) \
                .props('flat round dense ' + aria('Discard draft')).tooltip(_('Discard draft')).mark('discard-draft')
        self.customers: PeoplePicker | None = None
        self.item_id = _draft_item(page, draft.get('item_id'))
        with ui.column().classes('w-full px-4 pt-4 gap-3'):
            if self.item_id is not None:
                link = page.parley.items.get_by_id(page.agent, self.item_id).link
                ui.chip(_('Linked to {label}').format(
                          label=link.label), icon='confirmation_number' if link.kind == ItemKind.TICKET
                        else 'task_alt', removable=True, on_value_change=lambda e: self._unlink(e.sender)) \
                    .props('outline color=primary ' + prop('remove-aria-label', 'Do not link it')) \
                    .classes('self-start') \
                    .mark('draft-item-link')
            if self.with_customer:
                self.customers = PeoplePicker(
                    search=self.search_customers, on_change=self._customers_changed, selected=customers,
                    label=N_('Customer'), add_label=N_('Add customer'),
                    placeholder=N_('Type a name, email or organization'),
                    search_label=N_('Search customers'), no_match=NO_CUSTOMER, marker='customer-add')
            self.picker = PeoplePicker(search=self.search, on_change=self._participants_changed, selected=chosen,
                                       label=N_('Teammates (optional)') if self.with_customer else N_('Participants'))
        with ui.column().classes('flex-1 w-full items-center justify-center text-center p-6 gap-1 text-slate-500'):
            if self.with_customer:
                ui.icon('support_agent', size='lg', color='grey-5')
                ui.label(_('Pick the customer, write the first message, then Create conversation.')) \
                    .classes('text-sm max-w-sm')
                ui.label(_('They get it on the live chat if they are there, by email if not. Teammates you add can '
                           'follow along.')).classes('text-xs max-w-sm')
            else:
                ui.icon('group_add', size='lg', color='grey-5')
                ui.label(_('Add one or more teammates, write the first message, then Create conversation.')) \
                    .classes('text-sm max-w-sm')
                ui.label(_('Only the people you add can see it.')).classes('text-xs')
        self.composer = Composer(on_send=self._create, action=N_('Create conversation'),
                                 initial=draft.get('body') or '', on_text=lambda text: page.save_draft(body=text),
                                 mentions=_Mentions(self.search_mentions, self.mentioned),
                                 files={'limit': page.parley.files.max_bytes})

    def search(self, text: str, exclude: set[int], limit: int) -> list[UserView]:
        return self.page.parley.directory.search_agents(self.page.agent, text, exclude_ids=exclude, limit=limit)

    # "@name" in the first message: teammates not added yet; the chosen one joins the participants.
    def search_mentions(self, text: str, limit: int) -> list[UserView]:
        return self.search(text, {p.id for p in self.picker.selected}, limit)

    def mentioned(self, person: UserView) -> None:
        self.picker.add(person)

    def search_customers(self, text: str, exclude: set[int], limit: int) -> list[UserView]:
        return self.page.parley.directory.search_customers(self.page.agent, text, exclude_ids=exclude, limit=limit)

    def _unlink(self, chip: ui.chip) -> None:
        self.item_id = None
        self.page.save_draft(item_id=None)
        chip.delete()

    def _participants_changed(self, people: list[UserView]) -> None:
        self.page.save_draft(participants=[p.id for p in people])

    def _customers_changed(self, people: list[UserView]) -> None:
        self.page.save_draft(customers=[p.id for p in people])

    def _create(self, text: str, client_id: str, files: list[int]) -> None:
        customer_ids = [p.id for p in self.customers.selected] if self.customers else []
        conversation = self.page.conversations.create_conversation(
            self.page.agent, participant_ids=[*customer_ids, *(p.id for p in self.picker.selected)], body=text,
            client_id=client_id, with_customer=self.with_customer, item_id=self.item_id, attachment_ids=files)
        self.page.storage.pop(DRAFT_KEY, None)
        ui.navigate.to(f'/messenger/{conversation.id}')


def _draft_item(page: MessengerPage, item_id: object) -> int | None:
    """The draft's ticket or task, if it still exists."""
    if not isinstance(item_id, int):
        return None
    try:
        return page.parley.items.get_by_id(page.agent, item_id).id
    except NotFound:
        return None


class _Replies:
    """The composer's "/" saved replies for one conversation: read once, when first wanted."""

    def __init__(self, parley: Parley, agent: UserView, conversation: ConversationView) -> None:
        self.parley, self.agent, self.conversation = parley, agent, conversation
        self._replies: list | None = None

    def search(self, typed: str) -> list:
        if self._replies is None:
            self._replies = self.parley.replies.list_replies(self.agent)
        return self.parley.replies.suggest(self._replies, typed)

    def fill(self, reply) -> str:
        return fill(reply.body, agent=self.agent, customers=self.conversation.customers)


class _Mentions:
    """What the composer's "@name" suggests, and what picking one does (nothing more than the text by default)."""

    def __init__(self, search, mentioned=lambda person: None) -> None:
        self.search, self.mentioned = search, mentioned


def _thread_header(conversation: ConversationView, agent: UserView, actions) -> None:
    others = [p for p in conversation.participants if p.id != agent.id]
    customers = list(conversation.customers)
    with ui.row().classes('w-full items-center px-4 py-3 bg-white border-b border-slate-200 no-wrap gap-3'):
        ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/messenger')) \
            .props('flat round dense ' + aria('Back to conversations')).classes('md:hidden')
        if customers:
            avatar(customers[0] if len(customers) == 1 else None, size='36px', color='light-blue-1',
                   text_color='light-blue-9')
        else:
            avatar(None if len(others) > 1 else (others or [agent])[0], size='36px')
        with ui.column().classes('gap-0 min-w-0 flex-1'):
            ui.label(conversation.title).classes('text-base font-semibold truncate w-full') \
                .props('role=heading aria-level=2')
            if customers:
                details = ' · '.join(filter(None, [customers[0].email, customers[0].organization])) \
                    if len(customers) == 1 else ''
                team = [p.name for p in others if p.kind == UserKind.AGENT]
                with ui.row().classes('w-full gap-1 no-wrap items-baseline text-xs text-slate-500 min-w-0'):
                    for customer in customers:   # each customer's page: details, history, tickets
                        ui.link(customer.name, f'/customers/{customer.id}') \
                            .classes('shrink-0 text-primary no-underline hover:underline font-medium') \
                            .mark(f'customer-page-{customer.id}')
                    ui.label(' · '.join(filter(None, [details, _('with {names}').format(
                        names=name_list([_('you'), *team])) if team else '']))) \
                        .classes('truncate min-w-0')
            else:
                names = ', '.join([_('You'), *[p.name for p in others]])
                ui.label(_('{count} participants: {names}').format(count=len(conversation.participants), names=names)) \
                    .classes('text-xs text-slate-500 truncate w-full')
        if conversation.item is not None:   # the ticket or task it belongs to
            with ui.link(target=conversation.item.path).classes(
                    'shrink-0 max-w-[45%] no-underline flex items-center gap-1 px-2 py-1 rounded-md bg-indigo-50 '
                    'text-primary text-xs font-medium hover:bg-indigo-100').mark('item-link'):
                ui.icon('confirmation_number' if conversation.item.kind == ItemKind.TICKET else 'task_alt', size='16px')
                ui.label(conversation.item.label).classes('truncate')
        with ui.row().classes('items-center gap-1 shrink-0 no-wrap'):
            actions()


def _nothing_selected() -> None:
    with ui.column().classes('w-full h-full items-center justify-center text-center gap-2 p-8 text-slate-500'):
        ui.icon('chat', size='xl', color='grey-4')
        ui.label(_('Pick a conversation')).classes('text-lg font-medium text-slate-700')
        ui.label(_('Or start a new one with Add conversation.')).classes('text-sm')


def _not_found(title: str = NOT_FOUND,
               hint: str = N_('It does not exist, or you are not one of its participants.')) -> None:
    """title, hint: message ids, shown in the page's language."""
    with ui.column().classes('w-full h-full items-center justify-center text-center gap-2 p-8').mark('not-found'):
        ui.icon('search_off', size='xl', color='grey-5')
        ui.label(_(title)).classes('text-lg font-semibold text-slate-800')
        ui.label(_(hint)).classes('text-sm text-slate-500')
        ui.button(_('Back to conversations'), on_click=lambda: ui.navigate.to('/messenger')) \
            .props('unelevated no-caps').classes('mt-2')
