"""Sign-in, first-run set-up, sign-out, and the front door."""
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from services.i18n import N_, _
from services.container import Parley
from services.errors import ParleyError
from services.passwords import MIN_PASSWORD_LENGTH
from services.views import UserView
from ui.session import (CHOOSE_PASSWORD_PATH, HOME, client_address, current_agent, keeping_this_browser,
                        safe_next, sign_in, sign_out)
from ui.i18n import prop
from ui.theme import page_setup


def register(parley: Parley) -> None:
    @ui.page('/')
    def index():
        if parley.auth.needs_setup():
            return RedirectResponse('/setup', status_code=303)
        return RedirectResponse(HOME if current_agent(parley) else '/login', status_code=303)

    @ui.page('/login')
    def login(next: str | None = None):
        if parley.auth.needs_setup():
            return RedirectResponse('/setup', status_code=303)
        target = safe_next(next)
        if current_agent(parley):
            return RedirectResponse(target, status_code=303)
        page_setup(N_('Sign in'))
        _login_form(parley, target)

    @ui.page('/setup')
    def setup():
        page_setup(N_('Set up'))
        if not parley.auth.needs_setup():
            _gone()
            return
        _setup_form(parley)

    @ui.page(CHOOSE_PASSWORD_PATH)
    def choose_password():
        """After signing in with a temporary password (from an admin): the agent's own, before anything else."""
        agent = current_agent(parley)
        if agent is None:
            return RedirectResponse('/login', status_code=303)
        if not agent.must_change_password:
            return RedirectResponse(HOME, status_code=303)
        page_setup(N_('Choose your password'))
        _choose_password_form(parley, agent)
        return None

    @ui.page('/logout')
    def logout():
        """Signing out changes state, so it takes a click here (a link from elsewhere cannot do it)."""
        if current_agent(parley) is None:
            return RedirectResponse('/login', status_code=303)
        page_setup(N_('Sign out'))
        with _card():
            ui.label(_('Sign out of Parley?')).classes('text-lg font-semibold')
            ui.label(_('This signs you out in every browser.')).classes('text-sm text-slate-600')
            ui.button(_('Sign out'), on_click=lambda: (sign_out(parley), ui.navigate.to('/login'))) \
                .props('unelevated no-caps').classes('w-full')
        return None


def _choose_password_form(parley: Parley, agent: UserView) -> None:
    with _card():
        ui.label(_('Welcome, {name}').format(
                   name=agent.name)).classes('text-xl font-semibold').props('role=heading aria-level=1')
        ui.label(_('You signed in with a temporary password. Choose your own to continue; the temporary one stops '
                   'working.')).classes('text-sm text-slate-600')
        new = ui.input(_('New password'), password=True, password_toggle_button=True) \
            .props('outlined autofocus autocomplete=new-password').classes('w-full').mark('new-password')
        again = ui.input(_('New password again'), password=True).props('outlined autocomplete=new-password') \
            .classes('w-full').mark('new-password-again')
        error = ui.label().classes('text-sm text-negative').props('role=alert')

        async def save() -> None:
            if new.value != again.value:
                error.text = _('The two passwords are not the same.')
                return
            try:
                await keeping_this_browser(lambda: parley.auth.choose_password(agent, new.value))
            except ParleyError as problem:
                error.text = str(problem)
                return
            ui.navigate.to(HOME)

        again.on('keydown.enter', save)
        ui.button(_('Save and continue'), on_click=save).props('unelevated no-caps').classes('w-full') \
            .mark('choose-password')
        ui.link(_('Sign out'), '/logout').classes('text-sm self-center')


def _card() -> ui.card:
    with ui.column().classes('w-full min-h-[100dvh] items-center justify-center p-4'):
        with ui.row().classes('items-center gap-2 mb-4'):
            ui.icon('chat_bubble', color='primary', size='md')
            ui.label(_('Parley')).classes('text-2xl font-semibold tracking-tight')
        return ui.card().classes('w-full max-w-sm p-6 gap-4 shadow-sm rounded-xl')


def _login_form(parley: Parley, target: str) -> None:
    with _card():
        ui.label(_('Sign in')).classes('text-xl font-semibold')
        email = ui.input(_('Email')).props('outlined type=email autocomplete=username autofocus').classes('w-full')
        password = ui.input(_('Password'), password=True, password_toggle_button=True) \
            .props('outlined autocomplete=current-password').classes('w-full')
        error = ui.label().classes('text-negative text-sm').props('role=alert')
        error.visible = False

        async def submit() -> None:
            if not (email.value or '').strip() or not password.value:
                error.text, error.visible = _('Enter your email and password.'), True
                return
            button.props('loading')
            try:
                agent = await run.io_bound(parley.auth.authenticate, email.value, password.value,
                                           client_address(ui.context.client))
            except ParleyError as problem:
                error.text, error.visible = str(problem), True
                password.value = ''
                return
            finally:
                button.props(remove='loading')
            sign_in(parley, agent)
            ui.navigate.to(target)

        button = ui.button(_('Sign in'), on_click=submit).props('unelevated no-caps size=md').classes('w-full')
        email.on('keydown.enter', submit)
        password.on('keydown.enter', submit)


def _setup_form(parley: Parley) -> None:
    with _card():
        ui.label(_('Create the first admin')).classes('text-xl font-semibold')
        ui.label(_('This workspace is empty. The account you create here manages it.')) \
            .classes('text-sm text-slate-500')
        name = ui.input(_('Name')).props('outlined autocomplete=name autofocus').classes('w-full')
        email = ui.input(_('Email')).props('outlined type=email autocomplete=username').classes('w-full')
        password = ui.input(_('Password'), password=True, password_toggle_button=True) \
            .props('outlined autocomplete=new-password ' +
                   prop('hint', 'At least {count} characters', count=MIN_PASSWORD_LENGTH)) \
            .classes('w-full')
        error = ui.label().classes('text-negative text-sm').props('role=alert')
        error.visible = False

        async def submit() -> None:
            try:
                agent = await run.io_bound(lambda: parley.auth.create_first_admin(
                    name=name.value, email=email.value, password=password.value))
            except ParleyError as problem:
                error.text, error.visible = str(problem), True
                return
            sign_in(parley, agent)
            ui.navigate.to(HOME)

        ui.button(_('Create admin'), on_click=submit).props('unelevated no-caps').classes('w-full')
        password.on('keydown.enter', submit)


def _gone() -> None:
    with _card():
        ui.label(_('Page not found')).classes('text-xl font-semibold')
        ui.label(_('This workspace is already set up.')).classes('text-slate-600')
        ui.button(_('Go to sign in'), on_click=lambda: ui.navigate.to('/login')).props('unelevated no-caps')
