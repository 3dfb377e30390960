"""The bell in the header of every agent page: unread count, the list, and the live pop-up, chime and desktop notice.

Every tab keeps its badge current. Only the tab the agent focused last pops up, chimes or asks the
browser for a desktop notice, so an agent with three tabs open hears one chime. A notification about
the conversation the agent is looking at right now does not pop up at all.
"""
from collections.abc import Callable
import json
import weakref

from nicegui import context, ui

from services.i18n import _
from services.container import Parley
from services.events import CatchUp, Event, NotificationCreated, NotificationsRead, SessionsEnded
from services.views import UserView
from ui import live
from ui.i18n import aria
from ui.formatting import list_time, viewer_zone
from ui.session import session_ended

# Static scripts (no user text): report focus, play a short chime, show a desktop notice whose
# text is read from two hidden elements on the page.
SCRIPTS = '''<script>
window.addEventListener("focus", () => emitEvent("parley_focus"));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") emitEvent("parley_focus");
});
window.parleyChime = () => {
  try {
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    const tone = audio.createOscillator(), volume = audio.createGain();
    tone.frequency.value = 880;
    volume.gain.setValueAtTime(0.08, audio.currentTime);
    volume.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.4);
    tone.connect(volume); volume.connect(audio.destination);
    tone.start(); tone.stop(audio.currentTime + 0.4);
  } catch (e) {}
};
window.parleyDesktop = (titleId, bodyId, href) => {
  setTimeout(() => {
    try {
      if (!("Notification" in window) || Notification.permission !== "granted") return;
      const title = document.getElementById(titleId), body = document.getElementById(bodyId);
      if (!title) return;
      const notice = new Notification(title.textContent, {body: body ? body.textContent : ""});
      notice.onclick = () => { window.focus(); window.location.href = href; };
    } catch (e) {}
  }, 300);
};
</script>'''

COUNT_DELAY = 0.1   # seconds: the badge is recounted once for the events meanwhile
_bells: 'weakref.WeakValueDictionary[str, Bell]' = weakref.WeakValueDictionary()


