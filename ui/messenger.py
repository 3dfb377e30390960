"""The messenger: conversations on the left, the selected thread (or the draft) on the right."""
from datetime import timedelta
import logging
import re
import uuid

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from services.container import Parley
from services.conversations import MAX_MESSAGE_LENGTH, NOT_FOUND, PAGE_SIZE, parse_conversation_id
from services.directory import SUGGESTION_LIMIT
from services.errors import NotFound, ParleyError
from services.events import Event, MessageSent
from services.views import ConversationView, MessageView, UserView
from ui import live
from ui.formatting import clock, day_label, full_time, list_time, viewer_zone
from ui.picker import PeoplePicker, Suggestions
from ui.session import current_agent, login_redirect
from ui.theme import avatar, frame

log = logging.getLogger(__name__)

DRAFT_KEY = 'draft'
DRAFT_PATH = '/messenger/draft'
COUNTER_FROM = MAX_MESSAGE_LENGTH - 1000
GROUP_WITHIN = timedelta(minutes=5)
# Static (no user data): tells the page whether its tab is on screen.
_VISIBILITY_SCRIPT = ('<script>document.addEventListener("visibilitychange", () => '
                      'emitEvent("parley_visibility", document.visibilityState));</script>')
_MENTION = re.compile(r'(?:^|\s)@([^\s@]{0,40})$')


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
    with frame(agent, 'Messenger'):
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
            with ui.column().classes('h-full gap-0 bg-white border-r border-slate-200 w-full md:w-80 lg:w-96 '
                                     'shrink-0' + (' max-md:hidden' if detail else '')):
                self._list_header()
                with ui.element('nav').classes('flex-1 w-full overflow-y-auto overflow-x-hidden') \
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

        self.visible = True  # the agent just opened this page
        ui.add_head_html(_VISIBILITY_SCRIPT)
        ui.on('parley_visibility', self._visibility_changed)
        live.subscribe(parley.bus, agent.id, self._on_event)
        client = ui.context.client
        client.on_connect(lambda: parley.presence.page_opened(agent.id, client.id))
        client.on_delete(lambda: parley.presence.page_closed(agent.id, client.id))

    # ----- the list ---------------------------------------------------------------------------

    def _list_header(self) -> None:
        with ui.row().classes('w-full items-center px-4 py-3 border-b border-slate-100 no-wrap'):
            ui.label('Conversations').classes('text-base font-semibold').props('role=heading aria-level=1')
            ui.space()
            with ui.button('Add conversation', icon='add').props('unelevated no-caps dense').classes('px-3'):
                with ui.menu().props('anchor="bottom right" self="top right"'):
                    ui.menu_item('Conversation with user', on_click=self.start_draft).mark('new-user-conversation')
                    with ui.menu_item(auto_close=False).props('disable'):
                        with ui.column().classes('gap-0'):
                            ui.label('Conversation with customer')
                            ui.label('Coming with customer live chat').classes('text-xs text-slate-500')

    @ui.refreshable_method
    def _conversation_list(self) -> None:
        conversations = self.conversations.list_conversations(self.agent)
        with ui.list().classes('w-full').props('separator=false'):
            if self.storage.get(DRAFT_KEY):
                self._draft_item()
            for conversation in conversations:
                self._conversation_item(conversation)
        if not conversations and not self.storage.get(DRAFT_KEY):
            with ui.column().classes('items-center text-center p-8 gap-2 text-slate-500'):
                ui.icon('forum', size='lg', color='grey-5')
                ui.label('No conversations yet').classes('font-medium text-slate-700')
                ui.label('Start one with Add conversation: teammates see it right away.').classes('text-sm')

    def _draft_item(self) -> None:
        with ui.item(on_click=lambda: ui.navigate.to(DRAFT_PATH)) \
                .classes('parley-item px-4 py-3' + (' bg-indigo-50' if self.drafting else '')).mark('draft-item'):
            with ui.item_section().props('avatar'):
                ui.avatar(icon='edit', color='grey-3', text_color='grey-8', size='40px')
            with ui.item_section():
                ui.item_label('New conversation').classes('font-medium')
                ui.item_label('Draft').props('caption').classes('text-amber-700')

    def _conversation_item(self, conversation: ConversationView) -> None:
        selected = self.selected is not None and conversation.id == self.selected.id
        unread = conversation.unread_count
        others = [p for p in conversation.participants if p.id != self.agent.id]
        with ui.item(on_click=lambda c=conversation: ui.navigate.to(f'/messenger/{c.id}')) \
                .classes('parley-item px-4 py-3' + (' bg-indigo-50' if selected else '')) \
                .props('aria-current=true' if selected else '').mark(f'conversation-{conversation.id}'):
            with ui.item_section().props('avatar'):
                avatar(None if len(others) > 1 else (others or [self.agent])[0], size='40px')
            with ui.item_section().classes('min-w-0'):
                with ui.row().classes('w-full min-w-0 items-baseline no-wrap gap-2'):
                    ui.label(conversation.title).classes('truncate flex-1 min-w-0 ' + ('font-semibold' if unread else
                                                                                 'font-medium'))
                    ui.label(list_time(conversation.last_message_at, self.zone)) \
                        .classes('text-xs shrink-0 ' + ('text-primary font-semibold' if unread else 'text-slate-400'))
                with ui.row().classes('w-full min-w-0 items-center no-wrap gap-2'):
                    ui.label(conversation.last_message_preview).classes(
                        'truncate flex-1 min-w-0 text-sm ' + ('text-slate-900' if unread else 'text-slate-500'))
                    if unread:
                        ui.badge(str(unread) if unread < 100 else '99+', color='primary') \
                            .props(f'rounded aria-label="{unread} unread"').classes('shrink-0')

    # ----- actions ----------------------------------------------------------------------------

    def start_draft(self) -> None:
        if not self.storage.get(DRAFT_KEY):
            self.storage[DRAFT_KEY] = {'participants': [], 'body': ''}
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
        if isinstance(event, MessageSent) and event.conversation_id == selected_id and self.thread:
            self.thread.receive(event.message_id)
            if event.author_id != self.agent.id and self.visible:
                self.conversations.mark_read(self.agent, selected_id)
                return  # the ConversationRead that follows refreshes the list
        self._conversation_list.refresh()

    def _visibility_changed(self, event) -> None:
        # Read means seen: a message that arrived in a background tab stays unread until the tab shows.
        self.visible = event.args == 'visible'
        if self.visible and self.selected is not None:
            self.conversations.mark_read(self.agent, self.selected.id)


