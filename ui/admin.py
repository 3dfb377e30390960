"""Admin pages: customers, agents, the live chat set-up, the outbox, unmatched email."""
from collections.abc import Callable

from fastapi import Request
from nicegui import ui

from services.container import Parley
from services.passwords import temporary_password
from services.errors import ParleyError
from services.mail import MAX_ATTEMPTS
from services.views import UserView
from ui.embed import embed_origins, snippet
from ui.formatting import full_time, viewer_zone
from ui.inbound_admin import UnmatchedEmailPage
from ui.theme import agent_page, avatar

PAGE = 'w-full max-w-4xl mx-auto p-4 md:p-6 gap-4'


def register(parley: Parley) -> None:
    _admin_page(parley, '/admin/customers', 'Customers', lambda admin, _request: CustomersPage(parley, admin))
    _admin_page(parley, '/admin/agents', 'Agents', lambda admin, _request: AgentsPage(parley, admin))
    _admin_page(parley, '/admin/outbox', 'Outbox',
                lambda admin, request: _outbox(parley, admin, viewer_zone(request)))
    _admin_page(parley, '/admin/live-chat', 'Live chat', lambda admin, _request: _live_chat(parley))
    _admin_page(parley, '/admin/email', 'Unmatched email',
                lambda admin, request: UnmatchedEmailPage(parley, admin, viewer_zone(request)))


def _admin_page(parley: Parley, path: str, title: str, build: Callable[[UserView, Request], object]) -> None:
    """A page for admins: others are asked to sign in, or told it is not for them."""
    agent_page(parley, path, title, lambda agent, request: build(agent, request) if _admins_only(agent) else None)


def _live_chat(parley: Parley) -> None:
    """How to put the chat on the team's web site, and how it is set up."""
    settings = parley.settings
    with ui.column().classes(PAGE):
        ui.label('Live chat').classes('text-xl font-semibold').props('role=heading aria-level=1')
        ui.label('Customers chat with you from a button on your web site. Add this line to every page, just '
                 'before </body>:').classes('text-sm text-slate-600')
        code = snippet(parley)
        with ui.row().classes('w-full no-wrap items-start gap-2'):
            ui.code(code, language='html').classes('flex-1 min-w-0').mark('widget-snippet')
        origins = embed_origins(settings.embed_origins)
        with ui.card().classes('w-full gap-2'):
            ui.label('Where the chat may appear').classes('font-semibold')
            if origins:
                ui.label('Browsers show the chat only on: ' + ', '.join(origins) + ' (PARLEY_EMBED_ORIGINS).') \
                    .classes('text-sm wrap-anywhere')
            else:
                ui.label('PARLEY_EMBED_ORIGINS is not set, so browsers show the chat only on Parley itself. Set it '
                         'to your site, e.g. PARLEY_EMBED_ORIGINS="https://www.example.com".') \
                    .classes('text-sm text-amber-800 wrap-anywhere')
        with ui.card().classes('w-full gap-2'):
            ui.label('Signed-in customers (identity verification)').classes('font-semibold')
            if settings.widget_secret:
                ui.label('On. When your site knows who is signed in, pass their email and its signature, computed '
                         'on your server, before the widget line:').classes('text-sm')
                ui.code('<script>window.ParleySettings = {email: "ana@example.com", name: "Ana Costa",\n'
                        '  signature: "HEX HMAC-SHA256 of the lower-cased email with PARLEY_WIDGET_SECRET"};'
                        '</script>', language='html').classes('w-full')
                ui.code('import hmac, hashlib\nsignature = hmac.new(SECRET.encode(), email.lower().encode(), '
                        'hashlib.sha256).hexdigest()', language='python').classes('w-full')
            else:
                ui.label('Off. Set PARLEY_WIDGET_SECRET to let your site vouch for signed-in customers; until then '
                         'visitors give their name and email in a short form.').classes('text-sm')
        with ui.row().classes('gap-2'):
            ui.button('Open the live chat', icon='open_in_new',
                      on_click=lambda: ui.navigate.to('/chat', new_tab=True)).props('outline no-caps')
            if settings.demo:
                ui.button('Try it on the demo site', icon='storefront',
                          on_click=lambda: ui.navigate.to('/demo/site', new_tab=True)).props('unelevated no-caps')


