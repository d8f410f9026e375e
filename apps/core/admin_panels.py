"""Sections other apps add to every record's change page (files on the record, …), registered
explicitly: `@record_panel` on `panel(request, obj, actor) -> html | (html, media) | None` in the app's
admin module (media: the scripts and styles a panel's widgets need, as a form's `Media`). Core imports
no domain; the change page renders what the registered panels return, in order, and loads their media."""
from collections.abc import Callable

from django.forms import Media

_PANELS: list[Callable] = []


class Panels(list):
    """The panels a page shows (their HTML, in order) and the media they need."""

    media = Media()


def record_panel(panel: Callable) -> Callable:
    if all(p.__qualname__ != panel.__qualname__ or p.__module__ != panel.__module__ for p in _PANELS):
        _PANELS.append(panel)
    return panel


def record_panels(request, obj, actor) -> Panels:
    panels = Panels()
    if actor is None:
        return panels
    for panel in _PANELS:
        made = panel(request, obj, actor)
        html, media = made if isinstance(made, tuple) else (made, None)
        if html:
            panels.append(html)
            if media is not None:
                panels.media = panels.media + media
    return panels
