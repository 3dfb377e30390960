"""One message of a thread as a single element (ui/message.js): about a dozen fewer server-side elements each.

The messenger and the customer's live chat both draw messages with it; the server keeps one element and a
dict per message, the browser draws the avatar, name, time, bubble, files and delivery line.
"""
from nicegui import ui

from services.views import DeliveryView, MessageView
from ui.formatting import clock, day_label, full_time, placement

AGENT_WIDTH = 'max-w-[80%] md:max-w-[70%]'
CHAT_WIDTH = 'max-w-[85%]'


class MessageBubble(ui.element, component='message.js'):
    """A message with its day line, avatar, header, bubble, attachments and delivery state."""

    def __init__(self, data: dict) -> None:
        super().__init__()
        self._props['m'] = data

    @property
    def data(self) -> dict:
        return self._props['m']

    def set_delivery(self, deliveries: tuple[DeliveryView, ...]) -> None:
        self._props['m'] = {**self.data, 'delivery': delivery_line(deliveries)}
        self.update()

    def _displayed_contents(self, *, only_visible: bool) -> list:
        m = self.data   # what the browser shows as text, for ElementFilter and the user simulation
        return [m['day'], m['name'], m['time'], m['body'], 'Internal note' if m['note'] else None,
                'by email' if m['email'] else None, *(m['files'] or ()),
                (m['delivery'] or {}).get('text')]


def message_data(message: MessageView, previous: MessageView | None, zone, *, viewer_id: int, bubble: str,
                 avatar: dict | None, width: str, name: str | None) -> dict:
    """The element's data: `bubble` is the bubble's classes, `avatar` None for no avatar (the chat's own side)."""
    new_day, grouped = placement(previous, message, zone)
    return {'day': day_label(message.created_at, zone) if new_day else None, 'grouped': grouped,
            'own': message.author.id == viewer_id, 'avatar': avatar, 'width': width, 'name': name,
            'note': message.is_note, 'time': clock(message.created_at, zone),
            'full': full_time(message.created_at, zone), 'email': message.via == 'email', 'body': message.body,
            'bubble': bubble, 'files': [a.label for a in message.attachments],
            'delivery': delivery_line(message.deliveries) if message.deliveries else None}


def avatar_data(message: MessageView, *, size: str, spacer: str, color: str = 'indigo-1',
                text: str = 'indigo-9') -> dict:
    return {'initials': message.author.initials, 'size': size, 'spacer': spacer, 'color': color, 'text': text}


def delivery_line(deliveries: tuple[DeliveryView, ...]) -> dict:
    """"Seen", or per customer when there are several: "Ana Costa: Seen · Carlos Pereira: Emailed"."""
    if len(deliveries) == 1:
        text = deliveries[0].label
    else:
        text = ' · '.join(f'{d.customer_name}: {d.label}' for d in deliveries)
    return {'text': text, 'failed': any(d.state == 'email_failed' for d in deliveries)}
