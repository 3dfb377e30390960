"""Times in the viewer's own zone, as messengers show them."""
from datetime import datetime, timedelta, timezone, UTC
from zoneinfo import ZoneInfo

from fastapi import Request

from services.i18n import _, pattern

TZ_COOKIE = 'parley_tz'
# Static script (no user data in it): tells the server the browser's time zone for later pages.
TZ_SCRIPT = ('<script>document.cookie = "parley_tz=" + encodeURIComponent('
             'Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC") + '
             '"; path=/; max-age=31536000; SameSite=Lax";</script>')


GROUP_WITHIN = timedelta(minutes=5)


def visibility_script(event: str) -> str:
    """Head HTML that emits `event` with "visible"/"hidden" when the tab is shown or hidden (static text)."""
    return ('<script>document.addEventListener("visibilitychange", () => '
            f'emitEvent("{event}", document.visibilityState));</script>')


def placement(previous, message, zone) -> tuple[bool, bool]:
    """(starts a new day, continues the previous message's group) for a message shown after `previous`.

    Each emailed reply starts its own group, so every one shows its name, time and "by email".
    """
    new_day = previous is None or day_label(previous.created_at, zone) != day_label(message.created_at, zone)
    grouped = (not new_day and previous.author.id == message.author.id and previous.is_note == message.is_note
               and previous.event is None and message.event is None
               and previous.via == message.via != 'email' and message.created_at - previous.created_at <= GROUP_WITHIN)
    return new_day, grouped


def viewer_zone(request: Request | None, agent=None) -> ZoneInfo | timezone:
    """The agent's time zone from their profile, else the browser's (its cookie), else UTC."""
    name = (getattr(agent, 'time_zone', None) or
            (request.cookies.get(TZ_COOKIE, '') if request is not None else ''))
    try:
        return ZoneInfo(name) if name else UTC
    except (ValueError, KeyError, OSError):
        return UTC


def list_time(moment: datetime, zone, *, now: datetime | None = None) -> str:
    """14:05 today, 'Yesterday', a weekday within a week, else 3 Nov (or 3 Nov 2025), in the reader's language."""
    local, today = moment.astimezone(zone), (now or datetime.now(UTC)).astimezone(zone)
    days = (today.date() - local.date()).days
    if days <= 0:
        return pattern(local, 'Hm')
    if days == 1:
        return _('Yesterday')
    if days < 7:
        return pattern(local, 'EEE')
    return pattern(local, 'MMMd' if local.year == today.year else 'yMMMd')


def day_label(moment: datetime, zone, *, now: datetime | None = None) -> str:
    local, today = moment.astimezone(zone), (now or datetime.now(UTC)).astimezone(zone)
    if local.date() == today.date():
        return _('Today')
    if local.date() == today.date() - timedelta(days=1):
        return _('Yesterday')
    return pattern(local, 'MMMMEEEEd' if local.year == today.year else 'yMMMMEEEEd')


def clock(moment: datetime, zone) -> str:
    return pattern(moment.astimezone(zone), 'Hm')


def full_time(moment: datetime, zone) -> str:
    local = moment.astimezone(zone)
    return _('{date}, {time}').format(date=pattern(local, 'yMMMMEEEEd'), time=pattern(local, 'Hm'))


def short_time(moment: datetime, zone) -> str:
    """A time in the coming week, as a snooze shows it: "Mon 09:00" (a date beyond the week: "8 Dec 09:00")."""
    local = moment.astimezone(zone)
    day = pattern(local, 'EEE' if local - datetime.now(zone) < timedelta(days=6) else 'MMMd')
    return f'{day} {pattern(local, "Hm")}'
