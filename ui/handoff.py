"""The thread header's hand-off controls: the assignee, and the "More" menu (people, assign, rename, link,
create ticket, leave). Every action is a service call; a refusal is shown as it is said, nothing else changes."""
from collections.abc import Callable

from nicegui import ui

from services.i18n import N_, _
from services.container import Parley
from services.errors import ParleyError
from services.views import ConversationView, ItemKind, UserKind, UserView
from ui.i18n import aria
from ui.dialogs import FormDialog, attempt
from ui.picker import NO_CUSTOMER, NO_MATCH, person_dialog
from ui.theme import avatar

HISTORY_NOTE = N_('New people see the whole conversation, from its first message.')
CUSTOMER_NOTE = N_('{name} will see everything a customer sees in this conversation, from its first message (never '
                   'internal notes).')


class Handoff:
    """The controls for one conversation; `changed` runs after a change went through (the page reads it again)."""

    def __init__(self, parley: Parley, agent: UserView, conversation: ConversationView,
                 changed: Callable[[], None]) -> None:
        self.parley, self.agent, self.conversation, self.changed = parley, agent, conversation, changed
        self.handoff = parley.handoff

    # ----- what the header shows ------------------------------------------------------------------

    def assignee_button(self) -> None:
        """Who has a conversation with a customer ("Unassigned"): a click assigns it."""
        conversation = self.conversation
        if not conversation.is_customer:
            return
        assignee = conversation.assignee
        label = (_('You') if assignee.id == self.agent.id else assignee.name) if assignee else _('Unassigned')
        with ui.button(on_click=self.assign).props('flat dense no-caps ' + aria('Assignee: {name}', name=label)) \
                .classes('px-2 max-w-[10rem]').mark('assignee'):
            if assignee:
                avatar(assignee, size='22px')
            else:
                ui.icon('person_outline', size='20px', color='grey-7')
            ui.label(label).classes('truncate ml-1 text-sm text-slate-700 max-sm:hidden')
            ui.tooltip(_('Assign to…'))

    def menu(self) -> None:
        conversation = self.conversation
        with ui.button(icon='more_vert').props('flat round dense ' + aria('More actions')).mark('more-actions'):
            with ui.menu().props('anchor="bottom right" self="top right" role=menu'):
                self._item('group', _('People ({count})…').format(count=len(conversation.participants)), self.people,
                           'people')
                self._item('person_add', _('Add participant…'), self.add_teammate, 'add-participant')
                if conversation.is_customer:
                    self._item('assignment_ind', _('Assign to…'), self.assign, 'assign')
                    if not conversation.unassigned:
                        self._item('assignment_return', _('Unassign'), self.unassign, 'unassign')
                self._item('edit', _('Rename…'), self.rename, 'rename')
                self._item('link', _('Link to ticket or task…'), self.link, 'link-item')
                if conversation.is_customer:
                    self._item('confirmation_number', _('Create ticket…'), self.create_ticket, 'create-ticket')
                ui.separator()
                self._item('logout', _('Leave conversation'), self.leave, 'leave')

    @staticmethod
    def _item(icon: str, label: str, action: Callable[[], None], marker: str) -> None:
        with ui.menu_item(on_click=action).props('role=menuitem').mark(marker):
            with ui.item_section().props('avatar').classes('min-w-0 pr-3'):
                ui.icon(icon, size='20px', color='grey-8')
            ui.item_section(label)

    # ----- people ---------------------------------------------------------------------------------

    def people(self) -> None:
        conversation = self.conversation
        with ui.dialog() as dialog, ui.card().classes('w-full max-w-md p-4 gap-2').mark('people-dialog'):
            with ui.row().classes('w-full items-center no-wrap'):
                ui.label(_('People in this conversation')).classes('text-lg font-semibold') \
                    .props('role=heading aria-level=2')
                ui.space()
                ui.button(icon='close', on_click=dialog.close).props('flat round dense ' + aria('Close'))
            with ui.column().classes('w-full gap-0 max-h-96 overflow-y-auto'):
                for person in conversation.participants:
                    with ui.row().classes('w-full items-center no-wrap gap-3 py-1'):
                        avatar(person, size='32px', **({'color': 'light-blue-1', 'text_color': 'light-blue-9'}
                                                       if person.kind == UserKind.CUSTOMER else {}))
                        with ui.column().classes('gap-0 min-w-0 flex-1'):
                            ui.label(_('{name} (you)').format(name=person.name) if person.id == self.agent.id
                                     else person.name) \
                                .classes('truncate w-full font-medium')
                            ui.label(_role(person, conversation)).classes('text-xs text-slate-500 truncate w-full')
                        if person.id != self.agent.id:
                            ui.button(_('Remove'), on_click=lambda p=person: (dialog.close(), self.remove(p))) \
                                .props('flat dense no-caps color=negative ' + aria('Remove {name}', name=person.name)) \
                                .mark(f'remove-{person.email or person.id}')
            with ui.row().classes('w-full justify-end gap-2 pt-2'):
                if conversation.is_customer:
                    ui.button(_('Add customer'), icon='person_add', on_click=lambda: (dialog.close(),
                                                                                   self.add_customer())) \
                        .props('flat no-caps').mark('add-customer')
                ui.button(_('Add teammate'), icon='person_add',
                          on_click=lambda: (dialog.close(), self.add_teammate())) \
                    .props('unelevated no-caps').mark('add-teammate')
        dialog.on('hide', dialog.delete)
        dialog.open()

    def add_teammate(self) -> None:
        present = {p.id for p in self.conversation.participants}
        person_dialog(N_('Add participant'), N_('Search teammates'), NO_MATCH,
                      lambda text: self.parley.directory.search_agents(self.agent, text, exclude_ids=present,
                                                                       limit=50),
                      lambda person: self._do(lambda: self.handoff.add_participants(
                          self.agent, self.conversation.id, [person.id]), _('{name} added.').format(name=person.name)),
                      hint=HISTORY_NOTE, marker='add-participant-dialog')

    def add_customer(self) -> None:
        present = {p.id for p in self.conversation.participants}
        person_dialog(N_('Add customer'), N_('Search customers'), NO_CUSTOMER,
                      lambda text: self.parley.directory.search_customers(self.agent, text, exclude_ids=present,
                                                                          limit=50),
                      self._confirm_customer, hint=HISTORY_NOTE, marker='add-customer-dialog')

    def _confirm_customer(self, person: UserView) -> None:
        self._confirm(_('Add {name}?').format(name=person.name), _(CUSTOMER_NOTE).format(name=person.name),
                      _('Add customer'),
                      lambda: self._do(lambda: self.handoff.add_participants(self.agent, self.conversation.id,
                                                                             [person.id]),
                                       _('{name} added.').format(name=person.name)))

    def remove(self, person: UserView) -> None:
        self._confirm(_('Remove {name}?').format(name=person.name),
                      _('{name} will no longer see this conversation, from now on.').format(name=person.name),
                      _('Remove'), lambda: self._do(lambda: self.handoff.remove_participant(
                          self.agent, self.conversation.id, person.id), _('{name} removed.').format(name=person.name)),
                      danger=True)

    def leave(self) -> None:
        conversation = self.conversation
        others = [p for p in conversation.participants if p.kind == UserKind.AGENT and p.id != self.agent.id]
        if conversation.is_customer and not others and not conversation.unassigned:
            with ui.dialog() as dialog, ui.card().classes('w-full max-w-md p-4 gap-3').mark('leave-dialog'):
                ui.label(_('Hand it on before you leave')).classes('text-lg font-semibold') \
                    .props('role=heading aria-level=2')
                ui.label(_('You are the last agent here: the customer must not be left without anyone.')) \
                    .classes('text-sm text-slate-600')
                with ui.row().classes('w-full justify-end gap-2'):
                    ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps')
                    ui.button(_('To Unassigned'), on_click=lambda: (dialog.close(), self._do(
                        lambda: self.handoff.leave(self.agent, conversation.id, to_unassigned=True),
                        _('You left; it waits in Unassigned.'), gone=True))).props('outline no-caps') \
                        .mark('leave-unassigned')
                    ui.button(_('To a teammate…'), on_click=lambda: (dialog.close(), self._hand_to())) \
                        .props('unelevated no-caps').mark('leave-teammate')
            dialog.on('hide', dialog.delete)
            dialog.open()
            return
        self._confirm(_('Leave conversation?'), _('You will no longer see it or be told about it. Someone in it can '
                                                  'add you again.'), _('Leave'),
                      lambda: self._do(lambda: self.handoff.leave(self.agent, conversation.id),
                                       _('You left the conversation.'), gone=True), danger=True)

    def _hand_to(self) -> None:
        person_dialog(N_('Hand it to'), N_('Search teammates'), NO_MATCH,
                      lambda text: self.parley.directory.search_agents(self.agent, text, limit=50),
                      lambda person: self._do(lambda: self.handoff.leave(self.agent, self.conversation.id,
                                                                         hand_to=person.id),
                                              _('You left; {name} has it now.').format(name=person.name), gone=True))

    # ----- assign, rename, link -------------------------------------------------------------------

    def assign(self) -> None:
        me = self.agent
        person_dialog(N_('Assign to'), N_('Search teammates'), NO_MATCH,
                      lambda text: self.parley.directory.search_agents(me, text, limit=50),
                      lambda person: self._do(lambda: self.handoff.assign(me, self.conversation.id, person.id),
                                              _('Assigned to {name}.').format(name=person.name)),
                      first=lambda: self._do(lambda: self.handoff.assign(me, self.conversation.id, me.id),
                                             _('Assigned to you.')),
                      first_label=N_('Assign to me'), marker='assign-dialog')

    def unassign(self) -> None:
        self._do(lambda: self.handoff.unassign(self.agent, self.conversation.id),
                 _('Back in Unassigned: every agent sees it waiting.'))

    def rename(self) -> None:
        form = FormDialog(_('Rename conversation'), _('Rename'), marker='rename-dialog', confirm='confirm-rename',
                          after=self.changed)
        with form.body:
            subject = ui.input(_('Subject'), value=self.conversation.subject or '') \
                .props('outlined dense autofocus maxlength=200 counter').classes('w-full').mark('subject')
            ui.label(_('Leave it empty to name it after its people.')).classes('text-xs text-slate-500 -mt-2')
            subject.on('keydown.enter', form.submit)
        form.run = lambda: self.handoff.rename(self.agent, self.conversation.id, subject.value or '')
        form.open()

    def link(self) -> None:
        with ui.dialog() as dialog, ui.card().classes('w-full max-w-md p-4 gap-3').mark('link-dialog'):
            ui.label(_('Link to a ticket or task')).classes('text-lg font-semibold').props('role=heading aria-level=2')
            query = ui.input(_('Search tickets and tasks'), placeholder=_('A title, or T-12 / K-7')) \
                .props('outlined dense autofocus clearable').classes('w-full').mark('item-search')
            results = ui.column().classes('w-full gap-0 max-h-80 overflow-y-auto')

            def show() -> None:
                results.clear()
                text = (query.value or '').strip()
                found = []
                for kind in ('ticket', 'task'):
                    found += self.parley.items.list(self.agent, kind, query=text, limit=10)
                with results:
                    if not found:
                        ui.label(_('No matching tickets or tasks')).classes('text-slate-500 p-3')
                    for item in found:
                        with ui.item(on_click=lambda i=item: (dialog.close(), self._link(i.id))) \
                                .classes('w-full rounded-md parley-item').mark(f'item-{item.link.ref}'):
                            with ui.item_section().props('avatar'):
                                ui.icon('confirmation_number' if item.kind == ItemKind.TICKET else 'task_alt',
                                        color='primary')
                            with ui.item_section():
                                ui.item_label(item.link.label)
                                ui.item_label(item.status_label).props('caption')

            query.on_value_change(show)
            show()
        dialog.on('hide', dialog.delete)
        dialog.open()

    def _link(self, item_id: int) -> None:
        self._do(lambda: self.handoff.link_item(self.agent, self.conversation.id, item_id), _('Linked.'))

    def create_ticket(self) -> None:
        try:
            title, customer = self.handoff.ticket_proposal(self.agent, self.conversation.id)
        except ParleyError as problem:
            ui.notify(str(problem), type='negative')
            return
        form = FormDialog(_('Create ticket'), _('Create ticket'), marker='ticket-dialog', confirm='confirm-ticket',
                          after=self.changed)
        with form.body:
            field = ui.input(_('Title'), value=title).props('outlined dense autofocus maxlength=200') \
                .classes('w-full') \
                .mark('ticket-title')
            if customer is not None:
                ui.label(_('For {name}; this conversation is linked to it.').format(
                           name=customer.name)).classes('text-sm text-slate-600')

        def create() -> str:
            link = self.handoff.create_ticket(self.agent, self.conversation.id, title=field.value or '')
            return _('{ticket} created and linked.').format(ticket=link.label)
        form.run = create
        form.open()

    # ----- plumbing -------------------------------------------------------------------------------

    def _confirm(self, title: str, text: str, action: str, then: Callable[[], None], *, danger: bool = False) -> None:
        form = FormDialog(title, action, marker='confirm-dialog', confirm='confirm', hint=text, danger=danger)
        form.run = lambda: then()   # (then says how it went itself)
        form.open()

    def _do(self, action: Callable[[], object], said: str, *, gone: bool = False) -> None:
        """A service call; after it the page reads the conversation again, or (gone from it) goes to the list."""
        attempt(action, said, (lambda: ui.navigate.to('/messenger')) if gone else self.changed)


def _role(person: UserView, conversation: ConversationView) -> str:
    if person.kind == UserKind.CUSTOMER:
        return ' · '.join(filter(None, [_('Customer'), person.email, person.organization]))
    if conversation.assignee is not None and conversation.assignee.id == person.id:
        return _('Agent · has this conversation')
    return _('Agent')
