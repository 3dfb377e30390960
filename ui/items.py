"""Tickets and tasks: /tickets, /tasks (lists with filters and search), /tickets/{n}, /tasks/{n} (detail)."""
from datetime import date, datetime

from fastapi import Request
from nicegui import app, ui

from services import i18n
from services.i18n import N_, _, ngettext, pN_, pgettext
from services.container import Parley
from services.drafts import item_draft
from services.errors import NotFound, ParleyError
from services.items import STATUS_LABELS, STATUSES, ItemView
from services.views import ConversationView, ItemKind, Priority, UserView, preview_shown
from ui.formatting import list_time, viewer_zone
from ui.messenger import DRAFT_KEY, DRAFT_PATH
from ui.i18n import aria
from ui.picker import NO_CUSTOMER, PeoplePicker
from ui.theme import agent_page, avatar

PAGE = 'w-full max-w-4xl mx-auto p-4 md:p-6 gap-4'
PATHS = {'ticket': '/tickets', 'task': '/tasks'}
# Each kind's own sentences (languages do not build them from "ticket" alone), shown with _().
WORDS = {
    'ticket': {'one': N_('Ticket'), 'many': N_('Tickets'), 'new': N_('New ticket'), 'create': N_('Create ticket'),
               'edit': N_('Edit ticket #{number}'), 'back': N_('Back to tickets'), 'up': N_('← Tickets'),
               'ref': N_('Ticket #{number}'), 'none': N_('No tickets yet. Create the first with "New ticket".'),
               'none_match': N_('No tickets match these filters.')},
    'task': {'one': N_('Task'), 'many': N_('Tasks'), 'new': N_('New task'), 'create': N_('Create task'),
             'edit': N_('Edit task #{number}'), 'back': N_('Back to tasks'), 'up': N_('← Tasks'),
             'ref': N_('Task #{number}'), 'none': N_('No tasks yet. Create the first with "New task".'),
             'none_match': N_('No tasks match these filters.')},
}
STATUS_COLOR = {'new': 'primary', 'open': 'positive', 'pending': 'warning', 'closed': 'grey-6',
                'todo': 'primary', 'doing': 'warning', 'done': 'grey-6'}
PRIORITY_LABELS = {'low': N_('Low'), 'normal': N_('Normal'), 'high': N_('High'), 'urgent': N_('Urgent')}
PRIORITY_TEXT = {'low': N_('Low priority'), 'high': N_('High priority'), 'urgent': N_('Urgent priority')}
SHOW = {'all': pN_('items', 'All'), 'mine': pN_('items', 'Mine'), 'unassigned': pN_('items', 'Unassigned')}


def word(kind: str, key: str) -> str:
    """One of WORDS in the page's language."""
    text = WORDS[kind][key]
    return _(text)


def register(parley: Parley) -> None:
    for kind, path in PATHS.items():
        _pages(parley, kind, path)


def _pages(parley: Parley, kind: str, path: str) -> None:
    def detail(agent: UserView, request: Request) -> None:
        try:
            item = parley.items.get(agent, kind, request.path_params['number'])
        except NotFound as problem:
            with ui.column().classes('w-full items-center text-center gap-2 p-10'):
                ui.icon('search_off', size='xl', color='grey-5')
                ui.label(str(problem)).classes('text-lg font-semibold')
                ui.link(word(kind, 'back'), path)
            return
        ItemDetail(parley, agent, item, viewer_zone(request, agent))

    agent_page(parley, path, WORDS[kind]['many'],
               lambda agent, request: ItemList(parley, agent, kind, viewer_zone(request, agent)))
    agent_page(parley, path + '/{number}', WORDS[kind]['many'], detail, active=path)