class Bell:
    """The header's bell for one page of one agent."""

    def __init__(self, parley: Parley, agent: UserView) -> None:
        self.parley, self.agent = parley, agent
        self.notifications = parley.notifications
        self.client = context.client
        self.zone = viewer_zone(self.client.request, agent)
        # What the page shows right now (a conversation on screen needs no pop-up): set by the messenger.
        self.viewing: Callable[[], int | None] = lambda: None
        self._count_soon = live.Soon(COUNT_DELAY, self.count, 'bell-count')   # once for a burst of events
        self.unread: int | None = None   # the count on the badge
        self.opened = False   # the list is drawn when the agent first opens it, not on every page load
        with ui.button(icon='notifications_none', on_click=self._show) \
                .props('flat round dense ' + aria('Notifications')).classes('parley-focus text-slate-700') \
                .mark('bell') as self.button:
            self.badge = ui.badge('', color='negative').props('floating rounded').classes('text-[11px]') \
                .mark('bell-count')
            with ui.menu().props('anchor="bottom right" self="top right" max-height="80vh"') \
                    .classes('w-[22rem] max-w-[95vw]') as self.menu:
                self._list()
        ui.add_head_html(SCRIPTS)
        ui.on('parley_focus', lambda: parley.presence.page_focused(agent.id, self.client.id))
        parley.presence.page_focused(agent.id, self.client.id)   # a page just opened has the focus
        self.client.on_delete(lambda: parley.presence.page_unfocusable(self.client.id))
        live.subscribe(parley.bus, agent.id, self._on_event)
        _bells[self.client.id] = self
        self.count()

    @staticmethod
    def of_page() -> 'Bell | None':
        return _bells.get(context.client.id)

    def count(self) -> None:
        unread = self.notifications.unread_count(self.agent)
        if unread == self.unread:
            return   # nothing to redraw (a message read on arrival comes and goes within one count)
        self.unread = unread
        self.badge.text = str(unread) if unread < 100 else '99+'
        self.badge.visible = unread > 0
        self.button.props(aria('Notifications, {count} unread', count=unread) if unread else aria('Notifications'))
        self.button.props(f'icon={"notifications" if unread else "notifications_none"}')

    # ----- the list ---------------------------------------------------------------------------

    def _show(self) -> None:
        self.opened = True
        self._list.refresh()

    @ui.refreshable_method
    def _list(self) -> None:
        if not self.opened:
            return
        items = self.notifications.bell(self.agent)
        with ui.row().classes('w-full items-center px-4 py-2 border-b border-slate-100 no-wrap'):
            ui.label(_('Notifications')).classes('font-semibold')
            ui.space()
            ui.button(_('Mark all as read'), on_click=self._mark_all).props('flat dense no-caps size=sm') \
                .mark('mark-all-read').set_enabled(any(not n.read for n in items))
        if not items:
            with ui.column().classes('w-full items-center text-center gap-1 px-6 py-8 text-slate-500'):
                ui.icon('notifications_none', size='md', color='grey-5')
                ui.label(_('You are all caught up.'))
        with ui.list().classes('w-full'):
            for item in items:
                with ui.item(on_click=lambda n=item: self._open(n)).classes('parley-item py-2') \
                        .props('clickable').mark(f'notification-{item.id}'):
                    with ui.item_section().classes('min-w-0'):
                        ui.item_label(item.title).classes('text-sm ' + ('text-slate-600' if item.read else
                                                                        'font-semibold text-slate-900'))
                        if item.preview:
                            ui.item_label(item.preview).props('caption lines=2')
                    with ui.item_section().props('side top'):
                        ui.item_label(list_time(item.created_at, self.zone)).props('caption')
                        if not item.read:
                            ui.element('span').classes('w-2 h-2 rounded-full bg-primary mt-1') \
                                .props(aria('Unread'))
        with ui.row().classes('w-full px-4 py-2 border-t border-slate-100'):
            ui.link(_('Notification settings'), '/settings/notifications').classes('text-sm text-primary')

    def _open(self, item) -> None:
        self.notifications.mark_read(self.agent, item.id)
        self.menu.close()
        ui.navigate.to(item.link)

    def _mark_all(self) -> None:
        self.notifications.mark_all_read(self.agent)
        self._list.refresh()

    # ----- live -------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, SessionsEnded):   # signed out elsewhere (or a password change): end this page too
            if session_ended(self.parley):
                live.go_to_sign_in(self.client)
            return
        if isinstance(event, (NotificationsRead, CatchUp)):
            self._count_soon()
            return
        if not isinstance(event, NotificationCreated):
            return
        self._count_soon()
        if self.parley.presence.focused_page(self.agent.id) != self.client.id:
            return   # another tab of this agent announces it
        if event.conversation_id is not None and event.conversation_id == self.viewing():
            return   # on screen already
        notification = self.notifications.get(self.agent, event.key)
        if notification is None or notification.read:
            return
        if 'popup' in event.channels:
            ui.notify(f'{notification.title}: {notification.preview}' if notification.preview else notification.title,
                      position='bottom-right', color='primary', icon='notifications', timeout=6000, multi_line=True,
                      actions=[{'label': _('Dismiss'), 'color': 'white', 'noCaps': True}])   # closeBtn: unreadable
        if 'sound' in event.channels:
            ui.run_javascript('window.parleyChime && window.parleyChime()')
        if 'desktop' in event.channels:
            self._desktop(notification)

    def _desktop(self, notification) -> None:
        """The browser's notice, its text taken from hidden elements (never from a script string)."""
        with self.button:
            holder = ui.element('div').classes('hidden')
            with holder:
                title = ui.label(notification.title)
                body = ui.label(notification.preview)
        href = json.dumps(notification.link)   # a path Parley built from ids, quoted as a JS string
        ui.run_javascript(f'window.parleyDesktop && window.parleyDesktop("c{title.id}", "c{body.id}", {href})')
        ui.timer(5, holder.delete, once=True)
