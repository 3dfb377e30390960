"""Edit, delete and earlier versions of a message: the dialogs behind an own message's menu (ui/messages.js)."""
from nicegui import ui

from services.i18n import _, name_list
from services.container import Parley
from services.conversations import MAX_MESSAGE_LENGTH
from services.edits import Changed
from services.errors import NotFound
from services.views import UserView
from ui.i18n import aria
from ui.dialogs import FormDialog
from ui.formatting import full_time
from ui.messages import MessageList


class MessageActions:
    """What the viewer's own messages offer (and, for agents, what an edited message said before)."""

    def __init__(self, parley: Parley, actor: UserView, zone) -> None:
        self.parley, self.actor, self.zone = parley, actor, zone
        self.messages: MessageList | None = None   # set once the thread is built

    def __call__(self, message_id: int, action: str) -> None:
        try:
            {'edit': self.edit, 'delete': self.delete, 'versions': self.versions}[action](message_id)
        except NotFound:
            ui.notify(_('This message cannot be changed any more.'), type='warning')

    def _shown(self, changed: Changed) -> None:
        if self.messages is not None:
            self.messages.replace(changed.message)
        if changed.notice:
            ui.notify(changed.notice, type='warning', timeout=8000, close_button=_('OK'))

    def edit(self, message_id: int) -> None:
        message = self.parley.conversations.get_message(self.actor, message_id)
        emailed = self.parley.edits.emailed_to(self.actor, message_id)
        hint = (_('{names} already got this by email and keep that version; the live chat and the conversation show '
                  'the new one.').format(names=name_list(emailed)) if emailed else None)
        form = FormDialog(_('Edit message'), _('Save'), marker='edit-message', confirm='save-edit', hint=hint,
                          width='max-w-xl')
        with form.body:
            box = ui.textarea(value=message.body).props(
                f'outlined autogrow autofocus {aria("Edit message")} maxlength={MAX_MESSAGE_LENGTH + 1000} '
                'input-class="max-h-72"').classes('w-full').mark('edit-box')
            ui.label(_('Enter to save · Shift+Enter for a new line · Esc to cancel')) \
                .classes('text-xs text-slate-400 max-sm:hidden')
        box.on('keydown.enter.exact.prevent', form.submit)

        def save() -> None:
            self._shown(self.parley.edits.edit(self.actor, message_id, body=box.value or ''))
        form.run = save
        form.open()

    def delete(self, message_id: int) -> None:
        form = FormDialog(_('Delete this message?'), _('Delete'), marker='delete-message',
                          confirm='confirm-delete-message',
                          hint=self.parley.edits.what_deleting_does(self.actor, message_id), danger=True)

        def delete() -> None:
            self._shown(self.parley.edits.delete(self.actor, message_id))
        form.run = delete
        form.open()

    def versions(self, message_id: int) -> None:
        earlier = self.parley.edits.versions(self.actor, message_id)
        now = self.parley.conversations.get_message(self.actor, message_id)
        with ui.dialog() as dialog, ui.card().classes('w-full max-w-xl p-4 gap-3').mark('message-versions'):
            ui.label(_('Earlier versions')).classes('text-lg font-semibold').props('role=heading aria-level=2')
            with ui.column().classes('w-full gap-3 max-h-[60vh] overflow-y-auto'):
                for version in earlier:
                    with ui.column().classes('w-full gap-1'):
                        ui.label(_('Until {full_time}').format(
                                   full_time=full_time(version.replaced_at, self.zone))).classes('text-xs '
                                                                                                'text-slate-500')
                        ui.label(version.body).classes('parley-bubble text-sm p-3 bg-slate-50 rounded-md w-full')
                with ui.column().classes('w-full gap-1'):
                    ui.label(_('Now')).classes('text-xs text-slate-500 font-semibold')
                    ui.label(now.body).classes('parley-bubble text-sm p-3 bg-indigo-50 rounded-md w-full')
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Close'), on_click=dialog.close).props('flat no-caps')
        dialog.on('hide', dialog.delete)
        dialog.open()



