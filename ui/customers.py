"""A customer's page (/customers/{id}): details any agent may correct, their conversations the agent may open,
their tickets and the emails received from them, "Start conversation" and "New ticket" with them filled in; for
admins, sign out everywhere, export everything Parley holds about them, and delete them."""
from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse
from nicegui import app, ui

from services.i18n import LANGUAGES, N_, _, default as default_language, number, pN_, pgettext
from services.container import Parley
from services.drafts import new_draft
from services.errors import NotFound, ParleyError
from services.views import ConversationStatus, ItemKind, UserView, preview_shown
from ui.i18n import aria
from ui.dialogs import FormDialog
from ui.formatting import full_time, list_time, viewer_zone
from ui.inbound_admin import OUTCOMES
from ui.items import item_dialog
from ui.messenger import DRAFT_KEY, DRAFT_PATH
from ui.session import current_agent, first_things_first, login_redirect
from ui.theme import agent_page, avatar

PAGE = 'w-full max-w-4xl mx-auto p-4 md:p-6 gap-4'
STATUS = {ConversationStatus.OPEN: (pN_('conversation', 'Open'), 'positive'),
          ConversationStatus.SNOOZED: (pN_('conversation', 'Snoozed'), 'amber-8'),
          ConversationStatus.CLOSED: (pN_('conversation', 'Closed'), 'grey-7')}


def customer_path(customer_id: int) -> str:
    return f'/customers/{customer_id}'


def register(parley: Parley) -> None:
    agent_page(parley, '/customers/{customer_id}', N_('Customer'),
               lambda agent, request: CustomerPage(parley, agent, request), active='/admin/customers')

    @app.get('/customers/{customer_id}/export.json')
    def export(customer_id: str, request: Request):
        """Everything about the customer as a JSON download (admins; logged)."""
        agent = current_agent(parley)
        if agent is None:
            return login_redirect(request.url.path)
        if (first := first_things_first(agent)) is not None:
            return first
        if not agent.is_admin:
            return PlainTextResponse('Not found', status_code=404)
        try:
            data = parley.customers.export(agent, _id(customer_id))
        except NotFound:
            return PlainTextResponse('Not found', status_code=404)
        return JSONResponse(data, headers={
            'Content-Disposition': f'attachment; filename="parley-customer-{data["customer"]["id"]}.json"',
            'Cache-Control': 'no-store'})


