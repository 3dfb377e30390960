"""/settings/notifications (what each agent is told about, and how; saved at once), /settings/profile and
/settings/password."""
from zoneinfo import available_timezones

from nicegui import background_tasks, ui

from services.i18n import LANGUAGES, N_, _, ngettext
from services.container import Parley
from services.errors import ParleyError
from services.notifications import ALWAYS, CHANNEL_TEXT, CHANNELS, EMAIL_DELAYS, KIND_TEXT, KINDS, SettingsView
from services.views import UserView
from ui.i18n import aria
from ui.session import keeping_this_browser
from services.directory import AVATAR_COLORS
from ui.theme import PASSWORD_PATH, PROFILE_PATH, SETTINGS_PATH, agent_page

PERMISSION = 'return ("Notification" in window) ? await Notification.requestPermission() : "unsupported"'
BLOCKED = {'denied': N_('Your browser blocks notices from Parley. Allow notifications for this site in the '
                        "browser's site settings, then they will show."),
           'unsupported': N_('This browser cannot show desktop notices.')}
COLOR_NAMES = {'indigo': N_('Indigo'), 'blue': N_('Blue'), 'teal': N_('Teal'), 'green': N_('Green'),
               'amber': N_('Amber'), 'orange': N_('Orange'), 'red': N_('Red'), 'pink': N_('Pink'),
               'purple': N_('Purple'), 'grey': N_('Grey')}


def register(parley: Parley) -> None:
    agent_page(parley, SETTINGS_PATH, N_('Notification settings'), lambda agent, _request: SettingsPage(parley, agent))
    agent_page(parley, PROFILE_PATH, N_('Profile'), lambda agent, _request: ProfilePage(parley, agent))
    agent_page(parley, PASSWORD_PATH, N_('Change password'), lambda agent, _request: _password_form(parley, agent))


def _password_form(parley: Parley, agent: UserView) -> None:
    with ui.column().classes('w-full max-w-md mx-auto p-4 md:p-6 gap-3'):
        ui.label(_('Change password')).classes('text-xl font-semibold').props('role=heading aria-level=1')
        ui.label(_('This also signs you out in every other browser.')).classes('text-sm text-slate-600')
        current = ui.input(_('Current password'), password=True, password_toggle_button=True) \
            .props('outlined autocomplete=current-password').classes('w-full').mark('current-password')
        new = ui.input(_('New password'), password=True, password_toggle_button=True) \
            .props('outlined autocomplete=new-password').classes('w-full').mark('new-password')
        again = ui.input(_('New password again'), password=True).props('outlined autocomplete=new-password') \
            .classes('w-full').mark('new-password-again')
        message = ui.label().classes('text-sm').props('role=alert')

        async def save() -> None:
            if new.value != again.value:
                message.classes(replace='text-sm text-negative')
                message.text = _('The two new passwords are not the same.')
                return
            try:
                await keeping_this_browser(lambda: parley.auth.change_password(agent, current.value, new.value))
            except ParleyError as problem:
                message.classes(replace='text-sm text-negative')
                message.text = str(problem)
                return
            current.value = new.value = again.value = ''
            message.classes(replace='text-sm text-positive')
            message.text = _('Password changed. Your other browsers are signed out.')

        ui.button(_('Change password'), on_click=save).props('unelevated no-caps').classes('self-start') \
            .mark('change-password')


class ProfilePage:
    """An agent's own name, avatar (colour and initials) and time zone; the password has its own page."""

    def __init__(self, parley: Parley, agent: UserView) -> None:
        self.parley, self.agent = parley, agent
        with ui.column().classes('w-full max-w-md mx-auto p-4 md:p-6 gap-3'):
            ui.label(_('Profile')).classes('text-xl font-semibold').props('role=heading aria-level=1')
            ui.label(_('Signed in as {email}. Admins change sign-in addresses.').format(email=agent.email)) \
                .classes('text-sm text-slate-600')
            with ui.row().classes('items-center gap-3'):
                self.preview = ui.avatar(color=f'{agent.avatar_color or "indigo"}-2',
                                         text_color=f'{agent.avatar_color or "indigo"}-9', size='56px',
                                         font_size='0.4em').props('aria-hidden=true')
                with self.preview:
                    self.preview_text = ui.label(agent.initials)
                ui.label(_('How teammates see you in lists and threads.')).classes('text-sm text-slate-500')
            self.name = ui.input(_('Name'), value=agent.name).props('outlined').classes('w-full').mark('profile-name')
            self.initials = ui.input(_('Initials (empty: from your name)'), value=agent.avatar_initials or '') \
                .props('outlined maxlength=3').classes('w-full').mark('profile-initials')
            self.color = ui.select({c: _(COLOR_NAMES.get(c, c)) for c in AVATAR_COLORS}, label=_('Avatar colour'),
                                   value=agent.avatar_color or 'indigo').props('outlined').classes('w-full') \
                .mark('profile-color')
            zones = {'': _("The browser's time zone")} | {z: z.replace('_', ' ') for z in sorted(available_timezones())
                                                        if '/' in z and not z.startswith(('Etc/', 'SystemV/'))}
            self.zone = ui.select(zones, label=_('Time zone'), value=agent.time_zone or '', with_input=True) \
                .props('outlined').classes('w-full').mark('profile-zone')
            self.language = ui.select({'': _("The browser's language")} | LANGUAGES, label=_('Language'),
                                      value=agent.language or '').props('outlined').classes('w-full') \
                .mark('profile-language')
            self.message = ui.label().classes('text-sm').props('role=alert')
            with ui.row().classes('items-center gap-3'):
                ui.button(_('Save profile'), on_click=self._save).props('unelevated no-caps').mark('save-profile')
                ui.link(_('Change password'), PASSWORD_PATH).classes('text-sm')

    def _save(self) -> None:
        try:
            saved = self.parley.directory.update_profile(
                self.agent, name=self.name.value, avatar_color=self.color.value,
                avatar_initials=self.initials.value, time_zone=self.zone.value or None)
            if (self.language.value or None) != self.agent.language:
                self.agent = self.parley.directory.set_language(self.agent, self.language.value or None)
                ui.navigate.to(PROFILE_PATH)   # the page again, in the language chosen
                return
        except ParleyError as problem:
            self.message.classes(replace='text-sm text-negative')
            self.message.text = str(problem)
            return
        self.preview.props(f'color={saved.avatar_color or "indigo"}-2 text-color={saved.avatar_color or "indigo"}-9')
        self.preview_text.text = saved.initials
        self.message.classes(replace='text-sm text-positive')
        self.message.text = _('Profile saved.')