def _outbox(parley: Parley, admin: UserView, zone) -> None:
    """Every email Parley sent or keeps, newest first, readable as the customer gets it."""
    with ui.column().classes(PAGE):
        ui.label('Outbox').classes('text-xl font-semibold').props('role=heading aria-level=1')
        hint = ('Email goes out through the configured SMTP server.' if parley.mail.smtp else
                'No SMTP server is configured (PARLEY_SMTP_URL), so email is kept here instead of sent.')
        ui.label(hint).classes('text-sm text-slate-500')
        if parley.listener is not None:
            ui.label(f'Customers answer through the Reply-To address. Replies reach Parley by SMTP on '
                     f'{parley.listener.host}:{parley.listener.port}; to try one, send an email there to that '
                     'address from the customer\'s address.').classes('text-sm text-slate-500')
        emails = parley.mail.list_outbox(admin)
        if not emails:
            ui.label('No email yet.').classes('text-slate-500 p-4')
        for email in emails:
            title = f'{email.subject} → {email.to_name or email.to_address}'
            with ui.expansion(title, caption=f'{_STATUS[email.status]} · {full_time(email.created_at, zone)}') \
                    .classes('w-full bg-white rounded-lg border border-slate-200') as row:
                ui.label(f'To: {email.to_name} <{email.to_address}>').classes('text-sm')
                if email.reply_to:
                    ui.label(f'Reply-To: {email.reply_to}').classes('text-sm')
                if email.last_error and email.status == 'sent':
                    ui.label(f'Sent after an earlier error: {email.last_error}').classes('text-sm text-slate-500')
                ui.label(email.text_body).classes('parley-bubble text-sm mt-2 p-3 bg-slate-50 rounded-md w-full')
            if email.last_error and email.status in ('retrying', 'failed'):
                with row.add_slot('header'):   # the error is what the admin came for: shown without opening
                    _outbox_header(email, title, zone)


def _outbox_header(email, title: str, zone) -> None:
    """An email that failed: its title, status and the server's answer, readable with the row closed."""
    with ui.item_section().classes('min-w-0'):
        ui.item_label(title)
        ui.item_label(f'{_STATUS[email.status]} · {full_time(email.created_at, zone)}').props('caption')
        retry = (f' Next try {full_time(email.next_attempt_at, zone)}.'
                 if email.status == 'retrying' and email.next_attempt_at else '')
        ui.item_label(f'Attempt {email.attempts} of {MAX_ATTEMPTS} failed: {email.last_error}{retry}') \
            .classes('text-sm text-negative wrap-anywhere').mark(f'outbox-error-{email.id}')


_STATUS = {'queued': 'Queued', 'retrying': 'Retrying after an error', 'sent': 'Sent', 'failed': 'Failed',
           'kept': 'Kept (no SMTP server)'}


class CustomersPage:
    def __init__(self, parley: Parley, admin: UserView) -> None:
        self.parley, self.admin = parley, admin
        with ui.column().classes(PAGE):
            with ui.row().classes('w-full items-center gap-3'):
                ui.label('Customers').classes('text-xl font-semibold').props('role=heading aria-level=1')
                ui.space()
                ui.button('Add customer', icon='person_add', on_click=lambda: self._edit(None)) \
                    .props('unelevated no-caps')
            self.search = ui.input('Search by name, email or organization', on_change=lambda: self._rows.refresh()) \
                .props('outlined dense clearable debounce=250').classes('w-full')
            self._rows()

    @ui.refreshable_method
    def _rows(self) -> None:
        people = self.parley.directory.list_customers(self.admin, self.search.value or '')
        if not people:
            ui.label('No customers match.' if self.search.value else 'No customers yet. Add the first one.') \
                .classes('text-slate-500 p-4')
            return
        with ui.list().props('bordered separator').classes('w-full bg-white rounded-lg'):
            for person in people:
                with ui.item().classes('py-3'):
                    with ui.item_section().props('avatar'):
                        avatar(person, size='36px')
                    with ui.item_section().classes('min-w-0'):
                        ui.item_label(person.name).classes('font-medium')
                        ui.item_label(' · '.join(filter(None, [person.email, person.organization]))) \
                            .props('caption').classes('truncate')
                    with ui.item_section().props('side'):
                        with ui.row().classes('gap-0 no-wrap'):
                            name = person.name.replace(chr(34), '')
                            ui.button(icon='logout', on_click=lambda p=person: self._sign_out(p)) \
                                .props(f'flat round dense aria-label="Sign {name} out of the live chat everywhere"') \
                                .tooltip('Sign out of the live chat everywhere').mark(f'sign-out-{person.email}')
                            ui.button(icon='edit', on_click=lambda p=person: self._edit(p)) \
                                .props(f'flat round dense aria-label="Edit {name}"').mark(f'edit-{person.email}')

    def _sign_out(self, customer: UserView) -> None:
        """Ends their chat tabs and makes the chat links in earlier emails stop working."""
        try:
            self.parley.directory.sign_out_customer_everywhere(self.admin, customer.id)
        except ParleyError as problem:
            ui.notify(str(problem), type='negative')
            return
        ui.notify(f'{customer.name} is signed out of the live chat everywhere; earlier email links no longer '
                  'open it. They can start a new chat.', multi_line=True)

    def _edit(self, customer: UserView | None) -> None:
        def save(name: str, email: str, organization: str) -> None:
            if customer is None:
                self.parley.directory.add_customer(self.admin, name=name, email=email, organization=organization)
            else:
                self.parley.directory.update_customer(self.admin, customer.id, name=name, email=email,
                                                      organization=organization)
            self._rows.refresh()
        _person_dialog('Add customer' if customer is None else 'Edit customer', save, customer,
                       ask_organization=True)


