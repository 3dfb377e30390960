"""The messenger: conversations on the left, the selected thread (or the draft) on the right."""
from dataclasses import dataclass, field
from datetime import datetime
import logging

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from services.container import Parley
from services.directory import matching
from services.drafts import new_draft
from services.conversations import NOT_FOUND, PAGE_SIZE, parse_conversation_id, unread_after
from services.errors import NotFound
from services.events import (ConversationRead, DeliveryChanged, Event, MessageSent, NotificationCreated,
                             NotificationsRead)
from services.views import ConversationView, ItemKind, MessageView, UserKind, UserView
from ui import live
from ui.bell import Bell
from ui.composer import Composer
from ui.formatting import list_time, viewer_zone, visibility_script
from ui.picker import NO_CUSTOMER, PeoplePicker
from ui.session import current_agent, login_redirect
from ui.conversation_row import ConversationRow
from ui.messages import AGENT_WIDTH, History, avatar_data, message_data
from ui.theme import avatar, frame

log = logging.getLogger(__name__)

DRAFT_KEY = 'draft'
LIST_DELAY = 0.05   # seconds: list redraws wait this long and cover every event meanwhile
READ_DELAY = 0.05   # seconds: marking the open conversation read waits until the message is on every page
DRAFT_PATH = '/messenger/draft'


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
    storage = app.storage.user
    if raw_id == 'draft' and not storage.get(DRAFT_KEY):
        return RedirectResponse('/messenger', status_code=303)
    with frame(parley, agent, 'Messenger'):
        MessengerPage(parley, agent, raw_id, storage=storage, zone=viewer_zone(request))
    return None