class SettingsPage:
    def __init__(self, parley: Parley, agent: UserView) -> None:
        self.notifications, self.agent = parley.notifications, agent
        current = self.notifications.settings(agent)
        with ui.column().classes('w-full max-w-3xl mx-auto p-4 md:p-6 gap-4 overflow-y-auto'):
            with ui.row().classes('w-full items-baseline gap-3'):
                ui.label(_('Notifications')).classes('text-xl font-semibold').props('role=heading aria-level=1')
                self.saved = ui.label().classes('text-sm text-positive').props('role=status aria-live=polite')
            ui.label(_('Choose how Parley tells you about what concerns you. Changes are saved as you make them. '
                       'You are never notified about your own messages, and opening a conversation marks its '
                       'notifications read.')).classes('text-sm text-slate-600')
            self._grid(current)
            with ui.card().classes('w-full gap-2'):
                ui.label(_('Email')).classes('font-semibold')
                ui.label(_('Email only tells you about what you have not seen in Parley by then, all together in '
                           'one email.')).classes('text-sm text-slate-600')
                ui.select({m: ngettext('{count} minute', '{count} minutes', m).format(count=m) for m in EMAIL_DELAYS},
                          value=current.email_delay_minutes, label=_('Send me an email after'),
                          on_change=lambda e: self._save(self.notifications.set_email_delay, self.agent, e.value)) \
                    .props('outlined dense').classes('w-56').mark('email-delay')
            self.permission = ui.label().classes('text-sm text-amber-800')

    def _grid(self, current: SettingsView) -> None:
        with ui.card().classes('w-full p-0 gap-0 overflow-x-auto'):
            with ui.element('div').classes('grid w-full min-w-[22rem] items-center '
                                           'grid-cols-[minmax(7.5rem,1fr)_repeat(5,3rem)] '
                                           'sm:grid-cols-[minmax(12rem,1fr)_repeat(5,4.5rem)]'):
                ui.label(_('When')).classes('px-3 sm:px-4 py-3 text-xs font-semibold text-slate-500 uppercase')
                for channel in CHANNELS:
                    label, explanation = CHANNEL_TEXT[channel]
                    ui.label(_(label)).classes('py-3 text-[11px] sm:text-xs font-semibold text-slate-600 text-center') \
                        .tooltip(_(explanation))
                for kind in KINDS:
                    title, explanation = KIND_TEXT[kind]
                    with ui.column().classes('gap-0 px-3 sm:px-4 py-3 border-t border-slate-100'):
                        ui.label(_(title)).classes('font-medium')
                        ui.label(_(explanation)).classes('text-xs text-slate-500')
                    for channel in CHANNELS:
                        with ui.element('div').classes('h-full flex items-center justify-center border-t '
                                                       'border-slate-100'):
                            forced = channel in ALWAYS.get(kind, ())
                            box = ui.checkbox(value=current.is_on(kind, channel),
                                              on_change=lambda e, k=kind, c=channel: self._toggle(k, c, e.value)) \
                                .props(aria('{kind}: {channel}', kind=_(KIND_TEXT[kind][0]),
                                            channel=_(CHANNEL_TEXT[channel][0]))) \
                                .mark(f'setting-{kind}-{channel}')
                            if forced:
                                box.disable()
                                box.tooltip(_('Mentions always show in the bell.'))
            with ui.column().classes('w-full gap-1 px-4 py-3 border-t border-slate-100 bg-slate-50'):
                for channel in CHANNELS:
                    label, explanation = CHANNEL_TEXT[channel]
                    ui.label(f'{_(label)}: {_(explanation)}').classes('text-xs text-slate-600')

    def _toggle(self, kind: str, channel: str, on: bool) -> None:
        self._save(self.notifications.set_channel, self.agent, kind, channel, on)
        if channel == 'desktop' and on:
            background_tasks.create(self._ask_permission(), name='desktop-permission')

    def _save(self, change, *args) -> None:
        try:
            change(*args)
        except ParleyError as problem:
            self.saved.classes(replace='text-sm text-negative')
            self.saved.text = str(problem)
            return
        self.saved.classes(replace='text-sm text-positive')
        self.saved.text = _('Saved')

    async def _ask_permission(self) -> None:
        """Ask the browser only now, when the agent turned desktop notices on."""
        try:
            answer = await ui.run_javascript(PERMISSION, timeout=60)
        except TimeoutError:
            return
        with self.permission:   # (a task of its own: the label's slot says whose page, and so the language)
            self.permission.text = _(BLOCKED[answer]) if answer in BLOCKED else ''
