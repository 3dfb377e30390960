"""Admin page "Unmatched email": inbound email waiting for a decision, and the log of every email received."""
from nicegui import ui

from services.i18n import N_, _
from services.container import Parley
from services.errors import ParleyError
from services.inbound import InboundView
from services.views import UserView
from ui.dialogs import FormDialog
from ui.i18n import prop
from ui.formatting import full_time, list_time
from ui.theme import attachment_list

PAGE = 'w-full max-w-4xl mx-auto p-4 md:p-6 gap-4'
OUTCOMES = {
    'posted': (N_('Posted'), 'positive'), 'duplicate': (N_('Duplicate, ignored'), 'grey-7'),
    'bounce': (N_('Bounce'), 'negative'), 'auto_reply': (N_('Auto-reply, ignored'), 'grey-7'),
    'empty': (N_('Empty, ignored'), 'grey-7'), 'unmatched': (N_('Unmatched'), 'warning'),
    'not_participant': (N_('Sender not in conversation'), 'warning'), 'quarantined': (N_('Quarantined'), 'negative'),
    'attached': (N_('Attached by an admin'), 'positive'), 'discarded': (N_('Discarded'), 'grey-7'),
    'ticketed': (N_('Made a ticket by an admin'), 'positive'),
}
PREVIEW = 600


