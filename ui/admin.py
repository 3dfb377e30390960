"""Admin pages: customers, agents, the live chat set-up, the outbox, unmatched email."""
from collections.abc import Callable

from fastapi import Request
from nicegui import ui

from services.i18n import N_, _
from services.container import Parley
from services.passwords import temporary_password
from services.errors import ParleyError
from services.audit import WHAT
from services.mail import MAX_ATTEMPTS
from services.views import UserView
from ui.i18n import aria
from ui.embed import embed_origins, snippet
from ui.formatting import full_time, viewer_zone
from ui.inbound_admin import UnmatchedEmailPage
from ui.dialogs import FormDialog, attempt
from ui.theme import AUDIT_PATH, agent_page, avatar

PAGE = 'w-full max-w-4xl mx-auto p-4 md:p-6 gap-4'


def register(parley: Parley) -> None:
    _admin_page(parley, '/admin/customers', N_('Customers'), lambda admin, _request: CustomersPage(parley, admin))
    _admin_page(parley, '/admin/agents', N_('Agents'), lambda admin, _request: AgentsPage(parley, admin))
    _admin_page(parley, '/admin/outbox', N_('Outbox'),
                lambda admin, request: _outbox(parley, admin, viewer_zone(request, admin)))
    _admin_page(parley, '/admin/live-chat', N_('Live chat'), lambda admin, _request: _live_chat(parley))
    _admin_page(parley, '/admin/email', N_('Unmatched email'),
                lambda admin, request: UnmatchedEmailPage(parley, admin, viewer_zone(request, admin)))
    _admin_page(parley, AUDIT_PATH, N_('Audit log'),
                lambda admin, request: AuditPage(parley, admin, viewer_zone(request, admin)))


def _admin_page(parley: Parley, path: str, title: str, build: Callable[[UserView, Request], object]) -> None:
    """A page for admins: others are asked to sign in, or told it is not for them."""
    agent_page(parley, path, title, lambda agent, request: build(agent, request) if _admins_only(agent) else None)


def _live_chat(parley: Parley) -> None:
    """How to put the chat on the team's web site, and how it is set up."""
    settings = parley.settings
    with ui.column().classes(PAGE):
        ui.label(_('Live chat')).classes('text-xl font-semibold').props('role=heading aria-level=1')
        ui.label(_('Customers chat with you from a button on your web site. Add this line to every page, just '
                   'before </body>:')).classes('text-sm text-slate-600')
        code = snippet(parley)
        with ui.row().classes('w-full no-wrap items-start gap-2'):
            ui.code(code, language='html').classes('flex-1 min-w-0').mark('widget-snippet')
        origins = embed_origins(settings.embed_origins)
        with ui.card().classes('w-full gap-2'):
            ui.label(_('Where the chat may appear')).classes('font-semibold')
            if origins:
                ui.label('Browsers show the chat only on: ' + ', '.join(origins) + ' (PARLEY_EMBED_ORIGINS).') \
                    .classes('text-sm wrap-anywhere')
            else:
                ui.label(_('PARLEY_EMBED_ORIGINS is not set, so browsers show the chat only on Parley itself. Set '
                           'it to your site, e.g. PARLEY_EMBED_ORIGINS="https://www.example.com".')) \
                    .classes('text-sm text-amber-800 wrap-anywhere')
        with ui.card().classes('w-full gap-2'):
            ui.label(_('Signed-in customers (identity verification)')).classes('font-semibold')
            if settings.widget_secret:
                ui.label(_('On. When your site knows who is signed in, pass their email and its signature, computed '
                           'on your server, before the widget line:')).classes('text-sm')
                ui.code('<script>window.ParleySettings = {email: "ana@example.com", name: "Ana Costa",\n'
                        '  signature: "HEX HMAC-SHA256 of the lower-cased email with PARLEY_WIDGET_SECRET"};'
                        '</script>', language='html').classes('w-full')
                ui.code('import hmac, hashlib\nsignature = hmac.new(SECRET.encode(), email.lower().encode(), '
                        'hashlib.sha256).hexdigest()', language='python').classes('w-full')
            else:
                ui.label(_('Off. Set PARLEY_WIDGET_SECRET to let your site vouch for signed-in customers; until '
                           'then visitors give their name and email in a short form.')).classes('text-sm')
        with ui.row().classes('gap-2'):
            ui.button(_('Open the live chat'), icon='open_in_new',
                      on_click=lambda: ui.navigate.to('/chat', new_tab=True)).props('outline no-caps')
            if settings.demo:
                ui.button(_('Try it on the demo site'), icon='storefront',
                          on_click=lambda: ui.navigate.to('/demo/site', new_tab=True)).props('unelevated no-caps')


