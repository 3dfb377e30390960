"""The thread header's status controls (Close, Reopen, Snooze), the status banner, and the messenger's keys."""
from collections.abc import Callable
from datetime import datetime

from nicegui import ui

from services.i18n import N_, _, name_list
from services.container import Parley
from services.errors import InvalidInput
from services.lifecycle import snooze_choices
from services.views import ConversationStatus, ConversationView, UserView
from ui.i18n import aria
from ui.dialogs import FormDialog, attempt
from ui.formatting import short_time

CLOSE_KEY = 'Alt+C'
SNOOZE_KEY = 'Alt+S'

# j/k or the arrow keys move through the conversation list (or the search results), Enter opens (a row is a link),
# Escape goes back to the list from the thread (on a phone, back to the list page), the down arrow goes from the
# search field to its results; Alt+C closes or reopens, Alt+S opens the snooze menu.
# Keys typed into a field stay the field's, and an open menu or dialog keeps its own keys. Static: no user data.
LIST_KEYS_SCRIPT = '''<script>
(() => {
  const rows = () => [...document.querySelectorAll(
    'nav[data-list="conversations"] a.parley-item, [data-list="results"] a.parley-item')]
    .filter((r) => r.offsetParent);
  const busy = () => document.querySelector('.q-menu, .q-dialog');
  const typing = (t) => t.matches && t.matches('input, textarea, select, [contenteditable], [contenteditable] *');
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey) return;
    if (e.altKey && !e.shiftKey && (e.code === 'KeyC' || e.code === 'KeyS')) {
      const button = document.querySelector(`[data-shortcut="${e.code === 'KeyC' ? 'close' : 'snooze'}"]`);
      if (button && !busy()) { button.click(); e.preventDefault(); }
      return;
    }
    if (e.target.closest && e.target.closest('[data-search]')) {   // the search field: down into the results
      const first = rows()[0];
      if (e.key === 'ArrowDown' && first) { first.focus(); e.preventDefault(); }
      return;
    }
    if (e.altKey || busy() || typing(e.target) && e.key !== 'Escape') return;
    const list = rows();
    const at = list.indexOf(document.activeElement && document.activeElement.closest('a.parley-item'));
    if (['j', 'k', 'ArrowDown', 'ArrowUp'].includes(e.key) && list.length) {
      const current = at >= 0 ? at : list.findIndex((r) => r.getAttribute('aria-current') === 'true');
      const step = e.key === 'j' || e.key === 'ArrowDown' ? 1 : -1;
      const next = current < 0 ? 0 : Math.min(list.length - 1, Math.max(0, current + step));
      list[next].focus();
      list[next].scrollIntoView({block: 'nearest'});
      e.preventDefault();
    } else if (e.key === 'Escape' && at < 0 && location.pathname !== '/messenger') {
      const selected = list.find((r) => r.getAttribute('aria-current') === 'true');
      if (selected && selected.offsetParent) selected.focus();   // the list is on screen beside the thread
      else if (!selected || !selected.offsetParent) location.assign('/messenger');
      e.preventDefault();
    }
  });
})();
</script>'''