class MessengerPage:
    """One browser page of the messenger, for one signed-in agent."""

    def __init__(self, parley: Parley, agent: UserView, raw_id: str | None, *, storage, zone) -> None:
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

        with ui.row().classes('w-full h-full no-wrap gap-0'):
            with ui.column().classes('h-full gap-0 bg-white border-r border-slate-200 w-full md:w-[23.5rem] lg:w-96 '
                                     'shrink-0' + (' max-md:hidden' if detail else '')):
                self._list_header()
                with ui.element('nav').classes('parley-scroll flex-1 w-full overflow-y-auto overflow-x-hidden') \
                        .props('aria-label=Conversations'):
                    self._conversation_list()
            with ui.column().classes('h-full flex-1 min-w-0 gap-0' + ('' if detail else ' max-md:hidden')):
                if self.drafting:
                    DraftPane(self)
                elif self.selected is not None:
                    self.thread = Thread(self, self.selected)
                elif missing:
                    _not_found()
                else:
                    _nothing_selected()

        self._list_events: list[tuple[Event, bool]] = []
        self._apply_list_soon = live.Soon(LIST_DELAY, self._apply_list, 'conversation-list')
        self._read_soon = live.Soon(READ_DELAY, self._read_now, 'conversation-read')
        self.visible = True  # the agent just opened this page
        ui.add_head_html(visibility_script('parley_visibility'))
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

    def _list_header(self) -> None:
        with ui.row().classes('w-full items-center px-4 py-3 border-b border-slate-100 no-wrap'):
            ui.label('Conversations').classes('text-base font-semibold').props('role=heading aria-level=1')
            ui.space()
            with ui.button('Add conversation', icon='add').props('unelevated no-caps dense no-wrap').classes('px-3'):
                with ui.menu().props('anchor="bottom right" self="top right" role=menu'):   # arrow keys: theme.py
                    ui.menu_item('Conversation with user', on_click=lambda: self.start_draft('user')) \
                        .props('role=menuitem').mark('new-user-conversation')
                    ui.menu_item('Conversation with customer', on_click=lambda: self.start_draft('customer')) \
                        .props('role=menuitem').mark('new-customer-conversation')

    @ui.refreshable_method
    def _conversation_list(self) -> None:
        waiting = self.conversations.list_unassigned(self.agent)
        conversations = self.conversations.list_conversations(self.agent)
        drafting = bool(self.storage.get(DRAFT_KEY))
        self.list_shape = (bool(waiting), drafting, bool(conversations))
        self.sections: dict[str, _Section] = {}
        if waiting:
            with ui.list().classes('w-full bg-amber-50/60 border-b border-amber-100').props('separator=false') \
                    .mark('unassigned') as box:
                self.waiting_header = ui.item_label(f'Unassigned · {len(waiting)} waiting').props('header') \
                    .classes('text-xs font-semibold uppercase tracking-wide text-amber-800 px-4 pt-3 pb-1')
            self.sections['waiting'] = _Section(box, 1)
        with ui.list().classes('w-full').props('separator=false') as box:
            if drafting:
                self._draft_item()
        self.sections['open'] = _Section(box, 1 if drafting else 0)
        self._fill(waiting, conversations)
        if not conversations and not waiting and not drafting:
            with ui.column().classes('items-center text-center p-8 gap-2 text-slate-500'):
                ui.icon('forum', size='lg', color='grey-5')
                ui.label('No conversations yet').classes('font-medium text-slate-700')
                ui.label('Start one with Add conversation: teammates see it right away.').classes('text-sm')

    def _update_list(self) -> None:
        """Bring the list up to date row by row: only rows that changed or moved go to the browser."""
        waiting = self.conversations.list_unassigned(self.agent)
        conversations = self.conversations.list_conversations(self.agent)
        if (bool(waiting), bool(self.storage.get(DRAFT_KEY)), bool(conversations)) != self.list_shape:
            self._conversation_list.refresh()   # a section appears or goes: draw the list again
            return
        if waiting:
            self.waiting_header.text = f'Unassigned · {len(waiting)} waiting'
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
                        row = section.rows[conversation.id] = ConversationRow(conversation.id, data)
                elif row.data != data:
                    row.set_data(data)
                if section.box.default_slot.children.index(row) != section.offset + index:
                    row.move(target_index=section.offset + index)

    def _draft_item(self) -> None:
        with ui.item(on_click=lambda: ui.navigate.to(DRAFT_PATH)) \
                .classes('parley-item px-4 py-3' + (' bg-indigo-50' if self.drafting else '')).mark('draft-item'):
            with ui.item_section().props('avatar'):
                ui.avatar(icon='edit', color='grey-3', text_color='grey-8', size='40px')
            with ui.item_section():
                ui.item_label('New conversation with customer' if self.storage[DRAFT_KEY].get('kind') == 'customer'
                              else 'New conversation').classes('font-medium')
                ui.item_label('Draft').props('caption').classes('text-amber-700')

    def _row_data(self, conversation: ConversationView) -> dict:
        others = [p for p in conversation.participants if p.id != self.agent.id]
        if conversation.is_customer:  # the customer is who the conversation is about
            others = list(conversation.customers) or others
        face = None if len(others) > 1 else (others or [self.agent])[0]
        item = conversation.item
        return {'title': conversation.title, 'time': list_time(conversation.last_message_at, self.zone),
                'preview': conversation.last_message_preview, 'unread': conversation.unread_count,
                'waiting': conversation.unassigned, 'customer': conversation.is_customer,
                'selected': self.selected is not None and conversation.id == self.selected.id,
                'initials': face.initials if face is not None else None,
                'ref': item.ref if item is not None else None, 'item': item.label if item is not None else None}

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
        if isinstance(event, DeliveryChanged):
            if event.conversation_id == selected_id and self.thread:
                self.thread.update_deliveries(event)
            return
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

        False when the list must be asked again (a new conversation, the Unassigned section, an assignment).
        """
        if not isinstance(event, (MessageSent, ConversationRead)):
            return False
        section = self.sections.get('open')
        row = section.rows.get(event.conversation_id) if section is not None else None
        if row is None or row.data['waiting'] or event.conversation_id in self.sections.get('waiting', _NONE).rows:
            return False
        unread = unread_after(row.data['unread'], event, self.agent.id, on_screen=reading)
        if isinstance(event, ConversationRead):
            if row.data['unread'] != unread:
                row.set_data({**row.data, 'unread': unread})
            return True
        if not event.at:
            return False
        row.set_data({**row.data, 'preview': event.preview,
                      'time': list_time(datetime.fromisoformat(event.at), self.zone), 'unread': unread})
        if section.box.default_slot.children.index(row) != section.offset:
            row.move(target_index=section.offset)   # the newest activity goes first
        return True

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


@dataclass
class _Section:
    """A list of conversation rows: the container, how many other items come first, the rows by id."""
    box: ui.list
    offset: int
    rows: dict[int, ConversationRow] = field(default_factory=dict)


_NONE = _Section(None, 0)   # a section that is not there


class Thread:
    """The selected conversation: header, messages (latest page, older on scroll up), composer."""

    def __init__(self, page: MessengerPage, conversation: ConversationView) -> None:
        self.page, self.conversation = page, conversation
        self.agent, self.zone = page.agent, page.zone
        _thread_header(conversation, page.agent)
        self.waiting_banner: ui.element | None = None
        if conversation.unassigned:
            with ui.row().classes('w-full items-center gap-2 px-4 py-2 bg-amber-50 border-b border-amber-100 '
                                  'text-sm text-amber-900 no-wrap') as self.waiting_banner:
                ui.icon('hourglass_top', size='xs')
                ui.label('This customer is waiting for an answer. Replying assigns the conversation to you.')
        with ui.element('div').classes('parley-thread parley-scroll flex-1 w-full px-3 md:px-6 py-4') \
                .props('role=log aria-live=polite aria-label="Messages"') as self.scroller:
            with ui.column().classes('w-full gap-0') as self.inner:
                self.history = History(self.scroller, self._draw, page_size=PAGE_SIZE, older=lambda before_id:
                                       page.conversations.list_messages(page.agent, conversation.id,
                                                                        before_id=before_id))
        self.messages = self.history.messages
        self.history.start(page.conversations.list_messages(page.agent, conversation.id))
        placeholder = (f'Write to {", ".join(c.name for c in conversation.customers)}…' if conversation.is_customer
                       else 'Write a message…')
        teammates = [p for p in conversation.participants if p.kind == UserKind.AGENT and p.id != self.agent.id]
        self.composer = Composer(on_send=self.send, action='Send', allow_notes=conversation.is_customer,
                                 placeholder=placeholder, keep=f'thread_{conversation.id}',
                                 was_sent=lambda client_id: page.conversations.was_sent(self.agent, client_id),
                                 mentions=_Mentions(lambda text, limit: matching(teammates, text)[:limit]),
                                 autofocus=True)

    def send(self, text: str, client_id: str) -> None:
        message = self.page.conversations.send_message(self.agent, self.conversation.id, body=text,
                                                       client_id=client_id, note=self.composer.is_note)
        self._append(message)
        live.flush()   # the sender sees it at once
        if self.waiting_banner is not None:  # answered: it is this agent's conversation now
            self.waiting_banner.delete()
            self.waiting_banner = None

    def receive(self, event: MessageSent) -> None:
        if event.message_id in self.messages:
            return
        message = event.agent_view   # as agents see it, sent with the event: no read
        if message is None:
            try:   # one read for all the agents' pages the message reaches
                message = live.shared(event, lambda: self.page.conversations.get_message(self.agent, event.message_id))
            except NotFound:
                return  # removed from the conversation meanwhile
        self._append(message)

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
                            width=AGENT_WIDTH, name='You' if own else message.author.name)


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
        title = 'New conversation with customer' if self.with_customer else 'New conversation'
        with ui.row().classes('w-full items-center px-4 py-3 bg-white border-b border-slate-200 no-wrap gap-2'):
            ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/messenger')) \
                .props('flat round dense aria-label="Back to conversations"').classes('md:hidden')
            ui.label(title).classes('text-base font-semibold flex-1').props('role=heading aria-level=2')
            ui.button(icon='close', on_click=page.discard_draft) \
                .props('flat round dense aria-label="Discard draft"').tooltip('Discard draft').mark('discard-draft')
        self.customers: PeoplePicker | None = None
        self.item_id = _draft_item(page, draft.get('item_id'))
        with ui.column().classes('w-full px-4 pt-4 gap-3'):
            if self.item_id is not None:
                link = page.parley.items.get_by_id(page.agent, self.item_id).link
                ui.chip(f'Linked to {link.label}', icon='confirmation_number' if link.kind == ItemKind.TICKET
                        else 'task_alt', removable=True, on_value_change=lambda e: self._unlink(e.sender)) \
                    .props('outline color=primary remove-aria-label="Do not link it"').classes('self-start') \
                    .mark('draft-item-link')
            if self.with_customer:
                self.customers = PeoplePicker(
                    search=self.search_customers, on_change=self._customers_changed, selected=customers,
                    label='Customer', add_label='Add customer', placeholder='Type a name, email or organization',
                    search_label='Search customers', no_match=NO_CUSTOMER, marker='customer-add')
            self.picker = PeoplePicker(search=self.search, on_change=self._participants_changed, selected=chosen,
                                       label='Teammates (optional)' if self.with_customer else 'Participants')
        with ui.column().classes('flex-1 w-full items-center justify-center text-center p-6 gap-1 text-slate-500'):
            if self.with_customer:
                ui.icon('support_agent', size='lg', color='grey-5')
                ui.label('Pick the customer, write the first message, then Create conversation.') \
                    .classes('text-sm max-w-sm')
                ui.label('They get it on the live chat if they are there, by email if not. '
                         'Teammates you add can follow along.').classes('text-xs max-w-sm')
            else:
                ui.icon('group_add', size='lg', color='grey-5')
                ui.label('Add one or more teammates, write the first message, then Create conversation.') \
                    .classes('text-sm max-w-sm')
                ui.label('Only the people you add can see it.').classes('text-xs')
        self.composer = Composer(on_send=self._create, action='Create conversation',
                                 initial=draft.get('body') or '', on_text=lambda text: page.save_draft(body=text),
                                 mentions=_Mentions(self.search_mentions, self.mentioned))

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

    def _create(self, text: str, client_id: str) -> None:
        customer_ids = [p.id for p in self.customers.selected] if self.customers else []
        conversation = self.page.conversations.create_conversation(
            self.page.agent, participant_ids=[*customer_ids, *(p.id for p in self.picker.selected)], body=text,
            client_id=client_id, with_customer=self.with_customer, item_id=self.item_id)
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


class _Mentions:
    """What the composer's "@name" suggests, and what picking one does (nothing more than the text by default)."""

    def __init__(self, search, mentioned=lambda person: None) -> None:
        self.search, self.mentioned = search, mentioned