def _outbox(parley: Parley, admin: UserView, zone) -> None:
    """Every email Parley sent or keeps, newest first, readable as the customer gets it."""
    with ui.column().classes(PAGE):
        ui.label(_('Outbox')).classes('text-xl font-semibold').props('role=heading aria-level=1')
        hint = (_('Email goes out through the configured SMTP server.') if parley.mail.smtp else
                _('No SMTP server is configured (PARLEY_SMTP_URL), so email is kept here instead of sent.'))
        ui.label(hint).classes('text-sm text-slate-500')
        if parley.listener is not None:
            ui.label(_('Customers answer through the Reply-To address. Replies reach Parley by SMTP on '
                       '{host}:{port}; to try one, send an email there to that address from the '
                       "customer's address.").format(host=parley.listener.host, port=parley.listener.port)) \
                .classes('text-sm text-slate-500')
        emails = parley.mail.list_outbox(admin)
        if not emails:
            ui.label(_('No email yet.')).classes('text-slate-500 p-4')
        for email in emails:
            title = f'{email.subject} → {email.to_name or email.to_address}'
            with ui.expansion(title, caption=f'{_STATUS[email.status]} · {full_time(email.created_at, zone)}') \
                    .classes('w-full bg-white rounded-lg border border-slate-200') as row:
                ui.label(_('To: {to_name} <{to_address}>').format(
                           to_name=email.to_name, to_address=email.to_address)).classes('text-sm')
                if email.reply_to:
                    ui.label(_('Reply-To: {reply_to}').format(reply_to=email.reply_to)).classes('text-sm')
                if email.last_error and email.status == 'sent':
                    ui.label(_('Sent after an earlier error: {last_error}').format(
                               last_error=email.last_error)).classes('text-sm text-slate-500')
                ui.label(email.text_body).classes('parley-bubble text-sm mt-2 p-3 bg-slate-50 rounded-md w-full')
            if email.last_error and email.status in ('retrying', 'failed'):
                with row.add_slot('header'):   # the error is what the admin came for: shown without opening
                    _outbox_header(email, title, zone)


def _outbox_header(email, title: str, zone) -> None:
    """An email that failed: its title, status and the server's answer, readable with the row closed."""
    with ui.item_section().classes('min-w-0'):
        ui.item_label(title)
        ui.item_label(f'{_(_STATUS[email.status])} · {full_time(email.created_at, zone)}').props('caption')
        retry = (' ' + _('Next try {time}.').format(time=full_time(email.next_attempt_at, zone))
                 if email.status == 'retrying' and email.next_attempt_at else '')
        ui.item_label(_('Attempt {attempts} of {max_attempts} failed: {last_error}{retry}').format(
                        attempts=email.attempts, max_attempts=MAX_ATTEMPTS, last_error=email.last_error, retry=retry)) \
            .classes('text-sm text-negative wrap-anywhere').mark(f'outbox-error-{email.id}')


_STATUS = {'queued': N_('Queued'), 'retrying': N_('Retrying after an error'), 'sent': N_('Sent'),
           'failed': N_('Failed'), 'kept': N_('Kept (no SMTP server)')}


