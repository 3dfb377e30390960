"""Tickets and tasks: /tickets, /tasks (lists with filters and search), /tickets/{n}, /tasks/{n} (detail)."""
from datetime import date, datetime

from fastapi import Request
from nicegui import app, ui

from services.container import Parley
from services.drafts import item_draft
from services.errors import NotFound, ParleyError
from services.items import STATUS_LABELS, STATUSES, ItemView
from services.views import ConversationView, ItemKind, Priority, UserView
from ui.formatting import list_time, viewer_zone
from ui.messenger import DRAFT_KEY, DRAFT_PATH
from ui.picker import NO_CUSTOMER, PeoplePicker
from ui.theme import agent_page, avatar

PAGE = 'w-full max-w-4xl mx-auto p-4 md:p-6 gap-4'
KIND = {'ticket': ('Ticket', 'Tickets', '/tickets'), 'task': ('Task', 'Tasks', '/tasks')}
STATUS_COLOR = {'new': 'primary', 'open': 'positive', 'pending': 'warning', 'closed': 'grey-6',
                'todo': 'primary', 'doing': 'warning', 'done': 'grey-6'}
PRIORITY_LABELS = {'low': 'Low', 'normal': 'Normal', 'high': 'High', 'urgent': 'Urgent'}
SHOW = {'all': 'All', 'mine': 'Mine', 'unassigned': 'Unassigned'}


def register(parley: Parley) -> None:
    for kind, (_one, many, path) in KIND.items():
        _pages(parley, kind, many, path)


def _pages(parley: Parley, kind: str, many: str, path: str) -> None:
    def detail(agent: UserView, request: Request) -> None:
        try:
            item = parley.items.get(agent, kind, request.path_params['number'])
        except NotFound as problem:
            with ui.column().classes('w-full items-center text-center gap-2 p-10'):
                ui.icon('search_off', size='xl', color='grey-5')
                ui.label(str(problem)).classes('text-lg font-semibold')
                ui.link(f'Back to {many.lower()}', path)
            return
        ItemDetail(parley, agent, item, viewer_zone(request, agent))

    agent_page(parley, path, many, lambda agent, request: ItemList(parley, agent, kind, viewer_zone(request, agent)))
    agent_page(parley, path + '/{number}', many, detail, active=path)