class Thread:
    """The selected conversation: header, messages (latest page, older on scroll up), composer."""

    def __init__(self, page: MessengerPage, conversation: ConversationView) -> None:
        self.page, self.conversation = page, conversation
        self.agent, self.zone = page.agent, page.zone
        self.rendered: dict[int, tuple[MessageView, ui.element]] = {}
        self.oldest: MessageView | None = None
        self.newest: MessageView | None = None
        _thread_header(conversation, page.agent)
        with ui.element('div').classes('parley-thread flex-1 w-full px-3 md:px-6 py-4') \
                .props('role=log aria-live=polite aria-label="Messages"') as self.scroller:
            with ui.column().classes('w-full gap-0') as self.inner:
                self.load_more = ui.button('Load earlier messages', on_click=self.load_older) \
                    .props('flat no-caps dense color=grey-8').classes('self-center mb-2')
        self.scroller.on('scroll', self.load_older, throttle=0.5, js_handler='''(e) => {
            const t = e.target;
            if (t.scrollHeight - t.clientHeight + t.scrollTop < 240) emit();
        }''')
        messages = page.conversations.list_messages(page.agent, conversation.id)
        self.has_more = len(messages) == PAGE_SIZE
        self.load_more.visible = self.has_more
        for message in messages:
            self._append(message)
        Composer(page, on_send=self.send, action='Send')

    def send(self, text: str, client_id: str) -> None:
        message = self.page.conversations.send_message(self.agent, self.conversation.id, body=text,
                                                       client_id=client_id)
        self._append(message)

    def receive(self, message_id: int) -> None:
        if message_id in self.rendered:
            return
        try:
            self._append(self.page.conversations.get_message(self.agent, message_id))
        except NotFound:
            pass  # removed from the conversation meanwhile

    def load_older(self) -> None:
        if not self.has_more or self.oldest is None:
            return
        older = self.page.conversations.list_messages(self.agent, self.conversation.id, before_id=self.oldest.id)
        self.has_more = len(older) == PAGE_SIZE
        self.load_more.visible = self.has_more
        if not older:
            return
        previous_oldest = self.oldest
        _, old_element = self.rendered[previous_oldest.id]
        index = 1  # after the "Load earlier messages" button
        previous = None
        for message in older:
            element = self._render(message, previous)
            element.move(target_index=index)
            index += 1
            previous = message
        # The old first message may now continue a group or a day: draw it again with its new neighbour.
        old_element.delete()
        element = self._render(previous_oldest, previous)
        element.move(target_index=index)
        self.oldest = older[0]

    def _append(self, message: MessageView) -> None:
        if message.id in self.rendered:
            return
        self._render(message, self.newest)
        self.newest = message
        if self.oldest is None:
            self.oldest = message

    def _render(self, message: MessageView, previous: MessageView | None) -> ui.element:
        new_day = previous is None or day_label(previous.created_at, self.zone) != day_label(message.created_at,
                                                                                             self.zone)
        grouped = (not new_day and previous.author.id == message.author.id
                   and message.created_at - previous.created_at <= GROUP_WITHIN)
        own = message.author.id == self.agent.id
        with self.inner:
            with ui.column().classes('w-full gap-0') as wrapper:
                if new_day:
                    with ui.row().classes('w-full items-center gap-3 my-3'):
                        ui.separator().classes('flex-1')
                        ui.label(day_label(message.created_at, self.zone)).classes('text-xs font-medium text-slate-500')
                        ui.separator().classes('flex-1')
                with ui.row().classes('w-full no-wrap items-end gap-2 ' + ('flex-row-reverse ' if own else '')
                                      + ('mt-0.5' if grouped else 'mt-3')).mark(f'message-{message.id}'):
                    if grouped:
                        ui.element('div').classes('w-8 shrink-0')
                    else:
                        avatar(message.author, size='32px')
                    with ui.column().classes('gap-0 max-w-[80%] md:max-w-[70%] ' + ('items-end' if own else '')):
                        if not grouped:
                            with ui.row().classes('gap-2 items-baseline px-1 ' + ('flex-row-reverse' if own else '')):
                                ui.label('You' if own else message.author.name).classes('text-xs font-semibold '
                                                                                        'text-slate-700')
                                ui.label(clock(message.created_at, self.zone)).classes('text-xs text-slate-400') \
                                    .tooltip(full_time(message.created_at, self.zone))
                        ui.label(message.body).classes(
                            'parley-bubble text-[15px] leading-snug px-3 py-2 rounded-2xl ' +
                            ('bg-primary text-white rounded-br-md' if own else
                             'bg-white border border-slate-200 text-slate-900 rounded-bl-md'))
        self.rendered[message.id] = (message, wrapper)
        return wrapper