class CustomersPage:
    def __init__(self, parley: Parley, admin: UserView) -> None:
        self.parley, self.admin = parley, admin
        with ui.column().classes(PAGE):
            with ui.row().classes('w-full items-center gap-3'):
                ui.label(_('Customers')).classes('text-xl font-semibold').props('role=heading aria-level=1')
                ui.space()
                ui.button(_('Add customer'), icon='person_add', on_click=lambda: self._edit(None)) \
                    .props('unelevated no-caps')
            self.search = ui.input(_('Search by name, email or organization'), on_change=lambda: self._rows.refresh()) \
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
                        ui.link(person.name, f'/customers/{person.id}') \
                            .classes('font-medium text-slate-900 no-underline hover:underline')
                        ui.item_label(' · '.join(filter(None, [person.email, person.organization]))) \
                            .props('caption').classes('truncate')
                    with ui.item_section().props('side'):
                        with ui.row().classes('gap-0 no-wrap'):
                            name = person.name
                            ui.button(icon='logout', on_click=lambda p=person: self._sign_out(p)) \
                                .props('flat round dense ' +
                                       aria('Sign {name} out of the live chat everywhere', name=name)) \
                                .tooltip(_('Sign out of the live chat everywhere')).mark(f'sign-out-{person.email}')
                            ui.button(icon='edit', on_click=lambda p=person: self._edit(p)) \
                                .props('flat round dense ' + aria('Edit {name}', name=name)) \
                                .mark(f'edit-{person.email}')

    def _sign_out(self, customer: UserView) -> None:
        """Ends their chat tabs and makes the chat links in earlier emails stop working."""
        try:
            self.parley.directory.sign_out_customer_everywhere(self.admin, customer.id)
        except ParleyError as problem:
            ui.notify(str(problem), type='negative')
            return
        ui.notify(_('{name} is signed out of the live chat everywhere; earlier email links no longer open it. They '
                    'can start a new chat.').format(name=customer.name), multi_line=True)

    def _edit(self, customer: UserView | None) -> None:
        def save(name: str, email: str, organization: str) -> None:
            if customer is None:
                self.parley.directory.add_customer(self.admin, name=name, email=email, organization=organization)
            else:
                self.parley.directory.update_customer(self.admin, customer.id, name=name, email=email,
                                                      organization=organization)
            self._rows.refresh()
        _person_dialog(_('Add customer') if customer is None else _('Edit customer'), save, customer,
                       ask_organization=True)


class AgentsPage:
    def __init__(self, parley: Parley, admin: UserView) -> None:
        self.parley, self.admin = parley, admin
        with ui.column().classes(PAGE) as self.column:
            with ui.row().classes('w-full items-center gap-3'):
                ui.label(_('Agents')).classes('text-xl font-semibold').props('role=heading aria-level=1')
                ui.space()
                ui.button(_('Add agent'), icon='person_add', on_click=self._add).props('unelevated no-caps')
            ui.label(_('New agents and agents whose password you reset sign in with a temporary password and choose '
                       'their own first.')).classes('text-sm text-slate-500')
            self._rows()

    @ui.refreshable_method
    def _rows(self) -> None:
        with ui.list().props('bordered separator').classes('w-full bg-white rounded-lg'):
            for person in self.parley.directory.list_agents(self.admin):
                with ui.item().classes('py-3' + ('' if person.is_active else ' opacity-70')) \
                        .mark(f'agent-{person.email}'):
                    with ui.item_section().props('avatar'):
                        avatar(person, size='36px')
                    with ui.item_section().classes('min-w-0'):
                        with ui.row().classes('items-center gap-2'):
                            ui.label(_('{name} (you)').format(
                                       name=person.name) if person.id == self.admin.id else person.name) \
                                .classes('font-medium')
                            if person.is_admin:
                                ui.badge(_('Admin'), color='indigo-1', text_color='indigo-9')
                            if not person.is_active:
                                ui.badge(_('Deactivated'), color='grey-3', text_color='grey-9')
                            elif person.must_change_password:
                                ui.badge(_('Temporary password'), color='amber-1', text_color='amber-10')
                        ui.item_label(person.email).props('caption').classes('truncate')
                    with ui.item_section().props('side'):
                        self._actions(person)

    def _actions(self, person: UserView) -> None:
        name = person.name
        with ui.button(icon='more_vert').props('flat round dense ' + aria('Actions for {name}', name=name)) \
                .mark(f'actions-{person.email}'):
            with ui.menu().props('auto-close'):
                with ui.list().props('dense').classes('min-w-[12rem]'):
                    _menu_item(N_('Edit name and email'), 'edit', lambda: self._edit(person), person.email)
                    _menu_item(N_('Remove admin role') if person.is_admin else N_('Make admin'), 'admin_panel_settings',
                               lambda: self._role(person), person.email)
                    if person.id != self.admin.id:
                        _menu_item(N_('Reset password'), 'key', lambda: self._reset(person), person.email)
                        if person.is_active:
                            _menu_item(N_('Deactivate'), 'person_off', lambda: self._deactivate(person), person.email)
                        else:
                            _menu_item(N_('Reactivate'), 'person', lambda: self._reactivate(person), person.email)

    def _edit(self, person: UserView) -> None:
        form = FormDialog(_('Edit {name}').format(
                            name=person.name), _('Save'), marker='edit-agent', confirm='save-agent',
                          after=self._rows.refresh)
        with form.body:
            name = ui.input(_('Name'), value=person.name).props('outlined autofocus').classes('w-full')
            email = ui.input(_('Email'), value=person.email).props('outlined type=email').classes('w-full')
        form.run = lambda: (self.parley.directory.update_agent(self.admin, person.id, name=name.value,
                                                               email=email.value) and _('Saved.'))
        email.on('keydown.enter', form.submit)
        form.open()

    def _role(self, person: UserView) -> None:
        making = not person.is_admin
        title = (_('Make {name} an admin?') if making else _('Remove the admin role from {name}?')).format(
            name=person.name)
        form = FormDialog(title, _('Make admin') if making else _('Remove admin role'), marker='role-dialog',
                          confirm='confirm-role', after=self._rows.refresh,
                          hint=_('Admins manage agents, customers, the live chat and unmatched email, and read the '
                                 'audit log.') if making else _('They keep their conversations and can still do '
                                                                'everything an agent does.'))
        form.run = lambda: (self.parley.directory.set_admin(self.admin, person.id, is_admin=making) and
                            (_('{name} is an admin now.') if making else _('{name} is no longer an admin.')).format(
                                name=person.name))
        form.open()

    def _reset(self, person: UserView) -> None:
        form = FormDialog(_("Reset {name}'s password?").format(
                            name=person.name), _('Reset password'), marker='reset-dialog',
                          confirm='confirm-reset', danger=True,
                          hint=_('They are signed out everywhere now. You get a temporary password to pass on; with '
                                 'it they sign in and choose their own.'))
        shown: list[str] = []

        def run() -> None:
            shown.append(self.parley.directory.reset_password(self.admin, person.id))
        form.run = run
        form.after = lambda: (self._rows.refresh(), self._show_password(person, shown[-1], 'reset'))
        form.open()

    def _deactivate(self, person: UserView) -> None:
        form = FormDialog(_('Deactivate {name}?').format(name=person.name), _('Deactivate'), marker='deactivate-dialog',
                          confirm='confirm-deactivate', danger=True, after=self._rows.refresh,
                          hint=_('{name} is signed out everywhere at once and cannot sign in. They are no longer '
                                 'suggested as a participant or assignee. Their conversations and messages stay as '
                                 'they are. You can reactivate them later.').format(name=person.name))
        form.run = lambda: (self.parley.directory.set_agent_active(self.admin, person.id, active=False) and
                            _('{name} is deactivated.').format(name=person.name))
        form.open()

    def _reactivate(self, person: UserView) -> None:
        attempt(lambda: self.parley.directory.set_agent_active(self.admin, person.id, active=True),
                _('{name} can sign in again.').format(name=person.name), self._rows.refresh)

    def _show_password(self, person: UserView, password: str, why: str) -> None:
        with self.column:   # (not in the dialog that asked: it goes as this one opens)
            _show_password(person, password, why)

    def _add(self) -> None:
        password = temporary_password()
        added: list[UserView] = []

        def save(name: str, email: str, _organization: str, is_admin: bool = False) -> None:
            added.append(self.parley.directory.add_agent(self.admin, name=name, email=email, password=password,
                                                         is_admin=is_admin))
            self._rows.refresh()
            self._show_password(added[-1], password, 'new')
        _person_dialog(_('Add agent'), save, None, ask_admin=True,
                       note=_('You get a temporary password to pass on; with it they sign in and choose their own.'))