class ItemList:
    def __init__(self, parley: Parley, agent: UserView, kind: str, zone) -> None:
        self.parley, self.agent, self.kind, self.zone = parley, agent, kind, zone
        one, many, _path = KIND[kind]
        with ui.column().classes(PAGE):
            with ui.row().classes('w-full items-center gap-3'):
                ui.label(many).classes('text-xl font-semibold').props('role=heading aria-level=1')
                ui.space()
                ui.button(f'New {one.lower()}', icon='add', on_click=lambda: item_dialog(parley, agent, kind)) \
                    .props('unelevated no-caps').mark('new-item')
            with ui.row().classes('w-full items-center gap-3'):
                self.show = ui.toggle(SHOW, value='all', on_change=lambda: self._rows.refresh()) \
                    .props('no-caps unelevated dense toggle-color=primary color=grey-2 text-color=grey-9') \
                    .mark('show')
                self.status = ui.select({'': 'Any status', **{s: STATUS_LABELS[s] for s in _statuses(kind)}},
                                        value='', label='Status', on_change=lambda: self._rows.refresh()) \
                    .props('outlined dense options-dense').classes('w-40').mark('status-filter')
                self.search = ui.input('Search by title or number', on_change=lambda: self._rows.refresh()) \
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
                one, many = KIND[self.kind][0].lower(), KIND[self.kind][1].lower()
                ui.label(f'No {many} match these filters.' if filtered else
                         f'No {many} yet. Create the first with "New {one}".')
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
        one, many, path = KIND[item.kind]
        with ui.column().classes(PAGE):
            ui.link(f'← {many}', path).classes('text-sm text-primary no-underline')
            with ui.row().classes('w-full items-start gap-3 no-wrap'):
                with ui.column().classes('gap-0 min-w-0 flex-1'):
                    ui.label(f'{one} #{item.link.ref}').classes('text-sm font-mono text-slate-500')
                    ui.label(item.title).classes('text-xl font-semibold break-words') \
                        .props('role=heading aria-level=1')
                ui.button('Edit', icon='edit', on_click=lambda: item_dialog(parley, agent, item.kind, item)) \
                    .props('flat no-caps').mark('edit-item')
            with ui.card().classes('w-full'):
                with ui.row().classes('w-full gap-4 items-center flex-wrap'):
                    ui.select({s: STATUS_LABELS[s] for s in _statuses(item.kind)}, value=item.status,
                              label='Status', on_change=lambda e: self._change(status=e.value)) \
                        .props('outlined dense').classes('w-36').mark('item-status')
                    ui.select(_assignees(parley, agent), value=item.assignee.id if item.assignee else None,
                              label='Assignee', clearable=True,
                              on_change=lambda e: self._change(assignee_id=e.value)) \
                        .props('outlined dense').classes('w-52').mark('item-assignee')
                    if item.kind == ItemKind.TICKET:
                        ui.select(PRIORITY_LABELS, value=item.priority, label='Priority',
                                  on_change=lambda e: self._change(priority=e.value)) \
                            .props('outlined dense').classes('w-36').mark('item-priority')
                    elif item.due_date:
                        overdue = item.is_overdue(datetime.now(zone).date())
                        ui.label(f'Due {item.due_date:%d %b %Y}').classes(
                            'text-sm ' + ('text-negative font-semibold' if overdue else 'text-slate-600'))
                if item.customer:
                    with ui.row().classes('items-center gap-2 mt-2'):
                        avatar(item.customer, size='28px', color='light-blue-1', text_color='light-blue-9')
                        ui.label(item.customer.name).classes('font-medium')
                        ui.label(item.customer.email).classes('text-sm text-slate-500')
                ui.label(item.description or 'No description.').classes(
                    'parley-bubble mt-2 ' + ('text-slate-800' if item.description else 'text-slate-400'))
            self._conversations()

    def _change(self, **changes) -> None:
        try:
            self.item = self.parley.items.update(self.agent, self.item.id, **changes)
        except ParleyError as problem:
            ui.notify(str(problem), type='negative')
            return
        ui.notify('Saved', type='positive', timeout=1500)

    def _conversations(self) -> None:
        visible, others = self.parley.conversations.item_conversations(self.agent, self.item.id)
        with ui.row().classes('w-full items-center gap-3 mt-2'):
            ui.label('Conversations').classes('text-lg font-semibold').props('role=heading aria-level=2')
            ui.space()
            with ui.button('Add conversation', icon='add').props('unelevated no-caps dense').classes('px-3'):
                with ui.menu().props('anchor="bottom right" self="top right"'):
                    ui.menu_item('Conversation with user', on_click=lambda: self._draft('user')) \
                        .mark('item-new-user-conversation')
                    ui.menu_item('Conversation with customer', on_click=lambda: self._draft('customer')) \
                        .mark('item-new-customer-conversation')
        if not visible:
            ui.label('No conversations you take part in yet.').classes('text-slate-500 text-sm')
        with ui.list().props('bordered separator').classes('w-full bg-white rounded-lg') as rows:
            rows.visible = bool(visible)
            for conversation in visible:
                _conversation_row(conversation, self.agent, self.zone)
        if others:
            several = others > 1
            ui.label(f'{others} other conversation{"s" if several else ""} on this {KIND[self.item.kind][0].lower()} '
                     f'{"are" if several else "is"} visible only to {"their" if several else "its"} participants.') \
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
            ui.item_label(conversation.last_message_preview).props('caption').classes('truncate')
        with ui.item_section().props('side'):
            ui.item_label(list_time(conversation.last_message_at, zone)).props('caption')
            if conversation.unread_count:
                ui.badge(str(conversation.unread_count), color='primary').props(
                    f'rounded aria-label="{conversation.unread_count} unread"')


