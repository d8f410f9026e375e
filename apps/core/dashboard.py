"""The staff dashboard's panels: each app registers its own (`@dashboard_panel`), core knows none.

A panel is a function of the staff member's scope returning its template's context; the figures are
what the member may see, as the API shows it (`visible_to` their roles), and every count links to a
list showing exactly those rows. Keys a panel returns land in one page context, so panels name
theirs distinctly; `queues` (quick links) from every panel are joined in order.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse

from .principal import Principal


@dataclass(frozen=True)
class DashboardScope:
    principal: Principal
    now: datetime
    superuser: bool

    @property
    def me(self) -> str:
        return self.principal.person_id

    def visible(self, model):
        return model.objects.visible_to(self.principal)

    def link(self, changelist: str, **params) -> str:
        """The admin list `changelist` (`app_model`) filtered by `params`, in this member's tenant."""
        if self.superuser:
            params = {"tenant_id__exact": self.principal.tenant_id, **params}
        url = reverse(f"admin:{changelist}_changelist")
        return f"{url}?{urlencode(params)}" if params else url


@dataclass(frozen=True)
class Panel:
    template: str
    build: Callable[[DashboardScope], dict]
    order: int
    model: type | None = None  # whose work the panel shows (apps.core.work); None: everyone's

    def shown_to(self, principal: Principal) -> bool:
        from .work import works_on

        return self.model is None or works_on(principal, self.model)


_PANELS: list[Panel] = []


def dashboard_panel(*, template: str, order: int, model: type | None = None):
    """Registers the decorated `build(scope) -> context` as a panel shown at position `order`, to the
    roles whose work `model` is (apps.core.work; every staff member when None)."""
    if any(p.order == order for p in _PANELS if p.template != template):
        raise ValueError(f"two dashboard panels at position {order}")

    def register(build: Callable[[DashboardScope], dict]) -> Callable[[DashboardScope], dict]:
        _PANELS[:] = [p for p in _PANELS if p.template != template]
        _PANELS.append(Panel(template=template, build=build, order=order, model=model))
        _PANELS.sort(key=lambda p: p.order)
        return build

    return register


def panels(principal: Principal | None = None) -> list[Panel]:
    return [p for p in _PANELS if principal is None or p.shown_to(principal)]


def bars(rows: list[tuple[str, int]]) -> list[dict]:
    top = max([v for _, v in rows] + [1])
    return [{"label": label, "value": value, "pct": round(100 * value / top)} for label, value in rows]
