"""People as chips: type "@" and letters for suggestions from the server, or use the add button."""
from collections.abc import Callable, Sequence

from nicegui import ui

from services.directory import SUGGESTION_LIMIT
from services.i18n import N_, _
from services.views import UserView
from ui import live
from ui.i18n import aria, prop
from ui.theme import avatar

Search = Callable[[str, set[int], int], list[UserView]]
NO_MATCH = N_('No matching users')
NO_CUSTOMER = N_('No matching customers')


class PeoplePicker:
    """A field of chips: suggestions on typing (keyboard or click), removable chips, a searchable dialog.

    Its words (label, placeholder...) are English message ids (N_), shown in the page's language.
    """

    def __init__(self, *, search: Search, on_change: Callable[[list[UserView]], None],
                 selected: Sequence[UserView] = (), label: str = N_('Participants'),
                 add_label: str = N_('Add participant'), placeholder: str = N_('Type @ and a name'),
                 search_label: str = N_('Search teammates'), no_match: str = NO_MATCH,
                 marker: str = 'picker-add', single: bool = False) -> None:
        self._search = search
        self.single = single   # one person only (a ticket's customer): a pick replaces the chip
        self._on_change = on_change
        self.selected: list[UserView] = list(selected)
        self._add_label, self._search_label, self._no_match = add_label, search_label, no_match
        with ui.column().classes('w-full gap-1 relative'):
            self._chips = ui.row().classes('gap-1 flex-wrap items-center')
            self.input = ui.input(_(label), placeholder=_(placeholder), on_change=self._typed) \
                .props('outlined dense autocomplete=off spellcheck=false').classes('w-full')
            with self.input.add_slot('append'):
                ui.button(icon='person_add', on_click=self.open_dialog) \
                    .props('flat round dense ' + aria(add_label)).tooltip(_(add_label)).mark(marker)
            self._suggestions = Suggestions(self._pick, classes='absolute left-0 right-0 top-full mt-1',
                                            no_match=no_match)
        self.input.on('keydown.down.prevent', lambda: self._suggestions.move(1))
        self.input.on('keydown.up.prevent', lambda: self._suggestions.move(-1))
        self.input.on('keydown.enter.prevent', self._suggestions.pick_highlighted)
        self.input.on('keydown.esc', self._suggestions.close)
        self.input.on('keydown.backspace', self._backspace)
        self._render_chips()

    # ----- public -----------------------------------------------------------------------------

    def add(self, person: UserView) -> None:
        if any(p.id == person.id for p in self.selected):
            return
        if self.single:
            self.selected.clear()
        self.selected.append(person)
        self._render_chips()
        self._on_change(list(self.selected))

    def remove(self, person_id: int) -> None:
        self.selected = [p for p in self.selected if p.id != person_id]
        self._render_chips()
        self._on_change(list(self.selected))

    def open_dialog(self) -> None:
        person_dialog(self._add_label, self._search_label, self._no_match,
                      lambda text: self._search(text, {p.id for p in self.selected}, 50), self.add)

    # ----- typing and suggestions -------------------------------------------------------------

    @property
    def unpicked_text(self) -> str:
        """What is typed in the field but not picked (a form must not save as if it were nothing)."""
        return (self.input.value or '').strip()

    def _typed(self) -> None:
        text = (self.input.value or '').strip()
        if text:
            self._suggestions.show(self._search(text, {p.id for p in self.selected}, SUGGESTION_LIMIT))
        else:
            self._suggestions.close()

    def _pick(self, person: UserView) -> None:
        live.replace_start(self.input, '')   # the search is done; what was typed since (the next "@jo") stays
        self._suggestions.close()
        self.add(person)
        self.input.run_method('focus')

    def _backspace(self) -> None:
        if not self.input.value and self.selected:
            self.remove(self.selected[-1].id)

    def _render_chips(self) -> None:
        self._chips.clear()
        with self._chips:
            for person in self.selected:
                ui.chip(person.name, removable=True, on_value_change=lambda _, p=person: self.remove(p.id)) \
                    .props(f'dense color=indigo-1 text-color=indigo-10 aria-label="{_attr(person.name)}" ' +
                           prop('remove-aria-label', 'Remove {name}', name=person.name)) \
                    .tooltip(person.email)
        self._chips.visible = bool(self.selected)