def _menu_item(label: str, icon: str, action: Callable[[], None], whose: str) -> None:
    """label: the English text (N_), which also names the item for tests; shown in the agent's language."""
    with ui.item(on_click=action).props('clickable').mark(f'menu-{label.lower().replace(" ", "-")}-{whose}'):
        with ui.item_section().props('avatar').classes('min-w-0 pr-2'):
            ui.icon(icon, size='xs', color='grey-8')
        ui.item_section(_(label))


def _show_password(person: UserView, password: str, why: str) -> None:
    """The temporary password, shown once in a dialog to copy from (not a pop-up that goes)."""
    with ui.dialog().props('persistent') as dialog, ui.card().classes('w-full max-w-md p-5 gap-3') \
            .mark('temporary-password'):
        ui.label(_('Temporary password')).classes('text-lg font-semibold').props('role=heading aria-level=2')
        ui.label((f'{person.name} can sign in as {person.email} with this password.' if why == 'new' else
                  f'{person.name} is signed out everywhere and signs in again with this password.') +
                 ' They choose their own right after. It is shown only now: copy it and pass it on.') \
            .classes('text-sm text-slate-600')
        with ui.row().classes('w-full no-wrap items-center gap-2 p-3 bg-slate-50 rounded-md border'):
            ui.label(password).classes('font-mono text-base flex-1 select-all').mark('password-value')
            ui.button(icon='content_copy', on_click=lambda: (ui.clipboard.write(password),
                                                             ui.notify(_('Copied.')))) \
                .props('flat round dense ' + aria('Copy the password'))
        with ui.row().classes('w-full justify-end'):
            ui.button(_('Done'), on_click=dialog.delete).props('unelevated no-caps').mark('password-done')
    dialog.on('hide', dialog.delete)
    dialog.open()