class UnmatchedEmailPage:
    def __init__(self, parley: Parley, admin: UserView, zone) -> None:
        self.parley, self.admin, self.zone = parley, admin, zone
        with ui.column().classes(PAGE):
            ui.label(_('Unmatched email')).classes('text-xl font-semibold').props('role=heading aria-level=1')
            ui.label(_('Customer replies by email join their conversation by themselves. Email that Parley could '
                       'not place lands here with the reason: attach it to a customer conversation (its text is '
                       "posted as the sender's reply, and the sender joins the conversation), start a new "
                       'conversation or a ticket with it, or discard it.')) \
                .classes('text-sm text-slate-600')
            with ui.tabs().classes('w-full').props('align=left no-caps active-color=primary indicator-color=primary') \
                    as tabs:
                self.waiting_tab = ui.tab('waiting', label=_('Needs a decision'))
                ui.tab('log', label=_('All received email'))
            with ui.tab_panels(tabs, value='waiting').classes('w-full bg-transparent'):
                with ui.tab_panel('waiting').classes('p-0 gap-3'):
                    self._waiting()
                with ui.tab_panel('log').classes('p-0'):
                    self._log()

    @ui.refreshable_method
    def _waiting(self) -> None:
        emails = self.parley.inbound.list_emails(self.admin)
        self.waiting_tab.props(prop('label', 'Needs a decision ({count})', count=len(emails)) if emails
                               else prop('label', 'Needs a decision'))
        if not emails:
            with ui.column().classes('w-full items-center text-center gap-1 p-10 text-slate-500'):
                ui.icon('mark_email_read', size='lg', color='grey-5')
                ui.label(_('Nothing waiting. Every email so far found its conversation.'))
            return
        targets = {c.id: f'#{c.id} · {c.title} · {list_time(c.last_message_at, self.zone)}'
                   for c in self.parley.conversations.list_customer_conversations(self.admin)}
        for email in emails:
            self._card(email, targets)

    def _card(self, email: InboundView, targets: dict[int, str]) -> None:
        label, color = OUTCOMES.get(email.outcome, (email.outcome, 'grey-7'))
        with ui.card().classes('w-full gap-2').mark(f'inbound-{email.id}'):
            with ui.row().classes('w-full items-start gap-2 no-wrap'):
                with ui.column().classes('gap-0 min-w-0 flex-1'):
                    sender = f'{email.from_name} <{email.from_address}>' if email.from_name else email.from_address
                    ui.label(sender or _('Unknown sender')).classes('w-full font-semibold truncate')
                    ui.label(email.subject or _('(no subject)')).classes('w-full text-sm text-slate-700 truncate')
                ui.label(list_time(email.received_at, self.zone)).classes('text-xs text-slate-500 shrink-0') \
                    .tooltip(full_time(email.received_at, self.zone))
            with ui.column().classes('w-full gap-1 bg-amber-50 rounded-md px-3 py-2'):
                ui.badge(_(label), color=color).props('outline')
                ui.label(email.reason).classes('text-sm text-amber-900')
            if email.body:
                shown = email.body if len(email.body) <= PREVIEW else email.body[:PREVIEW] + '…'
                ui.label(shown).classes('parley-bubble text-sm p-3 bg-slate-50 rounded-md w-full')
            if email.attachments:
                attachment_list(email.attachments)
            with ui.row().classes('w-full items-center gap-2'):
                if email.can_attach and targets:
                    suggested = email.conversation_id if email.conversation_id in targets else None
                    target = ui.select(targets, value=suggested, label=_('Customer conversation'), with_input=True) \
                        .props('outlined dense options-dense').classes('flex-1 min-w-[14rem]').mark('attach-target')
                    ui.button(_('Attach'), icon='move_to_inbox',
                              on_click=lambda e=email, t=target: self._attach(e, t)) \
                        .props('unelevated no-caps').mark('attach')
                elif email.can_attach:
                    ui.label(_('No open customer conversation to attach it to.')).classes('text-sm text-slate-500')
                ui.space()
                if email.can_attach:
                    ui.button(_('Start a new conversation'), icon='add_comment',
                              on_click=lambda e=email: self._start(e, 'conversation')) \
                        .props('outline no-caps').mark('start-conversation')
                    ui.button(_('Create ticket'), icon='confirmation_number',
                              on_click=lambda e=email: self._start(e, 'ticket')).props('outline no-caps') \
                        .mark('create-ticket')
                ui.button(_('Show source'), on_click=lambda e=email: self._source(e)).props('flat no-caps')
                ui.button(_('Discard'), icon='delete_outline', on_click=lambda e=email: self._discard(e)) \
                    .props('flat no-caps color=negative').mark('discard')

    def _attach(self, email: InboundView, target: ui.select) -> None:
        """Ask first: attaching makes the sender a participant who gets the team's replies."""
        if target.value is None:
            ui.notify(_('Pick the conversation to attach this email to.'), type='warning')
            return
        conversation_id = int(target.value)
        with ui.dialog() as dialog, ui.card().classes('w-full max-w-md p-5 gap-3'):
            ui.label(_('Attach this email?')).classes('text-lg font-semibold')
            ui.label(_('It is posted into {conversation} as the reply of {address}, who joins the conversation if '
                       "not in it yet and from then on gets the team's replies there.").format(
                conversation=target.options[conversation_id], address=email.from_address)) \
                .classes('text-sm text-slate-700')

            def confirm() -> None:
                try:
                    self.parley.inbound.attach(self.admin, email.id, conversation_id)
                except ParleyError as problem:
                    ui.notify(str(problem), type='negative')
                else:
                    ui.notify(_('Posted into conversation #{number} as {name}.').format(
                        number=conversation_id, name=email.from_name or email.from_address), type='positive')
                    self._refresh()
                dialog.delete()   # last: this handler runs in the dialog's context
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button(_('Cancel'), on_click=dialog.delete).props('flat no-caps')
                ui.button(_('Attach and add the sender'), on_click=confirm).props('unelevated no-caps') \
                    .mark('confirm-attach')
        dialog.on('hide', dialog.delete)
        dialog.open()

    def _start(self, email: InboundView, what: str) -> None:
        """A new conversation or ticket with the sender; a sender who is not a customer yet is added once the admin
        confirms it."""
        known = self.parley.inbound.known_sender(self.admin, email.id)
        conversation = what == 'conversation'
        title = _('Start a new conversation?') if conversation else _('Create a ticket?')
        hint = (_('The email becomes the first message of a new conversation with {address}, assigned to you; your '
                  'reply goes to them by email and their answer comes back into it.') if conversation else
                _('A ticket for {address} titled "{subject}", the email\'s text as its description.')).format(
            address=email.from_address, subject=email.subject or _('(no subject)'))
        if not known:
            hint += ' ' + _('{address} is not a customer yet: they are added as one.').format(
                address=email.from_address)
        action = ((_('Start conversation') if conversation else _('Create ticket')) if known else
                  (_('Start conversation and add the customer') if conversation else
                   _('Create ticket and add the customer')))
        form = FormDialog(title, action, marker='start-dialog',
                          confirm='confirm-start', hint=hint, after=self._refresh)
        made: list[int] = []

        def run() -> str:
            if conversation:
                made.append(self.parley.inbound.start_conversation(self.admin, email.id, add_customer=True))
                return _('Conversation #{number} started.').format(number=made[-1])
            made.append(self.parley.inbound.create_ticket(self.admin, email.id, add_customer=True))
            return _('Ticket created.')
        form.run = run
        if conversation:
            form.after = lambda: (self._refresh(), ui.navigate.to(f'/messenger/{made[-1]}'))
        form.open()

    def _discard(self, email: InboundView) -> None:
        try:
            self.parley.inbound.discard(self.admin, email.id)
        except ParleyError as problem:
            ui.notify(str(problem), type='negative')
        else:
            ui.notify(_('Email discarded.'))
        self._refresh()

    def _source(self, email: InboundView) -> None:
        try:
            source = self.parley.inbound.source(self.admin, email.id)
        except ParleyError as problem:
            ui.notify(str(problem), type='negative')
            return
        with ui.dialog() as dialog, ui.card().classes('w-full max-w-3xl gap-2'):
            ui.label(_('Email source')).classes('text-lg font-semibold')
            ui.label(_('The first 20,000 characters as received.')).classes('text-sm text-slate-500')
            ui.code(source, language='text').classes('w-full max-h-[60vh] overflow-auto text-xs')
            ui.button(_('Close'), on_click=dialog.delete).props('flat no-caps').classes('self-end')
        dialog.on('hide', dialog.delete)
        dialog.open()

    def _refresh(self) -> None:
        self._waiting.refresh()
        self._log.refresh()

    @ui.refreshable_method
    def _log(self) -> None:
        emails = self.parley.inbound.list_emails(self.admin, triage=False)
        if not emails:
            ui.label(_('No email received yet.')).classes('text-slate-500 p-4')
            return
        with ui.list().props('bordered separator').classes('w-full bg-white rounded-lg'):
            for email in emails:
                label, color = OUTCOMES.get(email.outcome, (email.outcome, 'grey-7'))
                with ui.item().classes('py-2'):
                    with ui.item_section().classes('min-w-0'):
                        ui.item_label(f'{email.from_address or _("Unknown sender")} · '
                                      f'{email.subject or _("(no subject)")}') \
                            .classes('truncate font-medium')
                        ui.item_label(email.reason).props('caption')
                    with ui.item_section().props('side').classes('items-end gap-1'):
                        ui.badge(_(label), color=color).props('outline')
                        ui.label(f'{list_time(email.received_at, self.zone)} · {email.source.upper()}') \
                            .classes('text-xs text-slate-500')