def item_dialog(parley: Parley, agent: UserView, kind: str, item: ItemView | None = None, *,
                customer_of_new: UserView | None = None) -> None:
    """Create or edit a ticket or task (a new ticket may come with its customer picked: their page's "New ticket")."""
    one = KIND[kind][0]
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-lg p-5 gap-3'):
        ui.label(f'Edit {one.lower()} #{item.link.ref}' if item else f'New {one.lower()}') \
            .classes('text-lg font-semibold')
        title = ui.input('Title', value=item.title if item else '').props('outlined autofocus').classes('w-full') \
            .mark('item-title')
        description = ui.textarea('Description', value=item.description if item else '') \
            .props('outlined autogrow input-class="max-h-60"').classes('w-full').mark('item-description')
        customer = due = None
        if kind == ItemKind.TICKET:
            # Searched on the server as in the messenger: arrow keys and Enter pick, whatever the number of customers.
            customer = PeoplePicker(
                search=lambda text, exclude, limit: parley.directory.search_customers(
                    agent, text, exclude_ids=exclude, limit=limit),
                on_change=lambda _: setattr(error, 'text', ''),
                selected=[item.customer] if item and item.customer else [customer_of_new] if customer_of_new else [],
                label='Customer', add_label='Add customer', placeholder='Type a name, email or organization',
                search_label='Search customers', no_match=NO_CUSTOMER, marker='item-customer-add', single=True)
            customer.input.mark('item-customer')
        else:
            due = ui.input('Due date', value=item.due_date.isoformat() if item and item.due_date else '') \
                .props('outlined dense type=date').classes('w-full').mark('item-due')
        assignee = ui.select(_assignees(parley, agent), value=item.assignee.id if item and item.assignee else None,
                             label='Assignee', clearable=True).props('outlined dense').classes('w-full') \
            .mark('item-assignee-field')
        priority = None
        if kind == ItemKind.TICKET:
            priority = ui.select(PRIORITY_LABELS, value=item.priority if item else 'normal', label='Priority') \
                .props('outlined dense').classes('w-full')
        error = ui.label().classes('text-negative text-sm').props('role=alert')

        def save() -> None:
            fields = {'title': title.value, 'description': description.value, 'assignee_id': assignee.value}
            if customer is not None:
                if customer.unpicked_text:   # typed but not picked: never save as if no customer was meant
                    error.text = (f'"{customer.unpicked_text}" is not picked yet: choose the customer from the '
                                  'suggestions (arrow keys and Enter), or clear the field.')
                    return
                fields['customer_id'] = customer.selected[0].id if customer.selected else None
            if priority is not None:
                fields['priority'] = priority.value
            if due is not None:
                try:
                    fields['due_date'] = date.fromisoformat(due.value) if due.value else None
                except ValueError:
                    error.text = 'Enter the due date as a date, like 2026-12-01.'
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
            ui.button('Cancel', on_click=dialog.delete).props('flat no-caps')
            ui.button('Save' if item else f'Create {one.lower()}', on_click=save).props('unelevated no-caps') \
                .mark('save-item')
    dialog.on('hide', dialog.delete)
    dialog.open()


def _assignees(parley: Parley, agent: UserView) -> dict[int, str]:
    others = parley.directory.search_agents(agent, '', limit=50)
    return {agent.id: f'Me ({agent.name})', **{p.id: p.name for p in others}}


def _summary(item: ItemView, zone) -> str:
    parts = []
    if item.customer:
        parts.append(item.customer.name)
    parts.append(f'Assigned to {item.assignee.name}' if item.assignee else 'Unassigned')
    if item.kind == ItemKind.TICKET and item.priority != Priority.NORMAL:
        parts.append(f'{PRIORITY_LABELS[item.priority]} priority')
    if item.due_date:
        parts.append(f'Due {item.due_date:%d %b}')
    parts.append(f'Updated {list_time(item.updated_at, zone)}')
    return ' · '.join(parts)


def _statuses(kind: str) -> tuple[str, ...]:
    return next(v for k, v in STATUSES.items() if k.value == kind)