class ItemList:
    def __init__(self, parley: Parley, agent: UserView, kind: str, zone) -> None:
        self.parley, self.agent, self.kind, self.zone = parley, agent, kind, zone
        with ui.column().classes(PAGE):
            with ui.row().classes('w-full items-center gap-3'):
                ui.label(word(kind, 'many')).classes('text-xl font-semibold').props('role=heading aria-level=1')
                ui.space()
                ui.button(word(kind, 'new'), icon='add', on_click=lambda: item_dialog(parley, agent, kind)) \
                    .props('unelevated no-caps').mark('new-item')
            with ui.row().classes('w-full items-center gap-3'):
                self.show = ui.toggle({key: pgettext(*label) for key, label in SHOW.items()}, value='all',
                                      on_change=lambda: self._rows.refresh()) \
                    .props('no-caps unelevated dense toggle-color=primary color=grey-2 text-color=grey-9') \
                    .mark('show')
                self.status = ui.select({'': _('Any status'),
                                         **{s: pgettext(*STATUS_LABELS[s]) for s in _statuses(kind)}},
                                        value='', label=_('Status'), on_change=lambda: self._rows.refresh()) \
                    .props('outlined dense options-dense').classes('w-40').mark('status-filter')
                self.search = ui.input(_('Search by title or number'), on_change=lambda: self._rows.refresh()) \
                    .props('outlined dense clearable debounce=250').classes('flex-1 min-w-[12rem]')
            self._rows()

    @ui.refreshable_method
    def _rows(self) -> None:
        items = self.parley.items.list(self.agent, self.kind, show=self.show.value, status=self.status.value or None,
                                       query=self.search.value or '')
        if not items:
            filtered = self.show.value != 'all' or self.status.value or self.search.value
            with ui.column().classes('w-full items-center text-center gap-1 p-10 text-slate-500'):
                ui.icon('inbox', size='lg', color='grey-5')
                ui.label(word(self.kind, 'none_match' if filtered else 'none'))
            return
        with ui.list().props('bordered separator').classes('w-full bg-white rounded-lg'):
            for item in items:
                with ui.item(on_click=lambda i=item: ui.navigate.to(i.link.path)) \
                        .classes('parley-item py-3').mark(f'item-{item.link.ref}'):
                    with ui.item_section().props('side').classes('w-16'):
                        ui.label(f'#{item.link.ref}').classes('font-mono text-sm text-slate-500')
                    with ui.item_section().classes('min-w-0'):
                        ui.item_label(item.title).classes('font-medium truncate' +
                                                          (' text-slate-500 line-through' if item.is_done else ''))
                        ui.item_label(_summary(item, self.zone)).props('caption').classes('truncate')
                    with ui.item_section().props('side'):
                        ui.badge(item.status_label, color=STATUS_COLOR[item.status]).props('outline')