class DraftPane:
    """A conversation that does not exist yet: participants, first message, Create or Discard."""

    def __init__(self, page: MessengerPage) -> None:
        self.page = page
        draft = page.storage.get(DRAFT_KEY) or {}
        chosen = [u for u in page.parley.directory.get_users(draft.get('participants') or [])
                  if u.kind == 'agent' and u.id != page.agent.id]
        with ui.row().classes('w-full items-center px-4 py-3 bg-white border-b border-slate-200 no-wrap gap-2'):
            ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/messenger')) \
                .props('flat round dense aria-label="Back to conversations"').classes('md:hidden')
            ui.label('New conversation').classes('text-base font-semibold flex-1').props('role=heading aria-level=2')
            ui.button(icon='close', on_click=page.discard_draft) \
                .props('flat round dense aria-label="Discard draft"').tooltip('Discard draft').mark('discard-draft')
        with ui.column().classes('w-full px-4 pt-4 gap-2'):
            self.picker = PeoplePicker(search=self.search, on_change=self._participants_changed, selected=chosen)
        with ui.column().classes('flex-1 w-full items-center justify-center text-center p-6 gap-1 text-slate-500'):
            ui.icon('group_add', size='lg', color='grey-5')
            ui.label('Add one or more teammates, write the first message, then Create conversation.') \
                .classes('text-sm max-w-sm')
            ui.label('Only the people you add can see it.').classes('text-xs')
        self.composer = Composer(page, on_send=self._create, action='Create conversation',
                                 initial=draft.get('body') or '', on_text=lambda text: page.save_draft(body=text),
                                 mentions=self)

    def search(self, text: str, exclude: set[int], limit: int) -> list[UserView]:
        return self.page.parley.directory.search_agents(self.page.agent, text, exclude_ids=exclude, limit=limit)

    def _participants_changed(self, people: list[UserView]) -> None:
        self.page.save_draft(participants=[p.id for p in people])

    def _create(self, text: str, client_id: str) -> None:
        conversation = self.page.conversations.create_conversation(
            self.page.agent, participant_ids=[p.id for p in self.picker.selected], body=text, client_id=client_id)
        self.page.storage.pop(DRAFT_KEY, None)
        ui.navigate.to(f'/messenger/{conversation.id}')