class AgentsPage:
    def __init__(self, parley: Parley, admin: UserView) -> None:
        self.parley, self.admin = parley, admin
        with ui.column().classes(PAGE):
            with ui.row().classes('w-full items-center gap-3'):
                ui.label('Agents').classes('text-xl font-semibold').props('role=heading aria-level=1')
                ui.space()
                ui.button('Add agent', icon='person_add', on_click=self._add).props('unelevated no-caps')
            ui.label('Deactivated agents are signed out, cannot sign in and are not offered as participants; '
                     'their messages stay.').classes('text-sm text-slate-500')
            self._rows()

    @ui.refreshable_method
    def _rows(self) -> None:
        with ui.list().props('bordered separator').classes('w-full bg-white rounded-lg'):
            for person in self.parley.directory.list_agents(self.admin):
                with ui.item().classes('py-3' + ('' if person.is_active else ' opacity-60')):
                    with ui.item_section().props('avatar'):
                        avatar(person, size='36px')
                    with ui.item_section().classes('min-w-0'):
                        with ui.row().classes('items-center gap-2'):
                            ui.label(person.name).classes('font-medium')
                            if person.is_admin:
                                ui.badge('Admin', color='indigo-1', text_color='indigo-9')
                            if not person.is_active:
                                ui.badge('Deactivated', color='grey-3', text_color='grey-9')
                        ui.item_label(person.email).props('caption')
                    if person.id != self.admin.id:
                        with ui.item_section().props('side'):
                            label = 'Reactivate' if not person.is_active else 'Deactivate'
                            ui.button(label, on_click=lambda p=person: self._toggle(p)) \
                                .props('flat no-caps dense' + ('' if person.is_active else ' color=positive')) \
                                .mark(f'{label.lower()}-{person.email}')

    def _toggle(self, person: UserView) -> None:
        try:
            self.parley.directory.set_agent_active(self.admin, person.id, active=not person.is_active)
        except ParleyError as problem:
            ui.notify(str(problem), type='negative')
            return
        ui.notify(f'{person.name} {"can sign in again" if not person.is_active else "is deactivated"}.')
        self._rows.refresh()

    def _add(self) -> None:
        password = temporary_password()

        def save(name: str, email: str, _organization: str, is_admin: bool = False) -> None:
            self.parley.directory.add_agent(self.admin, name=name, email=email, password=password,
                                            is_admin=is_admin)
            self._rows.refresh()
            ui.notify(f'{name} can sign in as {email.strip().lower()} with the temporary password {password}',
                      multi_line=True, timeout=0, close_button='Done')
        _person_dialog('Add agent', save, None, ask_admin=True,
                       note=f'Temporary password: {password} (shown once more after saving; pass it on).')


def _person_dialog(title: str, save: Callable[..., None], person: UserView | None, *,
                   ask_organization: bool = False, ask_admin: bool = False, note: str = '') -> None:
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-md p-5 gap-3'):
        ui.label(title).classes('text-lg font-semibold')
        name = ui.input('Name', value=person.name if person else '').props('outlined autofocus').classes('w-full')
        email = ui.input('Email', value=person.email if person else '').props('outlined type=email') \
            .classes('w-full')
        organization = ui.input('Organization', value=(person.organization or '') if person else '') \
            .props('outlined').classes('w-full')
        organization.visible = ask_organization
        admin = ui.checkbox('Admin: can manage customers and agents')
        admin.visible = ask_admin
        if note:
            ui.label(note).classes('text-sm text-slate-600')
        error = ui.label().classes('text-negative text-sm').props('role=alert')

        def submit() -> None:
            try:
                if ask_admin:
                    save(name.value, email.value, organization.value, is_admin=admin.value)
                else:
                    save(name.value, email.value, organization.value)
            except ParleyError as problem:
                error.text = str(problem)
                return
            dialog.delete()

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Cancel', on_click=dialog.delete).props('flat no-caps')
            ui.button('Save', on_click=submit).props('unelevated no-caps')
        email.on('keydown.enter', submit)
    dialog.on('hide', dialog.delete)
    dialog.open()


def _admins_only(agent: UserView) -> bool:
    if agent.is_admin:
        return True
    with ui.column().classes('w-full items-center text-center gap-2 p-10'):
        ui.icon('lock', size='xl', color='grey-5')
        ui.label('Page not found').classes('text-lg font-semibold')
        ui.label('Only admins manage customers and agents.').classes('text-slate-500')
    return False