class ItemDetail:
    def __init__(self, parley: Parley, agent: UserView, item: ItemView, zone) -> None:
        self.parley, self.agent, self.item, self.zone = parley, agent, item, zone
        path = PATHS[item.kind]
        with ui.column().classes(PAGE):
            ui.link(word(item.kind, 'up'), path).classes('text-sm text-primary no-underline')
            with ui.row().classes('w-full items-start gap-3 no-wrap'):
                with ui.column().classes('gap-0 min-w-0 flex-1'):
                    ui.label(word(item.kind, 'ref').format(number=item.link.ref)) \
                        .classes('text-sm font-mono text-slate-500')
                    ui.label(item.title).classes('text-xl font-semibold break-words') \
                        .props('role=heading aria-level=1')
                ui.button(_('Edit'), icon='edit', on_click=lambda: item_dialog(parley, agent, item.kind, item)) \
                    .props('flat no-caps').mark('edit-item')
            with ui.card().classes('w-full'):
                with ui.row().classes('w-full gap-4 items-center flex-wrap'):
                    ui.select({s: pgettext(*STATUS_LABELS[s]) for s in _statuses(item.kind)}, value=item.status,
                              label=_('Status'), on_change=lambda e: self._change(status=e.value)) \
                        .props('outlined dense').classes('w-36').mark('item-status')
                    ui.select(_assignees(parley, agent), value=item.assignee.id if item.assignee else None,
                              label=_('Assignee'), clearable=True,
                              on_change=lambda e: self._change(assignee_id=e.value)) \
                        .props('outlined dense').classes('w-52').mark('item-assignee')
                    if item.kind == ItemKind.TICKET:
                        ui.select({key: _(label) for key, label in PRIORITY_LABELS.items()}, value=item.priority,
                                  label=_('Priority'),
                                  on_change=lambda e: self._change(priority=e.value)) \
                            .props('outlined dense').classes('w-36').mark('item-priority')
                    elif item.due_date:
                        overdue = item.is_overdue(datetime.now(zone).date())
                        ui.label(_('Due {date}').format(date=i18n.date(item.due_date))).classes(
                            'text-sm ' + ('text-negative font-semibold' if overdue else 'text-slate-600'))
                if item.customer:
                    with ui.row().classes('items-center gap-2 mt-2'):
                        avatar(item.customer, size='28px', color='light-blue-1', text_color='light-blue-9')
                        ui.label(item.customer.name).classes('font-medium')
                        ui.label(item.customer.email).classes('text-sm text-slate-500')
                ui.label(item.description or _('No description.')).classes(
                    'parley-bubble mt-2 ' + ('text-slate-800' if item.description else 'text-slate-400'))
            self._conversations()

    def _change(self, **changes) -> None:
        try:
            self.item = self.parley.items.update(self.agent, self.item.id, **changes)
        except ParleyError as problem:
            ui.notify(str(problem), type='negative')
            return
        ui.notify(_('Saved'), type='positive', timeout=1500)

    def _conversations(self) -> None:
        visible, others = self.parley.conversations.item_conversations(self.agent, self.item.id)
        with ui.row().classes('w-full items-center gap-3 mt-2'):
            ui.label(_('Conversations')).classes('text-lg font-semibold').props('role=heading aria-level=2')
            ui.space()
            with ui.button(_('Add conversation'), icon='add').props('unelevated no-caps dense').classes('px-3'):
                with ui.menu().props('anchor="bottom right" self="top right"'):
                    ui.menu_item(_('Conversation with user'), on_click=lambda: self._draft('user')) \
                        .mark('item-new-user-conversation')
                    ui.menu_item(_('Conversation with customer'), on_click=lambda: self._draft('customer')) \
                        .mark('item-new-customer-conversation')
        if not visible:
            ui.label(_('No conversations you take part in yet.')).classes('text-slate-500 text-sm')
        with ui.list().props('bordered separator').classes('w-full bg-white rounded-lg') as rows:
            rows.visible = bool(visible)
            for conversation in visible:
                _conversation_row(conversation, self.agent, self.zone)
        if others:
            text = (ngettext('{count} other conversation on this ticket is visible only to its participants.',
                             '{count} other conversations on this ticket are visible only to their participants.',
                             others) if self.item.kind == 'ticket' else
                    ngettext('{count} other conversation on this task is visible only to its participants.',
                             '{count} other conversations on this task are visible only to their participants.',
                             others))
            ui.label(text.format(count=others)) \
                .classes('text-sm text-slate-500').mark('hidden-conversations')

    def _draft(self, kind: str) -> None:
        """Open the messenger's draft, linked to this item (a ticket's customer proposed as the customer)."""
        customer = self.item.customer
        app.storage.user[DRAFT_KEY] = item_draft(kind, self.item.id, self.item.link, customer.id if customer else None)
        ui.navigate.to(DRAFT_PATH)


def _conversation_row(conversation: ConversationView, agent: UserView, zone) -> None:
    with ui.item(on_click=lambda: ui.navigate.to(f'/messenger/{conversation.id}')) \
            .classes('parley-item py-2').mark(f'item-conversation-{conversation.id}'):
        with ui.item_section().classes('min-w-0'):
            ui.item_label(conversation.title).classes('font-medium truncate')
            ui.item_label(preview_shown(conversation.last_message_preview)).props('caption').classes('truncate')
        with ui.item_section().props('side'):
            ui.item_label(list_time(conversation.last_message_at, zone)).props('caption')
            if conversation.unread_count:
                ui.badge(str(conversation.unread_count), color='primary').props(
                    'rounded ' + aria('{count} unread', count=conversation.unread_count))