class CustomerPage:
    def __init__(self, parley: Parley, agent: UserView, request: Request) -> None:
        self.parley, self.agent, self.zone = parley, agent, viewer_zone(request, agent)
        raw = request.path_params.get('customer_id', '')
        try:
            self.customer = parley.directory.get_customer(agent, _id(raw))
        except NotFound:
            with ui.column().classes('w-full items-center text-center gap-2 p-10').mark('customer-not-found'):
                ui.icon('person_off', size='xl', color='grey-5')
                ui.label(_('Customer not found')).classes('text-lg font-semibold')
                ui.label(_('They may have been deleted, or the link is mistyped.')).classes('text-slate-500')
            return
        with ui.column().classes(PAGE):
            self._details()
            self._conversations()
            self._tickets()
            self._emails()

    @ui.refreshable_method
    def _details(self) -> None:
        customer = self.customer
        with ui.row().classes('w-full items-center gap-3 no-wrap'):
            avatar(customer, size='56px', color='light-blue-1', text_color='light-blue-9')
            with ui.column().classes('gap-0 min-w-0 flex-1'):
                ui.label(customer.name).classes('text-xl font-semibold truncate').props('role=heading aria-level=1')
                ui.label(' · '.join(filter(None, [customer.email, customer.organization]))) \
                    .classes('text-sm text-slate-600 truncate')
            ui.button(icon='edit', on_click=self._edit).props('flat round ' + aria('Edit details')) \
                .tooltip(_('Edit details')).mark('edit-customer')
        with ui.row().classes('w-full items-center gap-2 no-wrap'):
            ui.icon('translate', size='xs', color='grey-7')
            ui.select({'': _('Team default ({language})').format(language=LANGUAGES[default_language()])} |
                      LANGUAGES, value=customer.language or '', label=_('Language of the live chat and emails'),
                      on_change=lambda e: self._set_language(e.value)) \
                .props('dense borderless options-dense').classes('min-w-[16rem]').mark('customer-language')
        with ui.row().classes('w-full gap-2 flex-wrap'):
            ui.button(_('Start conversation'), icon='add_comment', on_click=self._start) \
                .props('unelevated no-caps').mark('customer-start-conversation')
            ui.button(_('New ticket'), icon='confirmation_number',
                      on_click=lambda: item_dialog(self.parley, self.agent, ItemKind.TICKET,
                                                   customer_of_new=self.customer)) \
                .props('outline no-caps').mark('customer-new-ticket')
            if self.agent.is_admin:
                ui.space()
                with ui.button(icon='more_horiz').props('flat round ' + aria('More for this customer')) \
                        .mark('customer-more'):
                    with ui.menu().props('auto-close'):
                        ui.menu_item(_('Sign out of the live chat everywhere'), on_click=self._sign_out) \
                            .mark('customer-sign-out')
                        ui.menu_item(_('Export their data (JSON)'), on_click=self._export).mark('customer-export')
                        ui.menu_item(_('Delete customer…'), on_click=self._delete).mark('customer-delete') \
                            .classes('text-negative')

    def _conversations(self) -> None:
        rows = self.parley.conversations.with_customer(self.agent, self.customer.id)
        with _section(_('Conversations'), len(rows)):
            if not rows:
                ui.label(_('No conversations you can open.')).classes('text-sm text-slate-500 px-4 py-3')
            for conversation in rows:
                label, color = STATUS[conversation.status]
                with ui.link(target=f'/messenger/{conversation.id}').classes('w-full no-underline text-inherit'):
                    with ui.row().classes('w-full items-center gap-3 px-4 py-2 no-wrap hover:bg-slate-50'):
                        with ui.column().classes('gap-0 min-w-0 flex-1'):
                            ui.label(conversation.title).classes('font-medium truncate')
                            ui.label(preview_shown(conversation.last_message_preview)) \
                                .classes('text-sm text-slate-500 truncate')
                        ui.badge(pgettext(*label), color=color).props('outline')
                        ui.label(list_time(conversation.last_message_at, self.zone)) \
                            .classes('text-xs text-slate-500 shrink-0')

    def _tickets(self) -> None:
        tickets = self.parley.items.list(self.agent, ItemKind.TICKET, customer_id=self.customer.id)
        with _section(_('Tickets'), len(tickets)):
            if not tickets:
                ui.label(_('No tickets.')).classes('text-sm text-slate-500 px-4 py-3')
            for ticket in tickets:
                with ui.link(target=ticket.link.path).classes('w-full no-underline text-inherit'):
                    with ui.row().classes('w-full items-center gap-3 px-4 py-2 no-wrap hover:bg-slate-50'):
                        ui.label(f'#{ticket.link.ref}').classes('text-sm text-slate-500 shrink-0')
                        ui.label(ticket.title).classes('font-medium truncate flex-1')
                        ui.badge(ticket.status_label, color='grey-7').props('outline')

    def _emails(self) -> None:
        emails = self.parley.inbound.received_from(self.agent, self.customer.id)
        with _section(_('Emails received'), len(emails)):
            if not emails:
                ui.label(_('No email from them yet.')).classes('text-sm text-slate-500 px-4 py-3')
            for email in emails:
                label, color = OUTCOMES.get(email.outcome, (email.outcome, 'grey-7'))
                with ui.row().classes('w-full items-center gap-3 px-4 py-2 no-wrap'):
                    with ui.column().classes('gap-0 min-w-0 flex-1'):
                        ui.label(email.subject or _('(no subject)')).classes('font-medium truncate')
                        ui.label(email.body[:200]).classes('text-sm text-slate-500 truncate')
                    ui.badge(_(label), color=color).props('outline')
                    ui.label(list_time(email.received_at, self.zone)).classes('text-xs text-slate-500 shrink-0') \
                        .tooltip(full_time(email.received_at, self.zone))

    # ----- actions ----------------------------------------------------------------------------

    def _edit(self) -> None:
        form = FormDialog(_('Edit customer'), _('Save'), marker='edit-customer-dialog', confirm='save-customer',
                          after=self._details.refresh)
        with form.body:
            name = ui.input(_('Name'), value=self.customer.name).props('outlined autofocus').classes('w-full')
            email = ui.input(_('Email'), value=self.customer.email).props('outlined type=email').classes('w-full')
            organization = ui.input(_('Organization'), value=self.customer.organization or '').props('outlined') \
                .classes('w-full')

        def run() -> str:
            self.customer = self.parley.directory.update_customer(self.agent, self.customer.id, name=name.value,
                                                                  email=email.value, organization=organization.value)
            return _('Saved.')
        form.run = run
        form.open()

    def _set_language(self, language: str) -> None:
        try:
            self.customer = self.parley.directory.set_customer_language(self.agent, self.customer.id, language or None)
        except ParleyError as problem:
            ui.notify(str(problem), type='negative')
            return
        ui.notify(_('Saved. Their live chat and emails use it from now on.'))

    def _start(self) -> None:
        """The messenger's draft of a conversation with this customer."""
        draft = new_draft('customer')
        draft['customers'] = [self.customer.id]
        app.storage.user[DRAFT_KEY] = draft
        ui.navigate.to(DRAFT_PATH)

    def _sign_out(self) -> None:
        form = FormDialog(_('Sign {name} out everywhere?').format(name=self.customer.name), _('Sign out everywhere'),
                          marker='customer-sign-out-dialog', confirm='confirm-customer-sign-out',
                          hint=_('Their live-chat tabs end and the chat links in emails they got stop working. They '
                                 'can start a new chat.'))
        form.run = lambda: (self.parley.directory.sign_out_customer_everywhere(self.agent, self.customer.id) and
                            _('{name} is signed out of the live chat everywhere.').format(name=self.customer.name))
        form.open()

    def _export(self) -> None:
        form = FormDialog(_("Export {name}'s data?").format(name=self.customer.name), _('Download JSON'),
                          marker='customer-export-dialog',
                          confirm='confirm-customer-export',
                          hint=_('One JSON file with their details, the messages they could see (never internal '
                                 'notes), their tickets and the emails received from them. The export is recorded '
                                 'in the audit log. Keep the file safe and pass it only to them.'))
        form.run = lambda: ui.download.from_url(f'{customer_path(self.customer.id)}/export.json') or _('Downloading.')
        form.open()

    def _delete(self) -> None:
        name = self.customer.name
        form = FormDialog(_('Delete {name}?').format(name=name), _('Delete customer'), marker='customer-delete-dialog',
                          confirm='confirm-customer-delete', danger=True,
                          hint=_('Their name and email address are removed everywhere, and the emails received from '
                                 'them and their reply addresses are deleted. Their messages stay in the '
                                 'conversations, shown as "Deleted customer". This cannot be undone; export their '
                                 'data first if they asked for it.'))

        def run() -> str:
            self.parley.customers.delete(self.agent, self.customer.id)
            return _('{name} is deleted.').format(name=name)
        form.run = run
        form.after = lambda: ui.navigate.to('/admin/customers')
        form.open()


def _id(raw: str) -> int:
    """A customer id from a URL (plain digits only; anything else names nobody: 0, "not found")."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else 0


def _section(title: str, count: int):
    with ui.column().classes('w-full gap-0 bg-white rounded-lg border border-slate-200') as box:
        with ui.row().classes('w-full items-center gap-2 px-4 py-2 border-b border-slate-100'):
            ui.label(title).classes('font-semibold').props('role=heading aria-level=2')
            ui.badge(number(count), color='grey-3', text_color='grey-9').props('rounded')
    return box

