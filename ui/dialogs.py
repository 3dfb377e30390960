"""A small dialog with a title, fields, a line for what went wrong, and Cancel / an action; and `attempt` for a
button's service call.

The action is a service call: a refusal (ParleyError) stays in the dialog in its own words and nothing closes;
success closes it, says so in a pop-up and runs `after` (the page reads what changed).
"""
from collections.abc import Callable

from nicegui import ui

from services.i18n import _
from services.errors import ParleyError


def attempt(action: Callable[[], object], said: str, then: Callable[[], None]) -> None:
    """Run a service call from a button: a refusal is a pop-up in its own words; success says `said`, then `then`."""
    try:
        action()
    except ParleyError as problem:
        ui.notify(str(problem), type='negative')
        return
    ui.notify(said)
    then()


class FormDialog:
    """Build the fields `with form.body:`, set `form.run` (returns the pop-up's words, or None), then `open()`."""

    def __init__(self, title: str, action: str, *, marker: str, confirm: str, hint: str | None = None,
                 after: Callable[[], None] = lambda: None, danger: bool = False, width: str = 'max-w-md') -> None:
        self.run: Callable[[], str | None] = lambda: None
        self.after = after
        with ui.dialog() as self.dialog, ui.card().classes(f'w-full {width} p-4 gap-3').mark(marker):
            ui.label(title).classes('text-lg font-semibold').props('role=heading aria-level=2')
            if hint:
                ui.label(hint).classes('text-sm text-slate-600')
            self.body = ui.column().classes('w-full gap-3 p-0')
            self.error = ui.label().classes('text-sm text-negative').props('role=alert')
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button(_('Cancel'), on_click=self.dialog.close).props('flat no-caps')
                ui.button(action, on_click=self.submit) \
                    .props('unelevated no-caps' + (' color=negative' if danger else '')).mark(confirm)
        self.dialog.on('hide', self.dialog.delete)

    def submit(self) -> None:
        try:
            said = self.run()
        except ParleyError as problem:
            self.error.text = str(problem)
            return
        self.dialog.close()
        if said:
            ui.notify(said)
        self.after()

    def open(self) -> None:
        self.dialog.open()