def item_dialog(parley: Parley, agent: UserView, kind: str, item: ItemView | None = None, *,
                customer_of_new: UserView | None = None) -> None:
    """Create or edit a ticket or task (a new ticket may come with its customer picked: their page's "New ticket")."""
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-lg p-5 gap-3'):
        ui.label(word(kind, 'edit').format(number=item.link.ref) if item else word(kind, 'new')) \
            .classes('text-lg font-semibold')
        title = ui.input(_('Title'), value=item.title if item else '').props('outlined autofocus').classes('w-full') \
            .mark('item-title')
        description = ui.textarea(_('Description'), value=item.description if item else '') \
            .props('outlined autogrow input-class="max-h-60"').classes('w-full').mark('item-description')
        customer = due = None
        if kind == ItemKind.TICKET:
            # Searched on the server as in the messenger: arrow keys and Enter pick, whatever the number of customers.
            customer = PeoplePicker(
                search=lambda text, exclude, limit: parley.directory.search_customers(
                    agent, text, exclude_ids=exclude, limit=limit),
                on_change=lambda _: setattr(error, 'text', ''),
                selected=[item.customer] if item and item.customer else [customer_of_new] if customer_of_new else [],
                label=N_('Customer'), add_label=N_('Add customer'),
                    placeholder=N_('Type a name, email or organization'),
                search_label=N_('Search customers'), no_match=NO_CUSTOMER, marker='item-customer-add', single=True)
            customer.input.mark('item-customer')
        else:
            due = ui.input(_('Due date'), value=item.due_date.isoformat() if item and item.due_date else '') \
                .props('outlined dense type=date').classes('w-full').mark('item-due')
        assignee = ui.select(_assignees(parley, agent), value=item.assignee.id if item and item.assignee else None,
                             label=_('Assignee'), clearable=True).props('outlined dense').classes('w-full') \
            .mark('item-assignee-field')
        priority = None
        if kind == ItemKind.TICKET:
            priority = ui.select({key: _(label) for key, label in PRIORITY_LABELS.items()},
                                 value=item.priority if item else 'normal', label=_('Priority')) \
                .props('outlined dense').classes('w-full')
        error = ui.label().classes('text-negative text-sm').props('role=alert')

        def save() -> None:
            fields = {'title': title.value, 'description': description.value, 'assignee_id': assignee.value}
            if customer is not None:
                if customer.unpicked_text:   # typed but not picked: never save as if no customer was meant
                    error.text = _('"{text}" is not picked yet: choose the customer from the suggestions (arrow '
                                   'keys and Enter), or clear the field.').format(text=customer.unpicked_text)
                    return
                fields['customer_id'] = customer.selected[0].id if customer.selected else None
            if priority is not None:
                fields['priority'] = priority.value
            if due is not None:
                try:
                    fields['due_date'] = date.fromisoformat(due.value) if due.value else None
                except ValueError:
                    error.text = _('Enter the due date as a date, like 2026-12-01.')
                    return
            try:
                saved = parley.items.update(agent, item.id, **fields) if item else \
                    parley.items.create(agent, kind, **fields)
            except ParleyError as problem:
                error.text = str(problem)
                return
            ui.navigate.to(saved.link.path)   # before the dialog (this handler's context) is deleted
            dialog.delete()

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Cancel'), on_click=dialog.delete).props('flat no-caps')
            ui.button(_('Save') if item else word(kind, 'create'), on_click=save).props('unelevated no-caps') \
                .mark('save-item')
    dialog.on('hide', dialog.delete)
    dialog.open()


def _assignees(parley: Parley, agent: UserView) -> dict[int, str]:
    others = parley.directory.search_agents(agent, '', limit=50)
    return {agent.id: _('Me ({name})').format(name=agent.name), **{p.id: p.name for p in others}}


def _summary(item: ItemView, zone) -> str:
    parts = []
    if item.customer:
        parts.append(item.customer.name)
    parts.append(_('Assigned to {name}').format(name=item.assignee.name) if item.assignee else _('Unassigned'))
    if item.kind == ItemKind.TICKET and item.priority != Priority.NORMAL:
        parts.append(_(PRIORITY_TEXT[item.priority]))
    if item.due_date:
        parts.append(_('Due {date}').format(date=i18n.pattern(item.due_date, 'MMMd')))
    parts.append(_('Updated {time}').format(time=list_time(item.updated_at, zone)))
    return ' · '.join(parts)


def _statuses(kind: str) -> tuple[str, ...]:
    return next(v for k, v in STATUSES.items() if k.value == kind)
