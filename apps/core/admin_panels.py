"""Sections other apps add to every record's change page (files on the record, …), registered
explicitly: `@record_panel` on `panel(request, obj, actor) -> html | None` in the app's admin module.
Core imports no domain; the change page renders what the registered panels return, in order."""
from collections.abc import Callable

_PANELS: list[Callable] = []


def record_panel(panel: Callable) -> Callable:
    if all(p.__qualname__ != panel.__qualname__ or p.__module__ != panel.__module__ for p in _PANELS):
        _PANELS.append(panel)
    return panel


def record_panels(request, obj, actor) -> list[str]:
    if actor is None:
        return []
    return [html for panel in _PANELS if (html := panel(request, obj, actor))]