def _person_dialog(title: str, save: Callable[..., None], person: UserView | None, *,
                   ask_organization: bool = False, ask_admin: bool = False, note: str = '') -> None:
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-md p-5 gap-3'):
        ui.label(title).classes('text-lg font-semibold')
        name = ui.input(_('Name'), value=person.name if person else '').props('outlined autofocus').classes('w-full')
        email = ui.input(_('Email'), value=person.email if person else '').props('outlined type=email') \
            .classes('w-full')
        organization = ui.input(_('Organization'), value=(person.organization or '') if person else '') \
            .props('outlined').classes('w-full')
        organization.visible = ask_organization
        admin = ui.checkbox(_('Admin: can manage customers and agents'))
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
            ui.button(_('Cancel'), on_click=dialog.delete).props('flat no-caps')
            ui.button(_('Save'), on_click=submit).props('unelevated no-caps')
        email.on('keydown.enter', submit)
    dialog.on('hide', dialog.delete)
    dialog.open()


class AuditPage:
    """What admins did, newest first, filtered by action or by who did it; "Show older" pages back."""

    def __init__(self, parley: Parley, admin: UserView, zone) -> None:
        self.parley, self.admin, self.zone = parley, admin, zone
        with ui.column().classes(PAGE):
            ui.label(_('Audit log')).classes('text-xl font-semibold').props('role=heading aria-level=1')
            ui.label(_('Admin actions on agents, customers, unmatched email and settings: who did what, and when. '
                       'Kept in the database.')).classes('text-sm text-slate-500')
            with ui.row().classes('w-full gap-2 no-wrap max-sm:flex-wrap'):
                self.action = ui.select({'': _('Every action')} | {a.value: _(w) for a, w in WHAT.items()}, value='',
                                        label=_('Action'), on_change=lambda: self._entries.refresh()) \
                    .props('outlined dense').classes('flex-1 min-w-[12rem]').mark('audit-action')
                actors = {0: _('Anyone')} | {a.id: a.name for a in parley.audit.actors(admin)}
                self.by = ui.select(actors, value=0, label=_('By'), on_change=lambda: self._entries.refresh()) \
                    .props('outlined dense').classes('flex-1 min-w-[12rem]').mark('audit-by')
            self.shown = 50
            self._entries()

    @ui.refreshable_method
    def _entries(self) -> None:
        entries = self.parley.audit.entries(self.admin, action=self.action.value or None,
                                            by=self.by.value or None, limit=self.shown + 1)
        more, entries = len(entries) > self.shown, entries[:self.shown]
        if not entries:
            with ui.column().classes('w-full items-center text-center p-8 gap-2 text-slate-500').mark('audit-empty'):
                ui.icon('history', size='lg', color='grey-5')
                ui.label(_('Nothing logged yet') if not (self.action.value or self.by.value) else _('No entries match'))
            return
        with ui.list().props('bordered separator').classes('w-full bg-white rounded-lg').mark('audit-entries'):
            for entry in entries:
                with ui.item().classes('py-2'):
                    with ui.item_section().classes('min-w-0'):
                        title = _(entry.what) + (f': {entry.subject}' if entry.subject else '')
                        ui.item_label(title).classes('font-medium wrap-anywhere')
                        if entry.detail:
                            ui.item_label(entry.detail).props('caption').classes('wrap-anywhere')
                    with ui.item_section().props('side').classes('text-right'):
                        ui.item_label(entry.actor).classes('text-sm')
                        ui.item_label(full_time(entry.at, self.zone)).props('caption')
        if more:
            ui.button(_('Show older'), on_click=self._older).props('flat no-caps').classes('self-center')

    def _older(self) -> None:
        self.shown += 50
        self._entries.refresh()


def _admins_only(agent: UserView) -> bool:
    if agent.is_admin:
        return True
    with ui.column().classes('w-full items-center text-center gap-2 p-10'):
        ui.icon('lock', size='xl', color='grey-5')
        ui.label(_('Page not found')).classes('text-lg font-semibold')
        ui.label(_('Only admins manage customers and agents.')).classes('text-slate-500')
    return False
