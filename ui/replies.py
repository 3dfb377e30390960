"""/settings/replies: the team's saved replies (admins keep them) and each agent's own; "/" in the composer uses
them (ui/composer.py)."""
from nicegui import ui

from services.i18n import N_, _
from services.container import Parley
from services.replies import PLACEHOLDERS, SavedReplyView
from services.views import UserView
from ui.dialogs import FormDialog
from ui.i18n import aria, prop
from ui.theme import REPLIES_PATH, agent_page

HINT = N_('Type "/" and the shortcut at the start of a reply or a note to use it. These fill in for the '
          'conversation: {placeholders}.')


def hint() -> str:
    return _(HINT).format(placeholders=', '.join(PLACEHOLDERS))


def register(parley: Parley) -> None:
    agent_page(parley, REPLIES_PATH, N_('Saved replies'), lambda agent, _request: RepliesPage(parley, agent))


class RepliesPage:
    def __init__(self, parley: Parley, agent: UserView) -> None:
        self.parley, self.agent = parley, agent
        with ui.column().classes('w-full max-w-3xl mx-auto p-4 md:p-6 gap-4'):
            with ui.row().classes('w-full items-center gap-2'):
                ui.label(_('Saved replies')).classes('text-xl font-semibold').props('role=heading aria-level=1')
                ui.space()
                ui.button(_('New reply'), icon='add', on_click=lambda: self._edit(None)) \
                    .props('unelevated no-caps').mark('new-reply')
            ui.label(hint()).classes('text-sm text-slate-600')
            self.lists = ui.column().classes('w-full gap-6')
        self._show()

    def _show(self) -> None:
        replies = self.parley.replies.list_replies(self.agent)
        self.lists.clear()
        with self.lists:
            self._section(_('Your replies'), _('Only you see these.'), [r for r in replies if not r.shared], 'mine')
            self._section(_('Team replies'), _('Everyone on the team can use these; you keep them as an admin.')
                          if self.agent.is_admin else _('Everyone on the team can use these; admins keep them.'),
                          [r for r in replies if r.shared], 'team')

    def _section(self, title: str, detail: str, replies: list[SavedReplyView], marker: str) -> None:
        with ui.column().classes('w-full gap-2').mark(f'replies-{marker}'):
            ui.label(title).classes('text-base font-semibold').props('role=heading aria-level=2')
            ui.label(detail).classes('text-sm text-slate-500 -mt-1')
            if not replies:
                with ui.row().classes('w-full items-center gap-2 p-4 rounded-lg border border-dashed '
                                      'border-slate-300 text-slate-500'):
                    ui.icon('bolt', color='grey-5')
                    ui.label('None yet.' if marker == 'team' and not self.agent.is_admin else
                             'None yet. "New reply" keeps an answer you give often.').classes('text-sm')
                return
            with ui.column().classes('w-full gap-0 rounded-lg border border-slate-200 bg-white divide-y '
                                     'divide-slate-100'):
                for reply in replies:
                    self._row(reply)

    def _row(self, reply: SavedReplyView) -> None:
        with ui.row().classes('w-full items-start no-wrap gap-3 px-4 py-3').mark(f'reply-{reply.shortcut}'):
            ui.label(f'/{reply.shortcut}').classes('font-mono text-sm text-primary bg-indigo-50 rounded px-2 py-0.5 '
                                                   'shrink-0')
            with ui.column().classes('flex-1 min-w-0 gap-0'):
                ui.label(reply.title).classes('font-medium')
                ui.label(reply.body).classes('text-sm text-slate-600 line-clamp-2 whitespace-pre-line break-words')
            if reply.mine:
                ui.button(icon='edit', on_click=lambda r=reply: self._edit(r)) \
                    .props('flat round dense color=grey-7 ' + aria('Edit /{shortcut}', shortcut=reply.shortcut)) \
                    .tooltip(_('Edit')).mark(f'edit-{reply.shortcut}')
                ui.button(icon='delete_outline', on_click=lambda r=reply: self._delete(r)) \
                    .props('flat round dense color=grey-7 ' + aria('Delete /{shortcut}', shortcut=reply.shortcut)) \
                    .tooltip(_('Delete')).mark(f'delete-{reply.shortcut}')

    def _edit(self, reply: SavedReplyView | None) -> None:
        form = FormDialog(_('New saved reply') if reply is None else _('Edit saved reply'), _('Save'),
                          marker='reply-form', confirm='save-reply', hint=hint(), after=self._show, width='max-w-lg')
        with form.body:
            title = ui.input(_('Title'), value=reply.title if reply else '').props('outlined dense autofocus') \
                .classes('w-full').mark('reply-title')
            shortcut = ui.input(_('Shortcut'), value=reply.shortcut if reply else '') \
                .props('outlined dense prefix=/ ' + prop('hint', 'Lowercase letters, digits and dashes')) \
                .classes('w-full') \
                .mark('reply-shortcut')
            body = ui.textarea(_('Text'), value=reply.body if reply else '') \
                .props('outlined autogrow input-class="min-h-[6rem]"').classes('w-full').mark('reply-body')
            shared = None
            if reply is None and self.agent.is_admin:
                shared = ui.checkbox(_('A team reply (everyone can use it)')).mark('reply-shared')

        def save() -> str:
            if reply is None:
                self.parley.replies.create(self.agent, title=title.value, shortcut=shortcut.value, body=body.value,
                                           shared=bool(shared and shared.value))
                return _('Saved reply added.')
            self.parley.replies.update(self.agent, reply.id, title=title.value, shortcut=shortcut.value,
                                       body=body.value)
            return _('Saved reply changed.')
        form.run = save
        form.open()

    def _delete(self, reply: SavedReplyView) -> None:
        form = FormDialog(_('Delete /{shortcut}?').format(shortcut=reply.shortcut), _('Delete'), marker='delete-reply',
                          confirm='confirm-delete',
                          hint=(_('"{title}" is removed for the whole team.') if reply.shared else
                                _('"{title}" is removed.')).format(title=reply.title),
                          after=self._show, danger=True)

        def delete() -> str:
            self.parley.replies.delete(self.agent, reply.id)
            return _('Saved reply deleted.')
        form.run = delete
        form.open()