class Composer:
    """Message box: Enter sends, Shift+Enter breaks the line; errors show inline and keep the text."""

    def __init__(self, page: MessengerPage, *, on_send, action: str, initial: str = '', on_text=None,
                 mentions: DraftPane | None = None) -> None:
        self.page, self.on_send, self.on_text, self.mentions = page, on_send, on_text, mentions
        self.client_id = uuid.uuid4().hex  # kept until a send succeeds, so a retry is never stored twice
        with ui.column().classes('w-full gap-1 px-3 md:px-6 pb-3 pt-2 bg-white border-t border-slate-200 relative'):
            self.suggestions = Suggestions(self._pick, classes='absolute bottom-full left-3 md:left-6 mb-1 w-80 '
                                                              'max-w-[90%]')
            with ui.row().classes('w-full items-end no-wrap gap-2'):
                self.box = ui.textarea(placeholder='Write a message…', value=initial, on_change=self._changed) \
                    .props('outlined dense autogrow rows=1 aria-label=Message input-class="max-h-48"') \
                    .classes('flex-1').mark('composer')
                if action == 'Send':
                    ui.button(icon='send', on_click=self.submit) \
                        .props('unelevated round aria-label=Send').tooltip('Send (Enter)').mark('send')
            with ui.row().classes('w-full items-center no-wrap gap-2 min-h-[1.25rem]'):
                self.error = ui.label().classes('text-negative text-sm flex-1').props('role=alert')
                ui.label('Enter to send · Shift+Enter for a new line').classes('text-xs text-slate-400 max-sm:hidden')
                self.counter = ui.label().classes('text-xs text-slate-500')
                if action != 'Send':  # a labelled button gets its own line end, so phones keep a wide box
                    ui.button(action, icon='send', on_click=self.submit).props('unelevated no-caps').mark('create')
        self.box.on('keydown.enter.exact.prevent', self._enter)
        self.box.on('keydown.down', lambda: self.suggestions.move(1))
        self.box.on('keydown.up', lambda: self.suggestions.move(-1))
        self.box.on('keydown.esc', self.suggestions.close)
        self._update_counter()

    def submit(self) -> None:
        text = self.box.value or ''
        try:
            self.on_send(text, self.client_id)
        except ParleyError as problem:
            self.error.text = str(problem)
            return
        except Exception:  # e.g. the database is busy: say so, keep the text, let them retry
            log.warning('sending failed; the text stays in the composer for a retry', exc_info=True)
            self.error.text = 'Could not send just now. Your text is kept; try again in a moment.'
            return
        self.client_id = uuid.uuid4().hex
        self.error.text = ''
        self.box.value = ''
        self.box.run_method('focus')

    def _enter(self) -> None:
        if not self.suggestions.pick_highlighted():
            self.submit()

    def _changed(self) -> None:
        text = self.box.value or ''
        if self.error.text and text.strip():
            self.error.text = ''
        self._update_counter()
        if self.on_text:
            self.on_text(text)
        if self.mentions is not None:
            self._suggest(text)

    def _update_counter(self) -> None:
        length = len((self.box.value or '').strip())
        self.counter.text = f'{length:,} / {MAX_MESSAGE_LENGTH:,}' if length >= COUNTER_FROM else ''
        self.counter.classes(replace='text-xs ' + ('text-negative font-semibold' if length > MAX_MESSAGE_LENGTH
                                                   else 'text-slate-500'))

    # "@name" in the first message offers teammates and adds the chosen one as a participant.
    def _suggest(self, text: str) -> None:
        match = _MENTION.search(text)
        if match is None:
            self.suggestions.close()
            return
        chosen = {p.id for p in self.mentions.picker.selected}
        self.suggestions.show(self.mentions.search(match.group(1), chosen, SUGGESTION_LIMIT))

    def _pick(self, person: UserView) -> None:
        text = self.box.value or ''
        match = _MENTION.search(text)
        if match is not None:
            text = text[:match.start(1) - 1] + f'@{person.name} '
        self.suggestions.close()
        self.box.value = text  # re-runs _suggest, which finds no "@" at the end and stays closed
        self.mentions.picker.add(person)
        self.box.run_method('focus')


def _thread_header(conversation: ConversationView, agent: UserView) -> None:
    others = [p for p in conversation.participants if p.id != agent.id]
    with ui.row().classes('w-full items-center px-4 py-3 bg-white border-b border-slate-200 no-wrap gap-3'):
        ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/messenger')) \
            .props('flat round dense aria-label="Back to conversations"').classes('md:hidden')
        avatar(None if len(others) > 1 else (others or [agent])[0], size='36px')
        with ui.column().classes('gap-0 min-w-0 flex-1'):
            ui.label(conversation.title).classes('text-base font-semibold truncate').props('role=heading aria-level=2')
            names = ', '.join(['You', *[p.name for p in others]])
            ui.label(f'{len(conversation.participants)} participants: {names}').classes('text-xs text-slate-500 truncate')


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