def _thread_header(conversation: ConversationView, agent: UserView) -> None:
    others = [p for p in conversation.participants if p.id != agent.id]
    customers = list(conversation.customers)
    with ui.row().classes('w-full items-center px-4 py-3 bg-white border-b border-slate-200 no-wrap gap-3'):
        ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/messenger')) \
            .props('flat round dense aria-label="Back to conversations"').classes('md:hidden')
        if customers:
            avatar(customers[0] if len(customers) == 1 else None, size='36px', color='light-blue-1',
                   text_color='light-blue-9')
        else:
            avatar(None if len(others) > 1 else (others or [agent])[0], size='36px')
        with ui.column().classes('gap-0 min-w-0 flex-1'):
            ui.label(conversation.title).classes('text-base font-semibold truncate').props('role=heading aria-level=2')
            if customers:
                details = ' · '.join(filter(None, [customers[0].email, customers[0].organization])) \
                    if len(customers) == 1 else f'{len(customers)} customers'
                team = [p.name for p in others if p.kind == UserKind.AGENT]
                ui.label(details + (' · with ' + ', '.join(['you', *team]) if team else '')) \
                    .classes('text-xs text-slate-500 truncate')
            else:
                names = ', '.join(['You', *[p.name for p in others]])
                ui.label(f'{len(conversation.participants)} participants: {names}') \
                    .classes('text-xs text-slate-500 truncate')
        if conversation.item is not None:   # the ticket or task it belongs to
            with ui.link(target=conversation.item.path).classes(
                    'shrink-0 max-w-[45%] no-underline flex items-center gap-1 px-2 py-1 rounded-md bg-indigo-50 '
                    'text-primary text-xs font-medium hover:bg-indigo-100').mark('item-link'):
                ui.icon('confirmation_number' if conversation.item.kind == ItemKind.TICKET else 'task_alt', size='16px')
                ui.label(conversation.item.label).classes('truncate')


def _nothing_selected() -> None:
    with ui.column().classes('w-full h-full items-center justify-center text-center gap-2 p-8 text-slate-500'):
        ui.icon('chat', size='xl', color='grey-4')
        ui.label('Pick a conversation').classes('text-lg font-medium text-slate-700')
        ui.label('Or start a new one with Add conversation.').classes('text-sm')


def _not_found() -> None:
    with ui.column().classes('w-full h-full items-center justify-center text-center gap-2 p-8'):
        ui.icon('search_off', size='xl', color='grey-5')
        ui.label(NOT_FOUND).classes('text-lg font-semibold text-slate-800')
        ui.label('It does not exist, or you are not one of its participants.').classes('text-sm text-slate-500')
        ui.button('Back to conversations', on_click=lambda: ui.navigate.to('/messenger')) \
            .props('unelevated no-caps').classes('mt-2')