class Suggestions:
    """A list of people under (or above) a text field: arrow keys move, Enter or a click picks."""

    def __init__(self, on_pick: Callable, *, classes: str, no_match: str = NO_MATCH,
                 item: Callable | None = None) -> None:
        """item(match, on_click, highlighted=...) draws one match (default: a person)."""
        self._on_pick = on_pick
        self._no_match = no_match
        self._item = item or person_item
        self.matches: list = []
        self._highlight = 0
        self._card = ui.card().classes(f'z-20 p-1 shadow-lg rounded-lg max-h-72 overflow-y-auto {classes}') \
            .props('role=listbox')
        self._card.visible = False

    @property
    def is_open(self) -> bool:
        return self._card.visible

    def show(self, matches: list) -> None:
        self.matches, self._highlight = matches, 0
        self._render()

    def move(self, step: int) -> None:
        if self.is_open and self.matches:
            self._highlight = (self._highlight + step) % len(self.matches)
            self._render()

    def pick_highlighted(self) -> bool:
        """Pick the highlighted person; False when there was nothing to pick."""
        if not (self.is_open and self.matches):
            return False
        self._on_pick(self.matches[self._highlight])
        return True

    def close(self) -> None:
        self._card.visible = False
        self.matches = []

    def _render(self) -> None:
        self._card.clear()
        with self._card:
            if not self.matches:
                ui.label(_(self._no_match)).classes('text-slate-500 text-sm px-3 py-2')
            for index, match in enumerate(self.matches):
                self._item(match, lambda m=match: self._on_pick(m), highlighted=index == self._highlight)
        self._card.visible = True


def person_dialog(title: str, search_label: str, no_match: str, search: Callable[[str], list[UserView]],
                  on_pick: Callable[[UserView], object], *, hint: str | None = None, first: Callable[[], None] |
                  None = None, first_label: str = '', marker: str = 'person-dialog') -> None:
    """A dialog to find one person as one types; picking closes it. `first` adds an item above the results
    ("Assign to me"). The words are English message ids (N_), shown in the page's language."""
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-md p-4 gap-3').mark(marker):
        with ui.row().classes('w-full items-center no-wrap'):
            ui.label(_(title)).classes('text-lg font-semibold').props('role=heading aria-level=2')
            ui.space()
            ui.button(icon='close', on_click=dialog.close).props('flat round dense ' + aria('Close'))
        if hint:
            ui.label(_(hint)).classes('text-sm text-slate-600 -mt-2')
        query = ui.input(_(search_label)).props('outlined dense autofocus clearable').classes('w-full')
        results = ui.column().classes('w-full gap-0 max-h-80 overflow-y-auto')

        def show() -> None:
            results.clear()
            people = search(query.value or '')
            with results:
                if first is not None and not query.value:
                    with ui.item(on_click=lambda: (dialog.close(), first())).classes('w-full rounded-md parley-item') \
                            .mark('person-first'):
                        with ui.item_section().props('avatar'):
                            ui.icon('person', color='primary')
                        ui.item_section(_(first_label))
                if not people:
                    ui.label(_(no_match)).classes('text-slate-500 p-3')
                for person in people:
                    person_item(person, lambda p=person: (dialog.close(), on_pick(p)))

        query.on_value_change(show)
        show()
    dialog.on('hide', dialog.delete)
    dialog.open()


def person_item(person: UserView, on_click: Callable[[], None], *, highlighted: bool = False) -> None:
    highlight = ' bg-indigo-50' if highlighted else ''
    with ui.item(on_click=on_click).classes('w-full rounded-md parley-item' + highlight) \
            .props('role=option' + (' aria-selected=true' if highlighted else '')).mark(f'person-{person.email}'):
        with ui.item_section().props('avatar'):
            avatar(person, size='32px')
        with ui.item_section():
            ui.item_label(person.name)
            ui.item_label(' · '.join(filter(None, [person.email, person.organization]))).props('caption')


def _attr(text: str) -> str:
    """Text safe inside a double-quoted props value."""
    return text.replace('"', "'")