class StatusActions:
    """Close / Reopen and Snooze for one conversation; `changed` runs after a change went through."""

    def __init__(self, parley: Parley, agent: UserView, conversation: ConversationView, zone,
                 changed: Callable[[], None]) -> None:
        self.parley, self.agent, self.conversation, self.zone, self.changed = parley, agent, conversation, zone, changed
        status = conversation.status
        if status == ConversationStatus.OPEN:
            with ui.button(icon='snooze').props('flat round dense  data-shortcut=snooze ' + aria('Snooze')) \
                    .mark('snooze') as self.snooze_button:
                ui.tooltip(_('Snooze ({snooze_key})').format(snooze_key=SNOOZE_KEY))
                self._snooze_menu()
            with ui.button(icon='check', on_click=self.ask_close) \
                    .props('unelevated dense no-caps color=positive data-shortcut=close ' +
                           aria('Close conversation')) \
                    .classes('px-2').mark('close-conversation') as close:
                ui.label(_('Close')).classes('ml-1 max-sm:hidden')
            close.tooltip(_('Close conversation ({close_key})').format(close_key=CLOSE_KEY))
        else:
            with ui.button(icon='replay', on_click=self.reopen) \
                    .props('outline dense no-caps data-shortcut=close ' + aria('Reopen conversation')) \
                    .classes('px-2').mark('reopen-conversation') as reopen:
                ui.label(_('Reopen')).classes('ml-1 max-sm:hidden')
            reopen.tooltip(_('Reopen conversation ({close_key})').format(close_key=CLOSE_KEY))

    def _snooze_menu(self) -> None:
        with ui.menu().props('anchor="bottom right" self="top right" role=menu').mark('snooze-menu'):
            ui.item_label(_('Snooze until')).props('header').classes('text-xs text-slate-500 pb-1')
            for label, until in snooze_choices(datetime.now(self.zone), self.zone):
                ui.menu_item(label, on_click=lambda until=until: self.snooze(until)).props('role=menuitem') \
                    .mark('snooze-' + label.split()[0].lower())
            ui.menu_item(_('Until someone replies'), on_click=lambda: self.snooze(None)).props('role=menuitem') \
                .mark('snooze-reply')
            ui.separator()
            ui.menu_item(_('Pick a date and time…'), on_click=self.pick_time).props('role=menuitem').mark('snooze-pick')

    def ask_close(self) -> None:
        """Close at once; a customer conversation first offers to email the customer a transcript."""
        if not self.conversation.is_customer:
            self.close(False)
            return
        form = FormDialog(_('Close conversation'), _('Close conversation'), marker='close-dialog',
                          confirm='confirm-close',
                          hint=_('It leaves your Open list. If the customer writes again, it opens again.'),
                          after=self.changed, width='max-w-[26rem]')
        with form.body:
            names = name_list([c.name for c in self.conversation.customers])
            transcript = ui.checkbox(_('Email {names} a transcript').format(names=names)).mark('transcript')
            ui.label(_('What they could see of it (never internal notes), with the reply address.')) \
                .classes('text-xs text-slate-500 -mt-3 ml-10')

        def close() -> str:
            self.parley.lifecycle.close(self.agent, self.conversation.id, transcript=transcript.value)
            return _('Closed. A transcript is on its way.') if transcript.value else _('Conversation closed.')
        form.run = close
        form.open()

    def close(self, transcript: bool) -> None:
        self._do(lambda: self.parley.lifecycle.close(self.agent, self.conversation.id, transcript=transcript),
                 _('Closed. A transcript is on its way.') if transcript else _('Conversation closed.'))

    def reopen(self) -> None:
        self._do(lambda: self.parley.lifecycle.reopen(self.agent, self.conversation.id), _('Conversation reopened.'))

    def snooze(self, until: datetime | None) -> None:
        said = (_('Snoozed until {time}.').format(time=short_time(until, self.zone)) if until
                else _('Snoozed until someone replies.'))
        self._do(lambda: self.parley.lifecycle.snooze(self.agent, self.conversation.id, until=until), said)

    def pick_time(self) -> None:
        local = datetime.now(self.zone)
        form = FormDialog(_('Snooze until'), _('Snooze'), marker='snooze-dialog', confirm='confirm-snooze',
                          after=self.changed, width='max-w-[22rem]')
        with form.body:
            day = ui.input(_('Date'), value=local.strftime('%Y-%m-%d')).props('type=date outlined dense') \
                .classes('w-full').mark('snooze-date')
            hour = ui.input(_('Time'), value='09:00').props('type=time outlined dense').classes('w-full') \
                .mark('snooze-time')

        def snooze() -> str:
            try:
                until = datetime.fromisoformat(f'{day.value}T{hour.value}').replace(tzinfo=self.zone)
            except (TypeError, ValueError):
                raise InvalidInput(N_('Pick a date and a time.')) from None
            self.parley.lifecycle.snooze(self.agent, self.conversation.id, until=until)
            return _('Snoozed until {time}.').format(time=short_time(until, self.zone))
        form.run = snooze
        form.open()

    def _do(self, action: Callable[[], object], said: str) -> None:
        attempt(action, said, self.changed)


def status_banner(conversation: ConversationView, zone) -> None:
    """Under the header of a conversation that is not open: what that means for the one reading it."""
    if conversation.status == ConversationStatus.OPEN:
        return
    snoozed = conversation.status == ConversationStatus.SNOOZED
    if snoozed:
        text = (_('Snoozed until {time}. A new message opens it again.').format(
            time=short_time(conversation.snoozed_until, zone)) if conversation.snoozed_until
                else _('Snoozed until someone replies. A new message opens it again.'))
    else:
        text = _('This conversation is closed. A new message from someone else opens it again.')
    with ui.row().classes('w-full items-center gap-2 px-4 py-2 bg-slate-50 border-b border-slate-200 text-sm '
                          'text-slate-700 no-wrap').props('role=status').mark('status-banner'):
        ui.icon('snooze' if snoozed else 'check_circle', size='xs')
        ui.label(text)
